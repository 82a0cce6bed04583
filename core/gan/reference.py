"""The painter the tutorial's way: nn.Sequential G and D, autograd, torch.optim.Adam, one training at
a time. The reference the stacked run is tested against, and the loop its benchmark times."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from core.frames import frame_steps
from core.gan.engine import init_mlp
from core.gan.painter import HIDDEN, N_IDEAS, N_POINTS, TAG, PainterConfig, paint_real, shown_ideas
from core.seeding import generator_for


def _load(net: nn.Sequential, params: list[torch.Tensor]) -> nn.Sequential:
    """The nn.Linear layers of `net` set to `params` (W as (in, out), b: core.gan.engine.init_mlp's)."""
    linears = [m for m in net if isinstance(m, nn.Linear)]
    with torch.no_grad():
        for i, layer in enumerate(linears):
            layer.weight.copy_(params[2 * i].t())
            layer.bias.copy_(params[2 * i + 1])
    return net


def models(seed: int) -> tuple[nn.Sequential, nn.Sequential]:
    """The lesson's G and D, initialised from `seed` as the stacked run initialises them."""
    g = generator_for(seed, TAG, "init")
    G = nn.Sequential(nn.Linear(N_IDEAS, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, N_POINTS))
    D = nn.Sequential(nn.Linear(N_POINTS, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, 1), nn.Sigmoid())
    _load(G, init_mlp((N_IDEAS, HIDDEN, N_POINTS), g))
    _load(D, init_mlp((N_POINTS, HIDDEN, 1), g))
    return G, D


def run_plain(config: PainterConfig, which: str = "A", steps: int | None = None) -> dict[str, np.ndarray]:
    """Training `which` of `config`, the tutorial's loop: per step, G steps on D(G(z)), then D on
    real paintings and G(z) detached (extra D or G steps as core.gan.engine.iteration takes them).
    Returns per step D loss, G loss, D(real), D(fake), and the paintings of the shown ideas at the
    snapshots."""
    s = config.settings(which)
    steps = config.steps if steps is None else steps
    G, D = models(config.seed)
    opt_G = torch.optim.Adam(G.parameters(), lr=s["lr_g"])
    opt_D = torch.optim.Adam(D.parameters(), lr=s["lr_d"])
    g = generator_for(config.seed, TAG, "batches")
    ideas = shown_ideas(config.seed)
    when = set(frame_steps(steps, config.frames).tolist())
    out: dict[str, list] = {"d_loss": [], "g_loss": [], "d_real": [], "d_fake": [], "paintings": []}

    def batch() -> tuple[torch.Tensor, torch.Tensor]:
        a = torch.rand((config.batch, 1), generator=g) + 1
        return paint_real(a), torch.randn((config.batch, N_IDEAS), generator=g)

    with torch.no_grad():
        out["paintings"].append(G(ideas).numpy())
    for step in range(1, steps + 1):
        for _ in range(s["g_steps"]):
            real, z = batch()
            G_paintings = G(z)
            prob_fake = D(G_paintings)
            if s["loss"] == "saturating":
                G_loss = torch.mean(torch.log(1.0 - prob_fake))
            else:
                G_loss = -torch.mean(torch.log(prob_fake))
            opt_G.zero_grad()
            G_loss.backward()
            opt_G.step()
        for j in range(s["d_steps"]):
            if j > 0:
                real, z = batch()
                with torch.no_grad():
                    G_paintings = G(z)
            prob_real = D(real)
            prob_fake = D(G_paintings.detach())
            D_loss = -torch.mean(torch.log(prob_real) + torch.log(1.0 - prob_fake))
            opt_D.zero_grad()
            D_loss.backward()
            opt_D.step()
        for name, value in (("d_loss", D_loss), ("g_loss", G_loss), ("d_real", prob_real.mean()),
                            ("d_fake", prob_fake.mean())):
            out[name].append(value.item())
        if step in when:
            with torch.no_grad():
                out["paintings"].append(G(ideas).numpy())
    return {k: np.array(v) for k, v in out.items()}
