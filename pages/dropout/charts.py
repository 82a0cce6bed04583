"""Altair charts of the dropout page: fitted curves, loss curves, the Monte-Carlo band and the seed spread."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import altair as alt
import numpy as np
import pandas as pd

from core.dropout import NETS, DropoutResult

MSE_FLOOR = 1e-6  # losses are drawn on a log scale; an exact 0 is drawn at this floor
TRUTH = "#888888"  # the noise-free line y = x
POINTS = "#333333"  # training and test points
DOMAIN_PAD = 0.6  # y-axis padding around the data, so a wild curve stays readable


# One fixed colour per net on every chart (the theme's Okabe-Ito palette, in its order).
COLOURS = {"overfit": "#0072B2", "dropout": "#E69F00", "l2": "#009E73"}


def _net_scale(names: Mapping[str, str], nets: Sequence[str] = NETS) -> alt.Scale:
    """Colour scale listing only `nets` (so the legend shows only them), each in its fixed colour."""
    return alt.Scale(domain=[names[n] for n in nets], range=[COLOURS[n] for n in nets])


def _y_domain(result: DropoutResult) -> list[float]:
    ys = np.concatenate([result.y_train, result.y_test])
    return [float(ys.min()) - DOMAIN_PAD, float(ys.max()) + DOMAIN_PAD]


def _points(result: DropoutResult, text: Mapping[str, str]) -> alt.LayerChart:
    """Training points (filled circles) and test points (open triangles), with a shape legend."""
    df = pd.concat([
        pd.DataFrame({"x": result.x_train, "y": result.y_train, "set": text["train_points"]}),
        pd.DataFrame({"x": result.x_test, "y": result.y_test, "set": text["test_points"]}),
    ])
    shape = alt.Shape("set:N", title=None, scale=alt.Scale(domain=[text["train_points"], text["test_points"]],
                                                            range=["circle", "triangle-up"]))
    base = alt.Chart(df).encode(x=alt.X("x:Q"), y=alt.Y("y:Q"), shape=shape)
    train = base.transform_filter(alt.datum.set == text["train_points"]).mark_point(
        filled=True, size=70, color=POINTS, opacity=0.9)
    test = base.transform_filter(alt.datum.set == text["test_points"]).mark_point(
        filled=False, size=80, color=POINTS, strokeWidth=1.5)
    return train + test


def _truth(result: DropoutResult, text: Mapping[str, str]) -> alt.Chart:
    df = pd.DataFrame({"x": result.grid[[0, -1]], "y": result.grid[[0, -1]]})
    return alt.Chart(df).mark_line(color=TRUTH, strokeDash=[6, 4], strokeWidth=1.5).encode(
        x=alt.X("x:Q"), y=alt.Y("y:Q"), tooltip=[alt.Tooltip("x:Q", title=text["truth"])])


def fit_chart(result: DropoutResult, net: str, frame: int, names: Mapping[str, str],
              text: Mapping[str, str]) -> alt.LayerChart:
    """One net's eval-mode curve at snapshot `frame`, over the training and test points and y = x."""
    k = result.nets.index(net)
    y = result.frame_curves[frame, k]
    lo, hi = _y_domain(result)
    df = pd.DataFrame({"x": result.grid, "y": np.clip(y, lo, hi), "net": names[net]})[np.isfinite(y)]
    x_axis = alt.X("x:Q", title="x", scale=alt.Scale(domain=[float(result.grid[0]), float(result.grid[-1])]))
    y_axis = alt.Y("y:Q", title="y", scale=alt.Scale(domain=[lo, hi], clamp=True))
    curve = alt.Chart(df).mark_line(strokeWidth=3).encode(
        x=x_axis, y=y_axis, color=alt.Color("net:N", scale=_net_scale(names), legend=None))
    title = f"{names[net]} · {text['step'].format(step=int(result.frame_steps[frame]))}"
    return (curve + _truth(result, text) + _points(result, text)).properties(title=title, height=320)


def loss_frame(result: DropoutResult, names: Mapping[str, str], text: Mapping[str, str]) -> pd.DataFrame:
    """Tidy train/test MSE per net and iteration (non-finite values dropped, zeros floored)."""
    steps = np.arange(1, result.train_mse.shape[1] + 1)
    parts = []
    for k, net in enumerate(result.nets):
        for split, values in ((text["train"], result.train_mse[k]), (text["test"], result.test_mse[k])):
            parts.append(pd.DataFrame({"step": steps, "mse": values, "net": names[net], "split": split}))
    df = pd.concat(parts, ignore_index=True)
    df = df[np.isfinite(df["mse"])]
    return df.assign(mse=df["mse"].clip(lower=MSE_FLOOR))


