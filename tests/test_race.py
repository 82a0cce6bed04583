"""Unit and truth tests of the optimizer race: codec, fast path vs the plain loop, divergence, surfaces."""

from __future__ import annotations

import altair as alt
import numpy as np
import pytest

from core.data import noisy_curve
from core.models import build_mlp
from core.race import (
    DEFAULT_RACERS,
    OPTIMIZERS,
    RaceConfig,
    decode_racers,
    encode_racers,
    leaderboard,
    make_optimizer,
    make_racer,
    run_race,
    steps_to_target,
    unique_labels,
)
from core.race.surfaces import SURFACES, SurfaceConfig, escape_score, run_surface
from core.seeding import generator_for
from core.training import train
from pages.race.charts import fits_chart, loss_chart, smooth, surface_chart

SEEDS5 = RaceConfig(seeds=5)


@pytest.fixture(scope="module")
def five_seeds():
    return run_race(SEEDS5)


# --- racers in the URL -------------------------------------------------------------------------

def test_codec_round_trip():
    racers = (*DEFAULT_RACERS, make_racer("sgd", 0.1), make_racer("adadelta"),
              make_racer("adamw", 0.003, 0.05))
    text = encode_racers(racers)
    assert text.startswith("sgd:0.01,momentum:0.01:0.8,rmsprop:0.01:0.9,adam:0.01:0.9,sgd:0.1,")
    assert decode_racers(text) == racers


@pytest.mark.parametrize("bad", ["", "foo:0.01", "sgd", "sgd:abc", "sgd:0", "sgd:11", "sgd:nan",
                                 "momentum:0.01:1.5", "momentum:0.01:-0.1", "adam:0.01:0.9:3",
                                 ",".join(["sgd:0.01"] * 11)])
def test_codec_rejects_bad_text(bad):
    with pytest.raises(ValueError):
        decode_racers(bad)


def test_same_optimizer_twice_gets_distinct_labels():
    labels = unique_labels((make_racer("sgd", 0.01), make_racer("sgd", 0.1), make_racer("sgd", 0.01)))
    assert len(set(labels)) == 3 and labels[2].endswith("#2")


# --- the fast path is the plain loop ------------------------------------------------------------

def _plain(config: RaceConfig, r: int, s: int):
    seed = config.seed_list[s]
    g = generator_for(seed, "init") if config.fair_start else generator_for(seed, "init", "racer", r)
    model = build_mlp(config.spec, g)
    x, y = noisy_curve(config.n_points, (-1.0, 1.0), "square", config.noise, seed)
    opt = make_optimizer(config.racers[r], list(model.parameters()))
    return train(model, x, y, opt, epochs=config.epochs, batch_size=config.batch_size,
                 g=generator_for(seed, "batches"))  # core.divergence's policy, as the race


@pytest.mark.parametrize("engine", ["fused", "autograd"])
def test_fast_path_equals_plain_loop(engine):
    racers = (*DEFAULT_RACERS, make_racer("nesterov"), make_racer("adamw"), make_racer("adadelta"),
              make_racer("sgd", 0.1))
    config = RaceConfig(racers=racers, seeds=2, seed=3, epochs=3)
    result = run_race(config, engine=engine)
    for r in range(len(racers)):
        for s in range(2):
            plain = np.array(_plain(config, r, s).losses)
            assert len(plain) == config.steps
            np.testing.assert_allclose(result.losses[r, s], plain, atol=1e-5, rtol=0)


def test_unfair_start_matches_plain_loop_and_differs_between_racers():
    config = RaceConfig(seeds=1, epochs=1, fair_start=False)
    result = run_race(config)
    np.testing.assert_allclose(result.losses[2, 0], _plain(config, 2, 0).losses, atol=1e-5, rtol=0)
    assert len({round(float(v), 6) for v in result.losses[:, 0, 0]}) == 4  # four different starts


