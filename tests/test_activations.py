"""Unit and truth tests of the activations page's core: gallery, side-by-side training, gradient flow."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from core.activations import (
    CLASSIC,
    DATASETS,
    ActivationTrainConfig,
    GalleryConfig,
    GradientFlowConfig,
    dead_share,
    gallery,
    make_dataset,
    run_activation_training,
    run_gradient_flow,
    shallow_tip_applies,
    stacked_from_seed,
)
from core.activations.reference import run_classic
from core.models import MLPSpec, build_mlp
from core.nonlinearities import ACTIVATIONS, RELU_FAMILY
from core.runs import run
from core.seeding import generator_for
from pages.activations import texts
from pages.activations.charts import boundary_chart, curve_chart, dead_chart, flow_chart, gallery_chart

SEEDS = range(5)


# --- gallery ------------------------------------------------------------------------------------

ANALYTIC = {
    "relu": lambda x: (x > 0).double(),
    "sigmoid": lambda x: torch.sigmoid(x) * (1 - torch.sigmoid(x)),
    "tanh": lambda x: 1 - torch.tanh(x) ** 2,
    "softplus": lambda x: torch.sigmoid(x),
}


@pytest.mark.parametrize("name", list(ANALYTIC))
def test_gallery_derivative_matches_analytic(name):
    result = gallery((name,), -5.0, 5.0, n=200)
    x = torch.from_numpy(result.x)
    assert result.x.dtype == np.float64
    np.testing.assert_allclose(result.derivatives[name], ANALYTIC[name](x).numpy(), atol=1e-6, rtol=0)
    np.testing.assert_allclose(result.values[name], getattr(F, name)(x).numpy(), atol=1e-12)


def test_gallery_covers_every_registered_activation_and_matches_finite_differences():
    assert len(ACTIVATIONS) >= 10
    result = gallery(tuple(ACTIVATIONS), -4.0, 4.0, n=801)
    x, h = result.x, result.x[1] - result.x[0]
    for name in ACTIVATIONS:
        fd = np.gradient(result.values[name], h)  # central differences inside
        smooth = np.ones_like(x, dtype=bool)
        for kink in (-3.0, 0.0, 3.0, 6.0):  # relu, relu6, hardswish, elu/selu kinks
            smooth &= np.abs(x - kink) > 2 * h
        np.testing.assert_allclose(result.derivatives[name][smooth][1:-1], fd[smooth][1:-1], atol=2e-4,
                                   err_msg=name)


def test_gallery_rejects_empty_range():
    with pytest.raises(ValueError):
        gallery(CLASSIC, 1.0, 1.0)


# --- data and identical starts --------------------------------------------------------------------

@pytest.mark.parametrize("name", DATASETS)
def test_datasets_are_seeded_and_shaped(name):
    x, y = make_dataset(name, 200, 0.2, seed=3)
    x2, y2 = make_dataset(name, 200, 0.2, seed=3)
    x3, _ = make_dataset(name, 200, 0.2, seed=4)
    assert x.shape == (200, 2) and y.shape == (200,)
    assert set(y.unique().tolist()) == {0.0, 1.0}
    assert torch.equal(x, x2) and torch.equal(y, y2)
    assert not torch.equal(x, x3)


def test_every_activation_starts_from_the_same_weights():
    net = stacked_from_seed(tuple(ACTIVATIONS), (2, 16, 16, 1), "default", seed=5)
    for w in net.weights + net.biases:
        assert all(torch.equal(w[0], w[i]) for i in range(1, len(ACTIVATIONS)))
    ref = build_mlp(MLPSpec(widths=(2, 16, 16, 1), activation="tanh"), generator_for(5, "init"))
    assert torch.equal(net.weights[0][0], ref.linears()[0].weight.T)


def test_stacked_forward_and_gradients_equal_separate_models():
    """The fast path: a stack of networks gives each exactly its own model's outputs and gradients."""
    names = ("relu", "sigmoid", "gelu", "relu6")
    x, y = make_dataset("moons", 64, 0.2, seed=1)
    x, y = x.double(), y.double()
    net = stacked_from_seed(names, (2, 8, 8, 1), "he", seed=2, dtype=torch.float64)
    logits = net(x)[..., 0]  # (A, N)
    losses = F.binary_cross_entropy_with_logits(logits, y.expand_as(logits), reduction="none").mean(1)
    net.backward(losses.sum())
    for i, name in enumerate(names):
        model = build_mlp(MLPSpec(widths=(2, 8, 8, 1), activation=name, weight_init="he"),
                          generator_for(2, "init")).double()
        out = model(x).squeeze(-1)
        F.binary_cross_entropy_with_logits(out, y).backward()
        torch.testing.assert_close(logits[i], out, atol=1e-12, rtol=0)
        for layer, lin in enumerate(model.linears()):
            torch.testing.assert_close(net.weights[layer].grad[i], lin.weight.grad.T, atol=1e-12, rtol=0)
            torch.testing.assert_close(net.biases[layer].grad[i, 0], lin.bias.grad, atol=1e-12, rtol=0)


