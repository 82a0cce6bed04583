"""Keep a page's controls in the URL so a shared link reproduces the exact run.

Widget keys double as query-parameter names (`race.lr`). Call `seed_from_url` before creating the
widgets (each created with `key=` and without `value=`), then `write_to_url` after them. Values
are language-independent codes, so a link made in English opens the same run in Chinese.
A hand-edited bad value falls back to its default and is listed in a visible note.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from ui.i18n import tr
from ui.params import Param, parse_or_default

_NOTES_KEY = "_url_notes"


def seed_from_url(params: Mapping[str, Param]) -> None:
    """Give every key without a value one from the URL (or its default); note the bad ones."""
    notes: list[str] = st.session_state.setdefault(_NOTES_KEY, [])
    for key, param in params.items():
        if key in st.session_state:
            continue
        raw = st.query_params.get(key)
        value, ok = parse_or_default(param, raw)
        if not ok:
            notes.append(f"{key}={raw!s:.40}")
            del st.query_params[key]
        st.session_state[key] = value


def write_to_url(params: Mapping[str, Param]) -> None:
    """Put every non-default value in the URL and drop the defaults, so links stay short."""
    for key, param in params.items():
        value = st.session_state.get(key, param.default)
        if value == param.default or (isinstance(value, list) and tuple(value) == param.default):
            if key in st.query_params:
                del st.query_params[key]
        else:
            text = param.format(value)
            if st.query_params.get(key) != text:
                st.query_params[key] = text


def show_url_notes() -> None:
    """A visible note listing the link values that were replaced by defaults (if any)."""
    notes = st.session_state.get(_NOTES_KEY)
    if notes:
        st.warning(tr("app.url_notes", items=", ".join(notes)), icon="🔗")
