"""Unit and truth tests of core.dropout: the batched engine equals the plain loop; the lesson holds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.dropout import DropoutConfig, run_dropout, run_seeds, summarise_spread
from core.dropout.reference import run_plain
from pages.dropout.charts import fit_chart, loss_chart, loss_frame, modes_chart, seeds_chart
from ui.i18n import catalogs

NAMES = {"overfit": "none", "dropout": "dropout", "l2": "L2"}
TEXT = {k: k for k in ("train_points", "test_points", "truth", "step", "train", "test", "iteration", "mse",
                       "loss_title", "mode_train", "mode_eval", "seeds_title", "seed", "mean", "test_mse")}
TRUTH_SEEDS = range(5)


@pytest.fixture(scope="module")
def default_run():
    return run_dropout(DropoutConfig())


@pytest.fixture(scope="module")
def spread():
    """The defaults over several seeds (all nets of all seeds trained as one stack)."""
    return run_seeds(DropoutConfig(), TRUTH_SEEDS)


def test_defaults_reproduce_the_lesson():
    c = DropoutConfig()
    assert (c.n_points, c.noise, c.dropout, c.lr, c.iterations) == (20, 0.3, 0.5, 0.01, 500)
    assert c.spec("overfit").widths == (1, 300, 300, 1) and c.spec("overfit").dropout == 0
    assert c.spec("dropout").widths == (1, 300, 300, 1) and c.spec("dropout").dropout == 0.5
    assert c.spec("overfit").activation == "relu"
    assert c.nets == ("overfit", "dropout")
    assert DropoutConfig(weight_decay=0.01).nets == ("overfit", "dropout", "l2")


def test_result_shapes_and_same_start(default_run):
    r = default_run
    k, t = len(r.nets), r.config.iterations
    assert r.train_mse.shape == r.test_mse.shape == r.step_loss.shape == (k, t)
    assert np.isfinite(r.test_mse).all() and np.isfinite(r.train_mse).all()
    assert r.frame_steps[0] == 0 and r.frame_steps[-1] == t
    assert r.frame_curves.shape == (len(r.frame_steps), k, len(r.grid))
    np.testing.assert_array_equal(r.frame_curves[0, 0], r.frame_curves[0, 1])  # same initial weights
    assert not np.allclose(r.frame_curves[-1, 0], r.frame_curves[-1, 1])
    np.testing.assert_array_equal(r.x_train, r.x_test)
    assert not np.allclose(r.y_train, r.y_test)  # fresh noise on the test points
    assert list(r.table()["net"]) == ["overfit", "dropout"]


@pytest.mark.parametrize("engine", ["fused", "autograd"])
@pytest.mark.parametrize("weight_decay", [0.0, 0.01])
def test_batched_engine_equals_the_plain_loop(weight_decay, engine):
    """Every net, every recorded number: the one-stack engine takes the same steps as one net at a time."""
    config = DropoutConfig(iterations=40, width=100, frames=4, weight_decay=weight_decay, mc_passes=0, seed=3)
    fast = run_dropout(config, engine=engine)
    for k, net in enumerate(fast.nets):
        plain = run_plain(config, net)
        for key in ("train_mse", "test_mse", "step_loss"):
            np.testing.assert_allclose(getattr(fast, key)[k], plain[key], rtol=1e-4, atol=1e-6,
                                       err_msg=f"{net} {key}")
        np.testing.assert_allclose(fast.frame_curves[:, k], plain["frame_curves"], atol=1e-5)


def test_dropout_net_matches_the_plain_loop_over_a_full_run():
    """The dropout net's masks come from the same generator in the same order as core.models.Dropout.

    (The unregularised net also matches for the first ~100 steps; later, float rounding differences
    between batched and single matrix products are amplified by memorisation, as in any two
    mathematically equal implementations.)"""
    config = DropoutConfig(width=64, iterations=200, frames=3, mc_passes=0, seed=1)
    fast = run_dropout(config)
    plain = run_plain(config, "dropout")
    np.testing.assert_allclose(fast.test_mse[1], plain["test_mse"], rtol=1e-3, atol=1e-5)
    np.testing.assert_allclose(fast.frame_curves[:, 1], plain["frame_curves"], atol=1e-3)


def test_deterministic_per_seed():
    config = DropoutConfig(iterations=30, mc_passes=20)
    a, b = run_dropout(config), run_dropout(config)
    for key in ("train_mse", "test_mse", "frame_curves", "mc_lo", "mc_hi", "train_mode_curves"):
        np.testing.assert_array_equal(getattr(a, key), getattr(b, key))
    c = run_dropout(DropoutConfig(iterations=30, mc_passes=20, seed=1))
    assert not np.allclose(a.y_train, c.y_train) and not np.allclose(a.test_mse, c.test_mse)


def test_rate_zero_makes_the_nets_identical():
    r = run_dropout(DropoutConfig(dropout=0.0, iterations=30))
    np.testing.assert_array_equal(r.test_mse[0], r.test_mse[1])
    assert r.mc_lo is None and r.train_mode_curves is None


def test_run_seeds_matches_single_runs():
    config = DropoutConfig(iterations=40, width=100)
    spread = run_seeds(config, [2, 5])
    for seed in (2, 5):
        single = run_dropout(DropoutConfig(iterations=40, width=100, seed=seed, mc_passes=0))
        rows = spread[spread["seed"] == seed].set_index("net")
        for k, net in enumerate(single.nets):
            assert rows.loc[net, "test_mse"] == pytest.approx(single.test_mse[k, -1], rel=1e-4)
            assert rows.loc[net, "train_mse"] == pytest.approx(single.train_mse[k, -1], rel=1e-4)


@pytest.mark.parametrize("lr", [10.0, 1.0])
def test_a_huge_learning_rate_diverges_as_a_result_not_an_exception(lr):
    r = run_dropout(DropoutConfig(lr=lr))
    assert all(step is not None for step in r.diverged_at)
    assert [d.variant for d in r.divergences()] == list(r.nets)
    assert np.isnan(r.test_mse[:, -1]).all()
    assert r.mc_lo is None
    for net in r.nets:  # charts still build: the initial curve and whatever was finite
        fit_chart(r, net, len(r.frame_steps) - 1, NAMES, TEXT).to_dict()
    loss_chart(r, len(r.frame_steps) - 1, NAMES, TEXT).to_dict()
    assert np.isfinite(loss_frame(r, NAMES, TEXT)["mse"]).all()


def test_zero_noise_and_extremes_run():
    r = run_dropout(DropoutConfig(noise=0.0, iterations=50, n_points=5, depth=4, width=10, dropout=0.9))
    assert np.isfinite(r.test_mse).all()
    assert (loss_frame(r, NAMES, TEXT)["mse"] > 0).all()  # floored for the log scale


# --- the lesson's claims, over several seeds -------------------------------------------------------

def test_truth_dropout_generalises_better_on_average(spread):
    s = summarise_spread(spread)
    assert s.seeds == len(TRUTH_SEEDS) >= 5
    assert s.mean_test["dropout"] < s.mean_test["overfit"], s
    assert s.mean_train["overfit"] < s.mean_train["dropout"], s  # it memorises
    assert s.dropout_test_wins > s.seeds / 2, s


def test_truth_gap_is_larger_without_dropout(spread):
    gap = (spread["test_mse"] - spread["train_mse"]).groupby(spread["net"]).mean()
    assert gap["overfit"] > 1.5 * gap["dropout"], gap


def test_truth_single_seeds_can_go_either_way(spread):
    """The page says so: over the defaults' first seeds, at least one seed favours the unregularised net."""
    s = summarise_spread(spread)
    assert s.dropout_test_wins < s.seeds


