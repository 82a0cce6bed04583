"""MNIST page: draw a digit; a CNN and a row-by-row LSTM predict side by side; train, evaluate, save."""

from __future__ import annotations

import numpy as np
import streamlit as st
from torch import nn

from core.mnist import (
    MAX_WEIGHTS_BYTES,
    MODEL_KINDS,
    cnn_feature_maps,
    jobs,
    load_weights,
    lstm_row_probabilities,
    probabilities,
    top_class,
    weights_digest,
)
from core.mnist.data import MnistData
from core.mnist.live import LiveConfig, LiveRun
from core.mnist.train import bf16_supported
from core.weights import WeightsError, save_weights
from pages.mnist import resources, session
from pages.mnist.charts import (
    Labels,
    accuracy_chart,
    confusion_chart,
    curves_frame,
    digit_tiles,
    feature_grid,
    loss_chart,
    lstm_rows_chart,
    marked_row,
    probability_chart,
    tsne_chart,
    upscale,
)
from pages.mnist.controls import CONTROLS, TRAIN_SIZE
from ui.canvas import canvas_row, draw_digit
from ui.charts import chart
from ui.export import note_run
from ui.i18n import tr
from ui.lesson import submit, wait_for
from ui.sidebar import run_seed
from ui.theme import chart_labels

MISTAKES_SHOWN = 24
SEEN_WIDTH = 176  # px: "what the models see", the digit at 6x


# ---- sections ----------------------------------------------------------------------------------

def _draw_and_predict(models: dict[str, nn.Module], origin: dict[str, str],
                      labels: Labels) -> np.ndarray | None:
    left, rest = canvas_row()
    with left:
        image = draw_digit("mnist.canvas", tr("mnist.draw_help"))
    beside = rest.container(horizontal=True, gap="medium")  # the prediction goes below where narrow
    mid, right = beside.container(width=SEEN_WIDTH), beside.container(width="stretch")
    with mid:
        st.markdown(f"**{tr('mnist.sees')}**")
        if image is not None:
            st.image(upscale(image, 6), width=168)
            st.caption(tr("mnist.sees_help"))
    with right:
        if image is None:
            st.info(tr("mnist.prompt"), icon="✍️")
            return None
        for col, (kind, p) in zip(st.columns(2), probabilities(image, models).items()):
            with col:
                digit, share = top_class(p)
                st.metric(tr(f"mnist.model.{kind}"), tr("mnist.top", digit=digit),
                          tr("mnist.conf", p=share * 100), delta_color="off", delta_arrow="off")
                chart(("mnist.probs", kind, p.tobytes()),
                      lambda p=p, kind=kind: probability_chart(p, kind, labels))
                st.caption(origin[kind])
    return image


def _how_they_read(image: np.ndarray | None, models: dict[str, nn.Module], labels: Labels) -> None:
    st.markdown(tr("mnist.words"))
    if image is None:
        st.info(tr("mnist.read_prompt"))
        return
    lstm_col, cnn_col = st.columns(2)
    with lstm_col:
        st.markdown(f"**{tr('mnist.read.lstm')}**")
        row = CONTROLS.draw("mnist.row") - 1  # 0-based index
        rows = lstm_row_probabilities(image, models["lstm"])
        digit, share = top_class(rows[row])
        a, b = st.columns([1, 2.2])
        a.image(marked_row(image, row, 6), width=168)
        a.caption(tr("mnist.row_now", row=row + 1, digit=digit, p=share * 100))
        chart(("mnist.rows", rows.tobytes(), row), lambda: lstm_rows_chart(rows, row, labels), b)
    with cnn_col:
        st.markdown(f"**{tr('mnist.read.cnn')}**")
        st.image(feature_grid(cnn_feature_maps(image, models["cnn"])), width=420)
        st.caption(tr("mnist.maps_help"))


def _shipped_how() -> None:
    _, meta = resources.shipped()
    for kind in MODEL_KINDS:
        info = meta.per_model[kind]
        st.caption(tr("mnist.shipped_how", model=tr(f"mnist.model.{kind}"), epochs=info["epochs"],
                      lr=info["lr"], batch=info["batch_size"], decay=info.get("decay_last_epochs", 0),
                      share=info.get("thicken_share", 0) * 100, seconds=info["seconds"],
                      acc=info["heldout_accuracy"] * 100, data=resources.shipped_data(meta), seed=meta.seed))


