"""Altair charts of the GAN page: the painter's paintings between the bounds, the fitted a against
U(1, 2), D's probabilities and the losses on one timeline; the plane with D's heatmap, G's samples,
their arrows and the real points (GAN Lab's view)."""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd
from PIL import Image

from core.gan import LabView, PainterResult, PlaneResult
from core.gan.painter import A_EDGES, bounds
from ui.svg import as_image, el, svg, text
from ui.theme import BLUE, DARK_GREY, GREY, HEIGHT, LIGHT_GREY, ORANGE, SMALL_HEIGHT

COLOURS = {"A": BLUE, "B": ORANGE}  # one fixed colour per training
LINES = 12  # paintings drawn per training (of the SHOWN the snapshots keep)
FAKE = "#7B3294"  # G's samples on the plane (GAN Lab's purple)
REAL = "#1B7837"  # real points (GAN Lab's green)
HEAT_RANGE = ["#C2A5CF", "#F7F7F7", "#A6DBA0"]  # D(x): fake (0) - unsure (0.5) - real (1)
PLANE = 300  # the plane's side in px (square: distances read the same both ways; fits a phone)
TIMELINE_HEIGHT = HEIGHT  # Streamlit fits title, axes and legend in the height


@dataclass(frozen=True)
class Labels:
    """The texts on the GAN charts (`ui.theme.chart_labels(Labels, "gan")`)."""

    training_A: str = "A"
    training_B: str = "B"
    step: str = "step {step}"
    x: str = "x"
    y: str = "painting"
    bounds: str = "bounds x² and 2x² + 1"
    a_title: str = "fitted a vs the artist's U(1, 2)"
    a_axis: str = "fitted a"
    share: str = "share of paintings"
    artist: str = "artist: U(1, 2)"
    prob_title: str = "D(real) (solid) and D(painting) (dashed)"
    prob: str = "probability"
    loss_title: str = "D loss (solid) and G loss (dashed)"
    loss_axis: str = "loss"
    prob_short: str = "D(real) and D(painting)"
    loss_short: str = "D and G losses"
    iteration: str = "iteration"
    real: str = "D(real)"
    fake: str = "D(fake)"
    d_loss: str = "D loss"
    g_loss: str = "G loss"
    real_points: str = "real points"
    fake_points: str = "G's samples"
    d_heat: str = "D(x): real?"
    modes_title: str = "modes covered (of {m})"
    modes: str = "modes"

    def training(self, code: str) -> str:
        return getattr(self, f"training_{code}")


def _scale(labels: Labels, codes=("A", "B")) -> alt.Scale:
    return alt.Scale(domain=[labels.training(c) for c in codes], range=[COLOURS[c] for c in codes])


# --- the painter ----------------------------------------------------------------------------------

def paintings_chart(result: PainterResult, frame: int, labels: Labels = Labels(), *, k: int,
                    height: int = HEIGHT) -> alt.LayerChart:
    """Training k's first LINES paintings at snapshot `frame`, between the artist's bounds."""
    x = result.x
    lower, upper = bounds(x)
    edge = pd.DataFrame({"x": x, "lo": lower, "hi": upper})
    band = alt.Chart(edge).mark_area(opacity=0.18, color=GREY).encode(
        x=alt.X("x:Q", title=labels.x), y=alt.Y("lo:Q", title=labels.y), y2=alt.Y2("hi:Q"),
        tooltip=[alt.Tooltip("x:Q", title=labels.bounds)])
    edges = alt.Chart(edge.melt("x", value_name="y")).mark_line(color=GREY, strokeDash=[5, 3]).encode(
        x=alt.X("x:Q"), y=alt.Y("y:Q"), detail=alt.Detail("variable:N"))
    shown = result.paintings[frame, k, :LINES]  # (LINES, 15)
    df = pd.DataFrame({"x": np.tile(x, len(shown)), "y": np.clip(shown.reshape(-1), -2.0, 5.0),
                       "painting": np.repeat(np.arange(len(shown)), len(x))})
    df = df[np.isfinite(df["y"])]
    code = result.trainings[k]
    lines = alt.Chart(df).mark_line(strokeWidth=1.6, opacity=0.75, color=COLOURS[code]).encode(
        x=alt.X("x:Q"), y=alt.Y("y:Q", scale=alt.Scale(domain=[-1.5, 4.0], clamp=True)),
        detail=alt.Detail("painting:N"))
    title = f"{labels.training(code)} · {labels.step.format(step=int(result.frame_steps[frame]))}"
    return (band + edges + lines).properties(title=title, height=height)


