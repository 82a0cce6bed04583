"""Optimizer race page: racers x seeds on the lesson's network, and the same racers on 2-D loss surfaces."""

import math

import pandas as pd
import streamlit as st

from core.race import (
    DEFAULT_RACERS,
    HP_RANGE,
    LR_RANGE,
    MAX_RACERS,
    OPTIMIZERS,
    RaceConfig,
    Racer,
    RaceResult,
    decode_racers,
    encode_racers,
    frame_step,
    leaderboard,
    make_racer,
    run_race,
)
from core.race.surfaces import SURFACES, SurfaceConfig, SurfaceResult, run_surface
from pages.race.charts import fits_chart, loss_chart, loss_table, surface_chart
from ui.charts import chart
from ui.i18n import labels, tr
from ui.params import BoolParam, ChoiceParam, CodecParam, FloatParam, IntParam
from ui.playback import playback
from ui.sidebar import device, run_seed
from ui.table import table
from ui.urlstate import seed_from_url, write_to_url

RACERS_KEY = "race.racers"  # session_state and URL: the racers tuple (edited through the rows below)
PARAMS = {
    RACERS_KEY: CodecParam(DEFAULT_RACERS, decode_racers, encode_racers),
    "race.seeds": IntParam(1, 1, 10),
    "race.fair": BoolParam(True),
    "race.view": ChoiceParam("race", ("race", "surface")),
    "race.log": BoolParam(True),
    "race.smooth": FloatParam(0.6, 0.0, 0.95),
    "race.target": FloatParam(0.02, 0.001, 1.0),
    "race.surface": ChoiceParam("rosenbrock", tuple(SURFACES)),
    "race.start": IntParam(0, 0, 2),
}


@st.cache_data(max_entries=64, show_spinner=False)
def _race(config: RaceConfig, device_name: str) -> RaceResult:
    return run_race(config, device_name)


