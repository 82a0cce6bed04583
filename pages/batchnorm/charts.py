"""Altair charts of a BatchNorm comparison: per-layer histograms, saturation, gradients, losses, fits."""

from __future__ import annotations

import math

import altair as alt
import numpy as np
import pandas as pd

from core.batchnorm import NETS, BatchNormResult
from core.nonlinearities import LABELS as ACT_LABELS
from ui.i18n import translate

ROW_HEIGHT = 46  # pixels per layer in the histogram grid


def _t(lang: str, key: str, **kw: object) -> str:
    return translate(f"batchnorm.{key}", lang, **kw)


def net_labels(lang: str) -> list[str]:
    """Legend labels of the two nets, in NETS order (the colour order of every chart)."""
    return [_t(lang, f"net.{net}") for net in NETS]


def _net_color(lang: str, legend: bool = True) -> alt.Color:
    # A fixed domain keeps each net on the same palette colour in every chart, shown or not.
    labels = net_labels(lang)
    return alt.Color("net:N", scale=alt.Scale(domain=labels),
                     legend=alt.Legend(title=None, orient="top") if legend else None)


def stage_label(result: BatchNormResult, net: str, stage: str, lang: str) -> str:
    """What a stage really is: the pre-BN Linear output is not the activation's input in the BN net."""
    if stage == "act":
        return _t(lang, "stage.act", act=ACT_LABELS[result.config.activation])
    if stage == "linear":
        return _t(lang, "stage.linear_pre_bn" if net == "bn" else "stage.linear")
    return _t(lang, "stage.bn")


def histogram_frame(result: BatchNormResult, net: str, frame: int, lang: str) -> pd.DataFrame:
    """Tidy rows (stage, layer, lo, hi, share, top, bottom) of one net's histograms at one frame.

    `bottom`/`top` place each layer's histogram in its own row of a ridgeline (layer 1 on top), scaled
    to the tallest bin of that layer so that a spread-out layer stays as readable as a collapsed one.
    """
    parts = []
    for stage in result.stages(net):
        counts = result.hist[net][stage][frame]  # (depth, bins)
        edges = result.edges[stage]
        depth, bins = counts.shape
        share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
        height = share / np.maximum(share.max(axis=1, keepdims=True), 1e-12)
        layer = np.repeat(np.arange(1, depth + 1), bins)
        parts.append(pd.DataFrame({
            "stage": stage_label(result, net, stage, lang),
            "layer": layer,
            "lo": np.tile(edges[:-1], depth),
            "hi": np.tile(edges[1:], depth),
            "share": share.ravel(),
            "bottom": layer + 0.45,
            "top": layer + 0.45 - 0.85 * height.ravel(),
            "net": _t(lang, f"net.{net}"),
        }))
    frame_rows = pd.concat(parts, ignore_index=True)
    return frame_rows[frame_rows["share"] > 0].reset_index(drop=True)  # empty bins draw nothing: not sent


def histogram_chart(result: BatchNormResult, net: str, frame: int, lang: str = "en") -> alt.HConcatChart:
    """One net's histograms at `frame`: a row per hidden layer, a column per stage (a ridgeline)."""
    data = histogram_frame(result, net, frame, lang)
    depth = result.config.depth
    columns = []
    labels = [stage_label(result, net, code, lang) for code in result.stages(net)]
    for order, (code, stage) in enumerate(zip(result.stages(net), labels)):
        domain = [float(result.edges[code][0]), float(result.edges[code][-1])]  # fixed: frames compare
        y_axis = alt.Axis(values=list(range(1, depth + 1)), title=_t(lang, "axis.layer"), grid=False,
                          labelFontSize=13, titleFontSize=13) if order == 0 else None
        columns.append(alt.Chart(data[data["stage"] == stage]).mark_rect().encode(
            x=alt.X("lo:Q", title=None, scale=alt.Scale(domain=domain, nice=False),
                    axis=alt.Axis(tickCount=5, labelFontSize=12)),
            x2=alt.X2("hi"),
            y=alt.Y("bottom:Q", axis=y_axis, scale=alt.Scale(domain=[0.5, depth + 0.5], reverse=True)),
            y2=alt.Y2("top"),
            color=_net_color(lang, legend=False),
            tooltip=[alt.Tooltip("layer:O", title=_t(lang, "axis.layer")),
                     alt.Tooltip("lo:Q", format=".2f"), alt.Tooltip("hi:Q", format=".2f"),
                     alt.Tooltip("share:Q", title=_t(lang, "axis.share"), format=".1%")],
        ).properties(height=ROW_HEIGHT * depth, width=150, title=alt.Title(stage, fontSize=13)))
    return alt.hconcat(*columns, spacing=8).properties(title=alt.Title(_t(lang, f"net.{net}"), fontSize=16))


