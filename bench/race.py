"""Benchmark: the classic lesson's loop (separate nets, a DataLoader, loss.item() each step) vs run_race.

Run as `.venv/bin/python -m bench.race` (add `--browser` for the page-load and animation figures,
`--runs N` for more repetitions, `--busy N` to keep N other processes busy meanwhile, as on a shared
server; `PLAYGROUND_THREADS=2` to try another torch thread count). Both loops run interleaved in
the same process, so a busy machine slows both alike; medians and ratios are printed.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from core.data import noisy_curve
from core.device import setup_threads
from core.models import init_module_
from core.race import DEFAULT_RACERS, RaceConfig, Racer, make_optimizer, make_racer, run_race
from core.seeding import generator_for

BIG_RACERS = tuple(make_racer(c) for c in
                   ("sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw", "nadam"))
CHART = "[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg"
CASES = {
    "default race (4 racers x 1 seed x 384 steps)": (RaceConfig(), 0.3),
    "7 racers x 5 seeds x 384 steps": (RaceConfig(racers=BIG_RACERS, seeds=5), 1.5),
}


class Net(nn.Module):
    """The lesson's network, written the lesson's way."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden = nn.Linear(1, 20)
        self.predict = nn.Linear(20, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.predict(torch.relu(self.hidden(x)))


def classic(racers: tuple[Racer, ...], seeds: int) -> list[list[float]]:
    """The lesson's loop: per seed a shuffling DataLoader; per batch, every net steps and reports .item()."""
    histories = []
    for s in range(seeds):
        x, y = noisy_curve(1000, (-1.0, 1.0), "square", 0.1, s)
        loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True,
                            generator=generator_for(s, "classic"))
        # nn.Linear's own initialisation rule, drawn from a generator instead of the global RNG
        nets = [init_module_(Net(), generator_for(s, "classic-init", r)) for r in range(len(racers))]
        opts = [make_optimizer(racer, list(net.parameters())) for racer, net in zip(racers, nets)]
        his: list[list[float]] = [[] for _ in racers]
        loss_fn = nn.MSELoss()
        for _epoch in range(12):
            for bx, by in loader:
                for net, opt, h in zip(nets, opts, his):
                    loss = loss_fn(net(bx), by)
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                    h.append(loss.item())
        histories.extend(his)
    return histories


def _time(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def bench_training(runs: int) -> None:
    print(f"torch {torch.__version__}, {setup_threads()} CPU thread(s); medians of {runs} interleaved runs")
    classic(DEFAULT_RACERS, 1)  # warm up both (first-call imports, allocator)
    run_race(RaceConfig(epochs=1))
    for name, (config, target) in CASES.items():
        a, b, c = [], [], []
        for _ in range(runs):
            a.append(_time(lambda config=config: classic(config.racers, config.seeds)))
            b.append(_time(lambda config=config: run_race(config)))
            c.append(_time(lambda config=config: run_race(config, engine="autograd")))
        ca, ours, ours_vmap = statistics.median(a), statistics.median(b), statistics.median(c)
        verdict = "ok" if ours <= target else "OVER TARGET"
        print(f"{name}: classic {ca:.3f} s, ours {ours:.3f} s (target {target} s: {verdict}), "
              f"ours/classic = {ours / ca:.2f}; ours with engine='autograd' {ours_vmap:.3f} s; "
              f"classic runs {[round(v, 3) for v in a]}, ours {[round(v, 3) for v in b]}")


def bench_browser() -> None:
    """Open /race in headless Chromium: time to the first complete race, chart updates/s while playing."""
    from bench.browser import READY, SIGNATURE, chromium_app, new_page, summary
    from bench.first_view import time_page

    with chromium_app() as (url, browser):
        time_page(browser, url, "race", 7)  # warms the server up; not counted
        # a seed no one opened yet each time (the server trains), in a fresh browser context
        loads = [time_page(browser, url, "race", seed) for seed in range(11, 18)]
        page = new_page(browser)
        page.goto(f"{url}/race?seed=11")
        page.wait_for_selector(CHART, timeout=60_000)
        page.wait_for_selector(READY)
        print(f"browser: first complete race (charts and leaderboard) after goto, fresh seed each, "
              f"{len(loads)} runs: {summary(loads)}; target 2 s")
        page.get_by_role("button", name="▶ Start", exact=True).click()
        page.wait_for_timeout(500)
        seen, changes = None, 0
        t_end = time.perf_counter() + 3.0
        while time.perf_counter() < t_end:
            sig = page.evaluate(SIGNATURE)
            if sig != seen:
                changes += seen is not None
                seen = sig
            page.wait_for_timeout(30)
        print(f"browser: {changes / 3.0:.1f} chart updates per second while playing (target >= 5)")


@contextlib.contextmanager
def busy(n: int) -> Iterator[None]:
    """n processes spinning on the CPU for the duration: a server where other sessions compute too."""
    procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]
    try:
        yield
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--browser", action="store_true", help="also measure the page in Chromium")
    parser.add_argument("--no-training", action="store_true", help="skip the training benchmark")
    parser.add_argument("--busy", type=int, default=0, help="other processes kept busy meanwhile")
    args = parser.parse_args()
    if not args.no_training:
        with busy(args.busy):
            bench_training(max(args.runs, 1))
    if args.browser:
        bench_browser()


if __name__ == "__main__":
    main()
