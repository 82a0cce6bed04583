"""One-click presets: a named config whose values fill a page's controls, from a click or a link.

A preset is a config instance; its values go to every control bound to that config class. The
control that names the preset (`key`) stays in the link, so `?fit.preset=batch` opens the preset
and a link that also sets some controls opens the preset with those changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from ui.controls import Controls, Multi


def values(controls: Controls, config: Any) -> dict[str, Any]:
    """{control key: session value} that sets every control bound to `type(config)` to `config`."""
    return {c.key: (list(getattr(config, c.field)) if isinstance(c, Multi) else getattr(config, c.field))
            for c in controls if c.config is type(config)}


def apply(controls: Controls, config: Any) -> None:
    """Set every control bound to `type(config)` to `config`'s value (before its widget is drawn,
    or from a widget's callback)."""
    st.session_state.update(values(controls, config))


def from_link(controls: Controls, key: str, presets: Mapping[str, Any]) -> None:
    """On a session's first run of the page: if the link names a preset (`key`), its values fill
    every control the link does not set itself."""
    done = f"{key}.from_link"
    if st.session_state.get(done):
        return
    st.session_state[done] = True
    config = presets.get(st.query_params.get(key, ""))
    if config is not None:
        chosen = values(controls, config)
        st.session_state.update({k: v for k, v in chosen.items() if k not in st.query_params})
