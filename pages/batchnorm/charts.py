"""Altair charts of a BatchNorm comparison: per-layer histograms, saturation, gradients, losses, fits."""

from __future__ import annotations

import math
from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd

from core.batchnorm import NETS, BatchNormResult
from core.nonlinearities import LABELS as ACT_LABELS
from ui.theme import FONT, GREY, HEIGHT, LEGEND_GREY, PALETTE, SMALL_HEIGHT, TITLE_FONT

ROW_HEIGHT = 46  # pixels per layer in the histogram grid
NET_COLOURS = dict(zip(NETS, PALETTE))  # each net keeps its colour in every chart
TICK_FONT = 12  # the histogram columns are 150 px wide: their tick labels stay a size smaller


@dataclass(frozen=True)
class Labels:
    """The texts on the BatchNorm charts (`ui.theme.chart_labels(Labels, "batchnorm")`)."""

    net_plain: str
    net_bn: str
    stage_linear: str
    stage_linear_pre_bn: str
    stage_bn: str
    stage_act: str  # "{act} output"
    axis_layer: str
    axis_share: str
    axis_epoch: str
    axis_test_loss: str
    axis_output: str
    axis_grad_norm: str
    axis_saturated_tanh: str
    axis_saturated_sigmoid: str
    axis_saturated_relu: str
    chart_saturation: str
    chart_loss: str
    chart_predictions: str
    chart_gradients: str
    chart_grad_epoch: str  # "Epoch {epoch}"
    chart_train_eval: str
    mode_eval: str
    mode_train: str

    def net(self, net: str) -> str:
        return getattr(self, f"net_{net}")


def net_labels(labels: Labels) -> list[str]:
    """Legend labels of the two nets, in NETS order (the colour order of every chart)."""
    return [labels.net(net) for net in NETS]


def _net_color(labels: Labels, legend: bool = True) -> alt.Color:
    # A fixed domain keeps each net on the same palette colour in every chart, shown or not.
    scale = alt.Scale(domain=net_labels(labels), range=[NET_COLOURS[n] for n in NETS])
    return alt.Color("net:N", scale=scale,
                     legend=alt.Legend(title=None, orient="top", columns=1) if legend else None)


def stage_label(result: BatchNormResult, net: str, stage: str, labels: Labels) -> str:
    """What a stage really is: the pre-BN Linear output is not the activation's input in the BN net."""
    if stage == "act":
        return labels.stage_act.format(act=ACT_LABELS[result.config.activation])
    if stage == "linear":
        return labels.stage_linear_pre_bn if net == "bn" else labels.stage_linear
    return labels.stage_bn


def histogram_frame(result: BatchNormResult, frame: int, labels: Labels, *, net: str) -> pd.DataFrame:
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
            "stage": stage_label(result, net, stage, labels),
            "layer": layer,
            "lo": np.tile(edges[:-1], depth),
            "hi": np.tile(edges[1:], depth),
            "share": share.ravel(),
            "bottom": layer + 0.45,
            "top": layer + 0.45 - 0.85 * height.ravel(),
            "net": labels.net(net),
        }))
    frame_rows = pd.concat(parts, ignore_index=True)
    return frame_rows[frame_rows["share"] > 0].reset_index(drop=True)  # empty bins draw nothing: not sent


