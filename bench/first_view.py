"""Time to the first complete comparison of each page in headless Chromium, side by side.

    .venv/bin/python -m bench.first_view [--repeats 5] [--pages race activations act-train ...]
        [--cases fresh default menu] [--against OTHER_CHECKOUT]

The views are every lesson of the registry (pages.LESSONS), plus the activations training tab.

For every page, from page.goto(deep link) to the comparison drawn (every chart of it holding its
SVG or canvas, and its table or drawing canvas where it has one), in a fresh browser context each
time (nothing in the browser's cache: a first visit). Three cases per page, interleaved so all see
the same machine load:
  fresh    a seed nobody opened yet: the server trains while the browser loads
  default  the page as a new user opens it, after one earlier visitor (identical configurations
           are computed once per server and shared)
  menu     the default page reached from the home page's sidebar menu, as a user moves between
           pages (the browser has Streamlit's code already; the clock starts at the click); for
           act-train, the training tab clicked on the activations page just opened
A last row, floor: a bare Streamlit page with one small chart (bench/floor_app.py), opened like
`default`: what Streamlit itself takes here before any page of the app adds its own work.
Prints medians (min, max) against the 2 s target. Browser and server share this machine's cores.

`--against DIR` is an A/B test: a second server runs the app of another checkout (with this
interpreter, from that folder), and every view and case is loaded from both, one after the other
in alternating order, each in a fresh browser context. Prints both medians and A-B (this tree
minus the other) per view and case; no floor row.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.browser import READY, Server, chromium, free_port, new_page, streamlit_server
from pages import LESSONS

FLOOR_APP = Path(__file__).with_name("floor_app.py")

CHARTS = "[data-testid='stMain'] [data-testid='stVegaLiteChart']"
TABLE = "[data-testid='stMain'] [data-testid='stMarkdownContainer'] table"
COMPONENT = "[data-testid='stMain'] [data-testid='stBidiComponentIsolated']"  # a custom component's host
CANVAS = "canvas"  # the drawing canvas, in its component's shadow root (MNIST shows no chart first)


@dataclass(frozen=True)
class View:
    """A view to time: a lesson's page (or one of its tabs) and what its first complete comparison shows."""

    lesson: str  # the lesson, whose name is the page's URL path
    query: str = ""  # the rest of the link, as `key=value&...`
    charts: int = 0  # charts that must hold their SVG or canvas
    also: str | None = None  # a selector that must match too, in the page or a component (table, canvas)
    tab: int | None = None  # from the menu: the tab clicked on the lesson's page, not its sidebar entry

    @property
    def link(self) -> str:
        return f"{self.lesson}?{self.query}" if self.query else self.lesson


# What each lesson's first complete comparison is (a lesson missing here counts as complete when
# its title shows and its first run has finished):
#   race         loss curves and fits, with the leaderboard
#   dropout      both nets' fitted curves and the train/test loss curves, with the MSE table
#   batchnorm    the epoch's view: both nets' histograms, saturation, test loss, predictions
#   activations  the page's first tab: every activation and its derivative
#   mnist        the drawing canvas (the models answer once something is drawn)
FIRST_VIEWS = {"race": {"charts": 2, "also": TABLE}, "dropout": {"charts": 3, "also": TABLE},
               "batchnorm": {"charts": 5}, "activations": {"charts": 2}, "mnist": {"also": CANVAS}}
# Tabs timed on their own, beside their lesson's page:
#   act-train    a link to the activations training tab: four decision boundaries, loss and accuracy
TAB_VIEWS = {"act-train": View("activations", "activations.tab=train", charts=6, tab=1)}
VIEWS = {x.name: View(x.name, **FIRST_VIEWS.get(x.name, {"also": READY})) for x in LESSONS}
VIEWS |= {name: view for name, view in TAB_VIEWS.items() if view.lesson in VIEWS}
COMPLETE = f"""([charts, also]) => {{
    const drawn = [...document.querySelectorAll("{CHARTS}")].filter(c => c.offsetParent !== null);  // shown
    return document.querySelector("[data-testid='stMain'] h1") !== null
        && drawn.length >= charts && drawn.slice(0, charts).every(c => c.querySelector('canvas, svg.marks'))
        && (!also || document.querySelector(also) !== null
            || [...document.querySelectorAll("{COMPONENT}")].some(h => h.shadowRoot?.querySelector(also)));
}}"""


