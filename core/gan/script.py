"""The code of a painter run: the tutorial's GAN loop (nn.Sequential G and D, autograd, Adam), once
for A and once for B, in plain PyTorch, with the figures of the page's table at its end."""

from __future__ import annotations

import dataclasses

import numpy as np

from core.gan.painter import (
    HIDDEN,
    MARGIN,
    N_IDEAS,
    N_POINTS,
    SHOWN,
    TAG,
    TRACE_POINTS,
    PainterConfig,
    PainterResult,
)
from core.gan.plane import DRAWN_STD, STD, PlaneConfig, PlaneResult, mode_centres
from core.gan.plane import HIDDEN as PLANE_HIDDEN
from core.gan.plane import SHOWN as PLANE_SHOWN
from core.gan.plane import TAG as PLANE_TAG
from core.scripts import header, script_of
from core.seeding import derive_seed

# The app's stacked run and the script's loop round differently; over thousands of iterations a GAN
# amplifies that into slightly different trajectories (tests/test_gan.py: equal to 2e-5 over the first
# 300). The figures are averages over the last fifth of training and agree within these.
TOLERANCE = {"points in the band": 0.03, "spread of a": 0.04, "D(real)": 0.02, "D score": 0.03}
EXACT_STEPS = 300  # up to here the two agree to float rounding


def figures(result: PainterResult) -> dict[str, float | tuple[float, float, float]]:
    """The table under the replay: per training, its figures over the last fifth of training."""
    out: dict[str, float | tuple[float, float, float]] = {}
    loose = result.config.steps > EXACT_STEPS
    for k, code in enumerate(result.trainings):
        s = result.summary(k)
        values = {"points in the band": s["in_bounds"], "spread of a": s["a_std"], "D(real)": s["d_real"],
                  "D score": s["d_score"]}
        for name, value in values.items():
            out[f"{code} {name}"] = (value, 0.0, TOLERANCE[name]) if loose else value
    return out


def quick(config: PainterConfig) -> PainterConfig:
    """At most 1,000 iterations of at most 2 D and 2 G steps each: a few seconds."""
    return dataclasses.replace(config, steps=min(config.steps, 1000), d_steps=min(config.d_steps, 2),
                               g_steps=min(config.g_steps, 2), b_d_steps=min(config.b_d_steps, 2),
                               b_g_steps=min(config.b_g_steps, 2))


def _kwargs(s: dict) -> str:
    return (f"dict(lr_g={s['lr_g']!r}, lr_d={s['lr_d']!r}, d_steps={s['d_steps']}, g_steps={s['g_steps']},"
            f" loss={s['loss']!r})")


