"""The autoencoder lesson's shipped runs: the lesson's run at code sizes 2 and 3 (seed 0), whole,
so the page shows it at once and works without MNIST: reconstructions of the first 100 held-out
digits, codes, explorer, manifold and the drawn digit.

One file per code size, `weights/ae_code{n}.pt`, made by scripts/train_ae.py: a torch.save dict of
tensors and plain values. The autoencoder's weights are float16 (to keep the file small); the
held-out codes are float16 too, computed with those rounded weights, as the page uses them; the
held-out MSE in its metadata is measured the same way. Pictures (the carried digits, the first
row after each epoch) are 8-bit, as they are shown. It loads with `weights_only` and passes
core.weights' checks (size, keys, shapes, finite values).
"""

from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from core.ae import CODE_SIZES, METHODS, PIXELS, ROW, AEConfig, AEResult, AutoEncoder, decode
from core.runs import runs
from core.weights import WeightsError, check_state_dict, read_file

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
SHIPPED_CODES = (2, 3)
SHIPPED_SEED = 0
MAX_BYTES = 1024 * 1024  # an honest file is about 700 KB; anything above 1 MB is refused


@dataclass(frozen=True)
class ShippedAE:
    """The shipped run of one code size: a config of its own, so that it is computed (read) and
    shared like any other run."""

    code: int = 3


def for_config(config: AEConfig, train: bool = False) -> AEConfig | ShippedAE:
    """What the page shows for `config`: the shipped run where one was made with exactly these
    settings (unless the reader asked to train it here), else a run trained here."""
    if not train and config.code in SHIPPED_CODES and config == AEConfig(code=config.code, seed=SHIPPED_SEED):
        return ShippedAE(config.code)
    return config


def path_for(code: int, folder: Path = WEIGHTS_DIR) -> Path:
    """The shipped file of `code`."""
    return folder / f"ae_code{code}.pt"


def save_bytes(result: AEResult, meta: dict) -> bytes:
    """The file of a trained `result` (its autoencoder rounded to float16; the held-out codes are
    re-encoded with the rounded weights by the caller, see scripts/train_ae.py)."""
    content = {
        "state_dict": {k: v.to(torch.float16) for k, v in result.ae_state.items()},
        "pca_components": torch.from_numpy(result.pca_components),
        "pca_mean": torch.from_numpy(result.pca_mean),
        "pca_explained": torch.from_numpy(result.pca_explained),
        **{f"codes_{m}": torch.from_numpy(result.codes[m]).to(torch.float16) for m in METHODS},
        "labels": torch.from_numpy(np.asarray(result.labels, dtype=np.uint8)),
        "row": torch.from_numpy(np.asarray(result.row, dtype=np.int64)),
        "row_images": torch.from_numpy(np.round(result.row_images * 255).astype(np.uint8)),
        "epoch_recon": torch.from_numpy(np.round(np.clip(result.epoch_recon, 0, 1) * 255).astype(np.uint8)),
        "step_loss": torch.from_numpy(result.step_loss),
        "epoch_loss": torch.tensor(result.epoch_loss, dtype=torch.float32),
        "meta": meta,
    }
    buf = io.BytesIO()
    torch.save(content, buf)
    return buf.getvalue()


def _array(content: dict, key: str, shape: tuple[int | None, ...], floating: bool = True) -> np.ndarray:
    """content[key] as a numpy array of `shape` (None: any length), finite."""
    value = content.get(key)
    if not isinstance(value, torch.Tensor) or value.is_floating_point() != floating:
        kind = "floating-point" if floating else "integer"
        raise WeightsError(f"{key} is missing or not a {kind} tensor")
    if len(value.shape) != len(shape) or any(s is not None and s != v for s, v in zip(shape, value.shape)):
        raise WeightsError(f"{key} has shape {tuple(value.shape)}, expected {shape}")
    if floating and not torch.isfinite(value).all():
        raise WeightsError(f"{key} holds NaN or infinite values")
    return value.float().numpy() if floating else value.numpy()


def _picture(content: dict, key: str, shape: tuple[int | None, ...]) -> np.ndarray:
    """content[key], 8-bit pictures of `shape`, as float32 in [0, 1]."""
    return _array(content, key, shape, floating=False).astype(np.float32) / 255


def load_bytes(data: bytes, max_bytes: int = MAX_BYTES) -> AEResult:
    """The run a file holds; WeightsError says what is wrong with a bad one."""
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
    mse = meta.get("heldout_mse")
    if not isinstance(mse, dict) or set(mse) != set(METHODS):
        raise WeightsError("meta gives no held-out MSE per method")
    mean_mse = meta.get("mean_mse")
    if not isinstance(mean_mse, float) or not mean_mse > 0:
        raise WeightsError("meta gives no held-out MSE of the average digit")
    labels = _array(content, "labels", (None,), floating=False)
    n, row = len(labels), _array(content, "row", (None,), floating=False)
    codes = {m: _array(content, f"codes_{m}", (n, code)) for m in METHODS}
    if len(row) < ROW or row.min() < 0 or row.max() >= n:
        raise WeightsError(f"the carried digits are fewer than {ROW} or outside the held-out images")
    result = AEResult(
        config=config, epoch_loss=[float(v) for v in _array(content, "epoch_loss", (None,))],
        step_loss=_array(content, "step_loss", (None,)), mse={m: float(mse[m]) for m in METHODS},
        noisy_mse={}, codes=codes, labels=labels.astype(np.int64), row=row,
        row_images=_picture(content, "row_images", (len(row), 28, 28)), row_recon={},
        epoch_recon=_picture(content, "epoch_recon", (None, ROW, 28, 28)),
        ae_state=state, pca_components=_array(content, "pca_components", (code, PIXELS)),
        pca_mean=_array(content, "pca_mean", (PIXELS,)),
        pca_explained=_array(content, "pca_explained", (code,)), mean_mse=mean_mse,
        diverged_at={m: None for m in METHODS}, seconds=float(meta.get("train_seconds", 0.0)),
        data=str(meta.get("data", "")), shipped=dict(meta))
    result.row_recon = {m: decode(result, codes[m][row], m) for m in METHODS}
    return result


def load_shipped(code: int, folder: Path = WEIGHTS_DIR) -> AEResult:
    """The shipped run of `code` (2 or 3); WeightsError if missing or bad."""
    path = path_for(code, folder)
    if not path.is_file():
        raise WeightsError(f"no shipped autoencoder run for code size {code}")
    return load_bytes(path.read_bytes())


@runs(ShippedAE)
def run_shipped(config: ShippedAE, device: str = "cpu") -> AEResult:
    """The shipped run of `config.code`, read from its file (no training, no MNIST)."""
    return load_shipped(config.code)


def meta_for(result: AEResult, seconds: float) -> dict:
    """How a shipped file of `result` was made (its held-out MSE is added by the script)."""
    return {"code": result.config.code, "seed": result.config.seed,
            "config": dataclasses.asdict(result.config), "data": result.data,
            "made_by": "scripts/train_ae.py: core.ae.run_ae with the lesson's settings; "
                       "autoencoder weights and held-out codes stored as float16",
            "train_seconds": round(seconds, 1), "torch": str(torch.__version__),
            "mean_mse": round(result.mean_mse, 6),
            "heldout_images": len(result.labels)}