def a_chart(result: PainterResult, frame: int, labels: Labels = Labels(),
            height: int = HEIGHT) -> alt.LayerChart:
    """Histogram of the fitted a of each training's paintings, against the artist's U(1, 2)."""
    edges = A_EDGES
    parts = [pd.DataFrame({"lo": edges[:-1], "hi": edges[1:], "share": result.a_hist[frame, k], "zero": 0.0,
                           "training": labels.training(code)}) for k, code in enumerate(result.trainings)]
    df = pd.concat(parts, ignore_index=True)
    bars = alt.Chart(df).mark_rect(opacity=0.55).encode(
        x=alt.X("lo:Q", title=labels.a_axis, scale=alt.Scale(domain=[edges[0], edges[-1]])),
        x2=alt.X2("hi:Q"),
        y=alt.Y("share:Q", title=labels.share), y2=alt.Y2("zero:Q"),
        color=alt.Color("training:N", title=None, scale=_scale(labels), legend=alt.Legend(orient="top")))
    width = edges[1] - edges[0]
    artist = pd.DataFrame({"x": [1.0, 1.0, 2.0, 2.0], "share": [0, width, width, 0]})
    line = alt.Chart(artist).mark_line(color=DARK_GREY, strokeDash=[4, 3], strokeWidth=2).encode(
        x=alt.X("x:Q"), y=alt.Y("share:Q"), tooltip=[alt.Tooltip("x:Q", title=labels.artist)])
    return (bars + line).properties(title=labels.a_title, height=height)


def _timeline(result: PainterResult, frame: int, labels: Labels, names: tuple[str, str],
              fields: tuple[str, str]) -> pd.DataFrame:
    upto = result.trace_steps <= int(result.frame_steps[frame])
    parts = []
    for k, code in enumerate(result.trainings):
        for name, field in zip(names, fields):
            values = getattr(result, field)[k][upto]
            parts.append(pd.DataFrame({"step": result.trace_steps[upto], "value": values,
                                       "training": labels.training(code), "what": name}))
    df = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["step", "value", "training", "what"])
    return df[np.isfinite(df["value"].astype(float))]


def _timeline_chart(df: pd.DataFrame, result: PainterResult, labels: Labels, names: tuple[str, str],
                    title: str, y_title: str, domain: list[float] | None) -> alt.Chart:
    scale = alt.Scale(domain=domain, clamp=True) if domain else alt.Undefined
    y = alt.Y("value:Q", title=y_title, scale=scale)
    return alt.Chart(df).mark_line(strokeWidth=2).encode(
        x=alt.X("step:Q", title=labels.iteration, scale=alt.Scale(domain=[0, result.config.steps])), y=y,
        color=alt.Color("training:N", title=None, scale=_scale(labels), legend=alt.Legend(orient="bottom")),
        strokeDash=alt.StrokeDash("what:N", title=None, legend=None,  # the title says which is dashed
                                  scale=alt.Scale(domain=list(names), range=[[1, 0], [5, 3]])),
        tooltip=[alt.Tooltip("training:N"), alt.Tooltip("what:N"), alt.Tooltip("step:Q"),
                 alt.Tooltip("value:Q", format=".3f")],
    ).properties(title=title, height=TIMELINE_HEIGHT)


def prob_chart(result: PainterResult, frame: int, labels: Labels = Labels()) -> alt.Chart:
    """Mean D(real) and D(painting) of each training up to the frame's step (0.5: D cannot tell)."""
    names = (labels.real, labels.fake)
    df = _timeline(result, frame, labels, names, ("d_real", "d_fake"))
    return _timeline_chart(df, result, labels, names, labels.prob_short, labels.prob, [0.0, 1.0])