@st.cache_data(max_entries=64, show_spinner=False)
def _loss_rows(config: RaceConfig, device_name: str, smoothing: float) -> pd.DataFrame:
    """The whole race's smoothed loss table, computed once per animation (frames slice it)."""
    result = _race(config, device_name)
    return loss_table(result, result.steps, smoothing, stride=max(1, result.steps // 192))


@st.cache_data(max_entries=64, show_spinner=False)
def _surface(config: SurfaceConfig) -> SurfaceResult:
    return run_surface(config)


def _racers() -> tuple[Racer, ...]:
    return tuple(st.session_state.get(RACERS_KEY, DEFAULT_RACERS))


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
    st.session_state[RACERS_KEY] = tuple(racers)


def _remove(i: int) -> None:
    racers = list(_racers())
    if len(racers) > 1:
        del racers[i]
        st.session_state[RACERS_KEY] = tuple(racers)


def _add() -> None:
    racers = _racers()
    if len(racers) < MAX_RACERS:
        st.session_state[RACERS_KEY] = (*racers, make_racer(st.session_state["race.add_code"]))


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


def _diverged_notes(result: RaceResult, step: int) -> None:
    for r, label in enumerate(result.labels):
        hits = [int(d) for d in result.diverged_at[r] if 0 < d <= step]
        if hits:
            st.warning(tr("race.diverged_note", racer=label, n=len(hits), total=len(result.seeds),
                          step=min(hits)))


def _draw_race(result: RaceResult, run: tuple, rows: pd.DataFrame, frame: int) -> None:
    """`run`: what identifies the race and its smoothing (the charts' cache key)."""
    step = frame_step(result, frame)
    ss = st.session_state
    log = bool(ss["race.log"])
    left, right = st.columns([3, 2])
    with left:
        st.markdown(f"**{tr('race.loss_title')}**")
        chart(("race.loss", run, frame, log),
              lambda: loss_chart(result, frame, log_scale=log, table=rows, x_title=tr("race.step_axis"),
                                 y_title=tr("race.loss_axis"), diverged_title=tr("race.diverged_axis")))
    with right:
        st.markdown(f"**{tr('race.fits_title')}**")
        chart(("race.fits", run, frame), lambda: fits_chart(result, frame))
    st.markdown(f"**{tr('race.board', step=step)}**")
    table(_board_frame(result, frame, ss["race.target"]).set_index(tr("race.col.rank")))
    _diverged_notes(result, step)


def _draw_surface(result: SurfaceResult, config: SurfaceConfig, frame: int) -> None:
    step = int(result.snap_steps[min(frame, len(result.snap_steps) - 1)])
    name = tr(f"race.surface.{result.surface}")
    st.markdown(f"**{tr('race.surface_title', surface=name)}**")
    chart(("race.surface", config, frame), lambda: surface_chart(
        result, frame, minimum_title=tr("race.minimum"), start_title=tr("race.start_mark")))
    dist = result.distance_to_minimum(step)
    rows = {tr("race.col.racer"): result.labels,
            tr("race.col.value"): [f"{v:.4g}" if math.isfinite(v) else "✖" for v in result.values[:, step]]}
    if len(result.minima):
        rows[tr("race.col.distance")] = [f"{d:.3f}" if math.isfinite(d) else "✖" for d in dist]
    else:
        st.info(tr("race.saddle_note"))
    table(pd.DataFrame(rows).set_index(tr("race.col.racer")))
    for r, label in enumerate(result.labels):
        d = int(result.diverged_at[r])
        if 0 < d <= step:
            st.warning(tr("race.diverged_note", racer=label, n=1, total=1, step=d))


def _words(racers: tuple[Racer, ...]) -> None:
    with st.expander(tr("race.words"), key="race.words", on_change="rerun") as words:
        if words.open:
            for code in dict.fromkeys(r.code for r in racers):
                st.markdown(tr(f"race.word.{code}"))


def render() -> None:
    st.title(tr("race.title"))
    st.write(tr("race.intro"))
    st.caption(tr("race.setup"))
    seed_from_url(PARAMS)
    racers = _racers()
    st.markdown(tr("race.racers", n=len(racers), names=", ".join(r.label for r in racers)))
    # lazy: the editor's widgets are built only while it is open (a lighter first view); a fixed
    # label keeps it open while racers change
    with st.expander(tr("race.editor"), key="race.editor", on_change="rerun") as editor:
        if editor.open:
            st.caption(tr("race.racers_help"))
            _racer_rows()
    c1, c2, c3 = st.columns([2, 1, 2], vertical_alignment="bottom")
    c1.slider(tr("race.seeds"), 1, 10, key="race.seeds", help=tr("race.seeds_help"), persist_state="session")
    c2.toggle(tr("race.fair"), key="race.fair", help=tr("race.fair_help"), persist_state="session")
    c3.segmented_control(tr("race.view"), ["race", "surface"], format_func=labels("race.view."),
                         key="race.view", required=True, persist_state="session")
    view = st.session_state["race.view"] or "race"
    if view == "race":
        c1, c2, c3 = st.columns([1, 2, 2], vertical_alignment="bottom")
        c1.toggle(tr("race.log"), key="race.log", persist_state="session")
        c2.slider(tr("race.smooth"), 0.0, 0.95, step=0.05, key="race.smooth", help=tr("race.smooth_help"),
                  persist_state="session")
        c3.number_input(tr("race.target"), min_value=0.001, max_value=1.0, step=0.005, format="%.3f",
                        key="race.target", help=tr("race.target_help"), persist_state="session")
    else:
        c1, c2 = st.columns(2)
        c1.selectbox(tr("race.surface"), list(SURFACES), format_func=labels("race.surface."),
                     key="race.surface", persist_state="session")
        starts = SURFACES[st.session_state["race.surface"]].starts
        c2.selectbox(tr("race.start"), list(range(len(starts))),
                     format_func=lambda i: f"({starts[i][0]:g}, {starts[i][1]:g})", key="race.start",
                     persist_state="session")
    write_to_url(PARAMS)

    racers = _racers()
    ss = st.session_state
    config = RaceConfig(racers=racers, seeds=int(ss["race.seeds"]), seed=run_seed(),
                        fair_start=bool(ss["race.fair"]))
    result = _race(config, str(device()))
    if view == "race":
        smoothing = float(ss["race.smooth"])
        rows = _loss_rows(config, str(device()), smoothing)
        run = (config, str(device()), smoothing)
        playback("race.play", len(result.snap_steps), lambda f: _draw_race(result, run, rows, f))
        st.caption(tr("race.truth"))
    else:
        surface = SURFACES[ss["race.surface"]]
        st.caption(tr("race.surface_scale", sgd=surface.sgd_scale, adaptive=surface.adaptive_scale))
        sconfig = SurfaceConfig(racers, ss["race.surface"], surface.starts[int(ss["race.start"])],
                                steps=config.steps, snapshot_every=config.snapshot_every)
        sres = _surface(sconfig)
        playback("race.play", len(sres.snap_steps), lambda f: _draw_surface(sres, sconfig, f))
    _words(racers)


render()
