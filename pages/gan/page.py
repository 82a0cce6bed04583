"""GAN page: the painter and the critic (A and B side by side from one seed), and a 2-D GAN in GAN
Lab's style with its step-by-step controls."""

import dataclasses

import pandas as pd
import streamlit as st

from core.gan import PAINTER_TRUTH, PLANE_TRUTH, Lab, PainterConfig, PainterResult, PlaneConfig, PlaneResult
from core.gan.plane import LIMIT, points_from_drawing
from pages.gan.charts import (
    Labels,
    a_chart,
    lab_html,
    loss_chart,
    modes_chart,
    painter_html,
    planes_html,
    prob_chart,
)
from pages.gan.controls import CONTROLS, VIEW
from ui.canvas import SIZE, canvas_row, draw_ink
from ui.charts import chart, markup
from ui.i18n import tr
from ui.lesson import comparison
from ui.sidebar import run_seed
from ui.table import table
from ui.theme import chart_labels

# Updates a second asked for while the replay plays: the SVG views are light, and at the shared 8 the
# browser showed 7.0 here (`python -m bench.gan --browser`, load 3.5); slow motion is a quarter.
PLAY_FPS = 12.0
SLOW_FPS = PLAY_FPS / 4
# Asked while the stepping session plays: 20 shows 14.0 a second (bench.gan --browser, load 1.5).
LAB_FPS = 20.0
LAB_ITERATIONS = 4  # iterations per update while it plays
LAB_SLOW = (LAB_FPS / 4, 1)  # in slow motion: updates a second asked, and iterations per update
LAB = "gan.lab"  # session_state: the stepping session (core.gan.Lab)
LAB_PLAYING = "gan.lab_playing"


def _fps() -> float:
    return SLOW_FPS if CONTROLS.value("gan.slow") else PLAY_FPS


def _settings(prefix: str, config_differ: str, extra: tuple[str, ...] = ()) -> None:
    """A's settings, what B changes and B's value, in a box (`prefix`: "" painter, "p_" plane)."""
    with st.container(border=True):
        st.markdown(f"**{tr('gan.settings')}**")
        first = st.columns(len(extra) + 1)
        for name, col in zip(extra, first):
            CONTROLS.draw(name, col)
        CONTROLS.draw(f"gan.{prefix}differ", first[-1])
        st.caption(tr("gan.a_caption"))
        row = st.columns(5)
        for name, col in zip(("lr_g", "lr_d", "d_steps", "g_steps", "loss"), row):
            CONTROLS.draw(f"gan.{prefix}{name}", col)
        b = {"lr": ("b_lr_g", "b_lr_d"), "ratio": ("b_d_steps", "b_g_steps")}.get(config_differ, ())
        if b:
            st.caption(tr("gan.b_caption"))
            row = st.columns(5)
            for name, col in zip(b, row):
                CONTROLS.draw(f"gan.{prefix}{name}", col)


def _critic_notes(result) -> None:
    """A warning per training whose D won outright (G learns nothing from it)."""
    for k, code in enumerate(result.trainings):
        if result.critic_won(k):
            st.warning(tr("gan.critic_won", name=code), icon="🧑‍⚖️")


def _differs(config) -> str:
    """One line: what B does differently (or that the two are the same)."""
    a, b = config.settings("A"), config.settings("B")
    if config.differ == "none":
        return tr("gan.same_all", seed=config.seed)
    what = {"lr": tr("gan.differs_lr", a_g=a["lr_g"], a_d=a["lr_d"], b_g=b["lr_g"], b_d=b["lr_d"]),
            "ratio": tr("gan.differs_ratio", a_d=a["d_steps"], a_g=a["g_steps"], b_d=b["d_steps"],
                        b_g=b["g_steps"]),
            "loss": tr("gan.differs_loss", a=tr(f"gan.loss.{a['loss']}"), b=tr(f"gan.loss.{b['loss']}"))}
    return tr("gan.same_start", seed=config.seed, what=what[config.differ])


# --- the painter ----------------------------------------------------------------------------------

def _draw_painter(result: PainterResult, frame: int, labels: Labels) -> None:
    """One view (plain SVG, redrawn node by node): five Vega charts a frame played at 1.4 updates a
    second in Chromium here."""
    markup("gan.painter.view", ("gan.painter", result.config, frame),
           lambda: painter_html(result, frame, labels))
    st.caption(tr("play.step", step=int(result.frame_steps[frame]), total=result.config.steps))


