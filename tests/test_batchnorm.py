"""Unit and truth tests of the BatchNorm comparison (core.batchnorm, core.batchnorm_charts)."""

from __future__ import annotations

import altair as alt
import numpy as np
import pytest
import torch
from torch import nn

from core.batchnorm import (
    NETS,
    BatchNormConfig,
    _run_stack,
    build_nets,
    histograms,
    run_batchnorm,
    run_batchnorms,
    saturated,
    stage_edges,
)
from core.batchnorm.reference import batch_statistics, run_plain
from core.runs import run
from pages.batchnorm.charts import (
    Labels,
    gradient_chart,
    histogram_chart,
    loss_chart,
    prediction_chart,
    saturation_chart,
    stage_label,
    train_eval_chart,
)
from ui.theme import chart_labels

SEEDS = range(5)
SMALL = BatchNormConfig(depth=3, width=6, epochs=2, n_train=300, n_test=50, bins=12)
LABELS = {lang: chart_labels(Labels, "batchnorm", lang) for lang in ("en", "zh")}


@pytest.fixture(scope="module")
def lessons() -> list:
    """The classic lesson at its defaults, once per seed (one stacked run, as a class's seeds are)."""
    return run_batchnorms([BatchNormConfig(seed=s) for s in SEEDS])


# --- building blocks -------------------------------------------------------------------------------

def test_histograms_match_numpy_with_end_bins_clamped():
    g = torch.Generator().manual_seed(1)
    values = torch.randn(4, 500, generator=g) * 3
    values[0, :5] = torch.tensor([float("nan"), float("inf"), -50.0, 50.0, 5.0])
    edges = torch.linspace(-5, 5, 21)
    counts = histograms(values, edges)
    for row in range(4):
        v = values[row][torch.isfinite(values[row])].clamp(-5, 5).numpy()
        expected, _ = np.histogram(v, bins=edges.numpy())
        assert counts[row].tolist() == expected.tolist()
    assert counts[0].sum() == 498  # nan and inf are dropped, ±50 land in the end bins


def test_saturation_rules():
    a = torch.tensor([-1.0, -0.995, -0.5, 0.0, 0.5, 0.995, 1.0])
    assert saturated("tanh", a).tolist() == [True, True, False, False, False, True, True]
    s = torch.tensor([0.0, 0.005, 0.5, 0.995, 1.0])
    assert saturated("sigmoid", s).tolist() == [True, True, False, True, True]
    r = torch.tensor([0.0, 0.0, 1e-6, 3.0])
    assert saturated("relu", r).tolist() == [True, True, False, False]
    with pytest.raises(ValueError):
        saturated("gelu", a)


def test_batch_statistics_uses_the_batch_and_leaves_running_stats_alone():
    bn = nn.BatchNorm1d(3, momentum=0.5)
    bn.running_mean.fill_(2.0)
    bn.running_var.fill_(4.0)
    model = nn.Sequential(bn).eval()
    x = torch.randn(50, 3, generator=torch.Generator().manual_seed(0)) * 5 + 1
    with torch.no_grad(), batch_statistics(model):
        out = model(x)
    ref = nn.functional.batch_norm(x, None, None, bn.weight, bn.bias, training=True, eps=bn.eps)
    torch.testing.assert_close(out, ref)
    assert bn.running_mean.tolist() == [2.0] * 3 and bn.running_var.tolist() == [4.0] * 3
    assert not model.training and bn.track_running_stats


def test_both_nets_start_from_the_same_weights():
    nets = build_nets(BatchNormConfig(seed=3))
    for plain, bn in zip(nets["plain"].linears(), nets["bn"].linears()):
        assert torch.equal(plain.weight, bn.weight) and torch.equal(plain.bias, bn.bias)
    assert torch.all(nets["plain"].head.bias == -0.2)
    assert nets["bn"].input_bn is not None and nets["bn"].input_bn.momentum == 0.5
    assert all(b.bn is not None for b in nets["bn"].blocks)
    assert all(b.bn is None for b in nets["plain"].blocks)
    assert len(nets["bn"].blocks) == 8 and nets["bn"].blocks[0].linear.out_features == 10


def test_unknown_activation_is_refused():
    with pytest.raises(ValueError):
        run_batchnorm(BatchNormConfig(activation="gelu"))


# --- the run ---------------------------------------------------------------------------------------

def test_result_shapes_and_consistency():
    r = run_batchnorm(SMALL)
    frames, depth, bins = SMALL.epochs + 1, SMALL.depth, SMALL.bins
    assert r.frames == frames
    assert set(r.hist["plain"]) == {"linear", "act"} and set(r.hist["bn"]) == {"linear", "bn", "act"}
    for net in NETS:
        for counts in r.hist[net].values():
            assert counts.shape == (frames, depth, bins)
            assert (counts.sum(axis=-1) == SMALL.n_test * SMALL.width).all()
        assert r.saturation[net].shape == (frames, depth)
        assert r.test_loss[net].shape == r.test_loss_train_mode[net].shape == (frames,)
        assert r.predictions[net].shape == (frames, SMALL.n_test)
        assert r.grad_norm[net].shape == (2, depth + 1) and (r.grad_norm[net] > 0).all()
        # the reported test loss is the eval-mode MSE of the reported predictions
        mse = np.mean((r.predictions[net][-1] - r.y_test) ** 2)
        assert mse == pytest.approx(r.test_loss[net][-1], rel=1e-4)
    # without BN, train mode and eval mode are the same network
    np.testing.assert_allclose(r.test_loss["plain"], r.test_loss_train_mode["plain"], rtol=1e-5)
    assert r.diverged_at == {"plain": None, "bn": None}


