"""Unit and truth tests of the fit lesson (core.fit, core.fit.data, core.fit.presets): data, the
network, the run against the tutorial's plain loop, frames, metrics, saving and loading, and every
preset's stated effect over five seeds."""

from __future__ import annotations

import dataclasses
import io
import math

import numpy as np
import pytest
import torch
from torch import nn

from core.divergence import Divergence
from core.fit import (
    DATASETS,
    FEATURES,
    MAX_NET_BYTES,
    FitConfig,
    NetSpec,
    build_net,
    confusion,
    inputs_of,
    load_net,
    make_data,
    run_fit,
    save_net,
    smoothness,
    view,
    with_loaded,
)
from core.fit.data import CLASSIFICATION, REGRESSION, applicable, featurize, make_points, task
from core.fit.presets import BY_NAME, PRESETS, preset_of
from core.weights import WeightsError, save_weights

SEEDS = range(5)
BLOBS = FitConfig(dataset="blobs", n_points=80, noise=0.5, epochs=15, a_units=4, b_layers=2, b_units=3,
                  a_lr=0.05, b_optimizer="adam", b_lr=0.02)
PLANE = FitConfig(dataset="plane", n_points=60, epochs=5, a_features=FEATURES, a_optimizer="adam", a_lr=0.01,
                  b_layers=0, b_lr=0.01)


@pytest.fixture(scope="module")
def preset_runs():
    """`runs_of(name)`: the preset's five seeds, each computed once for the module."""
    cache: dict[str, list] = {}

    def runs_of(name: str) -> list:
        if name not in cache:
            cache[name] = [run_fit(dataclasses.replace(BY_NAME[name].config, seed=s)) for s in SEEDS]
        return cache[name]
    return runs_of


@pytest.fixture(scope="module")
def lesson(preset_runs):
    """The default config (the regression tutorial) on seed 0: the "lesson" preset's first run."""
    result = preset_runs("lesson")[0]
    assert result.config == FitConfig()
    return result


@pytest.fixture(scope="module")
def blobs():
    return run_fit(BLOBS)


@pytest.fixture(scope="module")
def plane():
    result = run_fit(PLANE)
    assert not result.divergences()
    return result


# --- data --------------------------------------------------------------------------------------

def test_points_are_deterministic_per_seed_and_stream():
    x, y = make_points("spiral", 50, 0.1, 3, "train")
    x2, y2 = make_points("spiral", 50, 0.1, 3, "train")
    assert torch.equal(x, x2) and torch.equal(y, y2)
    xt, _ = make_points("spiral", 50, 0.1, 3, "test")
    xs, _ = make_points("spiral", 50, 0.1, 4, "train")
    assert not torch.allclose(x, xt) and not torch.allclose(x, xs)
    xc, yc = make_points("curve", 50, 0.2, 0, "train")
    xct, yct = make_points("curve", 50, 0.2, 0, "test")
    assert not torch.allclose(xc, xct) and not torch.allclose(yc, yct)


@pytest.mark.parametrize("dataset", DATASETS)
def test_every_dataset_gives_points_and_targets_of_its_task(dataset):
    x, y = make_points(dataset, 200, 0.1, 0)
    assert x.shape == (200, 2) and x.dtype == torch.float32 and y.shape == (200,)
    assert torch.isfinite(x).all()
    if task(dataset) == REGRESSION:
        assert y.is_floating_point() and torch.isfinite(y).all() and y.std() > 0
    else:
        assert y.dtype == torch.int64 and set(y.tolist()) == {0, 1}


def test_unknown_dataset_is_refused():
    with pytest.raises(ValueError, match="unknown dataset"):
        task("moons")
    with pytest.raises(ValueError, match="unknown dataset"):
        make_points("moons", 10, 0.1, 0)


