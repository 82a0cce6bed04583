"""Autoencoder lesson: MNIST squeezed to a few numbers by the tutorial's autoencoder, against PCA.

Defaults reproduce the autoencoder tutorial: a 784-128-64-12-3 tanh encoder (the code layer is
linear), the mirrored decoder with a sigmoid output, Adam lr 0.005, batch 64, 10 epochs, MSE. PCA
with as many components is fitted on the same training images; both are measured on the same
held-out images. A denoising variant adds Gaussian noise to the autoencoder's input and keeps the
clean image as its target.
"""

from __future__ import annotations

import functools
import math
import os
import time
from dataclasses import dataclass, field

import numpy as np
import torch
from sklearn.decomposition import PCA
from threadpoolctl import threadpool_limits
from torch import nn

from core.compute import check_cancelled, report
from core.divergence import Divergence, divergences, is_diverged
from core.mnist.data import MNIST_DIR_ENV, load_mnist
from core.models import init_module_
from core.runs import runs
from core.seeding import generator_for

METHODS = ("ae", "pca")  # the autoencoder and the linear baseline, in drawing order
CODE_SIZES = (2, 16)  # the smallest and largest code size a run accepts
HIDDEN = (128, 64, 12)  # the encoder's hidden widths (the decoder mirrors them)
PIXELS = 28 * 28
ROW = 10  # held-out digits whose reconstructions a result carries (the first ones)
EVAL_BATCH = 1000

__all__ = ["CODE_SIZES", "METHODS", "AEConfig", "AEProgress", "AEResult", "AutoEncoder", "decode",
           "encode", "manifold_grid", "run_ae"]


@dataclass(frozen=True)
class AEConfig:
    """One side-by-side run of the autoencoder and PCA; the defaults reproduce the tutorial."""

    code: int = 3  # numbers per image: the bottleneck's width, and PCA's n_components (2..16)
    lr: float = 0.005  # Adam's learning rate
    batch_size: int = 64  # images per step
    epochs: int = 10  # passes over the training images
    noise: float = 0.0  # std of Gaussian noise on the autoencoder's input (clean target); 0: plain
    train_size: int = 8000  # the first images of the training split (both methods see the same)
    seed: int = 0  # initial weights, batch order and input noise

    def __post_init__(self) -> None:
        lo, hi = CODE_SIZES
        if not lo <= self.code <= hi:
            raise ValueError(f"code size must be {lo}..{hi}, got {self.code}")
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"the learning rate must be positive and finite, got {self.lr}")
        if not (math.isfinite(self.noise) and self.noise >= 0):
            raise ValueError(f"the noise std must be >= 0 and finite, got {self.noise}")
        if min(self.batch_size, self.epochs, self.train_size) < 1:
            raise ValueError("batch_size, epochs and train_size must be >= 1")


class AutoEncoder(nn.Module):
    """The tutorial's AutoEncoder: 784-128-64-12-code (tanh between), code-12-64-128-784 + sigmoid."""

    def __init__(self, code: int = 3) -> None:
        super().__init__()
        widths = (PIXELS, *HIDDEN, code)
        enc: list[nn.Module] = []
        for a, b in zip(widths[:-1], widths[1:]):
            enc += [nn.Linear(a, b), nn.Tanh()]
        dec: list[nn.Module] = []
        back = widths[::-1]
        for a, b in zip(back[:-1], back[1:]):
            dec += [nn.Linear(a, b), nn.Tanh()]
        self.encoder = nn.Sequential(*enc[:-1])  # the code itself is linear, as in the tutorial
        self.decoder = nn.Sequential(*dec[:-1], nn.Sigmoid())  # pixels in (0, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (batch, 784) -> (batch, 784)
        return self.decoder(self.encoder(x))


def new_model(config: AEConfig) -> AutoEncoder:
    """The autoencoder of `config`, initialised (PyTorch's own rule) from the seed's 'init' stream."""
    return init_module_(AutoEncoder(config.code), generator_for(config.seed, "ae", "init"))


