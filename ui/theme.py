"""How every chart looks, in one place: the palette, chart sizes, fonts, and chart labels built
from the catalogs.

Chart functions (`pages/<lesson>/charts.py`) take `(result, frame, labels)`: `labels` is a small
frozen dataclass of the texts the chart shows, built by `chart_labels` in the session's language,
so a chart never reads the catalog itself and its cache key names its language.
"""

from __future__ import annotations

import dataclasses
from typing import TypeVar

from ui.i18n import lang, translate

# Okabe-Ito: distinguishable with the common colour-vision deficiencies (the same list as
# chartCategoricalColors in .streamlit/config.toml). Variants take its colours in order.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
# More colours where a page shows more variants than the palette has (Paul Tol's muted).
EXTRA = ("#882255", "#117733", "#999933", "#888888")
BLUE, ORANGE, GREEN, VERMILION = PALETTE[:4]
GREY = "#888888"  # reference lines (the truth, a target)
LIGHT_GREY = "#BBBBBB"  # de-emphasised marks
DARK_GREY = "#333333"  # data points
LEGEND_GREY = "#555555"  # legend symbols of encodings without a colour (line dashes)
ERROR_RED = "#D62728"  # a marked failure (the ✖ of a diverged run on a surface)

HEIGHT = 340  # a page's main charts
SMALL_HEIGHT = 260  # charts shown several in a row
FONT = 14  # axis and legend text: legible on a projector
TITLE_FONT = 16

L = TypeVar("L")


def chart_labels(cls: type[L], prefix: str, language: str | None = None, **values: str) -> L:
    """An instance of the labels dataclass `cls`: each field is the text `prefix.field` in
    `language` (the session's by default); `values` fill fields that are not catalog texts."""
    language = language or lang()
    texts = {f.name: translate(f"{prefix}.{f.name}", language) for f in dataclasses.fields(cls)
             if f.name not in values}
    return cls(**texts, **values)
