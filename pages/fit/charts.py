"""The fit page's views as SVG, TensorFlow Playground's way: the network as a graph whose units
show their output over the input plane, the output over the plane with the points, the loss
timeline. They animate at several frames a second, so each is inline SVG drawn with
ui.charts.markup (which changes only what differs from the frame before), not a Vega-Lite chart
the browser re-embeds every frame.

Colours: orange for negative (class 0), white for zero, blue for positive (class 1).
"""

from __future__ import annotations

import base64
import functools
import io
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

from core.fit import CLASSIFICATION, FitResult, NetView, confusion, view
from core.fit.data import ONE_D, half_width
from pages.fit.controls import FEATURE_LABELS
from ui.svg import as_image, el, svg, text
from ui.theme import BLUE, DARK_GREY, GREEN, LIGHT_GREY, ORANGE, VERMILION

NET_COLORS = {"a": GREEN, "b": VERMILION, "loaded": DARK_GREY}
# Play asks for this many updates a second (ui.playback's default is 8, for Altair pages). These
# views are light: `python -m bench.fit --browser` showed 7.2 of the 8 a second asked for, the
# timer itself the limit.
PLAY_FPS = 12.0
MAX_POINTS = 600  # a polyline this long looks like every step


@dataclass(frozen=True)
class Labels:
    """The texts the views show (built by ui.theme.chart_labels from fit.chart.*)."""

    train: str = "train"
    test: str = "test"
    batch: str = "each step's batch"
    epoch: str = "epoch"
    step: str = "step"
    loss: str = "loss"
    confusion_test: str = "Confusion matrix (test points)"
    confusion_train: str = "Confusion matrix (training points)"
    class0: str = "orange"
    class1: str = "blue"
    true: str = "true"
    predicted: str = "predicted"


def _rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)], dtype=float)


_WHITE = np.full(3, 255.0)
_TO_ORANGE, _TO_BLUE = _rgb(ORANGE) - _WHITE, _rgb(BLUE) - _WHITE


def diverging(values: np.ndarray, scale: float | np.ndarray) -> np.ndarray:
    """(..., 3) uint8 colours: −scale orange, 0 white, +scale blue (NaN white). `scale` may be an
    array that broadcasts against `values` (one scale per map of a stack); 0 paints white."""
    scale = np.asarray(scale, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(scale > 0, values / np.where(scale > 0, scale, 1.0), 0.0)
    t = np.clip(np.nan_to_num(t), -1, 1)[..., None]
    rgb = _WHITE + np.where(t < 0, _TO_ORANGE * -t, _TO_BLUE * t)
    return rgb.astype(np.uint8)


def png(values: np.ndarray, scale: float) -> str:
    """A (G, G) map as a PNG data URL, row 0 at the top."""
    buf = io.BytesIO()
    Image.fromarray(diverging(values, scale), "RGB").save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _scale(values: np.ndarray) -> float:
    finite = np.abs(values[np.isfinite(values)])
    return float(finite.max()) if finite.size else 1.0


def atlas(maps: list[np.ndarray], uid: str) -> str:
    """Every (G, G) map side by side in one PNG (a white column between them, so that smoothing
    does not bleed), defined once as `#uid`: a graph's maps cost one encoding and one image to
    decode (one PNG per map cost the server about 40 ms an update, the browser more)."""
    g = maps[0].shape[0]
    stack = np.stack(maps)  # (M, G, G)
    scales = np.nanmax(np.abs(np.where(np.isfinite(stack), stack, np.nan)), axis=(1, 2), keepdims=True)
    # (G, M, G + 1) with a white column after each map: one colouring for all of them
    strip = np.full((g, len(maps), g + 1, 3), 255, dtype=np.uint8)
    strip[:, :, :g] = diverging(stack, np.nan_to_num(scales, nan=1.0)).transpose(1, 0, 2, 3)
    strip = strip.reshape(g, len(maps) * (g + 1), 3)
    buf = io.BytesIO()
    Image.fromarray(strip, "RGB").save(buf, format="PNG", compress_level=1)
    href = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    return f'<defs><image id="{uid}" width="{strip.shape[1]}" height="{g}" href="{href}"/></defs>'


def _map(values: np.ndarray, x: float, y: float, size: float, uid: str, index: int) -> str:
    """One unit's map in a square at (x, y): tile `index` of the atlas `uid` on the plane, a
    sparkline on the curve."""
    frame = f'<rect x="{x}" y="{y}" width="{size}" height="{size}" fill="white" stroke="{LIGHT_GREY}"/>'
    if values.ndim == 2:
        g = values.shape[0]
        box = f"{index * (g + 1)} 0 {g} {g}"
        return frame + (f'<svg x="{x}" y="{y}" width="{size}" height="{size}" viewBox="{box}" '
                        f'preserveAspectRatio="none"><use href="#{uid}"/></svg>')
    scale = _scale(values)
    v = np.nan_to_num(np.clip(values / scale if scale > 0 else values, -1, 1))
    xs = x + np.linspace(0, size, len(v))
    ys = y + size / 2 - v * size * 0.45
    points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(xs, ys))
    return frame + f'<polyline points="{points}" fill="none" stroke="{BLUE}" stroke-width="1.5"/>'


