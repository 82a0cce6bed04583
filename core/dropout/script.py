"""The code of a dropout run: the lesson's nets trained one after the other in plain PyTorch."""

from __future__ import annotations

import dataclasses

from core.dropout import DropoutConfig, DropoutResult
from core.scripts import header, script_of
from core.seeding import derive_seed

# The nets without dropout memorise: from about step 100 on, they amplify the rounding differences
# between the app's stacked matrix products and the script's one-net products (tests/test_dropout.py
# says the same of core.dropout.reference). Their final MSEs then agree only to within a quarter of
# the noise's variance (on the default run: train 0.016 vs 0.010, test 0.113 vs 0.122).
CALM_STEPS = 100


def figures(result: DropoutResult) -> dict[str, float | tuple[float, float, float]]:
    """The table under the replay: each net's final train and test MSE (eval mode)."""
    c = result.config
    out: dict[str, float | tuple[float, float, float]] = {}
    for k, net in enumerate(result.nets):
        train, test = float(result.train_mse[k, -1]), float(result.test_mse[k, -1])
        loose = net != "dropout" and c.iterations > CALM_STEPS
        band = 0.25 * c.noise ** 2
        out[f"{net} train MSE"] = (train, 0.0, band) if loose else train
        out[f"{net} test MSE"] = (test, 0.0, band) if loose else test
    return out


def quick(config: DropoutConfig) -> DropoutConfig:
    """At most 150 steps of nets at most 100 wide: a few seconds."""
    return dataclasses.replace(config, iterations=min(config.iterations, 150), width=min(config.width, 100))


@script_of(DropoutConfig, figures=figures, rtol=2e-3, atol=2e-5, quick=quick)
def write(c: DropoutConfig) -> str:
    """The script of `c`."""
    s = c.seed
    nets = ", ".join(repr(n) for n in c.nets)
    return header("Dropout vs overfitting", c) + f'''
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)

# The data: y = x plus noise; the test points share their x and draw fresh noise.
N_POINTS, NOISE = {c.n_points}, {c.noise!r}
x = torch.linspace(-1.0, 1.0, N_POINTS).unsqueeze(1)  # (n, 1)
g_train = torch.Generator().manual_seed({derive_seed(s, "noisy_curve", "train")})
g_test = torch.Generator().manual_seed({derive_seed(s, "noisy_curve", "test")})
y = x + NOISE * torch.randn(x.shape, generator=g_train)
x_test, y_test = x, x + NOISE * torch.randn(x.shape, generator=g_test)


class Dropout(nn.Module):
    """nn.Dropout, drawing its masks from a generator of its own so that the run repeats exactly."""

    def __init__(self, p, generator):
        super().__init__()
        self.p, self.generator = p, generator

    def forward(self, h):
        if not self.training or self.p == 0:
            return h
        keep = torch.rand(h.shape, generator=self.generator) < 1 - self.p
        return h * keep / (1 - self.p)


def make_net(rate):
    """{c.depth} hidden layers of {c.width} ReLU units (dropout after each when rate > 0)."""
    torch.manual_seed({derive_seed(s, "init")})  # every net starts from the same weights
    masks = torch.Generator().manual_seed({derive_seed(s, "dropout")})  # one stream for all its layers
    layers, width_in = [], 1
    for _ in range({c.depth}):
        layers += [nn.Linear(width_in, {c.width}), nn.ReLU()]
        if rate > 0:
            layers.append(Dropout(rate, masks))
        width_in = {c.width}
    return nn.Sequential(*layers, nn.Linear(width_in, 1))


def train(net, weight_decay):
    """{c.iterations} full-batch Adam steps (lr {c.lr!r}); stops if the loss blows up."""
    opt = torch.optim.Adam(net.parameters(), lr={c.lr!r}, weight_decay=weight_decay)
    first = None
    for step in range(1, {c.iterations} + 1):
        net.train()  # dropout on
        loss = F.mse_loss(net(x), y)
        first = first or loss.item()
        if not torch.isfinite(loss) or loss.item() > min(first * 1e3, 1e6):
            return float("nan"), float("nan")  # diverged
        opt.zero_grad()
        loss.backward()
        opt.step()
    net.eval()  # dropout off: the nets are compared on equal terms
    with torch.no_grad():
        return F.mse_loss(net(x), y).item(), F.mse_loss(net(x_test), y_test).item()


settings = {{
    "overfit": (0.0, 0.0),  # (dropout rate, weight decay)
    "dropout": ({c.dropout!r}, 0.0),
    "l2": (0.0, {c.weight_decay!r}),
}}
for name in ({nets},):
    rate, weight_decay = settings[name]
    train_mse, test_mse = train(make_net(rate), weight_decay)
    print(f"{{name}} train MSE = {{train_mse:.6g}}")
    print(f"{{name}} test MSE = {{test_mse:.6g}}")
'''
