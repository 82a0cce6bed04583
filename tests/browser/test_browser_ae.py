"""Real browser: the autoencoder page's charts are drawn; a click on the explorer's plane decodes that
point; a drawn digit lands in both code spaces; live training shows its progress; Chinese."""

from __future__ import annotations

import re

from tests.browser.conftest import SEVEN, draw, exceptions, wait_count, wait_ready

CHARTS = "[data-testid='stMain'] [data-testid='stVegaLiteChart']"
DRAWN = f"{CHARTS} canvas, {CHARTS} svg.marks"
METRIC = "[data-testid='stMetric']"
PLANE = ".st-key-ae-pick-ae"  # the autoencoder's plane in the explorer (its widget key, ae.pick.ae)
VIEWS = "iframe[title*='markup']"  # ui.charts.markup: the rows of digits, the decoded points
VIEW_TEXTS = f"""() => Array.from(document.querySelectorAll("{VIEWS}")).map(f => {{
    try {{ return f.contentDocument.body.innerText; }} catch (e) {{ return ""; }} }})"""


def _view_with(page, text: str, timeout_ms: float = 30_000) -> str:
    """The text of the first markup view that contains `text` (waiting for it)."""
    page.wait_for_function(f"() => ({VIEW_TEXTS})().some(t => t.includes({text!r}))", timeout=timeout_ms)
    return next(t for t in page.evaluate(VIEW_TEXTS) if text in t)


def _open(page, url: str, last: str = "Over several seeds") -> None:
    """Open `url` and wait for the whole page (its `last` heading follows the first view)."""
    page.goto(url)
    wait_ready(page, 90_000)
    page.locator(METRIC).nth(1).wait_for(timeout=60_000)
    page.get_by_text(last).wait_for(timeout=60_000)
    wait_ready(page, 60_000)


def test_the_shipped_run_is_drawn_at_once(server, page):
    _open(page, f"{server}/ae?lang=en")
    assert not exceptions(page)
    assert "Autoencoder vs PCA" in page.locator("h1").first.inner_text()
    metrics = [m.inner_text() for m in page.locator(METRIC).all()]
    assert len(metrics) == 2 and "autoencoder: held-out MSE" in metrics[0]
    assert wait_count(page, DRAWN, 3) >= 3  # the training loss, each method's codes (three linked panels)
    rows = _view_with(page, "original")
    assert "autoencoder" in rows and "PCA" in rows
    assert page.get_by_text("Shipped run: the lesson's settings at code size 3").count() == 1


def test_the_explorer_decodes_the_point_clicked(server, page):
    _open(page, f"{server}/ae?lang=en&ae.code=2")
    before = {m: _view_with(page, f"{name} draws") for m, name in (("ae", "autoencoder"), ("pca", "PCA"))}
    assert wait_count(page, DRAWN, 5) >= 5  # the loss, the codes of each method, the two planes
    plane = page.locator(f"{PLANE} [data-testid='stVegaLiteChart']")
    plane.scroll_into_view_if_needed()
    box = plane.bounding_box()
    page.mouse.click(box["x"] + 0.3 * box["width"], box["y"] + 0.25 * box["height"])
    page.wait_for_function(
        f"() => ({VIEW_TEXTS})().some(t => t.includes('autoencoder draws') && t !== {before['ae']!r})",
        timeout=30_000)
    after = _view_with(page, "autoencoder draws")
    point = re.search(r"\((-?[\d.]+), (-?[\d.]+)\)", after)
    start = re.search(r"\((-?[\d.]+), (-?[\d.]+)\)", before["ae"])
    assert point and start
    assert float(point.group(1)) < float(start.group(1))  # left of the middle
    assert float(point.group(2)) > float(start.group(2))  # above it
    assert _view_with(page, "PCA draws") == before["pca"]  # the other plane did not move
    assert not exceptions(page)


CODE = r"(autoencoder|PCA): \((-?[\d.]+), (-?[\d.]+), (-?[\d.]+)\)"  # a 3-number code in a caption


def test_a_drawn_digit_lands_in_both_code_spaces(server, page):
    _open(page, f"{server}/ae?lang=en")
    page.get_by_text("Draw a digit on the black canvas").wait_for(timeout=30_000)
    draw(page, SEVEN)
    first = _view_with(page, "your digit")
    codes = re.findall(CODE, first)
    assert [c[0] for c in codes] == ["autoencoder", "PCA"], first
    draw(page, [[(0.2, 0.55), (0.8, 0.55)]])  # a bar across: another digit, another place
    page.wait_for_function(
        f"() => ({VIEW_TEXTS})().some(t => t.includes('your digit') && t !== {first!r})", timeout=30_000)
    moved = re.findall(CODE, _view_with(page, "your digit"))
    assert len(moved) == 2 and all(a != b for a, b in zip(codes, moved))  # both points moved
    wait_ready(page)
    # the loss and each method's codes with the cross, drawn (a layered panel once broke the brush)
    assert wait_count(page, DRAWN, 3) >= 3
    assert not exceptions(page)


# Notes whether a progress bar was ever drawn: a short run's bar may come and go between two looks.
SAW_PROGRESS = """new MutationObserver(() => {
    if (document.querySelector("[data-testid='stProgress']")) window.sawProgress = true;
}).observe(document, {childList: true, subtree: true});"""


def test_live_training_shows_its_progress(server, page):
    page.add_init_script(f"document.addEventListener('DOMContentLoaded', () => {{ {SAW_PROGRESS} }});")
    page.goto(f"{server}/ae?lang=en&ae.code=5&ae.epochs=4&seed=4242")
    page.get_by_text("Training live on the 8,000 training images").wait_for(timeout=60_000)
    page.get_by_text(re.compile(r"epoch [1-3] of 4")).first.wait_for(timeout=60_000)  # mid-run
    page.wait_for_function("() => window.sawProgress === true", timeout=30_000)
    page.locator(METRIC).nth(1).wait_for(timeout=90_000)
    wait_ready(page, 60_000)
    assert page.get_by_text("Trained here in").count() == 1
    assert page.get_by_text("Training live").count() == 0  # the live box made way for the result
    assert not exceptions(page)


def test_chinese(server, page):
    _open(page, f"{server}/ae?lang=zh&ae.code=2", last="换几个种子")
    assert "自编码器" in page.locator("h1").first.inner_text()
    assert "自编码器：留出集 MSE" in page.locator(METRIC).first.inner_text()
    assert "原图" in _view_with(page, "原图")
    assert _view_with(page, "自编码器从")
    page.get_by_text("潜在空间探索器").wait_for(timeout=30_000)
    assert not exceptions(page)
