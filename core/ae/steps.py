"""The autoencoder's training step, its gradient written out: one forward pass that keeps each
layer's output, the backward pass by hand into one flat gradient, one fused Adam update.

Why by hand: on one torch thread the tutorial's step (autograd, Adam over 16 tensors) took 3.2 ms
here, this one 2.1 ms: autograd's engine and Adam's per-tensor bookkeeping were a third of the step.
The arithmetic is autograd's: over the lesson's first 500 steps every loss was the same to the last
bit or one (the loss's sum runs in another order); later, where the run leaves its plateau, such
last-bit differences grow, as they do between any two machines. tests/test_ae.py checks the
gradient against autograd's and the run against the tutorial's own loop; `python -m bench.ae`
times both.
"""

from __future__ import annotations

import torch
from torch import nn


class AdamSteps:
    """Adam on MSE for an AutoEncoder (Linear layers with tanh between them, a linear code layer
    and a sigmoid output), its parameters moved into one flat tensor that the module's weights
    now view, so the module is always the trained network."""

    def __init__(self, model: nn.Module, lr: float) -> None:
        self.layers = [m for m in model.modules() if isinstance(m, nn.Linear)]
        self.code_layer = len(model.encoder) // 2  # the encoder's last Linear: its output is linear
        params = [p for m in self.layers for p in (m.weight, m.bias)]
        self.flat = nn.Parameter(torch.cat([p.detach().reshape(-1) for p in params]))
        self.flat.grad = torch.zeros_like(self.flat)
        self.grads: list[tuple[torch.Tensor, torch.Tensor]] = []  # (dW, db) views, per layer
        start = 0
        for m in self.layers:
            views = []
            for p in (m.weight, m.bias):
                n = p.numel()
                p.data = self.flat.data[start:start + n].view_as(p)
                views.append(self.flat.grad[start:start + n].view_as(p))
                start += n
            self.grads.append((views[0], views[1]))
        self.optimizer = torch.optim.Adam([self.flat], lr=lr, fused=True)
        self._outputs: list[torch.Tensor] = []
        self._target: torch.Tensor | None = None

    @torch.no_grad()
    def loss(self, inp: torch.Tensor, target: torch.Tensor) -> float:
        """The MSE of the network on `inp` (batch, 784) against `target`; keeps what the update needs."""
        last = len(self.layers) - 1
        h, outputs = inp, [inp]
        for i, m in enumerate(self.layers):
            z = torch.addmm(m.bias, h, m.weight.t())  # (batch, out)
            h = z.sigmoid_() if i == last else z if i == self.code_layer else z.tanh_()
            outputs.append(h)
        self._outputs, self._target = outputs, target
        return float((h - target).pow_(2).mean())

    @torch.no_grad()
    def update(self) -> None:
        """Backpropagate the last `loss` and take one Adam step."""
        out, last = self._outputs, len(self.layers) - 1
        y = out[-1]
        g = (y - self._target).mul_(2.0 / y.numel())  # d MSE / d output
        g.mul_(y * (1 - y))  # through the sigmoid
        for i in range(last, -1, -1):
            dw, db = self.grads[i]
            torch.mm(g.t(), out[i], out=dw)
            torch.sum(g, 0, out=db)
            if i == 0:
                break  # no gradient for the images themselves
            g = g @ self.layers[i].weight  # d loss / d out[i]
            if i - 1 != self.code_layer:
                g.mul_(1 - out[i] * out[i])  # through the tanh that made out[i]
        self.optimizer.step()
        self._outputs, self._target = [], None
