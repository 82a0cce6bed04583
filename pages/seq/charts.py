"""Altair charts of the sequences page: the scrolling target and prediction, the hidden-state heatmap,
the loss per window, the after-training tests, the gradient's reach and the seeds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd

from core.seq import KINDS, MODES, VARIANTS, SeqResult, SeqSpreadResult
from ui.theme import BLUE, GREEN, GREY, HEIGHT, LEGEND_GREY, ORANGE, SMALL_HEIGHT, VERMILION

SPAN = 4  # windows shown by the scrolling view and the heatmap: the frame's window and the three before
Y_LIMIT = 1.6  # value axis of the signal charts; a wild prediction is clipped at the edge
MSE_FLOOR = 1e-6  # losses are drawn on a log scale
KIND_COLOURS = {"rnn": BLUE, "lstm": ORANGE, "gru": GREEN}  # one fixed colour per cell on every chart
DASHES = {"carry": [1, 0], "reset": [6, 4]}  # carried solid, reset dashed


@dataclass(frozen=True)
class Labels:
    """The texts on the sequences charts (`ui.theme.chart_labels(Labels, "seq")`)."""

    var_rnn_carry: str = "RNN · carried"
    var_rnn_reset: str = "RNN · reset"
    var_lstm_carry: str = "LSTM · carried"
    var_lstm_reset: str = "LSTM · reset"
    var_gru_carry: str = "GRU · carried"
    var_gru_reset: str = "GRU · reset"
    kind_rnn: str = "RNN"
    kind_lstm: str = "LSTM"
    kind_gru: str = "GRU"
    mode_carry: str = "carried"
    mode_reset: str = "reset"
    input: str = "input"
    target: str = "target"
    prediction: str = "prediction"
    time: str = "t"
    value: str = "value"
    window_axis: str = "window"
    mse: str = "MSE"
    loss_title: str = "loss per window"
    heat_title: str = "{name}: hidden state"
    step_axis: str = "time step"
    unit: str = "unit"
    activation: str = "activation"
    test_title: str = "{name}: {n} windows after training"
    freq_title: str = "{name}: frequency × {f:g}"
    reach_chart_title: str = "gradient per earlier window"
    windows_back: str = "windows back"
    relative_grad: str = "relative gradient"
    detached: str = "detached"
    kept: str = "kept"
    seeds_chart_title: str = "score per seed"
    score: str = "score"
    seed: str = "seed"

    def variant(self, code: str) -> str:
        return getattr(self, f"var_{code}")

    def variants(self) -> dict[str, str]:
        """Every variant's code and name."""
        return {code: self.variant(code) for code in VARIANTS}

    def kind(self, code: str) -> str:
        return getattr(self, f"kind_{code}")

    def mode(self, code: str) -> str:
        return getattr(self, f"mode_{code}")


def _clip(values: np.ndarray) -> np.ndarray:
    return np.clip(values, -Y_LIMIT, Y_LIMIT)


def _signal_scale(labels: Labels) -> alt.Scale:
    """The tutorial's colours: red target, blue prediction; the input in grey."""
    return alt.Scale(domain=[labels.target, labels.prediction, labels.input], range=[VERMILION, BLUE, GREY])


def span(result: SeqResult, frame: int) -> tuple[int, int]:
    """The windows [first, last) the frame's scrolling view shows (the last one just trained)."""
    last = int(result.frame_windows[frame])
    return max(0, last - SPAN), last


def scroll_chart(result: SeqResult, frame: int, labels: Labels = Labels(), *, code: str) -> alt.Chart:
    """One variant's target and prediction over the last windows trained at `frame`: the tutorial's
    scrolling plot."""
    v = result.variants.index(code)
    first, last = span(result, frame)
    t = result.t[first:last].ravel()
    parts = [(labels.input, result.x[first:last].ravel()), (labels.target, result.y[first:last].ravel()),
             (labels.prediction, result.pred[v, first:last].ravel())]
    df = pd.concat([pd.DataFrame({"t": t, "value": _clip(values), "line": name}) for name, values in parts])
    df = df[np.isfinite(df["value"])]
    t0, t1 = float(first * result.config.length), float(max(last, SPAN) * result.config.length)
    return alt.Chart(df).mark_line(strokeWidth=2.2).encode(
        x=alt.X("t:Q", title=labels.time, scale=alt.Scale(domain=[t0, t1], nice=False)),
        y=alt.Y("value:Q", title=None, scale=alt.Scale(domain=[-Y_LIMIT, Y_LIMIT])),
        color=alt.Color("line:N", title=None, scale=_signal_scale(labels), legend=None),  # the caption
        strokeWidth=alt.condition(alt.datum.line == labels.input, alt.value(1.2), alt.value(2.4)),
        detail=alt.Detail("line:N"),
    ).properties(title=labels.variant(code), height=SMALL_HEIGHT - 60)


