"""RNN, LSTM and GRU cells for many networks at once: one stack of weights per cell type, one
batched matrix product per time step for every network in it.

Each member of a stack is one network (a recurrent layer of `hidden` units reading one number per
step, and a Linear(hidden, 1) read-out at every step), with its own weights and its own state.
Members never mix: every product is batched over members (`torch.baddbmm`), so a member's numbers
are those it would have alone. The equations are PyTorch's own (`nn.RNN`, `nn.LSTM`, `nn.GRU`,
gates in PyTorch's order); tests/test_seq.py checks the stack against those modules.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

KINDS = ("rnn", "lstm", "gru")  # stable codes of the cell types
GATES = {"rnn": 1, "lstm": 4, "gru": 3}  # blocks of `hidden` rows in PyTorch's weight_ih / weight_hh
MODULES = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}

State = tuple[torch.Tensor, ...]  # (h,) or, for the LSTM, (h, c); each (members, 1, hidden)


def init_modules(kind: str, hidden: int, cell_gen: torch.Generator,
                 out_gen: torch.Generator) -> tuple[nn.Module, nn.Linear]:
    """The tutorial's two modules, `nn.<KIND>(1, hidden)` and `nn.Linear(hidden, 1)`, initialised by
    PyTorch's own rules but from the given generators (never torch's global RNG)."""
    cell = MODULES[kind](input_size=1, hidden_size=hidden, num_layers=1, batch_first=True)
    out = nn.Linear(hidden, 1)
    bound = 1 / math.sqrt(hidden)
    with torch.no_grad():
        for p in cell.parameters():  # nn.RNNBase.reset_parameters: U(-1/sqrt(h), 1/sqrt(h))
            nn.init.uniform_(p, -bound, bound, generator=cell_gen)
        nn.init.kaiming_uniform_(out.weight, a=math.sqrt(5), generator=out_gen)  # nn.Linear's rule
        nn.init.uniform_(out.bias, -bound, bound, generator=out_gen)
    return cell, out


class CellStack:
    """Members of one cell type, stacked: weights (members, ...) as leaf tensors an optimizer steps.

    Weights are stored as PyTorch's modules store them, stacked: w_ih (M, G·H, 1), w_hh (M, G·H, H),
    b_ih and b_hh (M, 1, G·H), w_out (M, 1, H), b_out (M, 1, 1). The products use their transposed
    views, as `nn.Linear` and the CPU recurrent layers do (`addmm(b, h, W.t())`): then every product
    is bitwise the module's, where contiguous transposed copies differed by a rounding.
    """

    def __init__(self, kind: str, weights: Sequence[torch.Tensor]) -> None:
        self.kind = kind
        self.w_ih, self.w_hh, self.b_ih, self.b_hh, self.w_out, self.b_out = weights
        self.members, self.hidden = self.w_hh.shape[0], self.w_hh.shape[2]

    @classmethod
    def from_modules(cls, kind: str, modules: Sequence[tuple[nn.Module, nn.Linear]],
                     device: torch.device | str = "cpu") -> CellStack:
        """One member per (recurrent module, read-out) pair, copying their weights."""
        def stack(get) -> torch.Tensor:
            return torch.stack([get(c, o).detach() for c, o in modules]).to(device).requires_grad_()

        return cls(kind, [
            stack(lambda c, o: c.weight_ih_l0),
            stack(lambda c, o: c.weight_hh_l0),
            stack(lambda c, o: c.bias_ih_l0.view(1, -1)),
            stack(lambda c, o: c.bias_hh_l0.view(1, -1)),
            stack(lambda c, o: o.weight),
            stack(lambda c, o: o.bias.view(1, 1)),
        ])

    @property
    def parameters(self) -> list[torch.Tensor]:
        return [self.w_ih, self.w_hh, self.b_ih, self.b_hh, self.w_out, self.b_out]

    def detached(self, members: Sequence[int] | None = None) -> CellStack:
        """The same weights (or those of `members`), cut from autograd: for measurements only."""
        index = slice(None) if members is None else torch.tensor(list(members), device=self.w_hh.device)
        return CellStack(self.kind, [p.detach()[index] for p in self.parameters])

    def zero_state(self) -> State:
        h = torch.zeros(self.members, 1, self.hidden, device=self.w_hh.device, dtype=self.w_hh.dtype)
        return (h, torch.zeros_like(h)) if self.kind == "lstm" else (h,)

    def window(self, x: torch.Tensor, state: State) -> tuple[torch.Tensor, State, torch.Tensor]:
        """Run every member over one window: x (M, T, 1) -> prediction (M, T, 1), the state after
        the last step, and the hidden outputs (M, T, H)."""
        xg = torch.baddbmm(self.b_ih, x, self.w_ih.mT)  # (M, T, G·H): the input's part of every gate
        w_hh = self.w_hh.mT  # (M, H, G·H)
        outs = []
        h = state[0]
        c = state[1] if self.kind == "lstm" else None
        for t in range(x.shape[1]):
            hg = torch.baddbmm(self.b_hh, h, w_hh)  # (M, 1, G·H)
            xt = xg[:, t:t + 1]
            if self.kind == "rnn":
                h = torch.tanh(xt + hg)
            elif self.kind == "lstm":
                i, f, g, o = (xt + hg).chunk(4, dim=2)
                c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
                h = torch.sigmoid(o) * torch.tanh(c)
            else:  # gru
                xr, xz, xn = xt.chunk(3, dim=2)
                hr, hz, hn = hg.chunk(3, dim=2)
                r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
                n = torch.tanh(xn + r * hn)
                h = n + z * (h - n)  # (1 - z)·n + z·h
            outs.append(h)
        hidden = torch.cat(outs, dim=1)  # (M, T, H)
        pred = torch.baddbmm(self.b_out, hidden, self.w_out.mT)  # (M, T, 1)
        return pred, ((h, c) if self.kind == "lstm" else (h,)), hidden
