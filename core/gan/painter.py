"""The painter of the GAN lesson: G turns 5 random ideas into a painting of 15 points on
linspace(-1, 1, 15); the famous artist paints a·x² + (a − 1), a ~ U(1, 2); D tells them apart."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from core.compute import report
from core.divergence import Divergence, divergences
from core.frames import frame_steps
from core.gan.engine import DIFFERS, LOSSES, GanStack, Side, TwoTrainings, iteration
from core.runs import runs
from core.seeding import generator_for

N_IDEAS = 5  # G's random inputs
N_POINTS = 15  # points of a painting, on linspace(-1, 1, 15)
HIDDEN = 128  # units of G's and D's one hidden layer
MARGIN = 0.1  # a painted point counts as between the bounds within this margin
SHOWN = 256  # paintings G makes from fixed ideas at each frame (the histogram, the share in bounds)
A_EDGES = np.linspace(0.5, 2.5, 25)  # the fitted a's histogram: 24 bins over [0.5, 2.5]
TRACE_POINTS = 250  # points of each timeline: means over that many equal spans of steps
TAG = "gan.painter"  # the random streams of the painter


def critic_won(steps: np.ndarray, d_real: np.ndarray, d_fake: np.ndarray, total: int) -> bool:
    """Whether D(real) stayed above 0.95 and D(fake) below 0.05 (means over the last fifth of
    training, from per-step or per-span values at `steps`)."""
    late = steps >= 0.8 * total
    real, fake = np.nanmean(d_real[late]), np.nanmean(d_fake[late])
    return bool(real > 0.95 and fake < 0.05)


def x_points() -> torch.Tensor:
    """(15,) where a painting's points lie."""
    return torch.linspace(-1, 1, N_POINTS)


def paint_real(a: torch.Tensor) -> torch.Tensor:
    """The artist's paintings a·x² + (a − 1): a (..., 1) -> (..., 15)."""
    x2 = x_points() ** 2
    return a * x2 + (a - 1)


