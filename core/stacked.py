"""K networks at once: MLPs of one architecture with stacked weights, trained as one, autograd first.

Every lesson that compares variants side by side (the optimizer race, dropout, activations) trains
them here. Network k's parameters are row k of one (K, P) buffer, in its MLP's own parameter order;
the layers see them as weights (K, in, out) and biases (K, 1, out), views of that buffer, and their
gradients land in views of one (K, P) gradient buffer. So one elementwise optimizer over the buffer
(or one parameter group per block of rows) takes exactly the steps K separate optimizers would.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import torch

from core.models import MLP
from core.nonlinearities import make_activation

ENGINES = ("autograd", "fused")  # how mse_step gets its gradients (see StackedMLP.mse_step)


class StackedMLP:
    """K MLPs of widths (d, hidden..., out): weights[l] (K, in, out), biases[l] (K, 1, out).

    Slices never interact: a loss that sums per-network losses gives each network exactly its own
    gradient. Each network may have its own activation (one per row); dropout comes as masks.
    """

    def __init__(self, flat: torch.Tensor, widths: Sequence[int], activations: Sequence[str],
                 engine: str = "autograd", trainable: bool = True) -> None:
        if engine not in ENGINES:
            raise ValueError(f"unknown engine {engine!r}; known: {', '.join(ENGINES)}")
        if engine == "fused" and set(activations) != {"relu"}:
            raise ValueError("the fused engine handles ReLU networks only")
        self.flat = flat  # (K, P) every parameter; row k is network k in its MLP's parameter order
        self.widths, self.activations, self.engine = tuple(widths), tuple(activations), engine
        views = self._views(flat, trainable)
        self.weights, self.biases = views[0::2], views[1::2]
        self.grad = torch.zeros_like(flat) if trainable else None  # (K, P) the gradient buffer
        if self.grad is not None:
            self._grads = self._views(self.grad, False)
            for p, g in zip(views, self._grads):
                p.grad = g  # each layer's gradient is its view of the buffer
            self.grad_weights, self.grad_biases = self._grads[0::2], self._grads[1::2]
            self._leaves = views
        self._acts = self._activation_fn()

    @classmethod
    def from_models(cls, models: Sequence[MLP], engine: str = "autograd",
                    device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> StackedMLP:
        """Stack `models` (one architecture, no BatchNorm): their initial weights, exactly."""
        spec = models[0].spec
        for m in models:
            if m.spec.widths != spec.widths or m.spec.batch_norm or m.spec.input_batch_norm:
                raise ValueError("stacked networks share one architecture without BatchNorm")
        flat = torch.stack([torch.cat([p.detach().reshape(-1) for p in m.parameters()]) for m in models])
        flat = flat.to(device=device, dtype=dtype)
        return cls(flat, spec.widths, [m.spec.activation for m in models], engine)

    # --- parameters -----------------------------------------------------------------------------

    def _views(self, buffer: torch.Tensor, leaves: bool) -> list[torch.Tensor]:
        """[w0, b0, w1, b1, ...] views of `buffer` (K, P): w (K, in, out), b (K, 1, out)."""
        k, views, at = buffer.shape[0], [], 0
        for n_in, n_out in zip(self.widths[:-1], self.widths[1:]):
            w = buffer[:, at:at + n_in * n_out].view(k, n_out, n_in).transpose(1, 2)  # nn.Linear's (out, in)
            at += n_in * n_out
            b = buffer[:, at:at + n_out].view(k, 1, n_out)
            at += n_out
            views += [w.detach().requires_grad_(), b.detach().requires_grad_()] if leaves else [w, b]
        if at != buffer.shape[1]:
            raise ValueError(f"widths {self.widths} need {at} parameters per network, got {buffer.shape[1]}")
        return views

    def __len__(self) -> int:
        return self.flat.shape[0]

    def rows(self, start: int, stop: int) -> torch.Tensor:
        """Networks start..stop-1 as one (stop - start, P) leaf for an optimizer (its grad: theirs)."""
        leaf = self.flat[start:stop]
        leaf.grad = self.grad[start:stop]
        return leaf

    def backward(self, loss: torch.Tensor) -> None:
        """Write d loss / d parameters into `grad` (replacing what was there)."""
        for view, g in zip(self._grads, torch.autograd.grad(loss, self._leaves, allow_unused=True)):
            if g is None:
                view.zero_()
            else:
                view.copy_(g)

    def subset(self, start: int, stop: int) -> StackedMLP:
        """Networks start..stop-1 as their own stack of views (no copy, no gradients), e.g. to evaluate."""
        return StackedMLP(self.flat.detach()[start:stop], self.widths, self.activations[start:stop],
                          trainable=False)

    # --- forward ------------------------------------------------------------------------------

    def _activation_fn(self):
        if len(set(self.activations)) == 1:
            name = self.activations[0]
            return torch.relu if name == "relu" else make_activation(name)
        modules = [make_activation(a) for a in self.activations]
        return lambda h: torch.stack([act(h[i]) for i, act in enumerate(modules)])  # (K, n, width)

    def _linear(self, h: torch.Tensor, layer: int) -> torch.Tensor:
        """(K, n, in), or one shared (n, in), -> (K, n, out)."""
        w, b = self.weights[layer], self.biases[layer]
        # One input or one output: an outer or a dot product. Broadcasting element-wise kernels beat
        # batched matmuls there (they never wait on a BLAS thread pool).
        if w.shape[1] == 1:
            return torch.addcmul(b, h, w)  # (K|1, n, 1) * (K, 1, out)
        if w.shape[2] == 1:
            return (h * w.transpose(1, 2)).sum(-1, keepdim=True) + b  # (K, n, in) * (K, 1, in)
        if h.dim() == 2:
            return torch.matmul(h, w) + b  # (n, in) @ (K, in, out)
        return torch.baddbmm(b, h, w)

    def hidden(self, x: torch.Tensor, masks: Sequence[torch.Tensor] | None = None
               ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """The output (K, n, out) and each hidden layer's output (K, n, width), after its activation
        and its mask. x: (K, n, d) one input per network, or (n, d) shared; masks[l] (K, n, width)."""
        h, outs = x, []
        for layer in range(len(self.weights) - 1):
            h = self._acts(self._linear(h, layer))
            if masks is not None:
                h = h * masks[layer]
            outs.append(h)
        return self._linear(h, len(self.weights) - 1), outs

    def __call__(self, x: torch.Tensor, masks: Sequence[torch.Tensor] | None = None) -> torch.Tensor:
        return self.hidden(x, masks)[0]

    # --- training -------------------------------------------------------------------------------

    def mse_step(self, x: torch.Tensor, y: torch.Tensor, masks: Sequence[torch.Tensor] | None = None,
                 alive: torch.Tensor | None = None) -> torch.Tensor:
        """Per-network MSE (K,) on x (K, n, d), y (K, n, out), and into `grad` the gradient of their
        sum over the `alive` (K,) networks (the others get zero).

        engine "autograd" (the default) differentiates `hidden`. engine "fused" writes the ReLU net's
        backward pass by hand: three products per layer, no graph, weight gradients straight into the
        buffer (tests/test_stacked.py checks it equals autograd). Measured gain, CPU seconds of one run
        at the lesson's defaults on a shared 2-core machine, one torch thread (medians of 2-3): the race
        0.66 s fused against 0.94 s autograd (1.4x); the dropout lesson 1.7-1.9 s against 2.6 s
        (about 1.4x, mostly autograd's weight gradient arriving transposed). Both lessons use it.
        """
        if self.engine == "fused":
            with torch.no_grad():
                return self._mse_fused(x, y, masks, alive)
        loss = ((self(x, masks) - y) ** 2).mean(dim=(1, 2))
        total = loss.sum() if alive is None else torch.where(alive, loss, torch.zeros_like(loss)).sum()
        self.backward(total)
        return loss.detach()

    def _mse_fused(self, x: torch.Tensor, y: torch.Tensor, masks: Sequence[torch.Tensor] | None,
                   alive: torch.Tensor | None) -> torch.Tensor:
        acts, gates = [x], []  # each layer's input; each hidden layer's d(output)/d(pre-activation)
        h = x
        for layer in range(len(self.weights) - 1):
            z = self._linear(h, layer)
            gate = (z > 0).to(z.dtype)  # ReLU's derivative...
            if masks is not None:
                gate.mul_(masks[layer])  # ...times the dropout mask
            h = z * gate
            acts.append(h)
            gates.append(gate)
        diff = self._linear(h, len(self.weights) - 1) - y  # (K, n, out)
        loss = (diff * diff).mean(dim=(1, 2))
        g = diff * (2.0 / (diff.shape[1] * diff.shape[2]))  # d(sum of the losses) / d(output)
        if alive is not None:
            g = g * alive.view(-1, 1, 1)
        for layer in reversed(range(len(self.weights))):
            a, w = acts[layer], self.weights[layer].detach()
            if w.shape[1] == 1:  # outer product: sum over the batch of (K, n, 1) * (K, n, out)
                self.grad_weights[layer].copy_((a * g).sum(1, keepdim=True))
            elif w.shape[2] == 1:  # dot product: (K, n, in) * (K, n, 1), summed to (K, 1, in)
                self.grad_weights[layer].copy_((a * g).sum(1, keepdim=True).transpose(1, 2))
            else:
                # (K, out, in) = g^T a, straight into the buffer's nn.Linear layout (no transposing copy)
                torch.bmm(g.transpose(1, 2), a, out=self.grad_weights[layer].transpose(1, 2))
            torch.sum(g, dim=1, keepdim=True, out=self.grad_biases[layer])
            if layer == 0:
                break
            if w.shape[2] == 1:
                g = g * w.transpose(1, 2)  # (K, n, 1) * (K, 1, in)
            elif w.shape[1] == 1:
                g = (g * w).sum(-1, keepdim=True)  # (K, n, out) * (K, 1, out)
            else:
                g = torch.bmm(g, w.transpose(1, 2))
            g = g.mul_(gates[layer - 1])
        return loss


def dropout_masks(rates: Sequence[float], gens: Sequence[torch.Generator | None], shape: tuple[int, int],
                  layers: int, device: torch.device | str,
                  chunk_values: int = 4_000_000) -> Iterator[torch.Tensor]:
    """Per step a (layers, K, n, width) mask scaled by 1/(1-p); network k draws from gens[k].

    core.models.Dropout draws `rand(n, width) < 1 - p` once per hidden layer and step; drawing several
    steps in one call (about `chunk_values` numbers) takes the same numbers from the generator in the
    same order, so the stack's masks are the plain loop's.
    """
    chunk = max(1, chunk_values // (layers * shape[0] * shape[1]))
    while True:
        masks = torch.ones((chunk, layers, len(rates), *shape), device=device)
        for k, (p, g) in enumerate(zip(rates, gens)):
            if p > 0:
                draws = torch.rand((chunk, layers, *shape), generator=g, device=device)
                masks[:, :, k] = keep_scaled(draws, p)
        yield from masks


def keep_scaled(uniform: torch.Tensor, p: float) -> torch.Tensor:
    """Inverted dropout's mask from uniform draws, in place: 1/(1-p) where kept (u < 1-p), else 0."""
    return uniform.lt_(1.0 - p).div_(1.0 - p)




# activation, and its derivative from its output: what the BN stack's written-out backward needs
_ACT = {"tanh": (torch.tanh, lambda a: 1 - a * a), "sigmoid": (torch.sigmoid, lambda a: a * (1 - a)),
        "relu": (torch.relu, lambda a: (a > 0).to(a.dtype))}


class StackedBNMLP:
    """K MLPs of one architecture trained as one: the first `plain` without BatchNorm, the others
    with BatchNorm1d on the input and after each hidden Linear (before the activation). Each
    member sees its own batch, and a BN member normalises over its own batch alone.

    Row k of `flat` (K, P) is member k in the BN MLP's parameter order (input BN weight and bias;
    per hidden layer the Linear's weight and bias, then the BN's weight and bias; the head). A
    member without BN holds 1 and 0 in the BN places, never used: its gradient there is 0, and
    Adam leaves a parameter whose gradient was always 0 where it is. Running statistics are kept
    for the BN members only: (K - plain, 1, width) per BN layer, updated as F.batch_norm updates
    them (momentum, the unbiased batch variance).

    Gradients land in one (K, P) buffer, `grad`. engine "fused" (the default) writes the backward
    pass out by hand (no graph: a few products per layer); "autograd" differentiates `forward`.
    tests/test_stacked.py checks that the two agree and that each member equals its own nn.Module.
    Measured, CPU seconds of the BatchNorm lesson at its defaults (both nets, one torch thread,
    `python -m bench.batchnorm`, load 3): 0.48 s, against 0.70 s for the same run one net at a time
    (core.batchnorm.reference) and 0.87 s with engine "autograd"; ten seeds in one stack 1.29 s,
    against 7.2 s one by one.
    """

    def __init__(self, flat: torch.Tensor, widths: Sequence[int], activation: str, plain: int,
                 momentum: float, eps: float = 1e-5, engine: str = "fused") -> None:
        if engine not in ENGINES:
            raise ValueError(f"unknown engine {engine!r}; known: {', '.join(ENGINES)}")
        if activation not in _ACT:
            raise ValueError(f"no BatchNorm stack for activation {activation!r}; known: {', '.join(_ACT)}")
        self.flat, self.widths, self.plain, self.engine = flat, tuple(widths), plain, engine
        self.momentum, self.eps = momentum, eps
        self.act, self.act_grad = _ACT[activation]
        self._layers = self._views(flat, leaves=engine == "autograd")
        self.grad = torch.zeros_like(flat)
        self._grads = self._views(self.grad, leaves=False)
        k_bn, dtype = flat.shape[0] - plain, flat.dtype
        bn_widths = (self.widths[0], *self.widths[1:-1])
        self.running_mean = [torch.zeros(k_bn, 1, w, dtype=dtype, device=flat.device) for w in bn_widths]
        self.running_var = [torch.ones(k_bn, 1, w, dtype=dtype, device=flat.device) for w in bn_widths]
        self.leaves = [flat[k:k + 1] for k in range(flat.shape[0])]  # one optimizer parameter per member

    @classmethod
    def from_models(cls, plain: Sequence[MLP], bn: Sequence[MLP], engine: str = "fused") -> StackedBNMLP:
        """Stack `plain` (no BatchNorm) and then `bn` (BatchNorm on the input and every hidden
        layer) MLPs of one architecture and activation: their initial weights, exactly."""
        spec = (plain or bn)[0].spec
        for m in plain:
            if m.spec.widths != spec.widths or m.spec.batch_norm or m.spec.input_batch_norm:
                raise ValueError("the plain members share one architecture without BatchNorm")
        for m in bn:
            if m.spec.widths != spec.widths or not (m.spec.batch_norm and m.spec.input_batch_norm):
                raise ValueError("the BN members share one architecture with BatchNorm on every layer")
        momenta = {m.spec.bn_momentum for m in bn}
        if len(momenta) > 1 or {m.spec.activation for m in (*plain, *bn)} != {spec.activation}:
            raise ValueError("every member has the same activation and BN momentum")

        def row(m: MLP) -> torch.Tensor:
            if m.input_bn is not None:
                return torch.cat([p.detach().reshape(-1) for p in m.parameters()])
            parts = [torch.ones(1), torch.zeros(1)]  # the unused input BN
            for block in m.blocks:
                w = block.linear.out_features
                parts += [block.linear.weight.detach().reshape(-1), block.linear.bias.detach(),
                          torch.ones(w), torch.zeros(w)]
            parts += [m.head.weight.detach().reshape(-1), m.head.bias.detach()]
            return torch.cat([p.to(parts[2].dtype) for p in parts])

        flat = torch.stack([row(m) for m in (*plain, *bn)])
        return cls(flat, spec.widths, spec.activation, len(plain), momenta.pop() if momenta else 0.1,
                   engine=engine)

    def _views(self, buffer: torch.Tensor, leaves: bool) -> list[tuple[torch.Tensor, ...]]:
        """[(input BN weight, bias) (K, 1, d), (W (K, in, out), b (K, 1, out), BN weight, BN bias)
        per hidden layer, (W, b) of the head]: views of `buffer` (K, P)."""
        k, at, layers = buffer.shape[0], 0, []

        def take(n: int, shape: tuple[int, ...]) -> torch.Tensor:
            nonlocal at
            v = buffer[:, at:at + n].view(k, *shape)
            at += n
            return v

        d = self.widths[0]
        layers.append((take(d, (1, d)), take(d, (1, d))))  # input BN: weight, bias
        for n_in, n_out in zip(self.widths[:-1], self.widths[1:]):
            w = take(n_in * n_out, (n_out, n_in)).transpose(1, 2)  # (K, in, out) of nn.Linear's (out, in)
            b = take(n_out, (1, n_out))
            hidden = len(layers) < len(self.widths) - 1  # the head has no BN after it
            layers.append((w, b, take(n_out, (1, n_out)), take(n_out, (1, n_out))) if hidden else (w, b))
        if at != buffer.shape[1]:
            raise ValueError(f"widths {self.widths} need {at} parameters per member, got {buffer.shape[1]}")
        if leaves:
            layers = [tuple(v.detach().requires_grad_() for v in layer) for layer in layers]
        return layers

    def __len__(self) -> int:
        return self.flat.shape[0]

    # --- forward ------------------------------------------------------------------------------

    @staticmethod
    def _linear(h: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """(K, n, in) -> (K, n, out), as StackedMLP._linear."""
        if w.shape[1] == 1:
            return torch.addcmul(b, h, w)
        if w.shape[2] == 1:
            return (h * w.transpose(1, 2)).sum(-1, keepdim=True) + b
        return torch.baddbmm(b, h, w)

    def _normalise(self, z: torch.Tensor, i: int, train: bool, update: torch.Tensor | None
                   ) -> tuple[torch.Tensor, torch.Tensor]:
        """BN layer `i`'s (normalised BN rows (K - plain, n, w), 1/std (K - plain, 1, w)) of z (K, n, w).
        train: each member's batch statistics, and where `update` (K - plain,) says so the running
        statistics follow them; else the running statistics."""
        zb = z[self.plain:]
        if train:
            var, mean = torch.var_mean(zb, dim=1, keepdim=True, correction=0)
            if update is not None:
                with torch.no_grad():
                    n, m = zb.shape[1], self.momentum
                    keep = update.view(-1, 1, 1)
                    rm, rv = self.running_mean[i], self.running_var[i]
                    rm.copy_(torch.where(keep, rm * (1 - m) + mean * m, rm))
                    rv.copy_(torch.where(keep, rv * (1 - m) + var * (m * n / (n - 1)), rv))
        else:
            mean, var = self.running_mean[i], self.running_var[i]
        invstd = torch.rsqrt(var + self.eps)
        return (zb - mean) * invstd, invstd

    def _join(self, z: torch.Tensor, zb: torch.Tensor) -> torch.Tensor:
        return torch.cat([z[:self.plain], zb]) if self.plain else zb

    def forward(self, x: torch.Tensor, train: bool = True, update: torch.Tensor | None = None,
                stages: bool = False) -> tuple[torch.Tensor, list[dict[str, torch.Tensor]]]:
        """The output (K, n, out) for x (K, n, d) and, with `stages`, per hidden layer its "linear"
        (K, n, w), "bn" (K - plain, n, w) and "act" (K, n, w) outputs. `train`: BN on batch
        statistics (running statistics updated where `update` (K - plain,) is true)."""
        out, cache = self._forward(x, train, update)
        return out, [{"linear": z, "bn": zb, "act": a} for h, z, _, _, zb, a in cache if h is not None
                     ] if stages else []

    def _forward(self, x: torch.Tensor, train: bool, update: torch.Tensor | None
                 ) -> tuple[torch.Tensor, list[tuple[torch.Tensor, ...]]]:
        """The output and, per BN layer (the input's first), what the backward pass needs:
        (its input, z, normalised BN rows, 1/std, BN rows' output, activation)."""
        bn = len(self) > self.plain
        layers, cache = self._layers, []
        if bn:
            xhat, invstd = self._normalise(x, 0, train, update)
            h = self._join(x, xhat * layers[0][0][self.plain:] + layers[0][1][self.plain:])
            cache.append((None, x, xhat, invstd, None, h))
        else:
            h = x
        for i, (w, b, bn_w, bn_b) in enumerate(layers[1:-1], 1):
            z = self._linear(h, w, b)
            if bn:
                zhat, invstd = self._normalise(z, i, train, update)
                zb = zhat * bn_w[self.plain:] + bn_b[self.plain:]
            else:
                zhat = invstd = zb = z[:0]
            a = self.act(self._join(z, zb))
            cache.append((h, z, zhat, invstd, zb, a))
            h = a
        return self._linear(h, *layers[-1]), cache

    # --- training -------------------------------------------------------------------------------

    def mse_step(self, x: torch.Tensor, y: torch.Tensor, alive: torch.Tensor) -> torch.Tensor:
        """Per-member MSE (K,) of a train-mode pass on x (K, n, d), y (K, n, out); the running
        statistics of the `alive` (K,) members follow their batches, and `grad` gets the gradient
        of the sum of the alive members' losses (the others get 0)."""
        if self.engine == "autograd":
            out, _ = self._forward(x, True, alive[self.plain:])
            loss = ((out - y) ** 2).mean(dim=(1, 2))
            total = torch.where(alive, loss, torch.zeros_like(loss)).sum()
            leaves = [v for layer in self._layers for v in layer]
            grads = torch.autograd.grad(total, leaves, allow_unused=True)
            for view, g in zip((v for layer in self._grads for v in layer), grads):
                if g is None:
                    view.zero_()
                else:
                    view.copy_(g)
            return loss.detach()
        with torch.no_grad():
            out, cache = self._forward(x, True, alive[self.plain:])
            diff = out - y
            loss = (diff * diff).mean(dim=(1, 2))
            g = diff * (alive.view(-1, 1, 1) * (2.0 / (diff.shape[1] * diff.shape[2])))  # d loss / d out
            self._backward(g, cache)
        return loss

    def _backward(self, g: torch.Tensor, cache: list[tuple[torch.Tensor, ...]]) -> None:
        """From g = d(loss)/d(output) (K, n, out), every gradient into `grad`."""
        p, bn = self.plain, len(self) > self.plain
        h = cache[-1][5]
        w, _ = self._layers[-1]
        self._linear_grads(len(self._layers) - 1, h, g)
        g = self._input_grad(g, w)
        for i in range(len(cache) - 1, 0 if bn else -1, -1):
            h_in, _, zhat, invstd, _, a = cache[i]
            i_layer = i if bn else i + 1
            w, _, bn_w, _ = self._layers[i_layer]
            g = g * self.act_grad(a)  # d / d(BN output, or z for the plain rows)
            if bn:
                g = self._join(g, self._bn_grads(i_layer, g[p:], zhat, invstd, bn_w[p:]))
            self._linear_grads(i_layer, h_in, g)
            if i_layer > 1 or bn:
                g = self._input_grad(g, w)
        if bn:
            _, _, xhat, invstd, _, _ = cache[0]
            self._bn_grads(0, g[p:], xhat, invstd, None)

    def _linear_grads(self, layer: int, h: torch.Tensor, g: torch.Tensor) -> None:
        """Layer `layer`'s weight and bias gradients from its input h (K, n, in) and g = d/d(output)."""
        gw, gb = self._grads[layer][:2]
        if gw.shape[1] == 1:  # one input: (K, n, 1) * (K, n, out) summed over the batch
            gw.copy_((h * g).sum(1, keepdim=True))
        elif gw.shape[2] == 1:  # one output
            gw.copy_((h * g).sum(1, keepdim=True).transpose(1, 2))
        else:  # (K, out, in) = g^T h, straight into the buffer's nn.Linear layout
            torch.bmm(g.transpose(1, 2), h, out=gw.transpose(1, 2))
        torch.sum(g, dim=1, keepdim=True, out=gb)

    @staticmethod
    def _input_grad(g: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        """d/d(layer input) from g = d/d(output) and W (K, in, out)."""
        if w.shape[2] == 1:
            return g * w.transpose(1, 2)  # (K, n, 1) * (K, 1, in)
        if w.shape[1] == 1:
            return (g * w).sum(-1, keepdim=True)
        return torch.bmm(g, w.transpose(1, 2))

    def _bn_grads(self, layer: int, g: torch.Tensor, zhat: torch.Tensor, invstd: torch.Tensor,
                  weight: torch.Tensor | None) -> torch.Tensor | None:
        """BN layer `layer`'s weight and bias gradients (BN rows) from g = d/d(BN output) (K - plain,
        n, w); d/d(BN input), unless `weight` is None (the input's BN: nothing below it learns)."""
        p = self.plain
        gw, gb = self._grads[layer][-2:] if layer > 0 else self._grads[0]
        torch.sum(g * zhat, dim=1, keepdim=True, out=gw[p:])
        torch.sum(g, dim=1, keepdim=True, out=gb[p:])
        if weight is None:
            return None
        g_hat = g * weight
        return invstd * (g_hat - g_hat.mean(1, keepdim=True) - zhat * (g_hat * zhat).mean(1, keepdim=True))

    def weight_grad_norms(self) -> torch.Tensor:
        """The norm of every Linear's weight gradient, first layer to head: (K, depth + 1)."""
        return torch.stack([torch.linalg.vector_norm(layer[0], dim=(1, 2)) for layer in self._grads[1:]],
                           dim=1)


class RowAdam:
    """`torch.optim.Adam(params, lr, fused=True)` for a stack's rows (one parameter per member),
    without the optimizer's Python bookkeeping around its kernel: the same kernel
    (torch._fused_adam_), so exactly the same steps (tests/test_stacked.py checks it). Measured, CPU
    seconds of a lesson run at its defaults, interleaved, one torch thread, load 2-4: dropout 0.87
    against 0.94 with torch.optim.Adam, BatchNorm 0.71 against 0.78."""

    def __init__(self, params: Sequence[torch.Tensor], lr: float, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8) -> None:
        self.params, self.lr, self.betas, self.eps = list(params), lr, betas, eps
        self.exp_avgs = [torch.zeros_like(p) for p in self.params]
        self.exp_avg_sqs = [torch.zeros_like(p) for p in self.params]
        self.steps = [torch.zeros((), dtype=torch.float32, device=p.device) for p in self.params]

    @torch.no_grad()
    def step(self, grads: Sequence[torch.Tensor], rows: Sequence[int] | None = None) -> None:
        """One Adam step of the parameters `rows` (default: all) with their gradients `grads`."""
        rows = range(len(self.params)) if rows is None else rows
        if not rows:
            return
        steps = [self.steps[k] for k in rows]
        torch._foreach_add_(steps, 1)
        torch._fused_adam_([self.params[k] for k in rows], list(grads), [self.exp_avgs[k] for k in rows],
                           [self.exp_avg_sqs[k] for k in rows], [], steps, lr=self.lr, beta1=self.betas[0],
                           beta2=self.betas[1], weight_decay=0.0, eps=self.eps, amsgrad=False, maximize=False)
