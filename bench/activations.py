"""Benchmark of the activations page: default 4-activation comparison, stacked vs classic; browser timing.

    .venv/bin/python -m bench.activations                 # compute: interleaved medians and ratio
    .venv/bin/python -m bench.activations --browser       # plus goto -> first complete comparison
    .venv/bin/python -m bench.activations --threads 1     # PLAYGROUND_THREADS for us and the server

On a 2-core machine shared with other busy processes, torch's default of one thread per core makes
these tiny networks many times slower (threads spin waiting for each other): compare --threads 1.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

from core.activations import (
    ActivationTrainConfig,
    GradientFlowConfig,
    run_activation_training,
    run_gradient_flow,
)
from core.activations.reference import run_classic
from core.device import setup_threads


def _timed(fn: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process)."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def bench_compute(repeats: int) -> None:
    config = ActivationTrainConfig()  # the page's defaults: 4 activations, moons, 300 steps, 31 frames
    print(f"threads: {setup_threads()}; config: {config}")
    _timed(lambda: run_activation_training(config))  # warm-up (imports, allocator)
    rows: dict[str, list[tuple[float, float]]] = {"stacked": [], "classic": [], "flow": []}
    for _ in range(repeats):  # interleaved, so a busy neighbour slows both alike
        rows["stacked"].append(_timed(lambda: run_activation_training(config)))
        rows["classic"].append(_timed(lambda: run_classic(config)))
        rows["flow"].append(_timed(lambda: run_gradient_flow(GradientFlowConfig())))
    med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v))
           for k, v in rows.items()}
    print(f"{'':34s} {'wall median':>12s} {'CPU median':>12s}")
    labels = {"stacked": "ours: 4 nets stacked, grids incl.", "classic": "classic: 4 nn.Modules in turn",
              "flow": "gradient flow (depth 10, 4 nets)"}
    for k, (w, c) in med.items():
        print(f"{labels[k]:34s} {w:11.3f}s {c:11.3f}s")
    print(f"ratio classic/ours: wall {med['classic'][0] / med['stacked'][0]:.2f}x, "
          f"CPU {med['classic'][1] / med['stacked'][1]:.2f}x  (target: ours <= 1.5 s)")


def bench_browser(repeats: int) -> None:
    from bench.browser import chromium_app, new_page, summary

    complete = ("() => [...document.querySelectorAll(\"[data-testid='stVegaLiteChart'] text\")]"
                ".filter(t => t.textContent.includes('% correct')).length >= 4 && "
                "document.querySelectorAll(\"[data-testid='stVegaLiteChart']\").length >= 8")
    first_chart = "() => document.querySelector(\"[data-testid='stVegaLiteChart']\") !== null"
    times, firsts = [], []
    with chromium_app() as (url, browser):
        for i in range(repeats + 1):  # the first load warms the server up and is not counted
            page = new_page(browser)
            start = time.perf_counter()
            page.goto(f"{url}/activations?seed={9000 + i}")  # a fresh seed: computed, not cached
            page.wait_for_function(first_chart, timeout=180_000, polling=20)
            first = time.perf_counter() - start
            page.wait_for_function(complete, timeout=180_000, polling=20)
            if i:
                times.append(time.perf_counter() - start)
                firsts.append(first)
            page.close()
    print(f"browser: goto -> 4 decision boundaries + curves drawn (fresh seed each, {len(times)} runs): "
          f"{summary(times)}; target 2 s")
    print(f"  of which goto -> first chart of the page (the gallery, no training yet): {summary(firsts)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--browser", action="store_true", help="also time the page in headless Chromium")
    parser.add_argument("--threads", type=int, default=0, help="set PLAYGROUND_THREADS (0: app default)")
    args = parser.parse_args()
    if args.threads > 0:
        os.environ["PLAYGROUND_THREADS"] = str(args.threads)  # read by setup_threads, inherited by the server
    bench_compute(args.repeats)
    if args.browser:
        bench_browser(args.repeats)


if __name__ == "__main__":
    main()
