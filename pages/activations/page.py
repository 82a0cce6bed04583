"""Activations page: gallery with autograd derivatives, side-by-side training, gradient flow, dead units."""

from __future__ import annotations

import numpy as np
import streamlit as st

from core.activations import (
    CLASSIC,
    DATASETS,
    FLOW_INITS,
    ActivationTrainConfig,
    ActivationTrainResult,
    GalleryResult,
    GradientFlowConfig,
    GradientFlowResult,
    gallery,
    run_activation_training,
    run_gradient_flow,
)
from core.nonlinearities import ACTIVATIONS, LABELS, RELU_FAMILY
from pages.activations.charts import boundary_chart, curve_chart, dead_chart, flow_chart, gallery_chart
from ui.charts import chart
from ui.computing import computing
from ui.deferred import first_view
from ui.i18n import labels, tr
from ui.params import ChoiceParam, FloatParam, IntParam, MultiParam
from ui.playback import playback
from ui.sidebar import run_seed
from ui.urlstate import seed_from_url, write_to_url

NAMES = tuple(ACTIVATIONS)
MAX_COMPARE = 6
PARAMS = {
    "activations.gallery": MultiParam(CLASSIC, NAMES),
    "activations.xrange": FloatParam(5.0, 1.0, 20.0),
    "activations.compare": MultiParam(CLASSIC, NAMES, max_items=MAX_COMPARE),
    "activations.dataset": ChoiceParam("moons", DATASETS),
    "activations.n": IntParam(400, 50, 1000),
    "activations.noise": FloatParam(0.2, 0.0, 0.5),
    "activations.layers": IntParam(2, 1, 3),
    "activations.width": IntParam(16, 2, 32),
    "activations.lr": FloatParam(0.03, 0.0001, 10.0),
    "activations.steps": IntParam(300, 20, 500),
    "activations.depth": IntParam(10, 2, 16),
    "activations.fwidth": IntParam(32, 4, 64),
    "activations.init": ChoiceParam("default", FLOW_INITS),
    "activations.tab": ChoiceParam("shapes", ("shapes", "train", "flow")),
}
# the training settings behind the expander, two rows of three: (name, min, max, step, format)
TRAIN_SETTINGS = (("n", 50, 1000, 50, None), ("noise", 0.0, 0.5, 0.05, None), ("steps", 20, 500, 50, None),
                  ("layers", 1, 3, 1, None), ("width", 2, 32, 2, None), ("lr", 0.0001, 10.0, 0.01, "%.4f"))
TAB_KEY = "activations.tab"  # the open tab's code, in the URL
TAB_TITLE_KEY = "activations.tab_title"  # the tabs widget: the open tab's title
TABS = PARAMS[TAB_KEY].options


@st.cache_data(max_entries=64, show_spinner=False)
def _gallery(names: tuple[str, ...], r: float) -> GalleryResult:
    return gallery(names, -r, r, n=201)  # smooth at any range; 401 points drew 0.1 s slower


@st.cache_data(max_entries=16, show_spinner=False)
def _train(config: ActivationTrainConfig) -> ActivationTrainResult:
    return run_activation_training(config)


@st.cache_data(max_entries=16, show_spinner=False)
def _flow(config: GradientFlowConfig) -> GradientFlowResult:
    return run_gradient_flow(config)


def _label(name: str) -> str:
    return LABELS[name]


def _pct(value: float) -> str:
    return f"{value:.0%}" if np.isfinite(value) else "—"


def _section_gallery() -> None:
    c1, c2 = st.columns([3, 1])
    c1.multiselect(tr("activations.gallery.pick"), NAMES, format_func=_label, key="activations.gallery",
                   persist_state="session")
    c2.slider(tr("activations.gallery.xrange"), 1.0, 20.0, step=0.5, key="activations.xrange",
              persist_state="session")
    names = tuple(st.session_state["activations.gallery"])
    if not names:
        st.info(tr("activations.gallery.empty"))
        return
    r = float(st.session_state["activations.xrange"])
    result = _gallery(names, r)
    for column, part in zip(st.columns(2), ("value", "derivative")):
        chart(("activations.gallery", names, r, part),
              lambda part=part: gallery_chart(result, part, tr(f"activations.gallery.{part}")), column)
    st.caption(tr("activations.gallery.note"))
    with st.expander(tr("activations.gallery.words")):
        for name in names:
            st.markdown(f"**{LABELS[name]}**: {tr(f'activations.desc.{name}')}")


