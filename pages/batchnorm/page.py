"""BatchNorm page: a badly initialised deep network trained with and without BN, layer by layer."""

import streamlit as st

from core.batchnorm import ACTIVATIONS, BatchNormConfig, BatchNormResult, run_batchnorm
from core.nonlinearities import LABELS as ACT_LABELS
from pages.batchnorm.charts import (
    gradient_chart,
    histogram_chart,
    loss_chart,
    prediction_chart,
    saturation_chart,
    train_eval_chart,
)
from ui.charts import chart
from ui.computing import computing
from ui.deferred import first_view
from ui.i18n import lang, tr
from ui.params import ChoiceParam, FloatParam, IntParam
from ui.playback import playback
from ui.sidebar import run_seed
from ui.urlstate import seed_from_url, write_to_url

BATCH_SIZES = ("16", "32", "64", "128", "256")
PARAMS = {
    "batchnorm.activation": ChoiceParam("tanh", ACTIVATIONS),
    "batchnorm.bias_init": FloatParam(-0.2, -2.0, 2.0),
    "batchnorm.weight_std": FloatParam(0.1, 0.001, 2.0),
    "batchnorm.depth": IntParam(8, 2, 12),
    "batchnorm.width": IntParam(10, 2, 64),
    "batchnorm.batch_size": ChoiceParam("64", BATCH_SIZES),
    "batchnorm.lr": FloatParam(0.03, 0.0001, 10.0),
    "batchnorm.epochs": IntParam(12, 1, 30),
    "batchnorm.bn_momentum": FloatParam(0.5, 0.01, 1.0),
}


@st.cache_data(max_entries=64, show_spinner=False)
def _run(config: BatchNormConfig) -> BatchNormResult:
    return run_batchnorm(config)


def _controls() -> None:
    """Every control, keyed by its URL name; ranges match PARAMS."""
    # lazy: the widgets are built only while the settings are open (a lighter first view);
    # their values stay in the session and the URL either way
    with st.expander(tr("batchnorm.controls"), key="batchnorm.settings", on_change="rerun") as box:
        if not box.open:
            return
        c1, c2, c3 = st.columns(3)
        c1.selectbox(tr("batchnorm.activation"), ACTIVATIONS, format_func=ACT_LABELS.get,
                     key="batchnorm.activation", persist_state="session")
        c1.number_input(tr("batchnorm.bias_init"), min_value=-2.0, max_value=2.0, step=0.1, format="%.2f",
                        key="batchnorm.bias_init", help=tr("batchnorm.bias_init_help"),
                        persist_state="session")
        c1.number_input(tr("batchnorm.weight_std"), min_value=0.001, max_value=2.0, step=0.05, format="%.3f",
                        key="batchnorm.weight_std", help=tr("batchnorm.weight_std_help"),
                        persist_state="session")
        c2.slider(tr("batchnorm.depth"), 2, 12, key="batchnorm.depth", persist_state="session")
        c2.slider(tr("batchnorm.width"), 2, 64, key="batchnorm.width", persist_state="session")
        c2.select_slider(tr("batchnorm.batch_size"), BATCH_SIZES, key="batchnorm.batch_size",
                         persist_state="session")
        c3.number_input(tr("batchnorm.lr"), min_value=0.0001, max_value=10.0, step=0.01, format="%.4f",
                        key="batchnorm.lr", persist_state="session")
        c3.slider(tr("batchnorm.epochs"), 1, 30, key="batchnorm.epochs", persist_state="session")
        c3.slider(tr("batchnorm.bn_momentum"), 0.01, 1.0, step=0.01, key="batchnorm.bn_momentum",
                  help=tr("batchnorm.bn_momentum_help"), persist_state="session")


def _config() -> BatchNormConfig:
    s = st.session_state
    return BatchNormConfig(
        activation=s["batchnorm.activation"], bias_init=float(s["batchnorm.bias_init"]),
        weight_std=float(s["batchnorm.weight_std"]), depth=int(s["batchnorm.depth"]),
        width=int(s["batchnorm.width"]), batch_size=int(s["batchnorm.batch_size"]),
        lr=float(s["batchnorm.lr"]), epochs=int(s["batchnorm.epochs"]),
        bn_momentum=float(s["batchnorm.bn_momentum"]), seed=run_seed())


def _draw_frame(result: BatchNormResult, frame: int) -> None:
    """Everything that changes with the epoch: histograms, saturation, loss, predictions."""
    language, epochs = lang(), result.config.epochs
    st.markdown("**" + (tr("batchnorm.frame_init") if frame == 0
                        else tr("batchnorm.frame_epoch", epoch=frame, epochs=epochs)) + "**")
    run = (result.config, frame)
    for net, column in zip(("plain", "bn"), st.columns([2, 3])):
        chart(("batchnorm.hist", run, net), lambda net=net: histogram_chart(result, net, frame, language),
              column)
    st.subheader(tr("batchnorm.learning_header"))
    c1, c2, c3 = st.columns(3)
    chart(("batchnorm.saturation", run), lambda: saturation_chart(result, frame, language), c1)
    c1.caption(tr(f"batchnorm.saturation_caption_{result.config.activation}"))
    chart(("batchnorm.loss", run), lambda: loss_chart(result, frame, language), c2)
    chart(("batchnorm.predictions", run), lambda: prediction_chart(result, frame, language), c3)


def render() -> None:
    st.title(tr("batchnorm.title"))
    st.write(tr("batchnorm.intro"))
    st.caption(tr("batchnorm.setup"))
    seed_from_url(PARAMS)
    _controls()
    write_to_url(PARAMS)
    with computing(tr("batchnorm.spinner")):
        result = _run(_config())
    for net in result.diverged_at:
        epoch = result.diverged_epoch(net)
        if epoch is not None:
            st.warning(tr("batchnorm.diverged", net=tr(f"batchnorm.net_long.{net}"), epoch=epoch), icon="💥")
    if result.diverged_at["bn"] is None and result.learned_nothing("bn"):
        st.info(tr("batchnorm.bn_flat"), icon="🧐")

    st.subheader(tr("batchnorm.dist_header"))
    edges = result.edges["linear"]
    st.caption(tr("batchnorm.dist_caption", lo=float(edges[0]), hi=float(edges[-1])))
    playback("batchnorm.play", result.frames, lambda frame: _draw_frame(result, frame))
    st.caption(tr("batchnorm.computed", seconds=result.seconds))
    if first_view("batchnorm"):
        return  # the sections below follow a moment later

    st.subheader(tr("batchnorm.gradient_header"))
    st.caption(tr("batchnorm.gradient_caption"))
    chart(("batchnorm.gradients", result.config), lambda: gradient_chart(result, lang()))

    st.subheader(tr("batchnorm.train_eval_header"))
    left, right = st.columns([2, 3])
    left.write(tr("batchnorm.train_eval_text"))
    chart(("batchnorm.train_eval", result.config), lambda: train_eval_chart(result, lang()), right)

    st.subheader(tr("batchnorm.words_header"))
    st.markdown(tr("batchnorm.words"))


render()