def histogram_chart(result: BatchNormResult, frame: int, labels: Labels, *, net: str) -> alt.HConcatChart:
    """One net's histograms at `frame`: a row per hidden layer, a column per stage (a ridgeline)."""
    data = histogram_frame(result, frame, labels, net=net)
    depth = result.config.depth
    columns = []
    stages = [stage_label(result, net, code, labels) for code in result.stages(net)]
    for order, (code, stage) in enumerate(zip(result.stages(net), stages)):
        domain = [float(result.edges[code][0]), float(result.edges[code][-1])]  # fixed: frames compare
        y_axis = alt.Axis(values=list(range(1, depth + 1)), title=labels.axis_layer, grid=False,
                          labelFontSize=FONT, titleFontSize=FONT) if order == 0 else None
        columns.append(alt.Chart(data[data["stage"] == stage]).mark_rect().encode(
            x=alt.X("lo:Q", title=None, scale=alt.Scale(domain=domain, nice=False),
                    axis=alt.Axis(tickCount=5, labelFontSize=TICK_FONT)),
            x2=alt.X2("hi"),
            y=alt.Y("bottom:Q", axis=y_axis, scale=alt.Scale(domain=[0.5, depth + 0.5], reverse=True)),
            y2=alt.Y2("top"),
            color=_net_color(labels, legend=False),
            tooltip=[alt.Tooltip("layer:O", title=labels.axis_layer),
                     alt.Tooltip("lo:Q", format=".2f"), alt.Tooltip("hi:Q", format=".2f"),
                     alt.Tooltip("share:Q", title=labels.axis_share, format=".1%")],
        ).properties(height=ROW_HEIGHT * depth, width=150, title=alt.Title(stage, fontSize=FONT)))
    # room on the right for the last axis label: Vega sizes the view to its own estimate of the
    # label's width, and the "1.0" of the tanh axis (centred on the view's edge) was cut in half
    padding = {"left": 5, "top": 5, "right": 12, "bottom": 5}
    title = alt.Title(labels.net(net), fontSize=TITLE_FONT)
    return alt.hconcat(*columns, spacing=8).properties(title=title, padding=padding)


