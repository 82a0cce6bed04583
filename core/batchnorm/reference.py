"""The BatchNorm lesson the classic way, one net at a time (nn modules, the shared training loop,
per-epoch evaluation): the reference the stacked run (core.batchnorm.run_batchnorm) is tested against."""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterator

import numpy as np
import torch
from torch import nn

from core.batchnorm import (
    ACTIVATIONS,
    NETS,
    STAGES,
    BatchNormConfig,
    BatchNormResult,
    build_nets,
    histograms,
    saturated,
    stage_edges,
)
from core.data import noisy_curve
from core.divergence import is_diverged
from core.models import MLP
from core.seeding import generator_for
from core.training import StepRecord, train


@contextlib.contextmanager
def batch_statistics(model: nn.Module) -> Iterator[None]:
    """Run BN on the batch's own statistics (train mode) without touching the running statistics."""
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm1d)]
    model.train()
    for bn in bns:
        bn.track_running_stats = False  # then F.batch_norm neither reads nor updates them
    try:
        yield
    finally:
        for bn in bns:
            bn.track_running_stats = True
        model.eval()


def _mse(pred: torch.Tensor, y: torch.Tensor) -> float:
    value = nn.functional.mse_loss(pred, y).item()
    return value if math.isfinite(value) else math.inf


class _Recorder:
    """Collects one net's per-frame measurements on the test inputs."""

    def __init__(self, net: str, config: BatchNormConfig, edges: dict[str, torch.Tensor]) -> None:
        self.net, self.config, self.edges = net, config, edges
        self.hist: dict[str, list[torch.Tensor]] = {s: [] for s in STAGES[net]}
        self.saturation: list[torch.Tensor] = []
        self.loss: list[float] = []
        self.loss_train_mode: list[float] = []
        self.pred: list[torch.Tensor] = []

    @torch.no_grad()
    def record(self, model: MLP, x: torch.Tensor, y: torch.Tensor) -> None:
        model.eval()  # the test loss and the histograms use BN's running statistics
        pred, layers = model.trace(x)  # layers: depth lists of (stage, (n_test, width))
        for stage in STAGES[self.net]:
            values = torch.stack([dict(layer)[stage].flatten() for layer in layers])  # (depth, n_test*width)
            self.hist[stage].append(histograms(values, self.edges[stage]))
        acts = torch.stack([dict(layer)["act"] for layer in layers])  # (depth, n_test, width)
        self.saturation.append(saturated(self.config.activation, acts).float().mean(dim=(1, 2)))
        self.loss.append(_mse(pred, y))
        self.pred.append(pred.flatten())
        with batch_statistics(model):
            self.loss_train_mode.append(_mse(model(x), y))


def _grad_norms(model: MLP) -> torch.Tensor:
    """Norm of every Linear's weight gradient, first layer to head: (depth + 1,)."""
    return torch.stack([lin.weight.grad.norm() if lin.weight.grad is not None else torch.zeros(())
                        for lin in model.linears()])


class _GradMeter:
    """Mean per-layer weight-gradient norm over the steps of the first (row 0) and last (row 1) epoch."""

    def __init__(self, depth: int, last_epoch: int) -> None:
        self.sums, self.steps, self.last_epoch = torch.zeros(2, depth + 1), torch.zeros(2, 1), last_epoch

    def hook(self, model: MLP, epoch: int) -> Callable[[StepRecord], None] | None:
        """A per-step callback for `epoch` (None when the epoch is not measured)."""
        rows = [r for r, e in ((0, 0), (1, self.last_epoch)) if e == epoch]
        if not rows:
            return None

        def on_step(_: StepRecord) -> None:  # runs after optimizer.step(): the grads are still there
            norms = _grad_norms(model)
            for r in rows:
                self.sums[r] += norms
                self.steps[r] += 1

        return on_step

    def means(self) -> np.ndarray:
        return (self.sums / self.steps.clamp(min=1)).numpy()


def run_plain(config: BatchNormConfig, dtype: torch.dtype = torch.float32) -> BatchNormResult:
    """The classic loop: train the plain and the BN net on the same data, initial weights and batch
    order, one after the other each epoch; record every epoch (`dtype`: as core.batchnorm._run_stack)."""
    if config.activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {config.activation!r}")
    start = time.perf_counter()
    # x = linspace(-7, 10, n) as a column; y = x² − 5 + noise_std · N(0, 1): (n, 1) each
    x, y = noisy_curve(config.n_train, (-7.0, 10.0), "square_minus_5", config.noise_std, config.seed)
    x_test, y_test = noisy_curve(config.n_test, (-7.0, 10.0), "square_minus_5", config.noise_std,
                                 config.seed, stream="test")
    x, y, x_test, y_test = (t.to(dtype) for t in (x, y, x_test, y_test))
    edges_np = stage_edges(config.activation, config.bins)
    edges = {k: torch.as_tensor(v, dtype=dtype) for k, v in edges_np.items()}

    models = {net: m.to(dtype) for net, m in build_nets(config).items()}
    # fused: one kernel updates every parameter, about a third off each step of these small nets
    optimizers = {net: torch.optim.Adam(models[net].parameters(), lr=config.lr, fused=True) for net in NETS}
    recorders = {net: _Recorder(net, config, edges) for net in NETS}
    meters = {net: _GradMeter(config.depth, config.epochs - 1) for net in NETS}
    diverged: dict[str, int | None] = {net: None for net in NETS}
    first_loss: dict[str, float | None] = {net: None for net in NETS}  # each net's first batch loss
    per_epoch = math.ceil(config.n_train / config.batch_size)
    for net in NETS:
        recorders[net].record(models[net], x_test, y_test)  # frame 0: the initialisation

    for epoch in range(config.epochs):
        for net in NETS:
            model, rec = models[net], recorders[net]
            if diverged[net] is None:
                # Same seed and epoch -> the same permutation for both nets: shared batch order.
                history = train(model, x, y, optimizers[net], epochs=1, batch_size=config.batch_size,
                                g=generator_for(config.seed, "batchnorm", "batches", epoch),
                                on_step=meters[net].hook(model, epoch), first_loss=first_loss[net])
                if first_loss[net] is None and history.records:
                    first_loss[net] = history.records[0].loss
                if history.diverged:
                    diverged[net] = epoch * per_epoch + history.diverged_at  # later frames repeat this state
            rec.record(model, x_test, y_test)
            if diverged[net] is None and is_diverged(rec.loss[-1], rec.loss[0]):
                diverged[net] = (epoch + 1) * per_epoch  # the test loss after the epoch's last step

    def stack(items: list[torch.Tensor]) -> np.ndarray:
        return torch.stack(items).numpy()

    return BatchNormResult(
        config=config,
        edges=edges_np,
        hist={net: {s: stack(recorders[net].hist[s]) for s in STAGES[net]} for net in NETS},
        saturation={net: stack(recorders[net].saturation) for net in NETS},
        test_loss={net: np.array(recorders[net].loss) for net in NETS},
        test_loss_train_mode={net: np.array(recorders[net].loss_train_mode) for net in NETS},
        grad_norm={net: meters[net].means() for net in NETS},
        grad_epochs=(0, config.epochs - 1),
        x_test=x_test.flatten().numpy(),
        y_test=y_test.flatten().numpy(),
        predictions={net: stack(recorders[net].pred) for net in NETS},
        diverged_at=diverged,
        seconds=time.perf_counter() - start,
    )
