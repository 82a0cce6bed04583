"""Real-browser tests of the BatchNorm page: every chart drawn, the timeline, controls in the URL."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from unittest import mock

import pytest

from tests.browser.conftest import _require_browser, exceptions, streamlit_server, wait_ready

CHARTS = 7  # two histogram grids, saturation, loss, predictions, gradient flow, train vs eval
DRAWN = f"""() => {{
    const charts = [...document.querySelectorAll("[data-testid='stVegaLiteChart']")];
    return charts.length >= {CHARTS} && charts.every(c => c.querySelector('canvas, svg'));
}}"""
FAST = "batchnorm.epochs=3&batchnorm.depth=4"


@pytest.fixture(scope="module")
def bn_server() -> Iterator[str]:
    """A server with one torch thread: BatchNorm's CPU kernels split even 10 channels across threads,
    which on a busy machine makes every step wait for a descheduled thread (runs 50x slower)."""
    _require_browser()
    with mock.patch.dict(os.environ, {"PLAYGROUND_THREADS": "1"}), streamlit_server() as url:
        yield url


def _caption(pg) -> str:
    return pg.locator("[data-testid='stMain'] strong").filter(has_text="Showing").first.inner_text()


def test_default_comparison_appears_complete(bn_server, page):
    start = time.perf_counter()
    page.goto(f"{bn_server}/batchnorm")
    page.wait_for_function(DRAWN, timeout=90_000, polling=100)
    elapsed = time.perf_counter() - start
    wait_ready(page)
    assert not exceptions(page)
    text = page.locator("[data-testid='stMain']").inner_text()
    for heading in ("Distributions per layer", "Saturation and learning", "Gradient flow",
                    "Train mode vs eval mode", "What you are looking at"):
        assert heading in text
    assert "after epoch 12 of 12" in _caption(page)
    assert elapsed < 60, f"first complete comparison took {elapsed:.1f} s"  # the 2 s target: bench


def test_chinese_page(bn_server, page):
    page.goto(f"{bn_server}/batchnorm?lang=zh&{FAST}")
    page.wait_for_function(DRAWN, timeout=60_000, polling=100)
    wait_ready(page)
    assert not exceptions(page)
    text = page.locator("[data-testid='stMain']").inner_text()
    assert "逐层分布" in text and "训练模式与评估模式" in text


def test_timeline_reset_and_play(bn_server, page):
    page.goto(f"{bn_server}/batchnorm?{FAST}")
    page.wait_for_function(DRAWN, timeout=60_000, polling=100)
    wait_ready(page)
    assert "after epoch 3 of 3" in _caption(page)
    page.get_by_role("button", name="Reset").click()
    page.wait_for_function("() => document.body.innerText.includes('initialisation (before training)')",
                           timeout=30_000)
    page.get_by_role("button", name="Start").click()  # plays 0 -> 3 and stops at the last frame
    page.wait_for_function("() => document.body.innerText.includes('after epoch 3 of 3')", timeout=30_000)
    assert not exceptions(page)


def test_controls_live_in_the_url(bn_server, page):
    page.goto(f"{bn_server}/batchnorm?{FAST}&batchnorm.activation=sigmoid")
    page.wait_for_function(DRAWN, timeout=60_000, polling=100)
    wait_ready(page)
    text = page.locator("[data-testid='stMain']").inner_text()
    assert "sigmoid below 0.01" in text  # the saturation rule follows the activation from the link
    page.get_by_text("Settings").click()
    slider = page.get_by_role("slider", name="Epochs")
    slider.focus()
    slider.press("ArrowRight")
    page.wait_for_url("**batchnorm.epochs=4**", timeout=30_000)
    page.wait_for_function("() => document.body.innerText.includes('after epoch 4 of 4')", timeout=60_000)
    assert "batchnorm.activation=sigmoid" in page.url
    assert not exceptions(page)
