"""Shared browser timing for the benchmarks: a fresh `streamlit run` server and headless Chromium."""

from __future__ import annotations

import contextlib
import statistics
from collections.abc import Iterator, Sequence

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, streamlit_server

VIEWPORT = {"width": 1400, "height": 1000}


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """Debian's headless Chromium, launched as the browser tests launch it; closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def chromium_app() -> Iterator[tuple[str, object]]:
    """(base URL, browser): the app served on a free port and Chromium launched; both closed after."""
    with streamlit_server() as url, chromium() as browser:
        yield url, browser


def new_page(browser):
    """A fresh tab of the benchmark's window size."""
    return browser.new_page(viewport=VIEWPORT)


def summary(seconds: Sequence[float]) -> str:
    """'median 1.23 s (min 1.10, max 1.40)' for a list of timings."""
    return f"median {statistics.median(seconds):.2f} s (min {min(seconds):.2f}, max {max(seconds):.2f})"
