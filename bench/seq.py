"""Benchmark of the sequences page: the tutorial's loop run once per variant vs core.seq.run_seq, interleaved.

    .venv/bin/python -m bench.seq [--repeats 7] [--threads 1] [--windows 100] [--browser]

The plain loop is core.seq.reference.run_plain (the tutorial's nn.RNN / nn.LSTM / nn.GRU + Linear,
Adam, one window at a time), run for the six variants one after another; `run_seq` trains the six
together and also records every window's prediction and hidden state, runs the after-training
tests and measures the gradient's reach. The issue's target: six variants <= 1.5 s for 100 windows
on one torch thread. `--browser` also times a real browser, from opening /seq to its six charts.
"""

from __future__ import annotations

import argparse
import time

import torch

from bench.timing import interleaved, print_medians
from core.seq import KINDS, MODES, SeqConfig, run_seq
from core.seq.reference import run_plain

TARGET_S = 1.5


def plain_six(config: SeqConfig) -> None:
    for kind in KINDS:
        for mode in MODES:
            run_plain(config, kind, carry=mode == "carry")


def ours(config: SeqConfig) -> None:
    run_seq(config)


def bench_python(repeats: int, windows: int) -> dict[str, float]:
    config = SeqConfig(windows=windows)
    plain_six(SeqConfig(windows=5))  # warm both paths (first calls pay one-off costs)
    ours(SeqConfig(windows=5))
    times = interleaved({"plain x6": lambda: plain_six(config), "run_seq": lambda: ours(config)}, repeats)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), {repeats} interleaved repeats, "
          f"{windows} windows of {config.steps} steps, hidden {config.hidden}, six variants")
    med = print_medians(times)
    verdict = "PASS" if med["run_seq"] <= TARGET_S else "MISS"
    ratio = med["run_seq"] / med["plain x6"]
    print(f"  run_seq / plain = {ratio:.2f}; target run_seq <= {TARGET_S} s: {verdict}")
    return med


def bench_browser(repeats: int) -> None:
    """Seconds from page.goto('/seq') to the six scrolling charts being drawn (fresh seeds)."""
    from bench.browser import READY, chromium_app, new_page, summary

    charts = "[data-testid='stMain'] [data-testid='stVegaLiteChart']"
    with chromium_app() as (url, browser):
        times = []
        for i in range(repeats):
            page = new_page(browser)
            start = time.perf_counter()
            page.goto(f"{url}/seq?seed={1000 + i}")
            page.wait_for_function(
                f"() => document.querySelectorAll(\"{charts} canvas, {charts} svg\").length >= 6",
                timeout=60_000)
            times.append(time.perf_counter() - start)
            page.wait_for_selector(READY, timeout=60_000)
            page.close()
    print(f"browser: goto -> six variants drawn, fresh seed each time ({repeats} runs): {summary(times)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (the issue's target: 1)")
    parser.add_argument("--windows", type=int, default=100)
    parser.add_argument("--browser", action="store_true", help="also time the page in headless Chromium")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    bench_python(args.repeats, args.windows)
    if args.browser:
        bench_browser(max(3, args.repeats // 2))


if __name__ == "__main__":
    main()
