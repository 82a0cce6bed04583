"""Stacked GANs with the backward written out: K generator/discriminator pairs trained at once.

A GAN here is two ReLU MLPs (G, and D ending in one logit) trained with Adam. K of them with the
same widths share one tensor per layer, (K, in, out), so a step is one batched matrix product per
layer for all K, whatever K is. The backward is written by hand (ReLU, linear, the two losses
through the sigmoid), and Adam updates each side's flat parameters in a few whole-tensor
operations with a learning rate per GAN: on one torch thread the lesson's painter takes about a
fifth of the time of the same step through autograd and torch.optim (`python -m bench.gan`).

The step is today's tutorial's alternating step: G steps on D(G(z)); then D steps on real samples
and on the paintings G made before its step, detached. tests/test_gan.py checks the whole run
against that loop written with nn.Linear, autograd and torch.optim.Adam (core.gan.reference).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from core.seeding import generator_for

BETAS = (0.9, 0.999)  # torch.optim.Adam's defaults
EPS = 1e-8
LOSSES = ("saturating", "non_saturating")  # G minimises log(1 - D(G(z))), or -log D(G(z))


def init_mlp(widths: Sequence[int], g: torch.Generator) -> list[torch.Tensor]:
    """nn.Linear's default initialisation, drawn from `g`: per layer W (in, out) then b (out,),
    each U(-1/sqrt(in), 1/sqrt(in)) (W drawn as nn.Linear's (out, in) weight, then transposed)."""
    params = []
    for n_in, n_out in zip(widths[:-1], widths[1:]):
        bound = 1.0 / math.sqrt(n_in)
        w = torch.empty(n_out, n_in).uniform_(-bound, bound, generator=g)
        b = torch.empty(n_out).uniform_(-bound, bound, generator=g)
        params += [w.t().contiguous(), b]
    return params


class Stack:
    """K MLPs of the same widths, ReLU between layers, no activation at the end; their parameters
    live in one flat (K, P) tensor with views per layer, their gradients in another, and Adam's
    moments beside them."""

    def __init__(self, widths: Sequence[int], inits: Sequence[list[torch.Tensor]]) -> None:
        self.widths = tuple(widths)
        k = len(inits)
        shapes = [s for a, b in zip(widths[:-1], widths[1:]) for s in ((a, b), (1, b))]
        sizes = [a * b for a, b in shapes]
        self.flat = torch.cat([torch.cat([p.reshape(-1) for p in init]).view(1, -1) for init in inits])
        self.grad = torch.zeros_like(self.flat)
        self.m = torch.zeros_like(self.flat)
        self.v = torch.zeros_like(self.flat)
        self.t = 0
        self.params = self._views(self.flat, shapes, sizes, k)
        self.grads = self._views(self.grad, shapes, sizes, k)

    @staticmethod
    def _views(buffer: torch.Tensor, shapes: list, sizes: list, k: int) -> list[torch.Tensor]:
        views, at = [], 0
        for (a, b), n in zip(shapes, sizes):
            views.append(buffer[:, at:at + n].view(k, a, b))
            at += n
        return views

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Every layer's input and the output: [x, h1, ..., out]; x (K, N, in), out (K, N, out)."""
        acts = [x]
        n_layers = len(self.widths) - 1
        for i in range(n_layers):
            z = torch.baddbmm(self.params[2 * i + 1], acts[-1], self.params[2 * i])  # (K, N, out_i)
            acts.append(z.relu_() if i < n_layers - 1 else z)
        return acts

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward(x)[-1]

    def backward(self, acts: list[torch.Tensor], d_out: torch.Tensor, *, params: bool = True,
                 inputs: bool = False) -> torch.Tensor | None:
        """Back from d(loss)/d(out) (K, N, out): the parameters' gradients into `grad` (with
        `params`), and d(loss)/d(x) returned (with `inputs`)."""
        d = d_out
        n_layers = len(self.widths) - 1
        for i in range(n_layers - 1, -1, -1):
            if params:
                torch.bmm(acts[i].transpose(1, 2), d, out=self.grads[2 * i])
                torch.sum(d, dim=1, keepdim=True, out=self.grads[2 * i + 1])
            if i == 0 and not inputs:
                return None
            d = torch.bmm(d, self.params[2 * i].transpose(1, 2))
            if i > 0:
                d = torch.ops.aten.threshold_backward(d, acts[i], 0)  # through the ReLU (acts[i] its output)
        return d

    def adam(self, lr: torch.Tensor) -> None:
        """One step of torch.optim.Adam (default betas and eps) on every row, row k at lr[k] (K, 1)."""
        b1, b2 = BETAS
        self.t += 1
        self.m.lerp_(self.grad, 1 - b1)
        self.v.mul_(b2).addcmul_(self.grad, self.grad, value=1 - b2)
        denom = (self.v.sqrt() / math.sqrt(1 - b2 ** self.t)).add_(EPS)
        self.flat.addcdiv_(self.m * (lr / -(1 - b1 ** self.t)), denom)

    def state(self) -> dict:
        """A copy of everything that moves during training (for a stepping session to resume)."""
        return {"flat": self.flat.clone(), "m": self.m.clone(), "v": self.v.clone(), "t": self.t}

    def load(self, state: dict) -> None:
        self.flat.copy_(state["flat"])
        self.m.copy_(state["m"])
        self.v.copy_(state["v"])
        self.t = state["t"]


@dataclass(frozen=True)
class Side:
    """How one GAN of a stack trains (a stack's GANs share their step structure, differ in these)."""

    lr_g: float
    lr_d: float
    loss: str  # one of LOSSES


class TwoTrainings:
    """A config of two trainings, A and B, where B takes A's settings (fields lr_g, lr_d, d_steps,
    g_steps, loss) but one group, named by `differ`, from its own fields (b_lr_g, b_lr_d, b_d_steps,
    b_g_steps; the loss is the other one)."""

    trainings = ("A", "B")

    def settings(self, which: str) -> dict:
        """The training settings of "A" or "B"."""
        a = {"lr_g": self.lr_g, "lr_d": self.lr_d, "d_steps": self.d_steps, "g_steps": self.g_steps,
             "loss": self.loss}
        if which == "A" or self.differ == "none":
            return a
        other = {"lr": {"lr_g": self.b_lr_g, "lr_d": self.b_lr_d},
                 "ratio": {"d_steps": self.b_d_steps, "g_steps": self.b_g_steps},
                 "loss": {"loss": LOSSES[1 - LOSSES.index(self.loss)]}}[self.differ]
        return {**a, **other}

    def side(self, which: str) -> Side:
        s = self.settings(which)
        return Side(lr_g=s["lr_g"], lr_d=s["lr_d"], loss=s["loss"])


DIFFERS = ("none", "lr", "ratio", "loss")  # what B changes of A's settings


# Draws `(real, z)` of one step for every GAN: real (K, N, data_dim), z (K, N, noise_dim).
Sampler = Callable[[], tuple[torch.Tensor, torch.Tensor]]


class GanStack:
    """K GANs of one architecture, trained together step by step (one D or G update at a time)."""

    def __init__(self, g_widths: Sequence[int], d_widths: Sequence[int], seeds: Sequence[int],
                 sides: Sequence[Side], tag: str) -> None:
        """Each GAN's G and D start from nn.Linear's initialisation drawn from its seed (`tag` names
        the lesson's stream): GANs of one seed start from the same weights."""
        inits_g, inits_d = [], []
        for s in seeds:
            g = generator_for(s, tag, "init")
            inits_g.append(init_mlp(g_widths, g))
            inits_d.append(init_mlp(d_widths, g))
        self.g = Stack(g_widths, inits_g)
        self.d = Stack(d_widths, inits_d)
        self.k = len(seeds)
        self.lr_g = torch.tensor([[s.lr_g] for s in sides])
        self.lr_d = torch.tensor([[s.lr_d] for s in sides])
        # d(G loss)/d(D's logit of a painting) = -(p if saturating else 1 - p) / N
        self.sat = torch.tensor([[[1.0 if s.loss == "saturating" else 0.0]] for s in sides])
        self.fake: torch.Tensor | None = None  # the paintings of the last G step, for D's next step
        self._target: torch.Tensor | None = None  # (1, 2N, 1): 1 for the real half, 0 for the fake
        self._sign: torch.Tensor | None = None  # (1, 2, 1): logits of real, and minus those of fake

    def g_step(self, z: torch.Tensor) -> torch.Tensor:
        """One G update on D(G(z)); returns G's loss per GAN (K,). Keeps G(z) (before the update)."""
        acts_g = self.g.forward(z)
        fake = acts_g[-1]
        acts_d = self.d.forward(fake)
        logit = acts_d[-1]  # (K, N, 1)
        n = logit.shape[1]
        p = torch.sigmoid(logit)
        pull = torch.lerp(1 - p, p, self.sat)  # the saturating loss pulls with p, the other with 1 - p
        d_fake = self.d.backward(acts_d, pull.mul_(-1.0 / n), params=False, inputs=True)
        self.g.backward(acts_g, d_fake)
        self.g.adam(self.lr_g)
        self.fake = fake
        flat = logit.view(self.k, n)
        return torch.lerp(-F.logsigmoid(flat), F.logsigmoid(-flat), self.sat.view(-1, 1)).mean(dim=1)

    def d_step(self, real: torch.Tensor, fake: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """One D update on real (K, N, dim) and fake (detached) samples, N each; returns D's loss,
        mean D(real) and mean D(fake) per GAN, each (K,)."""
        n = real.shape[1]
        if self._target is None or self._target.shape[1] != 2 * n:
            # D's loss -mean log D(real) - mean log(1 - D(fake)): d/dlogit = (p - 1)/N real, p/N fake
            self._target = torch.cat([torch.ones(1, n, 1), torch.zeros(1, n, 1)], dim=1)
        acts = self.d.forward(torch.cat([real, fake], dim=1))
        logit = acts[-1]  # (K, 2N, 1)
        p = torch.sigmoid(logit)
        self.d.backward(acts, (p - self._target).mul_(1.0 / n))
        self.d.adam(self.lr_d)
        halves = logit.view(self.k, 2, n)
        sign = self._sign if self._sign is not None else torch.tensor([[[1.0], [-1.0]]])
        self._sign = sign
        loss = -F.logsigmoid(halves * sign).mean(dim=2).sum(dim=1)
        probs = p.view(self.k, 2, n).mean(dim=2)
        return loss, probs[:, 0], probs[:, 1]

    def push(self, x: torch.Tensor) -> torch.Tensor:
        """Where G's loss pushes samples x (K, N, dim): -d(G loss)/dx per sample (times N), the
        arrows of GAN Lab."""
        acts = self.d.forward(x)
        p = torch.sigmoid(acts[-1])
        pull = torch.lerp(1 - p, p, self.sat)
        return -self.d.backward(acts, -pull, params=False, inputs=True)

    def d_prob(self, x: torch.Tensor) -> torch.Tensor:
        """D's probability that x (K, N, dim) is real: (K, N)."""
        return torch.sigmoid(self.d(x))[..., 0]

    def state(self) -> dict:
        return {"g": self.g.state(), "d": self.d.state(),
                "fake": None if self.fake is None else self.fake.clone()}

    def load(self, state: dict) -> None:
        self.g.load(state["g"])
        self.d.load(state["d"])
        self.fake = None if state["fake"] is None else state["fake"].clone()


def iteration(gan: GanStack, sample: Sampler, d_steps: int, g_steps: int) -> tuple[torch.Tensor, ...]:
    """One iteration: `g_steps` G steps, then `d_steps` D steps. With one of each, the tutorial's
    step (draw real, draw z, G steps on D(G(z)), D steps on real and G(z) detached). Each G step
    draws its own batch; the first D step uses the last G step's real batch and paintings, every
    further D step draws a batch and paints it with the current G.
    Returns (D loss, G loss, mean D(real), mean D(fake)) of the iteration's last steps, each (K,)."""
    g_loss = None
    real = fake = None
    for _ in range(g_steps):
        real, z = sample()
        g_loss = gan.g_step(z)
        fake = gan.fake
    for j in range(d_steps):
        if j > 0 or real is None:
            real, z = sample()
            with torch.no_grad():
                fake = gan.g(z)
        d_loss, d_real, d_fake = gan.d_step(real, fake)
    assert g_loss is not None or g_steps == 0
    if g_loss is None:
        g_loss = torch.full((gan.k,), float("nan"))
    return d_loss, g_loss, d_real, d_fake
