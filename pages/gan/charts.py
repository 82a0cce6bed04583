"""Altair charts of the GAN page: the painter's paintings between the bounds, the fitted a against
U(1, 2), D's probabilities and the losses on one timeline; the plane with D's heatmap, G's samples,
their arrows and the real points (GAN Lab's view)."""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd

from core.gan import LabView, PainterResult, PlaneResult
from ui.theme import BLUE, DARK_GREY, GREY, HEIGHT, ORANGE, SMALL_HEIGHT

COLOURS = {"A": BLUE, "B": ORANGE}  # one fixed colour per training
LINES = 12  # paintings drawn per training (of the SHOWN the snapshots keep)
FAKE = "#7B3294"  # G's samples on the plane (GAN Lab's purple)
REAL = "#1B7837"  # real points (GAN Lab's green)
HEAT_RANGE = ["#C2A5CF", "#F7F7F7", "#A6DBA0"]  # D(x): fake (0) - unsure (0.5) - real (1)
A_BINS = 24  # bins of the fitted a's histogram over [0.5, 2.5]
PLANE = 300  # the plane's side in px (square: distances read the same both ways; fits a phone)
TIMELINE_HEIGHT = SMALL_HEIGHT + 40  # Streamlit fits title, axes and legend in the height


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
    bounds = pd.DataFrame({"x": x, "lo": x ** 2, "hi": 2 * x ** 2 + 1})
    band = alt.Chart(bounds).mark_area(opacity=0.18, color=GREY).encode(
        x=alt.X("x:Q", title=labels.x), y=alt.Y("lo:Q", title=labels.y), y2="hi:Q",
        tooltip=[alt.Tooltip("x:Q", title=labels.bounds)])
    edges = alt.Chart(bounds.melt("x", value_name="y")).mark_line(color=GREY, strokeDash=[5, 3]).encode(
        x="x:Q", y="y:Q", detail="variable:N")
    shown = result.paintings[frame, k, :LINES]  # (LINES, 15)
    df = pd.DataFrame({"x": np.tile(x, len(shown)), "y": np.clip(shown.reshape(-1), -2.0, 5.0),
                       "painting": np.repeat(np.arange(len(shown)), len(x))})
    df = df[np.isfinite(df["y"])]
    code = result.trainings[k]
    lines = alt.Chart(df).mark_line(strokeWidth=1.6, opacity=0.75, color=COLOURS[code]).encode(
        x="x:Q", y=alt.Y("y:Q", scale=alt.Scale(domain=[-1.5, 4.0], clamp=True)), detail="painting:N")
    title = f"{labels.training(code)} · {labels.step.format(step=int(result.frame_steps[frame]))}"
    return (band + edges + lines).properties(title=title, height=height)


def a_chart(result: PainterResult, frame: int, labels: Labels = Labels(),
            height: int = HEIGHT) -> alt.LayerChart:
    """Histogram of the fitted a of each training's paintings, against the artist's U(1, 2)."""
    edges = np.linspace(0.5, 2.5, A_BINS + 1)
    width = edges[1] - edges[0]
    parts = []
    for k, code in enumerate(result.trainings):
        a = result.a_fit[frame, k]
        counts, _ = np.histogram(np.clip(a[np.isfinite(a)], 0.5, 2.5 - 1e-9), bins=edges)
        parts.append(pd.DataFrame({"lo": edges[:-1], "hi": edges[1:], "share": counts / max(len(a), 1),
                                   "training": labels.training(code)}))
    df = pd.concat(parts, ignore_index=True)
    bars = alt.Chart(df).mark_bar(opacity=0.55, binSpacing=0).encode(
        x=alt.X("lo:Q", title=labels.a_axis, scale=alt.Scale(domain=[0.5, 2.5])), x2="hi:Q",
        y=alt.Y("share:Q", title=labels.share, stack=None),
        color=alt.Color("training:N", title=None, scale=_scale(labels), legend=alt.Legend(orient="top")))
    artist = pd.DataFrame({"x": [1.0, 1.0, 2.0, 2.0], "share": [0, width, width, 0]})
    line = alt.Chart(artist).mark_line(color=DARK_GREY, strokeDash=[4, 3], strokeWidth=2).encode(
        x="x:Q", y="share:Q", tooltip=[alt.Tooltip("x:Q", title=labels.artist)])
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
        color=alt.Color("training:N", title=None, scale=_scale(labels)),
        strokeDash=alt.StrokeDash("what:N", title=None, scale=alt.Scale(domain=list(names),
                                                                          range=[[1, 0], [5, 3]])),
        tooltip=["training:N", "what:N", "step:Q", alt.Tooltip("value:Q", format=".3f")],
    ).properties(title=title, height=TIMELINE_HEIGHT)


