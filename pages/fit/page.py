"""Fit page: two networks, A and B, on the same data from the same seed, TF Playground's views."""

from __future__ import annotations

import streamlit as st

from core.fit import (
    CLASSIFICATION,
    FULL_BATCH,
    MAX_NET_BYTES,
    SIDES,
    FitConfig,
    FitResult,
    differences,
    load_net,
    save_net,
    with_loaded,
)
from core.fit.presets import BY_NAME, PRESETS, SEEDS, preset_of
from core.weights import WeightsError
from pages.fit.charts import PLAY_FPS, Labels, legend_html, loss_svg, network_svg
from pages.fit.controls import ACTIVATION_LABELS, CONTROLS, FEATURE_LABELS, PRESET
from ui import presets
from ui.charts import markup, paragraph
from ui.i18n import tr
from ui.lesson import comparison
from ui.sidebar import run_seed
from ui.theme import chart_labels

NET_KEYS = ("layers", "units", "activation", "features", "regularization", "reg_rate", "optimizer", "lr",
            "batch_size")


def _choose_preset() -> None:
    presets.apply(CONTROLS, BY_NAME[st.session_state[PRESET]].config)


def _settings() -> None:
    """Data and training in one row, then network A's and B's controls side by side."""
    with st.expander(tr("fit.controls"), key="fit.settings", on_change="rerun") as box:
        if not box.open:  # lazy, as on the other pages: values stay in the session and the link
            return
        st.markdown(f"**{tr('fit.data_header')}**")
        for column, key in zip(st.columns(4), ("dataset", "n_points", "train_share", "noise")):
            CONTROLS.draw(f"fit.{key}", column)
        for column, key in zip(st.columns(3), ("epochs", "target_loss", "frame_every")):
            CONTROLS.draw(f"fit.{key}", column)
        for column, side in zip(st.columns(2, border=True), SIDES):
            column.markdown(f"**{tr(f'fit.net.{side}')}**")
            left, right = column.columns(2)
            for i, key in enumerate(NET_KEYS):
                CONTROLS.draw(f"fit.{side}.{key}", left if i % 2 == 0 else right)


def _value(field: str, value: object) -> str:
    if field == "features":
        return ", ".join(FEATURE_LABELS[f] for f in value) or "—"
    if field == "batch_size":
        return tr(f"fit.batch.{value}")
    if field == "activation":
        return ACTIVATION_LABELS.get(value, str(value))
    if field == "regularization":
        return tr(f"fit.regularization.{value}")
    return str(value).upper() if field == "optimizer" else str(value)


def _differs(config: FitConfig) -> None:
    """The one line that says what differs between A and B."""
    items = [tr("fit.differ_item", field=tr(f"fit.field.{f}"), a=_value(f, a), b=_value(f, b))
             for f, a, b in differences(config)]
    st.markdown(tr("fit.differs", items="; ".join(items)) if items else tr("fit.same"))


def _claim(config: FitConfig, result: FitResult) -> None:
    """The preset's effect, with how many seeds it was checked on and whether this run shows it."""
    preset = preset_of(config)
    if preset is None:
        st.caption(tr("fit.claim_none"))
        return
    seen = tr("fit.claim_here" if preset.effect(result) else "fit.claim_not_here")
    st.info(tr(f"fit.claim.{preset.name}", k=preset.checked, n=SEEDS) + " " + seen, icon="💡")


def _before(config: FitConfig, result: FitResult) -> None:
    """Above the replay: the question's effect, and how to read the pictures."""
    _claim(config, result)
    st.caption(tr("fit.graph_caption"))


def _architecture(result: FitResult, side: str) -> str:
    net = result.nets[side]
    spec = net.spec
    act = ACTIVATION_LABELS[spec.activation]
    hidden = (tr("fit.arch_hidden", layers=spec.layers, units=spec.units, act=act) if spec.layers
              else tr("fit.arch_none"))
    batch = tr("fit.batch.0") if spec.batch_size == FULL_BATCH else tr("fit.arch_batch", size=spec.batch_size)
    return tr("fit.arch", inputs=", ".join(FEATURE_LABELS[f] for f in net.features), hidden=hidden,
              optimizer=spec.optimizer.upper(), lr=spec.lr, batch=batch)


