"""The app in a real browser, for the benchmarks and the browser tests alike: a `streamlit run` server
on a free port, Debian's headless Chromium, and what a page shows when its run has finished.

The browser tests import this module (tests/browser/conftest.py adds only the pytest fixtures and
the skip/fail rule); nothing here imports a test module.
"""

from __future__ import annotations

import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("PLAYGROUND_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
VIEWPORT = {"width": 1400, "height": 1000}
READY = "[data-testid='stApp'][data-test-script-state='notRunning']"  # a script run has finished
# A hash of every drawn chart SVG on the page: it changes whenever a chart is redrawn.
SIGNATURE = """() => Array.from(document.querySelectorAll("[data-testid='stVegaLiteChart'] svg.marks"))
    .map(s => { const h = s.innerHTML; let x = 0;
                for (let i = 0; i < h.length; i += 7) x = (x * 31 + h.charCodeAt(i)) | 0;
                return h.length + ':' + x; }).join('|')"""


# ---- the server --------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A running `streamlit run`: its process, base URL and stderr (a file, not a pipe: a pipe nobody
    reads would stall a long-running server once full)."""

    proc: subprocess.Popen
    url: str
    log: IO[bytes]

    def wait_healthy(self, timeout: float = 60) -> None:
        """Poll /_stcore/health until it answers ok; RuntimeError if the server exits or takes too long."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"streamlit exited: {self.log.read().decode(errors='replace')[-2000:]}")
            with contextlib.suppress(OSError):
                if urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=1).read() == b"ok":
                    return
            time.sleep(0.05)  # fine-grained: bench.server times the start-up with this loop
        raise RuntimeError("streamlit did not answer /_stcore/health in time")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def start_server(script: Path | None = None, env: dict[str, str | None] | None = None,
                 warm_start: bool = False) -> Server:
    """Start `streamlit run app.py` (or `script`, with the app's config) on a free port, without
    waiting for it to answer. `env` changes this process's environment for it (None unsets a name).
    `warm_start`: through scripts/serve.py, as scripts/run.sh does (the worker pool and the warm
    start begin before the server answers, not at its first visitor)."""
    port = free_port()
    launch = ([str(ROOT / "scripts" / "serve.py")] if warm_start
              else ["-m", "streamlit", "run", str(script or ROOT / "app.py")])
    cmd = [sys.executable, *launch,
           "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by Server.stop)
    if env is not None:
        env = {k: v for k, v in {**os.environ, **env}.items() if v is not None}
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log, env=env)
    return Server(proc, f"http://127.0.0.1:{port}", log)


@contextlib.contextmanager
def streamlit_server(timeout: float = 60, script: Path | None = None) -> Iterator[str]:
    """A fresh server (see start_server); yields its base URL once /_stcore/health is ok."""
    server = start_server(script)
    try:
        server.wait_healthy(timeout)
        yield server.url
    finally:
        server.stop()


# ---- the browser -------------------------------------------------------------------------------

@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """Debian's headless Chromium, driven by Playwright; closed afterwards."""
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
    """A fresh tab of the usual window size, in a context of its own (a cold browser cache)."""
    return browser.new_page(viewport=VIEWPORT)


# ---- what a page shows -------------------------------------------------------------------------

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


# ---- the drawing canvas (ui.canvas) -------------------------------------------------------------

CANVAS = "canvas.upper-canvas"  # streamlit-drawable-canvas's drawing surface (fabric.js's top canvas)
# Whether each corner and the middle of `el` is what the reader would touch there: `el` itself, or
# its own component's controls (the canvas toolbar, which reaches over the canvas's top right corner),
# never another column, the page's header or the screen's edge. The canvas lives in a shadow root,
# so the hit test follows shadow roots down.
UNCOVERED = """(el) => { const r = el.getBoundingClientRect(), i = 3;
  const hit = (x, y) => { let e = document.elementFromPoint(x, y);
    while (e && e.shadowRoot) { const inner = e.shadowRoot.elementFromPoint(x, y);
      if (!inner || inner === e) break; e = inner; }
    const root = el.getRootNode();
    return e === el || (e !== null && root !== document && e.getRootNode() === root); };
  return [[r.left + i, r.top + i], [r.right - i, r.top + i], [r.left + i, r.bottom - i],
          [r.right - i, r.bottom - i], [(r.left + r.right) / 2, (r.top + r.bottom) / 2]]
    .map(([x, y]) => hit(x, y)); }"""


def canvas(pg, timeout_ms: float = 30_000):
    """The drawing canvas of the page, scrolled into view."""
    target = pg.locator(CANVAS).first
    target.wait_for(state="visible", timeout=timeout_ms)
    target.scroll_into_view_if_needed()
    return target


def draw(pg, strokes: Sequence[Sequence[tuple[float, float]]], steps: int = 12) -> None:
    """Draw `strokes` on the canvas, each a polyline of (x, y) in shares of its width and height,
    one mouse drag each."""
    box = canvas(pg).bounding_box()
    x0, y0, w, h = box["x"], box["y"], box["width"], box["height"]
    for stroke in strokes:
        pg.mouse.move(x0 + stroke[0][0] * w, y0 + stroke[0][1] * h)
        pg.mouse.down()
        for (ax, ay), (bx, by) in zip(stroke, stroke[1:]):
            for i in range(1, steps + 1):
                t = i / steps
                pg.mouse.move(x0 + (ax + t * (bx - ax)) * w, y0 + (ay + t * (by - ay)) * h)
        pg.mouse.up()
        pg.wait_for_timeout(300)


