"""The optimizer race: every racer x seed trained at once on stacked weights, fair start, divergence."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import torch

from core.data import noisy_curve
from core.divergence import Divergence, diverged, divergences, limits
from core.models import MLP, MLPSpec, build_mlp
from core.runs import runs, runs_many
from core.seeding import generator_for
from core.stacked import ENGINES, StackedMLP
from core.training import batch_indices

LR_RANGE = (1e-5, 10.0)  # every racer's learning rate lies here
HP_RANGE = (0.0, 0.999)  # every main hyperparameter (momentum, alpha, beta1, rho, weight decay) lies here
MAX_RACERS = 10
BETA2 = 0.99  # the lesson's Adam uses betas (0.9, 0.99); every Adam-family racer shares this beta2


@dataclass(frozen=True)
class OptimizerInfo:
    """One optimizer the race offers: its torch class and its main hyperparameter."""

    name: str  # display name (a proper name, the same in every language)
    hp_name: str | None  # the main hyperparameter's name, None when it has none worth editing
    hp_default: float  # its default (ignored when hp_name is None)
    lr_default: float  # learning rate a newly added racer of this kind starts with


OPTIMIZERS: dict[str, OptimizerInfo] = {
    "sgd": OptimizerInfo("SGD", None, 0.0, 0.01),
    "momentum": OptimizerInfo("Momentum", "momentum", 0.8, 0.01),
    "nesterov": OptimizerInfo("Nesterov", "momentum", 0.8, 0.01),
    "rmsprop": OptimizerInfo("RMSprop", "alpha", 0.9, 0.01),
    "adam": OptimizerInfo("Adam", "beta1", 0.9, 0.01),
    "adamw": OptimizerInfo("AdamW", "weight_decay", 0.01, 0.01),
    "nadam": OptimizerInfo("NAdam", "beta1", 0.9, 0.01),
    "radam": OptimizerInfo("RAdam", "beta1", 0.9, 0.01),
    "adamax": OptimizerInfo("Adamax", "beta1", 0.9, 0.01),
    "adagrad": OptimizerInfo("AdaGrad", None, 0.0, 0.1),
    "adadelta": OptimizerInfo("Adadelta", "rho", 0.9, 1.0),
}


@dataclass(frozen=True)
class Racer:
    """One contestant: an optimizer with its learning rate and main hyperparameter."""

    code: str  # a key of OPTIMIZERS
    lr: float  # learning rate
    hp: float = 0.0  # main hyperparameter (OPTIMIZERS[code].hp_name); unused when that is None

    @property
    def label(self) -> str:
        info = OPTIMIZERS[self.code]
        text = f"{info.name} lr {self.lr:g}"
        return f"{text} {info.hp_name} {self.hp:g}" if info.hp_name else text


def make_racer(code: str, lr: float | None = None, hp: float | None = None) -> Racer:
    """A racer with this optimizer's defaults for whatever is not given."""
    info = OPTIMIZERS[code]
    return Racer(code, info.lr_default if lr is None else float(lr),
                 info.hp_default if (hp is None or info.hp_name is None) else float(hp))


DEFAULT_RACERS: tuple[Racer, ...] = (
    make_racer("sgd", 0.01), make_racer("momentum", 0.01, 0.8),
    make_racer("rmsprop", 0.01, 0.9), make_racer("adam", 0.01, 0.9),
)


def optimizer_spec(racer: Racer) -> tuple[type[torch.optim.Optimizer], dict]:
    """The torch.optim class of `racer` and its settings (every one of them acts element-wise)."""
    lr, hp, o = racer.lr, racer.hp, torch.optim
    specs = {
        "sgd": (o.SGD, {"lr": lr, "momentum": 0.0, "nesterov": False}),
        "momentum": (o.SGD, {"lr": lr, "momentum": hp, "nesterov": False}),
        "nesterov": (o.SGD, {"lr": lr, "momentum": hp, "nesterov": hp > 0}),
        "rmsprop": (o.RMSprop, {"lr": lr, "alpha": hp}),
        "adam": (o.Adam, {"lr": lr, "betas": (hp, BETA2)}),
        "adamw": (o.AdamW, {"lr": lr, "betas": (0.9, BETA2), "weight_decay": hp}),
        "nadam": (o.NAdam, {"lr": lr, "betas": (hp, BETA2)}),
        "radam": (o.RAdam, {"lr": lr, "betas": (hp, BETA2)}),
        "adamax": (o.Adamax, {"lr": lr, "betas": (hp, BETA2)}),
        "adagrad": (o.Adagrad, {"lr": lr}),
        "adadelta": (o.Adadelta, {"lr": lr, "rho": hp}),
    }
    return specs[racer.code]