def test_stacked_training_follows_the_classic_loop():
    config = ActivationTrainConfig(steps=60, n_frames=4)
    fast = run_activation_training(config)
    classic = run_classic(config)
    for i, name in enumerate(config.activations):
        np.testing.assert_allclose(fast.loss[:, i], classic[name], rtol=1e-3, atol=1e-5, err_msg=name)


# --- side-by-side training ---------------------------------------------------------------------

def test_training_result_shapes_and_reproducibility():
    config = ActivationTrainConfig(steps=40, n_frames=5, grid_size=100, seed=7)
    a, b = run_activation_training(config), run_activation_training(config)
    assert a.probs.shape == (5, 4, 100, 100) and a.frame_steps == [0, 10, 20, 30, 40]
    assert a.loss.shape == a.accuracy.shape == (41, 4)
    assert a.dead.shape == (5, 4, 2)
    assert ((a.probs >= 0) & (a.probs <= 1)).all()
    np.testing.assert_array_equal(a.probs, b.probs)
    np.testing.assert_array_equal(a.loss, b.loss)
    other = run_activation_training(ActivationTrainConfig(steps=40, n_frames=5, seed=8))
    assert not np.array_equal(a.loss, other.loss)
    relu_rows = [i for i, n in enumerate(config.activations) if n in RELU_FAMILY]
    assert np.isfinite(a.dead[:, relu_rows]).all() and np.isnan(a.dead[:, [1, 2, 3]]).all()


@pytest.mark.parametrize("seed", SEEDS)
def test_shallow_network_barely_cares_on_moons(seed):
    """Issue truth test: every listed activation reaches >= 95% on moons (400 points, noise 0.2)."""
    config = ActivationTrainConfig(activations=tuple(ACTIVATIONS), dataset="moons", n_samples=400, noise=0.2,
                                   layers=2, width=16, lr=0.03, steps=300, n_frames=2, grid_size=10,
                                   seed=seed)
    assert shallow_tip_applies(config)  # the page states the claim on this setup
    finals = run_activation_training(config).final_accuracy()
    assert min(finals.values()) >= 0.95, finals


def test_huge_learning_rate_is_reported_as_divergence_not_an_error():
    result = run_activation_training(ActivationTrainConfig(lr=10.0, steps=100, n_frames=6))
    assert any(d is not None for d in result.diverged_at)
    for i, d in enumerate(result.diverged_at):
        if d is not None:
            assert np.isnan(result.loss[d:, i]).all() and np.isfinite(result.loss[:d, i]).all()
    assert np.isfinite(result.probs).all()


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="at least one"):
        run_activation_training(ActivationTrainConfig(activations=()))
    with pytest.raises(ValueError, match="unknown activation"):
        run_activation_training(ActivationTrainConfig(activations=("relu", "nope")))
    with pytest.raises(ValueError, match="unknown dataset"):
        make_dataset("blobs", 10, 0.1, 0)
    with pytest.raises(ValueError, match="unknown init"):
        run_gradient_flow(GradientFlowConfig(weight_init="normal"))


