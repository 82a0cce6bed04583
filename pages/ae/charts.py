"""Pictures and charts of the autoencoder page: rows of digits (the originals over each method's
reconstruction), the training loss, the codes coloured by digit in linked projections, the
explorer's plane and the manifold picture."""

from __future__ import annotations

import base64
import html
import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd
from PIL import Image

from ui.theme import BLUE, DARK_GREY, FONT, GREY, LIGHT_GREY, ORANGE, SMALL_HEIGHT

METHOD_COLOURS = {"ae": BLUE, "pca": ORANGE}  # one fixed colour per method on every chart
DIGITS = "tableau10"  # ten distinguishable colours, one per digit, on every code chart
MAX_LINE_POINTS = 1500  # a loss line this long looks like every step
# The codes chart adds its brush to every panel, so that they are linked: Altair merges the copies
# into one selection, as meant, and warns each time such a chart is converted. (Naming the panels and
# declaring the selection once at the top broke as soon as a panel was layered with the drawn digit's
# cross: Altair renames views inside a layer, and Vega found no "brush".)
warnings.filterwarnings("ignore", "Automatically deduplicated selection parameter", UserWarning)

PANEL = 200  # px, a code panel's side: a method's chart fits its column at 1024 px and a phone
PLANE = 240  # px, the explorer's plane (square, as the manifold picture under it)
GAP = 2  # px of grey between the digits of a row picture


@dataclass(frozen=True)
class Labels:
    """The texts on the autoencoder charts (`ui.theme.chart_labels(Labels, "ae.chart")`)."""

    method_ae: str = "autoencoder"
    method_pca: str = "PCA"
    original: str = "original"
    noisy: str = "noisy input"
    step: str = "training step"
    loss: str = "MSE"
    loss_title: str = "Training loss"
    steps_line: str = "autoencoder, each step"
    epochs_line: str = "autoencoder, mean of each epoch"
    pca_line: str = "PCA, held-out digits"
    mean_line: str = "the average digit, held-out"
    digit: str = "digit"
    number: str = "{method}: number {i}"
    yours: str = "your digit"

    def method(self, code: str) -> str:
        return getattr(self, f"method_{code}")


# ---- rows of digits (HTML for ui.charts.markup) -------------------------------------------------

def strip(images: np.ndarray) -> np.ndarray:
    """(n, 28, 28) images in [0, 1] side by side, a thin grey gap between them: (28, width) uint8."""
    imgs = np.clip(np.nan_to_num(np.asarray(images, dtype=np.float32)), 0, 1)
    n = len(imgs)
    out = np.full((28, n * 28 + (n - 1) * GAP), 96, dtype=np.uint8)
    for i, img in enumerate(imgs):
        out[:, i * (28 + GAP):i * (28 + GAP) + 28] = np.round(img * 255).astype(np.uint8)
    return out


def strips(*rows: np.ndarray, factor: int = 2) -> np.ndarray:
    """Rows of digits one under the other (a gap between them), enlarged `factor` times: uint8."""
    gap = np.full((GAP, strip(rows[0]).shape[1]), 255, dtype=np.uint8)
    parts = [p for r in rows for p in (strip(r), gap)][:-1]
    return np.kron(np.concatenate(parts), np.ones((factor, factor), dtype=np.uint8))


