"""MNIST page: draw a digit; a CNN and a row-by-row LSTM predict side by side; train, evaluate, save."""

from __future__ import annotations

import os
import time

import numpy as np
import streamlit as st
import torch

from core import mnist as M
from core.mnist import train as T
from core.mnist.data import MNIST_DIR_ENV, MnistData, MnistUnavailable, load_mnist
from pages.mnist import charts as C
from ui.i18n import labels, tr
from ui.params import ChoiceParam, FloatParam, IntParam
from ui.sidebar import run_seed
from ui.urlstate import seed_from_url, write_to_url

KINDS = M.MODEL_KINDS
PARAMS = {
    "mnist.which": ChoiceParam("both", ("both", "cnn", "lstm")),
    "mnist.epochs": IntParam(1, 1, 20),
    "mnist.cnn_lr": FloatParam(0.001, 1e-5, 1.0),
    "mnist.lstm_lr": FloatParam(0.01, 1e-5, 1.0),
    "mnist.cnn_batch": IntParam(50, 8, 1000),
    "mnist.lstm_batch": IntParam(64, 8, 1000),
    "mnist.train_size": IntParam(8000, 500, 60000),
    "mnist.row": IntParam(28, 1, 28),  # rows read so far
}
MODELS_KEY = "mnist.session_models"  # {kind: (model, origin text)} for models replacing the shipped ones
LIVE_KEY = "mnist.live"  # the live run: {"status", "models", "steps", "evals", "config"}
TSNE_KEY = "mnist.tsne_for"
STROKE = 22  # canvas brush width in px (on 280 px, about MNIST's stroke width for a digit filling it)


# ---- cached resources --------------------------------------------------------------------------

@st.cache_resource(show_spinner=False)
def _shipped() -> tuple[dict[str, torch.nn.Module], M.ShippedMeta]:
    """The shipped eval-mode models (inference only, shared by every session) and their metadata."""
    return M.load_shipped()


@st.cache_resource(show_spinner=False)
def _mnist(folder: str) -> tuple[MnistData | None, str | None]:
    """MNIST (uint8, read-only, one copy shared by every session) or the reason it is unavailable
    (cached either way: no retry on every rerun)."""
    try:
        return load_mnist(), None
    except MnistUnavailable as exc:
        return None, str(exc)


@st.cache_resource(show_spinner=False)
def _tensors(description: str) -> T.Tensors:
    """MNIST as float tensors, once per process (read-only)."""
    data, _ = _mnist(os.environ.get(MNIST_DIR_ENV, ""))
    return T.as_tensors(data)


@st.cache_data(show_spinner=False, max_entries=32)
def _evaluate(digest: str, kind: str, description: str, _model: torch.nn.Module) -> T.Evaluation:
    """Held-out evaluation of the model with these weights (keyed on their digest)."""
    data = _tensors(description)
    return T.evaluate(_model, data.x_test, data.y_test)


@st.cache_data(show_spinner=False, max_entries=8)
def _tsne(digest: str, seed: int, description: str, _model: torch.nn.Module) -> np.ndarray:
    data = _tensors(description)
    return T.tsne_embedding(_model, data.x_test, seed=seed)


def _data_text(source: str, n_train: int, n_test: int, fallback: str) -> str:
    """Which data, in the reader's language (core's description is English)."""
    if source in ("mnist-test-split", "mnist-full"):
        return tr(f"mnist.data.{source}", train=n_train, test=n_test)
    return fallback


def _describe(data: MnistData) -> str:
    return _data_text(data.source, len(data.train_images), len(data.test_images), data.description)


def _shipped_data(meta: M.ShippedMeta) -> str:
    info = meta.per_model["cnn"]
    return _data_text(meta.source, info["train_images"], info["heldout_images"], meta.data)


def _axis() -> dict[str, str]:
    keys = ("digit", "probability", "images", "loss", "accuracy", "loss_title", "accuracy_title",
            "rows_read", "predicted", "true", "errors")
    return {k: tr(f"mnist.axis.{k}") for k in keys}


# ---- which models this session uses ------------------------------------------------------------

def _models() -> tuple[dict[str, torch.nn.Module], dict[str, str]]:
    """Each kind's current model and a line saying where it comes from."""
    shipped, meta = _shipped()
    own = st.session_state.get(MODELS_KEY, {})
    models, origin = {}, {}
    for kind in KINDS:
        if kind in own:
            models[kind], origin[kind] = own[kind]
        else:
            info = meta.per_model[kind]
            models[kind] = shipped[kind]
            origin[kind] = tr("mnist.origin.shipped", acc=info["heldout_accuracy"] * 100,
                              data=_shipped_data(meta), epochs=info["epochs"])
    return models, origin


