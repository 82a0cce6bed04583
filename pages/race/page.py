"""Optimizer race page: racers x seeds on the lesson's network, and the same racers on 2-D loss surfaces."""

import math

import pandas as pd
import streamlit as st

from core.race import (
    HP_RANGE,
    LR_RANGE,
    MAX_RACERS,
    OPTIMIZERS,
    RaceConfig,
    Racer,
    RaceResult,
    frame_step,
    leaderboard,
    make_racer,
)
from core.race.surfaces import SURFACES, SurfaceConfig, SurfaceResult
from pages.race.charts import Labels, fits_chart, loss_chart, surface_chart
from pages.race.controls import CONTROLS, RACERS
from ui.charts import chart
from ui.controls import HIDDEN, LOCKED
from ui.i18n import tr
from ui.lesson import comparison
from ui.sidebar import run_seed
from ui.table import table
from ui.theme import chart_labels


def _racers() -> tuple[Racer, ...]:
    return tuple(CONTROLS.value(RACERS))


def _edit(i: int, field: str) -> None:
    """A row widget changed: rebuild the racers tuple (the one source of truth)."""
    racers = list(_racers())
    if i >= len(racers):
        return
    r, value = racers[i], st.session_state[f"race.r{i}.{field}"]
    if field == "code":
        racers[i] = make_racer(value)
    elif field == "lr":
        racers[i] = Racer(r.code, float(value), r.hp)
    else:
        racers[i] = Racer(r.code, r.lr, float(value))
    st.session_state[RACERS] = tuple(racers)


def _remove(i: int) -> None:
    racers = list(_racers())
    if len(racers) > 1:
        del racers[i]
        st.session_state[RACERS] = tuple(racers)


def _add() -> None:
    racers = _racers()
    if len(racers) < MAX_RACERS:
        st.session_state[RACERS] = (*racers, make_racer(st.session_state["race.add_code"]))


def _optimizer_label(code: str) -> str:
    """'RMSprop · alpha': the name, and which setting the third column edits."""
    info = OPTIMIZERS[code]
    return f"{info.name} · {info.hp_name}" if info.hp_name else info.name


def _racer_rows() -> None:
    """One row per racer: optimizer, learning rate, main setting, remove; then an add row."""
    racers = _racers()
    codes = list(OPTIMIZERS)
    widths = [3, 2, 2, 1]
    for col, text in zip(st.columns(widths), (tr("race.optimizer"), tr("race.lr"), tr("race.main_hp"))):
        col.markdown(f"**{text}**")
    for i, r in enumerate(racers):
        st.session_state[f"race.r{i}.code"] = r.code
        st.session_state[f"race.r{i}.lr"] = r.lr
        st.session_state[f"race.r{i}.hp"] = r.hp
        info = OPTIMIZERS[r.code]
        hidden = {"label_visibility": "collapsed"}
        c1, c2, c3, c4 = st.columns(widths, vertical_alignment="center")
        c1.selectbox(tr("race.optimizer"), codes, format_func=_optimizer_label, key=f"race.r{i}.code",
                     on_change=_edit, args=(i, "code"), **hidden)
        c2.number_input(tr("race.lr"), min_value=LR_RANGE[0], max_value=LR_RANGE[1], step=0.001,
                        format="%.5g", key=f"race.r{i}.lr", on_change=_edit, args=(i, "lr"), **hidden)
        c3.number_input(info.hp_name or tr("race.no_hp"), min_value=HP_RANGE[0], max_value=HP_RANGE[1],
                        step=0.01, format="%.3g", key=f"race.r{i}.hp", on_change=_edit, args=(i, "hp"),
                        disabled=info.hp_name is None, **hidden)
        c4.button(tr("race.remove"), key=f"race.r{i}.remove", on_click=_remove, args=(i,),
                  disabled=len(racers) < 2)
    c1, c2, _ = st.columns([3, 2, 3], vertical_alignment="bottom")
    c1.selectbox(tr("race.add_code"), codes, format_func=_optimizer_label, key="race.add_code")
    c2.button(tr("race.add"), key="race.add", on_click=_add, disabled=len(racers) >= MAX_RACERS)
    if len(racers) >= MAX_RACERS:
        st.caption(tr("race.full", n=MAX_RACERS))


def _board_frame(result: RaceResult, frame: int, target: float) -> pd.DataFrame:
    rows = leaderboard(result, frame, target)
    total = len(result.seeds)
    return pd.DataFrame({
        tr("race.col.rank"): [r["rank"] for r in rows],
        tr("race.col.racer"): [r["racer"] for r in rows],
        tr("race.col.loss"): [f"{r['loss']:.4f}" if not math.isnan(r["loss"]) else "✖" for r in rows],
        tr("race.col.target"): [str(r["steps_to_target"]) if r["steps_to_target"] else tr("race.not_yet")
                                for r in rows],
        tr("race.col.diverged"): [f"{r['diverged']}/{total}" for r in rows],
    })


