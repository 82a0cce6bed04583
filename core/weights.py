"""Weight files every lesson shares: a state_dict saved with torch.save, and the checks a file
passes before a page uses it (size, `weights_only` loading, keys, shapes, finite values)."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import torch
from torch import nn


class WeightsError(ValueError):
    """A weights file that is malformed, too large, or does not fit the architecture."""


def save_state(state: Mapping[str, torch.Tensor], extra: Mapping[str, Any] | None = None) -> bytes:
    """The bytes of a torch.save file: `state` (CPU copies), or {"state_dict": state, **extra}."""
    tensors = {k: v.detach().cpu().clone() for k, v in state.items()}
    buf = io.BytesIO()
    torch.save(tensors if extra is None else {"state_dict": tensors, **extra}, buf)
    return buf.getvalue()


def save_weights(model: nn.Module) -> bytes:
    """The model's state_dict as the bytes of a torch.save file."""
    return save_state(model.state_dict())


def read_file(data: bytes, max_bytes: int) -> Any:
    """What a torch.save file holds, loaded with `weights_only` (no code runs); WeightsError if it
    is too large or not such a file."""
    if len(data) > max_bytes:
        raise WeightsError(f"file too large: {len(data) / 1e6:.1f} MB (limit {max_bytes / 1e6:.1f} MB)")
    try:
        return torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as exc:  # pickle errors, zip errors, refused globals: all mean "not a weights file"
        raise WeightsError(f"not a PyTorch weights file ({type(exc).__name__}: {str(exc)[:160]})") from exc


def check_state_dict(name: str, expected: Mapping[str, torch.Tensor],
                     state: object) -> dict[str, torch.Tensor]:
    """`state` as float tensors if its keys and shapes are those of `expected` (the state_dict of
    the architecture called `name` in messages) and every value is finite."""
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise WeightsError(f"not a {name} state_dict (expected a dict of tensors)")
    missing, extra = sorted(expected.keys() - state.keys()), sorted(state.keys() - expected.keys())
    if missing or extra:
        raise WeightsError(f"does not fit the {name}: missing keys {missing[:4]}, "
                           f"unexpected keys {extra[:4]}")
    for key, ref in expected.items():
        got = state[key]
        if tuple(got.shape) != tuple(ref.shape):
            raise WeightsError(f"does not fit the {name}: {key} has shape {tuple(got.shape)}, "
                               f"expected {tuple(ref.shape)}")
        if not got.is_floating_point():
            raise WeightsError(f"{key} is not a floating-point tensor ({got.dtype})")
        if not torch.isfinite(got).all():
            raise WeightsError(f"{key} holds NaN or infinite values")
    return {k: v.float() for k, v in state.items()}
