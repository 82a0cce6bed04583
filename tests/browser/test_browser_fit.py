"""Real browser: the fit page draws both networks as graphs of unit maps, plays, steps, and saves a
network that loads back."""

from __future__ import annotations

import re

from tests.browser.conftest import exceptions, wait_ready

MAIN = "[data-testid='stMain']"
COUNTER = f"{MAIN} h3"  # the epoch counter above the two networks


def _document(picture) -> str:
    """The SVG of one of the page's views, as the browser holds it."""
    return picture.evaluate("svg => svg.outerHTML")


def _counter(page) -> str:
    return page.locator(COUNTER).filter(has_text="Epoch").first.inner_text()


def test_graphs_with_unit_maps_for_both_networks(server, page):
    page.goto(f"{server}/fit?fit.preset=depth&lang=en")
    page.get_by_text("Epoch 500 of 500").wait_for(timeout=120_000)
    wait_ready(page, 60_000)
    assert exceptions(page) == []
    # per network: a graph (1 + 3 + 1 or 1 + 1 + 1 columns of maps) and its output over the plane
    graphs = page.locator(f"{MAIN} svg.fit-graph")
    graphs.nth(1).wait_for(timeout=30_000)
    assert graphs.count() == 2
    documents = [_document(graphs.nth(i)) for i in range(2)]
    assert [d.count("<use ") for d in documents] == [2 + 8 + 1, 2 + 24 + 1]  # inputs, hidden units, output
    assert all('<image id="fit-maps-' in d and "data:image/png;base64," in d for d in documents)  # 1 PNG
    # ids are page-wide: each graph's tiles name its own PNG, not the other graph's
    ids = [re.findall(r'<image id="([^"]+)"', d) for d in documents]
    assert [set(re.findall(r'<use href="#([^"]+)"', d)) for d in documents] == [set(i) for i in ids]
    assert ids[0] != ids[1]
    for i in range(2):  # drawn at a useful size
        box = graphs.nth(i).bounding_box()
        assert box["width"] > 150 and box["height"] > 150
    outputs = [_document(page.locator(f"{MAIN} svg.fit-output").nth(i)) for i in range(2)]
    points = [sum(map(int, re.findall(r'data-points="(\d+)"', d))) for d in outputs]
    assert points == [500, 500]  # every training and test point over each output
    assert _document(page.locator(f"{MAIN} svg.fit-loss")).count("<polyline") >= 4  # train and test of A, B
    page.get_by_text("Confusion matrix (test points)").nth(1).wait_for(timeout=30_000)
    assert page.get_by_text("Confusion matrix (test points)").count() == 2


def test_play_animates_and_step_moves_one_epoch(server, page):
    page.goto(f"{server}/fit?fit.epochs=60&lang=en")
    page.get_by_text("Epoch 60 of 60").wait_for(timeout=120_000)
    wait_ready(page)
    page.get_by_role("button", name="⏮ Reset").click()
    page.get_by_text("Epoch 0 of 60").wait_for(timeout=30_000)
    page.get_by_role("button", name="⏭ +1 epoch").click()
    page.get_by_text("Epoch 1 of 60").wait_for(timeout=30_000)
    page.get_by_role("button", name="▶ Start").click()
    seen = set()
    for _ in range(40):
        seen.add(_counter(page))
        page.wait_for_timeout(100)
    assert len(seen) >= 4, seen  # the counter moved while playing
    page.get_by_text("Epoch 60 of 60").wait_for(timeout=60_000)  # and the replay ends complete
    assert exceptions(page) == []


def test_a_downloaded_network_loads_back_and_a_bad_file_is_refused(server, page):
    page.goto(f"{server}/fit?fit.epochs=30&lang=en")
    page.get_by_text("Epoch 30 of 30").wait_for(timeout=120_000)
    wait_ready(page)
    button = page.get_by_role("button", name="⬇ Download Network A")
    button.wait_for(timeout=30_000)  # the files section follows the first view
    with page.expect_download() as info:
        button.click()
    saved = info.value.path().read_bytes()
    upload = page.locator("[data-testid='stFileUploader'] input[type='file']").first
    upload.set_input_files(files=[{"name": "junk.pt", "mimeType": "application/octet-stream",
                                   "buffer": b"not a network"}])
    page.get_by_text("This file cannot be used").wait_for(timeout=30_000)
    upload.set_input_files(files=[{"name": "a.pt", "mimeType": "application/octet-stream", "buffer": saved}])
    page.get_by_text("Loaded a.pt").wait_for(timeout=30_000)
    wait_ready(page)
    metrics = page.locator(MAIN).get_by_text("MSE: train")
    metrics.nth(2).wait_for(timeout=30_000)
    assert metrics.count() == 3  # A, B and the loaded network
    page.get_by_text("Loaded a.pt (saved after 30 epochs)").wait_for(timeout=30_000)  # the frame shown
    shown = [metrics.nth(i).inner_text() for i in (0, 2)]
    assert shown[0] == shown[1], shown  # the same net, the same figures
    assert exceptions(page) == []


def test_chinese_labels_the_views(server, page):
    page.goto(f"{server}/fit?fit.preset=features&lang=zh")
    page.get_by_text("第 100 轮，共 100 轮").wait_for(timeout=120_000)
    wait_ready(page)
    page.get_by_text("混淆矩阵（测试点）").nth(1).wait_for(timeout=30_000)  # A's and B's
    assert page.get_by_text("混淆矩阵（测试点）").count() == 2
    question = page.locator("[data-testid='stButtonGroup'] button", has_text="原始特征对构造特征")
    question.wait_for(timeout=30_000)  # the chosen question, labelled in Chinese
    assert exceptions(page) == []
