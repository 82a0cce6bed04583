"""Activations page: gallery with autograd derivatives, side-by-side training, gradient flow, dead units."""

from __future__ import annotations

import dataclasses

import streamlit as st

from core.activations import (
    ActivationTrainConfig,
    ActivationTrainResult,
    GalleryConfig,
    GradientFlowConfig,
    GradientFlowResult,
    dead_share,
    shallow_tip_applies,
)
from core.nonlinearities import LABELS
from pages.activations.charts import (
    Labels,
    boundary_chart,
    curve_chart,
    dead_chart,
    flow_chart,
    gallery_chart,
    percent,
)
from pages.activations.controls import CONTROLS, TAB, TABS, TRAIN_SETTINGS
from ui.charts import chart
from ui.i18n import tr
from ui.lesson import comparison, compute
from ui.sidebar import run_seed
from ui.theme import chart_labels

TAB_TITLE = "activations.tab_title"  # the tabs widget: the open tab's title


def _labels() -> Labels:
    return chart_labels(Labels, "activations.chart")


def _names(key: str) -> tuple[str, ...]:
    return tuple(CONTROLS.value(key))


# --- 1 · shapes and derivatives -----------------------------------------------------------------

def _section_gallery() -> None:
    c1, c2 = st.columns([3, 1])
    CONTROLS.draw("activations.gallery", c1)
    CONTROLS.draw("activations.xrange", c2)
    if not _names("activations.gallery"):
        st.info(tr("activations.gallery.empty"))
        return
    config = CONTROLS.config(GalleryConfig)
    result = compute(config, tr("activations.gallery.waiting"))
    labels = _labels()
    for column, part in zip(st.columns(2), ("value", "derivative")):
        chart(("activations.gallery", config, part),
              lambda part=part: gallery_chart(result, labels, column=part), column)
    st.caption(tr("activations.gallery.note"))
    with st.expander(tr("activations.gallery.words")):
        for name in config.names:
            st.markdown(f"**{LABELS[name]}**: {tr(f'activations.desc.{name}')}")


# --- 2 · training side by side ------------------------------------------------------------------

def _training_settings(config: ActivationTrainConfig) -> None:
    st.caption(tr("activations.train.settings_now", n=config.n_samples, noise=config.noise,
                  layers=config.layers, width=config.width, lr=config.lr, steps=config.steps))
    # lazy: the widgets are built only while the settings are open (a lighter first view); their
    # values stay in the session and the link either way; a fixed label keeps it open while they change
    with st.expander(tr("activations.train.settings"), key="activations.settings", on_change="rerun") as box:
        if box.open:
            for column, key in zip([*st.columns(3), *st.columns(3)], TRAIN_SETTINGS):
                CONTROLS.draw(key, column)


def _dead_units(key: tuple, result: ActivationTrainResult | GradientFlowResult, frame: int) -> None:
    """The dead-unit bars of `frame` and what they say, or why there are none."""
    share = dead_share(result.activations, result.dead[frame])
    if share is None:
        st.caption(tr("activations.dead.none"))
        return
    left, right = st.columns([2, 3])
    chart((*key, frame), lambda: dead_chart(result, frame, _labels()), left)
    name, value = share
    right.write(tr("activations.dead.explain", share=percent(value), name=LABELS[name]))


def _draw_training(config: ActivationTrainConfig, result: ActivationTrainResult, frame: int) -> None:
    labels = _labels()
    n = len(result.activations)
    per_row = 4 if n in (4, 7, 8) else 3
    for start in range(0, n, per_row):
        cols = st.columns(per_row)
        for i in range(start, min(start + per_row, n)):
            chart(("activations.boundary", config, frame, i),
                  lambda i=i: boundary_chart(result, frame, labels, index=i), cols[i - start])
    for column, part in zip(st.columns(2), ("loss", "accuracy")):
        chart(("activations.curve", config, frame, part),
              lambda part=part: curve_chart(result, frame, labels, column=part), column)
    _dead_units(("activations.dead", config), result, frame)


