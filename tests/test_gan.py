"""The GAN lesson's core: the written-out backward against autograd, the stacked painter against the
tutorial's loop, the 2-D GAN and its stepping session, and the truth the page states (5 seeds)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from core.gan import (
    PAINTER_TRUTH,
    PLANE_TRUTH,
    Lab,
    PainterConfig,
    PlaneConfig,
    painter,
    plane,
    run_painter,
    run_plane,
)
from core.gan.engine import GanStack, Side
from core.gan.reference import run_plain


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


# --- the painter's pieces -------------------------------------------------------------------------

def test_fitted_a_and_the_band_of_the_artists_paintings():
    a = torch.tensor([[1.0], [1.3], [2.0]])
    real = painter.paint_real(a).numpy()
    assert painter.fitted_a(real.astype(np.float64)) == pytest.approx([1.0, 1.3, 2.0], abs=1e-6)
    assert painter.share_in_bounds(real[None], margin=1e-6) == pytest.approx(1.0)
    assert painter.share_in_bounds(real[None] + 5.0) == 0.0


def _autograd_step(gan: GanStack, z: torch.Tensor, real: torch.Tensor, loss: str):
    """G's and D's gradients by autograd, from the stack's current weights (GAN 0)."""
    g = [p[0].clone().requires_grad_() for p in gan.g.params]
    d = [p[0].clone().requires_grad_() for p in gan.d.params]

    def mlp(params, x):
        for i in range(0, len(params), 2):
            x = x @ params[i] + params[i + 1][0]
            if i + 2 < len(params):
                x = torch.relu(x)
        return x

    fake = mlp(g, z[0])
    p = torch.sigmoid(mlp(d, fake))
    g_loss = torch.log(1 - p).mean() if loss == "saturating" else -torch.log(p).mean()
    g_grads = torch.autograd.grad(g_loss, g)
    d_loss = -(torch.log(torch.sigmoid(mlp(d, real[0]))).mean()
               + torch.log(1 - torch.sigmoid(mlp(d, fake.detach()))).mean())
    d_grads = torch.autograd.grad(d_loss, d)
    return g_loss.item(), [x.reshape(-1) for x in g_grads], d_loss.item(), [x.reshape(-1) for x in d_grads]


@pytest.mark.parametrize("loss", ["saturating", "non_saturating"])
def test_written_out_backward_matches_autograd(loss):
    gan = GanStack((5, 16, 15), (15, 16, 1), [3], [Side(0.0, 0.0, loss)], "test")  # lr 0: weights stay
    gen = torch.Generator().manual_seed(0)
    z, real = torch.randn((1, 32, 5), generator=gen), torch.randn((1, 32, 15), generator=gen)
    g_loss, g_grads, d_loss, d_grads = _autograd_step(gan, z, real, loss)
    assert gan.g_step(z).item() == pytest.approx(g_loss, rel=1e-5)
    assert torch.allclose(gan.g.grad[0], torch.cat(g_grads), atol=1e-6)
    assert gan.d_step(real, gan.fake)[0].item() == pytest.approx(d_loss, rel=1e-5)
    assert torch.allclose(gan.d.grad[0], torch.cat(d_grads), atol=1e-6)


@pytest.mark.parametrize("settings", [
    {},  # the lesson's
    {"loss": "non_saturating", "d_steps": 2, "g_steps": 2, "lr_g": 3e-4},
])
def test_stacked_painter_follows_the_tutorials_loop(settings):
    """The written-out stack against nn.Linear, autograd and torch.optim.Adam (core.gan.reference):
    the same losses and paintings to float rounding over the first 300 iterations."""
    config = PainterConfig(steps=300, frames=3, differ="none", seed=7, **settings)
    ref = run_plain(config, "A")
    s = config.settings("A")
    trace = painter.train([config.seed], [config.side("A")], s["d_steps"], s["g_steps"], config.steps,
                          config.batch, config.frames)
    for i, name in enumerate(("d_loss", "g_loss", "d_real", "d_fake")):
        assert np.allclose(trace.per_step[:, i, 0], ref[name], atol=2e-5), name
    assert np.allclose(trace.paintings[:, 0], ref["paintings"], atol=1e-4)