@script_of(PainterConfig, figures=figures, rtol=2e-3, atol=2e-4, quick=quick)
def write(c: PainterConfig) -> str:
    """The script of `c`."""
    s = c.seed
    a, b = c.settings("A"), c.settings("B")
    return header("GAN: the painter and the critic", c) + f'''
import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

torch.set_num_threads(1)

N_IDEAS, N_POINTS, HIDDEN, BATCH = {N_IDEAS}, {N_POINTS}, {HIDDEN}, {c.batch}  # ideas, points, units, batch
STEPS = {c.steps}
X = torch.linspace(-1, 1, N_POINTS)  # where a painting's points lie


def artist_works(g):
    """The famous artist's paintings: a * x^2 + (a - 1), a ~ U(1, 2)."""
    a = torch.rand((BATCH, 1), generator=g) + 1
    return a * X ** 2 + (a - 1)


def linear(n_in, n_out, g):
    """nn.Linear, initialised as nn.Linear does, from the generator `g` (so the run repeats)."""
    layer = nn.Linear(n_in, n_out)
    bound = 1 / math.sqrt(n_in)
    with torch.no_grad():
        layer.weight.uniform_(-bound, bound, generator=g)
        layer.bias.uniform_(-bound, bound, generator=g)
    return layer


def train(lr_g, lr_d, d_steps, g_steps, loss):
    """One training. D ends in a logit here and its log-probabilities are taken with logsigmoid
    (log D(x) = logsigmoid(logit), log(1 - D(x)) = logsigmoid(-logit)): the tutorial's Sigmoid then
    log, written so that a confident D gives a large loss rather than log(0)."""
    g = torch.Generator().manual_seed({derive_seed(s, TAG, "init")})  # A and B start from the same weights
    G = nn.Sequential(linear(N_IDEAS, HIDDEN, g), nn.ReLU(), linear(HIDDEN, N_POINTS, g))
    D = nn.Sequential(linear(N_POINTS, HIDDEN, g), nn.ReLU(), linear(HIDDEN, 1, g))
    opt_G = torch.optim.Adam(G.parameters(), lr=lr_g)
    opt_D = torch.optim.Adam(D.parameters(), lr=lr_d)
    batches = torch.Generator().manual_seed({derive_seed(s, TAG, "batches")})  # the same batches for A and B
    shown = torch.Generator().manual_seed({derive_seed(s, TAG, "shown")})
    ideas = torch.randn(({SHOWN}, N_IDEAS), generator=shown)  # the same ideas painted at every snapshot
    snapshots = set(np.unique(np.round(np.linspace(0, STEPS, {c.frames} + 1)).astype(int)).tolist())
    paintings, history = {{}}, []  # paintings of the same ideas at the snapshots; per step D(real), D loss
    with torch.no_grad():
        paintings[0] = G(ideas).numpy()
    for step in range(1, STEPS + 1):
        for _ in range(g_steps):  # G steps on D(G(z))
            real = artist_works(batches)
            z = torch.randn((BATCH, N_IDEAS), generator=batches)
            G_paintings = G(z)
            logit = D(G_paintings)
            if loss == "saturating":  # the lesson's: minimise log(1 - D(G(z)))
                G_loss = F.logsigmoid(-logit).mean()
            else:  # non-saturating: minimise -log D(G(z))
                G_loss = -F.logsigmoid(logit).mean()
            opt_G.zero_grad()
            G_loss.backward()
            opt_G.step()
        for j in range(d_steps):  # then D, on real paintings and G's (detached)
            if j > 0:
                real = artist_works(batches)
                z = torch.randn((BATCH, N_IDEAS), generator=batches)
                with torch.no_grad():
                    G_paintings = G(z)
            logit_real, logit_fake = D(real), D(G_paintings.detach())
            D_loss = -(F.logsigmoid(logit_real).mean() + F.logsigmoid(-logit_fake).mean())
            opt_D.zero_grad()
            D_loss.backward()
            opt_D.step()
        history.append((torch.sigmoid(logit_real).mean().item(), D_loss.item()))
        if step in snapshots:
            with torch.no_grad():
                paintings[step] = G(ideas).numpy()
    return paintings, np.array(history)


def figures(paintings, history):
    """The page's table: over the last fifth of training (snapshots, and the timeline's spans)."""
    since = int(0.8 * STEPS)
    late = [p for step, p in paintings.items() if step >= since]  # each (256, 15)
    x2 = X.numpy() ** 2
    inside = [((p >= x2 - {MARGIN!r}) & (p <= 2 * x2 + 1 + {MARGIN!r})).mean() for p in late]
    basis = x2.astype(np.float64) + 1  # a painting as a * (x^2 + 1) - 1: least-squares a
    spread = [np.std(((p.astype(np.float64) + 1) @ basis) / (basis @ basis)) for p in late]
    edges = np.unique(np.round(np.linspace(0, STEPS, min({TRACE_POINTS}, STEPS) + 1)).astype(int))
    spans = [history[lo:hi].mean(axis=0) for lo, hi in zip(edges[:-1], edges[1:]) if hi >= since]
    d_real, d_loss = np.mean(spans, axis=0)
    return {{"points in the band": np.mean(inside), "spread of a": np.mean(spread), "D(real)": d_real,
            "D score": -d_loss}}


settings = {{
    "A": {_kwargs(a)},
    "B": {_kwargs(b)},
}}
for name, kwargs in settings.items():
    for figure, value in figures(*train(**kwargs)).items():
        print(f"{{name}} {{figure}} = {{value:.6g}}")
'''


