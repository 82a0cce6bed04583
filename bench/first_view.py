"""Time to the first complete comparison of each page in headless Chromium, side by side.

    .venv/bin/python -m bench.first_view [--repeats 5] [--pages race activations act-train ...]

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
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from bench.browser import READY, chromium, new_page, streamlit_server
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--pages", nargs="+", default=list(VIEWS), choices=list(VIEWS))
    args = parser.parse_args()
    with streamlit_server() as url, streamlit_server(script=FLOOR_APP) as floor_url, chromium() as browser:
        columns = ("fresh seed", "default (shared)", "from the menu")
        print(f"{'page':12s}", *(f"{c:>22s}" for c in columns), "  target 2 s")
        floor: list[float] = []
        time_floor(browser, floor_url)  # warms the floor's server
        for name in args.pages:
            time_page(browser, url, name, None)  # the earlier visitor: warms the server and the defaults
            fresh, default, menu = [], [], []
            for i in range(args.repeats):
                fresh.append(time_page(browser, url, name, 31_000 + i))
                default.append(time_page(browser, url, name, None))
                menu.append(time_page(browser, url, name, None, via_menu=True))
                floor.append(time_floor(browser, floor_url))
            print(f"{name:12s}", *(f"{summary(v):>22s}" for v in (fresh, default, menu)), flush=True)
        print(f"{'floor':12s} {'':>22s} {summary(floor):>22s}   (a bare Streamlit page with one chart)")


if __name__ == "__main__":
    main()
