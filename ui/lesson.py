"""The one page lifecycle every lesson shares.

`app.py` wraps whichever page runs in `page_run`: the page's controls (`pages/<lesson>/controls.py`)
are read from the link before it and written back after it. Inside, a page lays out its controls
and hands each comparison to `comparison(...)`, which computes it (through one cache keyed by the
config and device), shows the wait, states every divergence, replays the run frame by frame, and
draws the rest of the page after the first view. A secondary computation in that rest goes
through `later(...)`. A page calls none of the pieces below by hand.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import threading
from collections.abc import Callable, Hashable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import streamlit as st

from core.compute import QUEUED, WARM_ENV, Job, WorkerLost, service
from core.runs import run
from pages import LESSONS
from ui import export, present, share
from ui import playback as replay
from ui.controls import Controls
from ui.deferred import first_view
from ui.i18n import has_text, tr
from ui.playback import FPS, PLAY_SECONDS, playback
from ui.sidebar import device
from ui.urlstate import seed_from_url, write_to_url


def controls_of(name: str) -> Controls | None:
    """The CONTROLS of page `name`, or None when the page has none (home)."""
    module = f"pages.{name}.controls"
    if importlib.util.find_spec(module) is None:
        return None
    return importlib.import_module(module).CONTROLS


@contextmanager
def page_run(name: str | None) -> Iterator[None]:
    """Around one run of page `name`: its controls, and the share panel's choices, come from the
    link and go back to it; a lesson page opens with its title, introduction, (where it has one)
    the setup line and the teacher's note, and ends with its export and code panels; the share
    panel goes in the sidebar once the link is final. Presenter mode restyles every page."""
    controls = controls_of(name) if name else None
    if controls is None:
        present.apply()
        yield
        return
    params = {**controls.params, **share.params(name, controls)}
    seed_from_url(params)
    export.start_page()
    replay.start_page()
    share_slot = st.sidebar.container()
    present.apply(lambda: share.show_qr(name))
    _header(name, controls)
    try:
        yield
    finally:
        write_to_url(params)
    export.panels(name)
    with share_slot:
        share.panel(name, controls)


def _header(name: str, controls: Controls) -> None:
    st.title(tr(f"{name}.title"))
    st.write(tr(f"{name}.intro"))
    if has_text(f"{name}.setup"):
        st.caption(tr(f"{name}.setup"))
    share.header(name, controls)


_warm_lock = threading.Lock()
_warmed = False


def warm_start() -> None:
    """Once per server process, on its first script run (the launcher makes one as soon as the
    server answers): the default link of every lesson, each view and tab, is computed in the
    background, so the first student of the morning finds it ready."""
    global _warmed
    with _warm_lock:
        if _warmed or os.environ.get(WARM_ENV, "1") == "0":
            return
        _warmed = True
    calls, firsts = warm_calls()
    service(str(device())).warm(calls, light=firsts)


def warm_calls() -> tuple[list[tuple[Callable, tuple]], int]:
    """`(run, (config, device))` for what every lesson's default link computes (its `warm()`, whose
    first entry is what the page shows first): every page's first view first, then the rest; and
    how many first views lead the list."""
    dev = str(device())
    wanted = [getattr(importlib.import_module(f"pages.{lesson.name}.controls"), "warm", tuple)()
              for lesson in LESSONS]
    firsts = [configs[0] for configs in wanted if configs]
    rest = [config for configs in wanted for config in configs[1:]]
    return [(run, (config, dev)) for config in (*firsts, *rest)], len(firsts)


def compute(config: Hashable, waiting: str, priority: int = 0) -> Any:
    """`core.runs.run(config)` on this process's device, through the compute service: computed
    once per config and device and shared by every session. Meanwhile the page says what it
    waits for (`waiting`), how many runs are ahead of it, and how far its run is. A worker that
    died mid-run gets a message and a Retry button; the rest of the session is kept.
    `priority` 1 waits behind every first view (and beside the warm start)."""
    return wait_for(submit(run, config, str(device()), waiting=waiting, priority=priority), waiting)


def submit(fn: Callable, *args: Any, waiting: str, **options: Any) -> Job:
    """`fn(*args)` as a job of this process's compute service (options: see Service.submit)."""
    svc = service(str(device()))  # the device sets how many workers (one per GPU on CUDA)
    if svc.inline and not options.get("background"):  # computed right here, in this thread
        with st.spinner(waiting):
            return svc.submit(fn, *args, **options)
    return svc.submit(fn, *args, **options)