def test_fair_start_same_weights_same_batches():
    result = run_race(RaceConfig(seeds=3, epochs=1))
    first = result.losses[:, :, 0]  # every racer's first loss: same weights, same batch
    assert np.allclose(first, first[0:1], atol=0)
    assert len(set(np.round(first[0], 6))) == 3  # but the seeds differ


def test_same_config_same_result():
    a, b = run_race(RaceConfig(seeds=2, epochs=1)), run_race(RaceConfig(seeds=2, epochs=1))
    np.testing.assert_array_equal(a.losses, b.losses)
    np.testing.assert_array_equal(a.predictions, b.predictions)


# --- divergence --------------------------------------------------------------------------------

def test_lr_10_diverges_and_the_others_go_on():
    wild = make_racer("sgd", 10.0)
    config = RaceConfig(racers=(*DEFAULT_RACERS, wild), seeds=2, epochs=2)
    result = run_race(config)
    calm = run_race(RaceConfig(racers=DEFAULT_RACERS, seeds=2, epochs=2))
    for s in range(2):
        d = result.diverged(4, s)
        assert d is not None and d < 10
        assert np.isnan(result.losses[4, s, d:]).all() and np.isfinite(result.losses[4, s, :d - 1]).all()
        plain = _plain(config, 4, s)
        assert plain.diverged_at == d
        assert np.isnan(result.predictions[4, s, -1]).all()
    assert all(d is None for row in result.diverged_at[:4] for d in row)
    assert [(v.variant, v.seeds, v.of) for v in result.divergences()] == [(result.labels[4], 2, 2)]
    np.testing.assert_allclose(result.losses[:4], calm.losses, atol=1e-6)  # untouched by the wild one
    board = leaderboard(result, len(result.snap_steps) - 1, 0.02)
    assert board[-1]["racer"] == result.labels[4] and board[-1]["diverged"] == 2
    chart = loss_chart(result, len(result.snap_steps) - 1, log_scale=False).to_dict()
    assert "✖" in str(chart)


# --- truth: the lesson's claims, 5 seeds, fair start, the defaults ------------------------------

def test_adam_and_momentum_beat_sgd_in_every_seed(five_seeds):
    final = five_seeds.full_losses[:, :, -1]  # (racer, seed): sgd, momentum, rmsprop, adam
    assert (final[1] < final[0]).all(), final
    assert (final[3] < final[0]).all(), final


def test_rmsprop_beats_sgd_in_most_seeds_and_on_average(five_seeds):
    final = five_seeds.full_losses[:, :, -1]
    assert (final[2] < final[0]).sum() >= 4, final
    assert final[2].mean() < final[0].mean()


def test_steps_to_target_and_leaderboard(five_seeds):
    reached = steps_to_target(five_seeds, 0.02)
    assert (reached[3] > 0).all()  # Adam reaches 0.02 on the whole training set in every seed
    board = leaderboard(five_seeds, len(five_seeds.snap_steps) - 1, 0.02)
    assert [row["rank"] for row in board] == [1, 2, 3, 4]
    assert board[-1]["racer"] == five_seeds.labels[0]  # plain SGD is last at the end
    assert board[0]["steps_to_target"] is not None


# --- loss surfaces -----------------------------------------------------------------------------

@pytest.mark.parametrize("surface", list(SURFACES))
def test_momentum_methods_end_closer_than_sgd_on_every_surface(surface):
    racers = (make_racer("sgd"), make_racer("momentum"), make_racer("nesterov"))
    for start in range(len(SURFACES[surface].starts)):
        result = run_surface(SurfaceConfig(racers, surface, start))
        assert result.diverged_at == [None] * 3
        if len(result.minima):
            d = result.distance_to_minimum()
            assert d[1] < d[0] and d[2] < d[0], (start, d)
        else:  # the saddle has no minimum: momentum escapes further downhill
            f = escape_score(result)
            assert f[1] < f[0] and f[2] < f[0], (start, f)


