"""The fit lesson's datasets and input features: pure functions of (parameters, seed).

The curve is the regression tutorial's (`y = x² + 0.2·U[0, 1)` on `linspace(-1, 1, 100)`), the
blobs the classification tutorial's (`N((2, 2), 1)` and `N((-2, -2), 1)`); the other six are
TensorFlow Playground's generators, on its plane [-6, 6]², with its meaning of noise.
"""

from __future__ import annotations

import math

import torch

from core.seeding import generator_for

REGRESSION, CLASSIFICATION = "regression", "classification"
TASKS = {
    "curve": REGRESSION, "plane": REGRESSION, "multigauss": REGRESSION,
    "blobs": CLASSIFICATION, "circle": CLASSIFICATION, "xor": CLASSIFICATION,
    "gauss": CLASSIFICATION, "spiral": CLASSIFICATION,
}
DATASETS = tuple(TASKS)
FEATURES = ("x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2")
ONE_D = frozenset({"curve"})  # datasets with one input: features of x₂ do not apply


def half_width(dataset: str) -> float:
    """The input plane is [-w, w] (or the line, for the curve)."""
    return 1.0 if dataset == "curve" else 6.0


def task(dataset: str) -> str:
    """REGRESSION or CLASSIFICATION."""
    try:
        return TASKS[dataset]
    except KeyError:
        raise ValueError(f"unknown dataset {dataset!r}; known: {', '.join(DATASETS)}") from None


def applicable(dataset: str, features: tuple[str, ...]) -> tuple[str, ...]:
    """The features that exist for `dataset`, in FEATURES order (x₂'s drop out on the curve)."""
    unknown = [f for f in features if f not in FEATURES]
    if unknown:
        raise ValueError(f"unknown feature(s): {', '.join(unknown)}")
    usable = [f for f in FEATURES if f in features]
    if dataset in ONE_D:
        usable = [f for f in usable if "x2" not in f]
    return tuple(usable)


def featurize(x: torch.Tensor, features: tuple[str, ...]) -> torch.Tensor:
    """(n, len(features)) inputs of the network from raw points x (n, 2) (x₂ is 0 on the curve)."""
    x1, x2 = x[:, 0], x[:, 1]
    table = {"x1": x1, "x2": x2, "x1sq": x1 * x1, "x2sq": x2 * x2, "x1x2": x1 * x2,
             "sinx1": torch.sin(x1), "sinx2": torch.sin(x2)}
    return torch.stack([table[f] for f in features], dim=1)


def make_points(dataset: str, n: int, noise: float, seed: int,
                stream: str = "train") -> tuple[torch.Tensor, torch.Tensor]:
    """(x (n, 2) float, y (n,)): float targets for regression, int64 classes 0/1 for classification.

    `stream` names an independent draw ("train", "test") for the same seed. On the curve, the
    training stream is the tutorial's evenly spaced x and the test stream draws x at random.
    """
    g = generator_for(seed, "fit", dataset, stream)
    uniform = lambda lo, hi, *shape: lo + (hi - lo) * torch.rand(shape or (n,), generator=g)  # noqa: E731
    if dataset == "curve":
        x1 = torch.linspace(-1, 1, n) if stream == "train" else uniform(-1, 1).sort().values
        return torch.stack([x1, torch.zeros(n)], 1), x1 ** 2 + noise * torch.rand(n, generator=g)
    if dataset == "blobs":  # noise 0.2: the tutorial's std of 1
        labels = (torch.arange(n) >= n // 2).long()
        centre = torch.where(labels[:, None] == 0, 2.0, -2.0).expand(n, 2)
        return centre + 5 * noise * torch.randn(n, 2, generator=g), labels
    if dataset == "gauss":
        labels = (torch.arange(n) % 2).long()
        centre = torch.where(labels[:, None] == 1, 2.0, -2.0).expand(n, 2)
        std = math.sqrt(0.5 + 7 * noise)  # TF Playground: variance 0.5 at noise 0, 4 at noise 0.5
        return centre + std * torch.randn(n, 2, generator=g), labels
    if dataset == "spiral":
        labels = (torch.arange(n) % 2).long()
        i = uniform(0, 1)  # position along the arm, 0 at the centre
        t = 1.75 * i * 2 * math.pi + math.pi * labels
        x = torch.stack([5 * i * torch.sin(t), 5 * i * torch.cos(t)], 1)
        return x + noise * uniform(-1, 1, n, 2), 1 - labels
    if dataset == "circle":
        inside = (torch.arange(n) % 2 == 0)
        r = torch.where(inside, uniform(0, 2.5), uniform(3.5, 5))
        angle = uniform(0, 2 * math.pi)
        x = torch.stack([r * torch.sin(angle), r * torch.cos(angle)], 1)
        shifted = x + noise * uniform(-5, 5, n, 2)  # the label is read at a noisy position
        return x, (shifted.norm(dim=1) < 2.5).long()
    if dataset == "xor":
        x = uniform(-5, 5, n, 2)
        x = x + torch.where(x > 0, 0.3, -0.3)
        shifted = x + noise * uniform(-5, 5, n, 2)
        return x, (shifted[:, 0] * shifted[:, 1] >= 0).long()
    if dataset in ("plane", "multigauss"):
        x = uniform(-6, 6, n, 2)
        shifted = x + noise * uniform(-6, 6, n, 2)
        return x, (_plane(shifted) if dataset == "plane" else _gaussians(shifted))
    raise ValueError(f"unknown dataset {dataset!r}; known: {', '.join(DATASETS)}")


def _plane(x: torch.Tensor) -> torch.Tensor:
    return (x[:, 0] + x[:, 1]) / 10


_GAUSSIANS = ((-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1))


def _gaussians(x: torch.Tensor) -> torch.Tensor:
    """TF Playground's six bumps: each point takes the bump of largest absolute value."""
    bumps = torch.stack([sign * (1 - torch.hypot(x[:, 0] - cx, x[:, 1] - cy) / 2).clamp(0, 1)
                         for cx, cy, sign in _GAUSSIANS], 1)  # (n, 6)
    return bumps.gather(1, bumps.abs().argmax(1, keepdim=True))[:, 0]


def grid(dataset: str, size: int) -> torch.Tensor:
    """(size², 2) points on the input plane, row-major from the top row (x₂ = +w) down; on the
    curve, (size, 2) points along x₁."""
    w = half_width(dataset)
    ticks = torch.linspace(-w, w, size)
    if dataset in ONE_D:
        return torch.stack([ticks, torch.zeros(size)], 1)
    x2, x1 = torch.meshgrid(ticks.flip(0), ticks, indexing="ij")
    return torch.stack([x1.reshape(-1), x2.reshape(-1)], 1)
