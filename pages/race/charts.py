"""Altair charts of a race: loss curves with min-max bands, the fits, and paths on a loss surface."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd

from core.race import RaceResult, frame_step
from core.race.surfaces import SURFACES, SurfaceResult, colour_value, surface_grid
from ui.theme import ERROR_RED, GREY, HEIGHT

DIVERGED_MARK = "✖"


@dataclass(frozen=True)
class Labels:
    """The texts on the race's charts (`ui.theme.chart_labels(Labels, "race")`)."""

    step_axis: str = "step"
    loss_axis: str = "loss"
    diverged_axis: str = "diverged"
    minimum: str = "minimum"
    start_mark: str = "start"


def smooth(values: np.ndarray, weight: float) -> np.ndarray:
    """TensorBoard-style exponential smoothing along the last axis; NaN stays NaN (and is skipped)."""
    if weight <= 0:
        return values.copy()
    out = np.empty_like(values, dtype=float)
    last = np.full(values.shape[:-1], np.nan)
    for t in range(values.shape[-1]):
        v = values[..., t]
        last = np.where(np.isnan(last), v, weight * last + (1 - weight) * v)
        last = np.where(np.isnan(v), np.nan, last)
        out[..., t] = last
    return out


def _colour(labels: list[str]) -> alt.Scale:
    """The same colour for a racer in every chart: the domain is the racers' order."""
    return alt.Scale(domain=labels)


def loss_table(result: RaceResult, upto: int, smoothing: float = 0.0, stride: int = 1) -> pd.DataFrame:
    """Long table (racer, step, mean, lo, hi) of the batch loss over seeds, steps 1..upto (every
    `stride`-th step and the last; smoothing is applied before thinning)."""
    vals = smooth(result.losses[:, :, :upto], smoothing)  # (R, S, upto)
    steps = np.arange(1, upto + 1)
    kept = (steps % stride == 0) | (steps == 1) | (steps == upto)
    rows = []
    for r, label in enumerate(result.labels):
        v = vals[r]
        alive = np.isfinite(v).all(axis=0) & kept  # a step counts only while every seed still runs
        with warnings.catch_warnings():  # all-NaN columns (every seed diverged) are dropped just below
            warnings.simplefilter("ignore", RuntimeWarning)
            mean, lo, hi = np.nanmean(v, axis=0), np.nanmin(v, axis=0), np.nanmax(v, axis=0)
        rows.append(pd.DataFrame({"racer": label, "step": steps[alive], "mean": mean[alive],
                                  "lo": lo[alive], "hi": hi[alive]}))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def diverged_table(result: RaceResult, upto: int, ceiling: float) -> pd.DataFrame:
    """One row per diverged (racer, seed) by step `upto`: where to draw its ✖ (clipped to `ceiling`)."""
    rows = []
    for r, label in enumerate(result.labels):
        for s in range(len(result.seeds)):
            d = result.diverged(r, s)
            if d is not None and d <= upto:
                loss = result.losses[r, s, d - 1]
                y = ceiling if not np.isfinite(loss) else min(float(loss), ceiling)
                rows.append({"racer": label, "step": d, "loss": y, "seed": result.seeds[s]})
    return pd.DataFrame(rows, columns=["racer", "step", "loss", "seed"])


def _loss_domain(result: RaceResult, log_scale: bool) -> tuple[float, float]:
    """A y range that keeps the healthy curves readable even when some racer explodes."""
    first = result.losses[:, :, 0]
    start = float(np.nanmax(np.where(np.isfinite(first), first, np.nan))) if np.isfinite(first).any() else 1.0
    start = min(start, 1e3) if math.isfinite(start) else 1.0
    finite = result.losses[np.isfinite(result.losses) & (result.losses > 0)]
    low = float(finite.min()) if finite.size else start / 100
    if log_scale:
        return max(low * 0.8, 1e-6), start * 4
    return 0.0, start * 1.5