def make_optimizer(racer: Racer, params: list[torch.Tensor]) -> torch.optim.Optimizer:
    """The torch.optim optimizer of `racer` over `params`."""
    cls, kwargs = optimizer_spec(racer)
    return cls(params, **kwargs)


def make_grouped_optimizers(racers: tuple[Racer, ...],
                            leaves: list[torch.Tensor]) -> list[torch.optim.Optimizer]:
    """One optimizer per torch.optim class, one parameter group (own settings) per racer: the same
    updates as one optimizer per racer, with fewer step() calls."""
    groups: dict[type, list[dict]] = {}
    for racer, leaf in zip(racers, leaves):
        cls, kwargs = optimizer_spec(racer)
        groups.setdefault(cls, []).append({"params": [leaf], **kwargs})
    return [cls(param_groups, lr=param_groups[0]["lr"]) for cls, param_groups in groups.items()]


def encode_racers(racers: tuple[Racer, ...] | list[Racer]) -> str:
    """'sgd:0.01,momentum:0.01:0.8,...' (the hyperparameter is left out when the optimizer has none)."""
    parts = []
    for r in racers:
        text = f"{r.code}:{r.lr:g}"
        parts.append(f"{text}:{r.hp:g}" if OPTIMIZERS[r.code].hp_name else text)
    return ",".join(parts)


def decode_racers(text: str) -> tuple[Racer, ...]:
    """The inverse of encode_racers; ValueError on unknown codes, bad numbers or out-of-range values."""
    items = [s.strip() for s in text.split(",") if s.strip()]
    if not 1 <= len(items) <= MAX_RACERS:
        raise ValueError(f"expected 1 to {MAX_RACERS} racers, got {len(items)}")
    racers = []
    for item in items:
        code, *numbers = item.split(":")
        if code not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {code!r}")
        if not 1 <= len(numbers) <= 2:
            raise ValueError(f"{item!r} is not code:lr or code:lr:hyperparameter")
        lr = float(numbers[0])
        hp = float(numbers[1]) if len(numbers) == 2 else None
        if not (math.isfinite(lr) and LR_RANGE[0] <= lr <= LR_RANGE[1]):
            raise ValueError(f"learning rate {numbers[0]!r} is not in {LR_RANGE}")
        if hp is not None and not (math.isfinite(hp) and HP_RANGE[0] <= hp <= HP_RANGE[1]):
            raise ValueError(f"hyperparameter {numbers[1]!r} is not in {HP_RANGE}")
        racers.append(make_racer(code, lr, hp))
    return tuple(racers)


def unique_labels(racers: tuple[Racer, ...] | list[Racer]) -> list[str]:
    """One label per racer; identical racers get '#2', '#3' so charts keep them apart."""
    labels: list[str] = []
    for r in racers:
        label, n = r.label, 2
        while label in labels:
            label, n = f"{r.label} #{n}", n + 1
        labels.append(label)
    return labels


@dataclass(frozen=True)
class RaceConfig:
    """Everything that decides a race; the defaults reproduce the classic lesson."""

    racers: tuple[Racer, ...] = DEFAULT_RACERS  # the contestants, in display order
    seeds: int = 1  # how many seeds to race (seed, seed+1, ...): each its own data, start and batches
    seed: int = 0  # the first seed
    fair_start: bool = True  # same initial weights for every racer of a seed (False: each its own)
    n_points: int = 1000  # x = linspace(-1, 1, n_points)
    noise: float = 0.1  # y = x² + noise·N(0, 1)
    hidden: int = 20  # Linear(1, hidden) -> ReLU -> Linear(hidden, 1)
    batch_size: int = 32
    epochs: int = 12  # 12 epochs of 32 batches = 384 steps
    snapshot_every: int = 8  # full-data loss and prediction curves every this many steps (the frames)
    grid_points: int = 101  # how many of the data's x positions the stored prediction curves keep

    @property
    def spec(self) -> MLPSpec:
        return MLPSpec(widths=(1, self.hidden, 1))

    @property
    def steps(self) -> int:
        return self.epochs * math.ceil(self.n_points / self.batch_size)

    @property
    def seed_list(self) -> list[int]:
        return [self.seed + i for i in range(self.seeds)]


