"""Altair charts drawn from Vega-Lite specs that pages build once and share between sessions.

Building an Altair chart and converting it to Vega-Lite (what `st.altair_chart` does, validation
included) costs about 30 ms a chart here, on every rerun, every animation frame and every session.
`chart(key, make)` builds a spec once per key and language and every later run and every other
session reuses it: a cached run of the dropout page went from 0.19 s to 0.04 s of server time.
The specs are kept as shared objects, not through `st.cache_data`, which pickles each spec (its
data frames converted to Arrow) when it is stored and unpickles a copy on every hit.
The core chart functions stay plain Altair; the unit tests validate their full specs.
"""

from __future__ import annotations

import html
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st
import streamlit.components.v1 as components

from ui.export import note_chart
from ui.i18n import lang
from ui.present import presenter_spec, presenting
from ui.theme import NARROW_TITLE_WIDTH, TITLE_WIDTH, wrap_titles

# Streamlit's own chart path switches Altair's default theme (fixed 300 px views) off for every
# chart; specs built here are drawn the same way. Set once for the process, never toggled.
alt.theme.enable("none")

Spec = dict[str, Any]
_CHILDREN = ("layer", "hconcat", "vconcat", "concat", "spec")


def _name_frames(node: Any, datasets: dict[str, pd.DataFrame], names: dict[int, str]) -> None:
    """Replace every DataFrame in the chart tree by a named dataset (in place)."""
    data = getattr(node, "data", alt.Undefined)
    if isinstance(data, pd.DataFrame):
        name = names.setdefault(id(data), f"df-{len(names)}")  # Vega-Lite names its own "data_0"
        datasets[name] = data
        node.data = alt.NamedData(name=name)
    for attr in _CHILDREN:
        children = getattr(node, attr, alt.Undefined)
        for child in children if isinstance(children, list) else [children]:
            if isinstance(child, alt.SchemaBase):
                _name_frames(child, datasets, names)


def to_spec(chart: alt.TopLevelMixin, narrow: bool = False) -> Spec:
    """The chart as a Vega-Lite dict with its data frames as named datasets (the chart is consumed).

    Not validated against the schema here: the chart functions' specs are validated in the tests.
    `st.vega_lite_chart` sends each dataset to the browser in Arrow format, as `st.altair_chart` does.
    """
    datasets: dict[str, pd.DataFrame] = {}
    _name_frames(chart, datasets, {})
    spec = chart.to_dict(validate=False)
    wrap_titles(spec, NARROW_TITLE_WIDTH if narrow else TITLE_WIDTH)
    spec["datasets"] = {**spec.get("datasets", {}), **datasets}
    return spec


def show(spec: Spec, container: Any = st, **options: Any) -> Any:
    """Draw a spec from `to_spec` across the container's width (Streamlit copies it; it stays intact).
    `options`: Streamlit's own arguments (a selection's `on_select` and `key`, then the selection is
    returned; `width="content"` for the chart's own width)."""
    return container.vega_lite_chart(spec, **{"width": "stretch", **options})


MAX_SPEC_BYTES = 96 << 20  # the specs kept, by the size of their data (a class of 30 asks for many)
MAX_MARKUP_BYTES = 64 << 20  # the SVG views kept (a fit replay is ~100 KB a frame)


class Shared:
    """Values built once per key and shared by every session of the process: one object (never
    pickled or copied here), least recently used out once they hold more than `max_bytes`."""

    def __init__(self, max_bytes: int, size: Callable[[Any], int]) -> None:
        self.max_bytes, self._size = max_bytes, size
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self.bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The value of `key`, `make()` on a miss."""
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
                return item[0]
        value = make()
        size = self._size(value)
        with self._lock:
            old = self._items.pop(key, None)
            self.bytes += size - (old[1] if old else 0)
            self._items[key] = (value, size)
            while self.bytes > self.max_bytes and len(self._items) > 1:
                _, (_, dropped) = self._items.popitem(last=False)
                self.bytes -= dropped
        return value

    def __len__(self) -> int:
        return len(self._items)


def _size(spec: Spec) -> int:
    """About what a spec holds: its data frames' memory, plus a little for the rest."""
    return 4096 + sum(int(df.memory_usage(index=True).sum()) for df in spec.get("datasets", {}).values()
                      if isinstance(df, pd.DataFrame))


