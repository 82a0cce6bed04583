"""BatchNorm vs no BatchNorm: the same badly initialised deep network trained with and without BN."""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from core.data import noisy_curve
from core.divergence import Divergence, divergences, is_diverged
from core.models import MLP, MLPSpec, build_mlp
from core.runs import runs
from core.seeding import generator_for
from core.training import StepRecord, train

NETS = ("plain", "bn")  # the two variants, in the order every chart shows them
ACTIVATIONS = ("tanh", "relu", "sigmoid")  # the activations this page offers
STAGES = {"plain": ("linear", "act"), "bn": ("linear", "bn", "act")}  # per hidden layer, in order
CONSTANT_SHARE = 0.9  # a test MSE this close to the targets' variance: no better than a constant


@dataclass(frozen=True)
class BatchNormConfig:
    """One comparison; the defaults reproduce the classic lesson."""

    activation: str = "tanh"  # hidden activation: one of ACTIVATIONS
    bias_init: float = -0.2  # every bias starts at this constant (the deliberately bad start)
    weight_std: float = 0.1  # weights start as N(0, weight_std)
    depth: int = 8  # hidden layers
    width: int = 10  # units per hidden layer
    batch_size: int = 64  # minibatch size; batches are reshuffled every epoch
    lr: float = 0.03  # Adam learning rate
    epochs: int = 12  # passes over the training set
    bn_momentum: float = 0.5  # BatchNorm1d momentum of the BN net (input BN included)
    n_train: int = 2000  # training points, x = linspace(-7, 10, n_train)
    n_test: int = 200  # test points over the same range, fresh noise
    # Noise std: the lesson writes y = x² − 5 + N(0, 2) with np.random.normal(0, 2), i.e. std 2, variance 4.
    noise_std: float = 2.0
    bins: int = 40  # histogram bins per stage
    seed: int = 0  # data noise, initial weights and batch order all derive from it


@dataclass
class BatchNormResult:
    """Everything the page draws; frame 0 is the initialisation, frame e the state after epoch e."""

    config: BatchNormConfig
    edges: dict[str, np.ndarray]  # stage -> bin edges (bins + 1,); out-of-range values go to the end bins
    hist: dict[str, dict[str, np.ndarray]]  # net -> stage -> counts (frames, depth, bins), eval mode
    saturation: dict[str, np.ndarray]  # net -> fraction of saturated activations (frames, depth)
    test_loss: dict[str, np.ndarray]  # net -> test MSE in eval mode (frames,)
    test_loss_train_mode: dict[str, np.ndarray]  # net -> test MSE with BN on batch statistics (frames,)
    grad_norm: dict[str, np.ndarray]  # net -> per-Linear mean (2, depth + 1): first, last epoch
    grad_epochs: tuple[int, int]  # the (0-based) epochs the two grad_norm rows were measured in
    x_test: np.ndarray  # (n_test,)
    y_test: np.ndarray  # (n_test,)
    predictions: dict[str, np.ndarray]  # net -> eval-mode predictions on x_test (frames, n_test)
    # net -> the 1-based step whose batch loss (or, at an epoch's end, test loss) diverged; None = never
    diverged_at: dict[str, int | None] = field(default_factory=dict)
    seconds: float = 0.0  # wall time of the run

    @property
    def frames(self) -> int:
        return self.config.epochs + 1

    @property
    def steps_per_epoch(self) -> int:
        return math.ceil(self.config.n_train / self.config.batch_size)

    def diverged_epoch(self, net: str) -> int | None:
        """The 1-based epoch in which `net` diverged (its later frames repeat that state), or None."""
        step = self.diverged_at.get(net)
        return None if step is None else math.ceil(step / self.steps_per_epoch)

    def divergences(self) -> list[Divergence]:
        """One per net ("plain", "bn") that diverged."""
        return divergences(NETS, [[self.diverged_at.get(net)] for net in NETS])

    def stages(self, net: str) -> tuple[str, ...]:
        return STAGES[net]

    def learned_nothing(self, net: str) -> bool:
        """The net ended no better than a constant: a final test MSE within CONSTANT_SHARE of the
        targets' variance (what predicting their mean scores)."""
        return bool(self.test_loss[net][-1] >= CONSTANT_SHARE * np.var(self.y_test))

    def stalled(self, net: str) -> bool:
        """The net neither diverged nor learned (`learned_nothing`): a failure no divergence note names."""
        diverged = {d.variant for d in self.divergences()}
        return net not in diverged and self.learned_nothing(net)


