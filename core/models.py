"""One configurable MLP for every synthetic page, with seeded initialisation and seeded dropout."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from core.nonlinearities import make_activation

WEIGHT_INITS = ("default", "xavier", "he", "normal")  # "normal" uses MLPSpec.weight_std


@dataclass(frozen=True)
class MLPSpec:
    """Architecture and initialisation of an MLP; hashable, so configs and caches can hold it."""

    widths: tuple[int, ...] = (1, 20, 1)  # input, hidden..., output
    activation: str = "relu"  # a name from core.activations.ACTIVATIONS
    dropout: float = 0.0  # dropout rate after each hidden activation (0 = none)
    batch_norm: bool = False  # BatchNorm1d after each hidden Linear, before the activation
    input_batch_norm: bool = False  # BatchNorm1d on the input as well
    bn_momentum: float = 0.1  # BatchNorm1d momentum (PyTorch's default 0.1)
    weight_init: str = "default"  # one of WEIGHT_INITS
    weight_std: float = 0.1  # std of the weights when weight_init == "normal"
    bias_init: float | None = None  # a constant for every bias; None keeps the weight_init's rule


class Dropout(nn.Module):
    """Inverted dropout like nn.Dropout, but drawing its mask from `self.generator` when set."""

    def __init__(self, p: float) -> None:
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"dropout rate must be in [0, 1), got {p}")
        self.p = p
        self.generator: torch.Generator | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        keep = torch.rand(x.shape, generator=self.generator, device=x.device, dtype=x.dtype) < 1.0 - self.p
        return x * keep / (1.0 - self.p)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Block(nn.Module):
    """Linear -> (BatchNorm) -> activation -> (Dropout): one hidden layer."""

    def __init__(self, n_in: int, n_out: int, spec: MLPSpec) -> None:
        super().__init__()
        self.linear = nn.Linear(n_in, n_out)
        self.bn = nn.BatchNorm1d(n_out, momentum=spec.bn_momentum) if spec.batch_norm else None
        self.act = make_activation(spec.activation)
        self.dropout = Dropout(spec.dropout) if spec.dropout > 0 else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.trace(x)[-1][1]

    def trace(self, x: torch.Tensor) -> list[tuple[str, torch.Tensor]]:
        """Every stage's output in order: ('linear', ...), ('bn', ...), ('act', ...), ('dropout', ...)."""
        stages = [("linear", self.linear(x))]
        if self.bn is not None:
            stages.append(("bn", self.bn(stages[-1][1])))
        stages.append(("act", self.act(stages[-1][1])))
        if self.dropout is not None:
            stages.append(("dropout", self.dropout(stages[-1][1])))
        return stages


class MLP(nn.Module):
    """widths[0] inputs -> hidden Blocks -> Linear to widths[-1] outputs."""

    def __init__(self, spec: MLPSpec) -> None:
        super().__init__()
        if len(spec.widths) < 2 or min(spec.widths) < 1:
            raise ValueError(f"widths must list at least input and output sizes >= 1, got {spec.widths}")
        self.spec = spec
        w = spec.widths
        self.input_bn = nn.BatchNorm1d(w[0], momentum=spec.bn_momentum) if spec.input_batch_norm else None
        self.blocks = nn.ModuleList(Block(a, b, spec) for a, b in zip(w[:-2], w[1:-1]))
        self.head = nn.Linear(w[-2], w[-1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (batch, widths[0]) -> (batch, widths[-1])
        if self.input_bn is not None:
            x = self.input_bn(x)
        for block in self.blocks:
            x = block(x)
        return self.head(x)

    def trace(self, x: torch.Tensor) -> tuple[torch.Tensor, list[list[tuple[str, torch.Tensor]]]]:
        """The output and, per hidden layer, each stage's output (see Block.trace)."""
        if self.input_bn is not None:
            x = self.input_bn(x)
        layers = []
        for block in self.blocks:
            stages = block.trace(x)
            layers.append(stages)
            x = stages[-1][1]
        return self.head(x), layers

    def linears(self) -> list[nn.Linear]:
        """Every Linear layer, first to last (the head included)."""
        return [b.linear for b in self.blocks] + [self.head]


def _gain(activation: str) -> float:
    nonlinearity = {"relu": "relu", "leaky_relu": "leaky_relu", "tanh": "tanh", "selu": "selu",
                    "sigmoid": "sigmoid"}.get(activation, "relu")
    return nn.init.calculate_gain(nonlinearity)


def init_linear_(layer: nn.Linear | nn.Conv2d, spec: MLPSpec | None, g: torch.Generator) -> None:
    """Initialise one layer from generator `g`; spec None (or 'default') matches PyTorch's own rule."""
    scheme = "default" if spec is None else spec.weight_init
    w, b = layer.weight, layer.bias
    fan_in = nn.init._calculate_correct_fan(w, "fan_in")
    with torch.no_grad():
        if scheme == "default":  # what nn.Linear.reset_parameters does, with our generator
            nn.init.kaiming_uniform_(w, a=math.sqrt(5), generator=g)
        elif scheme == "xavier":
            nn.init.xavier_uniform_(w, gain=_gain(spec.activation), generator=g)
        elif scheme == "he":
            nn.init.kaiming_normal_(w, nonlinearity="relu", generator=g)
        elif scheme == "normal":
            nn.init.normal_(w, 0.0, spec.weight_std, generator=g)
        else:
            raise ValueError(f"unknown weight_init {scheme!r}; known: {', '.join(WEIGHT_INITS)}")
        if b is None:
            return
        if spec is not None and spec.bias_init is not None:
            b.fill_(spec.bias_init)
        elif scheme == "default":
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
            nn.init.uniform_(b, -bound, bound, generator=g)
        else:
            b.zero_()


def init_module_(module: nn.Module, g: torch.Generator, spec: MLPSpec | None = None) -> nn.Module:
    """Re-initialise every Linear/Conv/LSTM of `module` from `g`, in module order; returns `module`."""
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.Conv1d, nn.Conv2d)):
            init_linear_(m, spec, g)
        elif isinstance(m, (nn.LSTM, nn.GRU, nn.RNN)):  # PyTorch's rule: U(-1/sqrt(h), 1/sqrt(h))
            bound = 1 / math.sqrt(m.hidden_size)
            with torch.no_grad():
                for p in m.parameters():
                    nn.init.uniform_(p, -bound, bound, generator=g)
    return module


def build_mlp(spec: MLPSpec, g: torch.Generator) -> MLP:
    """An MLP whose initial weights come from `g` alone (never torch's global RNG)."""
    return init_module_(MLP(spec), g, spec)


def set_dropout_generator_(module: nn.Module, g: torch.Generator | None) -> None:
    """Make every Dropout in `module` draw its masks from `g`."""
    for m in module.modules():
        if isinstance(m, Dropout):
            m.generator = g

