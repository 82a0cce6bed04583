"""Charts and pictures for the MNIST page: probabilities, curves, LSTM rows, CNN maps, confusion, t-SNE."""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd

from ui.theme import BLUE, FONT, LIGHT_GREY, ORANGE, SMALL_HEIGHT

MODEL_NAMES = {"cnn": "CNN", "lstm": "LSTM"}
MODEL_COLORS = {"CNN": BLUE, "LSTM": ORANGE}  # fixed per model, on every chart
HIGHLIGHT = tuple(int(ORANGE[i:i + 2], 16) for i in (1, 3, 5))  # the marked LSTM row, as RGB


@dataclass(frozen=True)
class Labels:
    """The texts on the MNIST charts (`ui.theme.chart_labels(Labels, "mnist.axis")`)."""

    digit: str = "digit"
    probability: str = "probability"
    images: str = "training images seen"
    loss: str = "training loss"
    accuracy: str = "held-out accuracy"
    loss_title: str = "Training loss (rolling mean of 10 steps)"
    accuracy_title: str = "Accuracy on the held-out images"
    rows_read: str = "rows read"
    predicted: str = "predicted"
    true: str = "true digit"
    errors: str = "errors"


def _model_color() -> alt.Color:
    names = list(MODEL_COLORS)
    return alt.Color("model:N", scale=alt.Scale(domain=names, range=[MODEL_COLORS[n] for n in names]),
                     legend=alt.Legend(title=None, orient="top"))


