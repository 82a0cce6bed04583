"""The shared sidebar: language switch, run seed, presenter mode, device in use (rendered by app.py on
every page)."""

from __future__ import annotations

import streamlit as st
import torch

from core import device as core_device
from core.compute import service
from ui.i18n import LANG_KEY, LANGUAGES, tr
from ui.params import BoolParam, ChoiceParam, IntParam
from ui.present import PRESENT_KEY
from ui.urlstate import seed_from_url, write_to_url

SEED_KEY = "seed"
APP_PARAMS = {
    LANG_KEY: ChoiceParam("en", tuple(LANGUAGES)),
    SEED_KEY: IntParam(0, 0, 99_999),
    PRESENT_KEY: BoolParam(False),
}


@st.cache_resource(show_spinner=False)
def _device() -> tuple[torch.device, str | None]:
    """The process's device, chosen once; the error text when the override was unusable."""
    core_device.setup_threads()
    try:
        return core_device.pick_device(), None
    except ValueError as exc:
        return torch.device("cpu"), str(exc)


def device() -> torch.device:
    """The device every page trains on."""
    return _device()[0]


def _workers() -> str:
    """Where this server's runs are computed, in words."""
    workers = service(str(device())).workers
    kind = {"InlineWorkers": "inline", "DaskWorkers": "dask"}.get(type(workers).__name__, "local")
    return tr(f"app.workers_{kind}", n=workers.slots)


def run_seed() -> int:
    """The run seed chosen in the sidebar."""
    return int(st.session_state.get(SEED_KEY, APP_PARAMS[SEED_KEY].default))


def _guess_language() -> None:
    """First visit without ?lang=: follow the browser's language (zh-* opens in Chinese)."""
    if LANG_KEY in st.session_state or LANG_KEY in st.query_params:
        return
    locale = (getattr(st.context, "locale", None) or "").lower()
    if locale.startswith("zh"):
        st.session_state[LANG_KEY] = "zh"


def render_sidebar() -> None:
    """Language, seed, presenter mode and device, each setting kept in the URL."""
    _guess_language()
    seed_from_url(APP_PARAMS)
    with st.sidebar:
        st.radio(tr("app.language"), list(LANGUAGES), format_func=LANGUAGES.get, key=LANG_KEY,
                 horizontal=True)
        st.number_input(tr("app.seed"), min_value=0, max_value=99_999, step=1, key=SEED_KEY,
                        help=tr("app.seed_help"))
        st.toggle(tr("present.toggle"), key=PRESENT_KEY, help=tr("present.toggle_help"))
        dev, error = _device()
        if error:
            st.warning(tr("app.device_error", error=error))
        st.caption(f"{tr('app.device')}: {core_device.describe(dev)}  \n{tr('app.workers')}: {_workers()}")
    write_to_url(APP_PARAMS)
