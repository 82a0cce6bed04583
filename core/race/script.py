"""The code of an optimizer race: each racer trained on each seed in turn, in plain PyTorch (the
classic lesson's loop, one optimizer at a time)."""

from __future__ import annotations

import dataclasses

from core.race import RaceConfig, RaceResult, optimizer_spec, unique_labels
from core.scripts import header, script_of
from core.seeding import derive_seed


def figures(result: RaceResult) -> dict[str, float]:
    """Each racer's loss on the whole training set after the last step, per seed (NaN once diverged)."""
    return {f"{label} seed {seed} final loss": float(result.full_losses[r, s, -1])
            for r, label in enumerate(result.labels) for s, seed in enumerate(result.seeds)}


def quick(config: RaceConfig) -> RaceConfig:
    """Three epochs, two seeds at most: a few seconds."""
    return dataclasses.replace(config, epochs=min(config.epochs, 3), seeds=min(config.seeds, 2))


def _optimizer(racer: object) -> str:
    cls, kwargs = optimizer_spec(racer)
    args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    return f"lambda params: torch.optim.{cls.__name__}(params, {args})"


@script_of(RaceConfig, figures=figures, rtol=2e-3, atol=2e-5, quick=quick)
def write(c: RaceConfig) -> str:
    """The script of `c`."""
    labels = unique_labels(c.racers)
    racers = "\n".join(f"    ({label!r}, {_optimizer(r)})," for label, r in zip(labels, c.racers))
    seeds = {s: {"data": derive_seed(s, "noisy_curve", "train"), "batches": derive_seed(s, "batches"),
                 "init": derive_seed(s, "init")} for s in c.seed_list}
    racer_init = ({s: [derive_seed(s, "init", "racer", r) for r in range(len(c.racers))] for s in c.seed_list}
                  if not c.fair_start else None)
    init_line = ("torch.manual_seed(SEEDS[seed]['init'])  # a fair start: every racer from the same weights"
                 if c.fair_start else
                 "torch.manual_seed(RACER_INIT[seed][r])  # each racer from its own random start")
    return header("Optimizer race", c) + f'''
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
N_POINTS, NOISE, BATCH_SIZE, EPOCHS = {c.n_points}, {c.noise!r}, {c.batch_size}, {c.epochs}
RACERS = [  # (name, optimizer)
{racers}
]
SEEDS = {seeds!r}  # per run seed: the seeds of its data noise, batch order and initial weights
RACER_INIT = {racer_init!r}


def train(net, optimizer, x, y, batches):
    """The lesson's loop: shuffled mini-batches every epoch, MSE; stops if the loss blows up."""
    first = None
    for epoch in range(EPOCHS):
        order = torch.randperm(N_POINTS, generator=batches)
        for start in range(0, N_POINTS, BATCH_SIZE):
            idx = order[start:start + BATCH_SIZE]
            loss = F.mse_loss(net(x[idx]), y[idx])
            first = first or loss.item()
            if not math.isfinite(loss.item()) or loss.item() > min(first * 1e3, 1e6):
                return False  # diverged
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return True


for seed in SEEDS:
    x = torch.linspace(-1.0, 1.0, N_POINTS).unsqueeze(1)  # (n, 1)
    noise = torch.randn(x.shape, generator=torch.Generator().manual_seed(SEEDS[seed]["data"]))
    y = x ** 2 + NOISE * noise
    for r, (name, make_optimizer) in enumerate(RACERS):
        {init_line}
        net = nn.Sequential(nn.Linear(1, {c.hidden}), nn.ReLU(), nn.Linear({c.hidden}, 1))
        batches = torch.Generator().manual_seed(SEEDS[seed]["batches"])  # the same batches for every racer
        ok = train(net, make_optimizer(net.parameters()), x, y, batches)
        with torch.no_grad():
            final = F.mse_loss(net(x), y).item() if ok else float("nan")
        print(f"{{name}} seed {{seed}} final loss = {{final:.6g}}")
'''