def saturation_chart(result: BatchNormResult, frame: int, lang: str = "en") -> alt.FacetChart:
    """Per layer, the share of saturated units of both nets at `frame` (a panel per net)."""
    rows = [{"net": _t(lang, f"net.{net}"), "layer": layer + 1, "share": float(v)}
            for net in NETS for layer, v in enumerate(result.saturation[net][frame])]
    return alt.Chart(pd.DataFrame(rows)).mark_bar().encode(
        y=alt.Y("layer:O", title=_t(lang, "axis.layer"), axis=alt.Axis(labelAngle=0)),
        x=alt.X("share:Q", title=_t(lang, f"axis.saturated_{result.config.activation}"),
                scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%", tickCount=3)),
        color=_net_color(lang, legend=False),
        tooltip=[alt.Tooltip("net:N"), alt.Tooltip("layer:O"), alt.Tooltip("share:Q", format=".1%")],
    ).properties(height=max(140, 22 * result.config.depth), width=140).facet(
        column=alt.Column("net:N", sort=net_labels(lang), title=None, header=alt.Header(labelFontSize=13)),
    ).properties(title=_t(lang, "chart.saturation"))


def _finite(values: np.ndarray) -> list[float | None]:
    return [float(v) if math.isfinite(v) and v > 0 else None for v in values]


def loss_chart(result: BatchNormResult, frame: int, lang: str = "en") -> alt.LayerChart:
    """Test MSE (eval mode) of both nets per epoch, log scale, with a rule at `frame`."""
    rows = [{"net": _t(lang, f"net.{net}"), "epoch": e, "loss": v}
            for net in NETS for e, v in enumerate(_finite(result.test_loss[net])) if v is not None]
    lines = alt.Chart(pd.DataFrame(rows)).mark_line(point=True).encode(
        x=alt.X("epoch:Q", title=_t(lang, "axis.epoch"), scale=alt.Scale(domain=[0, result.config.epochs])),
        y=alt.Y("loss:Q", title=_t(lang, "axis.test_loss"), scale=alt.Scale(type="log")),
        color=_net_color(lang),
        tooltip=[alt.Tooltip("net:N"), alt.Tooltip("epoch:Q"), alt.Tooltip("loss:Q", format=".1f")],
    )
    rule = alt.Chart(pd.DataFrame({"epoch": [frame]})).mark_rule(strokeDash=[4, 3], color="gray").encode(
        x=alt.X("epoch:Q"))
    return (lines + rule).properties(height=340, title=_t(lang, "chart.loss"))


def prediction_chart(result: BatchNormResult, frame: int, lang: str = "en") -> alt.LayerChart:
    """The test data and both nets' eval-mode predictions at `frame`."""
    data = pd.DataFrame({"x": result.x_test, "y": result.y_test})
    points = alt.Chart(data).mark_circle(size=14, color="gray", opacity=0.5).encode(
        x=alt.X("x:Q", title="x"), y=alt.Y("y:Q", title="y"))
    rows = [{"net": _t(lang, f"net.{net}"), "x": float(x), "y": float(p)} for net in NETS
            for x, p in zip(result.x_test, result.predictions[net][frame]) if math.isfinite(p)]
    low, high = float(result.y_test.min()) - 10, float(result.y_test.max()) + 10
    data = pd.DataFrame(rows, columns=["net", "x", "y"])
    lines = alt.Chart(data).mark_line(strokeWidth=3, clip=True).encode(
        x=alt.X("x:Q"), y=alt.Y("y:Q", scale=alt.Scale(domain=[low, high])), color=_net_color(lang))
    return (points + lines).properties(height=340, title=_t(lang, "chart.predictions"))


def gradient_chart(result: BatchNormResult, lang: str = "en") -> alt.FacetChart:
    """Mean weight-gradient norm per Linear layer of both nets, in the first and the last epoch (log)."""
    depth = result.config.depth
    layer_names = [str(i) for i in range(1, depth + 1)] + [_t(lang, "axis.output")]
    first, last = result.grad_epochs
    rows = []
    for net in NETS:
        for row, epoch in enumerate((first, last)):
            when = _t(lang, "chart.grad_epoch", epoch=epoch + 1)
            for name, v in zip(layer_names, _finite(result.grad_norm[net][row])):
                if v is not None:
                    rows.append({"net": _t(lang, f"net.{net}"), "layer": name, "norm": v, "when": when})
    data = pd.DataFrame(rows, columns=["net", "layer", "norm", "when"])
    whens = [_t(lang, "chart.grad_epoch", epoch=e + 1) for e in (first, last)]
    return alt.Chart(data).mark_line(point=True).encode(
        x=alt.X("layer:O", sort=layer_names, title=_t(lang, "axis.layer"), axis=alt.Axis(labelAngle=0)),
        y=alt.Y("norm:Q", title=_t(lang, "axis.grad_norm"), scale=alt.Scale(type="log")),
        color=_net_color(lang),
        tooltip=[alt.Tooltip("net:N"), alt.Tooltip("layer:N"), alt.Tooltip("norm:Q", format=".2e")],
    ).properties(height=240, width=320).facet(
        column=alt.Column("when:N", sort=whens, title=None, header=alt.Header(labelFontSize=13)),
    ).properties(title=_t(lang, "chart.gradients"))


def train_eval_chart(result: BatchNormResult, lang: str = "en") -> alt.Chart:
    """The BN net's test MSE with running statistics (eval) and with the test batch's own (train)."""
    label = _t(lang, "net.bn")
    modes = [_t(lang, "mode.eval"), _t(lang, "mode.train")]
    rows = [{"net": label, "mode": mode, "epoch": e, "loss": v}
            for mode, series in zip(modes, (result.test_loss["bn"], result.test_loss_train_mode["bn"]))
            for e, v in enumerate(_finite(series)) if v is not None]
    data = pd.DataFrame(rows, columns=["net", "mode", "epoch", "loss"])
    return alt.Chart(data).mark_line(point=True).encode(
        x=alt.X("epoch:Q", title=_t(lang, "axis.epoch")),
        y=alt.Y("loss:Q", title=_t(lang, "axis.test_loss"), scale=alt.Scale(type="log")),
        color=_net_color(lang, legend=False),
        strokeDash=alt.StrokeDash("mode:N", sort=modes,
                                   legend=alt.Legend(title=None, orient="top", labelLimit=400,
                                                     symbolType="stroke", symbolStrokeColor="#555555",
                                                     symbolStrokeWidth=2)),
        tooltip=[alt.Tooltip("mode:N"), alt.Tooltip("epoch:Q"), alt.Tooltip("loss:Q", format=".1f")],
    ).properties(height=320, title=_t(lang, "chart.train_eval"))
