"""The activations lesson the tutorial's way, one nn.Module and one Adam per activation in turn: the
reference the stacked run is tested and benchmarked against."""

from __future__ import annotations

import numpy as np
import torch
from torch.nn import functional as F

from core.activations import ActivationTrainConfig, _frames, grid_axes, make_dataset
from core.models import MLPSpec, build_mlp
from core.seeding import generator_for


def run_classic(config: ActivationTrainConfig) -> dict[str, list[float]]:
    """Each activation's per-step losses, trained the textbook way; the boundary grid is evaluated at
    the same frames, so the benchmark compares equal work."""
    x, y = make_dataset(config.dataset, config.n_samples, config.noise, config.seed)
    gx, gy = grid_axes(x, config.grid_size)
    xx, yy = np.meshgrid(gx, gy)
    grid = torch.tensor(np.stack([xx.ravel(), yy.ravel()], axis=1), dtype=torch.float32)
    frames = set(_frames(config.steps, config.n_frames))
    out = {}
    for name in config.activations:
        spec = MLPSpec(widths=(2, *config.hidden, 1), activation=name)
        model = build_mlp(spec, generator_for(config.seed, "init"))
        opt = torch.optim.Adam(model.parameters(), lr=config.lr)
        losses = []
        for step in range(config.steps + 1):
            loss = F.binary_cross_entropy_with_logits(model(x).squeeze(-1), y)
            losses.append(loss.item())
            if step in frames:
                with torch.no_grad():
                    torch.sigmoid(model(grid))
            if step == config.steps:
                break
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        out[name] = losses
    return out
