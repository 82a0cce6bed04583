"""Jobs for the compute service's tests: module-level, so a worker process can import them."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from core.compute import report


@dataclass(frozen=True)
class Nap:
    """A job that takes `seconds` (reporting its progress as it goes); `seed` only names it."""

    seconds: float = 0.2
    seed: int = 0


def nap(config: Nap) -> dict:
    """Sleep `config.seconds` in steps of 50 ms, reporting after each; returns where it ran."""
    steps = max(1, int(config.seconds / 0.05))
    for i in range(steps):
        time.sleep(config.seconds / steps)
        report((i + 1) / steps, {"step": i + 1})
    return {"pid": os.getpid(), "seed": config.seed}


def fail(message: str) -> None:
    raise ValueError(message)


def pid() -> int:
    return os.getpid()
