"""Real-browser tests of the sequences page: the six variants' charts drawn, playback scrolls, Chinese."""

from __future__ import annotations

import re

from tests.browser.conftest import exceptions, wait_count, wait_ready

PAST = "(s) => { const m = /window (\\d+) of 100/.exec(document.body.innerText); return m && +m[1] > s; }"
CHARTS = "[data-testid='stMain'] [data-testid='stVegaLiteChart']"
DRAWN = f"{CHARTS} canvas, {CHARTS} svg"
TABLE = "[data-testid='stMain'] [data-testid='stMarkdownContainer'] table"  # ui.table


def _window_shown(page) -> int:
    match = re.search(r"window (\d+) of 100", page.locator("[data-testid='stMain']").inner_text())
    assert match, "no window caption"
    return int(match.group(1))


def test_six_variants_drawn_side_by_side(server, page):
    page.goto(f"{server}/seq")
    page.wait_for_selector(TABLE, timeout=90_000)
    wait_ready(page, 90_000)
    assert not exceptions(page)
    assert page.locator("h1").first.inner_text().startswith("Sequences")
    # six scrolling views, two heatmaps and the loss; then the tests, the reach and the seeds follow
    assert wait_count(page, DRAWN, 9) >= 9
    assert page.locator(f"{TABLE} tbody tr").count() == 6
    page.get_by_text("carrying cut the score at least in half").first.wait_for(timeout=60_000)
    wait_ready(page, 30_000)
    assert wait_count(page, DRAWN, 9 + 6 + 2) >= 17
    for name in ("RNN · carried", "LSTM · reset", "GRU · carried"):
        assert name in page.locator(TABLE).inner_text()
    assert not exceptions(page)


def test_playback_scrolls_and_stops(server, page):
    page.goto(f"{server}/seq")
    wait_ready(page, 90_000)
    page.get_by_text("window 100 of 100").first.wait_for(timeout=60_000)
    page.get_by_text("carrying cut the score").first.wait_for(timeout=60_000)  # the whole page is there
    wait_ready(page, 30_000)
    page.get_by_role("button", name="⏮ Reset").click()
    page.get_by_text("window 2 of 100").first.wait_for(timeout=30_000)
    wait_ready(page, 30_000)
    page.get_by_role("button", name="▶ Start").click()
    page.wait_for_function(PAST, arg=10, timeout=30_000)
    page.get_by_role("button", name="⏸ Stop").click()
    wait_ready(page, 30_000)
    stopped = _window_shown(page)
    assert 10 < stopped <= 100
    if stopped < 100:
        page.get_by_role("button", name="⏭ Step").click()
        page.wait_for_function(PAST, arg=stopped, timeout=30_000)  # one frame on
        wait_ready(page, 30_000)
    assert wait_count(page, DRAWN, 9) >= 9
    assert not exceptions(page)


def test_deep_link_in_chinese_with_two_variants(server, page):
    page.goto(f"{server}/seq?lang=zh&seq.windows=30&seq.show=lstm_carry,lstm_reset&seq.heat=lstm")
    wait_ready(page, 90_000)
    page.wait_for_selector(TABLE, timeout=60_000)
    assert not exceptions(page)
    assert "隐藏状态" in page.locator("h1").first.inner_text()
    assert "LSTM · 带上状态" in page.locator(TABLE).inner_text()
    # two scrolling views, two heatmaps and the loss
    assert wait_count(page, DRAWN, 5) >= 5
    assert "seq.show=lstm_carry%2Clstm_reset" in page.url or "seq.show=lstm_carry,lstm_reset" in page.url