def test_curve_train_stream_is_the_regression_tutorial():
    x, y = make_points("curve", 100, 0.2, 7, "train")
    assert torch.equal(x[:, 0], torch.linspace(-1, 1, 100)) and torch.equal(x[:, 1], torch.zeros(100))
    residual = y - x[:, 0] ** 2
    assert residual.min() >= 0 and residual.max() < 0.2 and residual.std() > 0.03
    data = make_data(FitConfig())
    assert len(data.x_train) == 100 and len(data.x_test) == 100
    assert torch.equal(data.x_train[:, 0], torch.linspace(-1, 1, 100))


def test_blobs_are_the_classification_tutorials():
    x, y = make_points("blobs", 4000, 0.2, 0)
    for label, centre in ((0, 2.0), (1, -2.0)):
        points = x[y == label]
        assert len(points) == 2000
        assert torch.allclose(points.mean(0), torch.tensor([centre, centre]), atol=0.1)
        assert torch.allclose(points.std(0), torch.ones(2), atol=0.06)


def test_applicable_keeps_feature_order_and_drops_x2_on_the_curve():
    assert applicable("curve", FEATURES) == ("x1", "x1sq", "sinx1")
    assert applicable("circle", ("x2sq", "x1", "x2")) == ("x1", "x2", "x2sq")
    assert applicable("curve", ("x2", "x1x2")) == ()
    assert inputs_of(FitConfig(a_features=("x2", "x1x2")), "a") == ("x1",)
    assert inputs_of(FitConfig(dataset="xor", b_features=("x1x2",)), "b") == ("x1x2",)
    with pytest.raises(ValueError, match="unknown feature"):
        applicable("xor", ("x3",))


def test_featurize_values():
    x = torch.tensor([[0.5, -2.0], [3.0, 1.0]])
    got = featurize(x, FEATURES)
    expected = torch.tensor([[0.5, -2.0, 0.25, 4.0, -1.0, math.sin(0.5), math.sin(-2.0)],
                             [3.0, 1.0, 9.0, 1.0, 3.0, math.sin(3.0), math.sin(1.0)]])
    torch.testing.assert_close(got, expected)
    assert featurize(x, ("x2sq", "x1")).tolist() == [[4.0, 0.5], [1.0, 3.0]]


# --- the network ---------------------------------------------------------------------------------

def test_build_net_initialises_like_nn_linear():
    net = build_net(NetSpec(layers=2, units=7, activation="tanh"), 3, 2, torch.Generator().manual_seed(1))
    assert [type(m) for m in net] == [nn.Linear, nn.Tanh, nn.Linear, nn.Tanh, nn.Linear]
    linears = [m for m in net if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(3, 7), (7, 7), (7, 2)]
    for m in linears:
        bound = 1 / math.sqrt(m.in_features)
        values = torch.cat([m.weight.flatten(), m.bias])
        assert values.abs().max() <= bound and values.abs().max() > 0.7 * bound
        assert values.min() < 0 < values.max()
    linear = build_net(NetSpec(layers=1, units=3, activation="linear"), 2, 1, torch.Generator())
    assert isinstance(linear[1], nn.Identity)
    with pytest.raises(ValueError, match="unknown activation"):
        build_net(NetSpec(activation="gelu"), 2, 1, torch.Generator())


def test_same_seed_same_shape_same_start():
    spec = NetSpec(layers=3, units=5)
    one, two = (build_net(spec, 2, 2, torch.Generator().manual_seed(9)) for _ in range(2))
    other = build_net(spec, 2, 2, torch.Generator().manual_seed(10))
    assert all(torch.equal(p, q) for p, q in zip(one.parameters(), two.parameters()))
    assert not torch.equal(one[0].weight, other[0].weight)


def test_a_and_b_differing_only_in_lr_start_identical(lesson):
    a, b = lesson.nets["a"], lesson.nets["b"]
    assert a.spec.lr != b.spec.lr and dataclasses.replace(a.spec, lr=b.spec.lr) == b.spec
    assert all(np.array_equal(p, q) for p, q in zip(a.params[0], b.params[0]))
    assert a.train_loss[0] == b.train_loss[0] and a.test_loss[0] == b.test_loss[0]
    assert a.batch_loss[0] == b.batch_loss[0]
    assert not np.array_equal(a.params[-1][0], b.params[-1][0])


