"""BatchNorm page: a badly initialised deep network trained with and without BN, layer by layer."""

import streamlit as st

from core.batchnorm import NETS, BatchNormConfig, BatchNormResult, stage_edges
from pages.batchnorm.charts import (
    Labels,
    gradient_chart,
    histogram_chart,
    loss_chart,
    prediction_chart,
    saturation_chart,
    train_eval_chart,
)
from pages.batchnorm.controls import CONTROLS
from ui.charts import chart
from ui.i18n import tr
from ui.lesson import comparison
from ui.sidebar import run_seed
from ui.theme import chart_labels


def _settings() -> None:
    """Every control, in three columns."""
    # lazy: the widgets are built only while the settings are open (a lighter first view);
    # their values stay in the session and the URL either way
    with st.expander(tr("batchnorm.controls"), key="batchnorm.settings", on_change="rerun") as box:
        if not box.open:
            return
        c1, c2, c3 = st.columns(3)
        for column, keys in ((c1, ("activation", "bias_init", "weight_std")),
                             (c2, ("depth", "width", "batch_size")),
                             (c3, ("lr", "epochs", "bn_momentum"))):
            for key in keys:
                CONTROLS.draw(f"batchnorm.{key}", column)


def _draw_frame(result: BatchNormResult, frame: int) -> None:
    """Everything that changes with the epoch: histograms, saturation, loss, predictions."""
    labels, epochs = chart_labels(Labels, "batchnorm"), result.config.epochs
    st.markdown("**" + (tr("batchnorm.frame_init") if frame == 0
                        else tr("batchnorm.frame_epoch", epoch=frame, epochs=epochs)) + "**")
    run = (result.config, frame)
    for net, column in zip(NETS, st.columns([2, 3])):
        chart(("batchnorm.hist", run, net), lambda net=net: histogram_chart(result, frame, labels, net=net),
              column)
    st.subheader(tr("batchnorm.learning_header"))
    c1, c2, c3 = st.columns(3)
    chart(("batchnorm.saturation", run), lambda: saturation_chart(result, frame, labels), c1, narrow=True)
    c1.caption(tr(f"batchnorm.saturation_caption_{result.config.activation}"))
    chart(("batchnorm.loss", run), lambda: loss_chart(result, frame, labels), c2, narrow=True)
    chart(("batchnorm.predictions", run), lambda: prediction_chart(result, frame, labels), c3, narrow=True)


def _bn_note(result: BatchNormResult) -> None:
    if result.stalled("bn"):
        st.info(tr("batchnorm.bn_flat"), icon="🧐")


def _after_training(result: BatchNormResult) -> None:
    """Gradient flow, train vs eval mode and the words: after the session's first view."""
    labels = chart_labels(Labels, "batchnorm")
    st.subheader(tr("batchnorm.gradient_header"))
    st.caption(tr("batchnorm.gradient_caption"))
    chart(("batchnorm.gradients", result.config), lambda: gradient_chart(result, labels))

    st.subheader(tr("batchnorm.train_eval_header"))
    left, right = st.columns([2, 3])
    left.write(tr("batchnorm.train_eval_text"))
    chart(("batchnorm.train_eval", result.config), lambda: train_eval_chart(result, labels), right)

    st.subheader(tr("batchnorm.words_header"))
    st.markdown(tr("batchnorm.words"))


def render() -> None:
    _settings()
    config = CONTROLS.config(BatchNormConfig, seed=run_seed())
    st.subheader(tr("batchnorm.dist_header"))
    edges = stage_edges(config.activation, config.bins)["linear"]
    st.caption(tr("batchnorm.dist_caption", lo=float(edges[0]), hi=float(edges[-1])))
    comparison("batchnorm", config, waiting=tr("batchnorm.spinner"),
               names={net: tr(f"batchnorm.net_long.{net}") for net in NETS},
               frames=lambda r: r.frames, draw=_draw_frame, before=_bn_note,
               below=lambda r: st.caption(tr("batchnorm.computed", seconds=r.seconds)),
               rest=_after_training)


render()
