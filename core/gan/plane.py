"""A GAN on the plane, in GAN Lab's style: G turns 2-D noise into points, D scores every point of the
plane, and the arrows show where G's loss pushes its samples. Targets: a ring of Gaussians, two
moons, a line, a grid, or points drawn by hand. A stepping session (`Lab`) takes one D step, one G
step or both at a time."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from core.compute import report
from core.divergence import Divergence, divergences
from core.frames import frame_steps
from core.gan.engine import DIFFERS, LOSSES, GanStack, Side, TwoTrainings, iteration
from core.gan.painter import _spans_of, critic_won
from core.runs import runs
from core.seeding import generator_for

TARGETS = ("ring", "moons", "line", "grid", "drawn")
NOISE = 2  # G's input: 2-D standard normal noise
HIDDEN = 64  # units of each of G's and D's two hidden layers
LIMIT = 1.5  # the plane shown: [-LIMIT, LIMIT]²
HEAT = 31  # D's heatmap: HEAT x HEAT points of the plane
SHOWN = 500  # G's samples of fixed noise at each snapshot
ARROWS = 60  # of them, the ones with an arrow
REAL_SHOWN = 500  # real points drawn
ARROW = 0.3  # the longest arrow of a frame, in units of the plane (the others to scale)
RING, RADIUS, STD = 8, 1.0, 0.05  # the ring: 8 Gaussians on a circle of radius 1, std 0.05
GRID_AT = (-0.9, -0.3, 0.3, 0.9)  # the grid: 16 Gaussians at these coordinates, std 0.05
DRAWN_STD = 0.03  # noise around each drawn point
MAX_DRAWN = 400  # points a drawing keeps
TAG = "gan.plane"


def mode_centres(target: str) -> np.ndarray | None:
    """(M, 2) the centres of a target made of Gaussians (ring, grid); None for the others."""
    if target == "ring":
        t = 2 * np.pi * np.arange(RING) / RING
        return np.stack([RADIUS * np.cos(t), RADIUS * np.sin(t)], axis=1)
    if target == "grid":
        return np.array([(x, y) for y in GRID_AT for x in GRID_AT])
    return None


def sample_target(target: str, n: int, g: torch.Generator, drawn: torch.Tensor | None = None) -> torch.Tensor:
    """(n, 2) points of `target`, drawn from `g`."""
    if target in ("ring", "grid"):
        centres = torch.tensor(mode_centres(target), dtype=torch.float32)
        pick = torch.randint(len(centres), (n,), generator=g)
        return centres[pick] + STD * torch.randn((n, 2), generator=g)
    if target == "moons":
        t = math.pi * torch.rand((n,), generator=g)
        upper = torch.rand((n,), generator=g) < 0.5
        x = torch.where(upper, torch.cos(t), 1 - torch.cos(t))
        y = torch.where(upper, torch.sin(t), 0.5 - torch.sin(t))
        points = torch.stack([x - 0.5, y - 0.25], dim=1) * 0.9  # centred on the plane
        return points + 0.05 * torch.randn((n, 2), generator=g)
    if target == "line":
        t = 2 * torch.rand((n, 1), generator=g) - 1
        return t * torch.tensor([[1.0, 0.6]]) + 0.02 * torch.randn((n, 2), generator=g)
    if target == "drawn":
        if drawn is None or len(drawn) == 0:
            raise ValueError("no points drawn")
        pick = torch.randint(len(drawn), (n,), generator=g)
        return drawn[pick] + DRAWN_STD * torch.randn((n, 2), generator=g)
    raise ValueError(f"unknown target {target!r}")


@dataclass(frozen=True)
class PlaneConfig(TwoTrainings):
    """Two GANs on the plane, A and B, from the same seed; B differs from A in one setting."""

    target: str = "ring"  # ring, moons, line, grid, or drawn (the points in `drawn`)
    steps: int = 600  # iterations
    batch: int = 128  # real and generated points per batch
    lr_g: float = 1e-3  # A: G's Adam learning rate
    lr_d: float = 1e-3  # A: D's Adam learning rate
    d_steps: int = 1  # A: D steps per iteration
    g_steps: int = 1  # A: G steps per iteration
    loss: str = "non_saturating"  # A: G's loss, −log D(G(z)), or saturating log(1 − D(G(z)))
    differ: str = "ratio"  # what B changes: none, lr (both rates), ratio (D and G steps), loss
    b_lr_g: float = 1e-4  # B's G learning rate (when differ is lr)
    b_lr_d: float = 1e-4  # B's D learning rate (when differ is lr)
    b_d_steps: int = 5  # B's D steps (when differ is ratio)
    b_g_steps: int = 1  # B's G steps (when differ is ratio)
    frames: int = 50  # snapshots for the replay (plus the initial one)
    seed: int = 0  # initial weights, batches and the shown noise all derive from it
    drawn: tuple[tuple[float, float], ...] = ()  # the drawn target's points, in [-LIMIT, LIMIT]²


@dataclass
class PlaneResult:
    """Everything the page draws; arrays indexed [k] follow `trainings` (A, B)."""

    config: PlaneConfig
    trainings: tuple[str, ...]
    settings: list[dict]
    real: np.ndarray  # (REAL_SHOWN, 2) points of the target
    centres: np.ndarray | None  # (M, 2) the target's modes, if it has any
    heat_axis: np.ndarray  # (HEAT,) coordinates of the heatmap's rows and columns
    frame_steps: np.ndarray  # (F,)
    samples: np.ndarray  # (F, K, SHOWN, 2) G's samples of the same fixed noise
    push: np.ndarray  # (F, K, ARROWS, 2) where G's loss pushes the first ARROWS of them (longest: ARROW)
    heat: np.ndarray  # (F, K, HEAT * HEAT) D(point), row-major: y outer, x inner
    modes: np.ndarray | None  # (F, K) modes covered (targets of Gaussians)
    quality: np.ndarray | None  # (F, K) share of samples within 3 std of a mode
    d_loss: np.ndarray  # (K, steps)
    g_loss: np.ndarray  # (K, steps)
    d_real: np.ndarray  # (K, steps)
    d_fake: np.ndarray  # (K, steps)
    diverged_at: list[int | None]

    def divergences(self) -> list[Divergence]:
        return divergences(self.trainings, [[at] for at in self.diverged_at])

    def critic_won(self, k: int) -> bool:
        """Whether D tells training k's samples from the real points at a glance (see the painter's)."""
        steps = np.arange(1, self.config.steps + 1)
        return critic_won(steps, self.d_real[k], self.d_fake[k], self.config.steps)


def coverage(samples: np.ndarray, centres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Of samples (..., S, 2): modes covered (a mode holding at least a quarter of its fair share
    of samples within 3 std of its centre) and the share of samples that are near any mode."""
    d = np.linalg.norm(samples[..., :, None, :] - centres, axis=-1)  # (..., S, M)
    near = d.min(axis=-1) < 3 * STD
    nearest = d.argmin(axis=-1)
    m = len(centres)
    counts = np.stack([((nearest == i) & near).mean(axis=-1) for i in range(m)], axis=-1)  # (..., M)
    return (counts >= 0.25 / m).sum(axis=-1), near.mean(axis=-1)