def test_surface_divergence_is_marked_and_others_go_on():
    result = run_surface(SurfaceConfig((make_racer("sgd", 10.0), make_racer("adam")), "rosenbrock"))
    assert result.diverged_at[0] is not None and result.diverged_at[1] is None
    assert [v.variant for v in result.divergences()] == [result.labels[0]]
    assert np.isnan(result.paths[0, -1]).all() and np.isfinite(result.paths[1]).all()
    assert "✖" in str(surface_chart(result, len(result.snap_steps) - 1).to_dict())


# --- charts ------------------------------------------------------------------------------------

def test_smooth_keeps_nan_and_matches_ema():
    v = np.array([[1.0, 3.0, np.nan, np.nan]])
    out = smooth(v, 0.5)
    assert out[0, 0] == 1.0 and out[0, 1] == 2.0 and np.isnan(out[0, 2:]).all()


def test_charts_build_for_every_frame_kind():
    result = run_race(RaceConfig(racers=(make_racer("adam"), make_racer("sgd")), seeds=2, epochs=1))
    for frame in (0, 1, len(result.snap_steps) - 1):
        for chart in (loss_chart(result, frame, smoothing=0.6), loss_chart(result, frame, log_scale=False),
                      fits_chart(result, frame)):
            assert isinstance(chart, alt.TopLevelMixin) and chart.to_dict()
    sres = run_surface(SurfaceConfig((make_racer("adam"),), "himmelblau", steps=16, snapshot_every=8))
    assert surface_chart(sres, 1).to_dict()


def test_every_optimizer_runs():
    racers = tuple(make_racer(code) for code in OPTIMIZERS)
    result = run_race(RaceConfig(racers=racers, epochs=1))
    assert np.isfinite(result.losses).all()
    assert result.full_losses[:, 0, -1].max() < result.full_losses[:, 0, 0].max() * 2


def test_what_to_look_for_claims_hold_over_five_seeds():
    """Each optimizer's 'look for' sentence on the page, at its default settings, over 5 seeds."""
    codes = [*OPTIMIZERS]
    result = run_race(RaceConfig(racers=(*(make_racer(c) for c in codes), make_racer("adamw", 0.01, 0.5)),
                                 seeds=5))
    snaps = list(result.snap_steps)

    def at(racer: str | int, step: int) -> np.ndarray:
        r = codes.index(racer) if isinstance(racer, str) else racer
        return result.full_losses[r, :, snaps.index(step)]

    end = result.steps
    others = [c for c in codes if c != "sgd"]
    assert all((at(c, end) < at("sgd", end)).all() for c in others)  # SGD last
    assert (np.abs(at("nesterov", end) / at("momentum", end) - 1) < 0.05).all()
    assert (at("rmsprop", 16) < at("adam", 16)).all() and (at("rmsprop", end) > at("adam", end)).sum() >= 4
    assert (np.abs(at("adamw", end) / at("adam", end) - 1) < 0.01).all()
    assert (at(len(codes), end) > at("adam", end)).all()  # AdamW with decay 0.5 ends higher
    assert (at("radam", 48) > at("adam", 48)).all()
    assert abs(at("radam", end).mean() / at("adam", end).mean() - 1) < 0.05
    assert (at("adamax", 48) > at("adam", 48)).all()
    assert (at("adagrad", 48) < at("adam", 48)).sum() >= 4
    assert (at("adagrad", end) > at("adam", end)).sum() >= 4
    assert (at("adadelta", 48) > at("adam", 48)).all()


def test_races_stacked_together_are_each_exactly_their_own_race():
    from core.runs import run_many

    configs = [RaceConfig(seed=s) for s in (5, 900, 17)] + [RaceConfig(seed=40, seeds=2)]
    together = run_many(configs)
    for config, got in zip(configs, together):
        alone = run_race(config)
        assert got.seeds == alone.seeds and got.diverged_at == alone.diverged_at
        for name in ("losses", "full_losses", "predictions", "data_x", "data_y", "grid_x", "snap_steps"):
            np.testing.assert_array_equal(getattr(got, name), getattr(alone, name), err_msg=name)