def _metrics(result: FitResult, side: str, frame: int) -> str:
    net = result.nets[side]
    f = net.frame(frame)
    key = "fit.metrics_cls" if result.task == CLASSIFICATION else "fit.metrics_reg"
    return tr(key, train=net.train_loss[f], test=net.test_loss[f], score_train=net.train_score[f],
              score_test=net.test_score[f], wsum=net.weight_sum[f])


def _network(result: FitResult, side: str, frame: int, title: str, key: tuple) -> None:
    """One network at `frame`: what it is, its graph, its output over the plane, its figures (one
    view, so that a play update is one element for the browser to redraw, not three)."""
    net = result.nets[side]
    labels = chart_labels(Labels, "fit.chart")
    markup(f"fit.view.{side}", ("fit.views", *key, side, net.frame(frame)),
           lambda: (paragraph(f"**{title}** · {_architecture(result, side)}")
                    + network_svg(result, side, frame, labels) + paragraph(_metrics(result, side, frame))))
    if net.reached_at is not None and frame >= net.reached_at:
        st.success(tr("fit.reached", epoch=net.epoch(net.reached_at), loss=result.config.target_loss),
                   icon="🎯")


def _counter(result: FitResult, frame: int) -> str:
    a, b = (result.nets[s] for s in SIDES)
    if result.config.frame_every == "step":
        return tr("fit.counter_step", step=frame * result.ticks_per_frame, a=a.epoch(frame), b=b.epoch(frame))
    return tr("fit.counter_epoch", epoch=frame * result.ticks_per_frame, epochs=result.config.epochs,
              a=int(a.steps[a.frame(frame)]), b=int(b.steps[b.frame(frame)]))


def _draw(result: FitResult, frame: int) -> None:
    """Everything that changes with the frame."""
    st.markdown(f"### {_counter(result, frame)}")
    for column, side in zip(st.columns(2, border=True), SIDES):
        with column:
            _network(result, side, frame, tr(f"fit.net.{side}"), (result.config,))
    labels = chart_labels(Labels, "fit.chart")
    markup("fit.view.loss", ("fit.loss", result.config, frame),
           lambda: paragraph(f"**{tr('fit.loss_header')}**") + loss_svg(result, frame, labels)
           + legend_html({s: tr(f"fit.net.{s}") for s in SIDES}, labels))


def _files(result: FitResult) -> None:
    """Save a network as it is at the frame shown, load one back (the tutorial's 304)."""
    st.subheader(tr("fit.io.header"))
    st.caption(tr("fit.io.help", kb=MAX_NET_BYTES // 1024))
    frame = int(st.session_state.get("fit.play.frame", result.frames - 1))
    cols = st.columns(3)
    for column, side in zip(cols, SIDES):
        column.download_button(tr("fit.io.download", name=tr(f"fit.net.{side}")),
                               save_net(result, side, frame), key=f"fit.io.download.{side}",
                               file_name=f"fit_{side}_{result.config.dataset}.pt")
    upload = cols[2].file_uploader(tr("fit.io.upload"), type=["pt", "pth"], key="fit.io.upload",
                                   max_upload_size=1)
    if upload is None:
        return
    try:
        net = load_net(upload.getvalue())
        loaded = with_loaded(result, net)
    except WeightsError as exc:
        st.error(tr("fit.io.bad", error=str(exc)), icon="🚫")
        return
    left, _ = st.columns(2, border=True)
    with left:
        st.success(tr("fit.io.loaded", name=upload.name, epoch=net.epoch), icon="📂")
        _network(loaded, "loaded", 0, tr("fit.net.loaded"), (result.config, upload.file_id))


def render() -> None:
    presets.from_link(CONTROLS, PRESET, {p.name: p.config for p in PRESETS})
    CONTROLS.draw(PRESET, on_change=_choose_preset)
    moved = preset_of(CONTROLS.config(FitConfig, seed=run_seed())) is None
    st.button(tr("fit.preset_reset"), key="fit.preset_reset", on_click=_choose_preset, disabled=not moved,
              help=tr("fit.preset_reset_help"))
    _settings()
    config = CONTROLS.config(FitConfig, seed=run_seed())
    _differs(config)
    comparison("fit", config, waiting=tr("fit.training"), names={s: tr(f"fit.net.{s}") for s in SIDES},
               frames=lambda r: r.frames, draw=_draw, before=lambda r: _before(config, r),
               step=tr(f"fit.next.{config.frame_every}"), fps=PLAY_FPS,
               below=lambda r: st.caption(tr("fit.computed", seconds=r.seconds)), rest=_files)


render()
