"""Per-run random generators: every run draws all its randomness from its own seed.

Browser sessions train in threads of one process, so nothing here touches torch's global RNG:
two sessions training at once get exactly the numbers they would get alone.
"""

from __future__ import annotations

import torch


def make_generator(seed: int, device: torch.device | str = "cpu") -> torch.Generator:
    """A fresh generator seeded with `seed` (CPU by default: data, init and batch order live there)."""
    g = torch.Generator(device=device)
    g.manual_seed(int(seed))
    return g


def derive_seed(seed: int, *labels: object) -> int:
    """A stable sub-seed for one purpose of a run ('data', 'init', ...), independent of the others."""
    text = ":".join([str(int(seed)), *map(str, labels)])
    h = 1469598103934665603  # FNV-1a, stable across processes (unlike hash())
    for byte in text.encode():
        h = ((h ^ byte) * 1099511628211) % (1 << 64)
    return h % (1 << 63)


def generator_for(seed: int, *labels: object, device: torch.device | str = "cpu") -> torch.Generator:
    """`make_generator(derive_seed(seed, *labels))`: one independent stream per purpose."""
    return make_generator(derive_seed(seed, *labels), device)