def test_same_config_is_bitwise_reproducible_and_seeds_differ():
    config = FitConfig(dataset="xor", n_points=80, epochs=4, a_batch_size=10, b_optimizer="adam", b_lr=0.01)
    first, second = run_fit(config), run_fit(config)
    other = run_fit(dataclasses.replace(config, seed=1))
    for side in ("a", "b"):
        x, y, z = first.nets[side], second.nets[side], other.nets[side]
        for field in ("train_loss", "test_loss", "train_score", "weight_sum", "batch_loss"):
            assert np.array_equal(getattr(x, field), getattr(y, field)), field
        assert all(np.array_equal(p, q) for fx, fy in zip(x.params, y.params) for p, q in zip(fx, fy))
        assert not np.array_equal(x.train_loss, z.train_loss)
        assert not np.array_equal(x.params[0][0], z.params[0][0])
    assert not torch.equal(first.data.x_train, other.data.x_train)


# --- the run is the tutorial's plain loop ------------------------------------------------------

def test_default_run_is_the_tutorials_plain_loop(lesson):
    config = FitConfig()
    a = lesson.nets["a"]
    assert a.features == ("x1",) and len(a.params[0]) == 4
    data = make_data(config)
    x, y = data.x_train[:, :1], data.y_train.unsqueeze(1)
    net = nn.Sequential(nn.Linear(1, 10), nn.ReLU(), nn.Linear(10, 1))
    with torch.no_grad():
        for p, value in zip(net.parameters(), a.params[0]):
            p.copy_(torch.from_numpy(value))
    optimizer = torch.optim.SGD(net.parameters(), lr=0.2)
    losses = []
    for _ in range(200):
        loss = nn.functional.mse_loss(net(x), y)
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        final = nn.functional.mse_loss(net(x), y).item()
    assert len(a.batch_loss) == 200
    np.testing.assert_allclose(a.batch_loss, losses, rtol=1e-5, atol=1e-7)
    assert a.train_loss[-1] == pytest.approx(final, rel=1e-5)
    for got, p in zip(a.params[-1], net.parameters()):
        assert torch.allclose(torch.from_numpy(got), p.detach(), rtol=1e-5, atol=1e-6)
    assert final < 0.5 * losses[0]  # it did learn: the comparison is not of two still nets


# --- frames --------------------------------------------------------------------------------------

def test_epoch_frames(lesson, preset_runs):
    a = lesson.nets["a"]
    assert lesson.frames == len(a.steps) == 201 and lesson.ticks_per_frame == 1
    assert np.array_equal(a.steps, np.arange(201)) and np.array_equal(lesson.epoch_axis(), np.arange(201))
    minibatch = preset_runs("batch")[0].nets["b"]  # batch 32 of 100 points: 4 steps an epoch
    assert minibatch.steps_per_epoch == 4 and len(minibatch.steps) == 51
    assert np.array_equal(minibatch.steps, 4 * np.arange(51)) and len(minibatch.batch_loss) == 200
    assert minibatch.epoch(50) == 50.0


def test_step_frames():
    result = run_fit(FitConfig(n_points=40, epochs=3, a_batch_size=8, frame_every="step"))
    a, b = result.nets["a"], result.nets["b"]
    assert a.steps_per_epoch == 3 and np.array_equal(a.steps, np.arange(10)) and len(a.batch_loss) == 9
    assert np.array_equal(b.steps, np.arange(4)) and result.frames == 10
    assert a.epoch(6) == 2.0 and b.frame(9) == 3


def test_target_loss_stops_a_net_early():
    target = 0.02
    result = run_fit(FitConfig(target_loss=target))
    a, b = result.nets["a"], result.nets["b"]
    assert a.reached_at is not None and b.reached_at is None  # B's quarter lr does not get there
    assert len(a.steps) == a.reached_at + 1 < 201 == len(b.steps) == result.frames
    assert a.train_loss[a.reached_at] <= target < a.train_loss[a.reached_at - 1]
    assert a.frame(200) == a.reached_at and a.frame(3) == 3
    late, last = view(result, "a", 200), view(result, "a", a.reached_at)
    assert np.array_equal(late.output, last.output)


