"""Real-browser fixtures: one `streamlit run` server and one headless Chromium per session, and a fresh
tab per test. The server, the browser and the page helpers are bench/browser.py's, shared with the
benchmarks.

Without Chromium or Playwright the browser tests skip with the reason; under CI (CI=true) they fail.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.browser import CHROMIUM, VIEWPORT, chromium, streamlit_server
from bench.browser import SEVEN as SEVEN  # the test modules' page helpers, re-exported
from bench.browser import UNCOVERED as UNCOVERED
from bench.browser import canvas as canvas
from bench.browser import draw as draw
from bench.browser import exceptions as exceptions
from bench.browser import wait_count as wait_count
from bench.browser import wait_ready as wait_ready


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -r requirements-dev.txt)"
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set PLAYGROUND_CHROMIUM)"
    return None


def _require_browser() -> None:
    reason = _missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests are required in CI: {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    """One server for the session's browser tests (tests needing a fresh one start their own)."""
    _require_browser()
    with streamlit_server() as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    _require_browser()
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser):
    """A fresh tab; the test fails if the page raised a JavaScript error (a chart Vega could not
    draw, for one, shows only there)."""
    context = browser.new_context(viewport=VIEWPORT)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda error: errors.append(str(error)))
    yield pg
    context.close()
    assert errors == [], errors
