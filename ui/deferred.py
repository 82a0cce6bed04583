"""Secondary results computed just after a page's main comparison is on screen.

On a small server the browser and the training share the CPU; a second heavy computation during
the first view (the dropout page's runs over several seeds) slows the first view down. A deferred
section shows a short "training..." line at first and fills itself in from a fragment a moment
later, or on the next rerun, whichever comes first. Work already done in this process is drawn
at once.
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