def _train_controls(data: MnistData | None) -> None:
    c1, c2, c3 = st.columns(3)
    CONTROLS.draw("mnist.which", c1)
    CONTROLS.draw("mnist.epochs", c1)
    CONTROLS.draw(TRAIN_SIZE, c1, text={"n": resources.training_images(data)})  # "(of 8,000)"
    for col, kind in ((c2, "cnn"), (c3, "lstm")):
        col.markdown(f"**{tr(f'mnist.model.{kind}')}**")
        CONTROLS.draw(f"mnist.{kind}_lr", col)
        CONTROLS.draw(f"mnist.{kind}_batch", col)


def _train_live(data: MnistData | None, error: str | None, labels: Labels) -> None:
    st.markdown(tr("mnist.train.intro"))
    _shipped_how()
    if data is None:
        st.warning(tr("mnist.train.unavailable", error=error), icon="📵")
    _train_controls(data)
    b1, b2, b3 = st.columns([1, 1, 2])
    started = b1.button(tr("mnist.train.start"), key="mnist.train.start", type="primary",
                        disabled=data is None)
    b2.button(tr("mnist.train.stop"), key="mnist.train.stop")  # a click reruns the page: the run stops
    if b3.button(tr("mnist.restore"), key="mnist.restore", disabled=not session.has_own()):
        session.restore()
        st.toast(tr("mnist.restored"))
        st.rerun()
    if bf16_supported():
        st.caption(tr("mnist.train.bf16"))
    progress = st.empty()
    left, right = st.columns(2)
    boxes = left.empty(), right.empty()
    if started and data is not None:
        _run_live(progress, boxes, labels)
    run = session.live()
    if run is not None and run.status != "running":
        _show_curves(run, boxes, labels)
        message = tr(f"mnist.train.{run.status}", seconds=run.seconds)
        for kind in run.diverged:
            message += " " + tr("mnist.train.diverged", model=tr(f"mnist.model.{kind}"))
        progress.info(message)
    # the export and code panels: the last live run, or the code of the settings above
    config = CONTROLS.config(LiveConfig, seed=run_seed())
    note_run("mnist.train", run.config if run is not None else config, run)


def _show_curves(run: LiveRun, boxes: tuple, labels: Labels) -> None:
    """The loss and accuracy curves of `run` so far, into the two placeholders."""
    key = (run.id, run.counts)
    loss_box, acc_box = boxes
    final = run.status != "running"  # redraws during training are seen once: not kept in the shared cache
    if run.done:
        chart(("mnist.loss", key), lambda: loss_chart(_curves(run)[0], labels, run.x_max), loss_box,
              cache=final)
    if any(run.evals.values()):
        chart(("mnist.accuracy", key), lambda: accuracy_chart(_curves(run)[1], labels, run.x_max), acc_box,
              cache=final)


def _curves(run: LiveRun) -> tuple:
    return curves_frame(run.steps, run.evals)


def _run_live(progress, boxes: tuple, labels: Labels) -> None:
    """Real training, in the compute service: the curves stream back and the placeholders are
    redrawn as they come; a click meanwhile interrupts this wait, and the next run stops the job
    and adopts what it learnt."""
    job = submit(jobs.train, CONTROLS.config(LiveConfig, seed=run_seed()), resources.folder(),
                 cache=False, background=True, waiting=tr("mnist.train.waiting"))
    session.begin(job)
    bar = progress.progress(0.0, text=tr("mnist.train.waiting"))
    seen = -1
    while not job.done:
        job.wait(1.0, since=seen)
        seen, run = job.updates, job.info
        if run is not None:
            bar.progress(run.progress, text=tr("mnist.train.progress", done=run.done, total=run.total_steps))
            _show_curves(run, boxes, labels)
    session.finish(wait_for(job, tr("mnist.train.waiting")))
    st.rerun()  # redraw the page with the new models


