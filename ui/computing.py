"""The wait while a page trains: a spinner, or on a session's first run an empty chart frame.

Streamlit's browser code for charts is fetched the first time a chart is shown. Showing an empty
frame before the first training run lets the browser fetch it while the server trains, instead of
after; the frame is cleared when the work is done.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import altair as alt
import pandas as pd
import streamlit as st

from ui.charts import chart

SHOWN_KEY = "_chart_frame_shown"


def _frame(text: str, height: int) -> alt.Chart:
    return (alt.Chart(pd.DataFrame({"text": [text]}), height=height)
            .mark_text(fontSize=16, color="#888888").encode(text=alt.Text("text:N"))
            .configure_view(strokeOpacity=0))


@contextlib.contextmanager
def computing(text: str, height: int = 280) -> Iterator[None]:
    """Wrap a page's main computation; `text` says what is being computed.

    The slot exists on every run (empty after the first), so the elements below keep their
    positions from run to run and the browser replaces them in place.
    """
    slot = st.empty()
    if st.session_state.get(SHOWN_KEY):
        with st.spinner(text):  # a spinner takes no position on the page
            yield
        return
    st.session_state[SHOWN_KEY] = True
    chart(("computing", text, height), lambda: _frame(f"⏳ {text}", height), slot)
    try:
        yield
    finally:
        slot.empty()