def png_url(picture: np.ndarray) -> str:
    """A (h, w) uint8 grey picture as a PNG data URL."""
    buf = io.BytesIO()
    Image.fromarray(picture, "L").save(buf, format="PNG", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def strip_png(images: np.ndarray) -> str:
    """`strip(images)` as a PNG data URL."""
    return png_url(strip(images))


def picture_html(picture: np.ndarray, caption: str, max_width: int) -> str:
    """A (h, w) uint8 picture, crisp, as wide as its column up to `max_width` px, captioned."""
    return (f'<figure style="margin:0;max-width:{max_width}px">'
            f'<img alt="{html.escape(caption)}" src="{png_url(picture)}" '
            'style="width:100%;image-rendering:pixelated;display:block">'
            f'<figcaption style="font-size:0.85rem;opacity:0.7;text-align:center">{html.escape(caption)}'
            '</figcaption></figure>')


def rows_html(rows: Sequence[tuple[str, np.ndarray | None]], max_width: int = 640,
              stacked: bool = False) -> str:
    """A labelled picture per row: (label, (n, 28, 28) images); a row of None is left blank
    (not there yet). Crisp pixels, as wide as the column up to `max_width`; the labels beside
    the pictures, or above them (`stacked`, for a narrow column)."""
    n = next((len(images) for _, images in rows if images is not None), 10)
    blank = f'<div style="aspect-ratio:{n * (28 + GAP) - GAP}/28;max-width:{max_width}px"></div>'
    cells = []
    for label, images in rows:
        cells.append(f'<div style="white-space:nowrap;font-size:0.9rem">{html.escape(label)}</div>')
        cells.append(blank if images is None else
                     f'<img alt="{html.escape(label)}" src="{strip_png(images)}" style="width:100%;'
                     f'max-width:{max_width}px;image-rendering:pixelated;display:block">')
    layout = "grid-template-columns:minmax(0,1fr);gap:2px" if stacked else \
        "grid-template-columns:max-content minmax(0,1fr);gap:4px 12px"
    return f'<div style="display:grid;{layout};align-items:center">' + "".join(cells) + "</div>"


def digit_png(image: np.ndarray, size: int = 112, caption: str = "") -> str:
    """One digit, crisp, `size` px wide, with a caption under it (HTML)."""
    return (f'<figure style="margin:0;width:max-content">'
            f'<img alt="{html.escape(caption)}" src="{strip_png(image[None])}" '
            f'style="width:{size}px;image-rendering:pixelated;display:block;border:1px solid #ddd">'
            f'<figcaption style="font-size:0.85rem;white-space:nowrap">{html.escape(caption)}</figcaption>'
            '</figure>')


def figures_html(figures: Sequence[str]) -> str:
    """Figures (digit_png) in a row that wraps."""
    return '<div style="display:flex;flex-wrap:wrap;gap:12px">' + "".join(figures) + "</div>"


def grid_png(pictures: np.ndarray) -> np.ndarray:
    """(n, n, 28, 28) decoded images -> one (n*28, n*28) uint8 picture, row 0 at the top."""
    n = pictures.shape[0]
    return (np.clip(pictures, 0, 1) * 255).astype(np.uint8).transpose(0, 2, 1, 3).reshape(n * 28, n * 28)


# ---- the training loss --------------------------------------------------------------------------

def _thin(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(steps, values) of at most MAX_LINE_POINTS: every k-th step."""
    k = max(1, -(-len(values) // MAX_LINE_POINTS))
    steps = np.arange(1, len(values) + 1)[::k]
    return steps, np.asarray(values, dtype=float)[::k]


def loss_chart(step_loss: np.ndarray, epoch_loss: Sequence[float], steps_per_epoch: int, total_steps: int,
               labels: Labels, pca_mse: float | None = None, mean_mse: float | None = None) -> alt.LayerChart:
    """The autoencoder's training loss at every step (thin) and per epoch (dots), on a log scale
    over the whole run's steps (the axis does not move while it grows); PCA's and the average
    digit's held-out MSE as dashed lines where known."""
    steps, values = _thin(step_loss)
    epochs = np.arange(1, len(epoch_loss) + 1) * steps_per_epoch
    lines = [pd.DataFrame({"step": steps, "mse": values, "series": labels.steps_line}),
             pd.DataFrame({"step": epochs, "mse": np.asarray(epoch_loss, dtype=float),
                           "series": labels.epochs_line})]
    df = pd.concat(lines, ignore_index=True)
    df = df[np.isfinite(df["mse"]) & (df["mse"] > 0)]
    refs = pd.DataFrame([(labels.pca_line, pca_mse), (labels.mean_line, mean_mse)], columns=["series", "mse"])
    refs = refs[refs["mse"].map(lambda v: v is not None and np.isfinite(v))]
    names = [labels.steps_line, labels.epochs_line, labels.pca_line, labels.mean_line]
    colour = alt.Color("series:N", legend=None,  # the caption names the lines (a legend squeezed the plot)
                       scale=alt.Scale(domain=names, range=[LIGHT_GREY, BLUE, ORANGE, GREY]))
    x = alt.X("step:Q", title=labels.step, scale=alt.Scale(domain=[0, max(total_steps, 1)]))
    y = alt.Y("mse:Q", title=labels.loss, scale=alt.Scale(type="log", nice=False, padding=8),
              axis=alt.Axis(format=".2~f", tickCount=6))
    base = alt.Chart(df).encode(x=x, y=y, color=colour)
    layers = [base.transform_filter(alt.datum.series == labels.steps_line).mark_line(strokeWidth=1),
              base.transform_filter(alt.datum.series == labels.epochs_line).mark_line(point=True,
                                                                                      strokeWidth=2)]
    if len(refs):
        rules = alt.Chart(refs).mark_rule(strokeDash=[6, 4], strokeWidth=2)
        layers.append(rules.encode(y=alt.Y("mse:Q"), color=colour))
    return alt.layer(*layers).properties(height=SMALL_HEIGHT, title=labels.loss_title)


# ---- codes --------------------------------------------------------------------------------------

def pairs(code: int) -> list[tuple[int, int]]:
    """Which numbers of the code the projections plot: the plane of a 2-D code, else three pairs
    of the first three numbers."""
    return [(1, 2)] if code == 2 else [(1, 2), (1, 3), (2, 3)]


def codes_chart(codes: np.ndarray, digits: np.ndarray, method: str, labels: Labels,
                drawn: np.ndarray | None = None) -> alt.VConcatChart:
    """One method's held-out codes coloured by digit: the plane of a 2-D code, else three pairs of
    its first three numbers, one under the other, linked: a brush in one panel highlights the
    same digits in the others. `drawn`: a drawn digit's code, marked with a black cross.
    (One chart per method, so that a phone stacks them: the two side by side in one chart were
    544 px wide, and the page scrolled sideways at 390 px.)"""
    code = codes.shape[1]
    data = {"digit": np.asarray(digits).astype(str)}
    data.update({f"z{i + 1}": codes[:, i].astype(float) for i in range(min(code, 3))})
    df = pd.DataFrame(data)
    brush = alt.selection_interval(name="brush")
    colour = alt.condition(brush, alt.Color("digit:N", title=labels.digit, scale=alt.Scale(scheme=DIGITS),
                                            legend=alt.Legend(orient="top", columns=5, symbolType="circle")),
                           alt.value(LIGHT_GREY))
    panels = []
    for a, b in pairs(code):
        x = alt.X(f"z{a}:Q", title=labels.number.format(method=labels.method(method), i=a),
                  scale=alt.Scale(zero=False))
        y = alt.Y(f"z{b}:Q", title=labels.number.format(method=labels.method(method), i=b),
                  scale=alt.Scale(zero=False))
        dots = alt.Chart(df).mark_circle(size=14, opacity=0.7).encode(
            x=x, y=y, color=colour, tooltip=[alt.Tooltip("digit:N", title=labels.digit)],
        ).add_params(brush).properties(width=PANEL, height=PANEL)
        if drawn is not None:
            mark = pd.DataFrame({f"z{a}": [float(drawn[a - 1])], f"z{b}": [float(drawn[b - 1])]})
            dots = dots + alt.Chart(mark).mark_point(shape="cross", size=420, filled=True, color="black",
                                                     stroke="white", strokeWidth=1.5).encode(x=x, y=y)
        panels.append(dots)
    chart = alt.vconcat(*panels, title=alt.Title(labels.method(method), anchor="middle",
                                                 color=METHOD_COLOURS[method]))
    return chart.configure_axis(labelFontSize=FONT - 2, titleFontSize=FONT - 1)


def plane_chart(codes: np.ndarray, digits: np.ndarray, grid: np.ndarray, start: np.ndarray, method: str,
                labels: Labels) -> alt.LayerChart:
    """The explorer's plane: the held-out codes coloured by digit, and the grid of points a click
    picks (the nearest one; the picked one is ringed; `start`, a grid point, before any click)."""
    dots = pd.DataFrame({"x": codes[:, 0].astype(float), "y": codes[:, 1].astype(float),
                         "digit": np.asarray(digits).astype(str)})
    points = pd.DataFrame({"x": grid[:, 0].astype(float), "y": grid[:, 1].astype(float)})
    pick = alt.selection_point(name="pick", fields=["x", "y"], nearest=True, on="click", clear=False,
                               value=[{"x": float(start[0]), "y": float(start[1])}])
    x = alt.X("x:Q", title=labels.number.format(method=labels.method(method), i=1),
              scale=alt.Scale(domain=[float(grid[:, 0].min()), float(grid[:, 0].max())], nice=False))
    y = alt.Y("y:Q", title=labels.number.format(method=labels.method(method), i=2),
              scale=alt.Scale(domain=[float(grid[:, 1].min()), float(grid[:, 1].max())], nice=False))
    scatter = alt.Chart(dots).mark_circle(size=12, opacity=0.45, clip=True).encode(
        x=x, y=y, color=alt.Color("digit:N", scale=alt.Scale(scheme=DIGITS), legend=None),  # as above
        tooltip=[alt.Tooltip("digit:N", title=labels.digit)])
    target = alt.Chart(points).mark_point(shape="circle", size=260, filled=False, strokeWidth=3).encode(
        x=x, y=y, color=alt.value(DARK_GREY),
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.0), empty=False),
    ).add_params(pick)
    return alt.layer(scatter, target).properties(width=PLANE, height=PLANE)