def loss_chart(result: PainterResult, frame: int, labels: Labels = Labels()) -> alt.Chart:
    """D's and G's losses of each training up to the frame's step (D's: 1.39 = 2 ln 2 at the balance)."""
    names = (labels.d_loss, labels.g_loss)
    df = _timeline(result, frame, labels, names, ("d_loss", "g_loss"))
    return _timeline_chart(df, result, labels, names, labels.loss_short, labels.loss_axis, None)


# --- the plane ------------------------------------------------------------------------------------

def modes_chart(result: PlaneResult, frame: int, labels: Labels = Labels()) -> alt.Chart:
    """Modes covered by each training's samples at each snapshot up to `frame`."""
    m = len(result.centres)
    parts = [pd.DataFrame({"step": result.frame_steps[:frame + 1], "modes": result.modes[:frame + 1, k],
                           "training": labels.training(code)}) for k, code in enumerate(result.trainings)]
    df = pd.concat(parts, ignore_index=True)
    return alt.Chart(df).mark_line(point=True, strokeWidth=2).encode(
        x=alt.X("step:Q", title=labels.iteration, scale=alt.Scale(domain=[0, result.config.steps])),
        y=alt.Y("modes:Q", title=labels.modes, scale=alt.Scale(domain=[0, m])),
        color=alt.Color("training:N", title=None, scale=_scale(labels)),
        tooltip=[alt.Tooltip("training:N"), alt.Tooltip("step:Q"), alt.Tooltip("modes:Q")],
    ).properties(title=labels.modes_title.format(m=m), height=SMALL_HEIGHT)


# --- the painter's replay as one SVG view (ui.charts.markup) --------------------------------------
# Five Vega charts a frame were 1.4 updates a second in Chromium here (load 7): one page view of
# plain SVG, changed node by node from frame to frame, is what the fit lesson's replay does.

PAINT_Y = (-1.5, 4.0)  # the paintings' y range (the band spans 0 to 3)


def _axes(w: float, h: float, box: tuple[float, float, float, float], xs: list, ys: list,
          x_title: str, y_title: str) -> str:
    """Frame, gridlines and tick labels of a panel; box = (left, top, right, bottom) margins'
    inner edges in px, xs and ys the (value, px) of each tick."""
    left, top, right, bottom = box
    parts = [el("rect", x=left, y=top, width=right - left, height=bottom - top, fill="none",
                stroke=LIGHT_GREY)]
    for value, y in ys:
        parts.append(el("line", x1=left, x2=right, y1=f"{y:.1f}", y2=f"{y:.1f}", stroke="#eee"))
        parts.append(text(left - 5, y + 4, value, 11, "end"))
    for value, x in xs:
        parts.append(text(x, bottom + 14, value, 11))
    parts.append(text((left + right) / 2, h - 3, x_title, 12))
    middle = f"{(top + bottom) / 2:.1f}"
    parts.append(el("text", y_title, x=12, y=middle, font_size=12, font_family="sans-serif",
                    text_anchor="middle", transform=f"rotate(-90 12 {middle})"))
    return "".join(parts)


def _nice_ticks(lo: float, hi: float, most: int = 6) -> list[float]:
    """Round tick values within [lo, hi] (steps of 1, 2, 2.5 or 5 times a power of ten)."""
    raw = (hi - lo) / max(most - 1, 1)
    power = 10 ** np.floor(np.log10(raw)) if raw > 0 else 1.0
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = np.ceil(lo / step) * step
    return [round(float(v), 6) for v in np.arange(first, hi + step * 1e-6, step)]


def _tick(v: float) -> str:
    return f"{v:g}"


def _polyline(xs, ys, **style: object) -> str:
    ok = np.isfinite(xs) & np.isfinite(ys)
    if ok.sum() < 2:
        return ""
    points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(np.asarray(xs)[ok], np.asarray(ys)[ok]))
    return el("polyline", points=points, fill="none", **style)


