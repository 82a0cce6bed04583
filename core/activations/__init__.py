"""Activation experiments: the gallery, side-by-side training on 2-D data, gradient flow, dead units."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch.nn import functional as F

from core.data import spiral
from core.divergence import Divergence, divergences, is_diverged
from core.frames import frame_steps
from core.models import WEIGHT_INITS, MLPSpec, build_mlp
from core.nonlinearities import ACTIVATIONS, RELU_FAMILY, make_activation
from core.runs import runs
from core.seeding import derive_seed, generator_for
from core.stacked import StackedMLP

CLASSIC = ("relu", "sigmoid", "tanh", "softplus")  # the four the classic lesson plots
DATASETS = ("moons", "circles", "spiral")
FLOW_INITS = tuple(i for i in WEIGHT_INITS if i != "normal")  # default, xavier, he


# --- gallery ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class GalleryResult:
    """Each activation's values and autograd derivative on one grid of x."""

    x: np.ndarray  # (n,)
    values: dict[str, np.ndarray]  # name -> f(x), (n,)
    derivatives: dict[str, np.ndarray]  # name -> f'(x) from autograd, (n,)


def gallery(names: Sequence[str] = CLASSIC, x_min: float = -5.0, x_max: float = 5.0, n: int = 401,
            dtype: torch.dtype = torch.float64) -> GalleryResult:
    """f(x) and f'(x) (autograd, not hand-written) on linspace(x_min, x_max, n) for each name."""
    if not x_min < x_max:
        raise ValueError(f"x_min must be below x_max, got {x_min} and {x_max}")
    x = torch.linspace(x_min, x_max, n, dtype=dtype)
    values, derivatives = {}, {}
    for name in names:
        xg = x.clone().requires_grad_(True)
        y = make_activation(name)(xg)
        (dy,) = torch.autograd.grad(y.sum(), xg)  # elementwise f, so d(sum f)/dx_i = f'(x_i)
        values[name] = y.detach().numpy()
        derivatives[name] = dy.numpy()
    return GalleryResult(x.numpy(), values, derivatives)


@dataclass(frozen=True)
class GalleryConfig:
    """The gallery's functions and the range of x they are drawn on."""

    names: tuple[str, ...] = CLASSIC  # activations to draw, names from core.nonlinearities.ACTIVATIONS
    x_range: float = 5.0  # x runs from -x_range to x_range
    n: int = 201  # grid points: smooth at any range (401 drew 0.1 s slower)


@runs(GalleryConfig)
def run_gallery(config: GalleryConfig, device: str = "cpu") -> GalleryResult:
    """The gallery of `config` (a few hundred scalars: always on the CPU, whatever `device` says)."""
    return gallery(config.names, -config.x_range, config.x_range, n=config.n)


# --- data -----------------------------------------------------------------------------------------