def probability_chart(probs: np.ndarray, kind: str, labels: Labels) -> alt.Chart:
    """Bars of the 10 class probabilities; the top class in the model's colour, the others grey."""
    df = pd.DataFrame({"digit": [str(d) for d in range(10)], "p": np.asarray(probs, dtype=float)})
    df["top"] = df["p"] == df["p"].max()
    color = MODEL_COLORS[MODEL_NAMES[kind]]
    return alt.Chart(df).mark_bar().encode(
        x=alt.X("digit:N", title=labels.digit, sort=None, axis=alt.Axis(labelAngle=0, labelFontSize=FONT)),
        y=alt.Y("p:Q", title=labels.probability, scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        color=alt.condition("datum.top", alt.value(color), alt.value(LIGHT_GREY)),
        tooltip=[alt.Tooltip("digit:N"), alt.Tooltip("p:Q", format=".1%")],
    ).properties(height=220)


def curves_frame(steps: dict[str, list[dict]],
                 evals: dict[str, list[dict]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tidy frames (model, images, loss) and (model, images, accuracy) from per-model records."""
    loss = pd.DataFrame([{"model": MODEL_NAMES[k], "images": r["images"], "loss": r["loss"]}
                         for k, rows in steps.items() for r in rows], columns=["model", "images", "loss"])
    acc = pd.DataFrame([{"model": MODEL_NAMES[k], "images": r["images"], "accuracy": r["accuracy"]}
                        for k, rows in evals.items() for r in rows], columns=["model", "images", "accuracy"])
    return loss, acc


def _x_scale(x_max: int | None) -> alt.Scale:
    """A fixed x range while a run grows (the curves do not rescale at every redraw)."""
    return alt.Scale(domain=[0, x_max]) if x_max else alt.Scale(zero=True)


def loss_chart(loss: pd.DataFrame, labels: Labels, x_max: int | None = None) -> alt.Chart:
    """Training loss per step against images seen, one line per model (a rolling mean over 10 steps)."""
    df = loss.copy()
    df = df[np.isfinite(df["loss"])]
    df["smooth"] = df.groupby("model")["loss"].transform(lambda s: s.rolling(10, min_periods=1).mean())
    return alt.Chart(df).mark_line().encode(
        x=alt.X("images:Q", title=labels.images, scale=_x_scale(x_max)),
        y=alt.Y("smooth:Q", title=labels.loss, scale=alt.Scale(type="symlog")),
        color=_model_color(),
    ).properties(height=SMALL_HEIGHT, title=labels.loss_title)


def accuracy_chart(acc: pd.DataFrame, labels: Labels, x_max: int | None = None) -> alt.Chart:
    """Held-out accuracy against images seen, one line with points per model."""
    lo = float(min(0.8, acc["accuracy"].min())) if len(acc) else 0.8
    return alt.Chart(acc).mark_line(point=True).encode(
        x=alt.X("images:Q", title=labels.images, scale=_x_scale(x_max)),
        y=alt.Y("accuracy:Q", title=labels.accuracy, scale=alt.Scale(domain=[max(0.0, lo - 0.02), 1]),
                axis=alt.Axis(format="%")),
        color=_model_color(),
        tooltip=[alt.Tooltip("model:N"), alt.Tooltip("images:Q"), alt.Tooltip("accuracy:Q", format=".2%")],
    ).properties(height=SMALL_HEIGHT, title=labels.accuracy_title)


def lstm_rows_chart(row_probs: np.ndarray, row: int, labels: Labels) -> alt.Chart:
    """Heat map of the LSTM's probability for each digit after each row read, the current row marked."""
    rows, digits = np.meshgrid(np.arange(28), np.arange(10), indexing="ij")
    df = pd.DataFrame({"row": rows.ravel() + 1, "digit": digits.ravel().astype(str),
                       "p": np.asarray(row_probs, dtype=float).ravel()})
    heat = alt.Chart(df).mark_rect().encode(
        x=alt.X("row:O", title=labels.rows_read, axis=alt.Axis(labelAngle=0, values=list(range(1, 29, 3)))),
        y=alt.Y("digit:O", title=labels.digit, sort="descending"),
        color=alt.Color("p:Q", title=labels.probability, scale=alt.Scale(scheme="viridis", domain=[0, 1])),
        tooltip=[alt.Tooltip("row:O"), alt.Tooltip("digit:N"), alt.Tooltip("p:Q", format=".1%")],
    )
    mark = alt.Chart(pd.DataFrame({"row": [row + 1]})).mark_rect(
        fill=None, stroke=ORANGE, strokeWidth=3).encode(x=alt.X("row:O"))
    return (heat + mark).properties(height=280)


def confusion_chart(confusion: np.ndarray, labels: Labels) -> alt.Chart:
    """10x10 counts: rows the true digit, columns the prediction; the diagonal is right."""
    t, p = np.meshgrid(np.arange(10), np.arange(10), indexing="ij")
    df = pd.DataFrame({"true": t.ravel().astype(str), "pred": p.ravel().astype(str),
                       "n": np.asarray(confusion).ravel()})
    df["off"] = np.where(df["true"] == df["pred"], 0, df["n"])
    base = alt.Chart(df).encode(
        x=alt.X("pred:O", title=labels.predicted, axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("true:O", title=labels.true),
    )
    cells = base.mark_rect().encode(color=alt.Color("off:Q", title=labels.errors,
                                                    scale=alt.Scale(scheme="oranges")))
    text = base.mark_text(fontSize=12).encode(
        text=alt.condition("datum.n > 0", alt.Text("n:Q"), alt.value("")),
        color=alt.condition("datum.true == datum.pred", alt.value(BLUE), alt.value("black")))
    return (cells + text).properties(height=320)


def tsne_chart(embedding: np.ndarray, digits: np.ndarray, labels: Labels) -> alt.Chart:
    """t-SNE points coloured by their true digit."""
    df = pd.DataFrame({"x": embedding[:, 0], "y": embedding[:, 1], "digit": np.asarray(digits).astype(str)})
    return alt.Chart(df).mark_circle(size=36, opacity=0.8).encode(
        x=alt.X("x:Q", axis=None), y=alt.Y("y:Q", axis=None),
        color=alt.Color("digit:N", title=labels.digit, scale=alt.Scale(scheme="tableau10")),
        tooltip=[alt.Tooltip("digit:N")],
    ).properties(height=420)


# ---- pictures (uint8 arrays for st.image) ------------------------------------------------------

def upscale(image: np.ndarray, factor: int = 8) -> np.ndarray:
    """(h, w) in [0, 1] -> (h*factor, w*factor) uint8, nearest neighbour (crisp pixels)."""
    img = (np.clip(image, 0, 1) * 255).astype(np.uint8)
    return np.kron(img, np.ones((factor, factor), dtype=np.uint8))


def marked_row(image: np.ndarray, row: int, factor: int = 8) -> np.ndarray:
    """(28*f, 28*f, 3) uint8: the 28x28 input in grey, the rows read so far normal, the current row tinted."""
    grey = np.repeat(np.clip(image, 0, 1)[..., None], 3, axis=2) * 255
    rgb = grey.copy()
    rgb[row + 1:] *= 0.35  # rows not read yet are dimmed
    rgb[row] = 0.55 * grey[row] + 0.45 * np.array(HIGHLIGHT)
    rgb = rgb.astype(np.uint8)
    return np.kron(rgb, np.ones((factor, factor, 1), dtype=np.uint8))


def feature_grid(maps: np.ndarray, cols: int = 4, factor: int = 4, gap: int = 4) -> np.ndarray:
    """(n, h, w) feature maps -> one uint8 picture, each map scaled to its own maximum, on a grid."""
    n, h, w = maps.shape
    rows = -(-n // cols)
    hh, ww = h * factor, w * factor
    out = np.full((rows * hh + (rows - 1) * gap, cols * ww + (cols - 1) * gap), 128, dtype=np.uint8)
    for i, fmap in enumerate(maps):
        peak = float(fmap.max())
        img = upscale(fmap / peak if peak > 0 else fmap, factor)
        r, c = divmod(i, cols)
        out[r * (hh + gap):r * (hh + gap) + hh, c * (ww + gap):c * (ww + gap) + ww] = img
    return out


def digit_tiles(images: np.ndarray, factor: int = 3) -> list[np.ndarray]:
    """(n, 28, 28) uint8 or [0, 1] images -> crisp upscaled uint8 pictures."""
    arr = np.asarray(images, dtype=np.float32)
    if arr.max(initial=0) > 1:
        arr = arr / 255.0
    return [upscale(a, factor) for a in arr]