def paint_svg(result: PainterResult, frame: int, k: int, labels: Labels, w: int = 300, h: int = 230) -> str:
    """Training k's first LINES paintings at `frame` between the bounds x² and 2x² + 1."""
    box = (40, 8, w - 8, h - 34)
    left, top, right, bottom = box
    lo, hi = PAINT_Y
    px = lambda v: left + (v + 1) / 2 * (right - left)  # noqa: E731
    py = lambda v: top + (hi - np.clip(v, lo, hi)) / (hi - lo) * (bottom - top)  # noqa: E731
    x = result.x
    lower, upper = bounds(x)
    band = ([f"{px(a):.1f},{py(b):.1f}" for a, b in zip(x, lower)]
            + [f"{px(a):.1f},{py(b):.1f}" for a, b in zip(x[::-1], upper[::-1])])
    xs, ys = [(v, px(v)) for v in (-1, -0.5, 0, 0.5, 1)], [(v, py(v)) for v in (-1, 0, 1, 2, 3, 4)]
    parts = [_axes(w, h, box, xs, ys, labels.x, labels.y),
             el("polygon", points=" ".join(band), fill=GREY, fill_opacity="0.18", stroke="none")]
    for edge in (lower, upper):
        parts.append(_polyline(px(x), py(edge), stroke=GREY, stroke_dasharray="5 3", stroke_width="1.2"))
    colour = COLOURS[result.trainings[k]]
    for painting in result.paintings[frame, k, :LINES]:
        parts.append(_polyline(px(x), py(painting), stroke=colour, stroke_width="1.6", opacity="0.75"))
    return as_image(svg(w, h, "".join(parts)), "gan-paint", 1.4 * w)


def hist_svg(result: PainterResult, frame: int, labels: Labels, w: int = 300, h: int = 230) -> str:
    """The fitted a's histogram of A and B at `frame`, against the artist's U(1, 2) (dashed)."""
    box = (44, 8, w - 8, h - 34)
    left, top, right, bottom = box
    edges = A_EDGES
    top_share = max(0.2, float(np.nanmax(result.a_hist)))  # the whole run's: the axis keeps still
    px = lambda v: left + (v - edges[0]) / (edges[-1] - edges[0]) * (right - left)  # noqa: E731
    py = lambda v: bottom - v / top_share * (bottom - top)  # noqa: E731
    ticks = _nice_ticks(0, top_share)
    parts = [_axes(w, h, box, [(v, px(v)) for v in (0.5, 1, 1.5, 2, 2.5)], [(_tick(v), py(v)) for v in ticks],
                   labels.a_axis, labels.share)]
    for k, code in enumerate(result.trainings):
        for lo_edge, hi_edge, share in zip(edges[:-1], edges[1:], result.a_hist[frame, k]):
            if share > 0:
                parts.append(el("rect", x=f"{px(lo_edge):.1f}", width=f"{px(hi_edge) - px(lo_edge):.1f}",
                                y=f"{py(share):.1f}", height=f"{py(0) - py(share):.1f}", fill=COLOURS[code],
                                fill_opacity="0.55"))
    fair = edges[1] - edges[0]  # U(1, 2)'s share in a bin of this width
    xs, ys = np.array([px(1), px(1), px(2), px(2)]), np.array([py(0), py(fair), py(fair), py(0)])
    parts.append(_polyline(xs, ys, stroke=DARK_GREY, stroke_dasharray="4 3", stroke_width="2"))
    return as_image(svg(w, h, "".join(parts)), "gan-hist", 1.4 * w)


def timeline_svg(result: PainterResult, frame: int, fields: tuple[str, str], y_title: str,
                 domain: tuple[float, float] | None, labels: Labels, w: int = 460, h: int = 220) -> str:
    """Two of the timelines (solid, dashed) of A and B up to the frame's step, a line at that step;
    the whole run's range, so the axes keep still."""
    box = (44, 8, w - 22, h - 34)  # room on the right for the last step's label
    left, top, right, bottom = box
    steps = result.trace_steps
    values = np.concatenate([getattr(result, f).reshape(-1) for f in fields])
    values = values[np.isfinite(values)]
    lo, hi = domain if domain else ((float(values.min()), float(values.max())) if values.size else (0.0, 1.0))
    hi = hi if hi > lo else lo + 1
    total = result.config.steps
    px = lambda v: left + v / total * (right - left)  # noqa: E731
    py = lambda v: top + (hi - np.clip(v, lo, hi)) / (hi - lo) * (bottom - top)  # noqa: E731
    yt = _nice_ticks(lo, hi, 5)
    xt = [int(v) for v in _nice_ticks(0, total, 5)]
    parts = [_axes(w, h, box, [(f"{v:,}", px(v)) for v in xt], [(_tick(v), py(v)) for v in yt],
                   labels.iteration, y_title)]
    now = int(result.frame_steps[frame])
    upto = steps <= now
    for k, code in enumerate(result.trainings):
        for field, dash in zip(fields, ("", "5 3")):
            parts.append(_polyline(px(steps[upto]), py(getattr(result, field)[k][upto]), stroke=COLOURS[code],
                                   stroke_width="2", stroke_dasharray=dash or "none"))
    parts.append(el("line", x1=f"{px(now):.1f}", x2=f"{px(now):.1f}", y1=top, y2=bottom, stroke=DARK_GREY))
    return as_image(svg(w, h, "".join(parts)), "gan-time", 1.4 * w)