# --- dead units -------------------------------------------------------------------------------------

def test_dead_unit_outputs_zero_everywhere_and_gets_no_gradient():
    x, y = make_dataset("moons", 400, 0.2, 0)
    net = stacked_from_seed(("relu",), (2, 16, 16, 1), "default", 0)
    with torch.no_grad():
        net.biases[0][0, 0, :4] = -100.0  # four first-layer units pushed far below zero
    logits, outs = net.hidden(x)
    net.backward(F.binary_cross_entropy_with_logits(logits[0, :, 0], y))
    assert (outs[0][0, :, :4] == 0).all()
    assert (net.weights[0].grad[0, :, :4] == 0).all()
    assert (net.biases[0].grad[0, 0, :4] == 0).all()


# --- gradient flow (truth tests) --------------------------------------------------------------------

def _init_norms(seed: int, init: str, names=CLASSIC) -> dict[str, np.ndarray]:
    result = run_gradient_flow(GradientFlowConfig(activations=names, weight_init=init, steps=0, seed=seed))
    assert result.frame_steps == [0]
    return {n: result.grad_norms[0, i] for i, n in enumerate(names)}


@pytest.mark.parametrize("seed", SEEDS)
def test_sigmoid_first_layer_gradient_vanishes_at_depth_10(seed):
    """Issue truth test: default init, depth 10: sigmoid's first-layer gradient >= 1000x below ReLU's."""
    norms = _init_norms(seed, "default")
    assert norms["relu"][0] >= 1000 * norms["sigmoid"][0], (norms["relu"][0], norms["sigmoid"][0])


@pytest.mark.parametrize("seed", SEEDS)
def test_init_claims_of_the_page(seed):
    """Default init: gradients shrink towards the input, sigmoid's fastest; He rescues ReLU, Xavier
    rescues tanh; sigmoid's still vanishes under all three."""
    ratio = {init: {n: v[0] / v[-1] for n, v in _init_norms(seed, init).items()} for init in
             ("default", "xavier", "he")}
    assert all(r < 1 for r in ratio["default"].values())
    assert min(ratio["default"], key=ratio["default"].get) == "sigmoid"
    assert ratio["default"]["relu"] < 0.01
    assert 0.05 < ratio["he"]["relu"] < 20
    assert 0.05 < ratio["xavier"]["tanh"] < 20
    assert all(ratio[init]["sigmoid"] < 1e-3 for init in ratio)


def test_deep_sigmoid_learns_slowest_and_mostly_stays_at_chance():
    stuck = 0
    for seed in SEEDS:
        acc = run_gradient_flow(GradientFlowConfig(seed=seed)).accuracy[-1]
        finals = dict(zip(CLASSIC, acc))
        assert min(finals, key=finals.get) == "sigmoid", finals
        assert finals["relu"] >= 0.9 and finals["tanh"] >= 0.9, finals
        stuck += finals["sigmoid"] <= 0.6
    assert stuck >= 3


def test_flow_result_shapes():
    result = run_gradient_flow(GradientFlowConfig(depth=4, width=8, steps=20, n_frames=5))
    assert result.frame_steps == [0, 5, 10, 15, 20]
    assert result.grad_norms.shape == (5, 4, 5) and result.dead.shape == (5, 4, 4)
    assert (result.grad_norms > 0).all()


# --- charts and texts -------------------------------------------------------------------------------