def heat_chart(result: SeqResult, frame: int, labels: Labels = Labels(), *, code: str) -> alt.Chart:
    """One variant's hidden state (units × time steps) over the windows of the frame's scrolling view."""
    v = result.variants.index(code)
    first, last = span(result, frame)
    h = result.hidden[v, first:last].astype(np.float32)  # (windows, T, units)
    steps, units = h.shape[0] * h.shape[1], h.shape[2]
    grid = h.reshape(steps, units)
    df = pd.DataFrame({"step": np.repeat(np.arange(first * h.shape[1], first * h.shape[1] + steps), units),
                       "unit": np.tile(np.arange(1, units + 1), steps), "h": grid.ravel()})
    df = df[np.isfinite(df["h"])]
    return alt.Chart(df).mark_rect().encode(
        x=alt.X("step:O", title=labels.step_axis, axis=alt.Axis(labels=False, ticks=False)),
        y=alt.Y("unit:O", title=labels.unit, axis=alt.Axis(labels=False, ticks=False)),
        color=alt.Color("h:Q", title=labels.activation,
                        scale=alt.Scale(scheme="blueorange", domain=[-1, 1], clamp=True)),
        tooltip=[alt.Tooltip("unit:O", title=labels.unit), alt.Tooltip("h:Q", format=".2f")],
    ).properties(title=labels.heat_title.format(name=labels.variant(code)), height=SMALL_HEIGHT)


def _kind_scale(labels: Labels, kinds: Sequence[str] = KINDS) -> alt.Scale:
    return alt.Scale(domain=[labels.kind(k) for k in kinds], range=[KIND_COLOURS[k] for k in kinds])


def _mode_scale(labels: Labels) -> alt.Scale:
    return alt.Scale(domain=[labels.mode(m) for m in MODES], range=[DASHES[m] for m in MODES])


def loss_chart(result: SeqResult, frame: int, labels: Labels = Labels(), *,
               shown: Sequence[str] = VARIANTS) -> alt.Chart:
    """Each shown variant's loss per window up to the frame's window, log scale."""
    last = int(result.frame_windows[frame])
    windows = np.arange(1, last + 1)
    parts = []
    for code in shown:
        kind, mode = code.split("_")
        loss = result.loss[result.variants.index(code), :last]
        parts.append(pd.DataFrame({"window": windows, "mse": loss, "kind": labels.kind(kind),
                                   "mode": labels.mode(mode), "variant": labels.variant(code)}))
    df = pd.concat(parts, ignore_index=True)
    df = df[np.isfinite(df["mse"])]
    df = df.assign(mse=df["mse"].clip(lower=MSE_FLOOR))
    kinds = [k for k in KINDS if any(c.startswith(k) for c in shown)]
    return alt.Chart(df).mark_line(strokeWidth=2, point=bool(last < 3)).encode(
        x=alt.X("window:Q", title=labels.window_axis, scale=alt.Scale(domain=[1, result.config.windows])),
        y=alt.Y("mse:Q", title=labels.mse, scale=alt.Scale(type="log")),
        color=alt.Color("kind:N", title=None, scale=_kind_scale(labels, kinds)),
        strokeDash=alt.StrokeDash("mode:N", title=None, scale=_mode_scale(labels),
                                  legend=alt.Legend(symbolStrokeColor=LEGEND_GREY)),
        detail=alt.Detail("variant:N"),
        tooltip=[alt.Tooltip("variant:N"), alt.Tooltip("window:Q"), alt.Tooltip("mse:Q", format=".4f")],
    ).properties(title=labels.loss_title, height=HEIGHT - 60)


