"""The current session's language and `tr`, the one way pages turn keys into text."""

from __future__ import annotations

import streamlit as st

from core.i18n import DEFAULT_LANGUAGE, LANGUAGES, translate

LANG_KEY = "lang"  # session_state and URL key of the language switch


def lang() -> str:
    """The session's language code ('en' or 'zh')."""
    value = st.session_state.get(LANG_KEY, DEFAULT_LANGUAGE)
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def tr(key: str, **kwargs: object) -> str:
    """Translate `key` into the session's language."""
    return translate(key, lang(), **kwargs)
