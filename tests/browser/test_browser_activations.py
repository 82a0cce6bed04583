"""Real browser: the activations page's tabs, their charts, the training replay and the language."""

from __future__ import annotations

from tests.browser.conftest import exceptions, wait_count, wait_ready

CHARTS = "[data-testid='stVegaLiteChart']"
BOUNDARY_TITLES = ("() => [...document.querySelectorAll(\"[data-testid='stVegaLiteChart'] text\")]"
                   ".filter(t => /\\d+% (correct)|正确率/.test(t.textContent)).length >= {n}")


def test_training_tab_draws_boundaries_and_curves(server, page):
    page.goto(f"{server}/activations?activations.tab=train&activations.steps=60")
    page.wait_for_function(BOUNDARY_TITLES.replace("{n}", "4"), timeout=120_000)
    wait_ready(page, 120_000)
    assert exceptions(page) == []
    assert wait_count(page, CHARTS, 7) == 7  # boundaries (4), loss, accuracy, dead units: this tab only
    # every boundary chart holds its probability image (an <image> with a PNG data URL)
    images = page.locator(f"{CHARTS} image")
    assert wait_count(page, f"{CHARTS} image", 4) >= 4
    assert images.first.get_attribute("href").startswith("data:image/png;base64,")
    # the tip follows the first view, on the rerun a moment later (ui.deferred)
    page.get_by_text("A shallow network barely cares").wait_for(timeout=60_000)


def test_tabs_switch_the_experiment_and_the_link(server, page):
    page.goto(f"{server}/activations?activations.steps=60")
    wait_ready(page, 120_000)
    assert wait_count(page, CHARTS, 2) == 2  # shapes and derivatives
    page.get_by_role("tab", name="3 · Gradient flow in a deep network").click()
    page.get_by_text("smaller than the ReLU network's").wait_for(timeout=120_000)
    wait_ready(page, 60_000)
    assert "activations.tab=flow" in page.url
    assert wait_count(page, CHARTS, 3) == 3  # gradient norms, accuracy, dead units
    page.get_by_role("tab", name="1 · Shapes and derivatives").click()
    page.wait_for_function("() => !location.search.includes('activations.tab')", timeout=60_000)
    wait_ready(page, 60_000)
    assert wait_count(page, CHARTS, 2) == 2
    assert exceptions(page) == []


def test_timeline_replays_an_earlier_frame(server, page):
    page.goto(f"{server}/activations?activations.tab=train&activations.steps=60")
    wait_ready(page, 120_000)
    page.wait_for_function(BOUNDARY_TITLES.replace("{n}", "4"), timeout=120_000)
    timeline = page.locator("[data-testid='stSlider']").filter(has_text="Timeline").first
    value = timeline.locator("[data-testid='stSliderThumbValue']")
    # opens on the last frame, the finished run (waited for: under load the thumb can lag a redraw)
    page.wait_for_function("() => [...document.querySelectorAll(\"[data-testid='stSliderThumbValue']\")]"
                           ".some(e => e.textContent.trim() === '30')", timeout=30_000)
    page.get_by_role("button", name="⏮ Reset").first.click()
    page.wait_for_function("() => [...document.querySelectorAll(\"[data-testid='stSliderThumbValue']\")]"
                           ".some(e => e.textContent.trim() === '0')", timeout=60_000)
    wait_ready(page, 60_000)
    assert value.inner_text().strip() == "0"  # back at initialisation
    assert exceptions(page) == []


def test_chinese_page_and_extreme_link(server, page):
    page.goto(f"{server}/activations?lang=zh&activations.tab=train&activations.lr=10.0&activations.steps=40")
    wait_ready(page, 120_000)
    page.get_by_role("tab", name="2 · 并排训练").wait_for(timeout=60_000)
    page.get_by_text("损失爆炸").first.wait_for(timeout=60_000)
    assert exceptions(page) == []
