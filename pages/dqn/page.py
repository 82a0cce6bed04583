"""DQN page: the lesson's DQN balances a CartPole beside the same agent without replay memory,
without target network, or without either; then watch a trained agent play."""

import math

import pandas as pd
import streamlit as st

from core.dqn import (
    MEASURED_SEEDS,
    MEASURED_WINS,
    DQNConfig,
    DQNResult,
    SpreadConfig,
    SpreadResult,
    spread_waits_for_click,
    summary,
)
from core.dqn.shipped import PlayConfig, PlayResult
from pages.dqn.charts import (
    COLOURS,
    SHIPPED_COLOUR,
    SPEEDS,
    Labels,
    carts_svg,
    legend_html,
    play_svg,
    returns_chart,
    seeds_chart,
    td_chart,
    timeline_svg,
)
from pages.dqn.controls import CONTROLS, VIEW
from ui.charts import chart, markup
from ui.i18n import tr
from ui.lesson import comparison, later, over_seeds
from ui.sidebar import run_seed
from ui.table import table
from ui.theme import chart_labels

# The settings box, three to a row (the agents take a row of their own).
ROWS = (("dqn.steps", "dqn.epsilon", "dqn.schedule"), ("dqn.gamma", "dqn.lr", "dqn.memory"),
        ("dqn.target", "dqn.reward", "dqn.cap"))


def _controls() -> None:
    with st.container(border=True):
        st.markdown(f"**{tr('dqn.controls')}**")
        CONTROLS.draw("dqn.agents")
        for row in ROWS:
            for key, col in zip(row, st.columns(3)):
                CONTROLS.draw(key, col)
        CONTROLS.draw("dqn.cut")


def _speed() -> tuple[float, float]:
    """The replay's (updates a second, seconds from start to end) at the chosen speed."""
    CONTROLS.draw("dqn.speed")
    return SPEEDS[CONTROLS.value("dqn.speed")]


def _notes(config: DQNConfig) -> None:
    if config.reward == "own" and not config.cut_at_end:
        st.warning(tr("dqn.own_no_cut"))


def _draw(result: DQNResult, frame: int, labels: Labels) -> None:
    """The replayed part: the carts, then the returns and the TD error up to this moment."""
    c = result.config
    markup("dqn.carts", ("dqn.carts", c, frame), lambda: carts_svg(result, frame, labels))
    left, right = st.columns(2)
    for col, which in ((left, "returns"), (right, "td")):
        with col:
            markup(f"dqn.{which}", (f"dqn.{which}", c, frame),
                   lambda which=which: timeline_svg(result, frame, labels, which))
    st.html(legend_html(result.agents, labels))
    st.caption(tr("dqn.frame_caption", step=int(result.frame_steps[frame]), total=c.steps))


def _fmt(v: float, pattern: str) -> str:
    return pattern.format(v) if math.isfinite(v) else "—"


def _below(result: DQNResult, labels: Labels) -> None:
    """Under the replay: the final figures, then the whole run's charts."""
    st.subheader(tr("dqn.table_title"))
    rows = summary(result)
    shown = pd.DataFrame({
        tr("dqn.col.agent"): [labels.agent_name(r["agent"]) for r in rows],
        tr("dqn.col.final"): [_fmt(r["final"], "{:.1f}") for r in rows],
        tr("dqn.col.episodes"): [r["episodes"] for r in rows],
        tr("dqn.col.td"): [_fmt(r["td"], "{:.4f}") for r in rows],
    })
    table(shown.set_index(tr("dqn.col.agent")))
    st.caption(tr("dqn.col_note"))
    left, right = st.columns(2)
    chart(("dqn.returns_chart", result.config), lambda: returns_chart(result, labels), left)
    chart(("dqn.td_chart", result.config), lambda: td_chart(result, labels), right)


def _seeds(config: DQNConfig, labels: Labels) -> None:
    """The same comparison over several seeds: how often the DQN wins."""
    st.subheader(tr("dqn.seeds_title"))
    st.write(tr("dqn.seeds_header"))
    CONTROLS.draw("dqn.seeds")
    spread = CONTROLS.config(SpreadConfig, base=config)
    over_seeds("dqn", spread, spread_waits_for_click(spread), lambda r: _spread_view(r, labels))


def _spread_view(result: SpreadResult, labels: Labels) -> None:
    left, right = st.columns([2, 3])
    seeds = result.config.seed_list
    with left:
        wins = result.wins()
        if not wins:
            st.info(tr("dqn.seeds_no_dqn"))
        for agent, n in wins.items():
            st.markdown(tr("dqn.seeds_summary", first=seeds[0], last=seeds[-1], n=len(seeds), wins=n,
                           name=labels.agent_name(agent)))
        st.caption(tr("dqn.seeds_note"))
    chart(("dqn.seeds", result.config),
          lambda: seeds_chart(pd.DataFrame(result.table()), labels, result.config.base.agents,
                              tr("dqn.seeds_chart")), right)


def _train_view(labels: Labels) -> None:
    _controls()
    config = CONTROLS.config(DQNConfig, seed=run_seed())
    fps, seconds = _speed()
    comparison("dqn", config, waiting=tr("dqn.training"), names=labels.agents(),
               frames=lambda r: len(r.frame_steps), draw=lambda r, f: _draw(r, f, labels),
               before=lambda r: _notes(config), below=lambda r: _below(r, labels),
               rest=lambda r: _seeds(config, labels), fps=fps, seconds=seconds)


def _play(config: PlayConfig, name: str, colour: str, labels: Labels) -> None:
    """One greedy episode of `config`'s net, replayed."""
    fps, seconds = _speed()

    def draw(result: PlayResult, frame: int) -> None:
        markup("dqn.play", ("dqn.play", config, frame),
               lambda: play_svg(result.play, frame, name, labels, colour))

    def after(result: PlayResult) -> None:
        p = result.play
        st.markdown(tr("dqn.watch_fell" if p.fell else "dqn.watch_lasted", name=name, n=p.length))
        if result.shipped:
            meta = result.meta
            st.caption(tr("dqn.watch_shipped", steps=meta.get("steps", 0), seed=meta.get("seed", 0)))

    comparison("dqn.watch", config, waiting=tr("dqn.play_waiting"), names={},
               frames=lambda r: r.play.length + 1, draw=draw, below=after, fps=fps, seconds=seconds)


def _watch_view(labels: Labels) -> None:
    st.write(tr("dqn.watch_words"))
    CONTROLS.draw("dqn.watch")
    agent = CONTROLS.value("dqn.watch")
    if agent == "shipped":
        _play(PlayConfig(seed=run_seed()), labels.agent_shipped, SHIPPED_COLOUR, labels)
        return
    config = CONTROLS.config(DQNConfig, seed=run_seed())
    if agent not in config.agents:
        st.info(tr("dqn.watch_off", name=labels.agent_name(agent)))
        return

    def trained(result: DQNResult) -> None:
        k = result.agents.index(agent)
        play = PlayConfig(weights=result.weights[k], hidden=config.hidden, seed=config.seed,
                          max_steps=config.max_steps)
        _play(play, labels.agent_name(agent), COLOURS[agent], labels)

    later("dqn.trained", config, trained, tr("dqn.run_waiting"))


def render() -> None:
    st.markdown(tr("dqn.words", n=MEASURED_SEEDS, **MEASURED_WINS))
    labels = chart_labels(Labels, "dqn")
    CONTROLS.draw(VIEW)
    if CONTROLS.value(VIEW) == "watch":
        _watch_view(labels)
    else:
        _train_view(labels)


render()
