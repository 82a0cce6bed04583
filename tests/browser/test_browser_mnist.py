"""Real browser: draw a digit on the MNIST canvas with the mouse; both models answer; training can stop."""

from __future__ import annotations

import time

from tests.browser.conftest import SEVEN, draw, exceptions, wait_ready

PREDICTION = "[data-testid='stMetric']:has-text('it is a')"


def test_drawing_a_digit_gets_both_predictions(server, page):
    start = time.monotonic()
    page.goto(f"{server}/mnist?lang=en")
    wait_ready(page, timeout_ms=60_000)
    page.get_by_text("Draw a digit on the black canvas").wait_for(timeout=20_000)
    assert time.monotonic() - start < 60
    assert page.locator(PREDICTION).count() == 0  # an empty canvas gets a prompt
    draw(page, SEVEN)
    page.locator(PREDICTION).nth(1).wait_for(timeout=30_000)
    wait_ready(page)
    metrics = [m.inner_text() for m in page.locator(PREDICTION).all()]
    assert len(metrics) == 2 and all("it is a" in m for m in metrics)
    assert any("it is a 7" in m for m in metrics), metrics
    assert not exceptions(page)


def test_live_training_can_be_stopped(server, page):
    page.goto(f"{server}/mnist?lang=en&mnist.which=cnn&mnist.epochs=20")
    wait_ready(page, timeout_ms=60_000)
    page.get_by_role("tab", name="Train live").click()
    wait_ready(page)
    page.get_by_test_id("stTabs").get_by_role("button", name="Train", exact=True).click()
    page.get_by_text("Training: step").wait_for(timeout=30_000)
    page.wait_for_timeout(1500)
    page.get_by_test_id("stTabs").get_by_role("button", name="Stop", exact=True).click()
    page.get_by_text("Training stopped").wait_for(timeout=30_000)
    wait_ready(page)
    assert not exceptions(page)
    # the partly trained CNN now answers for this session: the shipped ones can be restored
    assert page.get_by_role("button", name="Restore the shipped weights").is_enabled()


def test_uploading_weights_checks_them(server, page):
    from core.mnist import WEIGHTS_DIR

    page.goto(f"{server}/mnist?lang=en")
    wait_ready(page, timeout_ms=60_000)
    page.get_by_role("tab", name="Save and load").click()
    wait_ready(page)
    page.get_by_text("2MB per file").first.wait_for(timeout=30_000)
    assert page.get_by_text("2MB per file").count() == 2  # the limit the server enforces
    cnn_input = page.locator("[data-testid='stFileUploader'] input[type='file']").first
    lstm_file = (WEIGHTS_DIR / "mnist_lstm.pt").read_bytes()
    cnn_input.set_input_files(files=[{"name": "wrong.pt", "mimeType": "application/octet-stream",
                                      "buffer": lstm_file}])
    page.get_by_text("does not fit the CNN").wait_for(timeout=30_000)
    assert page.get_by_text("Nothing changed").count() == 1
    cnn_input.set_input_files(files=[{"name": "mine.pt", "mimeType": "application/octet-stream",
                                      "buffer": (WEIGHTS_DIR / "mnist_cnn.pt").read_bytes()}])
    page.get_by_text("Uploaded in this session from mine.pt").wait_for(timeout=30_000)
    assert not exceptions(page)
