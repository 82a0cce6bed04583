"""Real browser: the activations page draws its charts, replays training, and follows the language."""

from __future__ import annotations

from tests.browser.conftest import exceptions, wait_count, wait_ready

CHARTS = "[data-testid='stVegaLiteChart']"
BOUNDARY_TITLES = ("() => [...document.querySelectorAll(\"[data-testid='stVegaLiteChart'] text\")]"
                   ".filter(t => /\\d+% (correct)|正确率/.test(t.textContent)).length >= {n}")


def test_comparison_is_drawn_with_boundaries_and_curves(server, page):
    page.goto(f"{server}/activations?activations.steps=60")
    page.wait_for_function(BOUNDARY_TITLES.replace("{n}", "4"), timeout=120_000)
    wait_ready(page, 120_000)
    assert exceptions(page) == []
    # gallery (2) + boundaries (4) + loss/accuracy (2) + dead units + flow (2) + dead units
    assert wait_count(page, CHARTS, 11) >= 11
    # every boundary chart holds its probability image (an <image> with a PNG data URL)
    images = page.locator(f"{CHARTS} image")
    assert wait_count(page, f"{CHARTS} image", 4) >= 4
    assert images.first.get_attribute("href").startswith("data:image/png;base64,")
    assert page.get_by_text("A shallow network barely cares").is_visible()


def test_timeline_replays_an_earlier_frame(server, page):
    page.goto(f"{server}/activations?activations.steps=60")
    wait_ready(page, 120_000)
    page.wait_for_function(BOUNDARY_TITLES.replace("{n}", "4"), timeout=120_000)
    # the gradient-flow section fills itself in a moment later, with one more rerun of the page
    page.get_by_text("smaller than the ReLU network's").wait_for(timeout=120_000)
    wait_ready(page, 60_000)
    timeline = page.locator("[data-testid='stSlider']").filter(has_text="Timeline").first
    value = timeline.locator("[data-testid='stSliderThumbValue']")
    assert value.inner_text().strip() == "30"  # opens on the last frame: the finished run
    page.get_by_role("button", name="⏮ Reset").first.click()
    page.wait_for_function("() => [...document.querySelectorAll(\"[data-testid='stSliderThumbValue']\")]"
                           ".some(e => e.textContent.trim() === '0')", timeout=60_000)
    wait_ready(page, 60_000)
    assert value.inner_text().strip() == "0"  # back at initialisation
    assert exceptions(page) == []


def test_chinese_page_and_extreme_link(server, page):
    page.goto(f"{server}/activations?lang=zh&activations.lr=10.0&activations.steps=40&activations.depth=3")
    wait_ready(page, 120_000)
    page.get_by_text("同一个网络，每种激活函数各训练一次").wait_for(timeout=60_000)
    page.get_by_text("损失爆炸").first.wait_for(timeout=60_000)
    assert exceptions(page) == []