def mlp_spec(config: BatchNormConfig, batch_norm: bool) -> MLPSpec:
    """The network of the lesson: Linear(1, w) -> depth hidden layers -> Linear(w, 1), N(0, std) weights."""
    return MLPSpec(widths=(1, *([config.width] * config.depth), 1), activation=config.activation,
                   weight_init="normal", weight_std=config.weight_std, bias_init=config.bias_init,
                   batch_norm=batch_norm, input_batch_norm=batch_norm, bn_momentum=config.bn_momentum)


def build_nets(config: BatchNormConfig) -> dict[str, MLP]:
    """The plain and the BN net with identical initial weights (BN layers hold no random numbers)."""
    return {net: build_mlp(mlp_spec(config, net == "bn"), generator_for(config.seed, "batchnorm", "init"))
            for net in NETS}


def stage_edges(activation: str, bins: int) -> dict[str, np.ndarray]:
    """Fixed bin edges per stage, the same for every epoch, layer and net, so histograms compare."""
    act_range = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0), "relu": (0.0, 5.0)}[activation]
    return {"linear": np.linspace(-5.0, 5.0, bins + 1), "bn": np.linspace(-5.0, 5.0, bins + 1),
            "act": np.linspace(*act_range, bins + 1)}


def saturated(activation: str, a: torch.Tensor) -> torch.Tensor:
    """Boolean mask of saturated units: tanh beyond ±0.99, sigmoid below 0.01 or above 0.99, ReLU at 0."""
    if activation == "tanh":
        return a.abs() > 0.99
    if activation == "sigmoid":
        return (a < 0.01) | (a > 0.99)
    if activation == "relu":
        return a == 0
    raise ValueError(f"no saturation rule for {activation!r}")


def histograms(values: torch.Tensor, edges: torch.Tensor) -> torch.Tensor:
    """Counts per row: values (rows, n) -> (rows, bins); clamped into the end bins, non-finite dropped."""
    rows, bins = values.shape[0], len(edges) - 1
    finite = torch.isfinite(values)
    idx = torch.bucketize(values.nan_to_num(0.0), edges[1:-1], right=True)  # 0..bins-1 (clamped by design)
    idx = idx + torch.arange(rows).unsqueeze(1) * bins  # one bincount for every row at once
    counts = torch.bincount(idx[finite], minlength=rows * bins)
    return counts.view(rows, bins)


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


@runs(BatchNormConfig)
def run_batchnorm(config: BatchNormConfig, device: str = "cpu") -> BatchNormResult:
    """Train the plain and the BN net on the same data, initial weights and batch order; record every epoch.

    Runs on the CPU whatever `device` says: with 10 units per layer every kernel is tiny, so a GPU's
    launch cost exceeds the math.
    """
    if config.activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {config.activation!r}")
    start = time.perf_counter()
    # x = linspace(-7, 10, n) as a column; y = x² − 5 + noise_std · N(0, 1): (n, 1) each
    x, y = noisy_curve(config.n_train, (-7.0, 10.0), "square_minus_5", config.noise_std, config.seed)
    x_test, y_test = noisy_curve(config.n_test, (-7.0, 10.0), "square_minus_5", config.noise_std,
                                 config.seed, stream="test")
    edges_np = stage_edges(config.activation, config.bins)
    edges = {k: torch.as_tensor(v, dtype=torch.float32) for k, v in edges_np.items()}

    models = build_nets(config)
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
