"""The code of a fit run: networks A and B trained one after the other on the same points, in plain
PyTorch (the regression and classification tutorials' loop)."""

from __future__ import annotations

import dataclasses
import math

from core.fit import MAX_FRAMES, SIDES, FitConfig, FitResult, batch_of, inputs_of, steps_per_epoch, task
from core.fit.data import REGRESSION
from core.scripts import header, script_of
from core.seeding import derive_seed

# What `make_points(n, g, stream)` does for each data set (core.fit.data.make_points).
POINTS = {
    "curve": '''    if stream == "train":
        x1 = torch.linspace(-1, 1, n)  # the tutorial's evenly spaced x
    else:
        x1 = uniform(g, -1, 1, n).sort().values
    return torch.stack([x1, torch.zeros(n)], 1), x1 ** 2 + NOISE * torch.rand(n, generator=g)''',
    "blobs": '''    labels = (torch.arange(n) >= n // 2).long()
    centre = torch.where(labels[:, None] == 0, 2.0, -2.0).expand(n, 2)
    return centre + 5 * NOISE * torch.randn(n, 2, generator=g), labels''',
    "gauss": '''    labels = (torch.arange(n) % 2).long()
    centre = torch.where(labels[:, None] == 1, 2.0, -2.0).expand(n, 2)
    return centre + math.sqrt(0.5 + 7 * NOISE) * torch.randn(n, 2, generator=g), labels''',
    "spiral": '''    labels = (torch.arange(n) % 2).long()
    i = uniform(g, 0, 1, n)  # position along the arm, 0 at the centre
    t = 1.75 * i * 2 * math.pi + math.pi * labels
    x = torch.stack([5 * i * torch.sin(t), 5 * i * torch.cos(t)], 1)
    return x + NOISE * uniform(g, -1, 1, n, 2), 1 - labels''',
    "circle": '''    inside = torch.arange(n) % 2 == 0
    r = torch.where(inside, uniform(g, 0, 2.5, n), uniform(g, 3.5, 5, n))
    angle = uniform(g, 0, 2 * math.pi, n)
    x = torch.stack([r * torch.sin(angle), r * torch.cos(angle)], 1)
    shifted = x + NOISE * uniform(g, -5, 5, n, 2)  # the label is read at a noisy position
    return x, (shifted.norm(dim=1) < 2.5).long()''',
    "xor": '''    x = uniform(g, -5, 5, n, 2)
    x = x + torch.where(x > 0, 0.3, -0.3)
    shifted = x + NOISE * uniform(g, -5, 5, n, 2)
    return x, (shifted[:, 0] * shifted[:, 1] >= 0).long()''',
    "plane": '''    x = uniform(g, -6, 6, n, 2)
    shifted = x + NOISE * uniform(g, -6, 6, n, 2)
    return x, (shifted[:, 0] + shifted[:, 1]) / 10''',
    "multigauss": '''    x = uniform(g, -6, 6, n, 2)
    s = x + NOISE * uniform(g, -6, 6, n, 2)
    bumps = torch.stack([sign * (1 - torch.hypot(s[:, 0] - cx, s[:, 1] - cy) / 2).clamp(0, 1)
                         for cx, cy, sign in ((-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1),
                                              (0, -2.5, 1), (4, -2.5, -1))], 1)  # (n, 6)
    return x, bumps.gather(1, bumps.abs().argmax(1, keepdim=True))[:, 0]''',
}
FEATURE_CODE = {"x1": "x[:, 0]", "x2": "x[:, 1]", "x1sq": "x[:, 0] * x[:, 0]", "x2sq": "x[:, 1] * x[:, 1]",
                "x1x2": "x[:, 0] * x[:, 1]", "sinx1": "torch.sin(x[:, 0])", "sinx2": "torch.sin(x[:, 1])"}
ACTIVATION_CODE = {"relu": "nn.ReLU()", "tanh": "nn.Tanh()", "sigmoid": "nn.Sigmoid()",
                   "linear": "nn.Identity()"}


def figures(result: FitResult) -> dict[str, float]:
    """Each network's data loss on the training and the test points at its last frame."""
    out = {}
    for side in SIDES:
        net = result.nets[side]
        out[f"{side.upper()} train loss"] = float(net.train_loss[-1])
        if result.config.n_test:
            out[f"{side.upper()} test loss"] = float(net.test_loss[-1])
    return out


def quick(config: FitConfig) -> FitConfig:
    """At most 30 epochs on at most 300 points, batches of 10 or more: a few seconds."""
    return dataclasses.replace(config, epochs=min(config.epochs, 30), n_points=min(config.n_points, 300),
                               a_batch_size=_quick_batch(config.a_batch_size),
                               b_batch_size=_quick_batch(config.b_batch_size))


def _quick_batch(size: int) -> int:
    return size if size == 0 or size >= 10 else 10