def _drawn(config: PlaneConfig) -> torch.Tensor | None:
    return torch.tensor(config.drawn, dtype=torch.float32) if config.drawn else None


def _sampler(config: PlaneConfig, seeds: Sequence[int]):
    unique = list(dict.fromkeys(seeds))
    gens = [generator_for(s, TAG, "batches") for s in unique]
    index = torch.tensor([unique.index(s) for s in seeds])
    drawn = _drawn(config)
    n = config.batch

    def sample() -> tuple[torch.Tensor, torch.Tensor]:
        real = torch.stack([sample_target(config.target, n, g, drawn) for g in gens])
        z = torch.stack([torch.randn((n, NOISE), generator=g) for g in gens])
        if len(unique) == 1:
            return real.expand(len(seeds), -1, -1), z.expand(len(seeds), -1, -1)
        return real[index], z[index]

    return sample


def heat_axis() -> np.ndarray:
    """(HEAT,) the coordinates of the heatmap's rows and columns."""
    return np.linspace(-LIMIT, LIMIT, HEAT)


def heat_points() -> torch.Tensor:
    """(HEAT², 2) the heatmap's points, row-major (y outer, x inner)."""
    axis = torch.linspace(-LIMIT, LIMIT, HEAT)
    yy, xx = torch.meshgrid(axis, axis, indexing="ij")
    return torch.stack([xx.reshape(-1), yy.reshape(-1)], dim=1)