def epoch_order(n: int, g: torch.Generator) -> torch.Tensor:
    """One epoch's shuffled indices, drawn exactly as `DataLoader(shuffle=True, generator=g)` draws
    them: the loader's iterator first takes a base seed for its workers, then its RandomSampler one
    permutation and a second, unused one (for its remainder)."""
    torch.empty((), dtype=torch.int64).random_(generator=g)
    order = torch.randperm(n, generator=g)
    torch.randperm(n, generator=g)
    return order


# --- data ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Images:
    """Flattened MNIST in [0, 1]: training (N, 784) and held-out (M, 784) images, held-out labels."""

    train: torch.Tensor
    heldout: torch.Tensor
    heldout_labels: np.ndarray
    description: str


@functools.lru_cache(maxsize=2)
def _images(folder: str) -> Images:
    raw = load_mnist({MNIST_DIR_ENV: folder} if folder else None)
    return Images(raw.train_images.reshape(-1, PIXELS).float() / 255.0,
                  raw.test_images.reshape(-1, PIXELS).float() / 255.0, raw.test_labels.numpy(),
                  raw.description)


def images() -> Images:
    """MNIST as the app reads it (core.mnist.data.load_mnist), once per process and folder."""
    return _images(os.environ.get(MNIST_DIR_ENV, "").strip())


def heldout_digits(indices: list[int] | np.ndarray) -> np.ndarray:
    """(n, 28, 28) float32: held-out images by index, for the page's row of digits."""
    return images().heldout[torch.as_tensor(np.asarray(indices, dtype=np.int64))].reshape(-1, 28, 28).numpy()


def noisy(x: torch.Tensor, std: float, g: torch.Generator) -> torch.Tensor:
    """x plus Gaussian noise of `std` drawn from `g`, kept in [0, 1] like an image."""
    return (x + std * torch.randn(x.shape, generator=g)).clamp_(0.0, 1.0)


# --- the run -------------------------------------------------------------------------------------

@dataclass
class AEProgress:
    """What a running job reports after each epoch (light: no weights)."""

    epoch: int  # epochs done
    epoch_loss: list[float]  # mean training loss of each epoch so far
    row_recon: np.ndarray  # (ROW, 28, 28) the autoencoder's reconstructions of the row so far


@dataclass
class AEResult:
    """Everything a page draws; per-method entries are keyed by METHODS."""

    config: AEConfig
    epoch_loss: list[float]  # mean training loss of each epoch (a diverged run ends with one NaN)
    step_loss: np.ndarray  # (steps,) float32 every step's training loss, before its update
    mse: dict[str, float]  # held-out reconstruction MSE per method (NaN for a diverged autoencoder)
    noisy_mse: dict[str, float]  # the same from noisy inputs (noise > 0 only; else empty)
    codes: dict[str, np.ndarray]  # (M, code) float32 codes of the held-out images per method
    labels: np.ndarray  # (M,) the held-out digits' labels
    row: np.ndarray  # (ROW,) indices of the held-out digits shown in a row
    row_images: np.ndarray  # (ROW, 28, 28) those digits
    row_recon: dict[str, np.ndarray]  # (ROW, 28, 28) each method's reconstructions of them
    epoch_recon: np.ndarray  # (epochs done, ROW, 28, 28) float32 the row by the autoencoder after each epoch
    ae_state: dict[str, torch.Tensor]  # the trained autoencoder's state_dict (CPU; may hold NaN if diverged)
    pca_components: np.ndarray  # (code, 784) float32 PCA's components
    pca_mean: np.ndarray  # (784,) float32 the training images' mean
    pca_explained: np.ndarray  # (code,) share of the pixel variance each component explains
    diverged_at: dict[str, int | None] = field(default_factory=dict)  # per method: 1-based step or None
    seconds: float = 0.0  # wall time of the whole run
    data: str = ""  # which data and split (one line for the page)
    shipped: dict = field(default_factory=dict)  # a shipped run's metadata (core.ae.shipped); {}: trained

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "_model"}  # not the decoding cache

    def divergences(self) -> list[Divergence]:
        """One per method whose training broke down (PCA never does)."""
        return divergences(METHODS, [[self.diverged_at.get(m)] for m in METHODS])


