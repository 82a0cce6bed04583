"""The batchnorm page (filled in by its issue): title and introduction."""

import streamlit as st

from ui.guard import run_guarded
from ui.i18n import tr


def render() -> None:
    st.title(tr("batchnorm.title"))
    st.write(tr("batchnorm.intro"))


run_guarded(render)