def saturation_chart(result: BatchNormResult, frame: int, labels: Labels) -> alt.FacetChart:
    """Per layer, the share of saturated units of both nets at `frame` (a panel per net)."""
    rows = [{"net": labels.net(net), "layer": layer + 1, "share": float(v)}
            for net in NETS for layer, v in enumerate(result.saturation[net][frame])]
    return alt.Chart(pd.DataFrame(rows)).mark_bar().encode(
        y=alt.Y("layer:O", title=labels.axis_layer, axis=alt.Axis(labelAngle=0)),
        x=alt.X("share:Q", title=getattr(labels, f"axis_saturated_{result.config.activation}"),
                scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%", tickCount=3)),
        color=_net_color(labels, legend=False),
        tooltip=[alt.Tooltip("net:N"), alt.Tooltip("layer:O"), alt.Tooltip("share:Q", format=".1%")],
    ).properties(height=max(140, 22 * result.config.depth), width=140).facet(
        column=alt.Column("net:N", sort=net_labels(labels), title=None,
                          header=alt.Header(labelFontSize=FONT)),
    ).properties(title=labels.chart_saturation)


def _finite(values: np.ndarray) -> list[float | None]:
    return [float(v) if math.isfinite(v) and v > 0 else None for v in values]


def loss_chart(result: BatchNormResult, frame: int, labels: Labels) -> alt.LayerChart:
    """Test MSE (eval mode) of both nets per epoch, log scale, with a rule at `frame`."""
    rows = [{"net": labels.net(net), "epoch": e, "loss": v}
            for net in NETS for e, v in enumerate(_finite(result.test_loss[net])) if v is not None]
    lines = alt.Chart(pd.DataFrame(rows)).mark_line(point=True).encode(
        x=alt.X("epoch:Q", title=labels.axis_epoch, scale=alt.Scale(domain=[0, result.config.epochs])),
        y=alt.Y("loss:Q", title=labels.axis_test_loss, scale=alt.Scale(type="log")),
        color=_net_color(labels),
        tooltip=[alt.Tooltip("net:N"), alt.Tooltip("epoch:Q"), alt.Tooltip("loss:Q", format=".1f")],
    )
    rule = alt.Chart(pd.DataFrame({"epoch": [frame]})).mark_rule(strokeDash=[4, 3], color=GREY).encode(
        x=alt.X("epoch:Q"))
    return (lines + rule).properties(height=HEIGHT, title=labels.chart_loss)


def prediction_chart(result: BatchNormResult, frame: int, labels: Labels) -> alt.LayerChart:
    """The test data and both nets' eval-mode predictions at `frame`."""
    data = pd.DataFrame({"x": result.x_test, "y": result.y_test})
    points = alt.Chart(data).mark_circle(size=14, color=GREY, opacity=0.5).encode(
        x=alt.X("x:Q", title="x"), y=alt.Y("y:Q", title="y"))
    rows = [{"net": labels.net(net), "x": float(x), "y": float(p)} for net in NETS
            for x, p in zip(result.x_test, result.predictions[net][frame]) if math.isfinite(p)]
    low, high = float(result.y_test.min()) - 10, float(result.y_test.max()) + 10
    data = pd.DataFrame(rows, columns=["net", "x", "y"])
    lines = alt.Chart(data).mark_line(strokeWidth=3, clip=True).encode(
        x=alt.X("x:Q"), y=alt.Y("y:Q", scale=alt.Scale(domain=[low, high])), color=_net_color(labels))
    return (points + lines).properties(height=HEIGHT, title=labels.chart_predictions)


def gradient_chart(result: BatchNormResult, labels: Labels) -> alt.FacetChart:
    """Mean weight-gradient norm per Linear layer of both nets, in the first and the last epoch (log)."""
    depth = result.config.depth
    layer_names = [str(i) for i in range(1, depth + 1)] + [labels.axis_output]
    first, last = result.grad_epochs
    rows = []
    for net in NETS:
        for row, epoch in enumerate((first, last)):
            when = labels.chart_grad_epoch.format(epoch=epoch + 1)
            for name, v in zip(layer_names, _finite(result.grad_norm[net][row])):
                if v is not None:
                    rows.append({"net": labels.net(net), "layer": name, "norm": v, "when": when})
    data = pd.DataFrame(rows, columns=["net", "layer", "norm", "when"])
    whens = [labels.chart_grad_epoch.format(epoch=e + 1) for e in (first, last)]
    return alt.Chart(data).mark_line(point=True).encode(
        x=alt.X("layer:O", sort=layer_names, title=labels.axis_layer, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("norm:Q", title=labels.axis_grad_norm, scale=alt.Scale(type="log")),
        color=_net_color(labels),
        tooltip=[alt.Tooltip("net:N"), alt.Tooltip("layer:N"), alt.Tooltip("norm:Q", format=".2e")],
    ).properties(height=SMALL_HEIGHT, width=320).facet(
        column=alt.Column("when:N", sort=whens, title=None, header=alt.Header(labelFontSize=FONT)),
    ).properties(title=labels.chart_gradients)


def train_eval_chart(result: BatchNormResult, labels: Labels) -> alt.Chart:
    """The BN net's test MSE with running statistics (eval) and with the test batch's own (train)."""
    label = labels.net_bn
    modes = [labels.mode_eval, labels.mode_train]
    rows = [{"net": label, "mode": mode, "epoch": e, "loss": v}
            for mode, series in zip(modes, (result.test_loss["bn"], result.test_loss_train_mode["bn"]))
            for e, v in enumerate(_finite(series)) if v is not None]
    data = pd.DataFrame(rows, columns=["net", "mode", "epoch", "loss"])
    return alt.Chart(data).mark_line(point=True).encode(
        x=alt.X("epoch:Q", title=labels.axis_epoch),
        y=alt.Y("loss:Q", title=labels.axis_test_loss, scale=alt.Scale(type="log")),
        color=_net_color(labels, legend=False),
        strokeDash=alt.StrokeDash("mode:N", sort=modes,
                                   legend=alt.Legend(title=None, orient="top", labelLimit=400, columns=1,
                                                     symbolType="stroke", symbolStrokeColor=LEGEND_GREY,
                                                     symbolStrokeWidth=2)),
        tooltip=[alt.Tooltip("mode:N"), alt.Tooltip("epoch:Q"), alt.Tooltip("loss:Q", format=".1f")],
    ).properties(height=HEIGHT, title=labels.chart_train_eval)