@pytest.mark.parametrize("config", [
    FitConfig(a_lr=1e4, epochs=20),
    FitConfig(dataset="blobs", n_points=100, epochs=20, a_optimizer="adam", a_lr=1e6),
], ids=["sgd-curve", "adam-blobs"])
def test_divergence_is_recorded_not_raised(config):
    result = run_fit(config)
    a, b = result.nets["a"], result.nets["b"]
    assert a.diverged_at is not None and b.diverged_at is None
    assert result.divergences() == [Divergence("a", a.diverged_at, 1, 1)]
    assert len(a.batch_loss) == a.diverged_at and len(a.steps) == a.diverged_at < 21 == result.frames
    assert np.isfinite(a.train_loss).all() and np.isfinite(a.weight_sum).all()
    assert all(np.isfinite(p).all() for frame in a.params for p in frame)
    assert a.frame(20) == a.diverged_at - 1


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="frame_every"):
        run_fit(FitConfig(frame_every="batch", epochs=1))
    with pytest.raises(ValueError, match="unknown optimizer"):
        run_fit(FitConfig(a_optimizer="lbfgs", epochs=1))


# --- metrics -------------------------------------------------------------------------------------

def test_regression_score_is_r2(lesson):
    a, data = lesson.nets["a"], lesson.data
    w1, b1, w2, b2 = (p.astype(np.float64) for p in a.params[-1])
    x, y = data.x_train[:, :1].numpy().astype(np.float64), data.y_train.numpy().astype(np.float64)
    predicted = (np.maximum(x @ w1.T + b1, 0) @ w2.T + b2)[:, 0]
    mse = np.mean((predicted - y) ** 2)
    assert a.train_loss[-1] == pytest.approx(mse, rel=1e-4)
    assert a.train_score[-1] == pytest.approx(1 - mse / y.var(), rel=1e-4)
    assert 0.8 < a.train_score[-1] < 1


def test_classification_score_is_accuracy(blobs):
    for side in ("a", "b"):
        net = blobs.nets[side]
        assert ((net.train_score >= 0) & (net.train_score <= 1)).all()
        params = [torch.from_numpy(p) for p in net.params[-1]]
        h = blobs.data.x_train
        for i in range(0, len(params) - 2, 2):
            h = torch.relu(nn.functional.linear(h, params[i], params[i + 1]))
        logits = nn.functional.linear(h, params[-2], params[-1])
        accuracy = float((logits.argmax(1) == blobs.data.y_train).float().mean())
        assert net.train_score[-1] == pytest.approx(accuracy)
        assert 0.6 < accuracy < 1  # noise 0.5: the blobs overlap


def test_confusion_counts_the_test_points(blobs):
    for side in ("a", "b"):
        net = blobs.nets[side]
        for frame in (0, 5, blobs.frames - 1):
            matrix = confusion(blobs, side, frame)
            assert matrix.shape == (2, 2) and matrix.sum() == BLOBS.n_test
            assert np.trace(matrix) / BLOBS.n_test == pytest.approx(net.test_score[net.frame(frame)])
            assert matrix.sum(1).tolist() == np.bincount(blobs.data.y_test.numpy(), minlength=2).tolist()
        assert confusion(blobs, side, 0, "train").sum() == BLOBS.n_train