def _painter_table(result: PainterResult, labels: Labels) -> None:
    st.subheader(tr("gan.table_title"))
    rows = {}
    for k, code in enumerate(result.trainings):
        s = result.summary(k)
        rows[labels.training(code)] = {tr("gan.col.bounds"): f"{s['in_bounds']:.0%}",
                                       tr("gan.col.spread"): f"{s['a_std']:.2f}",
                                       tr("gan.col.real"): f"{s['d_real']:.2f}",
                                       tr("gan.col.score"): f"{s['d_score']:.2f}"}
    df = pd.DataFrame(rows).T
    df.index.name = tr("gan.col.training")
    table(df)
    st.caption(tr("gan.table_note"))
    t = PAINTER_TRUTH
    st.markdown(tr("gan.painter_truth", last=t.seeds - 1, n=t.seeds, steps=t.steps, since=t.since,
                   b_lo=t.in_bounds[0], b_hi=t.in_bounds[1], s_lo=t.a_std[0], s_hi=t.a_std[1],
                   r_lo=t.d_real[0], r_hi=t.d_real[1], below=t.collapse_below, k=t.collapsed))


def _painter_charts(result: PainterResult, labels: Labels) -> None:
    """The end of the run as charts: values on hover, their data and pictures in the exports."""
    st.subheader(tr("gan.whole_title"))
    last = len(result.frame_steps) - 1
    cols = st.columns(3)
    chart(("gan.a", result.config), lambda: a_chart(result, last, labels), cols[0], narrow=True)
    chart(("gan.prob", result.config), lambda: prob_chart(result, last, labels), cols[1], narrow=True)
    chart(("gan.loss", result.config), lambda: loss_chart(result, last, labels), cols[2], narrow=True)


def _painter() -> None:
    st.markdown(tr("gan.painter_words"))
    _settings("", CONTROLS.value("gan.differ"), extra=("gan.steps",))
    config = CONTROLS.config(PainterConfig, seed=run_seed())
    labels = chart_labels(Labels, "gan")
    CONTROLS.draw("gan.slow")
    comparison("gan.painter", config, waiting=tr("gan.training"), names={"A": "A", "B": "B"},
               frames=lambda r: len(r.frame_steps), draw=lambda r, f: _draw_painter(r, f, labels),
               before=lambda r: (st.caption(_differs(config)), _critic_notes(r)),
               below=lambda r: _painter_table(r, labels),
               rest=lambda r: _painter_charts(r, labels), fps=_fps())


# --- the plane ------------------------------------------------------------------------------------

def _drawn() -> tuple[tuple[float, float], ...] | None:
    """The drawn target's points (None: nothing drawn yet)."""
    box, rest = canvas_row()
    with box:
        ink = draw_ink("gan.canvas", tr("gan.canvas_help"))
    points = points_from_drawing(ink) if ink is not None else ()
    with rest:
        st.write(tr("gan.draw_words", size=SIZE))
        if points:
            st.caption(tr("gan.drawn_points", n=len(points)))
    return points or None


def _draw_plane(result: PlaneResult, frame: int, labels: Labels) -> None:
    markup("gan.plane.view", ("gan.plane", result.config, frame), lambda: planes_html(result, frame, labels))
    if result.modes is not None:
        m = len(result.centres)
        st.caption(tr("gan.modes_now", a=int(result.modes[frame, 0]), b=int(result.modes[frame, 1]), m=m,
                      step=int(result.frame_steps[frame]), total=result.config.steps))
    else:
        st.caption(tr("play.step", step=int(result.frame_steps[frame]), total=result.config.steps))


def _plane_below(result: PlaneResult, labels: Labels) -> None:
    st.caption(tr("gan.plane_legend"))
    if result.modes is not None:
        chart(("gan.modes", result.config), lambda: modes_chart(result, len(result.frame_steps) - 1, labels))
        if result.config.target == "ring":
            t = PLANE_TRUTH
            st.markdown(tr("gan.plane_truth", steps=t.steps, last=t.seeds - 1, n=t.seeds, k=t.more_modes))