def bounds(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The artist's lower and upper bounds at x: every a in [1, 2] paints between x² and 2x² + 1."""
    return x ** 2, 2 * x ** 2 + 1


def fitted_a(paintings: np.ndarray) -> np.ndarray:
    """Least squares a of each painting (..., 15) as a·(x² + 1) − 1: which curve it paints."""
    basis = x_points().numpy().astype(np.float64) ** 2 + 1
    return ((paintings + 1) @ basis) / (basis @ basis)


def share_in_bounds(paintings: np.ndarray, margin: float = MARGIN) -> np.ndarray:
    """Share of the points of paintings (..., S, 15) within [x² − margin, 2x² + 1 + margin]: (...)."""
    lower, upper = bounds(x_points().numpy())
    inside = (paintings >= lower - margin) & (paintings <= upper + margin)
    return inside.mean(axis=(-2, -1))


@dataclass(frozen=True)
class PainterConfig(TwoTrainings):
    """Two trainings of the lesson's painter, A and B, from the same seed; B differs from A in one
    setting (`differ`). The defaults of A are the lesson's."""

    steps: int = 5000  # iterations (the lesson trains 10,000; the picture is settled by 5,000)
    batch: int = 64  # paintings per batch, real and painted
    lr_g: float = 1e-4  # A: G's Adam learning rate
    lr_d: float = 1e-4  # A: D's Adam learning rate
    d_steps: int = 1  # A: D steps per iteration
    g_steps: int = 1  # A: G steps per iteration
    loss: str = "saturating"  # A: G's loss, log(1 − D(G(z))) as in the lesson, or non_saturating −log D(G(z))
    differ: str = "lr"  # what B changes: none, lr (both rates), ratio (D and G steps), loss
    b_lr_g: float = 1e-3  # B's G learning rate (when differ is lr): G learns 10x faster than its critic
    b_lr_d: float = 1e-4  # B's D learning rate (when differ is lr)
    b_d_steps: int = 5  # B's D steps (when differ is ratio)
    b_g_steps: int = 1  # B's G steps (when differ is ratio)
    frames: int = 100  # snapshots for the replay (plus the initial one): 8 s of play at 12 a second
    seed: int = 0  # initial weights, batches and the shown ideas all derive from it

    def check(self) -> None:
        if self.loss not in LOSSES or self.differ not in DIFFERS:
            raise ValueError(f"unknown loss {self.loss!r} or differ {self.differ!r}")


@dataclass
class PainterResult:
    """Everything the page draws; arrays indexed [k] follow `trainings` (A, B)."""

    config: PainterConfig
    trainings: tuple[str, ...]
    settings: list[dict]  # per training: lr_g, lr_d, d_steps, g_steps, loss
    x: np.ndarray  # (15,) where the points lie
    frame_steps: np.ndarray  # (F,) iterations of the snapshots (0: the initial weights)
    paintings: np.ndarray  # (F, K, SHOWN, 15) G's paintings of the same fixed ideas at each snapshot
    a_fit: np.ndarray  # (F, K, SHOWN) fitted a of each of them
    a_hist: np.ndarray  # (F, K, bins) share of them in each bin of A_EDGES (those outside: in the end bins)
    in_bounds: np.ndarray  # (F, K) share of their points within the bounds (MARGIN)
    trace_steps: np.ndarray  # (T,) the last iteration of each span of the timelines
    d_real: np.ndarray  # (K, T) mean D(real) over each span
    d_fake: np.ndarray  # (K, T) mean D(G(z))
    d_loss: np.ndarray  # (K, T) mean D loss
    g_loss: np.ndarray  # (K, T) mean G loss
    diverged_at: list[int | None]  # per training: the iteration whose losses were not finite

    def divergences(self) -> list[Divergence]:
        return divergences(self.trainings, [[at] for at in self.diverged_at])

    def critic_won(self, k: int) -> bool:
        """Whether D tells training k's paintings from the artist's at a glance over the last fifth
        of training (D(real) above 0.95, D(fake) below 0.05): G then gets almost no signal."""
        return critic_won(self.trace_steps, self.d_real[k], self.d_fake[k], self.config.steps)

    def summary(self, k: int, since: int | None = None) -> dict[str, float]:
        """Training k's figures the page states, over the snapshots from iteration `since` on
        (default: the last fifth of training): share in bounds, spread and mean of the fitted a,
        D(real) and D's score (−D loss)."""
        since = int(0.8 * self.config.steps) if since is None else since
        f = self.frame_steps >= since
        t = self.trace_steps >= since
        return {"in_bounds": float(np.mean(self.in_bounds[f, k])),
                "a_std": float(np.mean(np.std(self.a_fit[f, k], axis=-1))),
                "a_mean": float(np.mean(self.a_fit[f, k])),
                "d_real": float(np.mean(self.d_real[k, t])),
                "d_score": float(-np.mean(self.d_loss[k, t]))}


# --- training --------------------------------------------------------------------------------------

def _sampler(seeds: Sequence[int], batch: int) -> callable:
    """Each GAN's batches from its own seed's stream (real a first, then the ideas, as the tutorial
    draws them); GANs of one seed share one draw."""
    unique = list(dict.fromkeys(seeds))
    gens = [generator_for(s, TAG, "batches") for s in unique]
    index = torch.tensor([unique.index(s) for s in seeds])
    same = len(unique) == 1

    def sample() -> tuple[torch.Tensor, torch.Tensor]:
        a = torch.stack([torch.rand((batch, 1), generator=g) + 1 for g in gens])  # (U, N, 1)
        z = torch.stack([torch.randn((batch, N_IDEAS), generator=g) for g in gens])
        real = paint_real(a)
        if same:
            return real.expand(len(seeds), -1, -1), z.expand(len(seeds), -1, -1)
        return real[index], z[index]

    return sample


def shown_ideas(seed: int) -> torch.Tensor:
    """(SHOWN, 5) the fixed ideas whose paintings the snapshots keep."""
    return torch.randn((SHOWN, N_IDEAS), generator=generator_for(seed, TAG, "shown"))


@dataclass
class _Trace:
    frame_steps: np.ndarray
    paintings: np.ndarray  # (F, K, S, 15)
    per_step: np.ndarray  # (steps, 4, K): D loss, G loss, D(real), D(fake)
    diverged_at: list[int | None]


def train(seeds: Sequence[int], sides: Sequence[Side], d_steps: int, g_steps: int, steps: int,
          batch: int, frames: int, span: tuple[float, float] = (0.0, 1.0)) -> _Trace:
    """K painters (seed and side each) with one step structure, trained as one stack; the job's
    progress goes from span[0] to span[1] meanwhile (core.compute.report)."""
    gan = GanStack((N_IDEAS, HIDDEN, N_POINTS), (N_POINTS, HIDDEN, 1), seeds, sides, TAG)
    sample = _sampler(seeds, batch)
    ideas = torch.stack([shown_ideas(s) for s in seeds])  # (K, S, 5)
    when = frame_steps(steps, frames)
    at = {int(s): i for i, s in enumerate(when)}
    paintings = torch.full((len(when), len(seeds), SHOWN, N_POINTS), float("nan"))
    per_step = torch.full((steps, 4, len(seeds)), float("nan"))
    with torch.no_grad():
        paintings[0] = gan.g(ideas)
        for step in range(1, steps + 1):
            per_step[step - 1] = torch.stack(iteration(gan, sample, d_steps, g_steps))
            if step in at:
                paintings[at[step]] = gan.g(ideas)
                report(span[0] + (span[1] - span[0]) * step / steps)
    values = per_step.numpy()
    bad = ~np.isfinite(values).all(axis=1)  # (steps, K)
    diverged = [int(np.argmax(bad[:, k])) + 1 if bad[:, k].any() else None for k in range(len(seeds))]
    out = paintings.numpy()
    for k, d in enumerate(diverged):
        if d is not None:
            out[when >= d, k] = np.nan
    return _Trace(when, out, values, diverged)


def _spans(values: np.ndarray, points: int) -> tuple[np.ndarray, np.ndarray]:
    """Means of values (steps, ...) over `points` equal spans: (last step of each span, means)."""
    steps = values.shape[0]
    edges = np.unique(np.round(np.linspace(0, steps, min(points, steps) + 1)).astype(int))
    means = np.stack([values[a:b].mean(axis=0) for a, b in zip(edges[:-1], edges[1:])])
    return edges[1:], means


def histogram(a_fit: np.ndarray) -> np.ndarray:
    """Share of the fitted a (..., S) in each bin of A_EDGES, those outside in the end bins: (..., bins)."""
    bins = len(A_EDGES) - 1
    index = np.clip(np.searchsorted(A_EDGES, a_fit, side="right") - 1, 0, bins - 1)
    counts = (index[..., None] == np.arange(bins)) & np.isfinite(a_fit)[..., None]
    return counts.mean(axis=-2)


def _result(config: PainterConfig, trace: _Trace, ks: Sequence[int]) -> PainterResult:
    paintings = trace.paintings[:, ks]
    a_fit = fitted_a(paintings.astype(np.float64))
    ends, means = _spans(trace.per_step[:, :, ks], TRACE_POINTS)  # (T, 4, K)
    return PainterResult(
        config=config, trainings=config.trainings, settings=[config.settings(w) for w in config.trainings],
        x=x_points().numpy(), frame_steps=trace.frame_steps, paintings=paintings,
        a_fit=a_fit, a_hist=histogram(a_fit), in_bounds=share_in_bounds(paintings),
        trace_steps=ends, d_loss=means[:, 0].T, g_loss=means[:, 1].T, d_real=means[:, 2].T,
        d_fake=means[:, 3].T, diverged_at=[trace.diverged_at[k] for k in ks])


def _side(s: dict) -> Side:
    return Side(lr_g=s["lr_g"], lr_d=s["lr_d"], loss=s["loss"])


def _run_all(configs: Sequence[PainterConfig]) -> list[PainterResult]:
    """Every training of `configs` (which differ at most by seed), stacked by step structure."""
    base = configs[0]
    for c in configs:
        c.check()
    jobs = [(i, w, c.settings(w)) for i, c in enumerate(configs) for w in c.trainings]
    groups: dict[tuple[int, int], list[int]] = {}
    for j, (_, _, s) in enumerate(jobs):
        groups.setdefault((s["d_steps"], s["g_steps"]), []).append(j)
    traces: dict[int, tuple[_Trace, int]] = {}
    spans = _spans_of({key: len(m) for key, m in groups.items()})
    for (d_steps, g_steps), members in groups.items():
        trace = train([configs[jobs[j][0]].seed for j in members], [_side(jobs[j][2]) for j in members],
                      d_steps, g_steps, base.steps, base.batch, base.frames, spans[(d_steps, g_steps)])
        for row, j in enumerate(members):
            traces[j] = (trace, row)
    results = []
    for i, c in enumerate(configs):
        mine = [j for j, job in enumerate(jobs) if job[0] == i]
        merged = _merge([traces[j] for j in mine])
        results.append(_result(c, merged, list(range(len(mine)))))
    return results


def _spans_of(groups: dict[tuple[int, int], int]) -> dict[tuple[int, int], tuple[float, float]]:
    """Each stack's share of a job's progress, by its work: (D + G steps) x GANs."""
    work = {key: (key[0] + key[1]) * (1 + 0.2 * n) for key, n in groups.items()}
    total, done, spans = sum(work.values()), 0.0, {}
    for key, w in work.items():
        spans[key] = (done / total, (done + w) / total)
        done += w
    return spans


def _merge(parts: list[tuple[_Trace, int]]) -> _Trace:
    """One trace of the rows `parts` (trace, row) picked from their stacks."""
    first = parts[0][0]
    return _Trace(first.frame_steps, np.stack([t.paintings[:, r] for t, r in parts], axis=1),
                  np.stack([t.per_step[:, :, r] for t, r in parts], axis=2),
                  [t.diverged_at[r] for t, r in parts])


@runs(PainterConfig)
def run_painter(config: PainterConfig = PainterConfig(), device: str = "cpu") -> PainterResult:
    """Trainings A and B of `config` (one stack where their steps have the same structure). On the
    CPU whatever the device: tensors of a few thousand numbers gain nothing from an accelerator."""
    return _run_all([config])[0]


def seeds_of(config: PainterConfig, seeds: Sequence[int]) -> list[PainterResult]:
    """`config` on each seed, all trained as one stack per step structure."""
    return _run_all([dataclasses.replace(config, seed=s) for s in seeds])
