"""The translation layer: one catalog per language, merged from core.locales.*, English fallback."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

import core.locales

LANGUAGES: dict[str, str] = {"en": "English", "zh": "简体中文"}
DEFAULT_LANGUAGE = "en"


@cache
def catalogs() -> dict[str, dict[str, str]]:
    """{lang: {key: text}} from every module in core.locales (each defines EN and ZH dicts)."""
    merged: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
    for info in sorted(pkgutil.iter_modules(core.locales.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"core.locales.{info.name}")
        for lang, table in (("en", module.EN), ("zh", module.ZH)):
            clash = merged[lang].keys() & table.keys()
            if clash:
                raise ValueError(f"core.locales.{info.name} redefines keys: {sorted(clash)}")
            merged[lang].update(table)
    return merged


def translate(key: str, lang: str, **kwargs: object) -> str:
    """The text for `key` in `lang`, else in English, else the key itself; formatted with kwargs."""
    tables = catalogs()
    text = tables.get(lang, {}).get(key) or tables[DEFAULT_LANGUAGE].get(key) or key
    return text.format(**kwargs) if kwargs else text