def _plane() -> None:
    st.markdown(tr("gan.plane_words"))
    CONTROLS.draw("gan.target")
    drawn = ()
    if CONTROLS.value("gan.target") == "drawn":
        drawn = _drawn()
    _settings("p_", CONTROLS.value("gan.p_differ"), extra=("gan.p_steps",))
    if drawn is None:
        st.info(tr("gan.draw_first"))
        return
    config = CONTROLS.config(PlaneConfig, seed=run_seed(), drawn=drawn)
    labels = chart_labels(Labels, "gan")
    CONTROLS.draw("gan.slow")
    comparison("gan.plane", config, waiting=tr("gan.training"), names={"A": "A", "B": "B"},
               frames=lambda r: len(r.frame_steps), draw=lambda r, f: _draw_plane(r, f, labels),
               before=lambda r: (st.caption(_differs(config)), _critic_notes(r)),
               below=lambda r: _plane_below(r, labels),
               rest=lambda r: _lab(config, labels), fps=_fps())


# --- step by step ---------------------------------------------------------------------------------

def _lab_for(config: PlaneConfig) -> Lab:
    """This session's stepping GAN for A's settings of `config` (a new one when they changed)."""
    start = dataclasses.replace(config, steps=1, frames=1)
    lab = st.session_state.get(LAB)
    if lab is None or lab.config != start:
        lab = Lab(start)
        st.session_state[LAB] = lab
        st.session_state[LAB_PLAYING] = False
    return lab


def _lab(config: PlaneConfig, labels: Labels) -> None:
    """GAN Lab's step-by-step controls on one GAN with A's settings, kept in this session."""
    st.subheader(tr("gan.lab_title"))
    st.write(tr("gan.lab_words"))
    lab = _lab_for(config)
    playing = bool(st.session_state.get(LAB_PLAYING))

    def set_playing(value: bool) -> None:  # what the clicked button said, not a flip: a click
        st.session_state[LAB_PLAYING] = value  # that Streamlit replays cannot undo itself

    def step(move: str, times: int) -> None:
        st.session_state[LAB].step(move, times)

    def restart() -> None:
        st.session_state[LAB] = Lab(lab.config)
        st.session_state[LAB_PLAYING] = False

    # The buttons stay outside the fragment that redraws the view: a button redrawn at every update
    # could lose a click (a Pause that did not pause). A click reruns the page, which draws them anew.
    row = st.container(horizontal=True)
    row.button(tr("gan.lab_pause") if playing else tr("gan.lab_play"), key="gan.lab_toggle",
               on_click=set_playing, args=(not playing,))
    for move in ("d", "g", "both"):
        row.button(tr(f"gan.lab_{move}"), key=f"gan.lab_{move}", disabled=playing, on_click=step,
                   args=(move, 1))
    row.button(tr("gan.lab_ten"), key="gan.lab_ten", disabled=playing, on_click=step, args=("both", 10))
    row.button(tr("gan.lab_reset"), key="gan.lab_reset", on_click=restart)

    fps, iterations = LAB_SLOW if CONTROLS.value("gan.slow") else (LAB_FPS, LAB_ITERATIONS)

    @st.fragment(run_every=1.0 / fps if playing else None)
    def steps() -> None:
        current = st.session_state[LAB]
        if bool(st.session_state.get(LAB_PLAYING)) != playing:  # Play or Pause was clicked while a
            st.rerun(scope="app")  # timer's update ran: the whole page again, with its buttons
        if playing:
            current.step("both", iterations)
        view = current.view()
        s = current.settings
        title = tr("gan.lab_chart", d=view.d_steps, g=view.g_steps)
        markup("gan.lab.view", None, lambda: lab_html(view, LIMIT, labels, title), cache=False)
        figures = [title, tr("gan.lab_fig_ratio", d=s["d_steps"], g=s["g_steps"], lr_g=s["lr_g"],
                             lr_d=s["lr_d"])]
        if view.d_real is not None:
            figures.append(tr("gan.lab_fig_d", real=view.d_real, fake=view.d_fake, loss=view.d_loss))
        if view.g_loss is not None:
            figures.append(tr("gan.lab_fig_g", loss=view.g_loss))
        if view.modes is not None:
            figures.append(tr("gan.lab_fig_modes", n=view.modes, m=len(current.centres)))
        st.caption(" · ".join(figures))
        if view.diverged:
            st.warning(tr("gan.lab_diverged"), icon="💥")

    steps()


# --- the page -------------------------------------------------------------------------------------

def render() -> None:
    CONTROLS.draw(VIEW)
    {"painter": _painter, "plane": _plane}[CONTROLS.value(VIEW)]()


render()