def stretch_chart(result: SeqResult, labels: Labels = Labels(), *, kind: str,
                  test: str = "test") -> alt.Chart:
    """After training: the target over the test stretch (grey, dashed) and the carried and reset
    nets' predictions of cell `kind`; `test` is "test" (the longer stretch) or "freq"."""
    y = result.test_y if test == "test" else result.freq_y
    preds = result.test_pred if test == "test" else result.freq_pred
    parts = [pd.DataFrame({"t": result.test_t, "value": _clip(y), "line": labels.target, "dash": "target"})]
    for mode in MODES:
        code = f"{kind}_{mode}"
        parts.append(pd.DataFrame({"t": result.test_t, "value": _clip(preds[result.variants.index(code)]),
                                   "line": labels.mode(mode), "dash": mode}))
    df = pd.concat(parts, ignore_index=True)
    df = df[np.isfinite(df["value"])]
    colour = KIND_COLOURS[kind]
    scale = alt.Scale(domain=[labels.target, labels.mode("carry"), labels.mode("reset")],
                      range=[GREY, colour, colour])
    dash = alt.Scale(domain=["target", "carry", "reset"], range=[[2, 2], DASHES["carry"], DASHES["reset"]])
    c = result.config
    title = (labels.test_title.format(name=labels.kind(kind), n=c.test_windows) if test == "test"
             else labels.freq_title.format(name=labels.kind(kind), f=c.test_freq))
    return alt.Chart(df).mark_line(strokeWidth=2).encode(
        x=alt.X("t:Q", title=labels.time, scale=alt.Scale(nice=False, zero=False)),
        y=alt.Y("value:Q", title=None, scale=alt.Scale(domain=[-Y_LIMIT, Y_LIMIT])),
        color=alt.Color("line:N", title=None, scale=scale, legend=None),  # the page's text names them
        strokeDash=alt.StrokeDash("dash:N", scale=dash, legend=None),
        detail=alt.Detail("line:N"),
    ).properties(title=title, height=SMALL_HEIGHT - 60)


def reach_chart(result: SeqResult, labels: Labels = Labels()) -> alt.Chart:
    """The last window's gradient per window back, relative to its own, per cell: detached (it
    stops at 0 windows back; the zeros before it cannot be drawn on a log scale) and kept."""
    parts = []
    back = np.arange(result.reach.shape[2])
    for k, kind in enumerate(KINDS):
        for j, how in enumerate((labels.detached, labels.kept)):
            parts.append(pd.DataFrame({"back": back, "grad": result.reach[k, j], "kind": labels.kind(kind),
                                       "how": how, "line": f"{kind}{j}"}))
    df = pd.concat(parts, ignore_index=True)
    df = df[np.isfinite(df["grad"]) & (df["grad"] > 0)]
    return alt.Chart(df).mark_line(point=True, strokeWidth=2).encode(
        x=alt.X("back:Q", title=labels.windows_back, axis=alt.Axis(tickMinStep=1),
                scale=alt.Scale(domain=[0, int(back[-1])])),
        y=alt.Y("grad:Q", title=labels.relative_grad, scale=alt.Scale(type="log")),
        color=alt.Color("kind:N", title=None, scale=_kind_scale(labels)),
        strokeDash=alt.StrokeDash("how:N", title=None, scale=alt.Scale(
            domain=[labels.detached, labels.kept], range=[[6, 4], [1, 0]]),
            legend=None),  # detached is the lone point at 0 (the text beside says so); Vega drew no dashes
        detail=alt.Detail("line:N"),
        tooltip=[alt.Tooltip("kind:N"), alt.Tooltip("how:N"), alt.Tooltip("back:Q"),
                 alt.Tooltip("grad:Q", format=".2e")],
    ).properties(title=labels.reach_chart_title, height=HEIGHT - 60)


def seeds_chart(result: SeqSpreadResult, labels: Labels = Labels()) -> alt.LayerChart:
    """Score per seed of every variant (diverged runs left out): a grey line joins a seed's carried
    and reset variants of one cell, so each seed's winner is visible."""
    scores = result.scores.dropna()
    df = scores.assign(label=scores["variant"].map(labels.variant),
                       kind_label=scores["kind"].map(labels.kind),
                       pair=scores["kind"] + scores["seed"].astype(str), seed=scores["seed"].astype(str),
                       score=scores["score"].clip(lower=MSE_FLOOR))
    order = [labels.variant(v) for v in VARIANTS]
    x = alt.X("label:N", title=None, sort=order, axis=alt.Axis(labelAngle=-40, labelOverlap=False))
    y = alt.Y("score:Q", title=labels.score, scale=alt.Scale(type="log"))
    lines = alt.Chart(df).mark_line(color=GREY, strokeWidth=1).encode(x=x, y=y, detail=alt.Detail("pair:N"))
    dots = alt.Chart(df).mark_circle(size=90, opacity=0.9).encode(
        x=x, y=y, color=alt.Color("kind_label:N", scale=_kind_scale(labels), legend=None),
        tooltip=[alt.Tooltip("seed:N", title=labels.seed), alt.Tooltip("score:Q", format=".4f")])
    return (lines + dots).properties(height=HEIGHT - 40, title=labels.seeds_chart_title)