def _training_controls() -> None:
    c1, c2 = st.columns([3, 1])
    c1.multiselect(tr("activations.train.compare"), NAMES, format_func=_label, key="activations.compare",
                   max_selections=MAX_COMPARE, persist_state="session")
    c2.selectbox(tr("activations.train.dataset"), DATASETS, key="activations.dataset",
                 format_func=labels("activations.dataset."), persist_state="session")
    s = st.session_state
    st.caption(tr("activations.train.settings_now", n=s["activations.n"], noise=s["activations.noise"],
                  layers=s["activations.layers"], width=s["activations.width"], lr=s["activations.lr"],
                  steps=s["activations.steps"]))
    # lazy: the widgets are built only while the settings are open (a lighter first view); their
    # values stay in the session and the URL either way; a fixed label keeps it open while they change
    with st.expander(tr("activations.train.settings"), key="activations.settings", on_change="rerun") as box:
        if not box.open:
            return
        for column, (name, low, high, step, fmt) in zip([*st.columns(3), *st.columns(3)], TRAIN_SETTINGS):
            column.number_input(tr(f"activations.train.{name}"), low, high, step=step, format=fmt,
                                key=f"activations.{name}", persist_state="session")


def _train_config(names: tuple[str, ...]) -> ActivationTrainConfig:
    s = st.session_state
    return ActivationTrainConfig(
        activations=names, dataset=s["activations.dataset"], n_samples=int(s["activations.n"]),
        noise=float(s["activations.noise"]),
        hidden=(int(s["activations.width"]),) * int(s["activations.layers"]),
        lr=float(s["activations.lr"]), steps=int(s["activations.steps"]), seed=run_seed())


def _boundary_title(result: ActivationTrainResult, frame: int, i: int) -> str:
    name, step = LABELS[result.activations[i]], result.frame_steps[frame]
    diverged = result.diverged_at[i]
    if diverged is not None and diverged <= step:
        return tr("activations.train.boundary_diverged", name=name, step=diverged)
    return tr("activations.train.boundary", name=name, acc=_pct(result.accuracy[step, i]))


def _draw_training(result: ActivationTrainResult, config: ActivationTrainConfig, frame: int,
                   dead_units: bool) -> None:
    n = len(result.activations)
    per_row = 4 if n in (4, 7, 8) else 3
    for start in range(0, n, per_row):
        cols = st.columns(per_row)
        for i in range(start, min(start + per_row, n)):
            title = _boundary_title(result, frame, i)
            chart(("activations.boundary", config, frame, i), lambda i=i, title=title: boundary_chart(
                result, frame, i, title), cols[i - start])
    step = result.frame_steps[frame]
    for column, part in zip(st.columns(2), ("loss", "accuracy")):
        _curve(("activations.curve", config), result, part, f"activations.train.{part}", step, column)
    if dead_units:
        _draw_dead(("activations.dead", config, frame), result.activations, result.dead[frame])


def _curve(key: tuple, result: ActivationTrainResult | GradientFlowResult, part: str, title_key: str,
           step: int, container: object) -> None:
    """Loss or accuracy curves of every network up to `step`."""
    chart((*key, part, step), lambda: curve_chart(result.activations, result.loss, result.accuracy, part,
                                                  tr(title_key), upto=step), container)


def _draw_dead(key: tuple, names: tuple[str, ...], dead: np.ndarray) -> None:
    relu = [i for i, a in enumerate(names) if a in RELU_FAMILY]
    if not relu:
        st.caption(tr("activations.dead.none"))
        return
    left, right = st.columns([2, 3])
    chart(key, lambda: dead_chart(names, dead, tr("activations.dead.title"), tr("activations.dead.layer")),
          left)
    i = relu[0]
    right.write(tr("activations.dead.explain", share=_pct(float(np.nanmean(dead[i]))), name=LABELS[names[i]]))


