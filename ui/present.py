"""Presenter mode, for a projector: large type, no sidebar, thicker chart lines, the page laid out
for 1024x768 and 1280x720, and the replay on the keyboard (space plays and pauses, the arrow keys
step one frame: `ui.playback`).

A toggle in the sidebar and `present=true` in the link turn it on. The page's look changes by one
style sheet; the charts by a copy of each Vega-Lite spec with bigger fonts and thicker lines
(`presenter_spec`), built once per chart and shared like the spec itself (`ui.charts`).
"""

from __future__ import annotations

import copy
from typing import Any

import streamlit as st

from ui.i18n import tr
from ui.theme import NARROW_TITLE_WIDTH, TITLE_WIDTH, wrap_titles

PRESENT_KEY = "present"  # session_state and URL key of the toggle
FONT_SCALE = 1.3  # chart text, as the page's type grows (16 -> 21 px)
LINE_SCALE = 1.8  # chart lines and outlines
DEFAULT_FONT = 13  # Vega's own default text size where a chart sets none (11), a little larger

# Streamlit sizes its type and spacing in rem: a larger root makes everything legible at the back
# of a room. The sidebar and the toolbar go; the page takes the whole width, with the margins of a
# slide. Measured in Chromium: at 1024x768 the page body is 992 px wide, every chart and control
# inside it (tests/browser/test_browser_kit.py).
STYLE = """<style>
html { font-size: 21px; }
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"], header[data-testid="stHeader"] { display: none !important; }
[data-testid="stMainBlockContainer"] {
  padding: 0.75rem 1rem 3rem 1rem !important; max-width: 100% !important; }
[data-testid="stMain"] h1 { font-size: 2.1rem; padding-top: 0.25rem; }
</style>"""


def presenting() -> bool:
    """Whether this session shows the presenter mode."""
    return bool(st.session_state.get(PRESENT_KEY))


def _leave() -> None:
    st.session_state[PRESENT_KEY] = False


def apply(share: Any | None = None) -> None:
    """In presenter mode: the style sheet, and at the top of the page a way out (Esc) and, on a
    lesson, its QR code (`share()` opens it)."""
    if not presenting():
        return
    st.html(STYLE)
    row = st.container(horizontal=True, horizontal_alignment="right", key="present.bar")
    if share is not None and row.button(tr("present.qr"), key="present.qr", icon="🔳", type="tertiary"):
        share()
    row.button(tr("present.leave"), key="present.leave", on_click=_leave, shortcut="Esc", type="tertiary",
               icon=":material/close:", help=tr("present.leave_help"))


def presenter_spec(spec: dict[str, Any], narrow: bool = False) -> dict[str, Any]:
    """A copy of a Vega-Lite spec for the projector: every font size (and label length limit)
    times FONT_SCALE, every line width times LINE_SCALE, and defaults for the text a chart leaves
    at Vega's size; titles wrap sooner, as their letters are larger (`narrow`: see
    `ui.charts.chart`). The data frames are shared with `spec`, not copied."""
    out = {k: copy.deepcopy(v) for k, v in spec.items() if k != "datasets"}
    _scale(out)
    wrap_titles(out, int((NARROW_TITLE_WIDTH if narrow else TITLE_WIDTH) / FONT_SCALE))
    config = out.setdefault("config", {})
    font = round(DEFAULT_FONT * FONT_SCALE)
    for part in ("axis", "legend", "header"):
        section = config.setdefault(part, {})
        for name in ("labelFontSize", "titleFontSize"):
            section.setdefault(name, font)
    config["legend"].setdefault("labelLimit", round(160 * FONT_SCALE))  # Vega's 160 px, for larger text
    config["axis"].setdefault("labelLimit", round(180 * FONT_SCALE))  # Vega's 180 px, likewise
    config.setdefault("title", {}).setdefault("fontSize", round(16 * FONT_SCALE))
    for mark in ("line", "trail", "rule"):
        config.setdefault(mark, {}).setdefault("strokeWidth", 2 * LINE_SCALE)
    if "datasets" in spec:
        out["datasets"] = spec["datasets"]
    return out


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _scale(node: Any) -> None:
    """Scale font sizes and stroke widths wherever a spec sets them (marks, encodings, configs)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if _number(value):
                if key.endswith("FontSize") or key == "fontSize" or (key.endswith("Limit") and value > 0):
                    node[key] = round(value * FONT_SCALE, 1)  # text, and the room it may take
                elif key == "strokeWidth":
                    node[key] = round(value * LINE_SCALE, 2)
            elif key == "strokeWidth" and isinstance(value, dict) and _number(value.get("value")):
                value["value"] = round(value["value"] * LINE_SCALE, 2)  # an encoding's constant
            else:
                _scale(value)
    elif isinstance(node, list):
        for item in node:
            _scale(item)
