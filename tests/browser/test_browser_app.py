"""Real browser: every page loads clean, deep links show the sidebar, the language switch works."""

from __future__ import annotations

import pytest

from bench.browser import exceptions, streamlit_server, wait_ready
from pages import LESSONS
from ui.i18n import translate


@pytest.mark.parametrize("path", ["", *(p.name for p in LESSONS)])
def test_every_page_loads_without_exception(server, page, path):
    page.goto(f"{server}/{path}")
    wait_ready(page)
    page.wait_for_selector("h1", timeout=30_000)
    page.locator("[data-testid='stSidebar']").get_by_text("Run seed").wait_for(timeout=30_000)
    wait_ready(page)
    assert exceptions(page) == []


# Every page reaches Streamlit the same way (pages/<name>/page.py through st.navigation, a
# registry line each; tests/test_architecture.py checks the shape), so a fresh server per lesson
# tells nothing more than three do: the first lesson, one on MNIST data, and the drawing page.
FIRST_REQUEST = ("race", "ae", "mnist")


@pytest.mark.parametrize("path", FIRST_REQUEST)
def test_deep_link_as_first_request_shows_the_sidebar(browser, path):
    """The very first request after start-up is a deep link: the entry script must still run."""
    with streamlit_server() as url:
        pg = browser.new_page()
        pg.goto(f"{url}/{path}?lang=zh&seed=7")
        wait_ready(pg, 120_000)  # a cold first run: torch import and the page, on a loaded machine
        sidebar = pg.locator("[data-testid='stSidebar']")
        sidebar.get_by_text("随机种子").wait_for(timeout=30_000)
        assert sidebar.get_by_text("简体中文").is_visible()
        assert pg.locator("[data-testid='stSidebar'] input[type='number']").input_value() == "7"
        assert exceptions(pg) == []
        pg.close()


@pytest.mark.parametrize(("path", "lang"), [("race", "en"), ("dropout", "zh")])
def test_deep_link_as_first_request_has_no_page_not_found_dialog(browser, path, lang):
    """The first run after start-up goes through Streamlit's pages/-folder mode, which sends a
    "Page not found" dialog for a deep link before app.py runs; app.py closes it and reruns the
    page. The visitor sees the linked page, in the link's language, with its query kept."""
    with streamlit_server() as url:
        pg = browser.new_page()
        pg.goto(f"{url}/{path}?lang={lang}&seed=7")
        wait_ready(pg, 120_000)
        title = translate(f"{path}.title", lang)
        pg.locator("[data-testid='stMain'] h1").get_by_text(title).wait_for(timeout=60_000)
        wait_ready(pg, 120_000)
        assert pg.get_by_text("Page not found").count() == 0
        assert pg.locator("[role='dialog']").count() == 0
        assert "seed=7" in pg.url and (lang == "en" or f"lang={lang}" in pg.url)  # en: the default, left out
        assert pg.locator("[data-testid='stSidebar'] input[type='number']").input_value() == "7"
        assert exceptions(pg) == []
        pg.close()


def test_language_switch_changes_text(server, page):
    page.goto(server)
    wait_ready(page)
    page.get_by_text("PyTorch Playground").first.wait_for()
    page.locator("[data-testid='stSidebar']").get_by_text("简体中文").click()
    page.get_by_text("PyTorch 游乐场").first.wait_for(timeout=15_000)
    assert "lang=zh" in page.url
    assert exceptions(page) == []
