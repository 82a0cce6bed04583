"""Activation functions by name: the one registry that models and the activation gallery share."""

from __future__ import annotations

from collections.abc import Callable

from torch import nn

# name -> module factory; names are stable codes used in URLs and configs.
ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(0.01),
    "elu": nn.ELU,
    "selu": nn.SELU,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "mish": nn.Mish,
    "softplus": nn.Softplus,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "hardswish": nn.Hardswish,
    "relu6": nn.ReLU6,
}

# How each name is shown; technical names read the same in every language.
LABELS: dict[str, str] = {
    "relu": "ReLU",
    "leaky_relu": "LeakyReLU",
    "elu": "ELU",
    "selu": "SELU",
    "gelu": "GELU",
    "silu": "SiLU (Swish)",
    "mish": "Mish",
    "softplus": "Softplus",
    "sigmoid": "Sigmoid",
    "tanh": "Tanh",
    "hardswish": "Hardswish",
    "relu6": "ReLU6",
}

# Activations whose output is exactly zero on a whole half-line: units can "die".
RELU_FAMILY = frozenset({"relu", "relu6"})


def make_activation(name: str) -> nn.Module:
    """A fresh activation module for `name` (see ACTIVATIONS)."""
    try:
        return ACTIVATIONS[name]()
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; known: {', '.join(ACTIVATIONS)}") from None