def _swatch(colour: str, dash: str = "") -> str:
    return (f'<svg width="26" height="10"><line x1="0" x2="26" y1="5" y2="5" stroke="{colour}" '
            f'stroke-width="2.5" stroke-dasharray="{dash or "none"}"/></svg>')


def _panel(title: str, body: str, basis: int) -> str:
    return (f'<div style="flex:1 1 {basis}px;min-width:0"><div style="font-weight:600;font-size:0.95rem">'
            f"{html.escape(title)}</div>{body}</div>")


def painter_html(result: PainterResult, frame: int, labels: Labels) -> str:
    """The painter's replay at `frame`: A's and B's paintings, the fitted a, D's scores and the
    losses; panels that wrap onto more rows where the page is narrow."""
    step = labels.step.format(step=int(result.frame_steps[frame]))
    row = '<div style="display:flex;flex-wrap:wrap;gap:10px 16px">'
    first = "".join(_panel(f"{labels.training(code)} · {step}", paint_svg(result, frame, k, labels), 220)
                    for k, code in enumerate(result.trainings))
    first += _panel(labels.a_title, hist_svg(result, frame, labels), 220)
    probs = timeline_svg(result, frame, ("d_real", "d_fake"), labels.prob, (0.0, 1.0), labels)
    losses = timeline_svg(result, frame, ("d_loss", "g_loss"), labels.loss_axis, None, labels)
    second = _panel(labels.prob_title, probs, 300) + _panel(labels.loss_title, losses, 300)
    legend = " &nbsp; ".join(f"<b>{labels.training(c)}</b> {_swatch(COLOURS[c])}" for c in result.trainings)
    legend += (f" &nbsp;·&nbsp; {_swatch(DARK_GREY)} {html.escape(labels.real)}, {html.escape(labels.d_loss)}"
               f" &nbsp; {_swatch(DARK_GREY, '5 3')} {html.escape(labels.fake)}, {html.escape(labels.g_loss)}"
               f" &nbsp;·&nbsp; {_swatch(DARK_GREY, '4 3')} {html.escape(labels.artist)}")
    return (f"{row}{first}</div>" + f'<div style="height:10px"></div>{row}{second}</div>'
            + f'<div style="font-size:0.9rem;line-height:1.8">{legend}</div>')


# --- the plane in GAN Lab's view, as SVG (ui.charts.markup) ---------------------------------------
# As two Vega charts (961 heatmap cells, 1,000 points, 60 arrows each) the stepping session played
# at 2.4 updates a second in Chromium here; D's heatmap is a small picture, the points SVG circles.

HEAT_RGB = np.array([[194, 165, 207], [247, 247, 247], [166, 219, 160]], dtype=float)  # HEAT_RANGE


