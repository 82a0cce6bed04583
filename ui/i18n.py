"""The current session's language and `tr`, the one way pages turn keys into text."""

from __future__ import annotations

from collections.abc import Callable

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


def labels(prefix: str) -> Callable[[str], str]:
    """A widget's format_func for option codes: code -> the text of `prefix + code`, in this run's
    language (fixed now, so the function gives the same text wherever Streamlit calls it)."""
    language = lang()
    return lambda code: translate(f"{prefix}{code}", language)
