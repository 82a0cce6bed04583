"""Real browser: every page loads clean, deep links show the sidebar, the language switch works."""

from __future__ import annotations

import pytest

from bench.browser import exceptions, streamlit_server, wait_ready
from pages import LESSONS


@pytest.mark.parametrize("path", ["", *(p.name for p in LESSONS)])
def test_every_page_loads_without_exception(server, page, path):
    page.goto(f"{server}/{path}")
    wait_ready(page)
    page.wait_for_selector("h1", timeout=30_000)
    page.locator("[data-testid='stSidebar']").get_by_text("Run seed").wait_for(timeout=30_000)
    wait_ready(page)
    assert exceptions(page) == []


@pytest.mark.parametrize("path", [p.name for p in LESSONS])
def test_deep_link_as_first_request_shows_the_sidebar(browser, path):
    """The very first request after start-up is a deep link: the entry script must still run."""
    with streamlit_server() as url:
        pg = browser.new_page()
        pg.goto(f"{url}/{path}?lang=zh&seed=7")
        wait_ready(pg)
        sidebar = pg.locator("[data-testid='stSidebar']")
        sidebar.get_by_text("随机种子").wait_for(timeout=30_000)
        assert sidebar.get_by_text("简体中文").is_visible()
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
