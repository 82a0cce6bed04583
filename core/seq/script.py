"""The code of a sequences run: the RNN tutorial's loop, once per cell type and per way of handling
the hidden state (carried to the next window, or reset), in plain PyTorch."""

from __future__ import annotations

import dataclasses

from core.scripts import header, script_of
from core.seeding import derive_seed
from core.seq import SeqConfig, SeqResult


def figures(result: SeqResult) -> dict[str, float]:
    """Each variant's score: its mean loss over the last windows (NaN once diverged)."""
    return {f"{v} score": float(s) for v, s in zip(result.variants, result.tail_mse())}


def quick(config: SeqConfig) -> SeqConfig:
    """At most 60 windows of at most 20 steps and 48 units: a few seconds."""
    return dataclasses.replace(config, windows=min(config.windows, 60), steps=min(config.steps, 20),
                               hidden=min(config.hidden, 48))


@script_of(SeqConfig, figures=figures, rtol=2e-3, atol=2e-5, quick=quick)
def write(c: SeqConfig) -> str:
    """The script of `c`."""
    s = c.seed
    inits = {kind: derive_seed(s, "seq_init", kind) for kind in ("rnn", "lstm", "gru")}
    if c.task == "sin_cos":
        data = "        x_np, y_np = np.sin(steps), np.cos(steps)  # read sin, predict cos\n"
    else:
        data = (f"        x_np = (np.sin(steps) + np.float32({c.noise!r}) * noise[step]).astype(np.float32)\n"
                "        y_np = np.sin(steps.astype(np.float64) + DT).astype(np.float32)  # the next value\n")
    return header("Sequences: carried or reset hidden state", c) + f'''
import math

import numpy as np
import torch
from torch import nn

torch.set_num_threads(1)
TIME_STEP, WINDOWS, HIDDEN, LR = {c.steps}, {c.windows}, {c.hidden}, {c.lr!r}
LENGTH = {c.window_pi!r} * math.pi  # one window, in radians
DT = LENGTH / TIME_STEP
SCORED = {c.scored}  # the score: mean loss over the last this many windows
CELLS = {{"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}}
INIT_SEEDS = {inits!r}  # one per cell type; the read-out's is {derive_seed(s, "seq_init", "out")}


class RNN(nn.Module):
    """The tutorial's network: a recurrent layer, then `out` at every time step."""

    def __init__(self, kind):
        super().__init__()
        self.rnn = CELLS[kind](input_size=1, hidden_size=HIDDEN, num_layers=1, batch_first=True)
        self.out = nn.Linear(HIDDEN, 1)
        bound = 1 / math.sqrt(HIDDEN)  # PyTorch's own rules, drawn from generators of our own
        cell_gen = torch.Generator().manual_seed(INIT_SEEDS[kind])
        out_gen = torch.Generator().manual_seed({derive_seed(s, "seq_init", "out")})
        with torch.no_grad():
            for p in self.rnn.parameters():
                nn.init.uniform_(p, -bound, bound, generator=cell_gen)
            nn.init.kaiming_uniform_(self.out.weight, a=math.sqrt(5), generator=out_gen)
            nn.init.uniform_(self.out.bias, -bound, bound, generator=out_gen)

    def forward(self, x, h_state):  # x (batch, time_step, input_size)
        r_out, h_state = self.rnn(x, h_state)  # r_out (batch, time_step, hidden_size)
        outs = [self.out(r_out[:, t, :]) for t in range(r_out.size(1))]
        return torch.stack(outs, dim=1), h_state


def train(kind, carry):
    """One Adam step per window; the hidden state carried (detached) or reset to zero each window."""
    net = RNN(kind)
    optimizer = torch.optim.Adam(net.parameters(), lr=LR)
    loss_func = nn.MSELoss()
    noise_gen = torch.Generator().manual_seed({derive_seed(s, "seq_noise", "train")})
    noise = torch.randn((WINDOWS, TIME_STEP), generator=noise_gen).numpy()  # the inputs' noise (noisy task)
    h_state, losses, first = None, [], None
    for step in range(WINDOWS):
        start, end = step * LENGTH, (step + 1) * LENGTH
        steps = np.linspace(start, end, TIME_STEP, dtype=np.float32, endpoint=False)
{data}        x = torch.from_numpy(x_np[np.newaxis, :, np.newaxis])  # shape (batch, time_step, input_size)
        y = torch.from_numpy(y_np[np.newaxis, :, np.newaxis])
        prediction, h_state = net(x, h_state if carry else None)
        h_state = tuple(h.data for h in h_state) if kind == "lstm" else h_state.data  # this step is important
        loss = loss_func(prediction, y)
        first = first or loss.item()
        if not math.isfinite(loss.item()) or loss.item() > min(first * 1e3, 1e6):
            return float("nan")  # diverged
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return sum(losses[-SCORED:]) / SCORED


for kind in ("rnn", "lstm", "gru"):
    for mode in ("carry", "reset"):
        print(f"{{kind}}_{{mode}} score = {{train(kind, mode == 'carry'):.6g}}")
'''

