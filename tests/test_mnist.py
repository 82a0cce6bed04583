"""MNIST page core: architectures, preprocessing, prediction, weight files, training, quality bars."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from core import mnist, weights
from core.mnist import train
from core.mnist.data import load_mnist
from core.seeding import generator_for
from pages.mnist import charts


@pytest.fixture(scope="module")
def raw():
    folder = os.environ.get("PLAYGROUND_MNIST_DIR")
    if not folder or not Path(folder).is_dir():
        pytest.skip("no MNIST folder: set PLAYGROUND_MNIST_DIR (CI uses ../shared/data/mnist)")
    return load_mnist()


@pytest.fixture(scope="module")
def data(raw) -> train.Tensors:
    return train.as_tensors(raw)


@pytest.fixture(scope="module")
def shipped():
    return mnist.load_shipped()


# ---- architectures ---------------------------------------------------------------------------

def test_architectures_match_the_lesson():
    cnn, lstm = mnist.build_model("cnn"), mnist.build_model("lstm")
    convs = [m for m in cnn.modules() if isinstance(m, nn.Conv2d)]
    assert [(c.in_channels, c.out_channels, c.kernel_size, c.stride, c.padding) for c in convs] == [
        (1, 16, (5, 5), (1, 1), (2, 2)), (16, 32, (5, 5), (1, 1), (2, 2))]
    assert (cnn.out.in_features, cnn.out.out_features) == (32 * 7 * 7, 10)
    assert (lstm.rnn.input_size, lstm.rnn.hidden_size, lstm.rnn.num_layers, lstm.rnn.batch_first) == (
        28, 64, 1, True)
    assert (lstm.out.in_features, lstm.out.out_features) == (64, 10)
    x = torch.rand(3, 1, 28, 28)
    assert cnn(x).shape == lstm(x).shape == (3, 10)
    with pytest.raises(ValueError):
        mnist.build_model("gru")


def test_lstm_reads_rows_and_last_step_is_the_prediction():
    model = train.new_model(train.lesson_config("lstm")).eval()
    x = torch.rand(2, 1, 28, 28)
    per_row = model.per_row_logits(x)
    assert per_row.shape == (2, 28, 10)
    torch.testing.assert_close(per_row[:, -1], model(x))
    # row by row: the answer after row r does not depend on the rows below it
    y = x.clone()
    y[:, :, 20:] = 0
    torch.testing.assert_close(model.per_row_logits(y)[:, :20], per_row[:, :20])


def test_cnn_feature_maps_match_functional_reference():
    model = train.new_model(train.lesson_config("cnn")).eval()
    image = np.random.default_rng(0).random((28, 28), dtype=np.float32)
    maps = mnist.cnn_feature_maps(image, model)
    conv = model.conv1[0]
    ref = torch.relu(nn.functional.conv2d(torch.tensor(image)[None, None], conv.weight, conv.bias, 1, 2))[0]
    assert maps.shape == (16, 28, 28)
    np.testing.assert_allclose(maps, ref.detach().numpy(), atol=1e-5)


# ---- preprocessing ---------------------------------------------------------------------------

def _stroke_canvas(rows: slice, cols: slice, alpha_only: bool = True) -> np.ndarray:
    img = np.zeros((280, 280, 4), dtype=np.uint8)
    img[rows, cols] = (255, 255, 255, 255)
    if not alpha_only:
        img[..., 3] = 255  # an opaque black background
    return img


def test_empty_canvas_gives_none():
    assert mnist.preprocess(np.zeros((280, 280, 4), dtype=np.uint8)) is None
    black = np.zeros((280, 280, 4), dtype=np.uint8)
    black[..., 3] = 255
    assert mnist.preprocess(black) is None
    assert mnist.predict(black, {}) is None
    with pytest.raises(ValueError):
        mnist.preprocess(np.zeros((280, 280), dtype=np.uint8))


def test_preprocess_matches_mnist_conventions():
    # a tall bar: longer side scaled to 20 px, centred on its centre of mass, values in [0, 1]
    out = mnist.preprocess(_stroke_canvas(slice(30, 230), slice(100, 140)))
    assert out.shape == (28, 28) and out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() == pytest.approx(1.0)
    rows = np.flatnonzero(out.max(axis=1) > 0.1)
    assert rows[-1] - rows[0] + 1 == 20
    ys, xs = np.indices(out.shape)
    cy, cx = (ys * out).sum() / out.sum(), (xs * out).sum() / out.sum()
    assert abs(cy - 14) <= 0.6 and abs(cx - 14) <= 0.6
    # black opaque background and transparent background give the same input
    np.testing.assert_allclose(out, mnist.preprocess(_stroke_canvas(slice(30, 230), slice(100, 140), False)))


def test_preprocess_ignores_position_and_size(raw):
    digit = raw.test_images[0].numpy()
    outs = [mnist.preprocess(mnist.draw_on_canvas(digit, generator_for(s, "pos"))) for s in range(5)]
    for other in outs[1:]:
        corr = np.corrcoef(outs[0].ravel(), other.ravel())[0, 1]
        assert corr > 0.75


def test_predict_gives_ten_probabilities_per_model(shipped, raw):
    models, _ = shipped
    rgba = mnist.draw_on_canvas(raw.test_images[0].numpy(), generator_for(0, "predict"))
    probs = mnist.predict(rgba, models)
    assert set(probs) == {"cnn", "lstm"}
    for p in probs.values():
        assert p.shape == (10,) and p.min() >= 0 and p.sum() == pytest.approx(1.0, abs=1e-5)
    drawn = [mnist.predict(mnist.draw_on_canvas(d.numpy(), generator_for(i, "predict")), models)
             for i, d in enumerate(raw.test_images[:20])]
    right = [int(p["cnn"].argmax()) == int(y) for p, y in zip(drawn, raw.test_labels[:20])]
    assert sum(right) >= 18


# ---- shipped weights and quality bars ---------------------------------------------------------

def test_shipped_weights_meet_the_bars_and_the_metadata_tells_the_truth(shipped, data):
    models, meta = shipped
    for kind, bar in (("cnn", 0.985), ("lstm", 0.965)):
        acc = train.accuracy(models[kind], data.x_test, data.y_test)
        assert acc >= bar, f"{kind}: {acc:.4f} < {bar}"
        assert meta.per_model[kind]["heldout_accuracy"] == pytest.approx(acc, abs=1e-3)
        assert not models[kind].training
    assert meta.data == data.description
    on_disk = json.loads((mnist.WEIGHTS_DIR / "mnist_meta.json").read_text())
    assert {"data", "seed", "models"} <= on_disk.keys()
    for info in on_disk["models"].values():
        assert {"epochs", "seconds", "heldout_accuracy"} <= info.keys()
    for kind in mnist.MODEL_KINDS:
        assert (mnist.WEIGHTS_DIR / f"mnist_{kind}.pt").stat().st_size < 300_000  # small files


def test_drawn_digits_are_recognised(shipped, raw):
    """Held-out digits drawn at random places, sizes (0.3-0.9 of the canvas) and stroke widths."""
    models, _ = shipped
    n = 400
    g = generator_for(0, "drawn")
    images = np.stack([mnist.preprocess(mnist.draw_on_canvas(d.numpy(), g)) for d in raw.test_images[:n]])
    pred = train.predict_labels(models["cnn"], mnist.to_tensor(images))
    acc = float((pred == raw.test_labels[:n]).float().mean())
    assert acc >= 0.95, acc


def test_lstm_needs_the_whole_image(shipped, data):
    """The page's claim: halfway down the image the LSTM can only guess; after the last row it knows."""
    models, _ = shipped
    x, y = data.x_test[:500], data.y_test[:500]
    with torch.inference_mode():
        per_row = models["lstm"].per_row_logits(x).argmax(2)  # (500, 28)
    acc = (per_row == y[:, None]).float().mean(0)
    assert acc[13] < 0.6 and acc[27] > 0.95
    assert acc[27] - acc[13] > 0.35