def make_dataset(name: str, n: int, noise: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(n, 2) float points and (n,) float labels 0/1 for 'moons', 'circles' or 'spiral'."""
    from sklearn.datasets import make_circles, make_moons  # here: importing it takes about a second

    state = derive_seed(seed, "activations", name) % (2 ** 32)
    if name == "moons":
        x, y = make_moons(n_samples=n, noise=noise, random_state=state)
    elif name == "circles":
        x, y = make_circles(n_samples=n, noise=noise, factor=0.5, random_state=state)
    elif name == "spiral":
        xt, yt = spiral(n, noise, seed)
        return xt.float(), yt.float()
    else:
        raise ValueError(f"unknown dataset {name!r}; known: {', '.join(DATASETS)}")
    return torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)


def grid_axes(x: torch.Tensor, size: int, margin: float = 0.4) -> tuple[np.ndarray, np.ndarray]:
    """`size` evenly spaced x and y coordinates covering the points plus a margin."""
    lo, hi = x.min(0).values.tolist(), x.max(0).values.tolist()
    return (np.linspace(lo[0] - margin, hi[0] + margin, size),
            np.linspace(lo[1] - margin, hi[1] + margin, size))


# --- stacked networks: one copy per activation, trained in one loop ------------------------------

def stacked_from_seed(activations: Sequence[str], widths: tuple[int, ...], weight_init: str,
                      seed: int, dtype: torch.dtype = torch.float32) -> StackedMLP:
    """One MLP per activation, all built from the same init stream (identical initial weights), stacked.

    Slices never interact: the loss is a sum of per-network losses and Adam is elementwise, so
    training the stack equals training each network alone, at a fraction of the Python overhead.
    """
    models = [build_mlp(MLPSpec(widths=widths, activation=a, weight_init=weight_init),
                        generator_for(seed, "init")).to(dtype) for a in activations]
    return StackedMLP.from_models(models)


def _dead_fractions(outs: list[torch.Tensor]) -> np.ndarray:
    """(A, layers): share of hidden units whose output is exactly zero for every input."""
    return torch.stack([(h == 0).all(dim=1).float().mean(dim=1) for h in outs], dim=1).numpy()


def _step_losses(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """(A,) binary cross-entropy of each network on labels y (N,)."""
    return F.binary_cross_entropy_with_logits(logits, y.expand_as(logits), reduction="none").mean(dim=1)


def _accuracy(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return ((logits > 0).to(y.dtype) == y).to(torch.float32).mean(dim=1)


@dataclass
class _Log:
    """Per-step loss/accuracy and divergence of A networks trained together."""

    n_nets: int
    loss: list[list[float]] = field(default_factory=list)  # [step][net]
    acc: list[list[float]] = field(default_factory=list)
    diverged_at: list[int | None] = field(default_factory=list)
    first: list[float] = field(default_factory=list)  # each network's first loss (core.divergence)

    def __post_init__(self) -> None:
        self.diverged_at = [None] * self.n_nets

    def record(self, step: int, losses: torch.Tensor, accs: torch.Tensor) -> torch.Tensor:
        """Log step `step`; returns a (A,) bool mask of the networks still alive."""
        alive = []
        values = losses.tolist()
        self.first = self.first or values
        for i, value in enumerate(values):
            if self.diverged_at[i] is None and is_diverged(value, self.first[i]):
                self.diverged_at[i] = step
            alive.append(self.diverged_at[i] is None)
        mask = torch.tensor(alive)
        self.loss.append([v if a else math.nan for v, a in zip(losses.tolist(), alive)])
        self.acc.append([v if a else math.nan for v, a in zip(accs.tolist(), alive)])
        return mask


def _frames(steps: int, n_frames: int) -> list[int]:
    """About n_frames steps from 0 (initialisation) to `steps` (the end), evenly spread."""
    return frame_steps(steps, n_frames - 1).tolist()


OnFrame = Callable[[int, list[torch.Tensor], torch.Tensor, torch.Tensor], None]


def _train_stacked(net: StackedMLP, x: torch.Tensor, y: torch.Tensor, lr: float, steps: int,
                   frames: list[int], on_frame: OnFrame) -> _Log:
    """Full-batch Adam on every network; `on_frame(step, hidden outputs, logits, alive)` at each frame
    step, after the backward pass (gradients in net.grad) and before the update."""
    log = _Log(len(net))
    opt = torch.optim.Adam([net.rows(0, len(net))], lr=lr, fused=True)  # fused: about 10% faster here
    frame_set = set(frames)
    for step in range(steps + 1):
        out, outs = net.hidden(x)
        logits = out[..., 0]  # (A, N)
        losses = _step_losses(logits, y)
        alive = log.record(step, losses.detach(), _accuracy(logits.detach(), y))
        if alive.any():
            net.backward(torch.where(alive, losses, torch.zeros_like(losses)).sum())
        else:
            net.grad.zero_()
        if step in frame_set:
            on_frame(step, outs, logits, alive)
        if step == steps or not alive.any():
            break
        opt.step()
    return log


# --- side-by-side training ---------------------------------------------------------------------

@dataclass(frozen=True)
class ActivationTrainConfig:
    """The same MLP trained once per activation, same data, same initial weights, same seed."""

    activations: tuple[str, ...] = CLASSIC  # names from core.activations.ACTIVATIONS
    dataset: str = "moons"  # one of DATASETS
    n_samples: int = 400  # training points
    noise: float = 0.2  # label noise of the data set (sklearn's noise; spiral scales it by 0.1)
    layers: int = 2  # hidden layers...
    width: int = 16  # ...of this many units each
    lr: float = 0.03  # Adam learning rate
    steps: int = 300  # full-batch optimisation steps
    grid_size: int = 100  # decision-boundary grid is grid_size x grid_size
    n_frames: int = 31  # recorded animation frames, step 0 and the last step included
    seed: int = 0

    @property
    def hidden(self) -> tuple[int, ...]:
        """The hidden layer widths: `layers` layers of `width` units."""
        return (self.width,) * self.layers


@dataclass
class ActivationTrainResult:
    """Curves, decision-boundary frames and dead units of every network."""

    activations: tuple[str, ...]
    points: np.ndarray  # (N, 2) training inputs
    labels: np.ndarray  # (N,) 0/1
    grid_x: np.ndarray  # (G,) x coordinates of the grid
    grid_y: np.ndarray  # (G,) y coordinates of the grid
    frame_steps: list[int]  # step of each frame (0 = initialisation)
    probs: np.ndarray  # (frames, A, G, G) P(class 1), rows follow grid_y, columns grid_x
    loss: np.ndarray  # (steps + 1, A) full-batch loss at each step (NaN after divergence)
    accuracy: np.ndarray  # (steps + 1, A) training accuracy at each step
    dead: np.ndarray  # (frames, A, hidden layers) dead-unit fraction (NaN outside the ReLU family)
    diverged_at: list[int | None]  # per network: the step whose loss blew up, else None

    def final_accuracy(self) -> dict[str, float]:
        """Each activation's accuracy after the last step it trained."""
        out = {}
        for i, name in enumerate(self.activations):
            col = self.accuracy[:, i]
            finite = col[np.isfinite(col)]
            out[name] = float(finite[-1]) if finite.size else math.nan
        return out

    def accuracy_extremes(self) -> tuple[tuple[str, float], tuple[str, float]] | None:
        """(worst, best): the activations with the lowest and the highest final accuracy and those
        accuracies (the first in order on a tie); None when no network has a finite accuracy."""
        finals = {n: a for n, a in self.final_accuracy().items() if math.isfinite(a)}
        if not finals:
            return None
        worst, best = min(finals, key=finals.get), max(finals, key=finals.get)
        return (worst, finals[worst]), (best, finals[best])

    def diverged_by(self, index: int, step: int) -> int | None:
        """The step at which network `index` diverged, if it did by `step`; else None."""
        at = self.diverged_at[index]
        return at if at is not None and at <= step else None

    def divergences(self) -> list[Divergence]:
        """One per network whose training diverged (one seed: `of` is 1)."""
        return divergences(self.activations, [[at] for at in self.diverged_at])


def shallow_tip_applies(config: ActivationTrainConfig) -> bool:
    """Whether the page may say "a shallow network barely cares which activation it uses": the
    setup that claim was checked on (two moons, 2 hidden layers of 16 units; see the tests)."""
    return config.dataset == "moons" and config.hidden == (16, 16)


def dead_share(activations: Sequence[str], dead: np.ndarray) -> tuple[str, float] | None:
    """(name, share) of the first ReLU-family network among `activations`: the share of its hidden
    units that are dead in one frame's fractions `dead` (A, layers). None without a ReLU-family net."""
    index = next((i for i, a in enumerate(activations) if a in RELU_FAMILY), None)
    if index is None:
        return None
    row = dead[index]
    return activations[index], float(np.nanmean(row)) if np.isfinite(row).any() else math.nan


def _check_activations(names: Sequence[str]) -> None:
    if not names:
        raise ValueError("choose at least one activation")
    unknown = [n for n in names if n not in ACTIVATIONS]
    if unknown:
        raise ValueError(f"unknown activation(s): {', '.join(unknown)}")


@runs(ActivationTrainConfig)
def run_activation_training(config: ActivationTrainConfig, device: str = "cpu") -> ActivationTrainResult:
    """Train the same MLP once per activation in one loop; record curves and boundary frames
    (these small networks train on the CPU, whatever `device` says)."""
    _check_activations(config.activations)
    x, y = make_dataset(config.dataset, config.n_samples, config.noise, config.seed)
    widths = (2, *config.hidden, 1)
    net = stacked_from_seed(config.activations, widths, "default", config.seed)
    gx, gy = grid_axes(x, config.grid_size)
    xx, yy = np.meshgrid(gx, gy)  # (G, G): row i is y = gy[i]
    grid = torch.tensor(np.stack([xx.ravel(), yy.ravel()], axis=1), dtype=torch.float32)
    frames = _frames(config.steps, config.n_frames)
    probs, dead = [], []
    relu_rows = [a in RELU_FAMILY for a in config.activations]

    def on_frame(step: int, outs: list[torch.Tensor], logits: torch.Tensor, alive: torch.Tensor) -> None:
        with torch.no_grad():
            p = torch.sigmoid(net(grid)).reshape(len(config.activations), config.grid_size, config.grid_size)
            probs.append(p.numpy().astype(np.float32))
            d = _dead_fractions([h.detach() for h in outs])
        d[~np.array(relu_rows)] = np.nan
        dead.append(d)

    log = _train_stacked(net, x, y, config.lr, config.steps, frames, on_frame)
    frames = frames[:len(probs)]
    return ActivationTrainResult(
        tuple(config.activations), x.numpy(), y.numpy(), gx, gy, frames, np.stack(probs),
        np.array(log.loss), np.array(log.acc), np.stack(dead), log.diverged_at)


# --- gradient flow -----------------------------------------------------------------------------

@dataclass(frozen=True)
class GradientFlowConfig:
    """A deep MLP per activation: per-layer gradient norms at initialisation and while training."""

    activations: tuple[str, ...] = CLASSIC  # names from core.activations.ACTIVATIONS
    depth: int = 10  # hidden layers
    width: int = 32  # units per hidden layer
    weight_init: str = "default"  # one of FLOW_INITS: PyTorch's default, Xavier (Glorot) or He (Kaiming)
    dataset: str = "moons"  # one of DATASETS
    n_samples: int = 256  # fewer points than the shallow comparison: deep nets cost more per step
    noise: float = 0.2
    lr: float = 0.01  # Adam learning rate
    steps: int = 150  # full-batch optimisation steps
    n_frames: int = 21  # recorded frames, step 0 (initialisation) and the last step included
    seed: int = 0


@dataclass
class GradientFlowResult:
    """Per-layer gradient norms over training, with curves and dead units."""

    activations: tuple[str, ...]
    weight_init: str
    frame_steps: list[int]
    grad_norms: np.ndarray  # (frames, A, depth + 1) L2 norm of each Linear's weight gradient, layer 1 first
    loss: np.ndarray  # (steps + 1, A)
    accuracy: np.ndarray  # (steps + 1, A)
    dead: np.ndarray  # (frames, A, depth) dead-unit fraction (NaN outside the ReLU family)
    diverged_at: list[int | None]

    def first_layer_at_init(self) -> dict[str, float]:
        return {a: float(self.grad_norms[0, i, 0]) for i, a in enumerate(self.activations)}

    def first_layer_ratio(self, high: str = "relu", low: str = "sigmoid") -> float | None:
        """How many times larger network `high`'s first-layer gradient is than network `low`'s at
        initialisation; None unless both were trained and `low`'s gradient is positive."""
        first = self.first_layer_at_init()
        if high not in first or low not in first or not first[low] > 0:
            return None
        return first[high] / first[low]

    @property
    def steps_trained(self) -> int:
        """Optimisation steps the curves cover (fewer than asked when every network diverged)."""
        return self.loss.shape[0] - 1

    def divergences(self) -> list[Divergence]:
        """One per network whose training diverged (one seed: `of` is 1)."""
        return divergences(self.activations, [[at] for at in self.diverged_at])


@runs(GradientFlowConfig)
def run_gradient_flow(config: GradientFlowConfig, device: str = "cpu") -> GradientFlowResult:
    """Train one deep MLP per activation (same initial weights); record per-layer gradient norms
    (on the CPU, whatever `device` says)."""
    _check_activations(config.activations)
    if config.weight_init not in FLOW_INITS:
        raise ValueError(f"unknown init {config.weight_init!r}; known: {', '.join(FLOW_INITS)}")
    x, y = make_dataset(config.dataset, config.n_samples, config.noise, config.seed)
    widths = (2, *([config.width] * config.depth), 1)
    net = stacked_from_seed(config.activations, widths, config.weight_init, config.seed)
    frames = _frames(config.steps, config.n_frames)
    norms, dead = [], []
    relu_rows = np.array([a in RELU_FAMILY for a in config.activations])

    def on_frame(step: int, outs: list[torch.Tensor], logits: torch.Tensor, alive: torch.Tensor) -> None:
        g = net.grad_weights  # this step's gradients, (A, in, out) per Linear
        n = torch.stack([gi.flatten(1).norm(dim=1) for gi in g], dim=1)  # (A, layers)
        n[~alive] = math.nan
        norms.append(n.numpy())
        d = _dead_fractions([h.detach() for h in outs])
        d[~relu_rows] = np.nan
        dead.append(d)

    log = _train_stacked(net, x, y, config.lr, config.steps, frames, on_frame)
    return GradientFlowResult(tuple(config.activations), config.weight_init, frames[:len(norms)],
                              np.stack(norms), np.array(log.loss), np.array(log.acc), np.stack(dead),
                              log.diverged_at)
