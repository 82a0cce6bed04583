"""Live training on the MNIST page: which models with which settings, and a run that keeps what it
learnt when it is cut short.

The page trains in its own script run, so a click (Stop, or any other widget) interrupts it between
two steps. A `LiveRun` is therefore kept by the page before training starts and filled in place
as training goes: an interrupted run still holds its models and curves, and `stop()` marks it so.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from torch import nn

from core.mnist import MODEL_KINDS
from core.mnist.train import LESSON, Tensors, TrainConfig, new_model, train_model

WHICH = ("both", *MODEL_KINDS)  # the models a live run can train


@dataclass(frozen=True)
class LiveConfig:
    """One live training run of the page; the defaults are the lesson's settings."""

    which: str = "both"  # "both", "cnn" or "lstm"
    epochs: int = 1  # passes over the training images
    cnn_lr: float = LESSON["cnn"]["lr"]  # the CNN's Adam learning rate
    lstm_lr: float = LESSON["lstm"]["lr"]  # the LSTM's Adam learning rate
    cnn_batch: int = LESSON["cnn"]["batch_size"]  # the CNN's images per step
    lstm_batch: int = LESSON["lstm"]["batch_size"]  # the LSTM's images per step
    train_size: int = 8000  # the first images of the training split (at most as many as there are)
    seed: int = 0  # init and batch order (see TrainConfig.seed)

    @property
    def kinds(self) -> tuple[str, ...]:
        """The models this run trains, in training order."""
        return MODEL_KINDS if self.which == "both" else (self.which,)

    def train_config(self, kind: str, available: int) -> TrainConfig:
        """`kind`'s training run, on at most the `available` training images; the CNN under bf16
        autocast where the CPU has it (the LSTM is no faster there)."""
        return TrainConfig(kind=kind, epochs=self.epochs, lr=getattr(self, f"{kind}_lr"),
                           batch_size=getattr(self, f"{kind}_batch"),
                           train_size=min(self.train_size, available), seed=self.seed, bf16=kind == "cnn")


@dataclass
class LiveRun:
    """A live run as it goes: per model its config, the model (trained in place) and its curves."""

    config: LiveConfig
    runs: dict[str, TrainConfig]  # {kind: its training run}
    models: dict[str, nn.Module]  # {kind: the model being trained}; a diverged one is dropped
    steps: dict[str, list[dict]]  # {kind: [{"step", "images", "epoch", "loss"}, ...]}
    evals: dict[str, list[dict]]  # {kind: [{"step", "images", "accuracy"}, ...]} on held-out images
    status: str = "running"  # "running", "stopped" (cut short) or "finished"
    diverged: tuple[str, ...] = ()  # the kinds whose loss blew up (they keep their previous weights)
    seconds: float = 0.0  # wall time of a finished run
    id: str = field(default_factory=lambda: uuid.uuid4().hex)  # names this run (its charts' key)

    @property
    def total_steps(self) -> int:
        """Steps of the whole run, every model together."""
        return sum(-(-c.train_size // c.batch_size) * c.epochs for c in self.runs.values())

    @property
    def done(self) -> int:
        """Steps taken so far, every model together."""
        return sum(len(rows) for rows in self.steps.values())

    @property
    def counts(self) -> tuple[int, ...]:
        """Steps and evaluations so far, per model: they change whenever the curves do."""
        return (*(len(rows) for rows in self.steps.values()), *(len(rows) for rows in self.evals.values()))

    @property
    def progress(self) -> float:
        """Share of the run done, in [0, 1]."""
        return min(self.done / self.total_steps, 1.0) if self.total_steps else 1.0

    @property
    def x_max(self) -> int:
        """The most training images any model of the run will see (the curves' fixed x range)."""
        return max(c.train_size * c.epochs for c in self.runs.values())

    def stop(self) -> bool:
        """Mark a run that was cut short as stopped; False if it was not running."""
        if self.status != "running":
            return False
        self.status = "stopped"
        return True

    def trained(self) -> dict[str, nn.Module]:
        """{kind: eval-mode model} of the models that took at least one step and did not diverge."""
        out = {k: m for k, m in self.models.items() if self.steps[k] and k not in self.diverged}
        for model in out.values():
            model.eval()
        return out

    def images(self, kind: str) -> int:
        """Training images `kind` has seen so far."""
        return self.steps[kind][-1]["images"] if self.steps[kind] else 0

    def accuracy(self, kind: str) -> float | None:
        """`kind`'s latest held-out accuracy, None before its first evaluation."""
        return self.evals[kind][-1]["accuracy"] if self.evals[kind] else None


def start(config: LiveConfig, available: int) -> LiveRun:
    """A run of `config` on at most `available` training images, with fresh models, not begun."""
    runs = {k: config.train_config(k, available) for k in config.kinds}
    return LiveRun(config, runs, {k: new_model(c) for k, c in runs.items()},
                   {k: [] for k in runs}, {k: [] for k in runs})


def train_live(live: LiveRun, data: Tensors, on_progress: Callable[[LiveRun], None] | None = None,
               every: float = 0.4) -> LiveRun:
    """Train `live`'s models one after the other, filling it in place; `on_progress(live)` at most
    every `every` seconds (where the page redraws, and where a click can interrupt the run)."""
    start_time, last = time.perf_counter(), float("-inf")  # the first step redraws

    def on_step(row: dict, kind: str) -> None:
        nonlocal last
        live.steps[kind].append(row)
        now = time.perf_counter()
        if on_progress is not None and now - last >= every:
            last = now
            on_progress(live)

    for kind, config in live.runs.items():
        result = train_model(config, data, model=live.models[kind],
                             on_step=lambda row, k=kind: on_step(row, k), on_eval=live.evals[kind].append)
        live.steps[kind], live.evals[kind] = result.steps, result.evals
        if result.diverged:
            live.diverged += (kind,)
            del live.models[kind]
    live.status = "finished"
    live.seconds = time.perf_counter() - start_time
    return live
