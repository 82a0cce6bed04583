"""What the MNIST page shares between sessions: the shipped models, MNIST itself, and the
evaluations and t-SNE embeddings of a model's weights (cached by their digest); and which data
they are, in the reader's language."""

from __future__ import annotations

import os

import numpy as np
import streamlit as st
from torch import nn

from core.mnist import ShippedMeta, jobs, load_shipped, weights_digest
from core.mnist.data import MNIST_DIR_ENV, MnistData, MnistUnavailable, load_mnist
from core.mnist.train import Evaluation, Tensors, as_tensors
from ui.i18n import tr
from ui.lesson import submit, wait_for

FULL_TRAIN = 60000  # MNIST's training images: the most a live run can ask for


@st.cache_resource(show_spinner=False)
def shipped() -> tuple[dict[str, nn.Module], ShippedMeta]:
    """The shipped eval-mode models (inference only, shared by every session) and their metadata."""
    return load_shipped()


def _folder() -> str:
    return os.environ.get(MNIST_DIR_ENV, "")


@st.cache_resource(show_spinner=False)
def _mnist(folder: str) -> tuple[MnistData | None, str | None]:
    try:
        return load_mnist(), None
    except MnistUnavailable as exc:
        return None, str(exc)


def mnist() -> tuple[MnistData | None, str | None]:
    """MNIST (uint8, read-only, one copy shared by every session) or the reason it is unavailable
    (cached either way: no retry on every rerun)."""
    return _mnist(_folder())


@st.cache_resource(show_spinner=False)
def _tensors(folder: str) -> Tensors:
    data, _ = _mnist(folder)
    return as_tensors(data)


def tensors() -> Tensors:
    """MNIST as float tensors, once per process (read-only); only when `mnist()` has data."""
    return _tensors(_folder())


def folder() -> str:
    """Where MNIST is read from (the compute service's jobs read it there too)."""
    return _folder()


def training_images(data: MnistData | None) -> int:
    """How many training images a live run can use (all of MNIST's while none is loaded)."""
    return FULL_TRAIN if data is None else len(data.train_images)


def evaluation(model: nn.Module) -> Evaluation:
    """Held-out evaluation of `model`, computed once for its weights (in the compute service)."""
    job = submit(jobs.evaluation, model, _folder(), key=(weights_digest(model), _folder()),
                 waiting=tr("mnist.eval.running"))
    return wait_for(job, tr("mnist.eval.running"))


def tsne(model: nn.Module, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(points (n, 2), their true digits (n,)): the t-SNE of the CNN `model`'s features, once per
    weights and seed (in the compute service)."""
    job = submit(jobs.tsne, model, seed, _folder(), key=(weights_digest(model), seed, _folder()),
                 waiting=tr("mnist.tsne.running"))
    return wait_for(job, tr("mnist.tsne.running"))


# ---- which data, in the reader's language (core's descriptions are English) -------------------

def data_text(source: str, n_train: int, n_test: int, fallback: str) -> str:
    """MNIST of `source` with these counts, or `fallback` for any other source."""
    if source in ("mnist-test-split", "mnist-full"):
        return tr(f"mnist.data.{source}", train=n_train, test=n_test)
    return fallback


def describe(data: MnistData) -> str:
    """The loaded MNIST, in words."""
    return data_text(data.source, len(data.train_images), len(data.test_images), data.description)


def shipped_data(meta: ShippedMeta) -> str:
    """The data the shipped weights were trained on, in words."""
    info = meta.per_model["cnn"]
    return data_text(meta.source, info["train_images"], info["heldout_images"], meta.data)