def _summary(config: ActivationTrainConfig, result: ActivationTrainResult) -> None:
    extremes = result.accuracy_extremes()
    if extremes is not None:
        (lo_name, lo), (hi_name, hi) = extremes
        st.write(tr("activations.train.summary", lo=percent(lo), lo_name=LABELS[lo_name], hi=percent(hi),
                    hi_name=LABELS[hi_name]))
    tip = "activations.train.shallow" if shallow_tip_applies(config) else "activations.train.deep_hint"
    st.info(tr(tip), icon="💡")


def _section_training() -> None:
    st.write(tr("activations.train.explain"))
    c1, c2 = st.columns([3, 1])
    CONTROLS.draw("activations.compare", c1)
    CONTROLS.draw("activations.dataset", c2)
    config = CONTROLS.config(ActivationTrainConfig, seed=run_seed())
    _training_settings(config)
    if not config.activations:
        st.info(tr("activations.train.empty"))
        return
    # the summary and the tip follow the first view of the replay
    comparison("activations.train", config, waiting=tr("activations.train.training"), names=LABELS,
               before=lambda r: st.caption(tr("activations.train.look")), frames=lambda r: len(r.frame_steps),
               draw=lambda r, f: _draw_training(config, r, f), rest=lambda r: _summary(config, r))


# --- 3 · gradient flow ---------------------------------------------------------------------------

def _draw_flow(config: GradientFlowConfig, result: GradientFlowResult, frame: int) -> None:
    labels = _labels()
    left, right = st.columns([3, 2])
    chart(("activations.flow", config, frame), lambda: flow_chart(result, frame, labels), left)
    deep = dataclasses.replace(labels, accuracy=labels.deep_accuracy)
    chart(("activations.flow_curve", config, frame),
          lambda: curve_chart(result, frame, deep, column="accuracy"), right)
    _dead_units(("activations.flow_dead", config), result, frame)


def _flow_notes(result: GradientFlowResult) -> None:
    st.caption(tr("activations.flow.look"))
    ratio = result.first_layer_ratio("relu", "sigmoid")
    if ratio is not None:
        st.write(tr("activations.flow.ratio", ratio=ratio))


def _flow_final(result: GradientFlowResult) -> None:
    finals = zip(result.activations, result.accuracy[-1])  # NaN (a dash) for a network that diverged
    items = ", ".join(f"{LABELS[a]} {percent(acc)}" for a, acc in finals)
    st.write(tr("activations.flow.final", steps=result.steps_trained, items=items))


def _section_flow() -> None:
    st.write(tr("activations.flow.explain"))
    c1, c2, c3 = st.columns(3)
    CONTROLS.draw("activations.depth", c1)
    CONTROLS.draw("activations.fwidth", c2)
    CONTROLS.draw("activations.init", c3)
    names = _names("activations.compare")
    if not names:
        st.info(tr("activations.train.empty"))
        return
    st.caption(tr("activations.flow.compared", names=", ".join(LABELS[n] for n in names)))
    # the deep networks train on the training tab's activations and data
    config = CONTROLS.config(GradientFlowConfig, activations=names, seed=run_seed(),
                             dataset=CONTROLS.value("activations.dataset"),
                             noise=CONTROLS.value("activations.noise"))
    comparison("activations.flow", config, waiting=tr("activations.flow.waiting"), names=LABELS,
               before=_flow_notes, frames=lambda r: len(r.frame_steps),
               draw=lambda r, f: _draw_flow(config, r, f), below=_flow_final)


# --- the page ------------------------------------------------------------------------------------

def _tabs() -> tuple[str, object]:
    """The three experiments as tabs; only the open one is built. Returns its code and container."""
    titles = [tr(f"activations.tab.{code}") for code in TABS]
    # the link keeps the code (the same link in both languages), the widget the title: a link or a
    # language switch sets the title from the code
    if st.session_state.get(TAB_TITLE) not in titles:
        st.session_state[TAB_TITLE] = titles[TABS.index(CONTROLS.value(TAB))]
    tabs = st.tabs(titles, key=TAB_TITLE, on_change="rerun")
    code, tab = next(((c, t) for c, t in zip(TABS, tabs) if t.open), (TABS[0], tabs[0]))
    st.session_state[TAB] = code
    return code, tab


def render() -> None:
    code, tab = _tabs()
    with tab:
        {"shapes": _section_gallery, "train": _section_training, "flow": _section_flow}[code]()


render()
