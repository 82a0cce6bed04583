"""What a page draws just after its main comparison is on screen.

On a small machine the browser's drawing, and the server's training, decide how soon a page
shows its comparison; everything else on the first view slows it down. `first_view(page)`: on a
session's first run of a page, the page stops after its main comparison and the rest follows on a
rerun a moment later. Every later run draws the whole page at once.
"""

from __future__ import annotations

import streamlit as st

DELAY_S = 1.0  # after the page has been drawn


def first_view(page: str) -> bool:
    """True on this session's first run of `page`: draw only the main comparison and stop. A
    fragment timer asks for the next run once this view is drawn; every later run (that one, or
    one a user's click starts sooner) draws the whole page.

    Measured A/B against the same tree drawing the rest on every run, on a 2-core machine that
    other work kept busy (load 7-14):
    `python -m bench.first_view --repeats 5 --pages dropout --cases default fresh --against B`,
    dropout's comparison complete after (median of 5, with / without): default link 14.67 s /
    21.01 s (6.3 s sooner), fresh seed 23.76 s / 33.72 s (10.0 s sooner).
    """
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