def test_same_config_same_result():
    a, b = run_batchnorm(SMALL), run_batchnorm(SMALL)
    for net in NETS:
        np.testing.assert_array_equal(a.test_loss[net], b.test_loss[net])
        np.testing.assert_array_equal(a.hist[net]["act"], b.hist[net]["act"])
    c = run_batchnorm(BatchNormConfig(**{**SMALL.__dict__, "seed": 1}))
    assert not np.array_equal(a.test_loss["bn"], c.test_loss["bn"])


def test_at_initialisation_eval_mode_bn_is_the_identity():
    """Running mean 0 and variance 1 before any training: the BN output equals its input (frame 0)."""
    r = run_batchnorm(SMALL)
    np.testing.assert_array_equal(r.hist["bn"]["bn"][0], r.hist["bn"]["linear"][0])
    assert not np.array_equal(r.hist["bn"]["bn"][-1], r.hist["bn"]["linear"][-1])


@pytest.mark.parametrize("activation", ["relu", "sigmoid"])
def test_other_activations_run(activation):
    r = run_batchnorm(BatchNormConfig(**{**SMALL.__dict__, "activation": activation}))
    assert np.isfinite(r.test_loss["bn"]).all()
    assert r.edges["act"][0] == 0.0
    assert 0.0 <= r.saturation["plain"].min() <= r.saturation["plain"].max() <= 1.0


def test_divergence_is_a_result_and_charts_still_draw():
    config = BatchNormConfig(activation="relu", weight_std=2.0, lr=10.0, depth=12, epochs=2)
    r = run_batchnorm(config)
    assert r.diverged_epoch("plain") == 1  # the page's message names the epoch
    assert 1 <= r.diverged_at["plain"] <= r.steps_per_epoch  # a step of the first epoch
    assert [d.variant for d in r.divergences()][:1] == ["plain"]
    assert len(r.test_loss["plain"]) == config.epochs + 1
    en = LABELS["en"]
    for chart in (loss_chart(r, 2, en), prediction_chart(r, 2, en), train_eval_chart(r, en),
                  gradient_chart(r, en)):
        chart.to_dict()


def test_stalled_means_learned_nothing_without_diverging(lessons):
    """The page's "BN net learned nothing" note: a net that diverged has its own note instead."""
    for r in lessons:
        assert r.stalled("plain") and not r.stalled("bn")  # the lesson: the plain net predicts a constant
    wild = run_batchnorm(BatchNormConfig(activation="relu", weight_std=2.0, lr=10.0, depth=12, epochs=2))
    assert wild.learned_nothing("plain") and not wild.stalled("plain")


def test_the_run_is_registered_for_its_config():
    a, b = run(SMALL), run_batchnorm(SMALL)
    np.testing.assert_array_equal(a.test_loss["bn"], b.test_loss["bn"])


def test_stage_labels_name_the_pre_bn_stage():
    r = run_batchnorm(SMALL)
    en, zh = LABELS["en"], LABELS["zh"]
    assert stage_label(r, "bn", "linear", en) == "Linear output (pre-BN)"
    assert stage_label(r, "bn", "bn", en).startswith("After BN")
    assert stage_label(r, "plain", "act", en) == "Tanh output"
    assert "BN" in stage_label(r, "bn", "linear", zh)


def test_charts_build_in_both_languages():
    r = run_batchnorm(SMALL)
    for labels in LABELS.values():
        for net in NETS:
            spec = histogram_chart(r, 1, labels, net=net).to_dict()
            assert len(spec["hconcat"]) == len(r.stages(net))
        for chart in (saturation_chart(r, 0, labels), loss_chart(r, 1, labels),
                      prediction_chart(r, 2, labels), gradient_chart(r, labels), train_eval_chart(r, labels)):
            assert isinstance(chart, alt.TopLevelMixin)
            chart.to_dict()


def test_fixed_edges_per_activation():
    edges = stage_edges("tanh", 40)
    assert edges["act"][0] == -1 and edges["act"][-1] == 1 and len(edges["linear"]) == 41


# --- the stacked engine against the classic loop (core.batchnorm.reference) -------------------------

def _agree(a, b, rtol: float) -> None:
    assert a.diverged_at == b.diverged_at
    for net in NETS:
        for name in ("test_loss", "test_loss_train_mode", "saturation", "grad_norm", "predictions"):
            atol = 1e-3 if name == "predictions" else 1e-6  # predictions cross zero
            np.testing.assert_allclose(getattr(a, name)[net], getattr(b, name)[net], rtol=rtol, atol=atol,
                                       err_msg=f"{net} {name}")
        for stage in a.stages(net):  # a value on a bin edge may fall either side
            assert np.abs(a.hist[net][stage] - b.hist[net][stage]).sum() <= 0.001 * a.hist[net][stage].sum()


