"""Unit tests of core.stacked: K networks at once equal K separate ones; the fused path equals autograd."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from core.frames import frame_steps
from core.models import Dropout, MLPSpec, build_mlp
from core.seeding import make_generator
from core.stacked import StackedMLP, dropout_masks

WIDTHS = [(1, 20, 1), (1, 30, 30, 1), (2, 8, 8, 3), (3, 1, 4, 1)]


def _models(widths, k=4, activation="relu"):
    spec = MLPSpec(widths=widths, activation=activation)
    return [build_mlp(spec, make_generator(i)).double() for i in range(k)]


@pytest.mark.parametrize("widths", WIDTHS)
def test_stack_holds_the_models_initial_weights(widths):
    models = _models(widths)
    net = StackedMLP.from_models(models)
    for k, m in enumerate(models):
        for layer, lin in enumerate(m.linears()):
            assert torch.equal(net.weights[layer][k], lin.weight.T)
            assert torch.equal(net.biases[layer][k, 0], lin.bias)


@pytest.mark.parametrize("widths", WIDTHS)
def test_forward_and_gradients_equal_separate_models(widths):
    models = _models(widths)
    net = StackedMLP.from_models(models)
    x = torch.randn(4, 16, widths[0], dtype=torch.float64)
    y = torch.randn(4, 16, widths[-1], dtype=torch.float64)
    loss = net.mse_step(x, y)
    for k, m in enumerate(models):
        out = m(x[k])
        plain = F.mse_loss(out, y[k])
        plain.backward()
        torch.testing.assert_close(loss[k], plain.detach(), atol=1e-12, rtol=0)
        torch.testing.assert_close(net(x)[k], out.detach(), atol=1e-12, rtol=0)
        grad = torch.cat([p.grad.reshape(-1) for p in m.parameters()])
        torch.testing.assert_close(net.grad[k], grad, atol=1e-12, rtol=0)
    shared = net(x[0])  # one input for every network
    torch.testing.assert_close(shared[2], models[2](x[0]).detach(), atol=1e-12, rtol=0)


@pytest.mark.parametrize("widths", WIDTHS)
def test_fused_engine_equals_autograd(widths):
    """The hand-written backward pass, with dropout masks and dead networks, is autograd's."""
    models = _models(widths, k=5)
    auto, fused = StackedMLP.from_models(models), StackedMLP.from_models(models, engine="fused")
    x = torch.randn(5, 16, widths[0], dtype=torch.float64)
    y = torch.randn(5, 16, widths[-1], dtype=torch.float64)
    masks = [(torch.rand(5, 16, w, dtype=torch.float64) < 0.5) * 2.0 for w in widths[1:-1]]
    alive = torch.tensor([True, False, True, True, True])
    torch.testing.assert_close(fused.mse_step(x, y, masks, alive), auto.mse_step(x, y, masks, alive),
                               atol=1e-12, rtol=0)
    torch.testing.assert_close(fused.grad, auto.grad, atol=1e-12, rtol=0)
    assert (auto.grad[1] == 0).all()  # a dead network gets no gradient


def test_fused_engine_is_for_relu_only():
    with pytest.raises(ValueError, match="ReLU"):
        StackedMLP.from_models(_models((2, 4, 1), activation="tanh"), engine="fused")


def test_per_network_activations_and_hidden_outputs():
    names = ("relu", "tanh", "gelu")
    models = [build_mlp(MLPSpec(widths=(2, 6, 6, 1), activation=a), make_generator(0)).double()
              for a in names]
    net = StackedMLP.from_models(models)
    x = torch.randn(10, 2, dtype=torch.float64)
    out, hidden = net.hidden(x)
    for k, m in enumerate(models):
        ref, layers = m.trace(x)
        torch.testing.assert_close(out[k], ref.detach(), atol=1e-12, rtol=0)
        for h, stages in zip(hidden, layers):
            torch.testing.assert_close(h[k], dict(stages)["act"].detach(), atol=1e-12, rtol=0)


def test_dropout_masks_are_core_models_dropouts():
    """Masks drawn in chunks of steps take the generator's numbers in Dropout's order."""
    spec = MLPSpec(widths=(1, 7, 7, 1), dropout=0.3)
    model = build_mlp(spec, make_generator(0))
    layer_g = make_generator(5)
    for m in model.modules():
        if isinstance(m, Dropout):
            m.generator = layer_g
    stream = dropout_masks([0.0, 0.3], [None, make_generator(5)], (4, 7), 2, "cpu", chunk_values=100)
    x = torch.ones(4, 7)
    for _ in range(5):  # more steps than one chunk holds
        step = next(stream)  # (layers, K, n, width)
        for layer in range(2):
            expected = model.blocks[layer].dropout(x)
            assert torch.equal(step[layer, 1], expected) and (step[layer, 0] == 1).all()


def test_frame_steps():
    assert frame_steps(500, 50).tolist() == list(range(0, 501, 10))
    assert frame_steps(40, 4).tolist() == [0, 10, 20, 30, 40]
    assert frame_steps(0, 20).tolist() == [0]
