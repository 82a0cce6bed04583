"""ui.charts: specs with named Arrow-ready datasets, equal to Altair's own, built once per key."""

from __future__ import annotations

import json

import altair as alt
import pandas as pd
from streamlit.testing.v1 import AppTest

from ui.charts import to_spec


def _without_data(spec: dict) -> str:
    """The spec as JSON with every data reference and dataset removed."""
    def strip(node):
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k not in ("data", "datasets", "$schema")}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node
    return json.dumps(strip(spec), sort_keys=True)


def _names(node) -> set[str]:
    if isinstance(node, dict):
        data = node.get("data")
        found = {data["name"]} if isinstance(data, dict) and "name" in data else set()
        return found.union(*(_names(v) for k, v in node.items() if k != "datasets"))
    if isinstance(node, list):
        return set().union(*(_names(v) for v in node))
    return set()


def _layered() -> alt.LayerChart:
    a = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [1.0, 4.0, 9.0]})
    b = pd.DataFrame({"x": [1.0, 3.0], "y": [2.0, 2.0]})
    base = alt.Chart(a).encode(x=alt.X("x:Q"), y=alt.Y("y:Q"))
    return alt.layer(base.mark_line(), base.mark_point(), alt.Chart(b).mark_rule().encode(y=alt.Y("y:Q")))


def test_spec_is_altairs_with_data_frames_as_named_datasets():
    reference = _layered().to_dict()  # validated by Altair
    spec = to_spec(_layered())
    assert _without_data(spec) == _without_data(reference)
    assert _names(spec) == set(spec["datasets"])  # every reference has its dataset, and no more
    frames = sorted(len(df) for df in spec["datasets"].values())
    assert frames == [2, 3] and all(isinstance(df, pd.DataFrame) for df in spec["datasets"].values())


def test_facets_and_concatenations_keep_their_data():
    df = pd.DataFrame({"x": [1.0, 2.0], "y": [3.0, 4.0], "g": ["a", "b"]})
    one = alt.Chart(df).mark_bar().encode(x=alt.X("x:Q"), y=alt.Y("y:Q"))
    for chart in (one.facet(column=alt.Column("g:N")), alt.hconcat(one, one.mark_point()),
                  alt.vconcat(one, alt.Chart(df.head(1)).mark_point().encode(x=alt.X("x:Q")))):
        spec = to_spec(chart)
        assert spec["datasets"] and _names(spec) == set(spec["datasets"])


CACHE_APP = """
import altair as alt, pandas as pd, streamlit as st
from ui.charts import chart
st.session_state.setdefault("made", 0)
def make():
    st.session_state["made"] += 1
    return alt.Chart(pd.DataFrame({"x": [1.0]})).mark_point().encode(x=alt.X("x:Q"))
chart(("test.point", st.session_state.get("k", 1)), make)
"""


def test_chart_builds_once_per_key_and_language():
    at = AppTest.from_string(CACHE_APP, default_timeout=30)
    at.run()
    at.run()
    assert at.session_state["made"] == 1  # the second run reused the spec
    at.session_state["k"] = 2
    at.run()
    assert at.session_state["made"] == 2
    at.session_state["lang"] = "zh"
    at.run()
    assert at.session_state["made"] == 3  # texts follow the language: a spec per language