def loss_chart(result: RaceResult, frame: int, labels: Labels = Labels(), *, log_scale: bool = True,
               smoothing: float = 0.0, table: pd.DataFrame | None = None) -> alt.Chart:
    """Mean batch loss over seeds (line) with the min-max band, up to the frame's step; ✖ marks a
    racer/seed at the step it diverged. The x axis always spans the whole race. `table`: the whole
    race's loss_table, precomputed once for an animation (then `smoothing` is ignored)."""
    upto = frame_step(result, frame)
    lo, hi = _loss_domain(result, log_scale)
    if table is None:  # about 200 points a curve, whatever the race's length
        table = loss_table(result, result.steps, smoothing, stride=max(1, result.steps // 192))
    table = table[table["step"] <= upto].copy()
    if not table.empty:
        table[["mean", "lo", "hi"]] = table[["mean", "lo", "hi"]].clip(lo, hi)
    colour = alt.Color("racer:N", scale=_colour(result.labels), title=None,
                       legend=alt.Legend(orient="bottom", columns=1, labelLimit=320))
    # labelFlush: a tick label a few pixels from the end (380 of 384 steps) stays inside the chart
    x_title, y_title = labels.step_axis, labels.loss_axis
    x = alt.X("step:Q", title=x_title, scale=alt.Scale(domain=[0, result.steps], nice=False),
              axis=alt.Axis(labelFlush=12))
    y_scale = alt.Scale(type="log" if log_scale else "linear", domain=[lo, hi], clamp=True)
    base = alt.Chart(table)
    line = base.mark_line(strokeWidth=2.5, clip=True).encode(
        x=x, y=alt.Y("mean:Q", title=y_title, scale=y_scale), color=colour,
        tooltip=[alt.Tooltip("racer:N"), alt.Tooltip("step:Q"), alt.Tooltip("mean:Q", format=".4f")])
    layers = [line]
    if len(result.seeds) > 1:
        layers.insert(0, base.mark_area(opacity=0.2, clip=True).encode(
            x=x, y=alt.Y("lo:Q", scale=y_scale, title=y_title), y2=alt.Y2("hi"), color=colour))
    div = diverged_table(result, upto, hi)
    if not div.empty:
        layers.append(alt.Chart(div).mark_text(text=DIVERGED_MARK, fontSize=22, fontWeight="bold").encode(
            x=x, y=alt.Y("loss:Q", scale=y_scale, title=y_title), color=colour,
            tooltip=[alt.Tooltip("racer:N"), alt.Tooltip("seed:Q"),
                     alt.Tooltip("step:Q", title=labels.diverged_axis)]))
    return alt.layer(*layers).properties(height=HEIGHT)


def fits_chart(result: RaceResult, frame: int, labels: Labels = Labels(), *,
               seed_index: int = 0) -> alt.Chart:
    """The first seed's data (grey dots) and each racer's prediction curve at the frame."""
    f = min(max(frame, 0), len(result.snap_steps) - 1)
    step_pts = max(1, len(result.data_x) // 250)
    data = pd.DataFrame({"x": result.data_x[::step_pts], "y": result.data_y[::step_pts]})
    lines = []
    for r, label in enumerate(result.labels):
        pred = result.predictions[r, seed_index, f]
        if np.isfinite(pred).all():
            lines.append(pd.DataFrame({"racer": label, "x": result.grid_x, "y": np.clip(pred, -1.0, 2.0)}))
    curves = pd.concat(lines, ignore_index=True) if lines else pd.DataFrame(columns=["racer", "x", "y"])
    y_scale = alt.Scale(domain=[-0.4, 1.4], clamp=True)
    dots = alt.Chart(data).mark_circle(size=14, color=GREY, opacity=0.5).encode(
        x=alt.X("x:Q", title="x"), y=alt.Y("y:Q", title="y", scale=y_scale))
    fit = alt.Chart(curves).mark_line(strokeWidth=3, clip=True).encode(
        x=alt.X("x:Q"), y=alt.Y("y:Q", scale=y_scale),
        # no legend: the loss chart beside it names the same colours (its long labels, under a
        # chart two fifths of the page wide, ran past its edge at 1024 px)
        color=alt.Color("racer:N", scale=_colour(result.labels), title=None, legend=None))
    return alt.layer(dots, fit).properties(height=HEIGHT)


def surface_chart(result: SurfaceResult, frame: int, labels: Labels = Labels(), *,
                  grid_n: int = 50) -> alt.Chart:
    """The surface as a grey contour map, every racer's path up to the frame, ✖ where one blew up."""
    surface = SURFACES[result.surface]
    xs, ys, z = surface_grid(result.surface, grid_n)
    level = colour_value(result.surface, z)
    dx, dy = (xs[1] - xs[0]) / 2, (ys[1] - ys[0]) / 2
    gx, gy = np.meshgrid(xs, ys)
    heat = pd.DataFrame({"x": gx.ravel() - dx, "x2": gx.ravel() + dx, "y": gy.ravel() - dy,
                         "y2": gy.ravel() + dy, "level": level.ravel()})
    x_scale = alt.Scale(domain=list(surface.x_range), nice=False)
    y_scale = alt.Scale(domain=list(surface.y_range), nice=False)
    contour = alt.Chart(heat).mark_rect().encode(
        x=alt.X("x:Q", scale=x_scale, title="x"), x2=alt.X2("x2"),
        y=alt.Y("y:Q", scale=y_scale, title="y"), y2=alt.Y2("y2"),
        color=alt.Color("level:Q", bin=alt.Bin(maxbins=14), legend=None,
                        scale=alt.Scale(scheme="greys")), opacity=alt.value(0.75))
    step = int(result.snap_steps[min(max(frame, 0), len(result.snap_steps) - 1)])
    rows, heads, crosses = [], [], []
    for r, label in enumerate(result.labels):
        path = result.paths[r, :step + 1]
        ok = np.isfinite(path).all(axis=1)
        pts = path[ok]
        stride = max(1, len(pts) // 200)
        keep = np.r_[np.arange(0, len(pts), stride), len(pts) - 1] if len(pts) else np.array([], dtype=int)
        for i in np.unique(keep):
            rows.append({"racer": label, "order": int(i), "x": pts[i, 0], "y": pts[i, 1]})
        d = result.diverged_at[r]
        if len(pts):
            target = crosses if d is not None and d <= step else heads
            target.append({"racer": label, "x": float(np.clip(pts[-1, 0], *surface.x_range)),
                           "y": float(np.clip(pts[-1, 1], *surface.y_range))})
    colour = alt.Color("racer:N", scale=_colour(result.labels), title=None,
                       legend=alt.Legend(orient="bottom", columns=1, labelLimit=320))
    no_legend = alt.Color("racer:N", scale=_colour(result.labels), legend=None)
    layers = [contour]
    paths = pd.DataFrame(rows, columns=["racer", "order", "x", "y"])
    layers.append(alt.Chart(paths).mark_line(strokeWidth=2.5, clip=True).encode(
        x=alt.X("x:Q", scale=x_scale), y=alt.Y("y:Q", scale=y_scale), order=alt.Order("order:Q"),
        color=colour))
    if heads:
        layers.append(alt.Chart(pd.DataFrame(heads)).mark_point(size=120, filled=True, opacity=1).encode(
            x=alt.X("x:Q", scale=x_scale), y=alt.Y("y:Q", scale=y_scale), color=no_legend,
            tooltip=[alt.Tooltip("racer:N")]))
    if crosses:
        layers.append(alt.Chart(pd.DataFrame(crosses)).mark_text(text=DIVERGED_MARK, fontSize=22).encode(
            x=alt.X("x:Q", scale=x_scale), y=alt.Y("y:Q", scale=y_scale), color=no_legend,
            tooltip=[alt.Tooltip("racer:N")]))
    marks = [{"x": float(m[0]), "y": float(m[1]), "what": labels.minimum} for m in result.minima]
    start = result.paths[0, 0]
    marks.append({"x": float(start[0]), "y": float(start[1]), "what": labels.start_mark})
    layers.append(alt.Chart(pd.DataFrame(marks)).mark_point(shape="diamond", size=160, filled=True,
                                                             color=ERROR_RED, stroke="white").encode(
        x=alt.X("x:Q", scale=x_scale), y=alt.Y("y:Q", scale=y_scale),
        tooltip=[alt.Tooltip("what:N"), alt.Tooltip("x:Q"), alt.Tooltip("y:Q")]))
    return alt.layer(*layers).resolve_scale(color="independent").properties(height=HEIGHT + 80)