def test_a_and_b_start_alike_and_differ_only_where_b_does():
    config = PainterConfig(steps=200, frames=4, differ="loss", seed=3)
    r = run_painter(config)
    assert r.settings[1]["loss"] == "non_saturating" and r.settings[0]["loss"] == "saturating"
    assert np.array_equal(r.paintings[0, 0], r.paintings[0, 1])  # the same initial weights
    assert not np.array_equal(r.paintings[-1, 0], r.paintings[-1, 1])
    again = run_painter(config)
    assert np.array_equal(r.paintings, again.paintings) and np.array_equal(r.d_loss, again.d_loss)
    same = run_painter(dataclasses.replace(config, differ="none"))
    assert np.array_equal(same.paintings[:, 0], same.paintings[:, 1])


def test_seeds_stacked_give_each_seeds_own_run():
    config = PainterConfig(steps=150, frames=3, differ="ratio", b_d_steps=2)
    alone = run_painter(dataclasses.replace(config, seed=2))
    stacked = painter.seeds_of(config, [1, 2])[1]
    # to float rounding: a stack's matrix products may sum in another order than one GAN's
    assert np.allclose(alone.paintings, stacked.paintings, atol=2e-4)
    assert np.allclose(alone.d_real, stacked.d_real, atol=2e-4)


def test_extreme_learning_rates_are_reported_not_raised():
    """lr 0.1: D wins outright (no NaN: the losses are taken through logsigmoid), and says so; the
    lesson's settings do not."""
    r = run_painter(PainterConfig(steps=300, frames=3, lr_g=0.1, lr_d=0.1, differ="lr"))
    assert r.divergences() == [] and r.critic_won(0) and not r.critic_won(1)
    assert np.isfinite(r.d_loss).all()
    p = run_plane(PlaneConfig(steps=200, frames=2, lr_g=1e-5, lr_d=0.05, differ="none"))  # D far ahead
    assert p.critic_won(0) and p.critic_won(1)


# --- the truth the painter states -----------------------------------------------------------------

def test_truth_painter_paints_the_whole_family_and_g_too_fast_collapses():
    """5 seeds, 5,000 iterations: the lesson's settings stay in the band without collapse, D(real)
    near 0.5; with G's learning rate 10x D's (B's default) the spread of a falls (PAINTER_TRUTH)."""
    t = PAINTER_TRUTH
    config = PainterConfig(steps=t.steps, frames=25)
    assert config.differ == "lr" and config.b_lr_g == 10 * config.b_lr_d == 10 * config.lr_d
    results = painter.seeds_of(config, range(t.seeds))
    lesson = [r.summary(0, t.since) for r in results]
    fast_g = [r.summary(1, t.since) for r in results]
    for s in lesson:
        assert t.in_bounds[0] <= s["in_bounds"] <= t.in_bounds[1], s
        assert t.a_std[0] <= s["a_std"] <= t.a_std[1], s
        assert t.d_real[0] <= s["d_real"] <= t.d_real[1], s
    # from iteration 3,000 on, every snapshot of every seed has at least 90% in the band
    for r in results:
        assert (r.in_bounds[r.frame_steps >= t.since, 0] >= 0.9).all()
    assert sum(s["a_std"] < t.collapse_below for s in fast_g) == t.collapsed
    assert all(s["a_std"] < lo["a_std"] for s, lo in zip(fast_g, lesson))


# --- the plane ------------------------------------------------------------------------------------

