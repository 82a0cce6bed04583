"""Dropout vs overfitting: a wide MLP and the same MLP with dropout (optionally L2) trained side by side."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from core.data import noisy_curve
from core.divergence import Divergence, divergences, is_diverged
from core.frames import frame_steps
from core.models import MLPSpec, build_mlp
from core.runs import runs
from core.seeding import generator_for
from core.stacked import RowAdam, StackedMLP, dropout_masks, keep_scaled

NETS = ("overfit", "dropout", "l2")  # stable codes: plain net, dropout net, L2 (weight decay) net
ENGINE = "fused"  # core.stacked's engine for these ReLU nets under MSE (see StackedMLP.mse_step)


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
    l2: bool = False  # adds a third net: no dropout, Adam with `weight_decay` (an L2 penalty)
    weight_decay: float = 0.01  # the L2 net's weight decay (used only when `l2` is on)
    mc_passes: int = 100  # stochastic forward passes (dropout on) for the Monte-Carlo band
    frames: int = 50  # prediction snapshots kept for the animation (plus the initial one)
    grid_points: int = 89  # x positions where the fitted curves are drawn
    seed: int = 0  # data, initial weights and dropout masks all derive from it

    @property
    def nets(self) -> tuple[str, ...]:
        """The contenders of this run, in drawing order."""
        return NETS if self.l2 else NETS[:2]

    def spec(self, net: str) -> MLPSpec:
        """The architecture of one contender (the dropout net differs only by its dropout rate)."""
        widths = (1, *([self.width] * self.depth), 1)
        return MLPSpec(widths=widths, activation="relu", dropout=self.dropout if net == "dropout" else 0.0)

    def rate(self, net: str) -> float:
        return self.dropout if net == "dropout" else 0.0

    def decay(self, net: str) -> float:
        """The weight decay of one contender: the L2 net's, 0 for the others."""
        return self.weight_decay if net == "l2" and self.l2 else 0.0


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

    def divergences(self) -> list[Divergence]:
        """One per net whose training diverged (one seed: `of` is 1)."""
        return divergences(self.nets, [[at] for at in self.diverged_at])


# --- training: every contender at once, one core.stacked.StackedMLP --------------------------------

@dataclass
class _Trained:
    net: StackedMLP
    train_mse: np.ndarray  # (K, T)
    test_mse: np.ndarray  # (K, T)
    step_loss: np.ndarray  # (K, T)
    frame_curves: np.ndarray  # (F, K, G)
    diverged_at: list[int | None]


def _stack(specs: Sequence[MLPSpec], seeds: Sequence[int], device: torch.device, engine: str) -> StackedMLP:
    """Each net built exactly as the plain loop builds it (build_mlp from its init generator), stacked."""
    models = [build_mlp(spec, generator_for(seed, "init")) for spec, seed in zip(specs, seeds)]
    return StackedMLP.from_models(models, engine, device)