def test_charts_build_valid_specs():
    g = gallery(CLASSIC)
    train = run_activation_training(ActivationTrainConfig(steps=10, n_frames=3))
    flow = run_gradient_flow(GradientFlowConfig(depth=3, width=8, steps=10, n_frames=3))
    specs = [gallery_chart(g, column="value"), gallery_chart(g, column="derivative"),
             boundary_chart(train, 2, index=1),
             curve_chart(train, 1, column="loss"),
             curve_chart(train, 2, column="accuracy"),
             dead_chart(train, 2),
             flow_chart(flow, 2)]
    dicts = [c.to_dict() for c in specs]
    assert "data:image/png;base64," in str(dicts[2])
    assert {"x2", "y2"} <= set(dicts[2]["layer"][0]["encoding"])


def test_english_and_chinese_texts_match():
    assert texts.EN.keys() == texts.ZH.keys()
    for key in texts.EN:
        assert set(re.findall(r"{(\w+)", texts.EN[key])) == set(re.findall(r"{(\w+)", texts.ZH[key])), key
    for name in ACTIVATIONS:
        assert f"activations.desc.{name}" in texts.EN


# --- what the page states (verdicts) ----------------------------------------------------------------

def test_runs_are_registered_for_every_config():
    result = run(GalleryConfig(names=("gelu",), x_range=2.0))
    expected = gallery(("gelu",), -2.0, 2.0, n=201)
    np.testing.assert_array_equal(result.derivatives["gelu"], expected.derivatives["gelu"])
    assert run(ActivationTrainConfig(steps=4, n_frames=2, grid_size=5)).loss.shape == (5, 4)
    assert run(GradientFlowConfig(steps=0)).frame_steps == [0]


def test_shallow_tip_applies_only_on_the_setup_it_was_checked_on():
    assert ActivationTrainConfig().hidden == (16, 16) and shallow_tip_applies(ActivationTrainConfig())
    assert ActivationTrainConfig(layers=3, width=8).hidden == (8, 8, 8)
    for other in (ActivationTrainConfig(dataset="circles"), ActivationTrainConfig(layers=3),
                  ActivationTrainConfig(width=8)):
        assert not shallow_tip_applies(other), other


def test_accuracy_extremes_and_divergence_of_a_training_run():
    result = run_activation_training(ActivationTrainConfig(steps=10, n_frames=2, grid_size=5))
    finals = result.final_accuracy()
    (worst, lo), (best, hi) = result.accuracy_extremes()
    assert lo == finals[worst] == min(finals.values()) and hi == finals[best] == max(finals.values())
    acc = np.array([[0.5, 0.6, 0.7, 0.8], [0.9, np.nan, 0.7, 0.9]])
    picked = dataclasses.replace(result, accuracy=acc)  # sigmoid diverged after step 0: its last finite 0.6
    assert picked.accuracy_extremes() == (("sigmoid", 0.6), ("relu", 0.9))  # a tie: the first in order
    assert dataclasses.replace(result, accuracy=np.full((2, 4), np.nan)).accuracy_extremes() is None
    wild = dataclasses.replace(result, diverged_at=[None, 5, None, None])
    assert wild.diverged_by(1, 4) is None and wild.diverged_by(1, 5) == 5 and wild.diverged_by(0, 10) is None
    assert [(d.variant, d.step, d.of) for d in wild.divergences()] == [("sigmoid", 5, 1)]
    assert result.divergences() == []


def test_dead_share_names_the_first_relu_family_network():
    dead = np.array([[np.nan, np.nan], [0.25, 0.75], [0.0, 0.0]])
    assert dead_share(("sigmoid", "relu", "relu6"), dead) == ("relu", 0.5)
    assert dead_share(("sigmoid", "tanh"), dead[:2]) is None
    name, share = dead_share(("relu",), np.array([[np.nan, np.nan]]))
    assert name == "relu" and np.isnan(share)


def test_first_layer_ratio_and_steps_trained_of_a_flow_run():
    result = run_gradient_flow(GradientFlowConfig(depth=4, width=8, steps=6, n_frames=2))
    first = result.first_layer_at_init()
    assert result.first_layer_ratio() == first["relu"] / first["sigmoid"]
    assert result.first_layer_ratio("relu", "nope") is None
    assert result.steps_trained == 6 and result.divergences() == []