def link_width(weight: float | np.ndarray) -> float | np.ndarray:
    """A link's stroke in px: grows with √|w| (|w| 0.1: 0.9, 1: 2.0, 4: 3.6), capped at |w| = 6."""
    return 0.4 + 1.6 * np.sqrt(np.minimum(np.abs(weight), 6.0))


@dataclass(frozen=True)
class GraphLayout:
    """Where a graph's nodes sit: `sizes` nodes per column (inputs, hidden layers, output)."""

    sizes: tuple[int, ...]
    node: int = 34  # a node's square, px
    gap: int = 10  # between the squares of a column
    col_gap: int = 92  # from one column to the next
    left: int = 58  # room for the inputs' names

    @property
    def height(self) -> int:
        return max(self.sizes) * (self.node + self.gap) + self.gap

    @property
    def width(self) -> int:
        return self.left + (len(self.sizes) - 1) * self.col_gap + self.node + 10

    def corner(self, col: int, row: int) -> tuple[float, float]:
        """The top left of node `row` of column `col` (each column centred vertically)."""
        top = (self.height - self.sizes[col] * (self.node + self.gap) + self.gap) / 2
        return self.left + col * self.col_gap, top + row * (self.node + self.gap)


@functools.lru_cache(maxsize=64)
def _curves(layout: GraphLayout) -> tuple[str, ...]:
    """Every link's curve, layer by layer, each layer's (fan_out, fan_in) in row-major order: the
    same in every frame of a network, so built once (it was half the graph's cost per update)."""
    curves, node = [], layout.node
    for layer in range(len(layout.sizes) - 1):
        for j in range(layout.sizes[layer + 1]):
            for i in range(layout.sizes[layer]):
                (x1, y1), (x2, y2) = layout.corner(layer, i), layout.corner(layer + 1, j)
                x1, y1, y2 = x1 + node, y1 + node / 2, y2 + node / 2
                mid = (x1 + x2) / 2
                curves.append(f"M{x1:.1f},{y1:.1f} C{mid:.1f},{y1:.1f} {mid:.1f},{y2:.1f} {x2:.1f},{y2:.1f}")
    return tuple(curves)


def graph_svg(view: NetView, inputs: list[str], uid: str) -> str:
    """The network: a column of input features, one per hidden layer and the output; each link's
    width shows |w| on one scale for every network (so a regularised net's links look thinner),
    its colour the sign."""
    columns = [view.inputs, *view.hidden, [view.output_small]]
    layout = GraphLayout(tuple(len(c) for c in columns))
    flat = [m for c in columns for m in c]
    parts = [atlas(flat, uid)] if flat[0].ndim == 2 else []
    weights = np.concatenate([w.ravel() for w in view.weights])  # in _curves' order
    for curve, w, stroke in zip(_curves(layout), weights.tolist(), link_width(weights).tolist()):
        parts.append(f'<path d="{curve}" stroke="{BLUE if w >= 0 else ORANGE}" stroke-width="{stroke:.2f}" '
                     'fill="none" opacity="0.75"/>')
    index = 0
    for col, maps in enumerate(columns):
        for row, values in enumerate(maps):
            x, y = layout.corner(col, row)
            parts.append(_map(values, x, y, layout.node, uid, index))
            index += 1
    for row, name in enumerate(inputs):
        x, y = layout.corner(0, row)
        parts.append(text(x - 6, y + layout.node / 2 + 5, name, size=14, anchor="end"))
    return as_image(svg(layout.width, layout.height, "".join(parts)), "fit-graph", layout.width)


def dots(xs: np.ndarray, ys: np.ndarray, colours: np.ndarray, rim: str) -> str:
    """Points at (xs, ys) px, filled with `colours` (n, 3), rimmed with `rim`: one path per colour
    of zero-length round-capped strokes (a few paths, not a thousand circles, for the browser).
    The points are the same in every frame of a run: built once per set of points."""
    return _dots(np.asarray(xs, float).tobytes(), np.asarray(ys, float).tobytes(),
                 np.asarray(colours, np.uint8).tobytes(), rim)


