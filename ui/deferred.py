"""What a page draws just after its main comparison is on screen.

On a small machine the browser's drawing, and the server's training, decide how soon a page
shows its comparison; everything else on the first view slows it down. Two tools:

- `first_view(page)`: on a session's first run of a page, the page stops after its main
  comparison and the rest follows on a rerun a moment later (measured on the dropout page: the
  comparison drawn 0.2 s sooner). Every later run draws the whole page at once.
- `deferred(...)`: a section with heavy work of its own (the dropout page's runs over several
  seeds) shows a short "training..." line and fills itself in from a fragment a moment later, or
  on the next rerun, whichever comes first. Work already done in this process is drawn at once.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

import streamlit as st

DELAY_S = 1.0  # after the page has been drawn


@st.cache_resource(show_spinner=False)
def _done() -> set[Hashable]:
    """Keys of the deferred work this process has already computed (and cached)."""
    return set()


def deferred(key: str, work: Hashable, body: Callable[[], None], waiting: str) -> None:
    """Draw `body()` now if `work` was computed before, else `waiting` now and `body()` shortly.

    `key` names the section (unique on the page); `work` identifies what `body` computes.
    """
    if work in _done():
        body()
        return
    pending_key = f"{key}.pending"
    timed = st.session_state.get(pending_key) != work

    @st.fragment(run_every=DELAY_S if timed else None)
    def _section() -> None:
        if st.session_state.get(pending_key) != work:
            st.session_state[pending_key] = work
            st.caption(f"⏳ {waiting}")
            return
        body()
        _done().add(work)
        if timed:  # the timer's run: redraw the page once so the timer stops
            st.rerun(scope="app")

    _section()


def first_view(page: str) -> bool:
    """True on this session's first run of `page`: draw only the main comparison and stop. A
    fragment timer asks for the next run once this view is drawn; every later run (that one, or
    one a user's click starts sooner) draws the whole page."""
    shown_key, timer_key = f"{page}.first_view_done", f"{page}.first_view_timer"
    slot = st.empty()  # on every run, so that what follows keeps its place from run to run
    if st.session_state.get(shown_key):
        return False
    st.session_state[shown_key] = True
    st.session_state[timer_key] = False

    @st.fragment(run_every=DELAY_S)
    def _rest() -> None:
        if st.session_state.get(timer_key):  # the timer fired: the first view is on screen
            st.rerun(scope="app")
        st.session_state[timer_key] = True

    with slot.container():
        _rest()
    return True
