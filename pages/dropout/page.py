"""Dropout page: a wide net memorises noisy points, the same net with dropout (and optionally L2) does not."""

import math
from collections.abc import Callable
from dataclasses import replace

import pandas as pd
import streamlit as st

from core.dropout import DropoutConfig, DropoutResult, run_dropout, run_seeds, summarise_spread
from pages.dropout.charts import fit_chart, loss_chart, modes_chart, seeds_chart
from ui.charts import chart
from ui.computing import computing
from ui.deferred import deferred, first_view
from ui.i18n import labels, tr
from ui.params import BoolParam, ChoiceParam, FloatParam, IntParam
from ui.playback import playback
from ui.sidebar import device, run_seed
from ui.table import table
from ui.urlstate import seed_from_url, write_to_url

PARAMS = {
    "dropout.rate": FloatParam(0.5, 0.0, 0.9),
    "dropout.points": IntParam(20, 5, 100),
    "dropout.noise": FloatParam(0.3, 0.0, 1.0),
    "dropout.width": IntParam(300, 10, 400),
    "dropout.depth": IntParam(2, 1, 4),
    "dropout.iters": IntParam(500, 50, 1000),
    "dropout.lr": FloatParam(0.01, 1e-4, 10.0),
    "dropout.l2": BoolParam(False),
    "dropout.wd": FloatParam(0.01, 1e-5, 1.0),
    "dropout.band": BoolParam(True),
    "dropout.mode": ChoiceParam("eval", ("eval", "train")),
    "dropout.seeds": IntParam(5, 3, 10),
}
TEXT_KEYS = ("train_points", "test_points", "truth", "step", "train", "test", "iteration", "mse",
             "loss_title", "mode_train", "mode_eval", "seeds_title", "seed", "mean", "test_mse")


def _cost(config: DropoutConfig) -> float:
    """Rough training work of one run (multiply-adds of the hidden layers x iterations x nets)."""
    w = config.width
    return config.iterations * len(config.nets) * (w * w * (config.depth - 1) + 2 * w) * config.n_points


AUTO_SPREAD_COST = 1.5 * 5 * _cost(DropoutConfig())  # above this, the over-seeds runs wait for a click


@st.cache_data(max_entries=64, show_spinner=False)
def _run(config: DropoutConfig, device_type: str) -> DropoutResult:
    return run_dropout(config, device_type)


@st.cache_data(max_entries=32, show_spinner=False)
def _spread(config: DropoutConfig, seeds: tuple[int, ...], device_type: str) -> pd.DataFrame:
    return run_seeds(config, seeds, device_type)


def _controls() -> None:
    s = st.session_state
    with st.container(border=True):
        st.markdown(f"**{tr('dropout.controls')}**")
        c1, c2, c3, c4 = st.columns(4)
        c1.slider(tr("dropout.rate"), 0.0, 0.9, step=0.05, key="dropout.rate", help=tr("dropout.rate_help"),
                  persist_state="session")
        c2.slider(tr("dropout.points"), 5, 100, step=1, key="dropout.points", persist_state="session")
        c3.slider(tr("dropout.noise"), 0.0, 1.0, step=0.05, key="dropout.noise", persist_state="session")
        c4.slider(tr("dropout.width"), 10, 400, step=10, key="dropout.width", persist_state="session")
        c1, c2, c3, c4 = st.columns(4)
        c1.slider(tr("dropout.depth"), 1, 4, step=1, key="dropout.depth", persist_state="session")
        c2.slider(tr("dropout.iters"), 50, 1000, step=50, key="dropout.iters", persist_state="session")
        c3.number_input(tr("dropout.lr"), min_value=1e-4, max_value=10.0, step=0.001, format="%.4f",
                        key="dropout.lr", persist_state="session")
        c4.checkbox(tr("dropout.l2"), key="dropout.l2", help=tr("dropout.l2_help"), persist_state="session")
        c4.number_input(tr("dropout.wd"), min_value=1e-5, max_value=1.0, step=0.005, format="%.4f",
                        key="dropout.wd", disabled=not s["dropout.l2"], persist_state="session")


def _config() -> DropoutConfig:
    s = st.session_state
    return DropoutConfig(dropout=float(s["dropout.rate"]), n_points=int(s["dropout.points"]),
                         noise=float(s["dropout.noise"]), width=int(s["dropout.width"]),
                         depth=int(s["dropout.depth"]), iterations=int(s["dropout.iters"]),
                         lr=float(s["dropout.lr"]),
                         weight_decay=float(s["dropout.wd"]) if s["dropout.l2"] else 0.0, seed=run_seed())


def _comparison(result: DropoutResult, names: dict[str, str], text: dict[str, str]) -> None:
    """The animated part: each net's curve side by side, then the loss curves."""

    run = (result.config, device().type)

    def draw(frame: int) -> None:
        columns = st.columns(len(result.nets))
        for col, net in zip(columns, result.nets):
            chart(("dropout.fit", run, net, frame),
                  lambda net=net: fit_chart(result, net, frame, names, text), col)
        chart(("dropout.loss", run, frame), lambda: loss_chart(result, frame, names, text))
        step = tr("play.step", step=int(result.frame_steps[frame]), total=result.config.iterations)
        st.caption(f"{step} · {tr('dropout.loss_caption')}")

    playback("dropout.play", len(result.frame_steps), draw)


