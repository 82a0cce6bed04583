"""Autoencoder page: MNIST squeezed to a few numbers by the tutorial's autoencoder and by PCA, side by
side: reconstructions, codes, the latent-space explorer, a drawn digit, live training."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from core.ae import (
    CLAIM_SEEDS,
    CLAIMS,
    METHODS,
    ROW,
    AEConfig,
    AEProgress,
    AEResult,
    AESpreadConfig,
    AESpreadResult,
    decode,
    manifold_grid,
    plane,
    redraw,
    training_problem,
)
from core.ae.shipped import SHIPPED_CODES, ShippedAE, for_config
from core.compute import QUEUED, JobError
from core.runs import run
from pages.ae.charts import (
    Labels,
    codes_chart,
    digit_png,
    figures_html,
    grid_png,
    loss_chart,
    picture_html,
    plane_chart,
    rows_html,
    strips,
)
from pages.ae.controls import CONTROLS
from ui import presets
from ui.canvas import canvas_row, draw_digit
from ui.charts import chart, markup
from ui.i18n import tr
from ui.lesson import comparison, over_seeds, submit, wait_for
from ui.sidebar import device, run_seed
from ui.table import table
from ui.theme import chart_labels

SETTINGS = (("code", "lr", "epochs"), ("batch", "noise"))  # the settings box, three to a row
MANIFOLD = 15  # decoded images per side of the manifold picture
MANIFOLD_WIDTH = 420  # px (its column's width where that is less): 28 px a digit


# ---- settings, and which run is shown -----------------------------------------------------------

def _back_to_the_lesson() -> None:
    presets.apply(CONTROLS, AEConfig())
    st.session_state["ae.train"] = False


def _to_code_two() -> None:
    st.session_state["ae.code"] = 2


def _controls(config: AEConfig) -> None:
    with st.container(border=True):
        st.markdown(f"**{tr('ae.controls')}**")
        for row in SETTINGS:
            for name, col in zip(row, st.columns(3)):
                CONTROLS.draw(f"ae.{name}", col)
        row = st.container(horizontal=True, vertical_alignment="center")
        shipped_here = for_config(config) != config  # these settings have a shipped run
        CONTROLS.draw("ae.train", row, disabled=not shipped_here)
        row.button(tr("ae.reset_lesson"), key="ae.reset_lesson", on_click=_back_to_the_lesson,
                   disabled=config == AEConfig(seed=config.seed) and not CONTROLS.value("ae.train"))


def _fallback(config: AEConfig) -> ShippedAE:
    """The shipped run closest to `config`, shown when `config` cannot be trained here."""
    return ShippedAE(config.code if config.code in SHIPPED_CODES else max(SHIPPED_CODES))


def _shown(config: AEConfig, labels: Labels) -> AEConfig | ShippedAE:
    """What the page shows for `config`: its shipped run, or the run trained here (live, the first
    time); a shipped one, with the reason, where it cannot be trained."""
    wanted = for_config(config, train=CONTROLS.value("ae.train"))
    if isinstance(wanted, ShippedAE):
        return wanted
    problem = training_problem()
    if problem is None:
        problem = _train_live(wanted, labels)
    if problem is None:
        return wanted
    fallback = _fallback(config)
    st.warning(tr("ae.cannot_train", error=problem, code=fallback.code), icon="📵")
    return fallback


def _train_live(config: AEConfig, labels: Labels) -> str | None:
    """Train `config` in the compute service (computed once, shared by every session asking for
    it), showing its progress, loss and reconstructions as they come; the error if it failed."""
    job = submit(run, config, str(device()), waiting=tr("ae.training"), background=True)
    if not job.done:
        box = st.empty()
        with box.container(border=True):
            st.markdown(f"**{tr('ae.live_title')}**")
            bar = st.progress(0.0, text=tr("ae.training"))
            left, right = st.columns(2, gap="medium")
            row_place, loss_place = left.empty(), right.empty()
        seen, shown = -1, 0
        while not job.done:
            job.wait(1.0, since=seen)
            seen, info = job.updates, job.info
            if job.state == QUEUED:
                bar.progress(0.0, text=tr("app.queued", waiting=tr("ae.training"), n=job.ahead()))
                continue
            bar.progress(min(job.progress() or 0.0, 1.0), text=tr("ae.live_progress", seconds=job.elapsed()))
            if isinstance(info, AEProgress) and info.epoch != shown:  # a new epoch (the bar moves between)
                _live_view(config, info, labels, row_place, loss_place)
                shown = info.epoch
        box.empty()
    try:
        wait_for(job, tr("ae.training"))  # a worker lost meanwhile: a message and a Retry button
    except JobError as exc:
        return exc.message
    return None


def _live_view(config: AEConfig, info: AEProgress, labels: Labels, row_place: Any, loss_place: Any) -> None:
    with row_place.container():  # redrawn in this run's loop: a picture (a component takes one key per run)
        st.caption(tr("ae.epoch_of", e=info.epoch, total=info.epochs))
        st.image(strips(info.row_images, info.row_recon), width="stretch",
                 caption=f"{labels.original} / {tr('ae.after_epoch', method=labels.method_ae, e=info.epoch)}")
    with loss_place.container():
        chart(("ae.live_loss", config, info.epoch), lambda: loss_chart(
            info.step_loss, info.epoch_loss, config.steps_per_epoch, config.steps, labels), cache=False)
        st.caption(tr("ae.live_loss_caption"))


# ---- the comparison -----------------------------------------------------------------------------

def _source(result: AEResult) -> None:
    """Where the run shown comes from, and what differs between the two methods."""
    c = result.config
    if result.shipped:
        st.caption(tr("ae.source_shipped", code=c.code, seed=c.seed))
    else:
        st.caption(tr("ae.source_trained", seconds=result.seconds, data=result.data))
    st.caption(tr("ae.differs", code=c.code, n=c.train_size, m=len(result.labels)))


def _draw(result: AEResult, key: Hashable, frame: int, labels: Labels) -> None:
    """The replayed part: the first row of held-out digits by the autoencoder after each epoch
    (PCA's has no epochs), and the training loss so far."""
    epochs = frame + 1
    st.caption(tr("ae.epoch_of", e=epochs, total=result.config.epochs))
    left, right = st.columns(2, gap="medium")
    with left:
        markup("ae.train_row", ("ae.train_row", key, epochs), lambda: rows_html(
            [(labels.original, result.row_images[:ROW]),
             (tr("ae.after_epoch", method=labels.method_ae, e=epochs), result.training_row(epochs)),
             (labels.method_pca, result.row_recon["pca"][:ROW])], stacked=True))
    step_loss, epoch_loss = result.curves(epochs)
    chart(("ae.loss", key, epochs), lambda: loss_chart(
        step_loss, epoch_loss, result.config.steps_per_epoch, result.config.steps, labels,
        pca_mse=result.mse["pca"], mean_mse=result.mean_mse), right)
    right.caption(tr("ae.loss_caption"))


def _scores(result: AEResult, key: Hashable, labels: Labels) -> None:
    """Held-out MSE per method, what it says, and a row of digits the reader picks."""
    st.subheader(tr("ae.scores_title"))
    for col, m in zip(st.columns(2 if not result.noisy_mse else 4), METHODS):
        col.metric(tr("ae.mse_of", method=labels.method(m)), _fmt(result.mse[m]))
    if result.noisy_mse:
        for col, m in zip(st.columns(4)[2:], METHODS):
            col.metric(tr("ae.noisy_mse_of", method=labels.method(m)), _fmt(result.noisy_mse[m]))
    _verdict(result)
    st.caption(_claims())
    st.markdown(f"**{tr('ae.rows_title')}**")
    row = CONTROLS.draw("ae.row") - 1
    shown = result.digits(row)
    rows = [(labels.original, shown["original"])]
    if "noisy" in shown:
        rows += [(labels.noisy, shown["noisy"]), *((tr("ae.from_noisy", method=labels.method(m)),
                                                    shown[f"{m}_noisy"]) for m in METHODS)]
    else:
        rows += [(labels.method(m), shown[m]) for m in METHODS]
    markup("ae.rows", ("ae.rows", key, row), lambda: rows_html(rows))


def _fmt(value: float) -> str:
    return f"{value:.4f}" if np.isfinite(value) else "—"


def _verdict(result: AEResult) -> None:
    """What the two MSEs say, or why the autoencoder's says nothing."""
    if result.divergences():
        return  # the divergence note above says it
    if not result.learnt():
        stall = result.stall()
        parts = [tr("ae.not_learnt", ae=result.mse["ae"], mean=result.mean_mse)]
        if stall.same_picture:
            parts.append(tr("ae.same_picture"))
        if stall.stuck:
            parts.append(tr("ae.stuck", share=stall.saturated))
        parts.append(tr("ae.not_learnt_try"))
        st.warning("".join(parts), icon="🧱")  # the English sentences carry their space, the Chinese none
        return
    st.markdown(tr(f"ae.lower_{result.winner()}", code=result.config.code, ratio=result.edge()))


def _claims() -> str:
    """The effects tested over seeds (core.ae.CLAIMS), in words."""
    sizes = {m: tr("ae.and").join(str(c.code) for c in CLAIMS if c.lower == m) for m in METHODS}
    return tr("ae.claims", ae=sizes["ae"], pca=sizes["pca"], first=CLAIM_SEEDS[0], last=CLAIM_SEEDS[-1])


# ---- codes, the drawn digit, the explorer ---------------------------------------------------------

@st.fragment
def _codes(result: AEResult, key: Hashable, labels: Labels) -> None:
    """Each held-out digit as a point of each method's code space; a drawn digit among them. A
    stroke on the canvas reruns only this."""
    code = result.config.code
    st.subheader(tr("ae.codes_title"))
    st.write(tr("ae.codes_words" if code <= 3 else "ae.codes_words_more", code=code))
    left, rest = canvas_row()
    with left:
        image = draw_digit("ae.canvas", tr("ae.draw_help"))
    with rest:
        placed = None
        if image is None:
            st.info(tr("ae.draw_prompt"), icon="✍️")
        else:
            placed = redraw(result, image)
            markup("ae.redrawn", ("ae.redrawn", key, image.tobytes()), lambda: figures_html(
                [digit_png(image, caption=labels.yours),
                 *(digit_png(placed[m][1], caption=tr("ae.code_of", method=labels.method(m),
                                                      point=_point(placed[m][0])))
                   for m in METHODS)]))
            st.caption(tr("ae.draw_where"))
    for col, m in zip(st.columns(2), METHODS):
        drawn = None if placed is None else placed[m][0]
        chart(("ae.codes", key, m, None if image is None else image.tobytes()),
              lambda m=m, drawn=drawn: codes_chart(result.codes[m], result.labels, m, labels, drawn=drawn),
              col, options={"width": "content"})
    st.caption(tr("ae.codes_caption"))


def _point(z: np.ndarray) -> str:
    return "(" + ", ".join(f"{v:.2f}" for v in z[:3]) + (", …)" if len(z) > 3 else ")")


def _explorer(result: AEResult, key: Hashable, labels: Labels) -> None:
    st.subheader(tr("ae.explorer_title"))
    if result.config.code != 2:
        st.info(tr("ae.explorer_needs_two", code=result.config.code))
        st.button(tr("ae.explorer_switch"), key="ae.to_two", on_click=_to_code_two)
        return
    st.write(tr("ae.explorer_words"))
    for col, m in zip(st.columns(2), METHODS):
        with col:
            st.markdown(f"**{labels.method(m)}**")
            _plane(result, key, m, labels)
            markup(f"ae.manifold.{m}", ("ae.manifold", key, m), lambda m=m: _manifold(result, m))


def _manifold(result: AEResult, method: str) -> str:
    grid, pictures = manifold_grid(result, method, n=MANIFOLD)
    caption = tr("ae.manifold_caption", n=MANIFOLD, x0=grid[-1, 0, 0], x1=grid[-1, -1, 0],
                 y0=grid[-1, 0, 1], y1=grid[0, 0, 1])
    return picture_html(grid_png(pictures), caption, MANIFOLD_WIDTH)


@st.fragment
def _plane(result: AEResult, key: Hashable, method: str, labels: Labels) -> None:
    """The plane and the image decoded at the point picked on it: a click reruns only this."""
    grid, start = plane(result, method)
    event = chart(("ae.plane", key, method),
                  lambda: plane_chart(result.codes[method], result.labels, grid, start, method, labels),
                  options={"on_select": "rerun", "key": f"ae.pick.{method}", "width": "content"})
    z = _picked(event, start)
    image = decode(result, z, method)[0]
    caption = tr("ae.decoded_at", method=labels.method(method), point=_point(z))
    markup(f"ae.picked.{method}", ("ae.picked", key, method, z.tobytes()),
           lambda: figures_html([digit_png(image, size=140, caption=caption)]))


def _picked(event: Any, start: np.ndarray) -> np.ndarray:
    """The code point the reader clicked on the plane (the start point before any click)."""
    points = (getattr(event, "selection", None) or {}).get("pick") or []
    try:
        return np.array([points[0]["x"], points[0]["y"]], dtype=np.float32)
    except (IndexError, KeyError, TypeError, ValueError):
        return start


# ---- over seeds -----------------------------------------------------------------------------------

def _seeds(config: AEConfig, labels: Labels) -> None:
    st.subheader(tr("ae.seeds_title"))
    st.write(tr("ae.seeds_header"))
    problem = training_problem()
    if problem is not None:
        st.info(tr("ae.seeds_unavailable", error=problem))
        return
    CONTROLS.draw("ae.seeds")
    spread = CONTROLS.config(AESpreadConfig, base=config)
    over_seeds("ae", spread, True, lambda r: _spread_view(r, labels))


def _spread_view(result: AESpreadResult, labels: Labels) -> None:
    seeds = result.config.seed_list
    values = {"k": result.wins(), "n": result.config.seeds, "first": seeds[0], "last": seeds[-1],
              "code": result.config.base.code}
    st.markdown(tr(f"ae.seeds_{result.holds() or 'mixed'}", **values))
    frame = pd.DataFrame({tr("ae.col.seed"): seeds,
                          **{tr("ae.mse_of", method=labels.method(m)): [_fmt(v) for v in result.mse[m]]
                             for m in METHODS}})
    table(frame.set_index(tr("ae.col.seed")))


# ---- the page -------------------------------------------------------------------------------------

def render() -> None:
    st.markdown(tr("ae.words"))
    config = CONTROLS.config(AEConfig, seed=run_seed())
    _controls(config)
    labels = chart_labels(Labels, "ae.chart")
    shown = _shown(config, labels)
    comparison("ae", shown, waiting=tr("ae.loading"), names={m: labels.method(m) for m in METHODS},
               frames=lambda r: max(len(r.epoch_recon), 1),
               draw=lambda r, f: _draw(r, shown, f, labels),
               before=_source,
               below=lambda r: _scores(r, shown, labels),
               rest=lambda r: (_codes(r, shown, labels), _explorer(r, shown, labels), _seeds(config, labels)),
               step=tr("ae.step"))


render()