def loss_chart(result: DropoutResult, frame: int, names: Mapping[str, str],
               text: Mapping[str, str]) -> alt.Chart:
    """Train (solid) and test (dashed) MSE of every net up to the frame's step, log scale."""
    df = loss_frame(result, names, text)
    df = df[df["step"] <= int(result.frame_steps[frame])]
    every = -(-result.train_mse.shape[1] // 200)  # at most 200 points per line: a light chart, same shape
    df = df[(df["step"] % every == 0) | (df["step"] == df["step"].max())]
    few = len(df) > 0 and df.groupby(["net", "split"]).size().max() < 3  # e.g. a run that diverged at once
    return alt.Chart(df).mark_line(strokeWidth=2.5, point=bool(few)).encode(
        x=alt.X("step:Q", title=text["iteration"], scale=alt.Scale(domain=[1, result.config.iterations])),
        y=alt.Y("mse:Q", title=text["mse"], scale=alt.Scale(type="log")),
        color=alt.Color("net:N", title=None, scale=_net_scale(names, result.nets)),
        strokeDash=alt.StrokeDash("split:N", title=None, scale=alt.Scale(
            domain=[text["train"], text["test"]], range=[[1, 0], [6, 4]])),
        tooltip=[alt.Tooltip("net:N"), alt.Tooltip("split:N"), alt.Tooltip("step:Q"),
                 alt.Tooltip("mse:Q", format=".4f")],
    ).properties(height=320, title=text["loss_title"])


def modes_chart(result: DropoutResult, mode: str, band: bool, names: Mapping[str, str],
                text: Mapping[str, str]) -> alt.LayerChart:
    """The trained dropout net: eval-mode curve, or single train-mode passes; optional Monte-Carlo band."""
    k = result.nets.index("dropout")
    lo, hi = _y_domain(result)
    x_axis = alt.X("x:Q", title="x", scale=alt.Scale(domain=[float(result.grid[0]), float(result.grid[-1])]))
    y_axis = alt.Y("y:Q", title="y", scale=alt.Scale(domain=[lo, hi], clamp=True))
    layers: list[alt.Chart] = []
    if band and result.mc_lo is not None:
        df = pd.DataFrame({"x": result.grid, "lo": np.clip(result.mc_lo, lo, hi),
                           "hi": np.clip(result.mc_hi, lo, hi), "net": names["dropout"]})
        layers.append(alt.Chart(df).mark_area(opacity=0.25).encode(
            x=x_axis, y=alt.Y("lo:Q", title="y", scale=alt.Scale(domain=[lo, hi], clamp=True)),
            y2=alt.Y2("hi"),
            color=alt.Color("net:N", scale=_net_scale(names), legend=None)))
    if mode == "train" and result.train_mode_curves is not None:
        parts = [pd.DataFrame({"x": result.grid, "y": np.clip(c, lo, hi), "pass": i + 1})
                 for i, c in enumerate(result.train_mode_curves)]
        layers.append(alt.Chart(pd.concat(parts)).mark_line(strokeWidth=1.2, opacity=0.8).encode(
            x=x_axis, y=y_axis, detail=alt.Detail("pass:N"), color=alt.value("#444444")))
    else:
        y = result.frame_curves[-1, k]
        df = pd.DataFrame({"x": result.grid, "y": np.clip(y, lo, hi), "net": names["dropout"]})
        df = df[np.isfinite(y)]
        layers.append(alt.Chart(df).mark_line(strokeWidth=3).encode(
            x=x_axis, y=y_axis, color=alt.Color("net:N", scale=_net_scale(names), legend=None)))
    title = text["mode_train"] if mode == "train" else text["mode_eval"]
    return alt.layer(*layers, _truth(result, text), _points(result, text)).properties(title=title, height=340)


def seeds_chart(spread: pd.DataFrame, names: Mapping[str, str], text: Mapping[str, str]) -> alt.LayerChart:
    """Test MSE per seed for each net: one grey line joins a seed's nets, so a seed's winner is visible."""
    df = spread.assign(net_label=spread["net"].map(names), seed=spread["seed"].astype(str))
    nets = [n for n in NETS if n in set(spread["net"])]
    order = [names[n] for n in nets]
    x = alt.X("net_label:N", title=None, sort=order, axis=alt.Axis(labelAngle=0))
    y = alt.Y("test_mse:Q", title=text["test_mse"], scale=alt.Scale(zero=False))
    lines = alt.Chart(df).mark_line(color="#999999", strokeWidth=1).encode(
        x=x, y=y, detail=alt.Detail("seed:N"))
    dots = alt.Chart(df).mark_circle(size=110, opacity=0.9).encode(
        x=x, y=y, color=alt.Color("net_label:N", scale=_net_scale(names, nets), legend=None),
        tooltip=[alt.Tooltip("seed:N", title=text["seed"]), alt.Tooltip("test_mse:Q", format=".4f")])
    means = df.groupby("net_label", as_index=False)["test_mse"].mean()
    ticks = alt.Chart(means).mark_tick(thickness=3, size=40, color="#000000").encode(
        x=x, y=y, tooltip=[alt.Tooltip("test_mse:Q", format=".4f", title=text["mean"])])
    return (lines + dots + ticks).properties(height=300, title=text["seeds_title"])