def _draw_race(config: RaceConfig, result: RaceResult, frame: int) -> None:
    step = frame_step(result, frame)
    log, smoothing = CONTROLS.value("race.log"), CONTROLS.value("race.smooth")
    labels = chart_labels(Labels, "race")
    key = config  # names the race
    left, right = st.columns([3, 2])
    with left:
        st.markdown(f"**{tr('race.loss_title')}**")
        chart(("race.loss", key, frame, log, smoothing),
              lambda: loss_chart(result, frame, labels, log_scale=log, smoothing=smoothing))
    with right:
        st.markdown(f"**{tr('race.fits_title')}**")
        chart(("race.fits", key, frame), lambda: fits_chart(result, frame, labels))
    st.markdown(f"**{tr('race.board', step=step)}**")
    table(_board_frame(result, frame, CONTROLS.value("race.target")).set_index(tr("race.col.rank")))


def _draw_surface(config: SurfaceConfig, result: SurfaceResult, frame: int) -> None:
    step = frame_step(result, frame)
    name = tr(f"race.surface.{result.surface}")
    st.markdown(f"**{tr('race.surface_title', surface=name)}**")
    chart(("race.surface", config, frame), lambda: surface_chart(result, frame, chart_labels(Labels, "race")))
    dist = result.distance_to_minimum(step)
    rows = {tr("race.col.racer"): result.labels,
            tr("race.col.value"): [f"{v:.4g}" if math.isfinite(v) else "✖" for v in result.values[:, step]]}
    if len(result.minima):
        rows[tr("race.col.distance")] = [f"{d:.3f}" if math.isfinite(d) else "✖" for d in dist]
    else:
        st.info(tr("race.saddle_note"))
    table(pd.DataFrame(rows).set_index(tr("race.col.racer")))


def _words(racers: tuple[Racer, ...]) -> None:
    with st.expander(tr("race.words"), key="race.words", on_change="rerun") as words:
        if words.open:
            for code in dict.fromkeys(r.code for r in racers):
                st.markdown(tr(f"race.word.{code}"))


def render() -> None:
    racers = _racers()
    st.markdown(tr("race.racers", n=len(racers), names=", ".join(r.label for r in racers)))
    # lazy: the editor's widgets are built only while it is open (a lighter first view); a fixed
    # label keeps it open while racers change. A lesson link may hide or lock the racers.
    status = CONTROLS.status(RACERS)
    if status == LOCKED:
        st.caption(tr("race.racers_locked"))
    elif status != HIDDEN:
        with st.expander(tr("race.editor"), key="race.editor", on_change="rerun") as editor:
            if editor.open:
                st.caption(tr("race.racers_help"))
                _racer_rows()
    c1, c2, c3 = st.columns([2, 1.5, 2], vertical_alignment="bottom")  # at 1024 px [2, 1, 2] cut "Fair start"
    CONTROLS.draw("race.seeds", c1)
    CONTROLS.draw("race.fair", c2)
    CONTROLS.draw("race.view", c3)
    config = CONTROLS.config(RaceConfig, seed=run_seed())
    if CONTROLS.value("race.view") == "race":
        c1, c2, c3 = st.columns([1, 2, 2], vertical_alignment="bottom")
        CONTROLS.draw("race.log", c1)
        CONTROLS.draw("race.smooth", c2)
        CONTROLS.draw("race.target", c3)
        comparison("race", config, waiting=tr("race.training"), names={}, frames=lambda r: len(r.snap_steps),
                   draw=lambda r, f: _draw_race(config, r, f), below=lambda r: st.caption(tr("race.truth")))
    else:
        c1, c2 = st.columns(2)
        CONTROLS.draw("race.surface", c1)
        starts = SURFACES[CONTROLS.value("race.surface")].starts
        CONTROLS.draw("race.start", c2, format_func=lambda i: f"({starts[i][0]:g}, {starts[i][1]:g})")
        surface = SURFACES[CONTROLS.value("race.surface")]
        st.caption(tr("race.surface_scale", sgd=surface.sgd_scale, adaptive=surface.adaptive_scale))
        sconfig = CONTROLS.config(SurfaceConfig, racers=racers, steps=config.steps,
                                  snapshot_every=config.snapshot_every)
        comparison("race.surface", sconfig, waiting=tr("race.training"), names={},
                   frames=lambda r: len(r.snap_steps), draw=lambda r, f: _draw_surface(sconfig, r, f))
    _words(racers)


render()
