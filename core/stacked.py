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

