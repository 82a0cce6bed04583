"""The sequences lesson's signals: consecutive windows of a sine, cut as the tutorial cuts them."""

from __future__ import annotations

import math

import numpy as np
import torch

from core.seeding import generator_for

TASKS = ("sin_cos", "noisy_next")  # read sin(t), predict cos(t); read a noisy sine, predict its next value


def window_times(first: int, count: int, length: float, steps: int) -> np.ndarray:
    """(count, steps) float32 times: window w covers [w·length, (w+1)·length), `steps` points without
    its end, as the tutorial's `np.linspace(start, end, TIME_STEP, dtype=np.float32, endpoint=False)`."""
    return np.stack([np.linspace(w * length, (w + 1) * length, steps, dtype=np.float32, endpoint=False)
                     for w in range(first, first + count)]) if count else np.zeros((0, steps), np.float32)


def signal(task: str, t: np.ndarray, freq: float, noise: float, dt: float, seed: int,
           stream: str) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and targets at times `t` (any shape), float32.

    sin_cos: x = sin(f·t), y = cos(f·t) (the tutorial's task at f = 1).
    noisy_next: x = sin(f·t) + noise·N(0, 1), y = sin(f·(t + dt)), the next step's clean value;
    the noise is drawn from the seed's `stream`.
    """
    ft = t if freq == 1.0 else (freq * t).astype(np.float32)
    if task == "sin_cos":
        return np.sin(ft), np.cos(ft)
    if task == "noisy_next":
        g = generator_for(seed, "seq_noise", stream)
        eps = torch.randn(t.shape, generator=g, dtype=torch.float32).numpy()
        x = (np.sin(ft) + np.float32(noise) * eps).astype(np.float32)
        y = np.sin(freq * (t.astype(np.float64) + dt)).astype(np.float32)
        return x, y
    raise ValueError(f"unknown task {task!r}; known: {', '.join(TASKS)}")


def window_length(window_pi: float) -> float:
    """A window's length in radians, from the control's multiple of π."""
    return window_pi * math.pi
