"""Altair charts of the dropout page: fitted curves, loss curves, the Monte-Carlo band and the seed spread."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd

from core.dropout import NETS, DropoutResult, SpreadResult
from ui.theme import BLUE, DARK_GREY, GREEN, GREY, HEIGHT, ORANGE, PALETTE

MSE_FLOOR = 1e-6  # losses are drawn on a log scale; an exact 0 is drawn at this floor
DOMAIN_PAD = 0.6  # y-axis padding around the data, so a wild curve stays readable
COLOURS = {"overfit": BLUE, "dropout": ORANGE, "l2": GREEN}  # one fixed colour per net on every chart
BLACK = PALETTE[-1]  # the means on the seeds chart


@dataclass(frozen=True)
class Labels:
    """The texts on the dropout charts (`ui.theme.chart_labels(Labels, "dropout")`)."""

    net_overfit: str = "no regularisation"
    net_dropout: str = "dropout"
    net_l2: str = "L2 weight decay"
    train_points: str = "training points"
    test_points: str = "test points"
    truth: str = "true rule y = x"
    step: str = "step {step}"  # a fitted curve's title: the step it shows
    train: str = "train"
    test: str = "test"
    iteration: str = "iteration"
    mse: str = "MSE"
    loss_title: str = "train and test MSE"
    mode_train: str = "train mode"
    mode_eval: str = "eval mode"
    seeds_title: str = "test MSE over seeds"
    seed: str = "seed"
    mean: str = "mean"
    test_mse: str = "test MSE"

    def net(self, code: str) -> str:
        """The name of net `code` ("overfit", "dropout", "l2")."""
        return getattr(self, f"net_{code}")

    def nets(self) -> dict[str, str]:
        """Every net's code and name."""
        return {code: self.net(code) for code in NETS}


def _net_scale(labels: Labels, nets: Sequence[str] = NETS) -> alt.Scale:
    """Colour scale listing only `nets` (so the legend shows only them), each in its fixed colour."""
    return alt.Scale(domain=[labels.net(n) for n in nets], range=[COLOURS[n] for n in nets])


def _y_domain(result: DropoutResult) -> list[float]:
    ys = np.concatenate([result.y_train, result.y_test])
    return [float(ys.min()) - DOMAIN_PAD, float(ys.max()) + DOMAIN_PAD]


def _points(result: DropoutResult, labels: Labels) -> alt.LayerChart:
    """Training points (filled circles) and test points (open triangles), with a shape legend."""
    df = pd.concat([
        pd.DataFrame({"x": result.x_train, "y": result.y_train, "set": labels.train_points}),
        pd.DataFrame({"x": result.x_test, "y": result.y_test, "set": labels.test_points}),
    ])
    shape = alt.Shape("set:N", title=None, scale=alt.Scale(domain=[labels.train_points, labels.test_points],
                                                            range=["circle", "triangle-up"]))
    base = alt.Chart(df).encode(x=alt.X("x:Q"), y=alt.Y("y:Q"), shape=shape)
    train = base.transform_filter(alt.datum.set == labels.train_points).mark_point(
        filled=True, size=70, color=DARK_GREY, opacity=0.9)
    test = base.transform_filter(alt.datum.set == labels.test_points).mark_point(
        filled=False, size=80, color=DARK_GREY, strokeWidth=1.5)
    return train + test


def _truth(result: DropoutResult, labels: Labels) -> alt.Chart:
    df = pd.DataFrame({"x": result.grid[[0, -1]], "y": result.grid[[0, -1]]})
    return alt.Chart(df).mark_line(color=GREY, strokeDash=[6, 4], strokeWidth=1.5).encode(
        x=alt.X("x:Q"), y=alt.Y("y:Q"), tooltip=[alt.Tooltip("x:Q", title=labels.truth)])


def fit_chart(result: DropoutResult, frame: int, labels: Labels = Labels(), *, net: str) -> alt.LayerChart:
    """One net's eval-mode curve at snapshot `frame`, over the training and test points and y = x."""
    k = result.nets.index(net)
    y = result.frame_curves[frame, k]
    lo, hi = _y_domain(result)
    df = pd.DataFrame({"x": result.grid, "y": np.clip(y, lo, hi), "net": labels.net(net)})[np.isfinite(y)]
    x_axis = alt.X("x:Q", title="x", scale=alt.Scale(domain=[float(result.grid[0]), float(result.grid[-1])]))
    y_axis = alt.Y("y:Q", title="y", scale=alt.Scale(domain=[lo, hi], clamp=True))
    curve = alt.Chart(df).mark_line(strokeWidth=3).encode(
        x=x_axis, y=y_axis, color=alt.Color("net:N", scale=_net_scale(labels), legend=None))
    title = f"{labels.net(net)} · {labels.step.format(step=int(result.frame_steps[frame]))}"
    return (curve + _truth(result, labels) + _points(result, labels)).properties(title=title, height=HEIGHT)


def loss_frame(result: DropoutResult, labels: Labels = Labels()) -> pd.DataFrame:
    """Tidy train/test MSE per net and iteration (non-finite values dropped, zeros floored)."""
    steps = np.arange(1, result.train_mse.shape[1] + 1)
    parts = []
    for k, net in enumerate(result.nets):
        for split, values in ((labels.train, result.train_mse[k]), (labels.test, result.test_mse[k])):
            parts.append(pd.DataFrame({"step": steps, "mse": values, "net": labels.net(net), "split": split}))
    df = pd.concat(parts, ignore_index=True)
    df = df[np.isfinite(df["mse"])]
    return df.assign(mse=df["mse"].clip(lower=MSE_FLOOR))