def prob_chart(result: PainterResult, frame: int, labels: Labels = Labels()) -> alt.Chart:
    """Mean D(real) and D(painting) of each training up to the frame's step (0.5: D cannot tell)."""
    names = (labels.real, labels.fake)
    df = _timeline(result, frame, labels, names, ("d_real", "d_fake"))
    return _timeline_chart(df, result, labels, names, labels.prob_title, labels.prob, [0.0, 1.0])


def loss_chart(result: PainterResult, frame: int, labels: Labels = Labels()) -> alt.Chart:
    """D's and G's losses of each training up to the frame's step (D's: 1.39 = 2 ln 2 at the balance)."""
    names = (labels.d_loss, labels.g_loss)
    df = _timeline(result, frame, labels, names, ("d_loss", "g_loss"))
    return _timeline_chart(df, result, labels, names, labels.loss_title, labels.loss_axis, None)


# --- the plane ------------------------------------------------------------------------------------

def _plane(axis: np.ndarray, heat: np.ndarray, samples: np.ndarray, push: np.ndarray, real: np.ndarray,
           labels: Labels, title: str, size: int) -> alt.LayerChart:
    """D's heatmap, the real points, G's samples and the arrows of where G's loss pushes them."""
    lim = float(axis[-1])
    half = (axis[1] - axis[0]) / 2
    xx, yy = np.meshgrid(axis, axis)  # row-major: y outer, x inner, as the heat is kept
    cells = pd.DataFrame({"x": xx.reshape(-1) - half, "x2": xx.reshape(-1) + half, "y": yy.reshape(-1) - half,
                          "y2": yy.reshape(-1) + half, "d": heat})
    scale_x = alt.Scale(domain=[-lim, lim], nice=False)
    scale_y = alt.Scale(domain=[-lim, lim], nice=False)
    heatmap = alt.Chart(cells[np.isfinite(cells["d"])]).mark_rect().encode(
        x=alt.X("x:Q", title=None, scale=scale_x), x2="x2:Q",
        y=alt.Y("y:Q", title=None, scale=scale_y), y2="y2:Q",
        color=alt.Color("d:Q", title=labels.d_heat, scale=alt.Scale(domain=[0, 0.5, 1], range=HEAT_RANGE),
                        legend=alt.Legend(orient="bottom", gradientLength=120)))
    pts = pd.concat([pd.DataFrame({"x": real[:, 0], "y": real[:, 1], "kind": labels.real_points}),
                     pd.DataFrame({"x": samples[:, 0], "y": samples[:, 1], "kind": labels.fake_points})])
    pts = pts[np.isfinite(pts["x"]) & np.isfinite(pts["y"])]
    pts = pts[(pts["x"].abs() <= lim) & (pts["y"].abs() <= lim)]
    dots = alt.Chart(pts).mark_circle(size=14, opacity=0.7).encode(
        x=alt.X("x:Q", scale=scale_x), y=alt.Y("y:Q", scale=scale_y),
        color=alt.Color("kind:N", title=None, scale=alt.Scale(domain=[labels.real_points, labels.fake_points],
                                                              range=[REAL, FAKE]),
                        legend=alt.Legend(orient="top")))
    a = len(push)
    ends = pd.DataFrame({"x": samples[:a, 0], "y": samples[:a, 1], "x2": samples[:a, 0] + push[:, 0],
                         "y2": samples[:a, 1] + push[:, 1]})
    ends = ends[np.isfinite(ends).all(axis=1) & (ends[["x", "y"]].abs() <= lim).all(axis=1)]
    arrows = alt.Chart(ends).mark_rule(color=DARK_GREY, strokeWidth=1.2, opacity=0.8).encode(
        x=alt.X("x:Q", scale=scale_x), y=alt.Y("y:Q", scale=scale_y), x2="x2:Q", y2="y2:Q")
    return alt.layer(heatmap, dots, arrows).resolve_scale(color="independent").properties(
        title=title, height=size, width=size)


def plane_chart(result: PlaneResult, frame: int, labels: Labels = Labels(), *, k: int,
                size: int = PLANE) -> alt.LayerChart:
    """Training k at snapshot `frame` in GAN Lab's view."""
    code = result.trainings[k]
    title = f"{labels.training(code)} · {labels.step.format(step=int(result.frame_steps[frame]))}"
    return _plane(result.heat_axis, result.heat[frame, k], result.samples[frame, k], result.push[frame, k],
                  result.real, labels, title, size)


def lab_chart(view: LabView, axis: np.ndarray, labels: Labels, title: str,
              size: int = PLANE) -> alt.LayerChart:
    """The stepping session's GAN now, in GAN Lab's view."""
    return _plane(axis, view.heat, view.samples, view.push, view.real, labels, title, size)


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
        tooltip=["training:N", "step:Q", "modes:Q"],
    ).properties(title=labels.modes_title.format(m=m), height=SMALL_HEIGHT)