def _section_training() -> None:
    st.write(tr("activations.train.explain"))
    _training_controls()
    names = tuple(st.session_state["activations.compare"])
    if not names:
        st.info(tr("activations.train.empty"))
        return
    config = _train_config(names)
    with computing(tr("activations.train.training")):
        result = _train(config)
    diverged = [LABELS[a] for a, d in zip(result.activations, result.diverged_at) if d is not None]
    if diverged:
        st.warning(tr("activations.train.diverged", names=", ".join(diverged)))
    st.caption(tr("activations.train.look"))
    whole = not first_view("activations.train")  # the dead units and the summary follow the first view
    playback("activations.play", len(result.frame_steps), lambda f: _draw_training(result, config, f, whole))
    if not whole:
        return
    finals = result.final_accuracy()
    lo, hi = min(finals, key=finals.get), max(finals, key=finals.get)
    st.write(tr("activations.train.summary", lo=_pct(finals[lo]), lo_name=LABELS[lo], hi=_pct(finals[hi]),
                hi_name=LABELS[hi]))
    lesson = config.dataset == "moons" and config.hidden == (16, 16)  # the setup the tip was checked on
    st.info(tr("activations.train.shallow" if lesson else "activations.train.deep_hint"), icon="💡")


def _draw_flow(result: GradientFlowResult, config: GradientFlowConfig, frame: int) -> None:
    left, right = st.columns([3, 2])
    labels = [tr(f"activations.flow.{k}") for k in ("norm", "layer", "at_init", "now")]
    chart(("activations.flow", config, frame), lambda: flow_chart(result, frame, *labels), left)
    _curve(("activations.flow_curve", config), result, "accuracy", "activations.flow.accuracy",
           result.frame_steps[frame], right)
    _draw_dead(("activations.flow_dead", config, frame), result.activations, result.dead[frame])


def _section_flow(names: tuple[str, ...]) -> None:
    st.write(tr("activations.flow.explain"))
    c1, c2, c3 = st.columns(3)
    c1.slider(tr("activations.flow.depth"), 2, 16, key="activations.depth", persist_state="session")
    c2.slider(tr("activations.flow.width"), 4, 64, step=4, key="activations.fwidth", persist_state="session")
    c3.selectbox(tr("activations.flow.init"), FLOW_INITS, key="activations.init",
                 format_func=labels("activations.init."), persist_state="session")
    if not names:
        st.info(tr("activations.train.empty"))
        return
    st.caption(tr("activations.flow.compared", names=", ".join(LABELS[n] for n in names)))
    s = st.session_state
    config = GradientFlowConfig(
        activations=names, depth=int(s["activations.depth"]), width=int(s["activations.fwidth"]),
        weight_init=s["activations.init"], dataset=s["activations.dataset"],
        noise=float(s["activations.noise"]), seed=run_seed())
    with computing(tr("activations.flow.waiting")):
        result = _flow(config)
    st.caption(tr("activations.flow.look"))
    first = result.first_layer_at_init()
    if "relu" in first and "sigmoid" in first and first["sigmoid"] > 0:
        st.write(tr("activations.flow.ratio", ratio=first["relu"] / first["sigmoid"]))
    playback("activations.flow_play", len(result.frame_steps), lambda f: _draw_flow(result, config, f))
    finals = {LABELS[a]: _pct(result.accuracy[-1, i]) for i, a in enumerate(result.activations)}
    st.write(tr("activations.flow.final", steps=result.loss.shape[0] - 1,
                items=", ".join(f"{k} {v}" for k, v in finals.items())))


def _tabs() -> tuple[str, object]:
    """The three experiments as tabs; only the open one is built. Returns its code and container."""
    titles = [tr(f"activations.tab.{code}") for code in TABS]
    # the URL keeps the code (the same link in both languages), the widget the title: a link or a
    # language switch sets the title from the code
    if st.session_state.get(TAB_TITLE_KEY) not in titles:
        st.session_state[TAB_TITLE_KEY] = titles[TABS.index(st.session_state[TAB_KEY])]
    tabs = st.tabs(titles, key=TAB_TITLE_KEY, on_change="rerun")
    code, tab = next(((c, t) for c, t in zip(TABS, tabs) if t.open), (TABS[0], tabs[0]))
    st.session_state[TAB_KEY] = code
    return code, tab


def render() -> None:
    st.title(tr("activations.title"))
    st.write(tr("activations.intro"))
    seed_from_url(PARAMS)
    code, tab = _tabs()
    with tab:
        if code == "shapes":
            _section_gallery()
        elif code == "train":
            _section_training()
        else:
            _section_flow(tuple(st.session_state["activations.compare"]))
    write_to_url(PARAMS)


render()