# --- the 2-D GAN ----------------------------------------------------------------------------------

PLANE_TOLERANCE = {"D(real)": 0.06, "modes covered": 1.5}  # beyond PLANE_EXACT_STEPS (see TOLERANCE)
PLANE_EXACT_STEPS = 100


def plane_figures(result: PlaneResult) -> dict[str, float | tuple[float, float, float]]:
    """Per training, over the last fifth of training: mean D(real), and the modes covered (targets
    made of Gaussians)."""
    c = result.config
    loose = c.steps > PLANE_EXACT_STEPS
    steps = np.arange(1, c.steps + 1)
    late_frames = result.frame_steps >= 0.8 * c.steps
    out: dict[str, float | tuple[float, float, float]] = {}
    for k, code in enumerate(result.trainings):
        values = {"D(real)": float(np.mean(result.d_real[k][steps >= 0.8 * c.steps]))}
        if result.modes is not None:
            values["modes covered"] = float(np.mean(result.modes[late_frames, k]))
        for name, value in values.items():
            out[f"{code} {name}"] = (value, 0.0, PLANE_TOLERANCE[name]) if loose else value
    return out


def plane_quick(config: PlaneConfig) -> PlaneConfig:
    """At most 100 iterations of at most 2 D and 2 G steps each."""
    return dataclasses.replace(config, steps=min(config.steps, PLANE_EXACT_STEPS),
                               d_steps=min(config.d_steps, 2),
                               g_steps=min(config.g_steps, 2), b_d_steps=min(config.b_d_steps, 2),
                               b_g_steps=min(config.b_g_steps, 2))


def _target_code(c: PlaneConfig) -> str:
    """The target's sampler, drawing from the generator `g` as the app does."""
    if c.target in ("ring", "grid"):
        centres = [[round(float(v), 6) for v in row] for row in mode_centres(c.target)]
        return (f"CENTRES = torch.tensor({centres})  # the modes\n\n\n"
                "def real_points(n, g):\n"
                f"    pick = torch.randint(len(CENTRES), (n,), generator=g)\n"
                f"    return CENTRES[pick] + {STD!r} * torch.randn((n, 2), generator=g)\n")
    if c.target == "moons":
        return ("def real_points(n, g):\n"
                "    t = math.pi * torch.rand((n,), generator=g)\n"
                "    upper = torch.rand((n,), generator=g) < 0.5\n"
                "    x = torch.where(upper, torch.cos(t), 1 - torch.cos(t))\n"
                "    y = torch.where(upper, torch.sin(t), 0.5 - torch.sin(t))\n"
                "    points = torch.stack([x - 0.5, y - 0.25], dim=1) * 0.9\n"
                "    return points + 0.05 * torch.randn((n, 2), generator=g)\n")
    if c.target == "line":
        return ("def real_points(n, g):\n"
                "    t = 2 * torch.rand((n, 1), generator=g) - 1\n"
                "    return t * torch.tensor([[1.0, 0.6]]) + 0.02 * torch.randn((n, 2), generator=g)\n")
    return (f"DRAWN = torch.tensor({[list(p) for p in c.drawn]})  # the drawn points\n\n\n"
            "def real_points(n, g):\n"
            "    pick = torch.randint(len(DRAWN), (n,), generator=g)\n"
            f"    return DRAWN[pick] + {DRAWN_STD!r} * torch.randn((n, 2), generator=g)\n")