def _adopt_interrupted_run() -> None:
    """A live run cut short by a click (the stop button or any other widget) keeps what it learnt."""
    live = st.session_state.get(LIVE_KEY)
    if live and live["status"] == "running":
        live["status"] = "stopped"
        _adopt(live)


def _adopt(live: dict) -> None:
    own = st.session_state.setdefault(MODELS_KEY, {})
    for kind, model in live["models"].items():
        if live["steps"][kind]:
            model.eval()
            evals = live["evals"][kind]
            acc = f"{evals[-1]['accuracy'] * 100:.1f}" if evals else "?"
            own[kind] = (model, tr("mnist.origin.trained", images=live["steps"][kind][-1]["images"],
                                   acc=acc, data=live["data"]))


# ---- sections ----------------------------------------------------------------------------------

def _draw_and_predict(models: dict, origin: dict) -> np.ndarray | None:
    from streamlit_drawable_canvas import st_canvas  # only inside a Streamlit run

    st.space("medium")  # room for the canvas toolbar, which floats above the canvas
    left, mid, right = st.columns([1.1, 0.8, 2.4])
    with left:
        canvas = st_canvas(stroke_width=STROKE, stroke_color="#FFFFFF", background_color="#000000",
                           height=280, width=280, drawing_mode="freedraw", return_image_data=True,
                           update_streamlit=True, key="mnist.canvas")
        st.caption(tr("mnist.draw_help"))
    image = None if canvas is None or canvas.image_data is None else M.preprocess(canvas.image_data)
    with mid:
        st.markdown(f"**{tr('mnist.sees')}**")
        if image is not None:
            st.image(C.upscale(image, 6), width=168)
            st.caption(tr("mnist.sees_help"))
    with right:
        if image is None:
            st.info(tr("mnist.prompt"), icon="✍️")
            return None
        probs = M.probabilities(image, models)
        for col, kind in zip(st.columns(2), KINDS):
            with col:
                p = probs[kind]
                top = int(p.argmax())
                st.metric(tr(f"mnist.model.{kind}"), tr("mnist.top", digit=top),
                          tr("mnist.conf", p=p[top] * 100), delta_color="off", delta_arrow="off")
                st.altair_chart(C.probability_chart(p, kind, _axis()), width="stretch")
                st.caption(origin[kind])
    return image


def _how_they_read(image: np.ndarray | None, models: dict) -> None:
    st.markdown(tr("mnist.words"))
    if image is None:
        st.info(tr("mnist.read_prompt"))
        return
    lstm_col, cnn_col = st.columns(2)
    with lstm_col:
        st.markdown(f"**{tr('mnist.read.lstm')}**")
        row = st.slider(tr("mnist.row"), 1, 28, key="mnist.row", format="%d") - 1  # 0-based index
        rows = M.lstm_row_probabilities(image, models["lstm"])
        a, b = st.columns([1, 2.2])
        a.image(C.marked_row(image, row, 6), width=168)
        a.caption(tr("mnist.row_now", row=row + 1, digit=int(rows[row].argmax()), p=rows[row].max() * 100))
        b.altair_chart(C.lstm_rows_chart(rows, row, _axis()), width="stretch")
    with cnn_col:
        st.markdown(f"**{tr('mnist.read.cnn')}**")
        st.image(C.feature_grid(M.cnn_feature_maps(image, models["cnn"])), width=420)
        st.caption(tr("mnist.maps_help"))


