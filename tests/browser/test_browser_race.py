"""Real browser: the race page draws its charts, animates on Start, marks divergence, switches views."""

from __future__ import annotations

import time

from bench.browser import SIGNATURE, exceptions, wait_count, wait_ready

CHART = "[data-testid='stVegaLiteChart']"


def test_race_draws_charts_and_leaderboard(server, page):
    t = time.perf_counter()
    page.goto(f"{server}/race?seed=21")
    page.wait_for_selector(f"{CHART} canvas, {CHART} svg", timeout=60_000)
    elapsed = time.perf_counter() - t
    wait_ready(page)
    assert wait_count(page, CHART, 2) == 2  # loss curves and the fits
    assert page.get_by_text("Leaderboard at step 384").is_visible()
    assert page.locator("[data-testid='stMarkdownContainer'] table").count() == 1  # the leaderboard
    assert exceptions(page) == []
    assert elapsed < 120  # generous on a shared 2-core machine; bench.race --browser measures it


def test_start_animates_the_race(server, page):
    page.goto(f"{server}/race?seed=22")
    wait_ready(page)
    page.wait_for_selector(f"{CHART} svg", timeout=60_000)
    page.get_by_role("button", name="▶ Start", exact=True).click()
    page.wait_for_timeout(400)
    seen = set()
    t_end = time.perf_counter() + 3.0
    while time.perf_counter() < t_end:
        seen.add(page.evaluate(SIGNATURE))
        page.wait_for_timeout(40)
    assert len(seen) >= 4, "the charts should redraw several times while playing"
    page.get_by_role("button", name="⏸ Stop", exact=True).click()
    wait_ready(page)
    assert exceptions(page) == []


def test_lr_10_is_marked_and_surface_view_works(server, page):
    page.goto(f"{server}/race?race.racers=sgd:10,momentum:0.01:0.8,adam:0.01:0.9")
    wait_ready(page)
    page.get_by_text("SGD lr 10 diverged").first.wait_for(timeout=30_000)
    assert wait_count(page, CHART, 2) == 2
    page.get_by_text("Loss surface", exact=True).click()
    page.get_by_text("Paths on Rosenbrock").wait_for(timeout=30_000)
    page.wait_for_url("**race.view=surface**", timeout=30_000)
    wait_ready(page)
    page.wait_for_function(f"document.querySelectorAll(\"{CHART}\").length === 1", timeout=30_000)
    assert exceptions(page) == []