@script_of(PlaneConfig, figures=plane_figures, rtol=2e-3, atol=2e-4, quick=plane_quick)
def write_plane(c: PlaneConfig) -> str:
    """The script of a 2-D GAN run `c`."""
    s = c.seed
    a, b = c.settings("A"), c.settings("B")
    modes = c.target in ("ring", "grid")
    coverage = f'''

def modes_covered(samples):
    """Modes holding at least a quarter of their fair share of samples within 3 std of the centre."""
    d = torch.cdist(torch.tensor(samples), CENTRES)  # (samples, modes)
    near, nearest = d.min(dim=1).values < 3 * {STD!r}, d.argmin(dim=1)
    shares = torch.stack([((nearest == i) & near).float().mean() for i in range(len(CENTRES))])
    return int((shares >= 0.25 / len(CENTRES)).sum())
''' if modes else ""
    late_modes = ('\n    figures["modes covered"] = np.mean([modes_covered(p) for step, p in '
                  'snapshots.items() if step >= since])') if modes else ""
    return header("GAN on the plane (GAN Lab's view)", c) + f'''
import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

torch.set_num_threads(1)

HIDDEN, BATCH, STEPS = {PLANE_HIDDEN}, {c.batch}, {c.steps}


{_target_code(c)}

def linear(n_in, n_out, g):
    """nn.Linear, initialised as nn.Linear does, from the generator `g` (so the run repeats)."""
    layer = nn.Linear(n_in, n_out)
    bound = 1 / math.sqrt(n_in)
    with torch.no_grad():
        layer.weight.uniform_(-bound, bound, generator=g)
        layer.bias.uniform_(-bound, bound, generator=g)
    return layer
{coverage}

def train(lr_g, lr_d, d_steps, g_steps, loss):
    """One GAN: G turns 2-D noise into points, D (a logit) scores points; Adam for both."""
    g = torch.Generator().manual_seed({derive_seed(s, PLANE_TAG, "init")})  # A and B start alike
    G = nn.Sequential(linear(2, HIDDEN, g), nn.ReLU(), linear(HIDDEN, HIDDEN, g), nn.ReLU(),
                      linear(HIDDEN, 2, g))
    D = nn.Sequential(linear(2, HIDDEN, g), nn.ReLU(), linear(HIDDEN, HIDDEN, g), nn.ReLU(),
                      linear(HIDDEN, 1, g))
    opt_G = torch.optim.Adam(G.parameters(), lr=lr_g)
    opt_D = torch.optim.Adam(D.parameters(), lr=lr_d)
    batches = torch.Generator().manual_seed({derive_seed(s, PLANE_TAG, "batches")})  # the same for A and B
    shown = torch.Generator().manual_seed({derive_seed(s, PLANE_TAG, "shown")})
    noise = torch.randn(({PLANE_SHOWN}, 2), generator=shown)  # the same noise painted at every snapshot
    when = set(np.unique(np.round(np.linspace(0, STEPS, {c.frames} + 1)).astype(int)).tolist())
    snapshots, d_real = {{}}, []
    for step in range(1, STEPS + 1):
        for _ in range(g_steps):  # G steps on D(G(z))
            real = real_points(BATCH, batches)
            z = torch.randn((BATCH, 2), generator=batches)
            fake = G(z)
            logit = D(fake)
            G_loss = F.logsigmoid(-logit).mean() if loss == "saturating" else -F.logsigmoid(logit).mean()
            opt_G.zero_grad()
            G_loss.backward()
            opt_G.step()
        for j in range(d_steps):  # then D on real points and G's (detached)
            if j > 0:
                real = real_points(BATCH, batches)
                z = torch.randn((BATCH, 2), generator=batches)
                with torch.no_grad():
                    fake = G(z)
            logit_real, logit_fake = D(real), D(fake.detach())
            D_loss = -(F.logsigmoid(logit_real).mean() + F.logsigmoid(-logit_fake).mean())
            opt_D.zero_grad()
            D_loss.backward()
            opt_D.step()
        d_real.append(torch.sigmoid(logit_real).mean().item())
        if step in when:
            with torch.no_grad():
                snapshots[step] = G(noise).numpy()
    since = 0.8 * STEPS
    figures = {{"D(real)": np.mean(d_real[math.ceil(since) - 1:])}}{late_modes}
    return figures


settings = {{
    "A": {_kwargs(a)},
    "B": {_kwargs(b)},
}}
for name, kwargs in settings.items():
    for figure, value in train(**kwargs).items():
        print(f"{{name}} {{figure}} = {{value:.6g}}")
'''
