"""Entry point: page config, the shared sidebar, navigation from the lesson registry, and the one
error guard around whichever page runs."""

import logging

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

# The first script run after start-up goes through Streamlit's old pages/-folder mode, because a
# folder named pages/ lies beside this script (PagesManager sets the flag below at the first
# session; our st.navigation clears it). That mode knows only this script, so a first request for
# a deep link such as /race has already been sent a "Page not found" dialog before this line runs,
# and the dialog stays until closed (later runs do not clear it). Nothing in this project runs
# earlier, so on that one run: close that dialog in the browser, here, before the slow imports
# (torch), and rerun once navigation has found the page (that run of the page keeps the link's
# query parameters, ?lang= included; this one loses them).
# AppTest resets the flag before every run it makes: there it marks no server start, and the rerun
# would swallow the run's widget events (a clicked button).
# Only a deep link asked for by name (/race) gets the dialog; AppTest, which resets the flag before
# every run it makes, asks by page hash, and a rerun there would swallow the run's clicks.
_ctx = get_script_run_ctx()
V1_FIRST_RUN = bool(getattr(PagesManager, "uses_pages_directory", False) and _ctx is not None
                    and _ctx.pages_manager.intended_page_name)
CLOSE_PAGE_NOT_FOUND = """<script>
(() => {
  const t0 = performance.now();
  const tick = () => {
    for (const d of document.querySelectorAll("[role='dialog']")) {
      if (d.querySelector("h2")?.textContent.trim() === "Page not found") {
        d.querySelector("button[aria-label='Close']")?.click();
        return;
      }
    }
    if (performance.now() - t0 < 2000) requestAnimationFrame(tick);
  };
  tick();
})();
</script>"""
if V1_FIRST_RUN:
    st.html(CLOSE_PAGE_NOT_FOUND, unsafe_allow_javascript=True)

from pages import HOME, LESSONS  # noqa: E402 (after the dialog's closing, see above)
from ui.i18n import tr  # noqa: E402
from ui.lesson import page_run, warm_start  # noqa: E402
from ui.sidebar import render_sidebar  # noqa: E402
from ui.theme import PAGE_STYLE  # noqa: E402
from ui.urlstate import show_url_notes  # noqa: E402

log = logging.getLogger("playground")


def navigation() -> st.navigation:
    """Home plus one page per lesson; URL paths are stable, titles follow the language."""
    home = st.Page(HOME.script, title=tr("home.title"), icon=HOME.icon, default=True)
    pages = [st.Page(x.script, title=tr(f"{x.name}.title"), icon=x.icon, url_path=x.name) for x in LESSONS]
    return st.navigation([home, *pages])


st.set_page_config(page_title="PyTorch Playground", page_icon="🔥", layout="wide")
st.html(PAGE_STYLE)
warm_start()
render_sidebar()
notes = st.empty()  # filled after the page ran, so the page's own bad link values are listed too
page = navigation()
if V1_FIRST_RUN:  # see above: run the found page again, as a normal run
    st.rerun()
try:
    with page_run(page.url_path):
        page.run()
except Exception as exc:  # Streamlit's rerun and stop signals are BaseExceptions and pass through
    log.exception("page failed")
    st.error(tr("app.error", error=f"{type(exc).__name__}: {exc}"), icon="⚠️")
with notes.container():
    show_url_notes()
