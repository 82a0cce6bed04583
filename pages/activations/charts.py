"""Altair charts of the activations page: gallery, decision boundaries, curves, gradient flow, dead units."""

from __future__ import annotations

import base64
import io
import math
from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd
from PIL import Image

from core.activations import CLASSIC, ActivationTrainResult, GalleryResult, GradientFlowResult
from core.nonlinearities import ACTIVATIONS, LABELS
from ui.theme import (
    BLUE,
    EXTRA,
    FONT,
    HEIGHT,
    LEGEND_GREY,
    LIGHT_GREY,
    ORANGE,
    PALETTE,
    SMALL_HEIGHT,
    TITLE_FONT,
)

# One colour per activation on every chart of the page: the theme's palette in order, the classic
# four first, then its extra colours for the rest.
COLORS: dict[str, str] = dict(zip((*CLASSIC, *(n for n in ACTIVATIONS if n not in CLASSIC)), PALETTE + EXTRA))
CLASS_COLORS = (BLUE, ORANGE)  # class 0, class 1 (points and the heatmap's two ends)


@dataclass(frozen=True)
class Labels:
    """The texts on the activations charts (`ui.theme.chart_labels(Labels, "activations.chart")`)."""

    value: str = "f(x)"
    derivative: str = "f′(x)"
    step_axis: str = "step"
    loss: str = "Training loss"
    accuracy: str = "Training accuracy"
    deep_accuracy: str = "Training accuracy (deep networks)"
    dead: str = "Dead units"
    dead_layer: str = "hidden layer"
    norm: str = "Gradient norm"
    flow_layer: str = "layer (1 = input side)"
    at_init: str = "at initialisation"
    now: str = "at this step"
    boundary: str = "{name} · {acc} correct"  # a decision boundary's title
    boundary_diverged: str = "{name} · diverged at step {step}"  # ...once its network diverged


def percent(value: float) -> str:
    """A share as a whole percentage; a dash for NaN."""
    return f"{value:.0%}" if math.isfinite(value) else "—"


def _color(names: list[str]) -> alt.Color:
    """Each activation in its colour; the legend on the right, where it takes no height from the plot
    (Streamlit fits the whole chart, legends included, into the chart's height)."""
    labels = [LABELS[n] for n in names]
    return alt.Color("activation:N", title=None, sort=labels,
                     scale=alt.Scale(domain=labels, range=[COLORS[n] for n in names]),
                     legend=alt.Legend(orient="right", labelFontSize=FONT, labelLimit=0))


def _style(chart: alt.Chart) -> alt.Chart:
    return chart.configure_axis(labelFontSize=FONT, titleFontSize=FONT).configure_title(fontSize=TITLE_FONT)


# --- gallery ------------------------------------------------------------------------------------

def gallery_frame(result: GalleryResult) -> pd.DataFrame:
    """Tidy rows: activation, x, value, derivative."""
    parts = [pd.DataFrame({"activation": LABELS[n], "x": result.x, "value": result.values[n],
                           "derivative": result.derivatives[n]}) for n in result.values]
    return pd.concat(parts, ignore_index=True)


def gallery_chart(result: GalleryResult, labels: Labels = Labels(), *, column: str = "value") -> alt.Chart:
    """f(x) (column='value') or f'(x) (column='derivative') of every activation, overlaid."""
    names = list(result.values)
    data = gallery_frame(result)[["activation", "x", column]]  # only what this chart draws
    chart = alt.Chart(data, title=getattr(labels, column)).mark_line(strokeWidth=2.5).encode(
        x=alt.X("x:Q", title="x"),
        y=alt.Y(f"{column}:Q", title=None),
        color=_color(names),
        tooltip=[alt.Tooltip("activation:N"), alt.Tooltip("x:Q", format=".2f"),
                 alt.Tooltip(f"{column}:Q", format=".3f")],
    ).properties(height=HEIGHT)
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color=LIGHT_GREY).encode(y=alt.Y("y:Q"))
    return _style(alt.layer(zero, chart))


# --- decision boundaries ----------------------------------------------------------------------------