def _mistakes(data: MnistData, predicted: np.ndarray, wrong: np.ndarray) -> None:
    shown = wrong[:MISTAKES_SHOWN]
    if len(shown):
        st.markdown(tr("mnist.eval.mistakes", n=len(shown)))
        truth = data.test_labels.numpy()
        st.image(digit_tiles(data.test_images[shown].numpy()), width=56,
                 caption=[f"{truth[i]}→{predicted[i]}" for i in shown])


def _evaluate_section(models: dict[str, nn.Module], data: MnistData | None, error: str | None,
                      labels: Labels) -> None:
    if data is None:
        st.warning(tr("mnist.eval.unavailable", error=error), icon="📵")
        return
    st.caption(tr("mnist.eval.data", data=resources.describe(data)))
    for col, kind in zip(st.columns(2), MODEL_KINDS):
        with col:
            ev = resources.evaluation(models[kind])
            st.metric(tr("mnist.eval.acc", model=tr(f"mnist.model.{kind}")), f"{ev.accuracy * 100:.2f}%",
                      tr("mnist.eval.wrong", n=len(ev.misclassified), total=len(ev.predicted)),
                      delta_color="off", delta_arrow="off")
            chart(("mnist.confusion", ev.confusion.tobytes()),
                  lambda ev=ev: confusion_chart(ev.confusion, labels))
            _mistakes(data, ev.predicted, ev.misclassified)
    st.markdown(f"**{tr('mnist.tsne.title')}**")
    st.caption(tr("mnist.tsne.help"))
    cnn, seed = models["cnn"], run_seed()
    key = (weights_digest(cnn), seed)
    if st.button(tr("mnist.tsne.button"), key="mnist.tsne.button"):
        with st.spinner(tr("mnist.tsne.running")):
            resources.tsne(cnn, seed)
        session.ask_tsne(key)
    if session.tsne_asked(key):
        points, digits = resources.tsne(cnn, seed)
        chart(("mnist.tsne", *key, data.description), lambda: tsne_chart(points, digits, labels))


def _save_and_load(models: dict[str, nn.Module], origin: dict[str, str]) -> None:
    st.caption(tr("mnist.io.help", mb=MAX_WEIGHTS_BYTES / 1e6))
    for col, kind in zip(st.columns(2), MODEL_KINDS):
        with col:
            name = tr(f"mnist.model.{kind}")
            st.markdown(f"**{name}**: {origin[kind]}")
            st.download_button(tr("mnist.io.download", model=name), save_weights(models[kind]),
                               file_name=f"mnist_{kind}.pt", mime="application/octet-stream",
                               key=f"mnist.download.{kind}", on_click="ignore")
            upload = st.file_uploader(tr("mnist.io.upload", model=name), type=["pt", "pth"],
                                      key=f"mnist.upload.{kind}",
                                      max_upload_size=MAX_WEIGHTS_BYTES // 2**20)  # MB, shown in the label
            if upload is None or not session.is_new_upload(kind, upload):
                continue
            try:
                model = load_weights(kind, upload.getvalue())
            except WeightsError as exc:
                st.error(tr("mnist.io.bad", model=name, error=str(exc)), icon="🚫")
                continue
            session.keep_upload(kind, upload, model)
            st.success(tr("mnist.io.loaded", model=name, file=upload.name))
            st.rerun()


def render() -> None:
    session.adopt_interrupted()
    models, origin = session.models()
    labels = chart_labels(Labels, "mnist.axis")
    image = _draw_and_predict(models, origin, labels)
    # only the open tab runs: a stroke on the canvas reruns no evaluation or chart it does not show
    names = {code: tr(f"mnist.tab.{code}") for code in ("read", "train", "eval", "io")}
    tabs = dict(zip(names, st.tabs(list(names.values()), key="mnist.tab", on_change="rerun")))
    with tabs["read"]:
        if tabs["read"].open:
            _how_they_read(image, models, labels)
    with tabs["train"]:
        if tabs["train"].open:  # MNIST is read only when a tab needs it: the page opens faster
            _train_live(*resources.mnist(), labels)
    with tabs["eval"]:
        if tabs["eval"].open:
            _evaluate_section(models, *resources.mnist(), labels)
    with tabs["io"]:
        if tabs["io"].open:
            _save_and_load(models, origin)


render()