# ---- weight files ----------------------------------------------------------------------------

def test_weights_round_trip(shipped):
    models, _ = shipped
    x = torch.rand(4, 1, 28, 28)
    for kind, model in models.items():
        again = mnist.load_weights(kind, weights.save_weights(model))
        torch.testing.assert_close(again(x), model(x))
        assert mnist.weights_digest(again) == mnist.weights_digest(model)


def _saved(obj) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


class Evil:
    def __reduce__(self):
        return (print, ("pwned",))


@pytest.mark.parametrize("make, words", [
    (lambda: b"not a torch file", "not a PyTorch weights file"),
    (lambda: _saved(Evil()), "not a PyTorch weights file"),
    (lambda: weights.save_weights(mnist.build_model("lstm")), "does not fit the CNN"),
    (lambda: _saved({**mnist.build_model("cnn").state_dict(),
                     "out.weight": torch.zeros(10, 100)}), "shape"),
    (lambda: _saved({k: v * float("nan") for k, v in mnist.build_model("cnn").state_dict().items()}), "NaN"),
    (lambda: _saved([1, 2, 3]), "state_dict"),
    (lambda: b"x" * (mnist.MAX_WEIGHTS_BYTES + 1), "too large"),
])
def test_bad_weight_files_give_clear_errors(make, words):
    with pytest.raises(weights.WeightsError, match=words) as info:
        mnist.load_weights("cnn", make())
    assert isinstance(info.value, ValueError)


