"""The shared training loop: per-step records through a callback, stoppable, divergence as a result."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import torch
from torch import nn

from core import divergence


@dataclass
class StepRecord:
    """What one optimisation step reports."""

    step: int  # 1-based count of optimisation steps taken (or attempted, if diverged)
    epoch: int  # 0-based epoch of this step
    loss: float  # training loss of this step's batch, before the update
    metrics: dict[str, float] = field(default_factory=dict)  # whatever `evaluate` returned


@dataclass
class History:
    """The result of a run: every step's record and how it ended."""

    records: list[StepRecord] = field(default_factory=list)
    diverged_at: int | None = None  # the 1-based step whose loss diverged (core.divergence), None = never
    stopped: bool = False  # True when `should_stop` ended the run early

    @property
    def losses(self) -> list[float]:
        return [r.loss for r in self.records]

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None


def batch_indices(n: int, batch_size: int, epochs: int, g: torch.Generator,
                  shuffle: bool = True) -> Iterator[tuple[int, torch.Tensor]]:
    """(epoch, indices) for every batch: a fresh permutation from `g` each epoch, last batch partial."""
    for epoch in range(epochs):
        order = torch.randperm(n, generator=g) if shuffle else torch.arange(n)
        for start in range(0, n, batch_size):
            yield epoch, order[start:start + batch_size]


def train(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    optimizer: torch.optim.Optimizer,
    *,
    epochs: int,
    batch_size: int,
    g: torch.Generator,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = nn.functional.mse_loss,
    evaluate: Callable[[], dict[str, float]] | None = None,
    on_step: Callable[[StepRecord], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    first_loss: float | None = None,
    shuffle: bool = True,
) -> History:
    """Train `model` on (x, y) in minibatches drawn from `g`; return the History.

    `evaluate` runs after every step (the model is put back in train mode afterwards).
    A loss that core.divergence judges diverged (against `first_loss`, by default this run's first
    loss; pass it to go on judging a run trained in several calls) marks the run diverged at that
    step and ends it without applying the update; it never raises.
    """
    history = History()
    model.train()
    for step, (epoch, idx) in enumerate(batch_indices(len(x), batch_size, epochs, g, shuffle), 1):
        if should_stop is not None and should_stop():
            history.stopped = True
            break
        loss = loss_fn(model(x[idx]), y[idx])
        value = loss.item()
        if first_loss is None:
            first_loss = value
        if divergence.is_diverged(value, first_loss):
            history.records.append(StepRecord(step, epoch, value))
            history.diverged_at = step
            break
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        metrics: dict[str, float] = {}
        if evaluate is not None:
            with torch.no_grad():
                metrics = evaluate()
            model.train()
        record = StepRecord(step, epoch, value, metrics)
        history.records.append(record)
        if on_step is not None:
            on_step(record)
    return history
