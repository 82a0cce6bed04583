"""How every chart looks, in one place: the palette, chart sizes, fonts, and chart labels built
from the catalogs.

Chart functions (`pages/<lesson>/charts.py`) take `(result, frame, labels)`: `labels` is a small
frozen dataclass of the texts the chart shows, built by `chart_labels` in the session's language,
so a chart never reads the catalog itself and its cache key names its language.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from typing import Any, TypeVar

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

# On every page: a chart wider than its column (a grid of fixed-width histograms, a facet) shrinks
# to fit it, whole, instead of being cut at the column's edge (at 1024x768 and on a phone the
# BatchNorm page's histograms lost a third of their width). Vega's SVG has a viewBox: it scales.
# On a phone, result tables wrap their cells (the race's leaderboard was 419 px wide at 390).
PAGE_STYLE = """<style>
[data-testid="stVegaLiteChart"] { max-width: 100%; }
[data-testid="stVegaLiteChart"] svg.marks { max-width: 100%; height: auto; }
@media (max-width: 640px) {  /* a phone: result tables (ui.table) wrap their cells to fit */
  [data-testid="stMarkdownContainer"] table { font-size: 0.8rem; }
  [data-testid="stMarkdownContainer"] th, [data-testid="stMarkdownContainer"] td {
    padding: 0.25rem 0.35rem; overflow-wrap: anywhere; }
}
</style>"""

TITLE_WIDTH = 34  # a chart title's line, in Latin characters (a CJK character counts two)
NARROW_TITLE_WIDTH = 18  # ... in a chart three or more to a row


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrap(text: str, width: int = TITLE_WIDTH) -> str | list[str]:
    """`text` as lines of about `width` (Vega-Lite's multi-line title), or itself when it fits.

    Vega cuts a title longer than its chart with an ellipsis ("Eval mode: dropout off, one
    determinist…" at 1024 px): titles are broken at spaces (anywhere in CJK text) into lines of
    about equal length instead, so that a narrow column shows all of them."""
    if _width(text) <= width:
        return text
    lines = -(-_width(text) // width)
    target = _width(text) / lines
    out, line = [], ""
    for token in re.findall(r"[\u3000-\u9fff\uff00-\uffef]|[^\s\u3000-\u9fff\uff00-\uffef]+\s*|\s+", text):
        if line.strip() and _width(line + token.rstrip()) > target + 4:
            out.append(line.rstrip())
            line = token.lstrip()
        else:
            line += token
    out.append(line.rstrip())
    return [x for x in out if x] if len(out) > 1 else text


def _joined(text: str | list) -> str:
    return " ".join(map(str, text)) if isinstance(text, list) else text


def wrap_titles(node: Any, width: int) -> None:
    """Every chart title of a spec wrapped (see `wrap`), in place."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "title" and isinstance(value, (str, list)) and "field" not in node:
                node[key] = wrap(_joined(value), width)
            elif key == "title" and isinstance(value, dict) and isinstance(value.get("text"), (str, list)):
                value["text"] = wrap(_joined(value["text"]), width)
            elif key not in ("datasets", "encoding"):
                wrap_titles(value, width)
    elif isinstance(node, list):
        for item in node:
            wrap_titles(item, width)


L = TypeVar("L")


def chart_labels(cls: type[L], prefix: str, language: str | None = None, **values: str) -> L:
    """An instance of the labels dataclass `cls`: each field is the text `prefix.field` in
    `language` (the session's by default); `values` fill fields that are not catalog texts."""
    language = language or lang()
    texts = {f.name: translate(f"{prefix}.{f.name}", language) for f in dataclasses.fields(cls)
             if f.name not in values}
    return cls(**texts, **values)
