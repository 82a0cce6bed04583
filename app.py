"""Entry point: page config, navigation and the shared sidebar; each page lives in app_pages/."""

import streamlit as st

from ui.i18n import tr
from ui.nav import COMPARISONS, script
from ui.sidebar import render_sidebar
from ui.urlstate import show_url_notes


def navigation() -> st.navigation:
    """Home plus one page per comparison; URL paths are stable, titles follow the language."""
    home = st.Page(script("home"), title=tr("home.title"), icon="🏠", default=True)
    pages = [st.Page(script(p.name), title=tr(f"{p.name}.title"), icon=p.icon, url_path=p.name)
             for p in COMPARISONS]
    return st.navigation([home, *pages])


st.set_page_config(page_title="PyTorch Playground", page_icon="🔥", layout="wide")
render_sidebar()
notes = st.empty()  # filled after the page ran, so the page's own bad link values are listed too
navigation().run()
with notes.container():
    show_url_notes()
