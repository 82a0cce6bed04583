"""Exports and the code of a run, at the foot of every lesson: each chart's data as CSV, the whole
run as one JSON file, and the plain PyTorch script that reproduces it.

Nothing is built before it is asked for. While a page runs, `ui.charts.chart` and
`ui.lesson.comparison` only note what they drew (a reference to the shared spec, the run's
result); the two panels are expanders whose contents are built only while open, and each file is
written by the download button's callable, on the click. Each chart's PNG is Streamlit's own chart
toolbar ("Download as PNG"), drawn in the browser from what is on screen.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from core import scripts
from core.export import run_json
from ui.i18n import tr

_CHARTS = "_export.charts"  # session_state: {place on the page: spec} of this page run's charts
_RUNS = "_export.runs"  # session_state: {comparison key: (config, result)} of this page run


def start_page() -> None:
    """A page run begins: forget what the last one drew (a replay's fragment reruns update it)."""
    st.session_state[_CHARTS] = {}
    st.session_state[_RUNS] = {}


def note_chart(name: str, spec: dict[str, Any]) -> None:
    """`ui.charts.chart` drew `spec`, named by its place on the page (or by its widget key), so
    that a replay's next frame replaces the one before."""
    charts = st.session_state.get(_CHARTS)
    if charts is not None:
        charts[name] = spec


def note_run(key: str, config: Any, result: Any | None) -> None:
    """`ui.lesson.comparison` showed `result` of `config` under `key` (a page that trains live notes
    its last run, or None before its first)."""
    runs = st.session_state.get(_RUNS)
    if runs is not None:
        runs[key] = (config, result)


def title(spec: dict[str, Any]) -> str | None:
    """The chart's title as the page shows it, if it has one."""
    text = spec.get("title")
    if isinstance(text, dict):
        text = text.get("text")
    if isinstance(text, list):
        text = " ".join(map(str, text))
    return str(text) if text else None


def chart_csv(spec: dict[str, Any]) -> str:
    """The data a chart draws as one CSV: its one data frame, or its frames one after the other
    with a `layer` column naming each (a line chart and its points)."""
    frames = [(name, df) for name, df in spec.get("datasets", {}).items() if isinstance(df, pd.DataFrame)]
    values = spec.get("data", {}).get("values") if isinstance(spec.get("data"), dict) else None
    if values:
        frames.append(("data", pd.DataFrame(values)))
    if len(frames) == 1:
        return frames[0][1].to_csv(index=False)
    parts = [df.assign(layer=i) for i, (_, df) in enumerate(frames)]
    return pd.concat(parts, ignore_index=True).to_csv(index=False) if parts else ""


def _slug(text: str) -> str:
    return re.sub(r"[^\w]+", "-", text.lower(), flags=re.ASCII).strip("-")[:40] or "chart"


def _csv_of(charts: dict[str, Any], place: str) -> Callable[[], str]:
    """The download's callable: the chart drawn at `place` when the button is clicked (a replay may
    have moved on since the panel was drawn)."""
    return lambda: chart_csv(charts[place])


def panels(page: str) -> None:
    """The export and code panels at the foot of a lesson page, after everything it drew."""
    charts, runs = st.session_state.get(_CHARTS) or {}, st.session_state.get(_RUNS) or {}
    if not charts and not runs:
        return
    with st.expander(tr("export.title"), key=f"{page}.panel.export", on_change="rerun", icon="📥") as box:
        if box.open:
            _export(page, charts, runs)
    coded = {key: config for key, (config, _) in runs.items() if scripts.has_script(config)}
    if coded:  # the whole width: a script's lines are long
        with st.expander(tr("code.title"), key=f"{page}.panel.code", on_change="rerun", icon="🐍") as box:
            if box.open:
                _code(page, coded)


def _export(page: str, charts: dict[str, Any], runs: dict[str, tuple[Any, Any]]) -> None:
    for key, (config, result) in runs.items():
        if result is None:  # nothing run yet (the MNIST page before its first training)
            continue
        st.download_button(tr("export.run"), lambda c=config, r=result: run_json(page, c, r),
                           file_name=f"{_slug(key)}-seed{getattr(config, 'seed', 0)}.json",
                           mime="application/json", key=f"{key}.panel.run", on_click="ignore",
                           icon="🗂️", help=tr("export.run_help"))
    if charts:
        st.caption(tr("export.charts"))
        for i, (place, spec) in enumerate(charts.items()):
            name = title(spec) or tr("export.chart", n=i + 1)
            st.download_button(name, _csv_of(charts, place), file_name=f"{page}-{i + 1}-{_slug(name)}.csv",
                               mime="text/csv", key=f"{page}.panel.csv.{i}", on_click="ignore", icon="📄")
    st.caption(tr("export.png"))


def _code(page: str, coded: dict[str, Any]) -> None:
    st.caption(tr("code.help"))
    for key, config in coded.items():
        text = scripts.script(config)
        st.code(text, language="python", line_numbers=False)
        st.download_button(tr("code.download"), text, file_name=f"{_slug(key)}.py", mime="text/x-python",
                           key=f"{key}.panel.script", on_click="ignore", icon="⬇️")