SEVEN = [[(0.3, 0.2), (0.72, 0.2)], [(0.72, 0.2), (0.55, 0.5), (0.42, 0.82)]]  # a bar, then down-left


SIZES = {"1024x768": (1024, 768), "1280x720": (1280, 720), "1920x1080": (1920, 1080), "390x844": (390, 844)}

# What a screen of this size cuts off, in words (empty when nothing): the page scrolling sideways;
# a chart's text Vega cut with an ellipsis or drawn beyond its chart; text a widget cut with an
# ellipsis; a chart, picture, canvas or frame wider than what shows it (a column, the window); a
# frame whose own page is wider than the frame (the drawing canvas).
LAYOUT_PROBLEMS = r"""() => {
  const out = [], W = window.innerWidth;
  const main = document.querySelector("[data-testid='stMain']") || document.body;
  const app = document.querySelector("[data-testid='stAppViewContainer']");
  for (const s of [document.scrollingElement, main, app]) {
    if (s && s.scrollWidth > s.clientWidth + 1)
      out.push(`scrolls sideways: ${s.scrollWidth} > ${s.clientWidth} px`);
  }
  const visible = (el) => {  // [left, right] of el that shows: cut by every clipping ancestor and the window
    const r = el.getBoundingClientRect();
    let left = r.left, right = r.right;
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const s = getComputedStyle(a);
      if (s.overflowX !== "visible" || a.tagName.toLowerCase() === "svg") {
        const ar = a.getBoundingClientRect();
        left = Math.max(left, ar.left);
        right = Math.min(right, ar.right);
      }
    }
    return [r, Math.max(0, Math.min(right, W) - Math.max(left, 0)), left, right];
  };
  for (const t of main.querySelectorAll("svg text")) {
    const text = t.textContent.trim();
    if (!text) continue;
    if (text.includes("…")) { out.push(`chart text cut: ${text}`); continue; }
    const [r, shown] = visible(t);
    if (r.width > 0 && shown < r.width - 3)
      out.push(`chart text cut: ${text} (${Math.round(shown)} of ${Math.round(r.width)} px)`);
  }
  for (const el of main.querySelectorAll("*")) {
    if (el.childElementCount > 0 || el.clientWidth === 0) continue;
    if (getComputedStyle(el).textOverflow === "ellipsis" && el.scrollWidth > el.clientWidth + 1)
      out.push(`text cut: ${el.innerText.slice(0, 40)}`);
  }
  for (const el of main.querySelectorAll("canvas, iframe, img, svg.marks, [data-testid='stVegaLiteChart']")) {
    const [r, shown] = visible(el);
    if (r.width > 0 && r.height > 0 && shown < r.width - 1)
      out.push(`${el.tagName.toLowerCase()} cut: ${Math.round(shown)} of ${Math.round(r.width)} px`);
    if (el.tagName === "IFRAME") {
      let doc = null;
      try { doc = el.contentDocument; } catch (e) { doc = null; }
      const inner = doc && doc.documentElement;
      if (inner && inner.scrollWidth > el.clientWidth + 1)
        out.push(`frame content cut: ${el.clientWidth} of ${inner.scrollWidth} px`);
      for (const c of doc ? doc.querySelectorAll("canvas") : []) {
        const cr = c.getBoundingClientRect();
        if (cr.width > 0 && cr.right > el.clientWidth + 1)
          out.push(`canvas cut: ${Math.round(el.clientWidth - cr.left)} of ${Math.round(cr.width)} px`);
      }
    }
  }
  for (const host of main.querySelectorAll("*")) {  // a component that draws in a shadow root (the canvas)
    if (!host.shadowRoot) continue;
    const [hr, , left, right] = visible(host);
    const clips = getComputedStyle(host).overflowX !== "visible";
    for (const c of host.shadowRoot.querySelectorAll("canvas")) {
      const cr = c.getBoundingClientRect();
      const l = Math.max(cr.left, clips ? Math.max(left, hr.left) : left, 0);
      const r = Math.min(cr.right, clips ? Math.min(right, hr.right) : right, W);
      if (cr.width > 0 && Math.max(0, r - l) < cr.width - 1)
        out.push(`canvas cut: ${Math.round(Math.max(0, r - l))} of ${Math.round(cr.width)} px`);
    }
  }
  return Array.from(new Set(out));
}"""


def layout_problems(pg) -> list[str]:
    """What the page cuts off at its window's size (see LAYOUT_PROBLEMS); [] when nothing."""
    return pg.evaluate(LAYOUT_PROBLEMS)


def exceptions(pg) -> list[str]:
    """Texts of any exception boxes on the page."""
    return [el.inner_text() for el in pg.locator("[data-testid='stException']").all()]


def summary(seconds: Sequence[float]) -> str:
    """'median 1.23 s (min 1.10, max 1.40)' for a list of timings."""
    return f"median {statistics.median(seconds):.2f} s (min {min(seconds):.2f}, max {max(seconds):.2f})"