@functools.lru_cache(maxsize=64)
def _dots(x_bytes: bytes, y_bytes: bytes, colour_bytes: bytes, rim: str) -> str:
    xs, ys = np.frombuffer(x_bytes), np.frombuffer(y_bytes)
    colours = np.frombuffer(colour_bytes, np.uint8).reshape(len(xs), 3)
    if len(xs) == 0:
        return ""
    moves = np.array([f"M{x:.1f} {y:.1f}h0" for x, y in zip(xs, ys)])
    style = 'fill="none" stroke-linecap="round"'
    parts = [f'<path class="dots" data-points="{len(xs)}" d="{"".join(moves)}" stroke="{rim}" '
             f'stroke-width="8.5" {style}/>']
    found, which = np.unique(colours, axis=0, return_inverse=True)
    for i, (r, g, b) in enumerate(found):
        parts.append(f'<path d="{"".join(moves[which.ravel() == i])}" stroke="rgb({r},{g},{b})" '
                     f'stroke-width="6.5" {style}/>')
    return "".join(parts)


def output_svg(result: FitResult, view: NetView, size: int = 300) -> str:
    """The network's output over the input plane (or along the curve) with the training points
    (white rims) and the test points (black rims)."""
    data, dataset = result.data, result.config.dataset
    w = half_width(dataset)
    pad = 4
    to_px = lambda v: pad + (v + w) / (2 * w) * (size - 2 * pad)  # noqa: E731
    parts = [f'<rect x="0" y="0" width="{size}" height="{size}" fill="white" stroke="{LIGHT_GREY}"/>']
    if dataset in ONE_D:
        y_all = np.concatenate([data.y_train.numpy(), data.y_test.numpy(), view.output])
        lo, hi = float(np.nanmin(y_all)), float(np.nanmax(y_all))
        lo, hi = (lo - 0.1 * (hi - lo + 1e-9), hi + 0.1 * (hi - lo + 1e-9))
        to_py = lambda v: size - pad - (v - lo) / (hi - lo) * (size - 2 * pad)  # noqa: E731
        grey = np.tile(_rgb(DARK_GREY).astype(np.uint8), (1, 1))
        for x, y, rim in ((data.x_train, data.y_train, "white"), (data.x_test, data.y_test, "black")):
            parts.append(dots(to_px(x[:, 0].numpy()), to_py(y.numpy()), grey.repeat(len(y), 0), rim))
        xs = np.linspace(-w, w, len(view.output))
        line = " ".join(f"{to_px(a):.1f},{to_py(b):.1f}" for a, b in zip(xs, np.nan_to_num(view.output)))
        parts.append(f'<polyline points="{line}" fill="none" stroke="{BLUE}" stroke-width="3"/>')
    else:
        classify = result.task == CLASSIFICATION
        values = view.output - 0.5 if classify else view.output
        scale = 0.5 if classify else max(_scale(data.y_train.numpy()), 1e-6)
        parts.append(f'<image x="{pad}" y="{pad}" width="{size - 2 * pad}" height="{size - 2 * pad}" '
                     f'preserveAspectRatio="none" href="{png(values, scale / 0.6)}"/>')  # pale: points show
        for x, y, rim in ((data.x_train, data.y_train, "white"), (data.x_test, data.y_test, "black")):
            target = (y.numpy() - 0.5) if classify else y.numpy()
            shade = np.sign(target) * scale if classify else np.round(target / scale * 5) / 5 * scale
            parts.append(dots(to_px(x[:, 0].numpy()), to_px(-x[:, 1].numpy()), diverging(shade, scale), rim))
    return as_image(svg(size, size, "".join(parts)), "fit-output", size * 1.4)


