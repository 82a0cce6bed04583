"""The activations page (filled in by its issue): title and introduction."""

import streamlit as st

from ui.guard import run_guarded
from ui.i18n import tr


def render() -> None:
    st.title(tr("activations.title"))
    st.write(tr("activations.intro"))


run_guarded(render)
