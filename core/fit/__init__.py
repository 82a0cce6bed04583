"""Fit lesson: two networks, A and B, fitted to the same data from the same seed (regression,
classification and mini-batches, with TensorFlow Playground's views).

Defaults reproduce the regression tutorial: `y = x² + 0.2·U[0, 1)` on `linspace(-1, 1, 100)`, a
1-10-1 ReLU net, SGD with lr 0.2, 200 full-batch steps. B differs from A only where the student
(or a preset) changes it.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from core.compute import check_cancelled, report
from core.divergence import Divergence, divergences
from core.fit.data import (
    CLASSIFICATION,
    DATASETS,
    FEATURES,
    ONE_D,
    REGRESSION,
    applicable,
    featurize,
    grid,
    make_points,
    task,
)
from core.nonlinearities import make_activation
from core.runs import runs
from core.seeding import generator_for
from core.training import StepRecord, train
from core.weights import WeightsError, check_state_dict, read_file, save_state

SIDES = ("a", "b")
ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
REGULARIZERS = ("none", "l1", "l2")
OPTIMIZERS = ("sgd", "adam")
FULL_BATCH = 0  # batch size 0: the whole training set in every step
MAX_FRAMES = 2001  # a run records at most this many frames; longer runs record every k-th tick

__all__ = ["CLASSIFICATION", "DATASETS", "FEATURES", "REGRESSION", "SIDES", "FitConfig", "FitResult",
           "NetSpec", "task", "view"]


@dataclass(frozen=True)
class NetSpec:
    """One network and how it is trained."""

    layers: int = 1  # hidden layers, 0-6
    units: int = 10  # units per hidden layer
    activation: str = "relu"  # of every hidden layer: one of ACTIVATIONS
    features: tuple[str, ...] = ("x1", "x2")  # inputs, from FEATURES (x₂'s are dropped on the curve)
    regularization: str = "none"  # one of REGULARIZERS, on the weights (not the biases)
    reg_rate: float = 0.001  # the penalty's factor: rate·Σ|w| (L1) or rate·Σw² (L2)
    optimizer: str = "sgd"  # one of OPTIMIZERS
    lr: float = 0.2  # learning rate
    batch_size: int = FULL_BATCH  # examples per step; FULL_BATCH for the whole training set


@dataclass(frozen=True)
class FitConfig:
    """One comparison of A and B; fields of a network are `a_<NetSpec field>` and `b_<...>`."""

    dataset: str = "curve"  # one of DATASETS
    n_points: int = 200  # training plus test points
    train_share: float = 0.5  # the share of the points used for training
    noise: float = 0.2  # curve: amplitude of U[0, 1) noise; blobs: std/5; the rest: TF Playground's
    epochs: int = 200  # passes over the training set, at most
    target_loss: float = 0.0  # a network stops once its training loss is at or below this; 0: never
    frame_every: str = "epoch"  # the timeline's unit: "epoch", or "step" (one optimisation step)
    a_layers: int = 1
    a_units: int = 10
    a_activation: str = "relu"
    a_features: tuple[str, ...] = ("x1", "x2")
    a_regularization: str = "none"
    a_reg_rate: float = 0.001
    a_optimizer: str = "sgd"
    a_lr: float = 0.2
    a_batch_size: int = FULL_BATCH
    b_layers: int = 1
    b_units: int = 10
    b_activation: str = "relu"
    b_features: tuple[str, ...] = ("x1", "x2")
    b_regularization: str = "none"
    b_reg_rate: float = 0.001
    b_optimizer: str = "sgd"
    b_lr: float = 0.05
    b_batch_size: int = FULL_BATCH
    seed: int = 0  # data, initial weights and batch order all derive from it

    def net(self, side: str) -> NetSpec:
        """The NetSpec of network `side` ("a" or "b")."""
        return NetSpec(**{f.name: getattr(self, f"{side}_{f.name}") for f in dataclasses.fields(NetSpec)})

    def with_net(self, side: str, **changes) -> FitConfig:
        """This config with fields of network `side` changed (`units=8` sets `b_units` for "b")."""
        return dataclasses.replace(self, **{f"{side}_{k}": v for k, v in changes.items()})

    @property
    def n_train(self) -> int:
        return min(max(1, round(self.n_points * self.train_share)), self.n_points)

    @property
    def n_test(self) -> int:
        return self.n_points - self.n_train


def differences(config: FitConfig) -> list[tuple[str, object, object]]:
    """(NetSpec field, A's value, B's value) for every setting where B differs from A."""
    a, b = config.net("a"), config.net("b")
    return [(f.name, getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(NetSpec)
            if getattr(a, f.name) != getattr(b, f.name)]


# ---- the network ------------------------------------------------------------------------------

def inputs_of(config: FitConfig, side: str) -> tuple[str, ...]:
    """The features network `side` actually sees: its choice, less those that do not apply; x₁
    where nothing it chose applies."""
    return applicable(config.dataset, config.net(side).features) or ("x1",)


def build_net(spec: NetSpec, n_inputs: int, n_outputs: int, g: torch.Generator) -> nn.Sequential:
    """Linear layers with `spec.activation` between them, initialised as PyTorch's nn.Linear does
    (U(±1/√fan_in) for weights and biases), from `g`: two nets of one shape start identical."""
    if spec.activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {spec.activation!r}; known: {', '.join(ACTIVATIONS)}")
    widths = [n_inputs] + [spec.units] * spec.layers + [n_outputs]
    modules: list[nn.Module] = []
    for i, (fan_in, fan_out) in enumerate(zip(widths, widths[1:])):
        layer = nn.Linear(fan_in, fan_out)
        bound = 1 / math.sqrt(fan_in)
        with torch.no_grad():
            layer.weight.uniform_(-bound, bound, generator=g)
            layer.bias.uniform_(-bound, bound, generator=g)
        modules.append(layer)
        if i < len(widths) - 2:
            modules.append(nn.Identity() if spec.activation == "linear" else make_activation(spec.activation))
    return nn.Sequential(*modules)


def _optimizer(spec: NetSpec, params) -> torch.optim.Optimizer:
    if spec.optimizer == "sgd":
        return torch.optim.SGD(params, lr=spec.lr)
    if spec.optimizer == "adam":
        return torch.optim.Adam(params, lr=spec.lr)
    raise ValueError(f"unknown optimizer {spec.optimizer!r}; known: {', '.join(OPTIMIZERS)}")


def penalty(spec: NetSpec, net: nn.Sequential) -> torch.Tensor | float:
    """The regularisation term on the weights (biases are not penalised)."""
    weights = [m.weight for m in net if isinstance(m, nn.Linear)]
    if spec.regularization == "l1":
        return spec.reg_rate * sum(w.abs().sum() for w in weights)
    if spec.regularization == "l2":
        return spec.reg_rate * sum((w * w).sum() for w in weights)
    if spec.regularization == "none":
        return 0.0
    raise ValueError(f"unknown regularization {spec.regularization!r}; known: {', '.join(REGULARIZERS)}")


def data_loss(kind: str) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """MSE on one output (regression) or cross-entropy on two logits (classification)."""
    if kind == REGRESSION:
        return lambda out, y: nn.functional.mse_loss(out[:, 0], y)
    return nn.functional.cross_entropy


# ---- the run ----------------------------------------------------------------------------------

@dataclass
class FitData:
    """The points both networks see: raw (n, 2) and targets (n,)."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor


def make_data(config: FitConfig) -> FitData:
    """The training and test points of `config` (independent draws of one seed)."""
    x_train, y_train = make_points(config.dataset, config.n_train, config.noise, config.seed, "train")
    x_test, y_test = make_points(config.dataset, config.n_test, config.noise, config.seed, "test")
    return FitData(x_train, y_train, x_test, y_test)


@dataclass
class FitNet:
    """One network's run. Frame f is its state after f ticks (epochs, or steps), frame 0 the
    initial weights; a network that stopped early keeps its last state in later frames."""

    side: str
    spec: NetSpec
    features: tuple[str, ...]  # what it sees (inputs_of)
    params: list[list[np.ndarray]]  # per frame: [W1, b1, W2, b2, ...] as float32 arrays
    steps: np.ndarray  # (frames,) optimisation steps taken by each frame
    train_loss: np.ndarray  # (frames,) data loss on the whole training set (no penalty)
    test_loss: np.ndarray  # (frames,) on the test set (NaN without one)
    train_score: np.ndarray  # (frames,) accuracy (classification) or R² (regression)
    test_score: np.ndarray  # (frames,)
    weight_sum: np.ndarray  # (frames,) Σ|w| over every weight (not the biases)
    batch_loss: np.ndarray  # (steps,) each step's minibatch loss, before its update, penalty included
    steps_per_epoch: int
    diverged_at: int | None = None  # 1-based step (core.divergence), None = never
    reached_at: int | None = None  # the first frame at or below the target loss, None = never

    def frame(self, f: int) -> int:
        """The recorded frame that frame `f` of the comparison shows (the last, once stopped)."""
        return min(f, len(self.steps) - 1)

    def epoch(self, f: int) -> float:
        """Epochs trained by frame `f` (fractional in step mode)."""
        return float(self.steps[self.frame(f)]) / self.steps_per_epoch