QUIET_S = 0.4  # a job done sooner shows no waiting line at all


def wait_for(job: Job, waiting: str) -> Any:
    """The job's result, showing the wait meanwhile; a lost worker stops the page with a retry."""
    if not job.done and not job.wait(QUIET_S):
        box = st.empty()
        while not job.wait(0.25):
            with box.container():
                if job.state == QUEUED:
                    st.info(tr("app.queued", waiting=waiting, n=job.ahead()), icon="⏳")
                else:
                    fraction = job.progress()
                    st.progress(fraction or 0.0, text=tr("app.running", waiting=waiting,
                                                          seconds=job.elapsed()))
        box.empty()
    try:
        return job.result()
    except WorkerLost as exc:
        st.error(tr("app.worker_lost", error=str(exc)), icon="🔌")
        st.button(tr("app.retry"), key=f"retry.{job.id}")
        st.stop()


def divergence_notes(result: Any, names: Mapping[str, str]) -> None:
    """One warning per variant whose training diverged (`result.divergences()`)."""
    for d in result.divergences():
        text = tr("app.diverged", name=names.get(d.variant, d.variant), step=d.step)
        if d.of > 1:
            text += " " + tr("app.diverged_seeds", n=d.seeds, total=d.of)
        st.warning(text, icon="💥")


def comparison(key: str, config: Hashable, *, waiting: str, names: Mapping[str, str],
               frames: Callable[[Any], int], draw: Callable[[Any, int], None],
               below: Callable[[Any], None] | None = None, rest: Callable[[Any], None] | None = None,
               before: Callable[[Any], None] | None = None, step: str | None = None,
               fps: float = FPS, seconds: float = PLAY_SECONDS) -> Any:
    """Compute `config` and show it; returns the result.

    In order: `before(result)` (notes above the replay), the divergence notes, the replay of
    `draw(result, frame)` over `frames(result)` frames with its controls, `below(result)`, and on
    every run after this session's first view of `key`, `rest(result)`. `step` labels the
    replay's Step button; `fps` is its updates per second while playing, `seconds` about how long
    it plays from start to end.
    """
    result = compute(config, waiting)
    export.note_run(key, config, result)
    if before is not None:
        before(result)
    divergence_notes(result, names)
    playback(f"{key}.play", frames(result), lambda frame: draw(result, frame), step=step, fps=fps,
             seconds=seconds)
    if below is not None:
        below(result)
    if rest is not None and not first_view(key):
        rest(result)
    return result


def later(key: str, config: Hashable, draw: Callable[[Any], None], waiting: str) -> None:
    """`draw(result)` of a secondary computation, computed like the comparisons (see `compute`)
    but behind every comparison a session is waiting for: in a class, first views come first."""
    draw(compute(config, waiting, priority=1))


def over_seeds(prefix: str, spread: Any, heavy: bool, draw: Callable[[Any], None]) -> None:
    """A lesson's runs over seeds (`spread`, with its `seeds` count) drawn by `draw(result)`
    through `later`. When `heavy`, they wait for a click on `{prefix}.seeds_run` (texts
    `{prefix}.seeds_heavy`, `.seeds_run`, `.seeds_waiting`), and stay shown while `spread` does."""
    chosen = f"{prefix}.spread_for"
    if heavy and st.session_state.get(chosen) != spread:
        st.info(tr(f"{prefix}.seeds_heavy"))
        if not st.button(tr(f"{prefix}.seeds_run", n=spread.seeds), key=f"{prefix}.seeds_run"):
            return
        st.session_state[chosen] = spread
    later(f"{prefix}.spread", spread, draw, tr(f"{prefix}.seeds_waiting", n=spread.seeds))