def test_view_on_the_curve(lesson):
    v = view(lesson, "a", 200, size=17, output_size=17)
    assert len(v.inputs) == 1 and v.inputs[0].shape == (17,)
    assert len(v.hidden) == 1 and len(v.hidden[0]) == 10 and all(m.shape == (17,) for m in v.hidden[0])
    assert v.output.shape == (17,) and np.allclose(v.inputs[0], np.linspace(-1, 1, 17))
    assert [w.shape for w in v.weights] == [(10, 1), (1, 10)] and [b.shape for b in v.biases] == [(10,), (1,)]
    w1, b1, w2, b2 = lesson.nets["a"].params[200]
    by_hand = (np.maximum(np.linspace(-1, 1, 17)[:, None] @ w1.T + b1, 0) @ w2.T + b2)[:, 0]
    np.testing.assert_allclose(v.output, by_hand, rtol=1e-5, atol=1e-6)
    assert np.abs(v.output - v.inputs[0] ** 2 - 0.1).mean() < 0.1  # near the parabola it fits
    assert (np.concatenate(v.hidden[0]) >= 0).all()  # ReLU units
    np.testing.assert_allclose(v.output_small, v.output)  # the graph's output node: the same map
    finer = view(lesson, "a", 200, size=17, output_size=41)
    assert finer.output.shape == (41,) and finer.output_small.shape == (17,)
    np.testing.assert_allclose(finer.output[::5], finer.output_small[::2], rtol=1e-5, atol=1e-6)


def test_view_on_the_plane(blobs, plane):
    v = view(blobs, "b", blobs.frames - 1, size=9, output_size=9)
    assert len(v.inputs) == 2 and all(m.shape == (9, 9) for m in v.inputs)
    assert len(v.hidden) == 2 and all(len(layer) == 3 for layer in v.hidden)
    assert all(m.shape == (9, 9) for layer in v.hidden for m in layer)
    assert v.output.shape == (9, 9) and ((v.output >= 0) & (v.output <= 1)).all()
    assert v.inputs[1][0, 0] == 6.0 and v.inputs[0][0, 0] == -6.0  # row 0 at the top (x₂ = +6)
    assert v.output[-1, 0] > 0.5 > v.output[0, -1]  # class 1 is the blob at (-2, -2): bottom left
    r = view(plane, "a", 5, size=5, output_size=5)
    assert len(r.inputs) == len(FEATURES) and len(r.hidden) == 1 and r.output.shape == (5, 5)
    assert view(plane, "b", 0, size=5).hidden == []


def test_smoothness():
    assert smoothness(np.array([5.0, 4.0, 3.0, 1.0])) == 0
    assert smoothness(np.array([5.0, 3.0, 4.0, 2.0, 3.0, 1.0])) == pytest.approx(2 / 6)
    assert smoothness(np.array([1.0, 1.0, 1.0])) == math.inf
    assert smoothness(np.array([3.0, np.nan, 2.0, 1.0])) == 0


# --- saving and loading --------------------------------------------------------------------------

def _resave(data: bytes, change) -> bytes:
    """A copy of a saved net's file with `change(content)` applied."""
    content = torch.load(io.BytesIO(data), weights_only=True)
    change(content)
    buf = io.BytesIO()
    torch.save(content, buf)
    return buf.getvalue()


def test_save_load_round_trip(lesson):
    a = lesson.nets["a"]
    data = save_net(lesson, "a", 50)
    assert len(data) < MAX_NET_BYTES
    loaded = load_net(data)
    assert loaded.spec == a.spec and loaded.features == a.features and loaded.task == REGRESSION
    assert loaded.epoch == 50.0
    assert all(np.array_equal(p, q) for p, q in zip(loaded.params, a.params[50]))
    shown = with_loaded(lesson, loaded)
    assert set(shown.nets) == {"a", "b", "loaded"} and "loaded" not in lesson.nets
    assert shown.nets["loaded"].train_loss[0] == pytest.approx(a.train_loss[50], rel=1e-6)
    assert shown.nets["loaded"].train_score[0] == pytest.approx(a.train_score[50], rel=1e-6)
    assert shown.nets["loaded"].weight_sum[0] == pytest.approx(a.weight_sum[50], rel=1e-6)


