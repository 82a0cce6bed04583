"""Entry point: page config, the shared sidebar, navigation from the lesson registry, and the one
error guard around whichever page runs."""

import logging

import streamlit as st

from pages import HOME, LESSONS
from ui.i18n import tr
from ui.lesson import page_run
from ui.sidebar import render_sidebar
from ui.urlstate import show_url_notes

log = logging.getLogger("playground")


def navigation() -> st.navigation:
    """Home plus one page per lesson; URL paths are stable, titles follow the language."""
    home = st.Page(HOME.script, title=tr("home.title"), icon=HOME.icon, default=True)
    pages = [st.Page(x.script, title=tr(f"{x.name}.title"), icon=x.icon, url_path=x.name) for x in LESSONS]
    return st.navigation([home, *pages])


st.set_page_config(page_title="PyTorch Playground", page_icon="🔥", layout="wide")
render_sidebar()
notes = st.empty()  # filled after the page ran, so the page's own bad link values are listed too
page = navigation()
try:
    with page_run(page.url_path):
        page.run()
except Exception as exc:  # Streamlit's rerun and stop signals are BaseExceptions and pass through
    log.exception("page failed")
    st.error(tr("app.error", error=f"{type(exc).__name__}: {exc}"), icon="⚠️")
with notes.container():
    show_url_notes()
