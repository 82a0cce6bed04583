"""One divergence policy for every lesson: when a variant's training has broken down, and how that
is recorded.

A variant diverges at the first step whose training loss is not finite, or exceeds `limit` of its
first loss. "Diverged at" is always a 1-based step (`int`), or `None` for never; per seed it is a
list. Results report it through `divergences()`, which the page turns into one message each.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch

FACTOR = 1e3  # a loss above this many times the variant's first loss has exploded...
CAP = 1e6  # ...and so has any loss above this, whatever the first loss was


def limit(first_loss: float) -> float:
    """The loss above which a variant whose first loss was `first_loss` counts as diverged."""
    if not math.isfinite(first_loss):
        return CAP
    return min(first_loss * FACTOR, CAP) if first_loss > 0 else CAP


def is_diverged(loss: float, first_loss: float) -> bool:
    """Whether `loss` (of a variant whose first loss was `first_loss`) means it has diverged."""
    return not math.isfinite(loss) or loss > limit(first_loss)


def limits(first_losses: torch.Tensor) -> torch.Tensor:
    """`limit` of every element, on the tensor's device (no sync): for many variants at once."""
    ok = torch.isfinite(first_losses) & (first_losses > 0)
    return torch.where(ok, torch.clamp(first_losses * FACTOR, max=CAP), torch.full_like(first_losses, CAP))


def diverged(losses: torch.Tensor, limits_: torch.Tensor) -> torch.Tensor:
    """`is_diverged` of every element, given each variant's `limits`: a bool tensor."""
    return ~torch.isfinite(losses) | (losses > limits_)


@dataclass(frozen=True)
class Divergence:
    """Where one variant's training broke down."""

    variant: str  # the variant's code (the page names it)
    step: int  # 1-based step whose loss was non-finite or exploded (the earliest over its seeds)
    seeds: int = 1  # on how many seeds it diverged...
    of: int = 1  # ...of how many


def divergences(variants: Sequence[str], diverged_at: Sequence[Sequence[int | None]]) -> list[Divergence]:
    """One Divergence per variant that diverged on any seed; diverged_at[v][s] is a step or None."""
    found = []
    for variant, per_seed in zip(variants, diverged_at):
        steps = [s for s in per_seed if s is not None]
        if steps:
            found.append(Divergence(variant, min(steps), len(steps), len(per_seed)))
    return found
