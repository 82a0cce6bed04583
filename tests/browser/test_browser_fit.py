"""Real browser: the fit page draws both networks as graphs of unit maps, plays, steps, and saves a
network that loads back."""

from __future__ import annotations

import re

from tests.browser.conftest import exceptions, wait_ready

MAIN = "[data-testid='stMain']"
COUNTER = f"{MAIN} h3"  # the epoch counter above the two networks


VIEWS = f"{MAIN} iframe[title*='markup']"  # ui.charts.markup: each view is a component's frame


def _found(page, selector: str) -> list:
    """Every element matching `selector` inside the page's views, in page order."""
    frames = page.locator(VIEWS)
    return [found.nth(j) for i in range(frames.count())
            for found in [frames.nth(i).content_frame.locator(selector)] for j in range(found.count())]


def _wait_found(page, selector: str, n: int, timeout_s: float = 30) -> list:
    """`_found`, once it finds at least `n` (the views' frames load after the page)."""
    for _ in range(int(timeout_s * 4)):
        found = _found(page, selector)
        if len(found) >= n:
            return found
        page.wait_for_timeout(250)
    raise AssertionError(f"{len(_found(page, selector))} of {n} {selector!r} in the views")


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
    graphs = _wait_found(page, "svg.fit-graph", 2)
    assert len(graphs) == 2
    documents = [_document(graphs[i]) for i in range(2)]
    assert [d.count("<use ") for d in documents] == [2 + 8 + 1, 2 + 24 + 1]  # inputs, hidden units, output
    assert all('<image id="fit-maps-' in d and "data:image/png;base64," in d for d in documents)  # 1 PNG
    # ids are page-wide: each graph's tiles name its own PNG, not the other graph's
    ids = [re.findall(r'<image id="([^"]+)"', d) for d in documents]
    assert [set(re.findall(r'<use href="#([^"]+)"', d)) for d in documents] == [set(i) for i in ids]
    assert ids[0] != ids[1]
    for i in range(2):  # drawn at a useful size
        box = graphs[i].bounding_box()
        assert box["width"] > 150 and box["height"] > 150
    outputs = [_document(o) for o in _wait_found(page, "svg.fit-output", 2)]
    points = [sum(map(int, re.findall(r'data-points="(\d+)"', d))) for d in outputs]
    assert points == [500, 500]  # every training and test point over each output
    assert _document(_wait_found(page, "svg.fit-loss", 1)[0]).count("<polyline") >= 4  # A's, B's train, test
    assert len(_wait_found(page, "text='Confusion matrix (test points)'", 2)) == 2


def test_play_animates_and_step_moves_one_epoch(server, page):
    page.goto(f"{server}/fit?fit.epochs=60&lang=en")
    page.get_by_text("Epoch 60 of 60").wait_for(timeout=120_000)
    page.get_by_text("Save and load a network").wait_for(timeout=60_000)  # the rerun after the first view
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
    metrics = _wait_found(page, "text=MSE: train", 3)
    assert len(metrics) == 3  # A, B and the loaded network
    page.get_by_text("Loaded a.pt (saved after 30 epochs)").wait_for(timeout=30_000)  # the frame shown
    shown = [metrics[i].inner_text() for i in (0, 2)]
    assert shown[0] == shown[1], shown  # the same net, the same figures
    assert exceptions(page) == []


def test_chinese_labels_the_views(server, page):
    page.goto(f"{server}/fit?fit.preset=features&lang=zh")
    page.get_by_text("第 100 轮，共 100 轮").wait_for(timeout=120_000)
    wait_ready(page)
    assert len(_wait_found(page, "text='混淆矩阵（测试点）'", 2)) == 2  # A's and B's
    question = page.locator("[data-testid='stButtonGroup'] button", has_text="原始特征对构造特征")
    question.wait_for(timeout=30_000)  # the chosen question, labelled in Chinese
    assert exceptions(page) == []