@dataclass
class RaceResult:
    """What a race recorded; arrays are indexed (racer, seed, ...), NaN after a racer's divergence."""

    labels: list[str]  # one unique label per racer
    seeds: list[int]
    losses: np.ndarray  # (R, S, steps) loss of each step's batch, before its update
    diverged_at: list[list[int | None]]  # [racer][seed] 1-based step whose loss diverged, None = never
    snap_steps: np.ndarray  # (F,) steps after which a snapshot was taken (0 = the start)
    full_losses: np.ndarray  # (R, S, F) loss on the whole training set at each snapshot
    grid_x: np.ndarray  # (G,) where the prediction curves are evaluated
    predictions: np.ndarray  # (R, S, F, G) each model's prediction curve at each snapshot
    data_x: np.ndarray  # (N,) the first seed's training data
    data_y: np.ndarray  # (N,)
    steps: int = 0  # training steps of the race

    def diverged(self, racer: int, seed: int) -> int | None:
        """The step at which racer/seed diverged, or None."""
        return self.diverged_at[racer][seed]

    def divergences(self) -> list[Divergence]:
        """One per racer that diverged on any seed; a racer is named by its (unique) label."""
        return divergences(self.labels, self.diverged_at)


def _initial_weights(config: RaceConfig, seed: int, racer_index: int) -> MLP:
    """The seed's shared start (fair), or the racer's own random start (unfair, as the lesson did)."""
    labels = ("init",) if config.fair_start else ("init", "racer", racer_index)
    g = generator_for(seed, *labels)
    return build_mlp(config.spec, g)


def _batches(config: RaceConfig, seed_list: list[int], xs: torch.Tensor,
             ys: torch.Tensor) -> list[tuple[torch.Tensor, ...]]:
    """Every step's batch for every model: each seed's own order (from its 'batches' generator), shared
    by all racers of that seed; views into one reordered copy per epoch."""
    R = len(config.racers)
    orders = [[idx for _, idx in batch_indices(config.n_points, config.batch_size, config.epochs,
                                               generator_for(s, "batches"))] for s in seed_list]
    per_epoch = math.ceil(config.n_points / config.batch_size)
    out = []
    for e in range(config.epochs):
        order = torch.stack([torch.cat(o[e * per_epoch:(e + 1) * per_epoch]) for o in orders])  # (S, N)
        order = order.to(xs.device).unsqueeze(-1)
        xe = torch.gather(xs, 1, order).repeat(R, 1, 1)  # (M, N, 1)
        ye = torch.gather(ys, 1, order).repeat(R, 1, 1)
        for start in range(0, config.n_points, config.batch_size):
            out.append((xe[:, start:start + config.batch_size], ye[:, start:start + config.batch_size]))
    return out


@runs(RaceConfig)
def run_race(config: RaceConfig, device: torch.device | str = "cpu", engine: str = "fused") -> RaceResult:
    """Train every racer on every seed at once and return what happened.

    All R*S models are one core.stacked.StackedMLP (racer-major: model r*S + s), so each step computes
    every model's loss and gradient in one pass (`engine`: see StackedMLP.mse_step). Each racer's
    rows are one (S, P) parameter of its optimizer: one torch.optim optimizer per class, one group per
    racer, is exactly S independent optimizers per racer, because they act element-wise. A diverged
    model (see core.divergence) keeps its last weights (its update is undone) while the others go on.
    Losses stay on the device until the end: no per-step sync.
    """
    if config.hidden < 1 or not 1 <= config.seeds <= 100 or len(config.racers) < 1:
        raise ValueError("a race needs at least one racer, 1 to 100 seeds and a hidden layer")
    return _race(config, config.seed_list, device, engine)