def loss_chart(result: DropoutResult, frame: int, labels: Labels = Labels()) -> alt.Chart:
    """Train (solid) and test (dashed) MSE of every net up to the frame's step, log scale."""
    df = loss_frame(result, labels)
    df = df[df["step"] <= int(result.frame_steps[frame])]
    every = -(-result.train_mse.shape[1] // 200)  # at most 200 points per line: a light chart, same shape
    df = df[(df["step"] % every == 0) | (df["step"] == df["step"].max())]
    few = len(df) > 0 and df.groupby(["net", "split"]).size().max() < 3  # e.g. a run that diverged at once
    return alt.Chart(df).mark_line(strokeWidth=2.5, point=bool(few)).encode(
        x=alt.X("step:Q", title=labels.iteration, scale=alt.Scale(domain=[1, result.config.iterations])),
        y=alt.Y("mse:Q", title=labels.mse, scale=alt.Scale(type="log")),
        color=alt.Color("net:N", title=None, scale=_net_scale(labels, result.nets)),
        strokeDash=alt.StrokeDash("split:N", title=None, scale=alt.Scale(
            domain=[labels.train, labels.test], range=[[1, 0], [6, 4]])),
        tooltip=[alt.Tooltip("net:N"), alt.Tooltip("split:N"), alt.Tooltip("step:Q"),
                 alt.Tooltip("mse:Q", format=".4f")],
    ).properties(height=HEIGHT, title=labels.loss_title)


def modes_chart(result: DropoutResult, labels: Labels = Labels(), *, mode: str = "eval",
                band: bool = True) -> alt.LayerChart:
    """The trained dropout net (not replayed: after its last step): the eval-mode curve, or single
    train-mode passes (`mode`); with `band`, the Monte-Carlo band."""
    k = result.nets.index("dropout")
    lo, hi = _y_domain(result)
    x_axis = alt.X("x:Q", title="x", scale=alt.Scale(domain=[float(result.grid[0]), float(result.grid[-1])]))
    y_axis = alt.Y("y:Q", title="y", scale=alt.Scale(domain=[lo, hi], clamp=True))
    layers: list[alt.Chart] = []
    if band and result.mc_lo is not None:
        df = pd.DataFrame({"x": result.grid, "lo": np.clip(result.mc_lo, lo, hi),
                           "hi": np.clip(result.mc_hi, lo, hi), "net": labels.net_dropout})
        layers.append(alt.Chart(df).mark_area(opacity=0.25).encode(
            x=x_axis, y=alt.Y("lo:Q", title="y", scale=alt.Scale(domain=[lo, hi], clamp=True)),
            y2=alt.Y2("hi"),
            color=alt.Color("net:N", scale=_net_scale(labels), legend=None)))
    if mode == "train" and result.train_mode_curves is not None:
        parts = [pd.DataFrame({"x": result.grid, "y": np.clip(c, lo, hi), "pass": i + 1})
                 for i, c in enumerate(result.train_mode_curves)]
        layers.append(alt.Chart(pd.concat(parts)).mark_line(strokeWidth=1.2, opacity=0.8).encode(
            x=x_axis, y=y_axis, detail=alt.Detail("pass:N"), color=alt.value(DARK_GREY)))
    else:
        y = result.frame_curves[-1, k]
        df = pd.DataFrame({"x": result.grid, "y": np.clip(y, lo, hi), "net": labels.net_dropout})
        df = df[np.isfinite(y)]
        layers.append(alt.Chart(df).mark_line(strokeWidth=3).encode(
            x=x_axis, y=y_axis, color=alt.Color("net:N", scale=_net_scale(labels), legend=None)))
    title = labels.mode_train if mode == "train" else labels.mode_eval
    return alt.layer(*layers, _truth(result, labels), _points(result, labels)).properties(title=title,
                                                                                          height=HEIGHT)


def seeds_chart(result: SpreadResult, labels: Labels = Labels()) -> alt.LayerChart:
    """Test MSE per seed for each net (runs that diverged left out): one grey line joins a seed's
    nets, so a seed's winner is visible; a black tick marks each net's mean."""
    spread = result.scores.dropna()
    df = spread.assign(net_label=spread["net"].map(labels.net), seed=spread["seed"].astype(str))
    nets = [n for n in NETS if n in set(spread["net"])]
    order = [labels.net(n) for n in nets]
    x = alt.X("net_label:N", title=None, sort=order, axis=alt.Axis(labelAngle=0))
    y = alt.Y("test_mse:Q", title=labels.test_mse, scale=alt.Scale(zero=False))
    lines = alt.Chart(df).mark_line(color=GREY, strokeWidth=1).encode(
        x=x, y=y, detail=alt.Detail("seed:N"))
    dots = alt.Chart(df).mark_circle(size=110, opacity=0.9).encode(
        x=x, y=y, color=alt.Color("net_label:N", scale=_net_scale(labels, nets), legend=None),
        tooltip=[alt.Tooltip("seed:N", title=labels.seed), alt.Tooltip("test_mse:Q", format=".4f")])
    means = df.groupby("net_label", as_index=False)["test_mse"].mean()
    ticks = alt.Chart(means).mark_tick(thickness=3, size=40, color=BLACK).encode(
        x=x, y=y, tooltip=[alt.Tooltip("test_mse:Q", format=".4f", title=labels.mean)])
    return (lines + dots + ticks).properties(height=HEIGHT, title=labels.seeds_title)
