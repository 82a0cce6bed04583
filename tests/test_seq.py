"""Unit and truth tests of core.seq: the stacked cells are PyTorch's, the run reproduces the tutorial's
loop, bad settings give results, and the lesson's effects hold over several seeds."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.runs import run
from core.seeding import generator_for
from core.seq import (
    KINDS,
    VARIANTS,
    SeqConfig,
    SeqSpreadConfig,
    SeqSpreadResult,
    run_scores,
    run_seq,
    spread_waits_for_click,
    variant,
)
from core.seq.cells import CellStack, init_modules
from core.seq.data import signal, window_times
from core.seq.reference import run_plain

TRUTH_SEEDS = range(5)


@pytest.fixture(scope="module")
def default_run():
    return run_seq(SeqConfig())


@pytest.fixture(scope="module")
def spread_100():
    """The lesson's own 100 windows on 10 seeds (every variant of every seed in one stack)."""
    return run_scores(SeqConfig(), range(10))


@pytest.fixture(scope="module")
def spread_300():
    """The issue's measurement: 300 windows, 10 seeds."""
    return run_scores(SeqConfig(windows=300), range(10))


def _summary(spread: SeqSpreadResult) -> dict:
    return {s.kind: s for s in spread.summary()}


# --- the setup ---------------------------------------------------------------------------------------

def test_defaults_reproduce_the_tutorial():
    c = SeqConfig()
    assert (c.task, c.window_pi, c.steps, c.hidden, c.lr, c.windows) == ("sin_cos", 1.0, 10, 32, 0.02, 100)
    t = window_times(0, 3, c.length, c.steps)
    tutorial = np.linspace(2 * np.pi, 3 * np.pi, 10, dtype=np.float32, endpoint=False)  # its third window
    np.testing.assert_array_equal(t[2], tutorial)
    x, y = signal("sin_cos", t, 1.0, 0.0, c.dt, 0, "train")
    np.testing.assert_array_equal(x, np.sin(t))
    np.testing.assert_array_equal(y, np.cos(t))
    assert VARIANTS == ("rnn_carry", "rnn_reset", "lstm_carry", "lstm_reset", "gru_carry", "gru_reset")


def test_bad_configs_are_refused():
    for bad in ({"task": "tides"}, {"steps": 0}, {"window_pi": 0.0}, {"windows": 0}):
        with pytest.raises(ValueError):
            SeqConfig(**bad)