def _train_stack(net: StackedMLP, data: tuple[torch.Tensor, ...], rates: Sequence[float],
                 decays: Sequence[float], gens: Sequence[torch.Generator | None], lr: float,
                 iterations: int, frame_steps: np.ndarray, grid: torch.Tensor) -> _Trained:
    """Full-batch Adam on every net at once; after each step, eval-mode MSE on train and test points.

    data = (x_train, y_train, x_test, y_test), each (K, n, 1). One torch.optim.Adam over the stack's
    flat parameters takes exactly the steps K separate Adams would, since Adam is elementwise. L2 is
    added to the gradient as Adam's own weight_decay does (grad + wd * param), per net.
    tests/test_dropout.py checks all of it against the plain loop (core.dropout.reference).
    """
    x, y, xt, yt = data
    k_nets, n = x.shape[0], x.shape[1]
    # One parameter per net: fused Adam's vector loop then ends inside each net, never across two, so a
    # net's numbers do not depend on which other nets share the stack (not even by rounding).
    opt = RowAdam([net.rows(k, k + 1) for k in range(k_nets)], lr=lr)
    grads = [net.grad[k:k + 1] for k in range(k_nets)]
    decay = torch.tensor(decays, device=x.device, dtype=net.flat.dtype).view(-1, 1) if any(decays) else None
    shared_x = torch.equal(x, xt)  # test points at the training x (the lesson's setup): one pass scores both
    x_eval = x if shared_x else torch.cat([x, xt], dim=1)  # (K, n or 2n, 1)
    m = x_eval.shape[1]
    x_frame = torch.cat([x_eval, grid.expand(k_nets, -1, -1)], dim=1)
    step_losses: list[list[float]] = []
    evals: list[torch.Tensor] = []  # per step (K, 2): train and test MSE
    curves = np.full((len(frame_steps), k_nets, grid.shape[1]), np.nan)
    frame_at = {int(s): i for i, s in enumerate(frame_steps)}
    first: list[float] = []
    diverged: list[int | None] = [None] * k_nets
    widths = net.widths[1:-1]
    masks = dropout_masks(rates, gens, (n, widths[0]), len(widths), x.device) if any(rates) else None

    def evaluate(step: int) -> None:
        with torch.no_grad():
            pred = net(x_frame if step in frame_at else x_eval)
        if step in frame_at:
            curves[frame_at[step]] = pred[:, m:, 0].cpu().numpy()
        if step > 0:
            on_train, on_test = pred[:, :n], pred[:, m - n:m]
            evals.append(torch.stack([((on_train - y) ** 2).mean(dim=(1, 2)),
                                      ((on_test - yt) ** 2).mean(dim=(1, 2))], dim=1))

    evaluate(0)
    for step in range(1, iterations + 1):
        values = net.mse_step(x, y, next(masks) if masks is not None else None).tolist()  # (K,)
        step_losses.append(values)
        first = first or values
        for k, v in enumerate(values):
            if diverged[k] is None and is_diverged(v, first[k]):
                diverged[k] = step
        if all(d is not None for d in diverged):
            break
        if decay is not None:
            net.grad.addcmul_(net.flat, decay)
        opt.step(grads)
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
    return _Trained(net, scores[0], scores[1], step_loss, curves, diverged)


def _data(config: DropoutConfig, seed: int) -> tuple[torch.Tensor, ...]:
    x, y = noisy_curve(config.n_points, (-1.0, 1.0), "identity", config.noise, seed)
    xt, yt = noisy_curve(config.n_points, (-1.0, 1.0), "identity", config.noise, seed, stream="test")
    return x, y, xt, yt


def _grid(config: DropoutConfig) -> torch.Tensor:
    return torch.linspace(-1.1, 1.1, config.grid_points).view(1, -1, 1)  # a little beyond the data


def _mc_dropout(net: StackedMLP, k: int, rate: float, grid: torch.Tensor, passes: int,
                g: torch.Generator) -> tuple[np.ndarray, ...]:
    """`passes` forward passes of net `k` with dropout on: every pass and point draws its own mask.

    The passes are one batch of passes * G points through net k alone (one matmul per layer)."""
    g_points = grid.shape[1]
    draws = [torch.rand((passes, g_points, w), generator=g, device=grid.device) for w in net.widths[1:-1]]
    masks = [keep_scaled(u, rate).view(1, -1, u.shape[2]) for u in draws]  # as core.models.Dropout draws
    with torch.no_grad():
        preds = net.subset(k, k + 1)(grid.repeat(1, passes, 1), masks).view(passes, g_points)  # (passes, G)
    q = torch.quantile(preds, torch.tensor([0.1, 0.9], device=preds.device), dim=0)
    return preds.mean(0).cpu().numpy(), q[0].cpu().numpy(), q[1].cpu().numpy(), preds[:3].cpu().numpy()


@runs(DropoutConfig)
def run_dropout(config: DropoutConfig = DropoutConfig(), device: torch.device | str = "cpu",
                engine: str = ENGINE) -> DropoutResult:
    """Train every contender of `config` from the same initial weights on the same data; record all
    (`engine`: see core.stacked.StackedMLP.mse_step)."""
    device = torch.device(device)
    nets = config.nets
    k_nets = len(nets)
    x, y, xt, yt = _data(config, config.seed)
    data = tuple(t.to(device).unsqueeze(0).expand(k_nets, -1, -1) for t in (x, y, xt, yt))
    grid = _grid(config).to(device)
    stack = _stack([config.spec(n) for n in nets], [config.seed] * k_nets, device, engine)
    gens = [generator_for(config.seed, "dropout", device=device) if config.rate(n) > 0 else None
            for n in nets]
    steps = frame_steps(config.iterations, config.frames)
    trained = _train_stack(stack, data, [config.rate(n) for n in nets], [config.decay(n) for n in nets], gens,
                           config.lr, config.iterations, steps, grid)
    result = DropoutResult(config, nets, x[:, 0].numpy(), y[:, 0].numpy(), xt[:, 0].numpy(),
                           yt[:, 0].numpy(), grid[0, :, 0].cpu().numpy(), trained.train_mse, trained.test_mse,
                           trained.step_loss, steps, trained.frame_curves, trained.diverged_at)
    k = nets.index("dropout")
    if config.dropout > 0 and config.mc_passes > 0 and trained.diverged_at[k] is None:
        g = generator_for(config.seed, "mc_dropout", device=device)
        result.mc_mean, result.mc_lo, result.mc_hi, result.train_mode_curves = _mc_dropout(
            trained.net, k, config.dropout, grid, config.mc_passes, g)
    return result