def _train_ae(config: AEConfig, x: torch.Tensor, row: torch.Tensor,
              ) -> tuple[AutoEncoder, list[float], list[float], list[np.ndarray], int | None]:
    """Adam on MSE, the tutorial's batches; stops at the first diverged step (core.divergence),
    without its update, and says where. Also the row's reconstructions after each epoch."""
    model = new_model(config)
    # Fused Adam: one kernel for every weight; 7.0 -> 5.1 ms a step on one thread here, and as close
    # to the tutorial's plain Adam as the unfused one (tests/test_ae.py).
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, fused=True)
    batches = generator_for(config.seed, "ae", "batches")
    noise_g = generator_for(config.seed, "ae", "noise")
    n, bs = len(x), config.batch_size
    steps_per_epoch = -(-n // bs)
    total = steps_per_epoch * config.epochs
    every = max(1, total // 50)
    step_loss: list[float] = []
    epoch_loss: list[float] = []
    recons: list[np.ndarray] = []
    first: float | None = None
    for epoch in range(config.epochs):
        order = epoch_order(n, batches)
        for start in range(0, n, bs):
            target = x[order[start:start + bs]]  # (batch, 784)
            inp = noisy(target, config.noise, noise_g) if config.noise > 0 else target
            loss = nn.functional.mse_loss(model(inp), target)
            value = loss.item()
            first = value if first is None else first
            step_loss.append(value)
            if is_diverged(value, first):
                epoch_loss.append(float("nan"))
                return model.eval(), epoch_loss, step_loss, recons, len(step_loss)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if len(step_loss) % every == 0:
                report(len(step_loss) / total)
                check_cancelled()
        epoch_loss.append(float(np.mean(step_loss[-steps_per_epoch:])))
        with torch.no_grad():
            recon = model(row).reshape(-1, 28, 28).numpy()
        recons.append(recon)
        report(len(step_loss) / total, AEProgress(epoch + 1, list(epoch_loss), recon))
    return model.eval(), epoch_loss, step_loss, recons, None


@torch.no_grad()
def _ae_codes(model: AutoEncoder, x: torch.Tensor) -> np.ndarray:
    return torch.cat([model.encoder(x[i:i + EVAL_BATCH]) for i in range(0, len(x), EVAL_BATCH)]).numpy()


def _mse(recon: np.ndarray | torch.Tensor, x: torch.Tensor) -> float:
    return float(((torch.as_tensor(recon, dtype=torch.float64) - x.double()) ** 2).mean())


@runs(AEConfig)
def run_ae(config: AEConfig = AEConfig(), device: torch.device | str = "cpu") -> AEResult:
    """Train the autoencoder and fit PCA on the same training images; measure both on the same
    held-out images. (This small network trains on the CPU whatever `device` says.)"""
    start = time.perf_counter()
    data = images()
    x = data.train[:config.train_size]
    held = data.heldout
    row_idx = np.arange(min(ROW, len(held)))
    row = held[torch.as_tensor(row_idx)]
    model, epoch_loss, step_loss, recons, diverged_at = _train_ae(config, x, row)
    # OpenBLAS's own threads, beside torch's on a shared CPU, made this fit take 3-8 s here instead
    # of 0.4 s: PCA gets as many threads as torch has.
    with threadpool_limits(limits=torch.get_num_threads()):
        pca = PCA(n_components=config.code, random_state=config.seed).fit(x.numpy())
    codes = {"ae": _ae_codes(model, held), "pca": pca.transform(held.numpy()).astype(np.float32)}
    with torch.no_grad():
        ae_recon = model.decoder(torch.from_numpy(codes["ae"]))
    pca_recon = pca.inverse_transform(codes["pca"])
    finite = bool(torch.isfinite(ae_recon).all())
    mse = {"ae": _mse(ae_recon, held) if finite and diverged_at is None else float("nan"),
           "pca": _mse(pca_recon, held)}
    noisy_mse: dict[str, float] = {}
    if config.noise > 0:
        noisy_held = noisy(held, config.noise, generator_for(config.seed, "ae", "heldout_noise"))
        with torch.no_grad():
            noisy_mse["ae"] = _mse(model(noisy_held), held) if diverged_at is None else float("nan")
        noisy_mse["pca"] = _mse(pca.inverse_transform(pca.transform(noisy_held.numpy())), held)
    result = AEResult(
        config=config, epoch_loss=epoch_loss, step_loss=np.asarray(step_loss, dtype=np.float32), mse=mse,
        noisy_mse=noisy_mse, codes=codes, labels=data.heldout_labels, row=row_idx,
        row_images=row.reshape(-1, 28, 28).numpy(), row_recon={},
        epoch_recon=np.stack(recons) if recons else np.zeros((0, len(row_idx), 28, 28), np.float32),
        ae_state={k: v.detach().clone() for k, v in model.state_dict().items()},
        pca_components=pca.components_.astype(np.float32), pca_mean=pca.mean_.astype(np.float32),
        pca_explained=pca.explained_variance_ratio_.astype(np.float32),
        diverged_at={"ae": diverged_at, "pca": None}, data=data.description)
    result.row_recon = {m: decode(result, codes[m][row_idx], m) for m in METHODS}
    result.seconds = time.perf_counter() - start
    return result


# --- decoding any code point ---------------------------------------------------------------------

def _model(result: AEResult) -> AutoEncoder:
    """The result's trained autoencoder (kept per result object, so repeated decodes are cheap)."""
    model = result.__dict__.get("_model")
    if model is None:
        model = AutoEncoder(result.config.code)
        model.load_state_dict(result.ae_state)
        model.eval()
        result.__dict__["_model"] = model
    return model


def decode(result: AEResult, codes: np.ndarray, method: str = "ae",
           clip: bool = True) -> np.ndarray:
    """(n, 28, 28) float32 images for codes (n, code) (or one code (code,)) by `method`'s decoder:
    the autoencoder's decoder, or PCA's inverse transform (clipped to [0, 1] for display)."""
    z = np.asarray(codes, dtype=np.float32).reshape(-1, result.config.code)
    if method == "ae":
        with torch.no_grad():
            out = _model(result).decoder(torch.from_numpy(z)).numpy()
    elif method == "pca":
        out = z @ result.pca_components + result.pca_mean
        if clip:
            out = np.clip(out, 0.0, 1.0)
    else:
        raise ValueError(f"unknown method {method!r}; known: {', '.join(METHODS)}")
    return out.reshape(-1, 28, 28).astype(np.float32)


def encode(result: AEResult, images_: np.ndarray, method: str = "ae") -> np.ndarray:
    """(n, code) float32 codes of images (n, 28, 28) or (28, 28) in [0, 1] by `method`'s encoder."""
    x = np.asarray(images_, dtype=np.float32).reshape(-1, PIXELS)
    if method == "ae":
        with torch.no_grad():
            return _model(result).encoder(torch.from_numpy(x)).numpy()
    if method == "pca":
        return ((x - result.pca_mean) @ result.pca_components.T).astype(np.float32)
    raise ValueError(f"unknown method {method!r}; known: {', '.join(METHODS)}")


def code_range(result: AEResult, method: str, share: float = 0.01) -> np.ndarray:
    """(code, 2) the span of the held-out codes per dimension, without the `share` most extreme
    at each end: the plane the explorer shows."""
    return np.quantile(result.codes[method], [share, 1 - share], axis=0).T.astype(np.float32)


def manifold_grid(result: AEResult, method: str = "ae", n: int = 15,
                  span: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The 'manifold' picture of a 2-D code: the code points (n, n, 2) of an n x n grid over `span`
    ((2, 2) lo/hi per dimension; default the held-out codes' range), row 0 at the top (largest
    second number), and their decoded images (n, n, 28, 28)."""
    if result.config.code != 2:
        raise ValueError(f"the manifold grid needs a 2-D code, this run's has {result.config.code}")
    span = code_range(result, method) if span is None else np.asarray(span, dtype=np.float32)
    xs = np.linspace(span[0, 0], span[0, 1], n, dtype=np.float32)
    ys = np.linspace(span[1, 1], span[1, 0], n, dtype=np.float32)
    grid = np.stack(np.meshgrid(xs, ys), axis=-1)  # (n rows, n cols, 2)
    return grid, decode(result, grid.reshape(-1, 2), method).reshape(n, n, 28, 28)
