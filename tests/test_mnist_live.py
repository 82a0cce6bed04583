"""The MNIST page's live training (core.mnist.live) and its verdicts: configs per model, progress,
a run cut short keeps what it learnt, divergence drops the model; the top class of a prediction."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch

from core.mnist import top_class
from core.mnist.data import load_mnist
from core.mnist.live import LiveConfig, start, train_live
from core.mnist.train import LESSON, TrainConfig, as_tensors, train_model


@pytest.fixture(scope="module")
def data():
    folder = os.environ.get("PLAYGROUND_MNIST_DIR")
    if not folder or not Path(folder).is_dir():
        pytest.skip("no MNIST folder: set PLAYGROUND_MNIST_DIR (CI uses ../shared/data/mnist)")
    return as_tensors(load_mnist())


def test_defaults_are_the_lesson_and_give_each_model_its_own_run():
    config = LiveConfig()
    assert config.kinds == ("cnn", "lstm")
    for kind in config.kinds:
        run = config.train_config(kind, available=60000)
        assert (run.lr, run.batch_size) == (LESSON[kind]["lr"], LESSON[kind]["batch_size"])
        assert (run.epochs, run.train_size, run.seed) == (1, 8000, 0)
        assert run.bf16 == (kind == "cnn")
        assert run == TrainConfig(kind=kind, lr=run.lr, batch_size=run.batch_size, bf16=run.bf16)
    one = LiveConfig(which="lstm", epochs=3, lstm_lr=0.02, lstm_batch=32, train_size=20000, seed=4)
    assert one.kinds == ("lstm",)
    run = one.train_config("lstm", available=8000)
    assert (run.epochs, run.lr, run.batch_size, run.train_size, run.seed) == (3, 0.02, 32, 8000, 4)


def test_progress_counts_every_model():
    run = start(LiveConfig(cnn_batch=50, lstm_batch=64, train_size=1000, epochs=2), available=8000)
    assert run.status == "running" and set(run.models) == {"cnn", "lstm"}
    assert run.total_steps == 20 * 2 + 16 * 2  # ceil(1000 / 64) = 16
    assert run.done == 0 and run.progress == 0.0 and run.x_max == 2000
    assert run.trained() == {} and run.accuracy("cnn") is None and run.images("cnn") == 0


def test_a_finished_run_matches_training_each_model_alone(data):
    config = LiveConfig(train_size=300, seed=2)
    seen = []
    run = train_live(start(config, len(data.x_train)), data, seen.append, every=0.0)
    assert run.status == "finished" and not run.stop() and run.seconds > 0
    assert run.done == run.total_steps == len(seen) and run.progress == 1.0
    for kind in ("cnn", "lstm"):
        alone = train_model(config.train_config(kind, len(data.x_train)), data)
        assert [r["loss"] for r in run.steps[kind]] == pytest.approx([r["loss"] for r in alone.steps])
        assert run.accuracy(kind) == pytest.approx(alone.accuracy) and run.images(kind) == 300
    assert set(run.trained()) == {"cnn", "lstm"}
    assert not any(m.training for m in run.trained().values())


class Interrupt(BaseException):
    """What Streamlit raises in the script when a click reruns it."""


def test_a_run_cut_short_keeps_what_it_learnt(data):
    run = start(LiveConfig(which="cnn", train_size=2000), len(data.x_train))
    before = {k: v.clone() for k, v in run.models["cnn"].state_dict().items()}

    def click(live):
        if live.done >= 5:
            raise Interrupt

    with pytest.raises(Interrupt):
        train_live(run, data, click, every=0.0)
    assert run.status == "running" and run.done == 5
    assert run.stop() and run.status == "stopped" and not run.stop()
    kept = run.trained()
    assert set(kept) == {"cnn"} and not kept["cnn"].training and run.images("cnn") == 250
    assert any(not torch.equal(before[k], v) for k, v in kept["cnn"].state_dict().items())


def test_a_diverged_model_is_dropped_and_named(data):
    run = train_live(start(LiveConfig(which="cnn", cnn_lr=1e6, train_size=500), len(data.x_train)), data)
    if run.diverged:  # otherwise it learnt nothing, which the accuracy says (tests/test_mnist.py)
        assert run.diverged == ("cnn",) and run.trained() == {} and "cnn" not in run.models


def test_redraws_are_throttled(data):
    seen = []
    run = train_live(start(LiveConfig(which="lstm", train_size=640), len(data.x_train)), data, seen.append,
                     every=3600.0)
    assert run.done == 10 and len(seen) == 1  # the first step only


def test_top_class():
    assert top_class(np.array([0.1, 0.6, 0.3])) == (1, pytest.approx(0.6))
    assert top_class(np.array([0.5, 0.5])) == (0, 0.5)