def run_seeds(config: DropoutConfig, seeds: Sequence[int], device: torch.device | str = "cpu",
              engine: str = ENGINE) -> pd.DataFrame:
    """Final train and test MSE per (seed, net); every net on every seed trained as one stack (no
    curves kept). A net's numbers never depend on which other nets share the stack (one optimizer
    parameter per net; tests/test_dropout.py checks it). Returns a tidy frame: seed, net,
    train_mse, test_mse.
    """
    device = torch.device(device)
    nets, seeds = config.nets, list(seeds)
    per_seed = {s: _data(config, s) for s in seeds}
    data = tuple(torch.stack([per_seed[s][i] for s in seeds]).repeat(len(nets), 1, 1).to(device)
                 for i in range(4))  # members net by net, each net over every seed
    members = [(net, s) for net in nets for s in seeds]
    stack = _stack([config.spec(net) for net, _ in members], [s for _, s in members], device, engine)
    gens = [generator_for(s, "dropout", device=device) if config.rate(net) > 0 else None
            for net, s in members]
    trained = _train_stack(stack, data, [config.rate(net) for net, _ in members],
                           [config.decay(net) for net, _ in members], gens, config.lr, config.iterations,
                           np.array([], dtype=int), _grid(config).to(device))
    return pd.DataFrame({"seed": [s for _, s in members], "net": [net for net, _ in members],
                         "train_mse": trained.train_mse[:, -1], "test_mse": trained.test_mse[:, -1]})


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


def nets_identical(config: DropoutConfig) -> bool:
    """Whether the dropout net is the plain net (rate 0): the page then says the two are identical."""
    return config.dropout == 0


# --- the same comparison over several seeds --------------------------------------------------------

@dataclass(frozen=True)
class SpreadConfig:
    """The comparison of `base` repeated on seeds base.seed, base.seed + 1, ... (final scores only)."""

    base: DropoutConfig = DropoutConfig()  # the run whose nets are compared (its seed is the first)
    seeds: int = 5  # how many seeds

    @property
    def seed_list(self) -> tuple[int, ...]:
        return tuple(range(self.base.seed, self.base.seed + self.seeds))


@dataclass
class SpreadResult:
    """Final train and test MSE of every net on every seed of a SpreadConfig."""

    config: SpreadConfig
    scores: pd.DataFrame  # tidy: seed, net, train_mse, test_mse (as run_seeds returns it)

    def summary(self) -> SpreadSummary:
        return summarise_spread(self.scores)

    def verdict(self) -> str | None:
        """What the page states: "diverged" when a net's mean error is not finite (nothing can be
        compared), "summary" (the wins and means) when the dropout net really drops units, else None."""
        s = self.summary()
        if not all(math.isfinite(m) for m in (*s.mean_test.values(), *s.mean_train.values())):
            return "diverged"
        if "dropout" in s.mean_test and not nets_identical(self.config.base):
            return "summary"
        return None


@runs(SpreadConfig)
def run_spread(config: SpreadConfig, device: torch.device | str = "cpu") -> SpreadResult:
    """Every net of `config.base` on each of its seeds (see run_seeds)."""
    return SpreadResult(config, run_seeds(config.base, config.seed_list, device))


def run_cost(config: DropoutConfig) -> float:
    """Rough training work of one run (multiply-adds of the hidden layers x iterations x nets)."""
    w = config.width
    return config.iterations * len(config.nets) * (w * w * (config.depth - 1) + 2 * w) * config.n_points


AUTO_SPREAD_COST = 1.5 * 5 * run_cost(DropoutConfig())  # above this, the over-seeds runs wait for a click


def spread_waits_for_click(config: SpreadConfig) -> bool:
    """Whether the runs over seeds are heavy enough to start only when asked (not on their own)."""
    return run_cost(config.base) * config.seeds > AUTO_SPREAD_COST
