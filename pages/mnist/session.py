"""This session's MNIST models: the shipped ones until it trains or uploads its own; its live run,
its uploads and the t-SNE it asked for. Other sessions never see them."""

from __future__ import annotations

from typing import Any

import streamlit as st
from torch import nn

from core.compute import DONE, Job
from core.mnist import MODEL_KINDS
from core.mnist.live import LiveRun
from pages.mnist import resources
from ui.i18n import tr

MODELS_KEY = "mnist.session_models"  # {kind: (model, origin)} for models replacing the shipped ones
LIVE_KEY = "mnist.live"  # the session's latest finished or stopped LiveRun
JOB_KEY = "mnist.live_job"  # the session's live training job while it runs
UPLOADED_KEY = "mnist.uploaded"  # {kind: stamp of the last upload loaded}
TSNE_KEY = "mnist.tsne_for"  # (weights digest, seed) of the t-SNE asked for

STOP_WAIT_S = 30  # a stopped run ends at its next progress report (a fraction of a second)
Origin = tuple[str, dict[str, Any]]  # a text key and its values: translated when shown


def _own() -> dict[str, tuple[nn.Module, Origin]]:
    return st.session_state.setdefault(MODELS_KEY, {})


def models() -> tuple[dict[str, nn.Module], dict[str, str]]:
    """Each kind's current model and a line saying where it comes from."""
    shipped, meta = resources.shipped()
    own = st.session_state.get(MODELS_KEY, {})
    current, origin = {}, {}
    for kind in MODEL_KINDS:
        if kind in own:
            current[kind], (key, values) = own[kind]
            origin[kind] = tr(key, **values)
        else:
            info = meta.per_model[kind]
            current[kind] = shipped[kind]
            origin[kind] = tr("mnist.origin.shipped", acc=info["heldout_accuracy"] * 100,
                              data=resources.shipped_data(meta), epochs=info["epochs"])
    return current, origin


def has_own() -> bool:
    """Whether this session replaced a shipped model."""
    return bool(st.session_state.get(MODELS_KEY))


def restore() -> None:
    """Back to the shipped models."""
    st.session_state.pop(MODELS_KEY, None)
    st.session_state.pop(LIVE_KEY, None)


def live() -> LiveRun | None:
    """The session's latest finished or stopped live run."""
    return st.session_state.get(LIVE_KEY)


def begin(job: Job) -> None:
    """Keep the training job before the page waits for it: a click that cuts the wait short
    leaves it here."""
    st.session_state[JOB_KEY] = job


def finish(run: LiveRun) -> None:
    """The live run ended: keep it and adopt its models."""
    st.session_state.pop(JOB_KEY, None)
    st.session_state[LIVE_KEY] = run
    adopt(run)


def adopt_interrupted() -> None:
    """A live run cut short by a click (the Stop button or any other widget) stops in its worker
    and keeps what it learnt."""
    job = st.session_state.pop(JOB_KEY, None)
    if job is None:
        return
    if not job.done:
        job.cancel()
        job.wait(STOP_WAIT_S)
    if job.state == DONE:
        run = job.result()
        run.stop()
        finish(run)


def adopt(run: LiveRun) -> None:
    """The run's trained models replace this session's current ones."""
    data, _ = resources.mnist()
    described = resources.describe(data) if data is not None else ""
    for kind, model in run.trained().items():
        acc = run.accuracy(kind)
        shown = "?" if acc is None else f"{acc * 100:.1f}"
        _own()[kind] = (model, ("mnist.origin.trained",
                                {"images": run.images(kind), "acc": shown, "data": described}))


def _stamp(upload: Any) -> tuple:
    return upload.name, upload.size, getattr(upload, "file_id", "")


def is_new_upload(kind: str, upload: Any) -> bool:
    """Whether `upload` is not the file already loaded for `kind`."""
    return st.session_state.get(UPLOADED_KEY, {}).get(kind) != _stamp(upload)


def keep_upload(kind: str, upload: Any, model: nn.Module) -> None:
    """The uploaded `model` replaces this session's `kind`."""
    st.session_state.setdefault(UPLOADED_KEY, {})[kind] = _stamp(upload)
    _own()[kind] = (model, ("mnist.origin.uploaded", {"file": upload.name}))


def ask_tsne(key: tuple) -> None:
    """Remember that the t-SNE of `key` (weights digest, seed) was asked for."""
    st.session_state[TSNE_KEY] = key


def tsne_asked(key: tuple) -> bool:
    """Whether the t-SNE of `key` was asked for (a new model or seed asks again)."""
    return st.session_state.get(TSNE_KEY) == key