def _train_live(data: MnistData | None, error: str | None) -> None:
    st.markdown(tr("mnist.train.intro"))
    _, meta = _shipped()
    for kind in KINDS:
        info = meta.per_model[kind]
        st.caption(tr("mnist.shipped_how", model=tr(f"mnist.model.{kind}"), epochs=info["epochs"],
                      lr=info["lr"], batch=info["batch_size"], decay=info.get("decay_last_epochs", 0),
                      share=info.get("thicken_share", 0) * 100, seconds=info["seconds"],
                      acc=info["heldout_accuracy"] * 100, data=_shipped_data(meta), seed=meta.seed))
    if data is None:
        st.warning(tr("mnist.train.unavailable", error=error), icon="📵")
    c1, c2, c3 = st.columns(3)
    c1.radio(tr("mnist.which"), ["both", "cnn", "lstm"], format_func=labels("mnist.which."),
             key="mnist.which", horizontal=True, persist_state="session")
    c1.number_input(tr("mnist.epochs"), min_value=1, max_value=20, step=1, key="mnist.epochs",
                    persist_state="session")
    n_train = len(data.train_images) if data is not None else 60000
    c1.number_input(tr("mnist.train_size", n=n_train), min_value=500, max_value=60000, step=500,
                    key="mnist.train_size", persist_state="session")
    for col, kind in ((c2, "cnn"), (c3, "lstm")):
        col.markdown(f"**{tr(f'mnist.model.{kind}')}**")
        col.number_input(tr("mnist.lr"), min_value=1e-5, max_value=1.0, format="%.5f", step=0.0005,
                         key=f"mnist.{kind}_lr", persist_state="session")
        col.number_input(tr("mnist.batch"), min_value=8, max_value=1000, step=1, key=f"mnist.{kind}_batch",
                         persist_state="session")
    b1, b2, b3 = st.columns([1, 1, 2])
    start = b1.button(tr("mnist.train.start"), key="mnist.train.start", type="primary", disabled=data is None)
    b2.button(tr("mnist.train.stop"), key="mnist.train.stop")  # a click reruns the page: the loop stops
    if b3.button(tr("mnist.restore"), key="mnist.restore", disabled=not st.session_state.get(MODELS_KEY)):
        st.session_state.pop(MODELS_KEY, None)
        st.session_state.pop(LIVE_KEY, None)
        st.toast(tr("mnist.restored"))
        st.rerun()
    if T.bf16_supported():
        st.caption(tr("mnist.train.bf16"))
    progress = st.empty()
    charts = st.columns(2)
    loss_box, acc_box = charts[0].empty(), charts[1].empty()
    if start and data is not None:
        _run_live(data, progress, loss_box, acc_box)
    live = st.session_state.get(LIVE_KEY)
    if live and live["status"] != "running":
        _show_curves(live, loss_box, acc_box)
        message = tr(f"mnist.train.{live['status']}", seconds=live.get("seconds", 0.0))
        for kind, why in live.get("problems", {}).items():
            message += " " + tr(f"mnist.train.{why}", model=tr(f"mnist.model.{kind}"))
        progress.info(message)


def _show_curves(live: dict, loss_box, acc_box) -> None:
    loss, acc = C.curves_frame(live["steps"], live["evals"])
    if len(loss):
        loss_box.altair_chart(C.loss_chart(loss, _axis(), live["x_max"]), width="stretch", height=340)
    if len(acc):
        acc_box.altair_chart(C.accuracy_chart(acc, _axis(), live["x_max"]), width="stretch", height=340)