def shown_noise(seed: int) -> torch.Tensor:
    return torch.randn((SHOWN, NOISE), generator=generator_for(seed, TAG, "shown"))


def new_stack(seeds: Sequence[int], sides: Sequence[Side]) -> GanStack:
    return GanStack((NOISE, HIDDEN, HIDDEN, 2), (2, HIDDEN, HIDDEN, 1), seeds, sides, TAG)


@dataclass
class Snapshot:
    """What a frame shows of K GANs: samples (K, S, 2), push (K, A, 2): where G's loss pushes the
    first A samples, scaled so that the longest arrow is ARROW long; heat (K, HEAT²): D(point)."""

    samples: torch.Tensor
    push: torch.Tensor
    heat: torch.Tensor


def snapshot(gan: GanStack, noise: torch.Tensor) -> Snapshot:
    """G's samples of `noise` (K, S, 2), D's heatmap and G's push at the first ARROWS samples."""
    with torch.no_grad():
        samples = gan.g(noise)
        grid = heat_points().expand(gan.k, -1, -1)
        heat = gan.d_prob(grid)
        push = gan.push(samples[:, :ARROWS].contiguous())  # (K, A, 2)
        longest = push.norm(dim=2).amax(dim=1).clamp_min(1e-12).view(-1, 1, 1)
    return Snapshot(samples, push * (ARROW / longest), heat)


def _side(s: dict) -> Side:
    return Side(lr_g=s["lr_g"], lr_d=s["lr_d"], loss=s["loss"])


@dataclass
class _Trace:
    samples: np.ndarray  # (F, K, S, 2)
    push: np.ndarray
    heat: np.ndarray
    per_step: np.ndarray  # (steps, 4, K)
    diverged_at: list[int | None]


def train(config: PlaneConfig, seeds: Sequence[int], sides: Sequence[Side], d_steps: int, g_steps: int,
          when: np.ndarray, span: tuple[float, float] = (0.0, 1.0)) -> _Trace:
    """K GANs on the plane with one step structure, trained as one stack, snapshots at `when`; the
    job's progress goes from span[0] to span[1] meanwhile (core.compute.report)."""
    gan = new_stack(seeds, sides)
    sample = _sampler(config, seeds)
    noise = torch.stack([shown_noise(s) for s in seeds])
    k = len(seeds)
    f = len(when)
    samples = np.full((f, k, SHOWN, 2), np.nan, dtype=np.float32)
    push = np.full((f, k, ARROWS, 2), np.nan, dtype=np.float32)
    heat = np.full((f, k, HEAT * HEAT), np.nan, dtype=np.float32)
    per_step = torch.full((config.steps, 4, k), float("nan"))
    at = {int(s): i for i, s in enumerate(when)}

    def keep(i: int) -> None:
        snap = snapshot(gan, noise)
        samples[i], push[i], heat[i] = snap.samples.numpy(), snap.push.numpy(), snap.heat.numpy()

    keep(0)
    with torch.no_grad():
        for step in range(1, config.steps + 1):
            per_step[step - 1] = torch.stack(iteration(gan, sample, d_steps, g_steps))
            if step in at:
                keep(at[step])
                report(span[0] + (span[1] - span[0]) * step / config.steps)
    values = per_step.numpy()
    bad = ~np.isfinite(values).all(axis=1)
    diverged = [int(np.argmax(bad[:, j])) + 1 if bad[:, j].any() else None for j in range(k)]
    for j, d in enumerate(diverged):
        if d is not None:
            for arr in (samples, push, heat):
                arr[when >= d, j] = np.nan
    return _Trace(samples, push, heat, values, diverged)