def _thin(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    step = max(1, math.ceil(len(x) / MAX_POINTS))
    return x[::step], y[::step]


def loss_svg(result: FitResult, frame: int, labels: Labels, width: int = 640, height: int = 240) -> str:
    """Training (solid) and test (dashed) loss of A and B up to `frame`, on a log scale, with each
    step's batch loss faint behind them; the whole run's range, so the axes keep still."""
    left, right, top, bottom = 58, 12, 10, 34
    step_mode = result.config.frame_every == "step"
    x_max = max(1, (result.frames - 1) * result.ticks_per_frame)
    nets = [result.nets[s] for s in ("a", "b")]
    series = [v for n in nets for v in (n.train_loss, n.test_loss, n.batch_loss)]
    finite = np.concatenate([v[np.isfinite(v) & (v > 0)] for v in series] or [np.array([1.0])])
    lo, hi = (math.log10(finite.min()), math.log10(finite.max())) if finite.size else (0.0, 1.0)
    hi = hi if hi > lo else lo + 1
    px = lambda t: left + t / x_max * (width - left - right)  # noqa: E731
    py = lambda v: top + (hi - math.log10(max(v, 10 ** lo))) / (hi - lo) * (height - top - bottom)  # noqa: E731

    def line(xs: np.ndarray, ys: np.ndarray, **style: str) -> str:
        ok = np.isfinite(ys) & (ys > 0)
        xs, ys = _thin(xs[ok], ys[ok])
        if len(xs) < 2:
            return ""
        points = " ".join(f"{px(a):.1f},{py(b):.1f}" for a, b in zip(xs, ys))
        return el("polyline", points=points, fill="none", **style)

    parts = []
    for d in range(math.floor(lo), math.ceil(hi) + 1):  # a gridline per power of ten
        if lo - 1e-9 <= d <= hi + 1e-9:
            y = py(10 ** d)
            parts.append(el("line", x1=left, x2=width - right, y1=f"{y:.1f}", y2=f"{y:.1f}", stroke="#eee"))
            parts.append(text(left - 6, y + 4, f"{10.0 ** d:g}", anchor="end"))
    ticks = np.unique(np.round(np.linspace(0, x_max, 5)).astype(int))
    parts += [text(px(t), height - bottom + 16, t) for t in ticks]
    axis = labels.step if step_mode else labels.epoch
    parts.append(text((left + width - right) / 2, height - 4, axis, 13))
    for side, net in zip(("a", "b"), nets):
        colour, shown = NET_COLORS[side], net.frame(frame) + 1
        steps = np.arange(1, len(net.batch_loss) + 1)
        upto = net.steps[net.frame(frame)]
        unit = 1 if step_mode else net.steps_per_epoch
        parts.append(line(steps[:upto] / unit, net.batch_loss[:upto], stroke=colour, stroke_width="0.8",
                          opacity="0.35"))
        x = net.steps[:shown] / unit
        parts.append(line(x, net.train_loss[:shown], stroke=colour, stroke_width="2.5"))
        parts.append(line(x, net.test_loss[:shown], stroke=colour, stroke_width="2", stroke_dasharray="6 4"))
    now = px(frame * result.ticks_per_frame)
    parts.append(el("line", x1=f"{now:.1f}", x2=f"{now:.1f}", y1=top, y2=height - bottom, stroke=DARK_GREY))
    frame_rect = el("rect", x=left, y=top, width=width - left - right, height=height - top - bottom,
                    fill="none", stroke=LIGHT_GREY)
    return as_image(svg(width, height, frame_rect + "".join(parts)), "fit-loss", 2 * width)


def legend_html(names: dict[str, str], labels: Labels) -> str:
    """What the lines of the loss timeline are."""
    def swatch(colour: str, dash: str = "", width: float = 2.5, opacity: float = 1.0) -> str:
        return (f'<svg width="28" height="10"><line x1="0" x2="28" y1="5" y2="5" stroke="{colour}" '
                f'stroke-width="{width}" stroke-dasharray="{dash}" opacity="{opacity}"/></svg>')
    items = []
    for side, name in names.items():
        c = NET_COLORS[side]
        items.append(f"<b>{name}</b> {swatch(c)} {labels.train} {swatch(c, '6 4', 2)} {labels.test} "
                     f"{swatch(c, '', 1, 0.5)} {labels.batch}")
    return '<div style="font-size:0.95rem;line-height:1.8">' + " &nbsp;&nbsp; ".join(items) + "</div>"


def confusion_html(matrix: np.ndarray, title: str, classes: tuple[str, str], axes: tuple[str, str]) -> str:
    """The 2×2 confusion matrix as a small table: rows the true class, columns the predicted one."""
    cell = 'style="border:1px solid #ccc;padding:4px 12px;text-align:center"'
    head = "".join(f"<th {cell}>{axes[1]}: {c}</th>" for c in classes)
    rows = "".join(f"<tr><th {cell}>{axes[0]}: {c}</th>" + "".join(f"<td {cell}>{int(v)}</td>" for v in row)
                   + "</tr>" for c, row in zip(classes, matrix))
    return (f'<div style="font-size:0.9rem"><b>{title}</b><table style="border-collapse:collapse">'
            f"<tr><th {cell}></th>{head}</tr>{rows}</table></div>")


def network_svg(result: FitResult, side: str, frame: int, labels: Labels) -> str:
    """All a network's views at `frame`: its graph, its output over the plane with the points and,
    classifying, its confusion matrix (on the test points, or the training points without any)."""
    net = result.nets[side]
    shown = view(result, side, frame)
    inputs = [FEATURE_LABELS[f] for f in net.features]
    parts = [graph_svg(shown, inputs, uid=f"fit-maps-{side}"), output_svg(result, shown)]  # ids are page-wide
    if result.task == CLASSIFICATION:
        split = "test" if len(result.data.y_test) else "train"
        title = labels.confusion_test if split == "test" else labels.confusion_train
        matrix = confusion(result, side, frame, split)
        classes = (labels.class0, labels.class1)
        parts.append(confusion_html(matrix, title, classes, (labels.true, labels.predicted)))
    return "".join(parts)