_specs = Shared(MAX_SPEC_BYTES, _size)
_markup = Shared(MAX_MARKUP_BYTES, len)


def _cached_spec(key: Hashable, language: str, make: Callable[[], alt.TopLevelMixin],
                 present: bool = False, narrow: bool = False) -> Spec:
    """The spec of `key` in `language`, built on a miss (`st.vega_lite_chart` copies what it
    sends, so the shared object stays intact); `present`: its presenter-mode copy."""
    spec = _specs.get((key, language), lambda: to_spec(make(), narrow))
    return _specs.get((key, language, "present"), lambda: presenter_spec(spec, narrow)) if present else spec


# A component of no build step (ui/static/markup/index.html): it parses the markup with the
# browser's own parser and changes only the nodes that differ from the frame before. Through
# st.markdown(unsafe_allow_html=True) every SVG element was a React element (react-markdown,
# rehype-raw, emotion): Chromium spent 148 ms of script per fit play update, 7.4 of the 9.8 s a
# play lasted (CDP Performance.getMetrics, ScriptDuration). With this component,
# `python -m bench.fit --browser` went from 5.0 to 10.1 updates shown a second, Chromium's CPU
# from 260 to 125 ms per update. st.html's sanitizer keeps HTML only, and strips SVG.
_view = components.declare_component("markup", path=str(Path(__file__).parent / "static" / "markup"))


def markup(place: str, key: Hashable, make: Callable[[], str], *, cache: bool = True) -> None:
    """Draw the SVG or HTML `make()` (a page's own views) at `place`, a name for this spot of the
    page that stays the same from frame to frame, so that a replay updates the view in place.
    `make()` is built once per `key` and language and shared by all sessions: in a class, thirty
    students replaying one question cost one build of each frame. `cache=False` for a view no one
    will see again (a session's own live state): built each time, and it pushes nothing out."""
    _view(html=_markup.get((key, lang()), make) if cache else make(), key=place, default=None)


def paragraph(text: str) -> str:
    """A catalog text as HTML for `markup`: escaped, its **bold** kept (the one markdown the
    catalogs' figures use)."""
    return "<div>" + re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", html.escape(text, quote=False)) + "</div>"


def chart(key: Hashable, make: Callable[[], alt.TopLevelMixin], container: Any = st, *,
          cache: bool = True, narrow: bool = False, options: dict[str, Any] | None = None) -> Any:
    """Draw `make()`, built once per `key` and language in this process and shared by all sessions.

    `key` must name everything the chart shows apart from the language: the page and chart, the
    run's config (seed included), the frame, the view options. `make` runs only on a miss.
    `cache=False` for a chart no one will see again (a live run's redraw while it trains): built
    each time, and it pushes no shared spec out of the cache. `narrow`: a chart three or more to a
    row, whose title wraps sooner (see `wrap`). In presenter mode the chart is drawn
    with bigger text and thicker lines (`ui.present`). The chart is noted for the page's exports.
    `options` go to Streamlit (see `show`): `{"on_select": "rerun", "key": ...}` makes the chart's
    selections a widget, whose state is returned.
    """
    options = options or {}
    present = presenting()
    if cache:
        spec = _cached_spec(key, lang(), make, present, narrow)
    else:
        spec = to_spec(make(), narrow)
        spec = presenter_spec(spec, narrow) if present else spec
    drawn = show(spec, container, **options)
    if "on_select" in options:  # Streamlit returned the selection: the widget's key names the chart
        note_chart(options["key"], spec)
        return drawn
    note_chart(drawn._get_delta_path_str(), spec)
    return None