@runs_many(RaceConfig)
def run_races(configs: list[RaceConfig], device: torch.device | str = "cpu") -> list[RaceResult]:
    """Races that differ only by their seeds, trained as one stack (every seed of every config) and
    split back: each result is its own race's, as `run_race` computes it (a test checks that)."""
    for config in configs:
        if config.hidden < 1 or not 1 <= config.seeds <= 100 or len(config.racers) < 1:
            raise ValueError("a race needs at least one racer, 1 to 100 seeds and a hidden layer")
    seeds = [s for config in configs for s in config.seed_list]
    whole = _race(dataclasses.replace(configs[0], seed=seeds[0], seeds=len(seeds)), seeds, device, "fused")
    out, start = [], 0
    for config in configs:
        part = slice(start, start + config.seeds)
        out.append(dataclasses.replace(
            whole, seeds=config.seed_list, losses=whole.losses[:, part],
            diverged_at=[row[part] for row in whole.diverged_at], full_losses=whole.full_losses[:, part],
            predictions=whole.predictions[:, part],
            data_x=whole.data_x if start == 0 else _first_data(config)[0],
            data_y=whole.data_y if start == 0 else _first_data(config)[1]))
        start += config.seeds
    return out


def _first_data(config: RaceConfig) -> tuple[np.ndarray, np.ndarray]:
    x, y = noisy_curve(config.n_points, (-1.0, 1.0), "square", config.noise, config.seed)
    return x[:, 0].numpy(), y[:, 0].numpy()


def _race(config: RaceConfig, seed_list: list[int], device: torch.device | str, engine: str) -> RaceResult:
    """The race of `config` on the seeds `seed_list` (`config.seeds` of them)."""
    device = torch.device(device)
    R, S, steps = len(config.racers), len(seed_list), config.steps
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; known: {', '.join(ENGINES)}")

    data = [noisy_curve(config.n_points, (-1.0, 1.0), "square", config.noise, s) for s in seed_list]
    xs = torch.stack([x for x, _ in data]).to(device)  # (S, N, 1)
    ys = torch.stack([y for _, y in data]).to(device)  # (S, N, 1)
    batches = _batches(config, seed_list, xs, ys)  # steps x ((M, b, 1), (M, b, 1)), model r*S + s

    net = StackedMLP.from_models([_initial_weights(config, s, r) for r in range(R) for s in seed_list],
                                 engine, device)
    optimizers = make_grouped_optimizers(config.racers, [net.rows(r * S, (r + 1) * S) for r in range(R)])

    x_shared = xs[0]  # (N, 1): x is the same linspace for every seed, only the noise differs
    grid_idx = torch.linspace(0, config.n_points - 1, config.grid_points).round().long().to(device)
    snap_steps = sorted({0, *range(config.snapshot_every, steps, config.snapshot_every), steps})
    M = R * S
    losses = torch.empty(steps, M, device=device)
    full = torch.empty(len(snap_steps), M, device=device)
    preds = torch.empty(len(snap_steps), M, config.grid_points, device=device)
    alive = torch.ones(M, dtype=torch.bool, device=device)
    diverged_at = torch.zeros(M, dtype=torch.long, device=device)  # 0 until it diverges (on the device)
    limit = torch.empty(M, device=device)
    ys_all = ys.repeat(R, 1, 1)  # (M, N, 1)

    def snapshot(i: int) -> None:
        with torch.no_grad():
            out = net(x_shared)  # (M, N, 1)
            full[i] = ((out - ys_all) ** 2).mean(dim=(1, 2))
            preds[i] = out[:, grid_idx, 0]

    snapshot(0)
    next_snap = 1
    for k in range(steps):
        xb, yb = batches[k]
        loss = net.mse_step(xb, yb, alive=alive)
        losses[k] = loss
        if k == 0:
            limit = limits(loss)
        bad = diverged(loss, limit)
        diverged_at = torch.where(alive & bad, k + 1, diverged_at)
        alive = alive & ~bad
        # Undo the dead models' updates. On a CPU, reading `alive` costs nothing (no device queue to
        # drain), so the undo is skipped while every model lives; elsewhere it always runs, sync-free.
        undo = device.type != "cpu" or not bool(alive.all())
        before = net.flat.clone() if undo else None  # (M, P): the weights this step starts from
        for opt in optimizers:
            opt.step()
        if undo:
            net.flat.copy_(torch.where(alive.view(M, 1), net.flat, before))
        if next_snap < len(snap_steps) and snap_steps[next_snap] == k + 1:
            snapshot(next_snap)
            next_snap += 1

    return _result(config, seed_list, losses, full, preds, diverged_at, snap_steps, x_shared[grid_idx],
                   data[0])


