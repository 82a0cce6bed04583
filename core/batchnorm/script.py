"""The code of a BatchNorm run: the same badly initialised deep network with and without BatchNorm,
in plain PyTorch (the classic lesson's loop)."""

from __future__ import annotations

import dataclasses
import math

from core.batchnorm import NETS, BatchNormConfig, BatchNormResult
from core.nonlinearities import ACTIVATIONS
from core.scripts import header, script_of
from core.seeding import derive_seed

MODULES = {"tanh": "nn.Tanh()", "relu": "nn.ReLU()", "sigmoid": "nn.Sigmoid()"}


# The BN net's training amplifies rounding: under the bad start its deep layers' batches barely
# vary, and BN divides by that spread. One step of the default lesson in float64 already differs by
# 2e-9 between the app's stacked engine and the one-net loop; after 12 epochs the BN net's test MSE
# differs by up to a factor of 3 (seeds 0-4, app vs loop: 48 vs 58, 88 vs 78, 55 vs 60, 139 vs 47,
# 90 vs 91; the loop itself in float64 against float32: 68 vs 58). So that figure agrees within a
# quarter of the plain net's (the lesson's gap between the two is wider than half of it).
def figures(result: BatchNormResult) -> dict[str, float | tuple[float, float, float]]:
    """Each net's test MSE after the last epoch (eval mode: BN on its running statistics)."""
    plain, bn = (float(result.test_loss[net][-1]) for net in NETS)
    band = 0.25 * plain if math.isfinite(plain) else 0.0
    return {"plain test MSE": plain, "bn test MSE": (bn, 2e-3, band)}


def quick(config: BatchNormConfig) -> BatchNormConfig:
    """At most 3 epochs of at most 6 layers: a few seconds."""
    return dataclasses.replace(config, epochs=min(config.epochs, 3), depth=min(config.depth, 6))


@script_of(BatchNormConfig, figures=figures, rtol=2e-3, atol=2e-5, quick=quick)
def write(c: BatchNormConfig) -> str:
    """The script of `c`."""
    assert c.activation in ACTIVATIONS
    s = c.seed
    batches = [derive_seed(s, "batchnorm", "batches", e) for e in range(c.epochs)]
    return header("BatchNorm vs no BatchNorm", c) + f'''
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
N_TRAIN, N_TEST, NOISE = {c.n_train}, {c.n_test}, {c.noise_std!r}
DEPTH, WIDTH, BATCH_SIZE, EPOCHS, LR = {c.depth}, {c.width}, {c.batch_size}, {c.epochs}, {c.lr!r}
BATCH_SEEDS = {batches!r}  # one shuffle per epoch, the same for both nets

# y = x² − 5 + noise, x = linspace(-7, 10); the test points draw fresh noise
x = torch.linspace(-7.0, 10.0, N_TRAIN).unsqueeze(1)  # (n, 1)
g_train = torch.Generator().manual_seed({derive_seed(s, "noisy_curve", "train")})
g_test = torch.Generator().manual_seed({derive_seed(s, "noisy_curve", "test")})
y = x ** 2 - 5 + NOISE * torch.randn(x.shape, generator=g_train)
x_test = torch.linspace(-7.0, 10.0, N_TEST).unsqueeze(1)
y_test = x_test ** 2 - 5 + NOISE * torch.randn(x_test.shape, generator=g_test)


def make_net(batch_norm):
    """{c.depth} hidden layers of {c.width}; BN on the input and after each hidden Linear."""
    bn = (lambda n: [nn.BatchNorm1d(n, momentum={c.bn_momentum!r})]) if batch_norm else (lambda n: [])
    layers, width_in = bn(1), 1
    for _ in range(DEPTH):
        layers += [nn.Linear(width_in, WIDTH), *bn(WIDTH), {MODULES[c.activation]}]
        width_in = WIDTH
    net = nn.Sequential(*layers, nn.Linear(width_in, 1))
    g = torch.Generator().manual_seed({derive_seed(s, "batchnorm", "init")})  # the same (bad) start for both
    for m in net:
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0.0, {c.weight_std!r}, generator=g)
            nn.init.constant_(m.bias, {c.bias_init!r})
    return net


def test_mse(net):
    net.eval()  # BN uses its running statistics
    with torch.no_grad():
        value = F.mse_loss(net(x_test), y_test).item()
    return value if math.isfinite(value) else math.inf


def train(net):
    """Adam on shuffled mini-batches; a net whose loss blows up keeps the weights it had."""
    opt = torch.optim.Adam(net.parameters(), lr=LR, fused=True)  # one kernel a step, as the app's
    first, first_test, diverged = None, test_mse(net), False
    for epoch in range(EPOCHS):
        order = torch.randperm(N_TRAIN, generator=torch.Generator().manual_seed(BATCH_SEEDS[epoch]))
        net.train()
        for start in range(0, N_TRAIN, BATCH_SIZE):
            if diverged:
                break
            idx = order[start:start + BATCH_SIZE]
            loss = F.mse_loss(net(x[idx]), y[idx])
            first = first or loss.item()
            if not math.isfinite(loss.item()) or loss.item() > min(first * 1e3, 1e6):
                diverged = True  # this step is not applied
                break
            opt.zero_grad()
            loss.backward()
            opt.step()
        now = test_mse(net)
        diverged = diverged or now > min(first_test * 1e3, 1e6)
    return test_mse(net)


for name, batch_norm in (("plain", False), ("bn", True)):
    print(f"{{name}} test MSE = {{train(make_net(batch_norm)):.6g}}")
'''