def _run_live(data: MnistData, progress, loss_box, acc_box) -> None:
    """Real training, in this script run: placeholders redrawn a few times a second."""
    s = st.session_state
    kinds = list(KINDS) if s["mnist.which"] == "both" else [s["mnist.which"]]
    tensors = _tensors(data.description)
    configs = {k: T.TrainConfig(kind=k, epochs=int(s["mnist.epochs"]), lr=float(s[f"mnist.{k}_lr"]),
                              batch_size=int(s[f"mnist.{k}_batch"]), seed=run_seed(),
                              train_size=min(int(s["mnist.train_size"]), len(tensors.x_train)),
                                bf16=k == "cnn")
               for k in kinds}
    live = {"status": "running", "models": {k: T.new_model(c) for k, c in configs.items()},
            "steps": {k: [] for k in kinds}, "evals": {k: [] for k in kinds}, "problems": {},
            "data": _describe(data), "x_max": max(c.train_size * c.epochs for c in configs.values())}
    s[LIVE_KEY] = live
    total = sum(-(-c.train_size // c.batch_size) * c.epochs for c in configs.values())
    done, last_draw, t0 = 0, 0.0, time.perf_counter()
    bar = progress.progress(0.0, text=tr("mnist.train.progress", done=0, total=total))

    def on_step(row: dict, kind: str) -> None:
        nonlocal done, last_draw
        done += 1
        live["steps"][kind].append(row)
        now = time.perf_counter()
        if now - last_draw > 0.4:  # every Streamlit call is also where a click interrupts the run
            last_draw = now
            bar.progress(min(done / total, 1.0), text=tr("mnist.train.progress", done=done, total=total))
            _show_curves(live, loss_box, acc_box)

    for kind in kinds:
        result = T.train_model(configs[kind], tensors, model=live["models"][kind],
                             on_step=lambda r, k=kind: on_step(r, k),
                             on_eval=lambda e, k=kind: live["evals"][k].append(e))
        live["steps"][kind] = result.steps
        live["evals"][kind] = result.evals
        if result.diverged:
            live["problems"][kind] = "diverged"
            live["models"][kind] = None
    live["models"] = {k: m for k, m in live["models"].items() if m is not None}
    live["status"] = "finished"
    live["seconds"] = time.perf_counter() - t0
    _adopt(live)
    st.rerun()  # redraw the page with the new models


def _evaluate_section(models: dict, data: MnistData | None, error: str | None) -> None:
    if data is None:
        st.warning(tr("mnist.eval.unavailable", error=error), icon="📵")
        return
    st.caption(tr("mnist.eval.data", data=_describe(data)))
    digests = {k: M.weights_digest(models[k]) for k in KINDS}
    results = {k: _evaluate(digests[k], k, data.description, models[k]) for k in KINDS}
    for col, kind in zip(st.columns(2), KINDS):
        with col:
            ev = results[kind]
            st.metric(tr("mnist.eval.acc", model=tr(f"mnist.model.{kind}")), f"{ev.accuracy * 100:.2f}%",
                      tr("mnist.eval.wrong", n=len(ev.misclassified), total=len(ev.predicted)),
                      delta_color="off", delta_arrow="off")
            st.altair_chart(C.confusion_chart(ev.confusion, _axis()), width="stretch")
            shown = ev.misclassified[:24]
            if len(shown):
                st.markdown(tr("mnist.eval.mistakes", n=len(shown)))
                truth = data.test_labels.numpy()
                st.image(C.digit_tiles(data.test_images[shown].numpy()), width=56,
                         caption=[f"{truth[i]}→{ev.predicted[i]}" for i in shown])
    st.markdown(f"**{tr('mnist.tsne.title')}**")
    st.caption(tr("mnist.tsne.help"))
    seed = run_seed()
    key = (digests["cnn"], seed)
    if st.button(tr("mnist.tsne.button"), key="mnist.tsne.button"):
        with st.spinner(tr("mnist.tsne.running")):
            _tsne(digests["cnn"], seed, data.description, models["cnn"])
        st.session_state[TSNE_KEY] = key
    if st.session_state.get(TSNE_KEY) == key:
        emb = _tsne(digests["cnn"], seed, data.description, models["cnn"])
        labels = data.test_labels[:len(emb)].numpy()
        st.altair_chart(C.tsne_chart(emb, labels, _axis()), width="stretch")


def _save_and_load(models: dict, origin: dict) -> None:
    st.caption(tr("mnist.io.help", mb=M.MAX_WEIGHTS_BYTES / 1e6))
    for col, kind in zip(st.columns(2), KINDS):
        with col:
            name = tr(f"mnist.model.{kind}")
            st.markdown(f"**{name}**: {origin[kind]}")
            st.download_button(tr("mnist.io.download", model=name), M.save_weights(models[kind]),
                               file_name=f"mnist_{kind}.pt", mime="application/octet-stream",
                               key=f"mnist.download.{kind}", on_click="ignore")
            upload = st.file_uploader(tr("mnist.io.upload", model=name), type=["pt", "pth"],
                                      key=f"mnist.upload.{kind}",
                                      max_upload_size=M.MAX_WEIGHTS_BYTES // 2**20)  # MB, shown in the label
            if upload is None:
                continue
            stamp = (upload.name, upload.size, getattr(upload, "file_id", ""))
            done = st.session_state.setdefault("mnist.uploaded", {})
            if done.get(kind) == stamp:
                continue
            try:
                model = M.load_weights(kind, upload.getvalue())
            except M.WeightsError as exc:
                st.error(tr("mnist.io.bad", model=name, error=str(exc)), icon="🚫")
                continue
            done[kind] = stamp
            st.session_state.setdefault(MODELS_KEY, {})[kind] = (model, tr("mnist.origin.uploaded",
                                                                           file=upload.name))
            st.success(tr("mnist.io.loaded", model=name, file=upload.name))
            st.rerun()


def render() -> None:
    st.title(tr("mnist.title"))
    st.write(tr("mnist.intro"))
    seed_from_url(PARAMS)
    _adopt_interrupted_run()
    models, origin = _models()
    image = _draw_and_predict(models, origin)
    # only the open tab runs: a stroke on the canvas reruns no evaluation or chart it does not show
    names = {code: tr(f"mnist.tab.{code}") for code in ("read", "train", "eval", "io")}
    tabs = dict(zip(names, st.tabs(list(names.values()), key="mnist.tab", on_change="rerun")))
    with tabs["read"]:
        if tabs["read"].open:
            _how_they_read(image, models)
    with tabs["train"]:
        if tabs["train"].open:  # MNIST is read only when a tab needs it: the page opens faster
            _train_live(*_mnist(os.environ.get(MNIST_DIR_ENV, "")))
    with tabs["eval"]:
        if tabs["eval"].open:
            _evaluate_section(models, *_mnist(os.environ.get(MNIST_DIR_ENV, "")))
    with tabs["io"]:
        if tabs["io"].open:
            _save_and_load(models, origin)
    write_to_url(PARAMS)


render()
