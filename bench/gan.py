"""GAN lesson benchmark: the painter's default run (A and B, 5,000 iterations each, one torch thread)
against the tutorial's loop run for A and then B, side by side; with --browser, the updates a
second Chromium shows while the replay plays and while the step-by-step session plays.

    python -m bench.gan [--repeats 3] [--browser]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics

import torch

from bench.timing import interleaved, print_medians
from core.gan import PainterConfig, run_painter
from core.gan.reference import run_plain

# Polls the page's text every `poll` ms for `window` ms and records each time the first match of
# `pattern` changes: the updates a reader sees.
WATCH_JS = """([pattern, poll, window]) => new Promise(done => {
    const re = new RegExp(pattern), times = [];
    let seen = null;
    const start = performance.now();
    const tick = () => {
        const m = document.body.innerText.match(re), now = m ? m[0] : null;
        if (now !== seen) { seen = now; times.push(performance.now()); }
        if (performance.now() - start < window) setTimeout(tick, poll); else done({times, last: seen});
    };
    tick();
})"""


def updates_per_second(page, pattern: str, seconds: float = 4.0, poll_ms: int = 15) -> float:
    """Changes a second of the text matching `pattern` (a regex) on `page` over `seconds`, from its
    first change on (the click's own full run comes first, and on a busy machine it takes a while)."""
    before = page.evaluate(f"() => (document.body.innerText.match(new RegExp({pattern!r})) || [null])[0]")
    page.wait_for_function(f"() => (document.body.innerText.match(new RegExp({pattern!r})) || [null])[0]"
                           f" !== {json.dumps(before)}", timeout=60_000, polling=poll_ms)
    seen = page.evaluate(WATCH_JS, [pattern, poll_ms, 1000 * seconds])
    times = seen["times"]
    if len(times) < 3:
        return 0.0
    return (len(times) - 2) / ((times[-1] - times[1]) / 1000)  # from the first change on


def classic(config: PainterConfig) -> None:
    """The tutorial's loop for A, then for B (nn.Sequential, autograd, torch.optim.Adam)."""
    run_plain(config, "A")
    run_plain(config, "B")


def bench_python(repeats: int) -> None:
    config = PainterConfig()
    classic(PainterConfig(steps=20))  # first calls pay one-off costs
    run_painter(PainterConfig(steps=20))
    times = interleaved({"classic": lambda: classic(config), "ours": lambda: run_painter(config)}, repeats)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), {repeats} interleaved repeats: "
          f"the painter's default run, A and B, {config.steps} iterations each")
    med = print_medians(times, width=8)
    ratio = med["ours"] / med["classic"]
    print(f"  ours / classic = {ratio:.2f}  (ours also keeps {config.frames + 1} snapshots "
          f"of 256 paintings per training and the timelines)")


def bench_browser(repeats: int) -> None:
    """Updates a second shown: the painter's replay, and the stepping session playing on the plane."""
    from bench.browser import chromium_app, exceptions, new_page, wait_ready

    replay, lab, paused = [], [], 0
    with chromium_app() as (url, browser):
        for i in range(repeats):
            page = new_page(browser)
            page.goto(f"{url}/gan?seed={500 + i}")
            page.get_by_text("step 5000 of 5000").wait_for(timeout=120_000)
            wait_ready(page, 60_000)
            page.get_by_role("button", name="▶ Start", exact=True).click()
            replay.append(updates_per_second(page, r"step \d+ of 5000", 4.0))
            page.get_by_role("button", name="⏸ Stop", exact=True).click()
            wait_ready(page, 60_000)
            page.goto(f"{url}/gan?gan.view=plane&seed={500 + i}")
            page.get_by_role("button", name="▶ Play", exact=True).wait_for(timeout=120_000)
            wait_ready(page, 60_000)
            page.get_by_role("button", name="▶ Play", exact=True).click()
            # the caption's step counts change at every update (D's scores, to two digits, may not)
            lab.append(updates_per_second(page, r"D steps \d+, G steps \d+", 4.0))
            page.get_by_role("button", name="⏸ Pause", exact=True).click()
            page.get_by_role("button", name="▶ Play", exact=True).wait_for(timeout=10_000)
            wait_ready(page, 60_000)
            held = re.search(r"D steps \d+, G steps \d+", page.locator("[data-testid='stMain']").inner_text())
            page.wait_for_timeout(1500)
            paused += held.group() in page.locator("[data-testid='stMain']").inner_text()
            if exceptions(page):
                print(f"  ! the page showed exceptions: {exceptions(page)}")
            page.close()
    print(f"browser ({repeats} plays each): painter replay {statistics.median(replay):.1f} updates/s "
          f"(each {', '.join(f'{r:.1f}' for r in replay)}); step-by-step play "
          f"{statistics.median(lab):.1f} updates/s (each {', '.join(f'{r:.1f}' for r in lab)}); "
          f"Pause held {paused} of {repeats}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--browser", action="store_true", help="also count the updates shown in Chromium")
    args = parser.parse_args()
    torch.set_num_threads(1)
    bench_python(args.repeats)
    if args.browser:
        bench_browser(args.repeats)


if __name__ == "__main__":
    main()
