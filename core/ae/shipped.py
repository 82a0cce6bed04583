"""The autoencoder lesson's shipped weights: a trained autoencoder and PCA per code size (2 and 3),
so the page decodes, encodes and draws its manifold offline at once.

One file per code size, `weights/ae_code{n}.pt`: a torch.save dict of tensors and plain values,
{"state_dict": the autoencoder's (float16, to keep the file small), "pca_components", "pca_mean",
"span_ae", "span_pca": (code, 2) ranges of the held-out codes, "meta": how it was made}. It loads
with `weights_only` and passes core.weights' checks (size, keys, shapes, finite values).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from core.ae import CODE_SIZES, PIXELS, AEConfig, AutoEncoder
from core.weights import WeightsError, check_state_dict, read_file

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
SHIPPED_CODES = (2, 3)
MAX_BYTES = 1024 * 1024  # an honest file is about 450 KB; anything above 1 MB is refused


@dataclass
class Shipped:
    """What a shipped file holds; `decode`, `encode` and `manifold_grid` of core.ae accept it."""

    config: AEConfig  # the run that made it (its code size is the file's)
    ae_state: dict[str, torch.Tensor]  # float32 again, as the autoencoder runs
    pca_components: np.ndarray  # (code, 784) float32
    pca_mean: np.ndarray  # (784,) float32
    span: dict[str, np.ndarray]  # per method: (code, 2) lo/hi of the held-out codes
    meta: dict[str, Any]  # seed, how made, held-out MSE per method, data, torch version


def path_for(code: int, folder: Path = WEIGHTS_DIR) -> Path:
    """The shipped file of `code`."""
    return folder / f"ae_code{code}.pt"


def _array(content: dict, key: str, shape: tuple[int, ...]) -> np.ndarray:
    value = content.get(key)
    if not isinstance(value, torch.Tensor) or not value.is_floating_point():
        raise WeightsError(f"{key} is missing or not a floating-point tensor")
    if tuple(value.shape) != shape:
        raise WeightsError(f"{key} has shape {tuple(value.shape)}, expected {shape}")
    if not torch.isfinite(value).all():
        raise WeightsError(f"{key} holds NaN or infinite values")
    return value.float().numpy()


def load_bytes(data: bytes, max_bytes: int = MAX_BYTES) -> Shipped:
    """A Shipped from a file's bytes; WeightsError says what is wrong with a bad one."""
    content = read_file(data, max_bytes)
    if not isinstance(content, dict) or not isinstance(content.get("meta"), dict):
        raise WeightsError("not an autoencoder lesson file (expected a dict with 'meta')")
    meta = content["meta"]
    code = meta.get("code")
    lo, hi = CODE_SIZES
    if not isinstance(code, int) or not lo <= code <= hi:
        raise WeightsError(f"meta gives no code size in {lo}..{hi} (got {code!r})")
    state = check_state_dict("autoencoder", AutoEncoder(code).state_dict(), content.get("state_dict"))
    fields = AEConfig.__dataclass_fields__
    try:
        config = AEConfig(**{k: v for k, v in dict(meta.get("config", {})).items() if k in fields})
    except (TypeError, ValueError) as exc:
        raise WeightsError(f"meta's config is not a valid run: {exc}") from exc
    if config.code != code:
        raise WeightsError(f"meta's config has code size {config.code}, the file {code}")
    return Shipped(config, state, _array(content, "pca_components", (code, PIXELS)),
                   _array(content, "pca_mean", (PIXELS,)),
                   {m: _array(content, f"span_{m}", (code, 2)) for m in ("ae", "pca")}, meta)


def load_shipped(code: int, folder: Path = WEIGHTS_DIR) -> Shipped:
    """The shipped weights of `code` (2 or 3); WeightsError if missing or bad."""
    path = path_for(code, folder)
    if not path.is_file():
        raise WeightsError(f"no shipped autoencoder weights for code size {code}")
    return load_bytes(path.read_bytes())
