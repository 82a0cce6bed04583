"""Translation: one catalog per language, merged from ui/texts.py and each page's texts.py;
the current session's language, and `tr`, the one way pages turn keys into text."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import cache

import streamlit as st

from pages import HOME, LESSONS

LANGUAGES: dict[str, str] = {"en": "English", "zh": "简体中文"}
DEFAULT_LANGUAGE = "en"
LANG_KEY = "lang"  # session_state and URL key of the language switch
CATALOG_MODULES = ("ui.texts", *(f"pages.{x.name}.texts" for x in (HOME, *LESSONS)))


@cache
def catalogs() -> dict[str, dict[str, str]]:
    """{lang: {key: text}} from every catalog module (each defines EN and ZH dicts)."""
    merged: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
    for name in CATALOG_MODULES:
        module = importlib.import_module(name)
        for lang, table in (("en", module.EN), ("zh", module.ZH)):
            clash = merged[lang].keys() & table.keys()
            if clash:
                raise ValueError(f"{name} redefines keys: {sorted(clash)}")
            merged[lang].update(table)
    return merged


def translate(key: str, lang: str, **kwargs: object) -> str:
    """The text for `key` in `lang`, else in English, else the key itself; formatted with kwargs."""
    tables = catalogs()
    text = tables.get(lang, {}).get(key) or tables[DEFAULT_LANGUAGE].get(key) or key
    return text.format(**kwargs) if kwargs else text


def has_text(key: str) -> bool:
    """Whether the catalogs define `key`."""
    return key in catalogs()[DEFAULT_LANGUAGE]


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
