"""2-D loss surfaces (Rosenbrock, Beale, a saddle, Himmelblau) and every racer's path down one of them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from core.divergence import Divergence, divergences
from core.race import DEFAULT_RACERS, Racer, make_grouped_optimizers, unique_labels
from core.runs import runs

# A racer farther than this from the origin (or with a non-finite value) has diverged. A position rule,
# not core.divergence's loss rule: on the saddle the value falls without bound as a racer escapes.
ESCAPE = 1e3


def rosenbrock(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2


def beale(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y ** 2) ** 2 + (2.625 - x + x * y ** 3) ** 2


def saddle(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return x ** 2 - y ** 2


def himmelblau(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return (x ** 2 + y - 11) ** 2 + (x + y ** 2 - 7) ** 2


GRADIENT_SCALED = ("sgd", "momentum", "nesterov")  # steps proportional to the gradient; the rest adapt


@dataclass(frozen=True)
class Surface:
    """A test function with its view, its minima, preset start points and learning-rate scales."""

    fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    x_range: tuple[float, float]  # the plotted window
    y_range: tuple[float, float]
    minima: tuple[tuple[float, float], ...]  # global/local minima (empty for the saddle)
    starts: tuple[tuple[float, float], ...]  # preset start points; the first is the default
    # Racers' learning rates suit the network; here they are multiplied by these (shipped defaults):
    # gradient-scaled steps depend on the surface's steepness, adaptive steps are about lr per step.
    sgd_scale: float
    adaptive_scale: float
    log_color: bool = True  # colour the contour by log(1 + f - min f)

    def scale(self, code: str) -> float:
        return self.sgd_scale if code in GRADIENT_SCALED else self.adaptive_scale


SURFACES: dict[str, Surface] = {
    "rosenbrock": Surface(rosenbrock, (-2.0, 2.0), (-1.0, 3.0), ((1.0, 1.0),),
                          ((-1.5, 2.0), (-1.2, 1.0), (0.0, 2.5)), 0.1, 3.0),
    "beale": Surface(beale, (-4.5, 4.5), (-4.5, 4.5), ((3.0, 0.5),),
                     ((1.0, 1.5), (0.5, -1.5), (-2.0, -1.0)), 0.1, 3.0),
    "saddle": Surface(saddle, (-2.0, 2.0), (-2.0, 2.0), (),
                      ((-1.5, 0.01), (-1.0, 0.001), (1.5, -0.2)), 0.1, 0.3, log_color=False),
    "himmelblau": Surface(himmelblau, (-5.0, 5.0), (-5.0, 5.0),
                          ((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)),
                          ((-0.27, -0.92), (0.0, 0.0), (-4.5, 0.0)), 0.03, 1.0),
}


@dataclass(frozen=True)
class SurfaceConfig:
    """One descent of every racer on one surface."""

    racers: tuple[Racer, ...] = DEFAULT_RACERS
    surface: str = "rosenbrock"  # a key of SURFACES
    start: int = 0  # which of the surface's preset start points
    steps: int = 384  # the race's timeline: one step here per training step there
    snapshot_every: int = 8  # the race's frames

    @property
    def start_point(self) -> tuple[float, float]:
        return SURFACES[self.surface].starts[self.start]


@dataclass
class SurfaceResult:
    """Every racer's path: arrays indexed (racer, step), NaN after divergence."""

    surface: str
    labels: list[str]
    paths: np.ndarray  # (R, steps + 1, 2) positions, the start first
    values: np.ndarray  # (R, steps + 1) f at each position
    diverged_at: list[int | None]  # per racer: the 1-based step at which it blew up, None = never
    snap_steps: np.ndarray  # (F,) the steps the playback frames show
    minima: np.ndarray  # (K, 2), possibly empty

    def divergences(self) -> list[Divergence]:
        """One per racer that blew up; a racer is named by its label."""
        return divergences(self.labels, [[d] for d in self.diverged_at])

    def distance_to_minimum(self, step: int | None = None) -> np.ndarray:
        """(R,) distance from each racer (at `step`, default the end) to its nearest minimum; NaN if none."""
        step = self.paths.shape[1] - 1 if step is None else step
        if not len(self.minima):
            return np.full(len(self.labels), np.nan)
        at = self.paths[:, step, None, :]  # (R, 1, 2)
        return np.sqrt(((at - self.minima[None]) ** 2).sum(-1)).min(axis=1)


