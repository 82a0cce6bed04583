"""Unit tests of core.stacked: K networks at once equal K separate ones; the fused path equals autograd."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from core.frames import frame_steps
from core.models import Dropout, MLPSpec, build_mlp
from core.seeding import make_generator
from core.stacked import RowAdam, StackedBNMLP, StackedMLP, dropout_masks

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


# --- StackedBNMLP: plain and BatchNorm members in one stack ----------------------------------------

def _bn_members(activation: str, plain: int, bn: int, widths=(1, 6, 6, 5, 1)):
    def make(batch_norm: bool, i: int):
        spec = MLPSpec(widths=widths, activation=activation, batch_norm=batch_norm,
                       input_batch_norm=batch_norm, bn_momentum=0.3, weight_init="normal", weight_std=0.5,
                       bias_init=-0.1)
        return build_mlp(spec, make_generator(i)).double()
    return [make(False, i) for i in range(plain)], [make(True, 10 + i) for i in range(bn)]


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
@pytest.mark.parametrize(("plain", "bn"), [(2, 3), (0, 2), (3, 0)])
def test_bn_stack_steps_like_separate_models_and_its_backward_like_autograd(activation, plain, bn):
    """Two training steps: each member's loss, every gradient and the running statistics equal its
    own nn.Module's (train mode); the written-out backward equals autograd's; a member that is not
    alive gets no gradient and its running statistics stay."""
    plains, bns = _bn_members(activation, plain, bn)
    fused = StackedBNMLP.from_models(plains, bns)
    auto = StackedBNMLP.from_models(*_bn_members(activation, plain, bn), engine="autograd")
    k = plain + bn
    g = torch.Generator().manual_seed(0)
    alive = torch.ones(k, dtype=torch.bool)
    alive[-1] = False
    for _ in range(2):
        x = torch.randn(k, 24, 1, generator=g, dtype=torch.float64) * 3
        y = torch.sin(x)
        before = [rv.clone() for rv in fused.running_var]
        loss = fused.mse_step(x, y, alive)
        torch.testing.assert_close(auto.mse_step(x, y, alive), loss)
        torch.testing.assert_close(auto.grad, fused.grad)
        for i, m in enumerate([*plains, *bns]):
            if not alive[i]:
                assert (fused.grad[i] == 0).all()
                continue
            m.train()
            m.zero_grad()
            ref = F.mse_loss(m(x[i]), y[i])
            ref.backward()
            torch.testing.assert_close(loss[i], ref.detach())
            grads = torch.cat([p.grad.reshape(-1) for p in m.parameters()])
            if m.input_bn is None:  # the stack keeps the unused BN places (gradient 0)
                keep = torch.cat([torch.zeros(2), *(torch.cat([torch.ones(b.linear.weight.numel()
                                  + b.linear.bias.numel()), torch.zeros(2 * b.linear.out_features)])
                                  for b in m.blocks), torch.ones(m.head.weight.numel() + 1)]).bool()
                assert (fused.grad[i][~keep] == 0).all()
                torch.testing.assert_close(fused.grad[i][keep], grads)
            else:
                torch.testing.assert_close(fused.grad[i], grads)
                bn_mods = [m.input_bn, *(b.bn for b in m.blocks)]
                for layer, mod in enumerate(bn_mods):
                    torch.testing.assert_close(fused.running_mean[layer][i - plain, 0], mod.running_mean)
                    torch.testing.assert_close(fused.running_var[layer][i - plain, 0], mod.running_var)
        if bn:
            for layer, rv in enumerate(fused.running_var):
                assert torch.equal(rv[-1], before[layer][-1])  # the member that is not alive


def test_bn_stack_eval_pass_uses_running_statistics():
    plains, bns = _bn_members("tanh", 1, 2)
    stack = StackedBNMLP.from_models(plains, bns)
    members = (*plains, *bns)
    g = torch.Generator().manual_seed(1)
    x = torch.randn(3, 40, 1, generator=g, dtype=torch.float64)
    stack.mse_step(x, x ** 2, torch.ones(3, dtype=torch.bool))  # no optimizer step: weights unchanged
    out, stages = stack.forward(x, train=False, stages=True)
    for i, m in enumerate(members):
        m.train()
        m(x[i])  # the same batch into the module's running statistics
        m.eval()
        with torch.no_grad():
            want, layers = m.trace(x[i])
        torch.testing.assert_close(out[i], want)
        for layer, traced in enumerate(layers):
            torch.testing.assert_close(stages[layer]["linear"][i], dict(traced)["linear"])
            torch.testing.assert_close(stages[layer]["act"][i], dict(traced)["act"])
            if m.input_bn is not None:
                torch.testing.assert_close(stages[layer]["bn"][i - 1], dict(traced)["bn"])
    assert len(stages) == 3 and stages[0]["bn"].shape == (2, 40, 6)
    assert stages[0]["linear"].shape == (3, 40, 6)
    with pytest.raises(ValueError):
        StackedBNMLP.from_models(bns, plains)


def test_row_adam_takes_torch_adams_steps_exactly():
    g = torch.Generator().manual_seed(3)
    flat = torch.randn(3, 50, generator=g)
    rows = [flat[k:k + 1] for k in range(3)]
    ref = [r.clone().requires_grad_() for r in rows]
    ours = RowAdam(rows, lr=0.01)
    theirs = torch.optim.Adam(ref, lr=0.01, fused=True)
    for step in range(5):
        grads = [torch.randn(1, 50, generator=g) for _ in range(3)]
        live = [0, 2] if step == 3 else [0, 1, 2]  # a member that takes no step keeps its state
        ours.step([grads[k] for k in live], live)
        for k, p in enumerate(ref):
            p.grad = grads[k] if k in live else None
        theirs.step()
        for r, p in zip(rows, ref):
            assert torch.equal(r, p.detach())