def test_targets_and_coverage():
    g = torch.Generator().manual_seed(0)
    ring = plane.sample_target("ring", 4000, g).numpy()
    modes, quality = plane.coverage(ring, plane.mode_centres("ring"))
    assert modes == 8 and quality > 0.95
    one = np.repeat(plane.mode_centres("ring")[:1], 500, axis=0)
    assert plane.coverage(one, plane.mode_centres("ring"))[0] == 1
    for target in ("moons", "line", "grid"):
        points = plane.sample_target(target, 500, g).numpy()
        assert points.shape == (500, 2) and np.abs(points).max() < plane.LIMIT
    with pytest.raises(ValueError):
        plane.sample_target("drawn", 10, g)


def test_points_from_a_drawing_land_where_drawn():
    ink = np.zeros((280, 280), dtype=np.float32)
    ink[10:20, 260:270] = 1.0  # top right corner
    points = np.array(plane.points_from_drawing(ink))
    assert len(points) == 100
    assert (points[:, 0] > 1.2).all() and (points[:, 1] > 1.2).all()
    assert plane.points_from_drawing(np.zeros((280, 280))) == ()
    r = run_plane(PlaneConfig(target="drawn", drawn=tuple(map(tuple, points)), steps=50, frames=2))
    assert np.abs(r.real - [1.35, 1.35]).max() < 0.3


def test_plane_frames_hold_what_gan_lab_shows():
    r = run_plane(PlaneConfig(steps=60, frames=3, seed=1))
    f, k = len(r.frame_steps), 2
    assert r.samples.shape == (f, k, plane.SHOWN, 2) and r.heat.shape == (f, k, plane.HEAT ** 2)
    assert r.push.shape == (f, k, plane.ARROWS, 2)
    longest = np.linalg.norm(r.push, axis=-1).max(axis=-1)
    assert np.allclose(longest, plane.ARROW, rtol=1e-4)
    assert ((r.heat >= 0) & (r.heat <= 1)).all() and r.modes.shape == (f, k)


def test_arrows_point_up_the_critics_slope():
    """Where G's loss pushes a sample: towards what D finds more real (its gradient, both losses)."""
    for loss in ("saturating", "non_saturating"):
        gan = plane.new_stack([0], [Side(1e-3, 1e-3, loss)])
        x = torch.randn((1, 40, 2), generator=torch.Generator().manual_seed(1))
        push = gan.push(x)
        eps = 1e-3
        with torch.no_grad():
            ahead = gan.d(x + eps * push / push.norm(dim=2, keepdim=True))[..., 0]
            here = gan.d(x)[..., 0]
        assert (ahead > here).float().mean() > 0.95


def test_lab_steps_move_d_or_g_alone():
    lab = Lab(PlaneConfig(seed=2, d_steps=2))
    start = lab.view()
    lab.step("d")
    after_d = lab.view()
    assert (after_d.d_steps, after_d.g_steps) == (1, 0)
    assert np.array_equal(after_d.samples, start.samples)  # a D step moves the heatmap only
    assert not np.array_equal(after_d.heat, start.heat)
    lab.step("g")
    after_g = lab.view()
    assert np.array_equal(after_g.heat, after_d.heat)  # a G step moves the samples only
    assert not np.array_equal(after_g.samples, after_d.samples)
    lab.step("both", 3)
    v = lab.view()
    assert (v.d_steps, v.g_steps) == (1 + 3 * 2, 1 + 3) and v.modes is not None and not v.diverged
    with pytest.raises(ValueError):
        lab.step("x")


def test_truth_more_d_steps_cover_more_of_the_ring():
    """PLANE_TRUTH: on the ring, B (5 D steps per G step) covers more modes than A (1:1) over the
    last fifth of training, on that many of the seeds."""
    t = PLANE_TRUTH
    config = PlaneConfig(steps=t.steps, frames=10)
    assert config.target == "ring" and config.differ == "ratio"
    assert (config.d_steps, config.b_d_steps) == (1, 5)
    results = plane.seeds_of(config, range(t.seeds))
    wins = 0
    for r in results:
        late = r.frame_steps >= 0.8 * t.steps
        wins += r.modes[late, 1].mean() > r.modes[late, 0].mean()
    assert wins == t.more_modes
