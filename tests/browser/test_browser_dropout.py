"""Real-browser tests of the dropout page: charts drawn, table shown, playback animates, deep links work."""

from __future__ import annotations

import time

from tests.browser.conftest import exceptions, wait_count, wait_ready

CHARTS = "[data-testid='stMain'] [data-testid='stVegaLiteChart']"
TABLE = "[data-testid='stMain'] [data-testid='stMarkdownContainer'] table"  # ui.table


def test_comparison_appears_complete(server, page):
    start = time.perf_counter()
    page.goto(f"{server}/dropout")
    page.wait_for_selector(TABLE, timeout=60_000)
    page.wait_for_selector(f"{CHARTS} canvas, {CHARTS} svg", timeout=60_000)
    first = time.perf_counter() - start
    wait_ready(page, 90_000)
    assert not exceptions(page)
    assert page.locator("h1").first.inner_text().startswith("Dropout vs overfitting")
    # two fitted curves, the loss curves, the train/eval chart and the over-seeds chart
    assert wait_count(page, f"{CHARTS} canvas, {CHARTS} svg", 5) >= 5
    rows = page.locator(f"{TABLE} tbody tr")
    assert rows.count() == 2
    assert "Dropout" in page.locator(TABLE).inner_text()
    assert first < 60


def test_playback_animates_and_stops(server, page):
    page.goto(f"{server}/dropout")
    wait_ready(page, 90_000)
    caption = page.get_by_text("step 500 of 500")
    assert caption.count() >= 1
    # the over-seeds runs come with the rest of the page, drawn by its first view's rerun
    page.get_by_text("dropout had the lower test MSE").wait_for(timeout=60_000)
    wait_ready(page, 30_000)
    page.get_by_role("button", name="▶ Start").click()
    page.wait_for_function(
        "() => /step (\\d+) of 500/.test(document.body.innerText) && "
        "!document.body.innerText.includes('step 500 of 500')", timeout=20_000)
    page.get_by_role("button", name="⏸ Stop").click()
    wait_ready(page, 30_000)
    assert not exceptions(page)


def test_deep_link_in_chinese_with_l2(server, page):
    page.goto(f"{server}/dropout?lang=zh&dropout.l2=true&dropout.iters=100&dropout.seeds=3")
    wait_ready(page, 90_000)
    page.wait_for_selector(TABLE, timeout=60_000)
    assert not exceptions(page)
    assert "过拟合" in page.locator("h1").first.inner_text()
    assert page.locator(f"{TABLE} tbody tr").count() == 3
    assert "L2 权重衰减" in page.locator(TABLE).inner_text()
    assert "dropout.l2=true" in page.url