def _result(config: RaceConfig, seed_list: list[int], losses: torch.Tensor, full: torch.Tensor,
            preds: torch.Tensor, diverged_at: torch.Tensor, snap_steps: list[int], grid: torch.Tensor,
            first_data: tuple[torch.Tensor, torch.Tensor]) -> RaceResult:
    """Move to numpy (the one sync), shape (R, S, ...), blank everything after a divergence."""
    R, S, steps = len(config.racers), len(seed_list), config.steps
    div = diverged_at.cpu().numpy().reshape(R, S)  # 0 = never
    loss = losses.cpu().numpy().T.reshape(R, S, steps).astype(np.float64)
    full_np = full.cpu().numpy().T.reshape(R, S, -1).astype(np.float64)
    pred = preds.cpu().numpy().transpose(1, 0, 2).reshape(R, S, len(snap_steps), -1)
    snaps = np.asarray(snap_steps)
    for r in range(R):
        for s in range(S):
            if div[r, s]:
                loss[r, s, div[r, s]:] = np.nan  # the divergence step itself keeps its (bad) loss
                after = snaps >= div[r, s]
                full_np[r, s, after] = np.nan
                pred[r, s, after] = np.nan
    loss[~np.isfinite(loss)] = np.nan
    return RaceResult(
        labels=unique_labels(config.racers), seeds=list(seed_list), losses=loss,
        diverged_at=[[int(d) or None for d in row] for row in div],
        snap_steps=snaps, full_losses=full_np, grid_x=grid[:, 0].cpu().numpy(), predictions=pred,
        data_x=first_data[0][:, 0].numpy(), data_y=first_data[1][:, 0].numpy(), steps=steps)


def frame_step(result: RaceResult, frame: int) -> int:
    """The training step a playback frame shows."""
    return int(result.snap_steps[min(max(frame, 0), len(result.snap_steps) - 1)])


def steps_to_target(result: RaceResult, target: float, upto: int | None = None) -> np.ndarray:
    """(R, S) first snapshot step at which the full-data loss is <= target (by step `upto`); 0 = not yet."""
    upto = result.steps if upto is None else upto
    ok = (result.full_losses <= target) & (result.snap_steps <= upto)[None, None, :]
    first = np.where(ok.any(axis=2), result.snap_steps[np.argmax(ok, axis=2)], 0)
    return first


def leaderboard(result: RaceResult, frame: int, target: float) -> list[dict]:
    """One row per racer at `frame`: mean full-data loss over seeds, rank, median steps to target,
    and how many seeds diverged by then. Diverged or missing losses rank last."""
    step = frame_step(result, frame)
    f = min(max(frame, 0), len(result.snap_steps) - 1)
    reached = steps_to_target(result, target, step)
    rows = []
    for r, label in enumerate(result.labels):
        values = result.full_losses[r, :, f]
        finite = values[np.isfinite(values)]
        n_div = sum(d is not None and d <= step for d in result.diverged_at[r])
        hits = reached[r][reached[r] > 0]
        median = float(np.median(np.where(reached[r] > 0, reached[r], np.inf)))
        rows.append({
            "racer": label,
            "loss": float(finite.mean()) if len(finite) == len(values) and len(values) else math.nan,
            "steps_to_target": int(round(median)) if math.isfinite(median) else None,
            "reached": int(len(hits)),
            "diverged": n_div,
        })
    order = sorted(range(len(rows)), key=lambda i: (math.isnan(rows[i]["loss"]), rows[i]["loss"]
                                                    if not math.isnan(rows[i]["loss"]) else 0.0))
    for rank, i in enumerate(order, 1):
        rows[i]["rank"] = rank
    return [rows[i] for i in order]