def test_malformed_files_are_refused(lesson):
    good = save_net(lesson, "a", 200)
    bad = {
        "not a PyTorch weights file": np.random.default_rng(0).bytes(2000),
        "too large": good + bytes(MAX_NET_BYTES),
        "expected state_dict, spec and task": save_weights(nn.Sequential(nn.Linear(1, 10), nn.ReLU(),
                                                                         nn.Linear(10, 1))),
        "has shape": _resave(good, lambda c: c["state_dict"].update({"0.weight": torch.zeros(10, 2)})),
        "NaN": _resave(good, lambda c: c["state_dict"]["2.bias"].fill_(math.nan)),
        "missing keys": _resave(good, lambda c: c["state_dict"].pop("2.weight")),
        "malformed": _resave(good, lambda c: c["spec"].update(units=99)),
    }
    for message, data in bad.items():
        with pytest.raises(WeightsError, match=message):
            load_net(data)


def test_a_net_for_other_data_is_refused(lesson, blobs, plane):
    classifier = load_net(save_net(blobs, "a", 3))
    assert classifier.task == CLASSIFICATION
    with pytest.raises(WeightsError, match="classification"):
        with_loaded(lesson, classifier)
    reads_x2 = load_net(save_net(plane, "a", 5))
    assert reads_x2.task == REGRESSION and "x2" in reads_x2.features
    with pytest.raises(WeightsError, match="x₂"):
        with_loaded(lesson, reads_x2)
    shown = with_loaded(plane, reads_x2)  # where it belongs, it is what A was
    assert shown.nets["loaded"].train_loss[0] == pytest.approx(plane.nets["a"].train_loss[5])


# --- truth: every preset's stated effect ---------------------------------------------------------

@pytest.mark.parametrize("preset", PRESETS, ids=[p.name for p in PRESETS])
def test_preset_effect_holds(preset, preset_runs):
    results = preset_runs(preset.name)
    held = [bool(preset.effect(r)) for r in results]
    assert 1 <= preset.checked <= len(SEEDS)
    assert sum(held) >= preset.checked, f"{preset.name}: held on seeds {held}, claims {preset.checked}"
    assert not any(r.divergences() for r in results)


def test_features_circle_needs_the_squares(preset_runs):
    for r in preset_runs("features"):
        a, b = r.nets["a"], r.nets["b"]
        assert r.config.dataset == "circle" and len(a.params[0]) == len(b.params[0]) == 2  # no hidden layer
        assert a.features == ("x1", "x2") and b.features == ("x1sq", "x2sq")
        assert b.train_score[-1] >= 0.95 and a.train_score[-1] <= 0.65


def test_spiral_two_units_stay_well_below_three_layers(preset_runs):
    for narrow, deep in zip(preset_runs("width"), preset_runs("depth")):
        assert narrow.config.dataset == deep.config.dataset == "spiral"
        assert (narrow.config.a_layers, narrow.config.a_units) == (1, 2)
        assert (deep.config.b_layers, deep.config.b_units) == (3, 8)
        assert deep.nets["b"].train_score[-1] - narrow.nets["a"].train_score[-1] >= 0.2


def test_batch_32_reaches_lower_loss_full_batch_is_smoother(preset_runs):
    for r in preset_runs("batch"):
        full, mini = r.nets["a"], r.nets["b"]
        assert full.epoch(r.frames - 1) == mini.epoch(r.frames - 1) == 50
        assert mini.train_loss[-1] < full.train_loss[-1]
        assert smoothness(full.batch_loss) < smoothness(mini.batch_loss)


def test_l2_shrinks_the_weights(preset_runs):
    for r in preset_runs("l2"):
        assert r.nets["b"].spec.regularization == "l2" and r.nets["a"].spec.regularization == "none"
        assert r.nets["b"].weight_sum[-1] < r.nets["a"].weight_sum[-1]


def test_preset_of_finds_a_preset_whatever_its_seed():
    assert len({p.name for p in PRESETS}) == len({p.config for p in PRESETS}) == len(PRESETS)
    for p in PRESETS:
        assert preset_of(dataclasses.replace(p.config, seed=4)) is p
        assert preset_of(dataclasses.replace(p.config, epochs=p.config.epochs + 1)) is None
        assert preset_of(p.config.with_net("b", lr=p.config.b_lr * 2)) is None
    assert preset_of(FitConfig(dataset="xor")) is None
