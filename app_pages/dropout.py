"""The dropout page (filled in by its issue): title and introduction."""

import streamlit as st

from ui.guard import run_guarded
from ui.i18n import tr


def render() -> None:
    st.title(tr("dropout.title"))
    st.write(tr("dropout.intro"))


run_guarded(render)
