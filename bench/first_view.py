"""Time to the first complete comparison of each page in headless Chromium, side by side.

    .venv/bin/python -m bench.first_view [--repeats 5] [--pages race dropout batchnorm activations act-train]

For every page, from page.goto(deep link) to the comparison drawn (every chart of it holding its
SVG or canvas, and its table where it has one), in a fresh browser context each time (nothing in the
browser's cache: a first visit). Three cases per page, interleaved so all see the same machine load:
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
from pathlib import Path

from bench.browser import chromium, new_page
from tests.browser.conftest import READY, streamlit_server

FLOOR_APP = Path(__file__).with_name("floor_app.py")

CHARTS = "[data-testid='stMain'] [data-testid='stVegaLiteChart']"
TABLE = "[data-testid='stMain'] [data-testid='stMarkdownContainer'] table"
# view -> (link, charts of its first complete comparison, whether that includes a results table):
#   race         loss curves and fits, with the leaderboard
#   dropout      both nets' fitted curves and the train/test loss curves, with the MSE table
#   batchnorm    the epoch's view: both nets' histograms, saturation, test loss, predictions
#   activations  the page's first tab: every activation and its derivative
#   act-train    a link to the training tab: four decision boundaries, loss and accuracy
PAGES = {"race": ("race", 2, True), "dropout": ("dropout", 3, True), "batchnorm": ("batchnorm", 5, False),
         "activations": ("activations", 2, False),
         "act-train": ("activations?activations.tab=train", 6, False)}
MENU_TABS = {"act-train": ("activations", 1)}  # view -> (page, index of the tab a user clicks)
COMPLETE = f"""([charts, table]) => {{
    const drawn = [...document.querySelectorAll("{CHARTS}")].filter(c => c.offsetParent !== null);  // shown
    return drawn.length >= charts && drawn.slice(0, charts).every(c => c.querySelector('canvas, svg.marks'))
        && (!table || document.querySelector("{TABLE}") !== null);
}}"""


def time_page(browser, url: str, view: str, seed: int | None, via_menu: bool = False) -> float:
    link, charts, table = PAGES[view]
    if seed is not None:
        link += ("&" if "?" in link else "?") + f"seed={seed}"
    page = new_page(browser)  # a new context: a cold browser cache
    if via_menu:
        start_page, tab = MENU_TABS.get(view, ("", None))  # home, then the page's menu entry
        page.goto(f"{url}/{start_page}")
        page.wait_for_selector(READY, timeout=120_000)
        page.wait_for_timeout(1500)  # past a page's first-view rerun
        page.wait_for_selector(READY, timeout=120_000)
        target = (page.get_by_role("tab").nth(tab) if tab is not None
                  else page.locator(f"[data-testid='stSidebarNav'] a[href$='/{link}']"))
        start = time.perf_counter()
        target.click()
    else:
        start = time.perf_counter()
        page.goto(f"{url}/{link}")
    page.wait_for_function(COMPLETE, arg=[charts, table], timeout=120_000, polling="raf")
    elapsed = time.perf_counter() - start
    page.wait_for_selector(READY, timeout=120_000)
    page.wait_for_timeout(500)  # let deferred sections finish before the next load
    page.close()
    return elapsed


def time_floor(browser, url: str) -> float:
    page = new_page(browser)
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_function(COMPLETE, arg=[1, False], timeout=120_000, polling="raf")
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
    parser.add_argument("--pages", nargs="+", default=list(PAGES), choices=list(PAGES))
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
