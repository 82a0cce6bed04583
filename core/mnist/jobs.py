"""What the MNIST page computes in the compute service (core.compute): evaluations, t-SNE and live
training. Each job reads MNIST from the folder it is given, once per worker process."""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
from torch import nn

from core.compute import Cancelled, report
from core.mnist.data import MNIST_DIR_ENV, load_mnist
from core.mnist.live import LiveConfig, LiveRun, start, train_live
from core.mnist.train import Evaluation, Tensors, as_tensors, evaluate, tsne_embedding


@functools.lru_cache(maxsize=2)
def tensors(folder: str) -> Tensors:
    """MNIST of `folder` (or the usual places when empty) as float tensors, once per process."""
    return as_tensors(load_mnist({MNIST_DIR_ENV: folder} if folder else None))


def evaluation(model: nn.Module, folder: str) -> Evaluation:
    """Held-out evaluation of `model`."""
    data = tensors(folder)
    return evaluate(model.eval(), data.x_test, data.y_test)


def tsne(model: nn.Module, seed: int, folder: str) -> tuple[np.ndarray, np.ndarray]:
    """(points (n, 2), their true digits (n,)): the t-SNE of the CNN `model`'s features."""
    data = tensors(folder)
    embedding = tsne_embedding(model.eval(), data.x_test, seed=seed)
    return embedding, data.y_test[:len(embedding)].numpy()


def curves(run: LiveRun) -> LiveRun:
    """What the page draws while `run` trains: the run without its models (light to send)."""
    return dataclasses.replace(run, models={}, steps={k: list(v) for k, v in run.steps.items()},
                               evals={k: list(v) for k, v in run.evals.items()})


def train(config: LiveConfig, folder: str) -> LiveRun:
    """A live run of `config`: its curves stream back (`report`) a few times a second; cancelled,
    it stops at the next report and returns what it learnt so far, marked stopped."""
    data = tensors(folder)
    run = start(config, len(data.x_train))
    try:
        train_live(run, data, lambda r: report(r.progress, curves(r)))
    except Cancelled:
        run.stop()
    return run
