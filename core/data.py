"""Synthetic datasets: pure functions of (parameters, seed), the same tensors on every call."""

from __future__ import annotations

import math

import torch

from core.seeding import generator_for


def noisy_curve(n: int, x_range: tuple[float, float], fn: str, noise: float, seed: int,
                stream: str = "train") -> tuple[torch.Tensor, torch.Tensor]:
    """x = linspace(lo, hi, n) as a column, y = f(x) + noise * N(0, 1).

    `fn` is "square" (x²), "identity" (x) or "square_minus_5" (x² − 5).
    `stream` names an independent noise draw ("train", "test") for the same seed.
    """
    g = generator_for(seed, "noisy_curve", stream)
    x = torch.linspace(x_range[0], x_range[1], n).unsqueeze(1)  # (n, 1)
    clean = {"square": x ** 2, "identity": x, "square_minus_5": x ** 2 - 5}.get(fn)
    if clean is None:
        raise ValueError(f"unknown curve {fn!r}")
    return x, clean + noise * torch.randn(x.shape, generator=g)


def spiral(n: int, noise: float, seed: int, turns: float = 1.5) -> tuple[torch.Tensor, torch.Tensor]:
    """Two interleaved spirals: (n, 2) float points in about [-1, 1]², (n,) int labels 0/1."""
    g = generator_for(seed, "spiral")
    labels = torch.arange(n) % 2
    t = torch.rand(n, generator=g) * turns * 2 * math.pi + 0.3
    r = t / (turns * 2 * math.pi + 0.3)
    angle = t + math.pi * labels
    points = torch.stack([r * torch.cos(angle), r * torch.sin(angle)], dim=1)
    points = points + noise * 0.1 * torch.randn(points.shape, generator=g)
    return points, labels