def _check(config: PlaneConfig) -> None:
    if config.target not in TARGETS or config.loss not in LOSSES or config.differ not in DIFFERS:
        raise ValueError(f"unknown target, loss or differ in {config}")
    if config.target == "drawn" and not config.drawn:
        raise ValueError("the drawn target needs points")


def run_all(configs: Sequence[PlaneConfig]) -> list[PlaneResult]:
    """Both GANs of each config (configs that differ at most by seed), stacked by step structure."""
    base = configs[0]
    for c in configs:
        _check(c)
    when = frame_steps(base.steps, base.frames)
    jobs = [(i, c.settings(w)) for i, c in enumerate(configs) for w in c.trainings]
    groups: dict[tuple[int, int], list[int]] = {}
    for j, (_, s) in enumerate(jobs):
        groups.setdefault((s["d_steps"], s["g_steps"]), []).append(j)
    rows: dict[int, tuple[_Trace, int]] = {}
    spans = _spans_of({key: len(m) for key, m in groups.items()})
    for (d_steps, g_steps), members in groups.items():
        trace = train(base, [configs[jobs[j][0]].seed for j in members], [_side(jobs[j][1]) for j in members],
                      d_steps, g_steps, when, spans[(d_steps, g_steps)])
        for r, j in enumerate(members):
            rows[j] = (trace, r)
    centres = mode_centres(base.target)
    results = []
    for i, c in enumerate(configs):
        mine = [rows[j] for j, job in enumerate(jobs) if job[0] == i]
        samples = np.stack([t.samples[:, r] for t, r in mine], axis=1)
        per_step = np.stack([t.per_step[:, :, r] for t, r in mine], axis=2)  # (steps, 4, K)
        modes = quality = None
        if centres is not None:
            modes, quality = coverage(samples, centres)
        real = sample_target(c.target, REAL_SHOWN, generator_for(c.seed, TAG, "real"), _drawn(c)).numpy()
        results.append(PlaneResult(
            config=c, trainings=c.trainings, settings=[c.settings(w) for w in c.trainings], real=real,
            centres=centres, heat_axis=heat_axis(), frame_steps=when, samples=samples,
            push=np.stack([t.push[:, r] for t, r in mine], axis=1),
            heat=np.stack([t.heat[:, r] for t, r in mine], axis=1), modes=modes, quality=quality,
            d_loss=per_step[:, 0].T, g_loss=per_step[:, 1].T, d_real=per_step[:, 2].T,
            d_fake=per_step[:, 3].T,
            diverged_at=[t.diverged_at[r] for t, r in mine]))
    return results


@runs(PlaneConfig)
def run_plane(config: PlaneConfig = PlaneConfig(), device: str = "cpu") -> PlaneResult:
    """GANs A and B of `config` on the plane (on the CPU, as the painter: see run_painter)."""
    return run_all([config])[0]


def seeds_of(config: PlaneConfig, seeds: Sequence[int]) -> list[PlaneResult]:
    return run_all([dataclasses.replace(config, seed=s) for s in seeds])