def test_truth_mc_band_wider_beyond_the_data_and_eval_curve_near_its_mean(default_run):
    """The page's two sentences on the band and on eval mode, checked over three seeds."""
    for seed in range(3):
        r = default_run if seed == 0 else run_dropout(DropoutConfig(seed=seed, frames=1))
        width = r.mc_hi - r.mc_lo
        assert (width >= 0).all() and width.mean() > 0.05
        assert width[np.abs(r.grid) > 1].mean() > width[np.abs(r.grid) < 0.5].mean()
        eval_curve = r.frame_curves[-1, 1]
        passes_off = np.abs(r.train_mode_curves - eval_curve).mean()
        assert np.abs(r.mc_mean - eval_curve).mean() < 0.5 * passes_off  # eval ≈ average of thinned nets
        assert not np.allclose(r.train_mode_curves[0], r.train_mode_curves[1])  # train mode is random


# --- charts and texts --------------------------------------------------------------------------

def test_charts_build(default_run, spread):
    r = default_run
    last = len(r.frame_steps) - 1
    spec = fit_chart(r, "dropout", last, NAMES, TEXT).to_dict()
    assert "layer" in spec
    titled = fit_chart(r, "dropout", last, NAMES, {**TEXT, "step": "第 {step} 步"}).to_dict()
    assert titled["title"].endswith("· 第 500 步")  # the step number inside the phrase, in any language
    df = loss_frame(r, NAMES, TEXT)
    assert set(df["split"]) == {"train", "test"} and set(df["net"]) == {"none", "dropout"}
    loss_chart(r, 0, NAMES, TEXT).to_dict()
    for mode in ("eval", "train"):
        for band in (True, False):
            modes_chart(r, mode, band, NAMES, TEXT).to_dict()
    seeds_chart(spread, NAMES, TEXT).to_dict()


def test_locale_en_and_zh_match():
    from string import Formatter

    en = {k: v for k, v in catalogs()["en"].items() if k.startswith("dropout.")}
    zh = {k: v for k, v in catalogs()["zh"].items() if k.startswith("dropout.")}
    assert en.keys() == zh.keys()
    for key in en:
        fields = {f for _, f, _, _ in Formatter().parse(en[key]) if f}
        assert fields == {f for _, f, _, _ in Formatter().parse(zh[key]) if f}, key


def test_a_net_does_not_depend_on_which_contenders_are_on():
    """Switching the L2 contender on must not move the other nets' numbers (not even by rounding)."""
    base = DropoutConfig(iterations=150, width=100)
    with_l2 = DropoutConfig(iterations=150, width=100, weight_decay=0.01)
    a, b = run_seeds(base, [0, 1, 2]), run_seeds(with_l2, [0, 1, 2])
    pd.testing.assert_frame_equal(a, b[b["net"] != "l2"].reset_index(drop=True))
    ra, rb = run_dropout(base), run_dropout(with_l2)
    np.testing.assert_array_equal(ra.test_mse, rb.test_mse[:2])