@pytest.mark.parametrize("kind", KINDS)
def test_stacked_cells_are_pytorchs_modules(kind):
    """Forward and gradients of a stacked member equal nn.RNN / nn.LSTM / nn.GRU + Linear."""
    modules = [init_modules(kind, 16, generator_for(s, "c", kind), generator_for(s, "o")) for s in (0, 1)]
    stack = CellStack.from_modules(kind, modules)
    x = torch.randn(2, 7, 1, generator=generator_for(3, "x"))
    state = tuple(torch.randn(2, 1, 16, generator=generator_for(4, "h", i)) * 0.5
                  for i in range(2 if kind == "lstm" else 1))
    pred, after, hidden = stack.window(x, state)
    pred.sum().backward()
    for m, (cell, out) in enumerate(modules):
        hx = tuple(s[m:m + 1].transpose(0, 1).contiguous() for s in state)
        r_out, h_n = cell(x[m:m + 1], hx if kind == "lstm" else hx[0])
        ref = out(r_out)
        ref.sum().backward()
        torch.testing.assert_close(hidden[m:m + 1], r_out, rtol=1e-6, atol=1e-6)
        torch.testing.assert_close(pred[m:m + 1], ref, rtol=1e-6, atol=1e-6)
        torch.testing.assert_close(after[0][m], (h_n[0] if kind == "lstm" else h_n)[0], rtol=1e-6, atol=1e-6)
        torch.testing.assert_close(stack.w_hh.grad[m], cell.weight_hh_l0.grad, rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(stack.w_out.grad[m], out.weight.grad, rtol=1e-5, atol=1e-6)


# --- the reference check: the tutorial's plain loop -------------------------------------------------

@pytest.mark.parametrize("seed", [1, 2])
def test_carried_rnn_reproduces_the_tutorial_loop(seed):
    """nn.RNN(1, 32) + Linear(32, 1), Adam 0.02, `h_state = h_state.data`, 100 windows: every
    window's loss to 1e-5 and prediction to 1e-4. The hidden state's products are bitwise the
    module's; the read-out and the backward pass differ by a rounding now and then."""
    config = SeqConfig(seed=seed)
    fast = run_seq(config)
    plain = run_plain(config, "rnn", carry=True)
    np.testing.assert_allclose(fast.loss[0], plain["loss"], atol=1e-5, rtol=0)
    np.testing.assert_allclose(fast.pred[0], plain["pred"], atol=1e-4, rtol=0)


def test_every_variant_follows_its_plain_loop(default_run):
    """On seed 0 too, all six: the first 30 windows to 1e-4, the score to 1e-3 relative. (Seed 0's
    RNN and LSTM pass a sharp turn around window 35 that magnifies roundings to a few 1e-5 in the
    loss; the curves then meet again.)"""
    for k, code in enumerate(VARIANTS):
        kind, mode = code.split("_")
        plain = run_plain(SeqConfig(), kind, carry=mode == "carry")
        np.testing.assert_allclose(default_run.loss[k, :30], plain["loss"][:30], atol=1e-4, err_msg=code)
        assert default_run.tail_mse()[k] == pytest.approx(plain["loss"][-50:].mean(), rel=1e-3), code


def test_noisy_task_matches_the_plain_loop_too():
    config = SeqConfig(task="noisy_next", windows=40, seed=3)
    fast = run_seq(config)
    plain = run_plain(config, "gru", carry=True)
    np.testing.assert_allclose(fast.loss[VARIANTS.index("gru_carry")], plain["loss"], atol=1e-5)


# --- the result ----------------------------------------------------------------------------------

def test_result_shapes_and_fair_start(default_run):
    r, c = default_run, SeqConfig()
    v, w, t = len(VARIANTS), c.windows, c.steps
    assert r.loss.shape == (v, w) and r.pred.shape == (v, w, t) and r.hidden.shape == (v, w, t, 32)
    assert np.isfinite(r.loss).all() and r.divergences() == []
    assert r.frame_windows[0] >= 1 and r.frame_windows[-1] == w
    assert r.test_pred.shape == r.freq_pred.shape == (v, c.test_windows * t)
    for kind in KINDS:  # carried and reset start from the same weights: the first window is the same
        a, b = VARIANTS.index(variant(kind, "carry")), VARIANTS.index(variant(kind, "reset"))
        np.testing.assert_array_equal(r.pred[a, 0], r.pred[b, 0])
        assert not np.allclose(r.pred[a, 1], r.pred[b, 1])
    assert r.reach.shape == (3, 2, c.bptt_windows)
    assert list(r.table()["variant"]) == list(VARIANTS)


def test_deterministic_per_seed():
    config = SeqConfig(windows=20, task="noisy_next")
    a, b = run_seq(config), run_seq(config)
    for key in ("loss", "pred", "hidden", "test_pred", "freq_pred", "reach", "x"):
        np.testing.assert_array_equal(getattr(a, key), getattr(b, key))
    c = run_seq(SeqConfig(windows=20, task="noisy_next", seed=1))
    assert not np.allclose(a.x, c.x) and not np.allclose(a.loss, c.loss)


def test_scores_over_seeds_match_single_runs():
    config = SeqConfig(windows=30)
    spread = run_scores(config, [2, 5])
    for seed in (2, 5):
        single = run_seq(SeqConfig(windows=30, seed=seed))
        rows = spread.scores[spread.scores["seed"] == seed].set_index("variant")
        for k, code in enumerate(VARIANTS):
            assert rows.loc[code, "score"] == pytest.approx(single.tail_mse()[k], rel=1e-5), code


@pytest.mark.parametrize("lr", [50.0, 5.0])
def test_a_huge_learning_rate_is_reported_per_variant_not_raised(lr):
    r = run_seq(SeqConfig(lr=lr, windows=60))
    found = {d.variant for d in r.divergences()}
    assert found, "nothing diverged"
    for k, code in enumerate(VARIANTS):
        at = r.diverged_at[k]
        if at is not None:
            assert code in found and np.isnan(r.loss[k, at - 1:]).all()
            assert np.isfinite(r.loss[k, :at - 1]).all()


def test_extremes_run():
    for config in (SeqConfig(windows=10, steps=2, hidden=2, window_pi=0.25, bptt_windows=20),
                   SeqConfig(windows=10, steps=50, hidden=128, window_pi=4.0, test_windows=1)):
        r = run_seq(config)
        assert np.isfinite(r.loss).all()
        assert r.reach.shape[2] == min(config.bptt_windows, config.windows)


def test_runs_dispatch_and_spread_cost():
    small = SeqConfig(windows=10)
    assert run(small).loss.shape == (6, 10)
    spread = run(SeqSpreadConfig(small, seeds=3))
    assert isinstance(spread, SeqSpreadResult) and sorted(set(spread.scores["seed"])) == [0, 1, 2]
    assert spread.config.seed_list == (0, 1, 2)
    assert not spread_waits_for_click(SeqSpreadConfig())
    assert spread_waits_for_click(SeqSpreadConfig(SeqConfig(windows=300, hidden=128, steps=50), seeds=10))


# --- the lesson's claims, over several seeds -------------------------------------------------------

def test_truth_carrying_wins_at_the_lessons_100_windows(spread_100):
    """At 100 windows, seeds 0-9: the carried variant's score (mean MSE over the last 50 windows)
    is lower than the reset one's on every seed for every cell; by at least half on 9 of 10 seeds
    for the RNN (seed 1: 0.106 vs 0.106) and 10 of 10 for the LSTM and GRU. On the page's own five
    seeds (0-4): 4 of 5, 5 of 5, 5 of 5."""
    s = _summary(spread_100)
    assert {k: s[k].lower for k in KINDS} == {"rnn": 10, "lstm": 10, "gru": 10}
    assert {k: s[k].wins for k in KINDS} == {"rnn": 9, "lstm": 10, "gru": 10}
    five = _summary(SeqSpreadResult(spread_100.config, spread_100.scores[spread_100.scores["seed"] < 5], []))
    assert {k: five[k].wins for k in KINDS} == {"rnn": 4, "lstm": 5, "gru": 5}
    assert five["rnn"].holds == "most" and five["lstm"].holds == five["gru"].holds == "all"
    for kind in KINDS:
        assert s[kind].carried < 0.25 * s[kind].reset, s[kind]


def test_truth_a_reset_state_cannot_beat_the_first_step(spread_100, spread_300):
    """Reset to zero, each window's first input is sin(kπ) = 0 while its target cos(kπ) is +1 or -1:
    one step in ten is a coin toss, so the reset score stays near 0.1 (the issue: 0.101)."""
    for spread in (spread_100, spread_300):
        reset = spread.scores[spread.scores["mode"] == "reset"]["score"]
        assert (reset > 0.099).all() and (reset < 0.16).all()


def test_truth_the_issues_300_windows(spread_300):
    """The issue's table at 300 windows, 10 seeds: carried RNN 0.022, LSTM 0.0017, GRU 0.008 against
    0.101 reset; carrying wins on 9, 10, 10 of 10. Measured here: carried 0.012, 0.0001, 0.0001,
    lower on 10 of 10 each; by at least half on 9 of 10 for the RNN (seed 2: 0.094 vs 0.101)."""
    s = _summary(spread_300)
    assert {k: s[k].lower for k in KINDS} == {"rnn": 10, "lstm": 10, "gru": 10}
    assert {k: s[k].wins for k in KINDS} == {"rnn": 9, "lstm": 10, "gru": 10}
    assert s["rnn"].carried < 0.03 and s["lstm"].carried < 0.002 and s["gru"].carried < 0.008
    for kind in KINDS:
        assert 0.099 < s[kind].reset < 0.11


def test_truth_after_training_tests():
    """Seeds 0-4: on the six windows after training, every carried net's MSE is below 0.03 and below
    its reset twin's; at twice the frequency every carried net does at least five times worse than
    on that stretch (none has learnt a frequency it never saw)."""
    for seed in TRUTH_SEEDS:
        r = run_seq(SeqConfig(seed=seed, frames=1))
        test, freq = r.test_mse(), r.freq_mse()
        for kind in KINDS:
            a, b = VARIANTS.index(variant(kind, "carry")), VARIANTS.index(variant(kind, "reset"))
            assert test[a] < 0.03 and test[a] < test[b], (seed, kind)
            assert freq[a] > 5 * test[a], (seed, kind)


def test_truth_truncated_backpropagation(default_run):
    """Detached, the last window's gradient stops at its own window (exactly 0 before it); kept, it
    reaches at least one window back for every cell, seeds 0-4."""
    for seed in TRUTH_SEEDS:
        r = default_run if seed == 0 else run_seq(SeqConfig(seed=seed, frames=1))
        assert (r.reach[:, :, 0] == 1).all()
        assert (r.reach[:, 0, 1:] == 0).all()
        assert (r.reach_windows()[:, 0] == 0).all() and (r.reach_windows()[:, 1] >= 1).all()


def test_truth_noisy_task_carrying_helps_on_average():
    """Noisy next value, seeds 0-4: carried is lower on average for every cell, and for the LSTM
    and GRU on every seed (the RNN's single seeds go either way)."""
    s = _summary(run_scores(SeqConfig(task="noisy_next"), TRUTH_SEEDS))
    for kind in KINDS:
        assert s[kind].carried < s[kind].reset, s[kind]
    assert s["lstm"].lower == s["gru"].lower == 5


# --- charts and texts --------------------------------------------------------------------------------

def test_charts_build(default_run):
    from pages.seq.charts import (
        Labels,
        heat_chart,
        loss_chart,
        reach_chart,
        scroll_chart,
        seeds_chart,
        stretch_chart,
    )

    r, labels = default_run, Labels()
    for frame in (0, len(r.frame_windows) - 1):
        for code in VARIANTS:
            scroll_chart(r, frame, labels, code=code).to_dict()
            heat_chart(r, frame, labels, code=code).to_dict()
        loss_chart(r, frame, labels).to_dict()
        loss_chart(r, frame, labels, shown=("gru_reset",)).to_dict()
    for kind in KINDS:
        for test in ("test", "freq"):
            stretch_chart(r, labels, kind=kind, test=test).to_dict()
    reach_chart(r, labels).to_dict()
    seeds_chart(run_scores(SeqConfig(windows=10), range(3)), labels).to_dict()
    blown = run_seq(SeqConfig(lr=50.0, windows=20))  # NaNs: the charts still build
    scroll_chart(blown, len(blown.frame_windows) - 1, labels, code="rnn_carry").to_dict()
    heat_chart(blown, len(blown.frame_windows) - 1, labels, code="rnn_carry").to_dict()
    loss_chart(blown, len(blown.frame_windows) - 1, labels).to_dict()
    reach_chart(blown, labels).to_dict()


def test_locale_en_and_zh_match():
    from string import Formatter

    from ui.i18n import catalogs

    en = {k: v for k, v in catalogs()["en"].items() if k.startswith("seq.")}
    zh = {k: v for k, v in catalogs()["zh"].items() if k.startswith("seq.")}
    assert en.keys() == zh.keys()
    for key in en:
        fields = {f for _, f, _, _ in Formatter().parse(en[key]) if f}
        assert fields == {f for _, f, _, _ in Formatter().parse(zh[key]) if f}, key
