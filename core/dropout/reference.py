"""The dropout lesson the tutorial's way, one net at a time: the reference the stacked run is tested
against."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from core.dropout import DropoutConfig, _data, _grid
from core.frames import frame_steps
from core.models import build_mlp, set_dropout_generator_
from core.seeding import generator_for


def run_plain(config: DropoutConfig, net: str) -> dict[str, np.ndarray]:
    """One contender trained the straightforward way (nn modules, torch.optim.Adam, eval after each step)."""
    x, y, xt, yt = _data(config, config.seed)
    grid = _grid(config)[0]
    model = build_mlp(config.spec(net), generator_for(config.seed, "init"))
    set_dropout_generator_(model, generator_for(config.seed, "dropout"))
    opt = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.decay(net), fused=True)
    steps = set(frame_steps(config.iterations, config.frames).tolist())
    train_mse, test_mse, step_loss, curves = [], [], [], []
    for step in range(config.iterations + 1):
        if step > 0:
            model.train()
            loss = F.mse_loss(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            step_loss.append(loss.item())
        model.eval()
        with torch.no_grad():
            if step > 0:
                train_mse.append(F.mse_loss(model(x), y).item())
                test_mse.append(F.mse_loss(model(xt), yt).item())
            if step in steps:
                curves.append(model(grid)[:, 0].numpy())
    return {"train_mse": np.array(train_mse), "test_mse": np.array(test_mse),
            "step_loss": np.array(step_loss), "frame_curves": np.array(curves)}