def time_page(browser, url: str, name: str, seed: int | None, via_menu: bool = False) -> float:
    """Seconds to the view's first complete comparison, in a fresh browser context (a cold cache)."""
    view = VIEWS[name]
    link = view.link
    if seed is not None:
        link += ("&" if "?" in link else "?") + f"seed={seed}"
    page = new_page(browser)
    if via_menu:  # home, then the lesson's sidebar entry; or the lesson's page, then the tab
        page.goto(f"{url}/{view.lesson if view.tab is not None else ''}")
        page.wait_for_selector(READY, timeout=120_000)
        page.wait_for_timeout(1500)  # past a page's first-view rerun
        page.wait_for_selector(READY, timeout=120_000)
        target = (page.get_by_role("tab").nth(view.tab) if view.tab is not None
                  else page.locator(f"[data-testid='stSidebarNav'] a[href$='/{view.lesson}']"))
        start = time.perf_counter()
        target.click()
    else:
        start = time.perf_counter()
        page.goto(f"{url}/{link}")
    page.wait_for_function(COMPLETE, arg=[view.charts, view.also], timeout=120_000, polling="raf")
    elapsed = time.perf_counter() - start
    page.wait_for_selector(READY, timeout=120_000)
    page.wait_for_timeout(500)  # let deferred sections finish before the next load
    page.close()
    return elapsed


def time_floor(browser, url: str) -> float:
    page = new_page(browser)
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_function(COMPLETE, arg=[1, None], timeout=120_000, polling="raf")
    elapsed = time.perf_counter() - start
    page.close()
    return elapsed


def summary(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{statistics.median(values):.2f} s ({min(values):.2f}-{max(values):.2f})"


CASES = {"fresh": "fresh seed", "default": "default (shared)", "menu": "from the menu"}


def time_case(browser, url: str, name: str, case: str, i: int) -> float:
    """One load of view `name` in `case` (see the module docstring); repeat `i` picks the fresh seed."""
    if case == "fresh":
        return time_page(browser, url, name, 31_000 + i)
    return time_page(browser, url, name, None, via_menu=case == "menu")


@contextlib.contextmanager
def checkout_server(root: Path, timeout: float = 60) -> Iterator[str]:
    """`streamlit run app.py` of the checkout `root`, from that folder (its code and its
    .streamlit/config.toml), with this interpreter; yields its base URL once healthy."""
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(root / "app.py"),
           "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by Server.stop)
    server = Server(subprocess.Popen(cmd, cwd=root, stdout=subprocess.DEVNULL, stderr=log),
                    f"http://127.0.0.1:{port}", log)
    try:
        server.wait_healthy(timeout)
        yield server.url
    finally:
        server.stop()


def single(args) -> None:
    with streamlit_server() as url, streamlit_server(script=FLOOR_APP) as floor_url, chromium() as browser:
        print(f"{'page':12s}", *(f"{CASES[c]:>22s}" for c in args.cases), "  target 2 s")
        floor: list[float] = []
        time_floor(browser, floor_url)  # warms the floor's server
        for name in args.pages:
            time_page(browser, url, name, None)  # the earlier visitor: warms the server and the defaults
            times: dict[str, list[float]] = {c: [] for c in args.cases}
            for i in range(args.repeats):
                for case in args.cases:
                    times[case].append(time_case(browser, url, name, case, i))
                floor.append(time_floor(browser, floor_url))
            print(f"{name:12s}", *(f"{summary(v):>22s}" for v in times.values()), flush=True)
        # in the `default` column (the floor is opened like it), else after the others
        cells = ([""] * args.cases.index("default") + [summary(floor)] if "default" in args.cases
                 else [""] * len(args.cases) + [summary(floor)])
        print(f"{'floor':12s}", *(f"{c:>22s}" for c in cells), "  (a bare Streamlit page with one chart)")


def against(args) -> None:
    other = Path(args.against).resolve()
    with streamlit_server() as url_a, checkout_server(other) as url_b, chromium() as browser:
        print(f"A: this tree; B: {other}; {args.repeats} loads of each, alternating A/B order")
        print(f"{'page':12s} {'case':18s} {'A':>22s} {'B':>22s} {'A-B (median)':>14s}")
        for name in args.pages:
            for url in (url_a, url_b):
                time_page(browser, url, name, None)  # the earlier visitor on each server
            times: dict[tuple[str, str], list[float]] = {}
            for i in range(args.repeats):
                for case in args.cases:
                    order = (("A", url_a), ("B", url_b)) if i % 2 == 0 else (("B", url_b), ("A", url_a))
                    for side, url in order:
                        times.setdefault((case, side), []).append(time_case(browser, url, name, case, i))
            for case in args.cases:
                a, b = times[(case, "A")], times[(case, "B")]
                diff = statistics.median(a) - statistics.median(b)
                print(f"{name:12s} {CASES[case]:18s} {summary(a):>22s} {summary(b):>22s} "
                      f"{diff * 1000:+11.0f} ms", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--pages", nargs="+", default=list(VIEWS), choices=list(VIEWS))
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    parser.add_argument("--against", metavar="DIR", help="another checkout, timed side by side (A/B)")
    args = parser.parse_args()
    (against if args.against else single)(args)


if __name__ == "__main__":
    main()