def _net(c: FitConfig, side: str) -> str:
    spec = c.net(side)
    features = inputs_of(c, side)
    check = steps_per_epoch(c, side) if c.frame_every == "epoch" else 1
    ticks = c.epochs if c.frame_every == "epoch" else max(c.epochs * steps_per_epoch(c, s) for s in SIDES)
    check *= max(1, math.ceil(ticks / (MAX_FRAMES - 1)))
    penalty = {"none": "0.0", "l1": f"{spec.reg_rate!r} * sum(w.abs().sum() for w in weights)",
               "l2": f"{spec.reg_rate!r} * sum((w * w).sum() for w in weights)"}[spec.regularization]
    optimizer = "SGD" if spec.optimizer == "sgd" else "Adam"
    return f'''    "{side.upper()}": dict(
        # inputs: {", ".join(features)}
        features=lambda x: torch.stack([{", ".join(FEATURE_CODE[f] for f in features)}], dim=1),
        widths=[{len(features)}] + [{spec.units}] * {spec.layers} + [OUTPUTS],
        activation=lambda: {ACTIVATION_CODE[spec.activation]},
        optimizer=lambda params: torch.optim.{optimizer}(params, lr={spec.lr!r}),
        penalty=lambda weights: {penalty},  # on the weights, not the biases
        batch_size={batch_of(c, side)},
        check_every={check},  # steps between two looks at the loss (the app's frames)
    ),'''


@script_of(FitConfig, figures=figures, rtol=2e-3, atol=2e-5, quick=quick)
def write(c: FitConfig) -> str:
    """The script of `c`."""
    s, kind = c.seed, task(c.dataset)
    loss = ("F.mse_loss(out[:, 0], y)" if kind == REGRESSION else "F.cross_entropy(out, y)")
    return header("Fitting, classification and mini-batches", c) + f'''
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
N_TRAIN, N_TEST, NOISE, EPOCHS = {c.n_train}, {c.n_test}, {c.noise!r}, {c.epochs}
OUTPUTS = {1 if kind == REGRESSION else 2}  # {kind}
TARGET_LOSS = {c.target_loss!r}  # a network stops once its training loss is at or below this (0: never)


def uniform(g, lo, hi, *shape):
    return lo + (hi - lo) * torch.rand(shape, generator=g)


def make_points(n, g, stream):
    """The {c.dataset!r} data set: (n, 2) points and their targets."""
{POINTS[c.dataset]}


g_train = torch.Generator().manual_seed({derive_seed(s, "fit", c.dataset, "train")})
g_test = torch.Generator().manual_seed({derive_seed(s, "fit", c.dataset, "test")})
x_train, y_train = make_points(N_TRAIN, g_train, "train")
x_test, y_test = make_points(N_TEST, g_test, "test")


def data_loss(out, y):
    return {loss}


NETS = {{
{_net(c, "a")}
{_net(c, "b")}
}}


def make_net(widths, activation):
    """Linear layers initialised as nn.Linear does, from one seed: two nets of one shape start equal."""
    g = torch.Generator().manual_seed({derive_seed(s, "fit", "init")})
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(widths, widths[1:])):
        layer = nn.Linear(fan_in, fan_out)
        with torch.no_grad():
            layer.weight.uniform_(-1 / math.sqrt(fan_in), 1 / math.sqrt(fan_in), generator=g)
            layer.bias.uniform_(-1 / math.sqrt(fan_in), 1 / math.sqrt(fan_in), generator=g)
        layers.append(layer)
        if i < len(widths) - 2:
            layers.append(activation())
    return nn.Sequential(*layers)


def evaluate(net, x, y):
    if len(x) == 0:
        return float("nan")
    with torch.no_grad():
        return data_loss(net(x), y).item()


def train(n):
    net = make_net(n["widths"], n["activation"])
    xs_train, xs_test = n["features"](x_train), n["features"](x_test)
    opt = n["optimizer"](net.parameters())
    weights = [m.weight for m in net if isinstance(m, nn.Linear)]
    batches = torch.Generator().manual_seed({derive_seed(s, "fit", "batches")})  # the same order for A and B
    shown = evaluate(net, xs_train, y_train), evaluate(net, xs_test, y_test)
    first, step, total = None, 0, EPOCHS * math.ceil(N_TRAIN / n["batch_size"])
    if 0 < TARGET_LOSS and shown[0] <= TARGET_LOSS:
        return shown
    for epoch in range(EPOCHS):
        order = torch.randperm(N_TRAIN, generator=batches)
        for start in range(0, N_TRAIN, n["batch_size"]):
            idx = order[start:start + n["batch_size"]]
            loss = data_loss(net(xs_train[idx]), y_train[idx]) + n["penalty"](weights)
            first = first or loss.item()
            if not math.isfinite(loss.item()) or loss.item() > min(first * 1e3, 1e6):
                return shown  # diverged: the last losses it showed
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            if step % n["check_every"] == 0 or step == total:
                shown = evaluate(net, xs_train, y_train), evaluate(net, xs_test, y_test)
                if 0 < TARGET_LOSS and shown[0] <= TARGET_LOSS:
                    return shown
    return shown


for name, n in NETS.items():
    train_loss, test_loss = train(n)
    print(f"{{name}} train loss = {{train_loss:.6g}}")
    if N_TEST:
        print(f"{{name}} test loss = {{test_loss:.6g}}")
'''