# ---- training --------------------------------------------------------------------------------

def _small(kind: str, seed: int = 0, **kw) -> train.TrainConfig:
    return train.lesson_config(kind, train_size=200, epochs=1, seed=seed, evals_per_epoch=2, **kw)


def test_training_is_reproducible_per_seed(data):
    for kind in mnist.MODEL_KINDS:
        a, b = train.train_model(_small(kind), data), train.train_model(_small(kind), data)
        c = train.train_model(_small(kind, seed=1), data)
        assert [r["loss"] for r in a.steps] == [r["loss"] for r in b.steps]
        assert [r["loss"] for r in a.steps] != [r["loss"] for r in c.steps]
        assert a.evals and a.evals[-1]["images"] == 200 and not a.model.training


def test_training_learns_and_reports_through_callbacks(data):
    steps, evals = [], []
    result = train.train_model(train.lesson_config("cnn", train_size=2000, epochs=1), data,
                           on_step=steps.append, on_eval=evals.append)
    assert len(steps) == 40 and steps == result.steps and evals == result.evals
    assert result.accuracy > 0.7  # from 10% (chance) to >70% on the held-out images after 2,000 images
    assert np.mean([r["loss"] for r in steps[-10:]]) < np.mean([r["loss"] for r in steps[:10]]) / 2


def test_training_stops_when_asked(data):
    calls = []
    result = train.train_model(_small("lstm"), data, should_stop=lambda: len(calls.append(1) or calls) > 3)
    assert result.stopped and len(result.steps) == 3 and result.evals  # evaluated where it stopped


def test_huge_learning_rate_is_reported_not_raised(data):
    result = train.train_model(_small("cnn", lr=1e6), data)
    assert result.diverged or (result.accuracy is not None and result.accuracy < 0.3)


def test_thickening_only_in_training():
    g = torch.Generator().manual_seed(0)
    wrapped = train.Thicken(nn.Identity(), 1.0, g)
    x = torch.zeros(8, 1, 28, 28)
    x[:, :, 14, 14] = 1.0
    assert torch.equal(wrapped.eval()(x), x)
    out = wrapped.train()(x)
    assert (out >= x).all() and out.sum() > x.sum()


def test_evaluation_is_consistent(shipped, data):
    models, _ = shipped
    ev = train.evaluate(models["lstm"], data.x_test, data.y_test)
    assert ev.confusion.sum() == len(data.y_test)
    assert np.trace(ev.confusion) / len(data.y_test) == pytest.approx(ev.accuracy)
    assert len(ev.misclassified) == len(data.y_test) - np.trace(ev.confusion)
    assert (ev.predicted[ev.misclassified] != data.y_test.numpy()[ev.misclassified]).all()


def test_tsne_embedding_is_deterministic(shipped, data):
    models, _ = shipped
    a = train.tsne_embedding(models["cnn"], data.x_test, seed=0, n=60)
    b = train.tsne_embedding(models["cnn"], data.x_test, seed=0, n=60)
    assert a.shape == (60, 2) and np.allclose(a, b)


# ---- charts ----------------------------------------------------------------------------------

AXIS = charts.Labels()


def test_charts_build(shipped, raw):
    models, _ = shipped
    image = raw.test_images[0].numpy() / 255.0
    charts.probability_chart(np.full(10, 0.1), "cnn", AXIS).to_dict()
    charts.lstm_rows_chart(mnist.lstm_row_probabilities(image, models["lstm"]), 5, AXIS).to_dict()
    charts.confusion_chart(np.eye(10, dtype=int), AXIS).to_dict()
    charts.tsne_chart(np.zeros((5, 2)), np.arange(5), AXIS).to_dict()
    loss, acc = charts.curves_frame(
        {"cnn": [{"images": 50, "loss": 2.3}, {"images": 100, "loss": float("nan")}]},
        {"cnn": [{"images": 100, "accuracy": 0.5}]})
    charts.loss_chart(loss, AXIS).to_dict()
    charts.accuracy_chart(acc, AXIS).to_dict()
    assert charts.marked_row(image, 3, 6).shape == (168, 168, 3)
    assert charts.feature_grid(mnist.cnn_feature_maps(image, models["cnn"])).dtype == np.uint8
