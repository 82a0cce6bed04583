"""BatchNorm vs no BatchNorm: the same badly initialised deep network trained with and without BN."""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from core.data import noisy_curve
from core.divergence import Divergence, divergences, is_diverged
from core.models import MLP, MLPSpec, build_mlp
from core.runs import runs, runs_many
from core.seeding import generator_for
from core.stacked import RowAdam, StackedBNMLP

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


def _data(config: BatchNormConfig) -> tuple[torch.Tensor, ...]:
    """x, y (n_train, 1) and x_test, y_test (n_test, 1): x = linspace(-7, 10), y = x² − 5 + noise."""
    x, y = noisy_curve(config.n_train, (-7.0, 10.0), "square_minus_5", config.noise_std, config.seed)
    x_test, y_test = noisy_curve(config.n_test, (-7.0, 10.0), "square_minus_5", config.noise_std,
                                 config.seed, stream="test")
    return x, y, x_test, y_test


class _Recorder:
    """Every member's per-frame measurements on the test inputs (eval mode: BN on its running
    statistics; the train-mode loss on the test batch's own statistics)."""

    def __init__(self, config: BatchNormConfig, edges: dict[str, torch.Tensor]) -> None:
        self.config, self.edges = config, edges
        self.hist: dict[str, list[torch.Tensor]] = {s: [] for s in ("linear", "bn", "act")}
        self.saturation: list[torch.Tensor] = []
        self.loss: list[list[float]] = []  # per frame, per member (inf where not finite)
        self.loss_train_mode: list[torch.Tensor] = []
        self.pred: list[torch.Tensor] = []

    @staticmethod
    def _mse(pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        loss = ((pred - y) ** 2).mean(dim=(1, 2))
        return torch.where(torch.isfinite(loss), loss, torch.full_like(loss, math.inf))

    @torch.no_grad()
    def record(self, net: StackedBNMLP, x: torch.Tensor, y: torch.Tensor) -> None:
        pred, layers = net.forward(x, train=False, stages=True)
        for stage, values in self.hist.items():
            v = torch.stack([layer[stage] for layer in layers], dim=1)  # (members, depth, n_test, width)
            counts = histograms(v.reshape(v.shape[0] * v.shape[1], -1), self.edges[stage])
            values.append(counts.view(v.shape[0], v.shape[1], -1))
        acts = torch.stack([layer["act"] for layer in layers], dim=1)
        self.saturation.append(saturated(self.config.activation, acts).float().mean(dim=(2, 3)))
        self.loss.append(self._mse(pred, y).tolist())
        self.pred.append(pred[:, :, 0])
        self.loss_train_mode.append(self._mse(net.forward(x, train=True)[0], y))


def _run_stack(configs: Sequence[BatchNormConfig],
               dtype: torch.dtype = torch.float32) -> list[BatchNormResult]:
    """Train the plain and the BN net of every config (configs that differ only by their seed) as
    one stack: members 0..S-1 the plain nets, S..2S-1 the BN nets, each on its seed's data, initial
    weights and batch order, exactly as core.batchnorm.reference trains them one by one.

    A member whose batch loss diverges keeps the weights it had before that step (its running
    statistics took that batch, as nn.BatchNorm1d's do in the forward pass); one whose test loss
    diverges at an epoch's end stops there. Their later frames repeat that state.
    `dtype`: float64 for the tests that compare it with the reference beyond float32's rounding.
    """
    config = configs[0]
    if config.activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {config.activation!r}")
    start = time.perf_counter()
    n_seeds = len(configs)
    k_all = 2 * n_seeds
    data = [_data(c) for c in configs]
    x, y, x_test, y_test = (torch.stack([d[i] for d in data]).to(dtype) for i in range(4))  # (S, n, 1) each

    def twice(t: torch.Tensor) -> torch.Tensor:  # per member: the plain nets, then the BN nets
        return torch.cat([t, t])

    xt, yt = twice(x_test), twice(y_test)
    edges_np = stage_edges(config.activation, config.bins)
    edges = {k: torch.as_tensor(v, dtype=dtype) for k, v in edges_np.items()}

    nets = [{net: m.to(dtype) for net, m in build_nets(c).items()} for c in configs]
    stack = StackedBNMLP.from_models([n["plain"] for n in nets], [n["bn"] for n in nets])
    # one parameter per member: fused Adam (one kernel for the update) never mixes two members
    optimizer = RowAdam(stack.leaves, lr=config.lr)
    grads = [stack.grad[k:k + 1] for k in range(k_all)]
    recorder = _Recorder(config, edges)
    depth, last = config.depth, config.epochs - 1
    grad_sums = torch.zeros(2, k_all, depth + 1, dtype=dtype)  # rows: the first and the last epoch
    grad_steps = torch.zeros(2, k_all, 1, dtype=dtype)
    diverged: list[int | None] = [None] * k_all
    first: list[float | None] = [None] * k_all  # each member's first batch loss
    per_epoch = math.ceil(config.n_train / config.batch_size)
    recorder.record(stack, xt, yt)  # frame 0: the initialisation

    for epoch in range(config.epochs):
        rows = [r for r, e in ((0, 0), (1, last)) if e == epoch]  # the grad meter's rows this epoch
        alive = [d is None for d in diverged]
        if any(alive):
            # each seed's permutation, the same for both of its nets: their shared batch order
            order = torch.stack([torch.randperm(config.n_train, generator=generator_for(
                c.seed, "batchnorm", "batches", epoch)) for c in configs])
            xe = twice(torch.gather(x, 1, order.unsqueeze(-1)))
            ye = twice(torch.gather(y, 1, order.unsqueeze(-1)))
            for step, at in enumerate(range(0, config.n_train, config.batch_size), 1):
                batch = slice(at, at + config.batch_size)
                losses = stack.mse_step(xe[:, batch], ye[:, batch], torch.tensor(alive))
                for k, value in enumerate(losses.tolist()):
                    if not alive[k]:
                        continue
                    if first[k] is None:
                        first[k] = value
                    if is_diverged(value, first[k]):  # this step is not applied
                        diverged[k], alive[k] = epoch * per_epoch + step, False
                stepping = [k for k in range(k_all) if alive[k]]  # the others keep their weights
                optimizer.step([grads[k] for k in stepping], stepping)
                if rows:
                    stepped = torch.tensor(alive, dtype=dtype).view(-1, 1)
                    norms = stack.weight_grad_norms() * stepped
                    for r in rows:
                        grad_sums[r] += norms
                        grad_steps[r] += stepped
                if not any(alive):
                    break
        recorder.record(stack, xt, yt)
        for k in range(k_all):
            if diverged[k] is None and is_diverged(recorder.loss[-1][k], recorder.loss[0][k]):
                diverged[k] = (epoch + 1) * per_epoch  # the test loss after the epoch's last step

    seconds = time.perf_counter() - start
    hist = {s: torch.stack(v).numpy() for s, v in recorder.hist.items()}  # (frames, members, depth, bins)
    saturation = torch.stack(recorder.saturation).numpy()  # (frames, members, depth)
    loss = np.array(recorder.loss)  # (frames, members)
    loss_train_mode = torch.stack(recorder.loss_train_mode).numpy()
    pred = torch.stack(recorder.pred).numpy()  # (frames, members, n_test)
    grad_norm = (grad_sums / grad_steps.clamp(min=1)).numpy()  # (2, members, depth + 1)
    results = []
    for s, c in enumerate(configs):
        member = {"plain": s, "bn": n_seeds + s}
        results.append(BatchNormResult(
            config=c,
            edges=edges_np,
            hist={net: {stage: hist[stage][:, s if stage == "bn" else k] for stage in STAGES[net]}
                  for net, k in member.items()},
            saturation={net: saturation[:, k] for net, k in member.items()},
            test_loss={net: loss[:, k] for net, k in member.items()},
            test_loss_train_mode={net: loss_train_mode[:, k] for net, k in member.items()},
            grad_norm={net: grad_norm[:, k] for net, k in member.items()},
            grad_epochs=(0, last),
            x_test=x_test[s].flatten().numpy(),
            y_test=y_test[s].flatten().numpy(),
            predictions={net: pred[:, k] for net, k in member.items()},
            diverged_at={net: diverged[k] for net, k in member.items()},
            seconds=seconds,
        ))
    return results


@runs(BatchNormConfig)
def run_batchnorm(config: BatchNormConfig, device: str = "cpu") -> BatchNormResult:
    """Train the plain and the BN net on the same data, initial weights and batch order; record every
    epoch. Both nets are one stacked model (core.stacked.StackedBNMLP); core.batchnorm.reference
    trains them one by one, the classic way, and tests/test_batchnorm.py checks the two agree.

    Runs on the CPU whatever `device` says: with 10 units per layer every kernel is tiny, so a GPU's
    launch cost exceeds the math.
    """
    return _run_stack([config])[0]


@runs_many(BatchNormConfig)
def run_batchnorms(configs: Sequence[BatchNormConfig], device: str = "cpu") -> list[BatchNormResult]:
    """Configs that differ only by their seed, as one stacked run; each result is exactly its own
    `run_batchnorm`'s (the compute service stacks the seeds a class asks for at once)."""
    if len({dataclasses.replace(c, seed=0) for c in configs}) != 1:
        raise ValueError("stacked BatchNorm runs differ only by their seed")
    return _run_stack(configs)
