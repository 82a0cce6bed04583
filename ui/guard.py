"""Run a page so that an unexpected error becomes a clear message instead of a stack trace."""

from __future__ import annotations

import logging
from collections.abc import Callable

import streamlit as st

from ui.i18n import tr

log = logging.getLogger("playground")


def run_guarded(render: Callable[[], None]) -> None:
    """Call `render`; any Exception is logged and shown as a short message (Streamlit's own
    control-flow signals derive from BaseException and pass through untouched)."""
    try:
        render()
    except Exception as exc:
        log.exception("page failed")
        st.error(tr("app.error", error=f"{type(exc).__name__}: {exc}"), icon="⚠️")