def _probability_png(probs: np.ndarray) -> str:
    """A (G, G) grid of P(class 1), rows bottom-to-top, as a PNG data URL (blue 0 - white 0.5 - orange 1)."""
    p = np.nan_to_num(probs, nan=0.5)[::-1, :, None]  # image rows go top to bottom
    lo, hi = (np.array([int(c[i:i + 2], 16) for i in (1, 3, 5)], dtype=float) for c in CLASS_COLORS)
    white = np.full(3, 255.0)
    t = np.abs(p - 0.5) * 2 * 0.55  # pale colours: the points on top stay visible
    rgb = np.where(p < 0.5, white + (lo - white) * t, white + (hi - white) * t)
    buf = io.BytesIO()
    Image.fromarray(rgb.astype(np.uint8), "RGB").save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def boundary_title(result: ActivationTrainResult, frame: int, labels: Labels, index: int) -> str:
    """Network `index`'s name with its accuracy at `frame`, or the step it diverged at."""
    name, step = LABELS[result.activations[index]], result.frame_steps[frame]
    diverged = result.diverged_by(index, step)
    if diverged is not None:
        return labels.boundary_diverged.format(name=name, step=diverged)
    return labels.boundary.format(name=name, acc=percent(result.accuracy[step, index]))


def boundary_chart(result: ActivationTrainResult, frame: int, labels: Labels = Labels(), *,
                   index: int = 0) -> alt.Chart:
    """Network `index`'s P(class 1) over the plane at `frame`, with the training points."""
    gx, gy = result.grid_x, result.grid_y
    xs = alt.Scale(domain=[gx[0], gx[-1]], nice=False, zero=False)
    ys = alt.Scale(domain=[gy[0], gy[-1]], nice=False, zero=False)
    image = alt.Chart(pd.DataFrame({"x": [gx[0]], "x2": [gx[-1]], "y": [gy[0]], "y2": [gy[-1]],
                                    "url": [_probability_png(result.probs[frame, index])]}))
    image = image.mark_image(aspect=False).encode(
        x=alt.X("x:Q", scale=xs, title=None), x2=alt.X2("x2"), y=alt.Y("y:Q", scale=ys, title=None),
        y2=alt.Y2("y2"), url=alt.Url("url:N"))
    points = pd.DataFrame({"x": result.points[:, 0], "y": result.points[:, 1],
                           "label": result.labels.astype(int).astype(str)})
    dots = alt.Chart(points).mark_circle(size=22, opacity=0.9, stroke="white", strokeWidth=0.4).encode(
        x=alt.X("x:Q", scale=xs), y=alt.Y("y:Q", scale=ys),
        color=alt.Color("label:N", scale=alt.Scale(domain=["0", "1"], range=list(CLASS_COLORS)), legend=None))
    name = result.activations[index]
    title = alt.Title(boundary_title(result, frame, labels, index), color=COLORS[name], fontSize=TITLE_FONT)
    chart = alt.layer(image, dots).properties(height=SMALL_HEIGHT, title=title)
    return chart.configure_axis(labelFontSize=FONT - 2).configure_view(stroke=COLORS[name], strokeWidth=3)


# --- curves -----------------------------------------------------------------------------------------

CURVE_POINTS = 150  # at most this many points per training curve are drawn


def curves_frame(names: tuple[str, ...], loss: np.ndarray, accuracy: np.ndarray) -> pd.DataFrame:
    """Tidy rows: activation, step, loss, accuracy (NaN rows of diverged networks dropped)."""
    steps = np.arange(loss.shape[0])
    parts = [pd.DataFrame({"activation": LABELS[n], "step": steps, "loss": loss[:, i],
                           "accuracy": accuracy[:, i]}) for i, n in enumerate(names)]
    return pd.concat(parts, ignore_index=True).dropna()


