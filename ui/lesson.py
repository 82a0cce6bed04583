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
from collections.abc import Callable, Hashable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import streamlit as st

from core.runs import run
from ui.controls import Controls
from ui.deferred import first_view
from ui.i18n import has_text, tr
from ui.playback import playback
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
    """Around one run of page `name`: its controls come from the link and go back to it; a lesson
    page opens with its title, introduction and (where it has one) the setup line."""
    controls = controls_of(name) if name else None
    if controls is not None:
        seed_from_url(controls.params)
        _header(name)
    try:
        yield
    finally:
        if controls is not None:
            write_to_url(controls.params)


def _header(name: str) -> None:
    st.title(tr(f"{name}.title"))
    st.write(tr(f"{name}.intro"))
    if has_text(f"{name}.setup"):
        st.caption(tr(f"{name}.setup"))


@st.cache_data(max_entries=256, show_spinner=False)
def _computed(config: Hashable, device_name: str) -> Any:
    return run(config, device_name)


def compute(config: Hashable, waiting: str) -> Any:
    """`core.runs.run(config)` on this process's device: computed once per config and device and
    shared by every session; `waiting` says what is being computed meanwhile."""
    with st.spinner(waiting):
        return _computed(config, str(device()))


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
               before: Callable[[Any], None] | None = None) -> Any:
    """Compute `config` and show it; returns the result.

    In order: `before(result)` (notes above the replay), the divergence notes, the replay of
    `draw(result, frame)` over `frames(result)` frames with its controls, `below(result)`, and on
    every run after this session's first view of `key`, `rest(result)`.
    """
    result = compute(config, waiting)
    if before is not None:
        before(result)
    divergence_notes(result, names)
    playback(f"{key}.play", frames(result), lambda frame: draw(result, frame))
    if below is not None:
        below(result)
    if rest is not None and not first_view(key):
        rest(result)
    return result


def later(key: str, config: Hashable, draw: Callable[[Any], None], waiting: str) -> None:
    """`draw(result)` of a secondary computation, computed like the comparisons (see `compute`)."""
    draw(compute(config, waiting))
