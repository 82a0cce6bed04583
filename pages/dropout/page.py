"""Dropout page: a wide net memorises noisy points, the same net with dropout (and optionally L2) does not."""

import math
from collections.abc import Callable

import pandas as pd
import streamlit as st

from core.dropout import (
    DropoutConfig,
    DropoutResult,
    SpreadConfig,
    SpreadResult,
    nets_identical,
    spread_waits_for_click,
)
from pages.dropout.charts import Labels, fit_chart, loss_chart, modes_chart, seeds_chart
from pages.dropout.controls import CONTROLS
from ui.charts import chart
from ui.i18n import tr
from ui.lesson import comparison, over_seeds
from ui.sidebar import run_seed
from ui.table import table
from ui.theme import chart_labels

# The settings box, three to a row: at 1024 px four to a row cut the L2 checkbox's label.
ROWS = (("rate", "points", "noise"), ("width", "depth", "iters"), ("lr", "l2"))


def _controls() -> None:
    with st.container(border=True):
        st.markdown(f"**{tr('dropout.controls')}**")
        for row in ROWS:
            columns = st.columns(3)
            for name, col in zip(row, columns):
                CONTROLS.draw(f"dropout.{name}", col)
        # the L2 strength sits under its checkbox
        CONTROLS.draw("dropout.wd", columns[len(ROWS[-1]) - 1], disabled=not CONTROLS.value("dropout.l2"))


def _notes(config: DropoutConfig) -> None:
    """Above the replay: what is shared, and when the two nets are one."""
    st.caption(tr("dropout.same_start", n=config.n_points, seed=config.seed))
    if nets_identical(config):
        st.info(tr("dropout.rate_zero"))


def _draw(result: DropoutResult, frame: int, labels: Labels) -> None:
    """The replayed part: each net's curve side by side, then the loss curves."""
    config = result.config
    for col, net in zip(st.columns(len(result.nets)), result.nets):
        chart(("dropout.fit", config, net, frame),
              lambda net=net: fit_chart(result, frame, labels, net=net), col)
    chart(("dropout.loss", config, frame), lambda: loss_chart(result, frame, labels))
    step = tr("play.step", step=int(result.frame_steps[frame]), total=config.iterations)
    st.caption(f"{step} · {tr('dropout.loss_caption')}")


def _table(result: DropoutResult, labels: Labels) -> None:
    st.subheader(tr("dropout.table_title"))
    df = result.table()

    def fmt(pattern: str) -> Callable[[float], str]:
        return lambda v: pattern.format(v) if math.isfinite(v) else "—"

    shown = pd.DataFrame({
        tr("dropout.col.net"): df["net"].map(labels.net),
        tr("dropout.col.train"): df["train_mse"].map(fmt("{:.4f}")),
        tr("dropout.col.test"): df["test_mse"].map(fmt("{:.4f}")),
        tr("dropout.col.gap"): df["gap"].map(fmt("{:+.4f}")),
    })
    table(shown.set_index(tr("dropout.col.net")))


def _modes(result: DropoutResult, labels: Labels) -> None:
    """Monte-Carlo band and the train/eval switch for the trained dropout net."""
    st.subheader(tr("dropout.mc_title"))
    if result.mc_lo is None:
        st.info(tr("dropout.no_mc"))
        return
    left, right = st.columns([2, 3])
    with left:
        CONTROLS.draw("dropout.band", text={"passes": result.config.mc_passes})
        CONTROLS.draw("dropout.mode")
        mode, band = CONTROLS.value("dropout.mode"), CONTROLS.value("dropout.band")
        st.write(tr("dropout.mode_words_train") if mode == "train" else tr("dropout.mode_words_eval"))
        if band:
            st.write(tr("dropout.band_words"))
    chart(("dropout.modes", result.config, mode, band),
          lambda: modes_chart(result, labels, mode=mode, band=band), right)


def _seeds(config: DropoutConfig, labels: Labels) -> None:
    """The same comparison over several seeds: the honest spread behind a single run."""
    st.subheader(tr("dropout.seeds_title"))
    st.write(tr("dropout.seeds_header"))
    CONTROLS.draw("dropout.seeds")
    spread = CONTROLS.config(SpreadConfig, base=config)
    over_seeds("dropout", spread, spread_waits_for_click(spread), lambda r: _spread_view(r, labels))


def _spread_view(result: SpreadResult, labels: Labels) -> None:
    left, right = st.columns([2, 3])
    with left:
        verdict = result.verdict()
        if verdict == "diverged":
            st.warning(tr("dropout.seeds_diverged"))
        elif verdict == "summary":
            s, seeds = result.summary(), result.config.seed_list
            st.markdown(tr("dropout.seeds_summary", first=seeds[0], last=seeds[-1], n=s.seeds,
                           wins=s.dropout_test_wins, train_wins=s.overfit_train_wins,
                           mean_d=s.mean_test["dropout"], mean_o=s.mean_test["overfit"],
                           train_d=s.mean_train["dropout"], train_o=s.mean_train["overfit"]))
        st.caption(tr("dropout.seeds_note"))
    chart(("dropout.seeds", result.config), lambda: seeds_chart(result, labels), right)


def render() -> None:
    st.markdown(tr("dropout.words"))
    _controls()
    config = CONTROLS.config(DropoutConfig, seed=run_seed())
    labels = chart_labels(Labels, "dropout")
    comparison("dropout", config, waiting=tr("dropout.training"), names=labels.nets(),
               frames=lambda r: len(r.frame_steps), draw=lambda r, f: _draw(r, f, labels),
               before=lambda r: _notes(config), below=lambda r: _table(r, labels),
               rest=lambda r: (_modes(r, labels), _seeds(config, labels)))


render()
