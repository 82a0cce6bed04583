"""The sequences lesson the tutorial's way, one network at a time: the reference the stacked run is
tested against, and the plain loop its benchmark times."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from core.seeding import generator_for
from core.seq import SeqConfig
from core.seq.cells import init_modules
from core.seq.data import signal, window_times


class TutorialNet(nn.Module):
    """The tutorial's `RNN` class, for any cell type: the recurrent layer, then `out` at every step."""

    def __init__(self, cell: nn.Module, out: nn.Linear) -> None:
        super().__init__()
        self.rnn, self.out = cell, out

    def forward(self, x: torch.Tensor, h_state):  # x (batch, time_step, input_size)
        r_out, h_state = self.rnn(x, h_state)  # r_out (batch, time_step, hidden_size)
        outs = [self.out(r_out[:, t, :]) for t in range(r_out.size(1))]
        return torch.stack(outs, dim=1), h_state


def tutorial_net(config: SeqConfig, kind: str) -> TutorialNet:
    """The network the lesson's run starts `kind` from, as nn modules."""
    cell, out = init_modules(kind, config.hidden, generator_for(config.seed, "seq_init", kind),
                             generator_for(config.seed, "seq_init", "out"))
    return TutorialNet(cell, out)


def run_plain(config: SeqConfig, kind: str = "rnn", carry: bool = True) -> dict[str, np.ndarray]:
    """The tutorial's loop: a window at a time, `h_state = h_state.data` (or None to reset), MSELoss,
    Adam. Returns each window's loss and prediction."""
    net = tutorial_net(config, kind)
    optimizer = torch.optim.Adam(net.parameters(), lr=config.lr)
    loss_func = nn.MSELoss()
    h_state = None
    losses, preds = [], []
    steps = window_times(0, config.windows, config.length, config.steps)  # (windows, time_step)
    x_all, y_all = signal(config.task, steps, 1.0, config.noise, config.dt, config.seed, "train")
    for step in range(config.windows):
        x = torch.from_numpy(x_all[step][np.newaxis, :, np.newaxis])  # shape (batch, time_step, input_size)
        y = torch.from_numpy(y_all[step][np.newaxis, :, np.newaxis])
        prediction, h_state = net(x, h_state if carry else None)
        h_state = tuple(h.data for h in h_state) if kind == "lstm" else h_state.data  # this step is important
        loss = loss_func(prediction, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        preds.append(prediction.detach()[0, :, 0].numpy())
    return {"loss": np.array(losses), "pred": np.array(preds)}