@dataclass
class FitResult:
    """Both networks' runs on one dataset."""

    config: FitConfig
    task: str
    data: FitData
    nets: dict[str, FitNet]
    frames: int  # frames of the comparison: the longer run's
    ticks_per_frame: int  # epochs (or steps) between frames: 1 unless the run was long
    seconds: float = 0.0

    def divergences(self) -> list[Divergence]:
        return divergences(list(SIDES), [[self.nets[s].diverged_at] for s in SIDES])

    def epoch_axis(self) -> np.ndarray:
        """(frames,) the timeline's position of each frame in its unit (epochs, or steps)."""
        return np.arange(self.frames) * self.ticks_per_frame


def batch_of(config: FitConfig, side: str) -> int:
    """Examples per step of network `side` (the training set, for full batch)."""
    size = config.net(side).batch_size
    return config.n_train if size == FULL_BATCH else min(size, config.n_train)


def steps_per_epoch(config: FitConfig, side: str) -> int:
    return math.ceil(config.n_train / batch_of(config, side))


@torch.no_grad()
def _evaluate(net: nn.Sequential, kind: str, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """(data loss, score) on (x, y): accuracy, or R² (1 − MSE / variance of y); NaN when empty."""
    if len(x) == 0:
        return math.nan, math.nan
    out = net(x)
    loss = float(data_loss(kind)(out, y))
    if kind == CLASSIFICATION:
        return loss, float((out.argmax(1) == y).float().mean())
    variance = float(y.var(unbiased=False))
    return loss, (1 - loss / variance) if variance > 0 else math.nan


def _fit_one(config: FitConfig, side: str, data: FitData, every: int,
             on_tick: Callable[[int], None]) -> FitNet:
    """Train network `side`, recording a frame every `every` ticks (epochs, or steps)."""
    spec, kind = config.net(side), task(config.dataset)
    features = inputs_of(config, side)
    x_train, x_test = featurize(data.x_train, features), featurize(data.x_test, features)
    outputs = 1 if kind == REGRESSION else 2
    net = build_net(spec, len(features), outputs, generator_for(config.seed, "fit", "init"))
    batch = batch_of(config, side)
    per_epoch = steps_per_epoch(config, side)
    per_tick = per_epoch if config.frame_every == "epoch" else 1
    total_steps = config.epochs * per_epoch
    frames: dict[str, list] = {k: [] for k in ("params", "steps", "train_loss", "test_loss", "train_score",
                                               "test_score", "weight_sum")}
    state = {"reached": None}

    def record(step: int) -> None:
        with torch.no_grad():
            net.eval()
            train_loss, train_score = _evaluate(net, kind, x_train, data.y_train)
            test_loss, test_score = _evaluate(net, kind, x_test, data.y_test)
            net.train()
            layers = [m for m in net if isinstance(m, nn.Linear)]
            frames["params"].append([t.detach().numpy().copy() for m in layers for t in (m.weight, m.bias)])
            frames["weight_sum"].append(float(sum(m.weight.abs().sum() for m in layers)))
        for key, value in (("steps", step), ("train_loss", train_loss), ("test_loss", test_loss),
                           ("train_score", train_score), ("test_score", test_score)):
            frames[key].append(value)
        if state["reached"] is None and config.target_loss > 0 and train_loss <= config.target_loss:
            state["reached"] = len(frames["steps"]) - 1

    def on_step(r: StepRecord) -> None:
        if r.step % (per_tick * every) == 0 or r.step == total_steps:
            record(r.step)
            on_tick(r.step)

    loss_fn = data_loss(kind)
    record(0)
    history = train(net, x_train, data.y_train, _optimizer(spec, net.parameters()), epochs=config.epochs,
                    batch_size=batch, g=generator_for(config.seed, "fit", "batches"),
                    loss_fn=lambda out, y: loss_fn(out, y) + penalty(spec, net), on_step=on_step,
                    should_stop=lambda: state["reached"] is not None)
    arrays = {k: np.asarray(v, dtype=np.float64) for k, v in frames.items() if k != "params"}
    return FitNet(side, spec, features, frames["params"], arrays["steps"].astype(int), arrays["train_loss"],
                  arrays["test_loss"], arrays["train_score"], arrays["test_score"], arrays["weight_sum"],
                  np.asarray(history.losses, dtype=np.float64), per_epoch, history.diverged_at,
                  state["reached"])


def _check(config: FitConfig) -> None:
    task(config.dataset)
    if config.frame_every not in ("epoch", "step"):
        raise ValueError(f"frame_every must be 'epoch' or 'step', not {config.frame_every!r}")
    if config.n_points < 2 or config.epochs < 1:
        raise ValueError("a run needs at least 2 points and 1 epoch")


@runs(FitConfig)
def run_fit(config: FitConfig, device: str = "cpu") -> FitResult:
    """Train A, then B, on the same data from the same seed (these tiny networks train on the CPU,
    whatever `device` says: a GPU's launch cost would dwarf them)."""
    _check(config)
    start = time.perf_counter()
    data = make_data(config)
    steps = {s: config.epochs * steps_per_epoch(config, s) for s in SIDES}
    ticks = config.epochs if config.frame_every == "epoch" else max(steps.values())
    every = max(1, math.ceil(ticks / (MAX_FRAMES - 1)))  # ticks between frames, the same for A and B
    done = {s: 0 for s in SIDES}

    def progress(side: str) -> Callable[[int], None]:
        def tick(step: int) -> None:
            done[side] = step
            report(sum(done.values()) / sum(steps.values()))
            check_cancelled()
        return tick

    nets = {s: _fit_one(config, s, data, every, progress(s)) for s in SIDES}
    frames = max(len(n.steps) for n in nets.values())
    return FitResult(config, task(config.dataset), data, nets, frames, every, time.perf_counter() - start)


# ---- what a frame shows -----------------------------------------------------------------------

@dataclass
class NetView:
    """One network at one frame, over the input plane (TF Playground's view).

    On the plane, every map is (G, G), row 0 at the top (x₂ = +w); on the curve, (G,) along x₁.
    """

    inputs: list[np.ndarray]  # per input feature: its value
    hidden: list[list[np.ndarray]]  # [layer][unit]: the unit's output
    output: np.ndarray  # P(class 1), or the predicted value, on the finer grid
    output_small: np.ndarray  # the same on the units' grid (the graph's output node)
    weights: list[np.ndarray]  # per layer: (fan_out, fan_in) weights, the links of the graph
    biases: list[np.ndarray]


def _activate(name: str, z: torch.Tensor) -> torch.Tensor:
    return z if name == "linear" else make_activation(name)(z)


@torch.no_grad()
def forward_maps(spec: NetSpec, features: tuple[str, ...], params: list[np.ndarray], kind: str,
                 x: torch.Tensor) -> tuple[list[torch.Tensor], list[list[torch.Tensor]], torch.Tensor]:
    """(inputs, hidden units, output) of the net with `params` at raw points x (n, 2)."""
    h = featurize(x, features)
    inputs = [h[:, i] for i in range(h.shape[1])]
    hidden = []
    tensors = [torch.from_numpy(p) for p in params]
    for i in range(0, len(tensors) - 2, 2):
        h = _activate(spec.activation, nn.functional.linear(h, tensors[i], tensors[i + 1]))
        hidden.append([h[:, u] for u in range(h.shape[1])])
    out = nn.functional.linear(h, tensors[-2], tensors[-1])
    output = out.softmax(1)[:, 1] if kind == CLASSIFICATION else out[:, 0]
    return inputs, hidden, output


def view(result: FitResult, side: str, frame: int, size: int = 16, output_size: int = 40) -> NetView:
    """Network `side` at `frame`: its units' maps over a `size`-point grid per axis of the input
    plane, its output over a finer `output_size` one (the big picture beside the points)."""
    net = result.nets[side]
    params = net.params[net.frame(frame)]
    dataset = result.config.dataset

    def maps(n: int) -> tuple:
        shape = (n,) if dataset in ONE_D else (n, n)
        inputs, hidden, output = forward_maps(net.spec, net.features, params, result.task, grid(dataset, n))
        as_map = lambda t: t.reshape(shape).numpy()  # noqa: E731
        return [as_map(t) for t in inputs], [[as_map(t) for t in layer] for layer in hidden], as_map(output)

    inputs, hidden, small = maps(size)
    return NetView(inputs, hidden, maps(output_size)[2], small, params[0::2], params[1::2])


@torch.no_grad()
def predictions(result: FitResult, side: str, frame: int, split: str = "test") -> np.ndarray:
    """Network `side`'s predictions at `frame` on the training or test points: classes, or values."""
    net = result.nets[side]
    x = result.data.x_test if split == "test" else result.data.x_train
    _, _, output = forward_maps(net.spec, net.features, net.params[net.frame(frame)], result.task, x)
    return (output >= 0.5).long().numpy() if result.task == CLASSIFICATION else output.numpy()


def confusion(result: FitResult, side: str, frame: int, split: str = "test") -> np.ndarray:
    """(2, 2) counts: rows the true class, columns the predicted class."""
    y = (result.data.y_test if split == "test" else result.data.y_train).numpy()
    predicted = predictions(result, side, frame, split)
    matrix = np.zeros((2, 2), dtype=int)
    np.add.at(matrix, (y, predicted), 1)
    return matrix


def smoothness(losses: np.ndarray) -> float:
    """How jagged a loss curve is: the sum of its rises over the sum of its falls (0 for a curve
    that only falls). Judged on each frame's training loss over the whole training set."""
    steps = np.diff(np.asarray(losses, dtype=np.float64))
    steps = steps[np.isfinite(steps)]
    falls = -steps[steps < 0].sum()
    return float(steps[steps > 0].sum() / falls) if falls > 0 else math.inf


# ---- saving and loading a network (the tutorial's 304) -------------------------------------------

MAX_NET_BYTES = 256 * 1024  # the largest net here (6 layers of 10) saves to ~30 KB


def _state(params: list[np.ndarray]) -> dict[str, torch.Tensor]:
    """nn.Sequential's state_dict keys for these [W1, b1, ...] (Linear layers at even indices)."""
    return {f"{2 * (i // 2)}.{'weight' if i % 2 == 0 else 'bias'}": torch.from_numpy(p.copy())
            for i, p in enumerate(params)}


def save_net(result: FitResult, side: str, frame: int) -> bytes:
    """Network `side` at `frame` as a torch.save file: its state_dict, and what rebuilds it."""
    net = result.nets[side]
    meta = {"spec": dataclasses.asdict(net.spec) | {"features": list(net.features)}, "task": result.task,
            "dataset": result.config.dataset, "epoch": net.epoch(frame)}
    return save_state(_state(net.params[net.frame(frame)]), meta)


@dataclass
class LoadedNet:
    """A network read from a file, checked."""

    spec: NetSpec
    features: tuple[str, ...]
    task: str
    params: list[np.ndarray]
    epoch: float


def load_net(data: bytes, max_bytes: int = MAX_NET_BYTES) -> LoadedNet:
    """A network saved by `save_net`; WeightsError says what is wrong with any other file."""
    content = read_file(data, max_bytes)
    if not isinstance(content, dict) or not {"state_dict", "spec", "task"} <= content.keys():
        raise WeightsError("not a network saved by this page (expected state_dict, spec and task)")
    try:
        fields = dict(content["spec"])
        features = tuple(str(f) for f in fields.pop("features"))
        spec = NetSpec(**fields)
        kind = str(content["task"])
        if kind not in (REGRESSION, CLASSIFICATION):
            raise ValueError(f"unknown task {kind!r}")
        if not (0 <= spec.layers <= 6 and 1 <= spec.units <= 10 and spec.activation in ACTIVATIONS
                and features and set(features) <= set(FEATURES)):
            raise ValueError("architecture out of range")
        expected = build_net(spec, len(features), 1 if kind == REGRESSION else 2, torch.Generator())
    except (TypeError, ValueError, KeyError) as exc:
        raise WeightsError(f"its description is malformed ({exc})") from exc
    state = check_state_dict("network it describes", expected.state_dict(), content["state_dict"])
    params = [state[k].numpy() for k in expected.state_dict()]
    return LoadedNet(spec, features, kind, params, float(content.get("epoch", 0.0)))


def with_loaded(result: FitResult, loaded: LoadedNet) -> FitResult:
    """`result` with the loaded network beside A and B as side "loaded", evaluated on its data
    (one frame: what it computes now). WeightsError when it was made for the other task, or
    for inputs this dataset does not have."""
    if loaded.task != result.task:
        raise WeightsError(f"this network does {loaded.task}; the dataset here needs {result.task}")
    if applicable(result.config.dataset, loaded.features) != loaded.features:
        raise WeightsError("this network reads x₂, which the curve does not have")
    outputs = 1 if loaded.task == REGRESSION else 2
    net = build_net(loaded.spec, len(loaded.features), outputs, torch.Generator())
    with torch.no_grad():
        for tensor, value in zip(net.parameters(), loaded.params):
            tensor.copy_(torch.from_numpy(value))
    data = result.data
    features = loaded.features
    train_loss, train_score = _evaluate(net, result.task, featurize(data.x_train, features), data.y_train)
    test_loss, test_score = _evaluate(net, result.task, featurize(data.x_test, features), data.y_test)
    one = lambda v: np.array([v], dtype=np.float64)  # noqa: E731
    fitted = FitNet("loaded", loaded.spec, loaded.features, [loaded.params], np.array([0]), one(train_loss),
                    one(test_loss), one(train_score), one(test_score),
                    one(sum(float(np.abs(w).sum()) for w in loaded.params[0::2])), np.array([]), 1)
    return dataclasses.replace(result, nets={**result.nets, "loaded": fitted})