def points_from_drawing(alpha: np.ndarray, max_points: int = MAX_DRAWN) -> tuple[tuple[float, float], ...]:
    """The drawn target from a canvas's ink (H, W) in [0, 1]: up to `max_points` inked pixels
    (evenly thinned), as points of the plane [-LIMIT, LIMIT]² (y up), rounded to 0.01."""
    rows, cols = np.nonzero(alpha > 0.5)
    if len(rows) == 0:
        return ()
    keep = np.unique(np.linspace(0, len(rows) - 1, min(max_points, len(rows))).round().astype(int))
    h, w = alpha.shape
    x = (cols[keep] + 0.5) / w * 2 * LIMIT - LIMIT
    y = LIMIT - (rows[keep] + 0.5) / h * 2 * LIMIT
    return tuple((round(float(a), 2), round(float(b), 2)) for a, b in zip(x, y))


# --- step by step: one GAN, one D or G step at a time ---------------------------------------------

@dataclass
class LabView:
    """What the stepping session shows now."""

    d_steps: int  # D steps taken so far
    g_steps: int  # G steps taken so far
    samples: np.ndarray  # (SHOWN, 2)
    push: np.ndarray  # (ARROWS, 2)
    heat: np.ndarray  # (HEAT²,)
    real: np.ndarray  # (REAL_SHOWN, 2)
    d_loss: float | None  # the last D step's loss
    g_loss: float | None  # the last G step's loss
    d_real: float | None
    d_fake: float | None
    modes: int | None
    diverged: bool


class Lab:
    """One GAN of a PlaneConfig's A settings, stepped by hand: D steps, G steps, or iterations of
    both (with A's D:G ratio). The page keeps it in its session and shows `view()`."""

    def __init__(self, config: PlaneConfig) -> None:
        _check(config)
        self.config = config
        self.settings = config.settings("A")
        self.gan = new_stack([config.seed], [_side(self.settings)])
        self.sample = _sampler(config, [config.seed])
        self.noise = shown_noise(config.seed).unsqueeze(0)
        self.real = sample_target(config.target, REAL_SHOWN, generator_for(config.seed, TAG, "real"),
                                  _drawn(config)).numpy()
        self.centres = mode_centres(config.target)
        self.d_count = self.g_count = 0
        self.last: dict[str, float] = {}

    def step(self, move: str, times: int = 1) -> None:
        """`move` "d" (one D step on a fresh batch), "g" (one G step) or "both" (one iteration with
        the settings' D:G ratio), `times` over."""
        with torch.no_grad():
            for _ in range(times):
                if move == "d":
                    real, z = self.sample()
                    loss, d_real, d_fake = self.gan.d_step(real, self.gan.g(z))
                    self.d_count += 1
                    self.last.update(d_loss=float(loss), d_real=float(d_real), d_fake=float(d_fake))
                elif move == "g":
                    _, z = self.sample()
                    self.last["g_loss"] = float(self.gan.g_step(z))
                    self.g_count += 1
                elif move == "both":
                    s = self.settings
                    d_loss, g_loss, d_real, d_fake = iteration(self.gan, self.sample, s["d_steps"],
                                                               s["g_steps"])
                    self.d_count += s["d_steps"]
                    self.g_count += s["g_steps"]
                    self.last.update(d_loss=float(d_loss), g_loss=float(g_loss), d_real=float(d_real),
                                     d_fake=float(d_fake))
                else:
                    raise ValueError(f"unknown move {move!r}")

    def view(self) -> LabView:
        snap = snapshot(self.gan, self.noise)
        samples = snap.samples[0].numpy()
        modes = int(coverage(samples, self.centres)[0]) if self.centres is not None else None
        diverged = not all(math.isfinite(v) for v in self.last.values()) or not np.isfinite(samples).all()
        return LabView(self.d_count, self.g_count, samples, snap.push[0].numpy(), snap.heat[0].numpy(),
                       self.real, self.last.get("d_loss"), self.last.get("g_loss"), self.last.get("d_real"),
                       self.last.get("d_fake"), modes, diverged)