def curve_chart(result: ActivationTrainResult | GradientFlowResult, frame: int, labels: Labels = Labels(), *,
                column: str = "loss") -> alt.Chart:
    """Loss (column='loss', log scale) or accuracy per step for every activation, up to `frame`'s step."""
    names, loss, title = result.activations, result.loss, getattr(labels, column)
    data = curves_frame(names, loss, result.accuracy)[["activation", "step", column]]  # only what it draws
    data = data[data["step"] <= result.frame_steps[frame]]
    every = -(-loss.shape[0] // CURVE_POINTS)  # a light chart of the same shape
    data = data[(data["step"] % every == 0) | (data["step"] == data["step"].max())]
    if column == "loss":
        data = data[data["loss"] > 0]
    y = (alt.Y("loss:Q", title=title, scale=alt.Scale(type="log")) if column == "loss"
         else alt.Y("accuracy:Q", title=title, scale=alt.Scale(domain=[0.3, 1.0], clamp=True),
                    axis=alt.Axis(format="%")))
    chart = alt.Chart(data).mark_line(strokeWidth=2.5, clip=True).encode(
        x=alt.X("step:Q", title=labels.step_axis, scale=alt.Scale(domain=[0, loss.shape[0] - 1])),
        y=y, color=_color(list(names)),
        tooltip=[alt.Tooltip("activation:N"), alt.Tooltip("step:Q"),
                 alt.Tooltip(f"{column}:Q", format=".3f")],
    ).properties(height=HEIGHT)
    return _style(chart)


# --- dead units -------------------------------------------------------------------------------------

def dead_frame(names: tuple[str, ...], dead: np.ndarray) -> pd.DataFrame:
    """Tidy rows of one frame's dead fractions (A, layers): activation, layer, dead; ReLU family only."""
    rows = [{"activation": LABELS[n], "layer": j + 1, "dead": float(dead[i, j])}
            for i, n in enumerate(names) for j in range(dead.shape[1]) if np.isfinite(dead[i, j])]
    return pd.DataFrame(rows, columns=["activation", "layer", "dead"])


def dead_chart(result: ActivationTrainResult | GradientFlowResult, frame: int,
               labels: Labels = Labels()) -> alt.Chart:
    """Bars: share of each hidden layer's units that output zero for every training point at `frame`."""
    names = result.activations
    data = dead_frame(names, result.dead[frame])
    shown = [n for n in names if LABELS[n] in set(data["activation"])]
    chart = alt.Chart(data).mark_bar().encode(
        x=alt.X("layer:O", title=labels.dead_layer, axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("activation:N", sort=[LABELS[n] for n in shown]),
        y=alt.Y("dead:Q", title=labels.dead, scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        color=_color(shown),
        tooltip=[alt.Tooltip("activation:N"), alt.Tooltip("layer:O"), alt.Tooltip("dead:Q", format=".0%")],
    ).properties(height=SMALL_HEIGHT)
    return _style(chart)


# --- gradient flow ----------------------------------------------------------------------------------

def flow_frame(result: GradientFlowResult, frame: int) -> pd.DataFrame:
    """Tidy rows: activation, layer (1 = first), norm, when ('init' or 'now') for one frame."""
    rows = []
    for when, f in (("init", 0), ("now", frame)):
        for i, n in enumerate(result.activations):
            for j, v in enumerate(result.grad_norms[f, i]):
                if np.isfinite(v) and v > 0:
                    rows.append({"activation": LABELS[n], "layer": j + 1, "norm": float(v), "when": when})
    return pd.DataFrame(rows, columns=["activation", "layer", "norm", "when"])


def flow_chart(result: GradientFlowResult, frame: int, labels: Labels = Labels()) -> alt.Chart:
    """Gradient norm per layer on a log scale: dashed at initialisation, solid at `frame`."""
    init_label, now_label = labels.at_init, labels.now
    data = flow_frame(result, frame)
    data["when"] = data["when"].map({"init": init_label, "now": now_label})
    chart = alt.Chart(data).mark_line(point=True, strokeWidth=2.5).encode(
        x=alt.X("layer:Q", title=labels.flow_layer, scale=alt.Scale(domain=[1, result.grad_norms.shape[2]]),
                axis=alt.Axis(tickMinStep=1, format="d")),
        y=alt.Y("norm:Q", title=labels.norm, scale=alt.Scale(type="log"), axis=alt.Axis(format=".0e")),
        color=_color(list(result.activations)),
        strokeDash=alt.StrokeDash("when:N", title=None, sort=[init_label, now_label],
                                  scale=alt.Scale(domain=[init_label, now_label], range=[[5, 4], [1, 0]]),
                                  legend=alt.Legend(orient="right", labelFontSize=FONT, labelLimit=0,
                                                    symbolType="stroke", symbolStrokeWidth=2.5,
                                                    symbolStrokeColor=LEGEND_GREY)),
        detail=alt.Detail("when:N"),
        tooltip=[alt.Tooltip("activation:N"), alt.Tooltip("layer:Q"), alt.Tooltip("when:N"),
                 alt.Tooltip("norm:Q", format=".2e")],
    ).properties(height=HEIGHT)
    return _style(chart)
