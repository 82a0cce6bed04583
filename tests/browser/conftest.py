"""Real-browser fixtures: a `streamlit run` server on a free port and Debian's headless Chromium.

Without Chromium or Playwright the browser tests skip with the reason; under CI (CI=true) they fail.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

CHROMIUM = os.environ.get("PLAYGROUND_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
READY = "[data-testid='stApp'][data-test-script-state='notRunning']"


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(timeout: float = 60, script: Path | None = None) -> Iterator[str]:
    """Start `streamlit run app.py` (or `script`, with the app's config) on a free port; yield its
    base URL once /_stcore/health is ok."""
    port = free_port()
    script = script or ROOT / "app.py"
    cmd = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
           "--server.headless", "true", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited: {proc.stderr.read().decode()[-2000:]}")
            with contextlib.suppress(OSError):
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            time.sleep(0.2)
        else:
            raise RuntimeError("streamlit did not answer /_stcore/health in time")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    """One server for the session's browser tests (tests needing a fresh one start their own)."""
    _require_browser()
    with streamlit_server() as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A fresh tab; the test fails if the page raised a JavaScript error (a chart Vega could not
    draw, for one, shows only there)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda error: errors.append(str(error)))
    yield pg
    context.close()
    assert errors == [], errors


def wait_ready(pg, timeout_ms: float = 30_000) -> None:
    """Wait until the script run finished (Streamlit's own end-to-end tests use this marker).

    The marker also shows for a moment before the first run starts, so wait for the page's
    title (every page has one) before and for the marker again after it."""
    pg.wait_for_selector(READY, timeout=timeout_ms)
    pg.wait_for_selector("[data-testid='stMain'] h1", timeout=timeout_ms)
    pg.wait_for_selector(READY, timeout=timeout_ms)


def wait_count(pg, selector: str, at_least: int, timeout_ms: float = 30_000) -> int:
    """Wait until at least `at_least` elements match (charts mount a moment after the script
    run ends on a busy machine), then return how many there are."""
    handle = pg.wait_for_function(
        f"(() => {{ const n = document.querySelectorAll({selector!r}).length;"
        f" return n >= {at_least} ? n : 0; }})()",
        timeout=timeout_ms)
    return handle.json_value()  # counted in the same instant (a rerun may remount a chart a moment later)


def exceptions(pg) -> list[str]:
    """Texts of any exception boxes on the page."""
    return [el.inner_text() for el in pg.locator("[data-testid='stException']").all()]
