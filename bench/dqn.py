"""Benchmark of the DQN page: the tutorial's loop (its classes over gymnasium's CartPole, one agent)
against core.dqn's batch, side by side, one torch thread.

    .venv/bin/python -m bench.dqn [--repeats 1] [--episodes 400] [--browser]   # --episodes 0: skip part 1

1. The tutorial's 400 episodes for the full DQN: the plain loop (core.dqn.reference) runs them and
   counts their steps; the batch then takes as many steps with the DQN alone, and with all four
   agents at once.
2. The page's default run (10,000 steps, four agents): the plain loop four times against one batch.
3. `--browser`: updates a second Chromium shows while the page replays a run (target: 8 or more).
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time

import torch

from bench.timing import interleaved, print_medians, seconds
from core.dqn import AGENTS, DQNConfig, run_dqn
from core.dqn.reference import run_plain

MAX_STEPS = 250_000  # the tutorial's 400 episodes must end within this many steps (the draws' length)


def tutorial(episodes: int) -> dict:
    """The tutorial's loop for `episodes` episodes of the full DQN (core.dqn.reference)."""
    return run_plain(DQNConfig(steps=MAX_STEPS), "dqn", episodes=episodes)


def bench_tutorial(episodes: int, repeats: int) -> None:
    """The tutorial's loop first (it says how many steps its episodes take), then the batch for as
    many steps, alone and with all four agents; each case `repeats` times, in turn."""
    times: dict[str, list[float]] = {"tutorial": [], "batch, DQN alone": [], "batch, 4 agents": []}
    for _ in range(repeats):
        start = time.perf_counter()
        out = tutorial(episodes)
        times["tutorial"].append(time.perf_counter() - start)
        config = DQNConfig(steps=out["steps"], frames=160)
        alone = dataclasses.replace(config, agents=("dqn",))
        times["batch, DQN alone"].append(seconds(lambda c=alone: run_dqn(c)))
        times["batch, 4 agents"].append(seconds(lambda c=config: run_dqn(c)))
    lengths = out["lengths"]
    print(f"the tutorial's {episodes} episodes of the full DQN, seed 0: {out['steps']:,} steps "
          f"(last 20 episodes: mean {statistics.mean(lengths[-20:]):.0f} steps)")
    med = print_medians(times, width=17)
    print(f"  batch / tutorial: DQN alone {med['batch, DQN alone'] / med['tutorial']:.2f}, "
          f"four agents {med['batch, 4 agents'] / med['tutorial']:.2f} (the batch also records the replay's "
          f"frames, the TD error and a greedy episode of each agent)")


def bench_default(repeats: int) -> None:
    config = DQNConfig()
    times = interleaved({
        "tutorial x 4": lambda: [run_plain(config, a) for a in AGENTS],
        "batch": lambda: run_dqn(config),
    }, repeats)
    print(f"the page's default run: {config.steps:,} steps, {len(AGENTS)} agents")
    med = print_medians(times, width=13)
    print(f"  batch / tutorial = {med['batch'] / med['tutorial x 4']:.2f}")


WATCH_JS = """async ([ms, pattern]) => {
    const re = new RegExp(pattern); const seen = []; let last = null;
    const t0 = performance.now();
    while (performance.now() - t0 < ms) {
        const m = document.body.innerText.match(re);
        const now = m ? m[1] : null;
        if (now !== last) { seen.push(performance.now()); last = now; }
        await new Promise(r => setTimeout(r, 15));
    }
    return seen; }"""


def bench_browser(plays: int) -> None:
    """Updates a second Chromium shows while replaying the default run (normal speed), per play."""
    from bench.browser import chromium_app, new_page, wait_ready

    rates = []
    with chromium_app() as (url, browser):
        page = new_page(browser)
        page.goto(f"{url}/dqn?lang=en")
        page.get_by_text("Step 10,000 of 10,000").wait_for(timeout=300_000)
        page.get_by_text("The same comparison on several seeds").wait_for(timeout=300_000)
        wait_ready(page, 120_000)
        for _ in range(plays):
            page.get_by_role("button", name="⏮ Reset").click()
            page.get_by_text("Step 0 of 10,000").wait_for(timeout=30_000)
            wait_ready(page, 30_000)
            page.get_by_role("button", name="▶ Start").click()
            page.wait_for_function("() => !document.body.innerText.includes('Step 0 of 10,000')")
            seen = page.evaluate(WATCH_JS, [6000, r"Step ([\d,]+) of 10,000"])
            rates.append((len(seen) - 1) / ((seen[-1] - seen[0]) / 1000))
            print(f"  play: {rates[-1]:.1f} updates shown a second")
            page.get_by_text("Step 10,000 of 10,000").wait_for(timeout=60_000)
            wait_ready(page, 30_000)
    print(f"browser replay: median {statistics.median(rates):.1f} updates a second over {plays} plays "
          f"(target: 8)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--episodes", type=int, default=400)
    parser.add_argument("--browser", action="store_true", help="also measure the replay in Chromium")
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, 1 thread, {args.repeats} interleaved repeat(s)")
    run_dqn(DQNConfig(steps=300, memory=100))  # first calls pay one-off costs
    if args.episodes > 0:  # 0: only the page's default run (the 400 episodes take minutes)
        bench_tutorial(args.episodes, args.repeats)
    bench_default(args.repeats)
    if args.browser:
        bench_browser(3)


if __name__ == "__main__":
    main()
