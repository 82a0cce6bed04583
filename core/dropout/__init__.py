"""Dropout vs overfitting: a wide MLP and the same MLP with dropout (optionally L2) trained side by side."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from core.data import noisy_curve
from core.models import MLPSpec, build_mlp, set_dropout_generator_
from core.seeding import generator_for

NETS = ("overfit", "dropout", "l2")  # stable codes: plain net, dropout net, L2 (weight decay) net
MAX_LOSS = 1e6  # a training loss above this (or non-finite) marks a net as diverged


@dataclass(frozen=True)
class DropoutConfig:
    """One side-by-side run; the defaults reproduce the lesson (20 points, 300-300 ReLU, Adam 0.01)."""

    dropout: float = 0.5  # dropout rate of the dropout net, after each hidden ReLU
    n_points: int = 20  # training points (the test points share their x, with fresh noise)
    noise: float = 0.3  # std of the Gaussian noise on y = x
    width: int = 300  # units per hidden layer
    depth: int = 2  # hidden layers
    iterations: int = 500  # full-batch Adam steps
    lr: float = 0.01  # Adam learning rate, the same for every net
    weight_decay: float = 0.0  # > 0 adds a third net: no dropout, Adam with this L2 weight decay
    mc_passes: int = 100  # stochastic forward passes (dropout on) for the Monte-Carlo band
    frames: int = 50  # prediction snapshots kept for the animation (plus the initial one)
    grid_points: int = 89  # x positions where the fitted curves are drawn
    seed: int = 0  # data, initial weights and dropout masks all derive from it

    @property
    def nets(self) -> tuple[str, ...]:
        """The contenders of this run, in drawing order."""
        return NETS if self.weight_decay > 0 else NETS[:2]

    def spec(self, net: str) -> MLPSpec:
        """The architecture of one contender (the dropout net differs only by its dropout rate)."""
        widths = (1, *([self.width] * self.depth), 1)
        return MLPSpec(widths=widths, activation="relu", dropout=self.dropout if net == "dropout" else 0.0)

    def rate(self, net: str) -> float:
        return self.dropout if net == "dropout" else 0.0

    def decay(self, net: str) -> float:
        return self.weight_decay if net == "l2" else 0.0


@dataclass
class DropoutResult:
    """Everything the page draws; arrays indexed [net] follow `nets`."""

    config: DropoutConfig
    nets: tuple[str, ...]
    x_train: np.ndarray  # (n,)
    y_train: np.ndarray  # (n,)
    x_test: np.ndarray  # (n,)
    y_test: np.ndarray  # (n,)
    grid: np.ndarray  # (G,) x positions of the curves
    train_mse: np.ndarray  # (K, T) eval-mode MSE on the training points after each step
    test_mse: np.ndarray  # (K, T) eval-mode MSE on the test points after each step
    step_loss: np.ndarray  # (K, T) the loss each step minimised (train mode: dropout on)
    frame_steps: np.ndarray  # (F,) steps of the snapshots (0 = initial weights)
    frame_curves: np.ndarray  # (F, K, G) eval-mode predictions on the grid at those steps
    diverged_at: list[int | None]  # per net: the step whose loss was non-finite or exploded
    mc_mean: np.ndarray | None = None  # (G,) mean of the stochastic passes of the dropout net
    mc_lo: np.ndarray | None = None  # (G,) 10th percentile
    mc_hi: np.ndarray | None = None  # (G,) 90th percentile
    train_mode_curves: np.ndarray | None = None  # (S, G) single passes of the dropout net, dropout on

    def table(self) -> pd.DataFrame:
        """Final train MSE, test MSE and gap (test - train) per net."""
        train, test = self.train_mse[:, -1], self.test_mse[:, -1]
        rows = [{"net": net, "train_mse": float(train[k]), "test_mse": float(test[k]),
                 "gap": float(test[k] - train[k])} for k, net in enumerate(self.nets)]
        return pd.DataFrame(rows)


# --- the batched engine: K nets of identical shape trained as one stack ---------------------------

@dataclass
class _Stack:
    """Parameters of K MLPs stacked on a leading axis, all views of one flat buffer: weights
    (K, in, out) (transposed, so no copy per matmul), biases (K, 1, out)."""

    flat: torch.Tensor
    weights: list[torch.Tensor]
    biases: list[torch.Tensor]

    def shapes(self) -> list[torch.Size]:
        return [t.shape for pair in zip(self.weights, self.biases) for t in pair]


def _views(flat: torch.Tensor, shapes: Sequence[torch.Size]) -> list[torch.Tensor]:
    """Consecutive views of `flat` with the given shapes."""
    views, at = [], 0
    for shape in shapes:
        size = math.prod(shape)
        views.append(flat[at:at + size].view(shape))
        at += size
    return views


def _stack_inits(specs: Sequence[MLPSpec], seeds: Sequence[int], device: torch.device) -> _Stack:
    """Build each net exactly as the plain loop would (build_mlp from its init generator) and stack them."""
    models = [build_mlp(spec, generator_for(seed, "init")) for spec, seed in zip(specs, seeds)]
    linears = [m.linears() for m in models]
    tensors = []
    for i in range(len(linears[0])):
        tensors.append(torch.stack([ls[i].weight.detach().T for ls in linears]))
        tensors.append(torch.stack([ls[i].bias.detach() for ls in linears]).unsqueeze(1))
    flat = torch.cat([t.reshape(-1) for t in tensors]).to(device)
    views = _views(flat, [t.shape for t in tensors])
    return _Stack(flat, views[0::2], views[1::2])


def _forward(weights: Sequence[torch.Tensor], biases: Sequence[torch.Tensor], x: torch.Tensor,
             masks: Sequence[torch.Tensor] | None = None) -> torch.Tensor:
    """(K, n, 1) -> (K, n, 1); `masks[i]` (K, n, width), already scaled by 1/(1-p), after hidden ReLU i."""
    h = x
    for i, (w, b) in enumerate(zip(weights[:-1], biases[:-1])):
        h = torch.relu(torch.baddbmm(b, h, w))  # (K, n, width)
        if masks is not None:
            h = h * masks[i]
    return torch.baddbmm(biases[-1], h, weights[-1])


MASK_CHUNK = 4_000_000  # mask values drawn per call (a few steps' worth; bounded memory at any size)


def _mask_steps(rates: Sequence[float], gens: Sequence[torch.Generator | None], shape: tuple[int, int],
                layers: int, device: torch.device) -> Iterator[torch.Tensor]:
    """Per step a (layers, K, n, width) mask, scaled by 1/(1-p); net k draws from gens[k].

    core.models.Dropout draws `rand(n, width) < 1 - p` once per hidden layer and step; drawing
    several steps in one call takes the same numbers from the generator in the same order.
    """
    per_step = layers * shape[0] * shape[1]
    chunk = max(1, MASK_CHUNK // per_step)
    while True:
        masks = torch.ones((chunk, layers, len(rates), *shape), device=device)
        for k, (p, g) in enumerate(zip(rates, gens)):
            if p > 0:
                draws = torch.rand((chunk, layers, *shape), generator=g, device=device)
                masks[:, :, k] = draws.lt_(1.0 - p).div_(1.0 - p)  # in place: 1/(1-p) where kept, else 0
        yield from masks


def _frame_steps(iterations: int, frames: int) -> np.ndarray:
    """0 (initial weights) plus about `frames` evenly spaced steps ending at `iterations`."""
    return np.unique(np.round(np.linspace(0, iterations, max(frames, 1) + 1)).astype(int))


@dataclass
class _Trained:
    stack: _Stack
    train_mse: np.ndarray  # (K, T)
    test_mse: np.ndarray  # (K, T)
    step_loss: np.ndarray  # (K, T)
    frame_curves: np.ndarray  # (F, K, G)
    diverged_at: list[int | None]


def _train_stack(stack: _Stack, data: tuple[torch.Tensor, ...], rates: Sequence[float],
                 decays: Sequence[float], gens: Sequence[torch.Generator | None], lr: float,
                 iterations: int, frame_steps: np.ndarray, grid: torch.Tensor) -> _Trained:
    """Full-batch Adam on every net at once; after each step, eval-mode MSE on train and test points.

    data = (x_train, y_train, x_test, y_test), each (K, n, 1). Gradients are written by hand (a ReLU
    MLP under mean squared error needs three products per layer), straight into one flat buffer;
    one torch.optim.Adam over the flat parameters takes exactly the steps K separate Adams would,
    since Adam is elementwise. L2 is added to the gradient as Adam's own weight_decay does
    (grad + wd * param), per net. tests/test_dropout.py checks all of it against nn modules,
    autograd and one Adam per net.
    """
    x, y, xt, yt = data
    k_nets, n = x.shape[0], x.shape[1]
    shapes = stack.shapes()
    grad = torch.zeros_like(stack.flat)
    grad_views = _views(grad, shapes)
    grad_w, grad_b = grad_views[0::2], grad_views[1::2]
    stack.flat.grad = grad
    opt = torch.optim.Adam([stack.flat], lr=lr, fused=_fused_ok(x.device))
    decay = None
    if any(decays):  # per net, laid out like the flat parameters
        per_net = torch.tensor(decays, device=x.device, dtype=stack.flat.dtype)
        decay = torch.cat([per_net.view(-1, *[1] * (len(s) - 1)).expand(s).reshape(-1) for s in shapes])
    shared_x = torch.equal(x, xt)  # test points at the training x (the lesson's setup): one pass scores both
    x_eval = x if shared_x else torch.cat([x, xt], dim=1)  # (K, n or 2n, 1)
    m = x_eval.shape[1]
    x_frame = torch.cat([x_eval, grid.expand(k_nets, -1, -1)], dim=1)
    step_losses: list[list[float]] = []
    evals: list[torch.Tensor] = []  # per step (K, 2): train and test MSE
    curves = np.full((len(frame_steps), k_nets, grid.shape[1]), np.nan)
    frame_at = {int(s): i for i, s in enumerate(frame_steps)}
    alive = [True] * k_nets
    diverged: list[int | None] = [None] * k_nets
    width = stack.weights[0].shape[2]
    layers = len(stack.weights) - 1
    masks = _mask_steps(rates, gens, (n, width), layers, x.device) if any(rates) else None

    def evaluate(step: int) -> None:
        pred = _forward(stack.weights, stack.biases, x_frame if step in frame_at else x_eval)
        if step in frame_at:
            curves[frame_at[step]] = pred[:, m:, 0].cpu().numpy()
        if step > 0:
            on_train, on_test = pred[:, :n], pred[:, m - n:m]
            evals.append(torch.stack([((on_train - y) ** 2).mean(dim=(1, 2)),
                                      ((on_test - yt) ** 2).mean(dim=(1, 2))], dim=1))

    evaluate(0)
    for step in range(1, iterations + 1):
        step_masks = next(masks) if masks is not None else None
        acts, gates = [x], []  # each layer's input; each hidden layer's d(output)/d(pre-activation)
        h = x
        for i in range(layers):
            z = torch.baddbmm(stack.biases[i], h, stack.weights[i])
            gate = (z > 0).to(z.dtype)  # ReLU's derivative...
            if step_masks is not None:
                gate.mul_(step_masks[i])  # ...times the dropout mask
            h = z * gate
            acts.append(h)
            gates.append(gate)
        diff = torch.baddbmm(stack.biases[-1], h, stack.weights[-1]) - y
        per_net = (diff * diff).mean(dim=(1, 2))  # (K,): the loss each net minimises
        values = per_net.tolist()
        step_losses.append(values)
        for k, v in enumerate(values):
            if alive[k] and not (math.isfinite(v) and v <= MAX_LOSS):
                alive[k], diverged[k] = False, step
        if not any(alive):
            break
        g = diff * (2.0 / n)  # d(sum of the nets' losses) / d(output): nets share no parameters
        for i in reversed(range(layers + 1)):
            torch.bmm(acts[i].transpose(1, 2), g, out=grad_w[i])
            torch.sum(g, dim=1, keepdim=True, out=grad_b[i])
            if i > 0:
                g = torch.bmm(g, stack.weights[i].transpose(1, 2)).mul_(gates[i - 1])
        if decay is not None:
            grad.addcmul_(stack.flat, decay)
        opt.step()
        evaluate(step)
    done = len(step_losses)
    step_loss = np.full((k_nets, iterations), np.nan)
    step_loss[:, :done] = np.array(step_losses).T
    scores = np.full((2, k_nets, iterations), np.nan)
    if evals:
        scores[:, :, :len(evals)] = torch.stack(evals, dim=2).cpu().numpy().transpose(1, 0, 2)
    for k, at in enumerate(diverged):
        if at is not None:  # evaluations from the diverging step on are meaningless
            scores[:, k, at - 1:] = np.nan
            step_loss[k, at:] = np.nan
            curves[frame_steps >= at, k] = np.nan
    return _Trained(stack, scores[0], scores[1], step_loss, curves, diverged)


def _fused_ok(device: torch.device) -> bool:
    """Fused Adam (one kernel for the whole update) where this torch build has it."""
    return device.type in ("cpu", "cuda")


def _data(config: DropoutConfig, seed: int) -> tuple[torch.Tensor, ...]:
    x, y = noisy_curve(config.n_points, (-1.0, 1.0), "identity", config.noise, seed)
    xt, yt = noisy_curve(config.n_points, (-1.0, 1.0), "identity", config.noise, seed, stream="test")
    return x, y, xt, yt


def _grid(config: DropoutConfig) -> torch.Tensor:
    return torch.linspace(-1.1, 1.1, config.grid_points).view(1, -1, 1)  # a little beyond the data


def _mc_dropout(stack: _Stack, net: int, rate: float, grid: torch.Tensor, passes: int,
                g: torch.Generator) -> tuple[np.ndarray, ...]:
    """`passes` forward passes of net `net` with dropout on: every pass and point draws its own mask."""
    weights = [w[net:net + 1].expand(passes, -1, -1) for w in stack.weights]
    biases = [b[net:net + 1].expand(passes, -1, -1) for b in stack.biases]
    width, g_points = weights[0].shape[2], grid.shape[1]
    keep = 1.0 - rate  # uniform < keep is a Bernoulli(keep) draw, as in core.models.Dropout
    masks = [(torch.rand((passes, g_points, width), generator=g, device=grid.device) < keep) / keep
             for _ in weights[:-1]]
    preds = _forward(weights, biases, grid.expand(passes, -1, -1), masks)[:, :, 0]  # (passes, G)
    q = torch.quantile(preds, torch.tensor([0.1, 0.9], device=preds.device), dim=0)
    return preds.mean(0).cpu().numpy(), q[0].cpu().numpy(), q[1].cpu().numpy(), preds[:3].cpu().numpy()


def run_dropout(config: DropoutConfig = DropoutConfig(), device: torch.device | str = "cpu") -> DropoutResult:
    """Train every contender of `config` from the same initial weights on the same data; record all."""
    device = torch.device(device)
    nets = config.nets
    k_nets = len(nets)
    x, y, xt, yt = _data(config, config.seed)
    data = tuple(t.to(device).unsqueeze(0).expand(k_nets, -1, -1) for t in (x, y, xt, yt))
    grid = _grid(config).to(device)
    stack = _stack_inits([config.spec(n) for n in nets], [config.seed] * k_nets, device)
    gens = [generator_for(config.seed, "dropout", device=device) if config.rate(n) > 0 else None
            for n in nets]
    steps = _frame_steps(config.iterations, config.frames)
    trained = _train_stack(stack, data, [config.rate(n) for n in nets], [config.decay(n) for n in nets], gens,
                           config.lr, config.iterations, steps, grid)
    result = DropoutResult(config, nets, x[:, 0].numpy(), y[:, 0].numpy(), xt[:, 0].numpy(),
                           yt[:, 0].numpy(), grid[0, :, 0].cpu().numpy(), trained.train_mse, trained.test_mse,
                           trained.step_loss, steps, trained.frame_curves, trained.diverged_at)
    k = nets.index("dropout")
    if config.dropout > 0 and config.mc_passes > 0 and trained.diverged_at[k] is None:
        g = generator_for(config.seed, "mc_dropout", device=device)
        result.mc_mean, result.mc_lo, result.mc_hi, result.train_mode_curves = _mc_dropout(
            trained.stack, k, config.dropout, grid, config.mc_passes, g)
    return result


def run_seeds(config: DropoutConfig, seeds: Sequence[int],
              device: torch.device | str = "cpu") -> pd.DataFrame:
    """Final train and test MSE per (seed, net); per net, all seeds trained as one stack (no curves kept).

    One stack per net (not one for everything), so a net's numbers never depend on which other
    contenders are switched on. Returns a tidy frame: seed, net, train_mse, test_mse.
    """
    device = torch.device(device)
    per_seed = {s: _data(config, s) for s in seeds}
    data = tuple(torch.stack([per_seed[s][i] for s in seeds]).to(device) for i in range(4))
    frames = []
    for net in config.nets:
        stack = _stack_inits([config.spec(net)] * len(seeds), list(seeds), device)
        gens = [generator_for(s, "dropout", device=device) if config.rate(net) > 0 else None for s in seeds]
        trained = _train_stack(stack, data, [config.rate(net)] * len(seeds), [config.decay(net)] * len(seeds),
                               gens, config.lr, config.iterations, np.array([], dtype=int),
                               _grid(config).to(device))
        frames.append(pd.DataFrame({"seed": list(seeds), "net": net, "train_mse": trained.train_mse[:, -1],
                                    "test_mse": trained.test_mse[:, -1]}))
    return pd.concat(frames, ignore_index=True)


# --- the plain loop: one net at a time, the reference the batched engine is tested against --------

def run_plain(config: DropoutConfig, net: str) -> dict[str, np.ndarray]:
    """One contender trained the straightforward way (nn modules, torch.optim.Adam, eval after each step)."""
    x, y, xt, yt = _data(config, config.seed)
    grid = _grid(config)[0]
    model = build_mlp(config.spec(net), generator_for(config.seed, "init"))
    set_dropout_generator_(model, generator_for(config.seed, "dropout"))
    opt = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.decay(net), fused=True)
    steps = set(_frame_steps(config.iterations, config.frames).tolist())
    train_mse, test_mse, step_loss, curves = [], [], [], []
    for step in range(config.iterations + 1):
        if step > 0:
            model.train()
            loss = F.mse_loss(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            step_loss.append(loss.item())
        model.eval()
        with torch.no_grad():
            if step > 0:
                train_mse.append(F.mse_loss(model(x), y).item())
                test_mse.append(F.mse_loss(model(xt), yt).item())
            if step in steps:
                curves.append(model(grid)[:, 0].numpy())
    return {"train_mse": np.array(train_mse), "test_mse": np.array(test_mse),
            "step_loss": np.array(step_loss), "frame_curves": np.array(curves)}


@dataclass(frozen=True)
class SpreadSummary:
    """How the dropout net fared against the overfitting net over several seeds."""

    seeds: int
    dropout_test_wins: int  # seeds where the dropout net's test MSE is lower
    overfit_train_wins: int  # seeds where the overfitting net's train MSE is lower
    mean_test: dict[str, float]  # per net
    mean_train: dict[str, float]  # per net


def summarise_spread(spread: pd.DataFrame) -> SpreadSummary:
    """Counts and means of a `run_seeds` frame."""
    test = spread.pivot(index="seed", columns="net", values="test_mse")
    train = spread.pivot(index="seed", columns="net", values="train_mse")
    return SpreadSummary(
        seeds=len(test),
        dropout_test_wins=int((test["dropout"] < test["overfit"]).sum()),
        overfit_train_wins=int((train["overfit"] < train["dropout"]).sum()),
        mean_test={n: float(test[n].mean()) for n in test.columns},
        mean_train={n: float(train[n].mean()) for n in train.columns},
    )