def _table(result: DropoutResult, names: dict[str, str]) -> None:
    st.subheader(tr("dropout.table_title"))
    df = result.table()

    def fmt(pattern: str) -> Callable[[float], str]:
        return lambda v: pattern.format(v) if math.isfinite(v) else "—"

    shown = pd.DataFrame({
        tr("dropout.col.net"): df["net"].map(names),
        tr("dropout.col.train"): df["train_mse"].map(fmt("{:.4f}")),
        tr("dropout.col.test"): df["test_mse"].map(fmt("{:.4f}")),
        tr("dropout.col.gap"): df["gap"].map(fmt("{:+.4f}")),
    })
    table(shown.set_index(tr("dropout.col.net")))


def _modes(result: DropoutResult, names: dict[str, str], text: dict[str, str]) -> None:
    """Monte-Carlo band and the train/eval switch for the trained dropout net."""
    st.subheader(tr("dropout.mc_title"))
    if result.mc_lo is None:
        st.info(tr("dropout.no_mc"))
        return
    left, right = st.columns([2, 3])
    with left:
        st.toggle(tr("dropout.band"), key="dropout.band", persist_state="session",
                  help=tr("dropout.band_help", passes=result.config.mc_passes))
        st.radio(tr("dropout.mode"), ("eval", "train"), format_func=labels("dropout.mode."),
                 key="dropout.mode", horizontal=True, persist_state="session")
        mode = st.session_state["dropout.mode"]
        st.write(tr("dropout.mode_words_train") if mode == "train" else tr("dropout.mode_words_eval"))
        if st.session_state["dropout.band"]:
            st.write(tr("dropout.band_words"))
    band = bool(st.session_state["dropout.band"])
    chart(("dropout.modes", result.config, device().type, mode, band),
          lambda: modes_chart(result, mode, band, names, text), right)


def _seeds(config: DropoutConfig, names: dict[str, str], text: dict[str, str]) -> None:
    """The same comparison over several seeds: the honest spread behind a single run."""
    st.subheader(tr("dropout.seeds_title"))
    st.write(tr("dropout.seeds_header"))
    st.slider(tr("dropout.seeds_n"), 3, 10, step=1, key="dropout.seeds", persist_state="session")
    n = int(st.session_state["dropout.seeds"])
    seeds = tuple(range(config.seed, config.seed + n))
    key = (replace(config, seed=0), seeds)
    if _cost(config) * n > AUTO_SPREAD_COST and st.session_state.get("dropout.spread_for") != key:
        st.info(tr("dropout.seeds_heavy"))
        if not st.button(tr("dropout.seeds_run", n=n), key="dropout.seeds_run"):
            return
        st.session_state["dropout.spread_for"] = key  # keep it shown while this configuration stays
    deferred("dropout.spread", (key, device().type),
             lambda: _spread_view(config, seeds, names, text), tr("dropout.seeds_waiting", n=n))


def _spread_view(config: DropoutConfig, seeds: tuple[int, ...], names: dict[str, str],
                 text: dict[str, str]) -> None:
    spread = _spread(replace(config, seed=0), seeds, device().type)
    summary = summarise_spread(spread)
    left, right = st.columns([2, 3])
    with left:
        means = [*summary.mean_test.values(), *summary.mean_train.values()]
        if not all(math.isfinite(m) for m in means):
            st.warning(tr("dropout.seeds_diverged"))
        elif "dropout" in summary.mean_test and config.dropout > 0:
            st.markdown(tr("dropout.seeds_summary", first=seeds[0], last=seeds[-1], n=summary.seeds,
                           wins=summary.dropout_test_wins, train_wins=summary.overfit_train_wins,
                           mean_d=summary.mean_test["dropout"], mean_o=summary.mean_test["overfit"],
                           train_d=summary.mean_train["dropout"], train_o=summary.mean_train["overfit"]))
        st.caption(tr("dropout.seeds_note"))
    chart(("dropout.seeds", replace(config, seed=0), seeds, device().type),
          lambda: seeds_chart(spread.dropna(), names, text), right)


def render() -> None:
    st.title(tr("dropout.title"))
    st.write(tr("dropout.intro"))
    st.markdown(tr("dropout.words"))
    seed_from_url(PARAMS)
    _controls()
    write_to_url(PARAMS)  # the widgets further down (band, mode, seeds) already hold their values here
    config = _config()
    names = {net: tr(f"dropout.net.{net}") for net in ("overfit", "dropout", "l2")}
    text = {key: tr(f"dropout.{key}") for key in TEXT_KEYS}
    with computing(tr("dropout.training")):
        result = _run(config, device().type)
    st.caption(tr("dropout.same_start", n=config.n_points, seed=config.seed))
    if config.dropout == 0:
        st.info(tr("dropout.rate_zero"))
    for net, step in zip(result.nets, result.diverged_at):
        if step is not None:
            st.warning(tr("dropout.diverged", net=names[net], step=step), icon="⚠️")
    _comparison(result, names, text)
    _table(result, names)
    if first_view("dropout"):
        return  # the sections below follow a moment later
    _modes(result, names, text)
    _seeds(config, names, text)


render()
