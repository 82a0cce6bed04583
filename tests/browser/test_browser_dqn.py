"""Real browser: the DQN page trains its agents side by side and replays them (carts, returns and TD
error redrawn live, at several updates a second), and the pretrained agent plays with no training."""

from __future__ import annotations

import re

from tests.browser.conftest import exceptions, wait_ready

MAIN = "[data-testid='stMain']"
VIEWS = f"{MAIN} iframe[title*='markup']"  # ui.charts.markup: each view is a component's frame
SHORT = "dqn.steps=4000&dqn.memory=500"  # a short run: the browser test is about the page, not the training
# Polls the page's frame caption ("Step 1,250 of 4,000. ...") and notes when it changes: the updates
# the browser showed while playing.
WATCH_JS = """async ([ms, pattern]) => {
    const re = new RegExp(pattern); const seen = []; let last = null;
    const t0 = performance.now();
    while (performance.now() - t0 < ms) {
        const m = document.body.innerText.match(re);
        const now = m ? m[1] : null;
        if (now !== last) { seen.push([performance.now(), now]); last = now; }
        await new Promise(r => setTimeout(r, 15));
    }
    return seen; }"""


def _svgs(page, cls: str, n: int, timeout_s: float = 30) -> list[str]:
    """The outer HTML of the views' SVGs of class `cls`, once there are `n`."""
    for _ in range(int(timeout_s * 4)):
        frames = page.locator(VIEWS)
        found = [frames.nth(i).content_frame.locator(f"svg.{cls}") for i in range(frames.count())]
        docs = [f.nth(j).evaluate("s => s.outerHTML") for f in found for j in range(f.count())]
        if len(docs) >= n:
            return docs
        page.wait_for_timeout(250)
    raise AssertionError(f"fewer than {n} svg.{cls} in the views")


def test_agents_train_side_by_side_and_replay_live(server, page):
    page.goto(f"{server}/dqn?{SHORT}&lang=en")
    page.get_by_text("Step 4,000 of 4,000").wait_for(timeout=120_000)
    page.get_by_text("The same comparison on several seeds").wait_for(timeout=120_000)
    wait_ready(page, 120_000)
    assert exceptions(page) == []
    carts = _svgs(page, "dqn-carts", 1)[0]
    assert carts.count("<rect") >= 4 * 3 and "No replay memory" in carts  # a cart and two Q bars each
    returns, td = _svgs(page, "dqn-returns", 1)[0], _svgs(page, "dqn-td", 1)[0]
    assert returns.count("<polyline") >= 8 and td.count("<polyline") >= 4  # four agents each
    assert page.locator(f"{MAIN} [data-testid='stVegaLiteChart']").count() >= 2  # the whole run's charts
    page.get_by_role("button", name="⏮ Reset").click()
    page.get_by_text("Step 0 of 4,000").wait_for(timeout=30_000)
    wait_ready(page, 30_000)
    page.get_by_role("button", name="▶ Start").click()
    page.wait_for_function("() => !document.body.innerText.includes('Step 0 of 4,000')", timeout=30_000)
    seen = page.evaluate(WATCH_JS, [4000, r"Step ([\d,]+) of 4,000"])
    steps = [int(s.replace(",", "")) for _, s in seen if s]
    assert steps == sorted(steps) and len(set(steps)) >= 4, seen  # it moves forward, frame by frame
    rate = (len(seen) - 1) / ((seen[-1][0] - seen[0][0]) / 1000) if len(seen) > 1 else 0.0
    print(f"replay: {rate:.1f} updates shown a second")
    assert rate >= 3, seen  # bench/dqn.py --browser measures the target (8 a second) on a quiet machine
    page.get_by_text("Step 4,000 of 4,000").wait_for(timeout=60_000)
    wait_ready(page, 30_000)
    assert exceptions(page) == []


def test_pretrained_agent_plays_without_training(server, page):
    page.goto(f"{server}/dqn?dqn.view=watch&lang=zh")
    page.get_by_text("预训练智能体让杆子立住了全部 500 步").wait_for(timeout=60_000)
    wait_ready(page, 30_000)
    assert exceptions(page) == []
    assert page.locator(f"{MAIN} [data-testid='stMarkdownContainer'] table").count() == 0  # nothing trained
    before = _svgs(page, "dqn-play", 1)[0]
    assert "第 1 局，第 500 步" in before
    page.get_by_role("button", name="⏮ 重置").click()
    wait_ready(page, 30_000)
    page.get_by_role("button", name="▶ 开始").click()
    for _ in range(40):
        doc = _svgs(page, "dqn-play", 1)[0]
        step = int(re.search(r"第 1 局，第 (\d+) 步", doc)[1])
        if 0 < step < 500:
            break
        page.wait_for_timeout(250)
    assert 0 < step < 500  # it plays
    assert exceptions(page) == []
