"""Sequences page: RNN, LSTM and GRU, the hidden state carried from window to window or reset."""

import math

import pandas as pd
import streamlit as st

from core.seq import (
    KINDS,
    MODES,
    SeqConfig,
    SeqResult,
    SeqSpreadConfig,
    SeqSpreadResult,
    spread_waits_for_click,
    tutorial_task,
)
from pages.seq.charts import (
    Labels,
    heat_chart,
    loss_chart,
    reach_chart,
    scroll_chart,
    seeds_chart,
    stretch_chart,
)
from pages.seq.controls import CONTROLS
from ui import presets
from ui.charts import chart
from ui.i18n import tr
from ui.lesson import comparison, over_seeds
from ui.sidebar import run_seed
from ui.table import table
from ui.theme import chart_labels

# The settings box, three to a row: at 1024 px four to a row cut the task's and the rate's values.
ROWS = (("task", "window", "steps"), ("hidden", "lr", "windows"), ("noise", "test_freq"))


def _back_to_the_tutorial() -> None:
    presets.apply(CONTROLS, SeqConfig())


def _controls() -> None:
    with st.container(border=True):
        st.markdown(f"**{tr('seq.controls')}**")
        for row in ROWS:
            for name, col in zip(row, st.columns(len(row))):
                kwargs = {"disabled": CONTROLS.value("seq.task") != "noisy_next"} if name == "noise" else {}
                CONTROLS.draw(f"seq.{name}", col, **kwargs)
        CONTROLS.draw("seq.show")
        row = st.container(horizontal=True, vertical_alignment="bottom")  # each as wide as it needs
        CONTROLS.draw("seq.heat", row)
        moved = CONTROLS.config(SeqConfig) != SeqConfig()
        row.button(tr("seq.reset_lesson"), key="seq.reset_lesson", on_click=_back_to_the_tutorial,
                   disabled=not moved)


def _draw(result: SeqResult, frame: int, labels: Labels, shown: tuple[str, ...], heat: str) -> None:
    """The replayed part: each shown variant's scrolling view (rows: carried, reset; columns: the
    cells), the heatmaps of one cell, the loss per window."""
    config = result.config
    st.caption(f"{tr('seq.window_of', w=int(result.frame_windows[frame]), total=config.windows)} · "
               f"{tr('seq.replay_caption')}")
    for mode in MODES:
        row = [f"{kind}_{mode}" for kind in KINDS]
        if not set(row) & set(shown):
            continue
        for col, code in zip(st.columns(len(KINDS)), row):
            if code in shown:
                chart(("seq.scroll", config, code, frame),
                      lambda c=code: scroll_chart(result, frame, labels, code=c), col)
    left, right = st.columns(2)
    for col, mode in zip((left, right), MODES):
        code = f"{heat}_{mode}"
        chart(("seq.heat", config, code, frame),
              lambda c=code: heat_chart(result, frame, labels, code=c), col)
    st.caption(tr("seq.heat_caption"))
    if shown:
        chart(("seq.loss", config, frame, shown), lambda: loss_chart(result, frame, labels, shown=shown))


def _table(result: SeqResult, labels: Labels) -> None:
    st.subheader(tr("seq.table_title"))
    df = result.table()

    def fmt(v: float) -> str:
        return f"{v:.4f}" if math.isfinite(v) else "—"

    c = result.config
    shown = pd.DataFrame({
        tr("seq.col.variant"): df["variant"].map(labels.variant),
        tr("seq.col.train", tail=c.scored): df["train_mse"].map(fmt),
        tr("seq.col.test"): df["test_mse"].map(fmt),
        tr("seq.col.freq", f=c.test_freq): df["freq_mse"].map(fmt),
    })
    table(shown.set_index(tr("seq.col.variant")))


def _tests(result: SeqResult, labels: Labels) -> None:
    """After training: the longer stretch and the changed frequency, per cell."""
    c = result.config
    st.subheader(tr("seq.tests_title"))
    st.write(tr("seq.tests_words", n=c.test_windows, f=c.test_freq))
    if tutorial_task(c):
        st.write(tr("seq.tests_verdict_sin_cos"))
    for test in ("test", "freq"):
        for col, kind in zip(st.columns(len(KINDS)), KINDS):
            chart(("seq.stretch", c, kind, test),
                  lambda k=kind, t=test: stretch_chart(result, labels, kind=k, test=t), col, narrow=True)


def _reach(result: SeqResult, labels: Labels) -> None:
    st.subheader(tr("seq.reach_title"))
    reached = result.reach_windows()[:, 1]
    left, right = st.columns([2, 3])
    left.write(tr("seq.reach_words", r=result.reach.shape[2], **dict(zip(KINDS, map(int, reached)))))
    chart(("seq.reach", result.config), lambda: reach_chart(result, labels), right)


def _seeds(config: SeqConfig, labels: Labels) -> None:
    """The same comparison over several seeds: the effect, with its seed count."""
    st.subheader(tr("seq.seeds_title"))
    st.write(tr("seq.seeds_header"))
    CONTROLS.draw("seq.seeds")
    spread = CONTROLS.config(SeqSpreadConfig, base=config)
    over_seeds("seq", spread, spread_waits_for_click(spread), lambda r: _spread_view(r, labels))


def _spread_view(result: SeqSpreadResult, labels: Labels) -> None:
    left, right = st.columns([2, 3])
    with left:
        for s in result.summary():
            values = {"kind": labels.kind(s.kind), "n": s.seeds, "k": s.wins, "lower": s.lower,
                      "carried": s.carried, "reset": s.reset}
            finite = math.isfinite(s.carried) and math.isfinite(s.reset)
            key = {"all": "seq.seeds_all", "most": "seq.seeds_most"}.get(s.holds or "", "seq.seeds_none")
            st.markdown(tr(key if finite else "seq.seeds_diverged", **values))
        seeds, c = result.config.seed_list, result.config.base
        st.caption(tr("seq.seeds_note", first=seeds[0], last=seeds[-1], tail=c.scored))
    chart(("seq.seeds", result.config), lambda: seeds_chart(result, labels), right)


def render() -> None:
    st.markdown(tr("seq.words"))
    _controls()
    config = CONTROLS.config(SeqConfig, seed=run_seed())
    labels = chart_labels(Labels, "seq")
    shown = tuple(CONTROLS.value("seq.show"))
    heat = CONTROLS.value("seq.heat")
    if not shown:
        st.info(tr("seq.none_shown"))
    comparison("seq", config, waiting=tr("seq.training"), names=labels.variants(),
               frames=lambda r: len(r.frame_windows), draw=lambda r, f: _draw(r, f, labels, shown, heat),
               before=lambda r: st.caption(tr("seq.same_start", seed=config.seed)),
               below=lambda r: _table(r, labels),
               rest=lambda r: (_tests(r, labels), _reach(r, labels), _seeds(config, labels)))


render()