@pytest.mark.parametrize(("config", "rtol"), [
    (BatchNormConfig(epochs=1), 1e-4),  # the lesson's first epoch (later, rounding takes over: see below)
    (BatchNormConfig(activation="relu", depth=5, epochs=6, seed=3), 1e-4),
    (BatchNormConfig(activation="sigmoid", depth=4, width=6, epochs=3, batch_size=256, seed=2), 1e-4),
    # the plain net diverges; the BN net, at learning rate 10, amplifies rounding too
    (BatchNormConfig(activation="relu", weight_std=2.0, lr=10.0, depth=12, epochs=2), 2e-3),
], ids=["lesson-1-epoch", "relu", "sigmoid", "diverging"])
def test_stacked_run_is_the_classic_loop_in_float64(config, rtol):
    """In float64 the stacked engine and the one-net-at-a-time loop agree to 1e-4. The lesson's BN
    net amplifies rounding (its deep layers' batches barely vary and BN divides by that): one step
    in float64 differs by 2e-9, one epoch by 1.4e-6, and in float32 after 12 epochs the two end up to
    a factor of 3 apart (both far below the plain net: the truth tests below hold on either)."""
    _agree(_run_stack([config], torch.float64)[0], run_plain(config, torch.float64), rtol)


def test_plain_net_is_the_classic_loop_in_float32():
    a, b = run_batchnorm(BatchNormConfig(seed=1)), run_plain(BatchNormConfig(seed=1))
    np.testing.assert_allclose(a.test_loss["plain"], b.test_loss["plain"], rtol=1e-5)
    np.testing.assert_allclose(a.grad_norm["plain"], b.grad_norm["plain"], rtol=1e-3)  # vanishing: 1e-14
    got, want = a.hist["plain"]["act"], b.hist["plain"]["act"]
    assert np.abs(got - want).sum() <= 0.001 * want.sum()


def test_seeds_stacked_together_are_each_exactly_their_own_run():
    configs = [SMALL, *(BatchNormConfig(**{**SMALL.__dict__, "seed": s}) for s in (7, 900))]
    for config, got in zip(configs, run_batchnorms(configs)):
        alone = run_batchnorm(config)
        assert got.config == config and got.diverged_at == alone.diverged_at
        for net in NETS:
            for name in ("test_loss", "test_loss_train_mode", "saturation", "grad_norm", "predictions"):
                np.testing.assert_array_equal(getattr(got, name)[net], getattr(alone, name)[net])
            for stage in got.stages(net):
                np.testing.assert_array_equal(got.hist[net][stage], alone.hist[net][stage])
        np.testing.assert_array_equal(got.y_test, alone.y_test)
    with pytest.raises(ValueError):
        run_batchnorms([SMALL, BatchNormConfig(**{**SMALL.__dict__, "depth": 4})])


# --- truth: the lesson, over five seeds ------------------------------------------------------------

def test_bn_ends_at_least_twice_lower_in_four_of_five_seeds(lessons):
    ratios = [r.test_loss["plain"][-1] / r.test_loss["bn"][-1] for r in lessons]
    assert sum(ratio >= 2 for ratio in ratios) >= 4, ratios


def test_plain_deepest_layer_saturates_bn_far_less(lessons):
    plain = [r.saturation["plain"][-1, -1] for r in lessons]
    bn = [r.saturation["bn"][-1, -1] for r in lessons]
    assert all(p > 0.9 for p in plain), plain
    assert all(b < 0.5 and b < p / 3 for p, b in zip(plain, bn)), (plain, bn)


def test_plain_net_predicts_about_a_constant(lessons):
    """Its test MSE is about the variance of the targets: what the best constant achieves."""
    for r in lessons:
        assert r.test_loss["plain"][-1] >= 0.95 * np.var(r.y_test)


def test_gradient_vanishes_in_the_plain_nets_first_layer(lessons):
    for r in lessons:
        plain_last, bn_last = r.grad_norm["plain"][1, 0], r.grad_norm["bn"][1, 0]
        assert plain_last < 0.01 * bn_last and plain_last < 0.01 * r.grad_norm["plain"][0, 0]


def test_after_bn_stays_centred_with_unit_order_spread(lessons):
    """Centred: every layer's mean within one standard deviation of zero (the learned shift moves it
    a little; how far depends on the machine's float rounding), and a spread of order one."""
    for r in lessons:
        edges = r.edges["bn"]
        centres = (edges[:-1] + edges[1:]) / 2
        counts = r.hist["bn"]["bn"][1:]  # (epochs, depth, bins): from the first epoch on
        total = counts.sum(-1)
        mean = (counts * centres).sum(-1) / total
        sd = np.sqrt((counts * centres ** 2).sum(-1) / total - mean ** 2)
        assert (np.abs(mean) < sd).all() and sd.min() > 0.5 and sd.max() < 3.0