def heat_png(heat: np.ndarray) -> str:
    """D(x) on the heatmap's points (HEAT² row-major, y up) as a PNG data URL: purple (fake) through
    white (unsure) to green (real)."""
    n = int(round(np.sqrt(heat.size)))
    d = np.nan_to_num(heat.reshape(n, n)[::-1], nan=0.5)  # the picture's first row is the top
    low = np.clip(d * 2, 0, 1)[..., None]
    high = np.clip(d * 2 - 1, 0, 1)[..., None]
    rgb = np.where(d[..., None] < 0.5, HEAT_RGB[0] + (HEAT_RGB[1] - HEAT_RGB[0]) * low,
                   HEAT_RGB[1] + (HEAT_RGB[2] - HEAT_RGB[1]) * high)
    buf = io.BytesIO()
    Image.fromarray(rgb.round().astype(np.uint8), "RGB").save(buf, format="PNG", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def plane_svg(limit: float, heat: np.ndarray, samples: np.ndarray, push: np.ndarray, real: np.ndarray,
              size: int = 300) -> str:
    """D's heatmap, the real points (green), G's samples (purple) and the arrows of where G's loss
    pushes them, on the plane [-limit, limit]²."""
    pad, bottom = 30, 22
    w, h = size + pad + 8, size + 8 + bottom
    px = lambda v: pad + (v + limit) / (2 * limit) * size  # noqa: E731
    py = lambda v: 8 + (limit - v) / (2 * limit) * size  # noqa: E731
    parts = [el("image", href=heat_png(heat), x=pad, y=8, width=size, height=size,
                preserveAspectRatio="none"),
             el("rect", x=pad, y=8, width=size, height=size, fill="none", stroke=LIGHT_GREY)]
    for v in _nice_ticks(-limit, limit, 7):
        parts.append(text(px(v), h - 6, _tick(v), 11))
        parts.append(text(pad - 4, py(v) + 4, _tick(v), 11, "end"))

    def dots(points: np.ndarray) -> str:
        ok = np.isfinite(points).all(axis=1) & (np.abs(points) <= limit).all(axis=1)
        return "".join(f'<circle cx="{px(a):.1f}" cy="{py(b):.1f}" r="1.8"/>' for a, b in points[ok])

    parts.append(f'<g fill="{REAL}" fill-opacity="0.6">{dots(real)}</g>')
    parts.append(f'<g fill="{FAKE}" fill-opacity="0.75">{dots(samples)}</g>')
    arrows = []
    for (a, b), (da, db) in zip(samples[:len(push)], push):
        if np.isfinite([a, b, da, db]).all() and abs(a) <= limit and abs(b) <= limit:
            arrows.append(f'<line x1="{px(a):.1f}" y1="{py(b):.1f}" x2="{px(a + da):.1f}" '
                          f'y2="{py(b + db):.1f}"/>')
    parts.append(f'<g stroke="{DARK_GREY}" stroke-width="1.2" stroke-opacity="0.8">{"".join(arrows)}</g>')
    return as_image(svg(w, h, "".join(parts)), "gan-plane", 1.4 * w)


def plane_legend(labels: Labels) -> str:
    """What the plane's colours are."""
    def dot(colour: str) -> str:
        return f'<svg width="10" height="10"><circle cx="5" cy="5" r="4" fill="{colour}"/></svg>'

    ramp = "".join(f'<span style="display:inline-block;width:14px;height:10px;background:{c}"></span>'
                   for c in HEAT_RANGE)
    names = [html.escape(x) for x in (labels.real_points, labels.fake_points, labels.d_heat)]
    return (f'<div style="font-size:0.9rem;line-height:1.8">{dot(REAL)} {names[0]} &nbsp; {dot(FAKE)} '
            f"{names[1]} &nbsp; {ramp} {names[2]} 0 → 1</div>")


def planes_html(result: PlaneResult, frame: int, labels: Labels) -> str:
    """A's and B's planes at `frame`, side by side (one above the other where narrow)."""
    step = labels.step.format(step=int(result.frame_steps[frame]))
    limit = float(result.heat_axis[-1])
    panels = "".join(_panel(f"{labels.training(code)} · {step}",
                            plane_svg(limit, result.heat[frame, k], result.samples[frame, k],
                                      result.push[frame, k], result.real), 280)
                     for k, code in enumerate(result.trainings))
    return f'<div style="display:flex;flex-wrap:wrap;gap:10px 24px">{panels}</div>' + plane_legend(labels)


def lab_html(view: LabView, limit: float, labels: Labels, title: str) -> str:
    """The stepping session's GAN now."""
    return (_panel(title, plane_svg(limit, view.heat, view.samples, view.push, view.real), 280)
            + plane_legend(labels))
