"""Unit and truth tests of core.dropout: the batched engine equals the plain loop; the lesson holds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.dropout import (
    AUTO_SPREAD_COST,
    DropoutConfig,
    SpreadConfig,
    SpreadResult,
    nets_identical,
    run_cost,
    run_dropout,
    run_seeds,
    spread_waits_for_click,
    summarise_spread,
)
from core.dropout.reference import run_plain
from core.runs import run
from pages.dropout.charts import Labels, fit_chart, loss_chart, loss_frame, modes_chart, seeds_chart
from ui.i18n import catalogs

LABELS = Labels(net_overfit="none", net_dropout="dropout", net_l2="L2")
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
    assert DropoutConfig(l2=True).nets == ("overfit", "dropout", "l2")
    assert DropoutConfig(l2=True).decay("l2") == 0.01 and DropoutConfig().decay("l2") == 0.0


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
@pytest.mark.parametrize("l2", [False, True])
def test_batched_engine_equals_the_plain_loop(l2, engine):
    """Every net, every recorded number: the one-stack engine takes the same steps as one net at a time."""
    config = DropoutConfig(iterations=40, width=100, frames=4, l2=l2, mc_passes=0, seed=3)
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
        fit_chart(r, len(r.frame_steps) - 1, LABELS, net=net).to_dict()
    loss_chart(r, len(r.frame_steps) - 1, LABELS).to_dict()
    assert np.isfinite(loss_frame(r, LABELS)["mse"]).all()


def test_zero_noise_and_extremes_run():
    r = run_dropout(DropoutConfig(noise=0.0, iterations=50, n_points=5, depth=4, width=10, dropout=0.9))
    assert np.isfinite(r.test_mse).all()
    assert (loss_frame(r, LABELS)["mse"] > 0).all()  # floored for the log scale


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
    spec = fit_chart(r, last, LABELS, net="dropout").to_dict()
    assert "layer" in spec
    titled = fit_chart(r, last, Labels(step="第 {step} 步"), net="dropout").to_dict()
    assert titled["title"].endswith("· 第 500 步")  # the step number inside the phrase, in any language
    df = loss_frame(r, LABELS)
    assert set(df["split"]) == {"train", "test"} and set(df["net"]) == {"none", "dropout"}
    loss_chart(r, 0, LABELS).to_dict()
    for mode in ("eval", "train"):
        for band in (True, False):
            modes_chart(r, LABELS, mode=mode, band=band).to_dict()
    seeds_chart(SpreadResult(SpreadConfig(seeds=len(TRUTH_SEEDS)), spread), LABELS).to_dict()


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
    with_l2 = DropoutConfig(iterations=150, width=100, l2=True)
    a, b = run_seeds(base, [0, 1, 2]), run_seeds(with_l2, [0, 1, 2])
    pd.testing.assert_frame_equal(a, b[b["net"] != "l2"].reset_index(drop=True))
    ra, rb = run_dropout(base), run_dropout(with_l2)
    np.testing.assert_array_equal(ra.test_mse, rb.test_mse[:2])


# --- what the page states, as functions of core ----------------------------------------------------

def _scores(test_overfit: list[float], test_dropout: list[float]) -> pd.DataFrame:
    nets = (("overfit", test_overfit), ("dropout", test_dropout))
    rows = [{"seed": s, "net": net, "train_mse": 0.1 if net == "overfit" else 0.2, "test_mse": v}
            for net, values in nets for s, v in enumerate(values)]
    return pd.DataFrame(rows)


def test_spread_verdict_says_which_message_the_page_shows():
    spread = SpreadConfig(DropoutConfig(seed=7), seeds=3)
    assert spread.seed_list == (7, 8, 9)
    result = SpreadResult(spread, _scores([0.5, 0.4, 0.3], [0.2, 0.5, 0.1]))
    assert result.verdict() == "summary"
    s = result.summary()
    assert (s.seeds, s.dropout_test_wins, s.overfit_train_wins) == (3, 2, 3)
    every_seed_diverged = SpreadResult(spread, _scores([0.5, 0.4, 0.3], [float("nan")] * 3))
    assert every_seed_diverged.verdict() == "diverged"
    rate_zero = SpreadResult(SpreadConfig(DropoutConfig(dropout=0.0), seeds=3), _scores([0.5] * 3, [0.5] * 3))
    assert rate_zero.verdict() is None  # the nets are one: nothing to claim


def test_nets_identical_only_at_rate_zero():
    assert nets_identical(DropoutConfig(dropout=0.0))
    assert not nets_identical(DropoutConfig()) and not nets_identical(DropoutConfig(dropout=0.05))


def test_spread_cost_model():
    """The defaults' five seeds start on their own; a five-times-heavier run over ten seeds waits."""
    assert not spread_waits_for_click(SpreadConfig())
    assert not spread_waits_for_click(SpreadConfig(seeds=7))
    assert spread_waits_for_click(SpreadConfig(DropoutConfig(n_points=100, iterations=100), seeds=10))
    assert spread_waits_for_click(SpreadConfig(DropoutConfig(iterations=1000), seeds=5))
    assert run_cost(DropoutConfig(l2=True)) == pytest.approx(1.5 * run_cost(DropoutConfig()))  # a third net
    assert AUTO_SPREAD_COST / run_cost(DropoutConfig()) == pytest.approx(7.5)


def test_runs_dispatch_and_divergences():
    small = DropoutConfig(iterations=20, width=20, mc_passes=0)
    spread = run(SpreadConfig(small, seeds=3))
    assert isinstance(spread, SpreadResult) and sorted(set(spread.scores["seed"])) == [0, 1, 2]
    pd.testing.assert_frame_equal(spread.scores, run_seeds(small, [0, 1, 2]))
    assert run(small).divergences() == []
    blown = run(DropoutConfig(lr=10.0, iterations=20, width=20, mc_passes=0))
    assert [d.variant for d in blown.divergences()] == list(blown.nets)
    assert all(d.of == 1 and d.seeds == 1 for d in blown.divergences())