@runs(SurfaceConfig)
def run_surface(config: SurfaceConfig, device: str = "cpu") -> SurfaceResult:
    """Each racer descends the surface from the same start; one batched evaluation per step (two
    numbers per racer: always on the CPU, whatever `device` says)."""
    surface = SURFACES[config.surface]
    R, steps = len(config.racers), config.steps
    scaled = tuple(Racer(r.code, r.lr * surface.scale(r.code), r.hp) for r in config.racers)
    start = torch.tensor(config.start_point, dtype=torch.float64)
    leaves = [start.clone().requires_grad_(True) for _ in range(R)]
    optimizers = make_grouped_optimizers(scaled, leaves)
    paths = torch.empty(steps + 1, R, 2, dtype=torch.float64)
    values = torch.empty(steps + 1, R, dtype=torch.float64)
    alive = torch.ones(R, dtype=torch.bool)
    diverged_at = torch.zeros(R, dtype=torch.long)
    for k in range(steps + 1):
        pos = torch.stack(leaves)  # (R, 2)
        f = surface.fn(pos[:, 0], pos[:, 1])  # (R,)
        paths[k], values[k] = pos.detach(), f.detach()
        if k == steps:
            break
        bad = ~torch.isfinite(f.detach()) | (pos.detach().abs().amax(dim=1) > ESCAPE)
        diverged_at = torch.where(alive & bad, k + 1, diverged_at)
        alive = alive & ~bad
        before = pos.detach().clone()
        grads = torch.autograd.grad(torch.where(alive, f, torch.zeros_like(f)).sum(), leaves)
        for leaf, g in zip(leaves, grads):
            leaf.grad = g
        for opt in optimizers:
            opt.step()
        with torch.no_grad():
            for r in range(R):
                if not alive[r]:
                    leaves[r].copy_(before[r])
    path_np = paths.numpy().transpose(1, 0, 2).copy()
    value_np = values.numpy().T.copy()
    div = diverged_at.numpy()
    for r in range(R):
        if div[r]:
            path_np[r, div[r]:] = np.nan  # the position that blew up (step div-1) is the last shown
            value_np[r, div[r]:] = np.nan
    snaps = np.array(sorted({0, *range(config.snapshot_every, steps, config.snapshot_every), steps}))
    return SurfaceResult(config.surface, unique_labels(config.racers), path_np, value_np,
                         [int(d) or None for d in div], snaps,
                         np.array(surface.minima, dtype=float).reshape(-1, 2))


def surface_grid(code: str, n: int = 60) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(xs (n,), ys (n,), z (n, n)) of the surface over its window, z[i, j] = f(xs[j], ys[i])."""
    surface = SURFACES[code]
    xs = torch.linspace(*surface.x_range, n, dtype=torch.float64)
    ys = torch.linspace(*surface.y_range, n, dtype=torch.float64)
    gy, gx = torch.meshgrid(ys, xs, indexing="ij")
    return xs.numpy(), ys.numpy(), surface.fn(gx, gy).numpy()


def colour_value(code: str, z: np.ndarray) -> np.ndarray:
    """What the contour colours: log(1 + f - min f) where the surface spans decades, else f."""
    if not SURFACES[code].log_color:
        return z
    return np.log1p(np.maximum(z - np.nanmin(z), 0.0))


def escape_score(result: SurfaceResult, step: int | None = None) -> np.ndarray:
    """(R,) f at `step` (default the end): on the saddle, lower means it escaped further."""
    step = result.values.shape[1] - 1 if step is None else step
    return result.values[:, step]
