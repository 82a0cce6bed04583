"""Real-browser tests of the GAN page: the painter's replay plays, the 2-D GAN is drawn and its
step-by-step controls (one D step, one G step, play and pause) work, a drawn target trains, and
the page asks nothing of the internet. Updates a second are measured by `python -m bench.gan
--browser` (speed targets live in benchmarks)."""

from __future__ import annotations

import re
from urllib.parse import urlparse

from bench.browser import SIZES, layout_problems
from bench.gan import updates_per_second
from tests.browser.conftest import SEVEN, draw, exceptions, wait_count, wait_ready

CHARTS = "[data-testid='stMain'] [data-testid='stVegaLiteChart']"
TABLE = "[data-testid='stMain'] [data-testid='stMarkdownContainer'] table"
DRAWN = f"{CHARTS} canvas, {CHARTS} svg.marks"  # a drawn Vega chart (canvas or SVG)
VIEW = "iframe[title='ui.charts.markup']"  # the painter's replay (ui.charts.markup)


def _text(page) -> str:
    return page.locator("[data-testid='stMain']").inner_text()


def test_painter_replays_live(server, page):
    page.goto(f"{server}/gan?seed=3&gan.steps=1000")
    page.get_by_text("step 1000 of 1000").wait_for(timeout=90_000)
    wait_ready(page, 60_000)
    view = page.frame_locator(VIEW).first
    assert view.locator("svg.gan-paint polyline").count() >= 2 * 12  # A's and B's paintings
    assert view.locator("svg.gan-hist rect").count() > 2
    assert page.locator(f"{TABLE} tbody tr").count() == 2
    assert wait_count(page, DRAWN, 3, 60_000) >= 3  # the whole run as charts
    page.get_by_role("button", name="▶ Start", exact=True).click()
    assert updates_per_second(page, r"step \d+ of 1000", 3.0) > 0  # the steps move while it plays
    page.get_by_role("button", name="⏸ Stop", exact=True).click()
    wait_ready(page, 30_000)
    assert "step 1000 of 1000" not in _text(page)  # stopped part-way
    assert not exceptions(page)


def test_plane_and_its_step_controls(server, page):
    page.goto(f"{server}/gan?gan.view=plane&gan.p_steps=200&seed=2")
    page.get_by_text("Step 200 of 200: A covers").wait_for(timeout=90_000)
    page.get_by_role("button", name="One D step", exact=True).wait_for(timeout=60_000)
    wait_ready(page, 60_000)
    assert wait_count(page, DRAWN, 1, 60_000) >= 1  # the modes covered
    planes, lab = page.frame_locator(VIEW).nth(0), page.frame_locator(VIEW).nth(1)
    assert planes.locator("svg.gan-plane").count() == 2  # A and B
    assert planes.locator("svg.gan-plane image").count() == 2  # D's heatmaps
    assert lab.locator("svg.gan-plane circle").count() > 500  # the real points and G's samples
    page.get_by_role("button", name="One D step", exact=True).click()
    page.get_by_text("D steps 1, G steps 0").wait_for(timeout=30_000)  # in the stepping GAN's caption
    assert "D(real)" in _text(page)
    page.get_by_role("button", name="One G step", exact=True).click()
    page.get_by_text("D steps 1, G steps 1").wait_for(timeout=30_000)
    assert "G loss" in _text(page)
    page.get_by_role("button", name="One of both", exact=True).click()
    page.get_by_text("D steps 2, G steps 2").wait_for(timeout=30_000)
    page.get_by_role("button", name="▶ Play", exact=True).click()
    assert updates_per_second(page, r"D steps \d+, G steps \d+", 3.0) > 0  # it trains live
    page.get_by_role("button", name="⏸ Pause", exact=True).click()
    page.get_by_role("button", name="▶ Play", exact=True).wait_for(timeout=30_000)  # paused
    wait_ready(page, 30_000)
    paused = re.search(r"D steps \d+, G steps \d+", _text(page)).group()
    page.wait_for_timeout(1500)
    assert paused in _text(page)  # and it stays paused
    page.get_by_role("button", name="⏮ Restart", exact=True).click()
    page.get_by_text("D steps 0, G steps 0").wait_for(timeout=30_000)
    for size in ("1024x768", "390x844"):  # the kit's check of every screen size opens the painter
        width, height = SIZES[size]
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(1000)
        assert layout_problems(page) == [], size
    assert not exceptions(page)


def test_drawn_target_trains(server, page):
    page.goto(f"{server}/gan?gan.view=plane&gan.target=drawn&gan.p_steps=200&lang=zh")
    page.get_by_text("先在画布上画出目标分布").wait_for(timeout=60_000)
    draw(page, SEVEN)
    page.get_by_text("第 200 步，共 200 步").wait_for(timeout=90_000)
    wait_ready(page, 60_000)
    assert page.frame_locator(VIEW).first.locator("svg.gan-plane").count() == 2
    assert not exceptions(page)


def test_asks_nothing_of_the_internet(server, browser):
    """Every request the page makes goes to the app's own server (none leaves the machine)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    outside = []
    host = urlparse(server).hostname

    def check(route):
        if urlparse(route.request.url).hostname not in (host, "localhost"):
            outside.append(route.request.url)
            return route.abort()
        return route.continue_()

    context.route("**/*", check)
    pg = context.new_page()
    pg.goto(f"{server}/gan?seed=3&gan.steps=1000")  # the runs of the tests above: no waiting again
    pg.get_by_text("step 1000 of 1000").wait_for(timeout=90_000)
    wait_ready(pg, 60_000)
    pg.goto(f"{server}/gan?gan.view=plane&gan.p_steps=200&seed=2")
    pg.get_by_text("Step 200 of 200").wait_for(timeout=90_000)
    wait_ready(pg, 60_000)
    assert outside == [] and not exceptions(pg)
    context.close()
