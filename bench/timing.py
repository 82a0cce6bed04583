"""Timing side by side: each case run in turn, `repeats` rounds, so a busy machine slows all alike."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def seconds(fn: Callable[[], object]) -> float:
    """Wall-clock seconds of one call."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def interleaved(cases: dict[str, Callable[[], object]], repeats: int) -> dict[str, list[float]]:
    """Seconds of every case in each of `repeats` rounds (one warm call of each first is the
    caller's: first calls pay one-off costs)."""
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeats):
        for name, fn in cases.items():
            times[name].append(seconds(fn))
    return times


def print_medians(times: dict[str, list[float]], width: int = 9) -> dict[str, float]:
    """One line per case, its median with min and max; returns the medians."""
    med = {name: statistics.median(values) for name, values in times.items()}
    for name, values in times.items():
        print(f"  {name:{width}s} median {med[name]:.3f} s   (min {min(values):.3f}, max {max(values):.3f})")
    return med
