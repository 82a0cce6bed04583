"""Autoencoder lesson: MNIST squeezed to a few numbers by the tutorial's autoencoder, against PCA.

Defaults reproduce the autoencoder tutorial: a 784-128-64-12-3 tanh encoder (the code layer is
linear), the mirrored decoder with a sigmoid output, Adam lr 0.005, batch 64, 10 epochs, MSE. PCA
with as many components is fitted on the same training images; both are measured on the same
held-out images. A denoising variant adds Gaussian noise to the autoencoder's input and keeps the
clean image as its target.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import os
import time
from dataclasses import dataclass, field

import numpy as np
import torch
from threadpoolctl import threadpool_limits
from torch import nn

from core.ae.steps import AdamSteps
from core.compute import check_cancelled, report
from core.divergence import Divergence, divergences, is_diverged
from core.mnist.data import MNIST_DIR_ENV, MnistUnavailable, load_from_folder, load_mnist
from core.models import init_module_
from core.runs import runs
from core.seeding import generator_for

METHODS = ("ae", "pca")  # the autoencoder and the linear baseline, in drawing order
CODE_SIZES = (2, 16)  # the smallest and largest code size a run accepts
HIDDEN = (128, 64, 12)  # the encoder's hidden widths (the decoder mirrors them)
PIXELS = 28 * 28
POOL = 100  # the first held-out digits, carried whole by a result: the rows of digits a page shows
ROW = 10  # a row of digits; the first row is also reconstructed after each epoch (the training row)
EVAL_BATCH = 1000
SAME_PICTURE = 0.002  # reconstructions varying less than this (per-pixel std) are one picture
STUCK_SHARE = 0.99  # ...and with more than this share of pixels at black or white, stuck there

__all__ = ["CLAIMS", "CLAIM_SEEDS", "CODE_SIZES", "METHODS", "POOL", "ROW", "AEConfig", "AEProgress",
           "AEResult", "AESpreadConfig", "AESpreadResult", "AutoEncoder", "Claim", "Stall", "decode",
           "encode", "manifold_grid", "run_ae", "run_spread"]


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

    @property
    def steps_per_epoch(self) -> int:
        return -(-self.train_size // self.batch_size)

    @property
    def steps(self) -> int:
        """Training steps of the whole run."""
        return self.steps_per_epoch * self.epochs


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
    epochs: int  # epochs asked for
    epoch_loss: list[float]  # mean training loss of each epoch so far
    step_loss: np.ndarray  # (steps so far,) float32 every step's training loss
    row_images: np.ndarray  # (ROW, 28, 28) the training row: the first held-out digits
    row_recon: np.ndarray  # (ROW, 28, 28) the autoencoder's reconstructions of them now


@dataclass(frozen=True)
class Stall:
    """How an autoencoder's held-out reconstructions look (AEResult.stall)."""

    spread: float  # how much they vary from digit to digit (per-pixel std, averaged; the digits': ~0.2)
    saturated: float  # share of their pixels within 0.01 of black or white

    @property
    def same_picture(self) -> bool:
        """The same picture (up to 1% of the digits' own variation) for every digit."""
        return self.spread < SAME_PICTURE

    @property
    def stuck(self) -> bool:
        """Almost every pixel at black or white: the output units saturated."""
        return self.saturated > STUCK_SHARE


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
    row: np.ndarray  # (POOL,) indices of the held-out digits carried whole (the first ones)
    row_images: np.ndarray  # (POOL, 28, 28) those digits
    row_recon: dict[str, np.ndarray]  # (POOL, 28, 28) each method's reconstructions of them
    epoch_recon: np.ndarray  # (epochs done, ROW, 28, 28) float32 the first row after each epoch
    ae_state: dict[str, torch.Tensor]  # the trained autoencoder's state_dict (CPU; may hold NaN if diverged)
    pca_components: np.ndarray  # (code, 784) float32 PCA's components
    pca_mean: np.ndarray  # (784,) float32 the training images' mean
    pca_explained: np.ndarray  # (code,) share of the pixel variance each component explains
    mean_mse: float = math.nan  # held-out MSE of drawing the training images' mean for every digit
    row_noisy: np.ndarray | None = None  # (POOL, 28, 28) the carried digits with noise (noise > 0)
    noisy_recon: dict[str, np.ndarray] = field(default_factory=dict)  # (POOL, 28, 28) from them, per method
    diverged_at: dict[str, int | None] = field(default_factory=dict)  # per method: 1-based step or None
    seconds: float = 0.0  # wall time of the whole run
    data: str = ""  # which data and split (one line for the page)
    shipped: dict = field(default_factory=dict)  # a shipped run's metadata (core.ae.shipped); {}: trained

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "_model"}  # not the decoding cache

    def divergences(self) -> list[Divergence]:
        """One per method whose training broke down (PCA never does)."""
        return divergences(METHODS, [[self.diverged_at.get(m)] for m in METHODS])

    def rows(self) -> int:
        """How many rows of ROW digits the result carries."""
        return len(self.row) // ROW

    def digits(self, row: int) -> dict[str, np.ndarray]:
        """Row `row` (0-based) of the carried digits: {"original", "ae", "pca"} (and, with noise,
        "noisy" and each method's reconstruction from it, "ae_noisy", "pca_noisy"), (ROW, 28, 28) each."""
        part = slice(row * ROW, (row + 1) * ROW)
        shown = {"original": self.row_images[part], **{m: self.row_recon[m][part] for m in METHODS}}
        if self.row_noisy is not None:
            shown["noisy"] = self.row_noisy[part]
            shown.update({f"{m}_noisy": self.noisy_recon[m][part] for m in METHODS})
        return shown

    def stall(self) -> Stall:
        """How the autoencoder's reconstructions of the held-out digits look (for a run that
        learnt nothing: the same picture for every digit? pixels stuck at black or white?)."""
        recon = decode(self, self.codes["ae"], "ae", clip=False).reshape(len(self.labels), -1)
        if not np.isfinite(recon).all():
            return Stall(float("nan"), float("nan"))
        return Stall(float(recon.std(axis=0).mean()), float(((recon < 0.01) | (recon > 0.99)).mean()))

    def curves(self, epochs: int) -> tuple[np.ndarray, list[float]]:
        """The training losses of the first `epochs` epochs: every step's, and each epoch's mean."""
        return self.step_loss[:epochs * self.config.steps_per_epoch], self.epoch_loss[:epochs]

    def training_row(self, epochs: int) -> np.ndarray | None:
        """(ROW, 28, 28) the autoencoder's reconstructions of the first row after `epochs` epochs
        (None before the first, or past a divergence)."""
        return self.epoch_recon[epochs - 1] if 1 <= epochs <= len(self.epoch_recon) else None

    def learnt(self) -> bool:
        """Whether the autoencoder reconstructs the held-out digits better than their average
        image does (a diverged or saturated run does not)."""
        return math.isfinite(self.mse["ae"]) and not self.mse["ae"] >= self.mean_mse

    def winner(self) -> str | None:
        """The method with the lower held-out MSE (None when the autoencoder did not learn)."""
        if not self.learnt():
            return None
        return min(METHODS, key=lambda m: self.mse[m])

    def edge(self) -> float:
        """How many times the winner's held-out MSE the other method's is (NaN without a winner)."""
        winner = self.winner()
        if winner is None:
            return float("nan")
        return max(self.mse.values()) / self.mse[winner]


def _train_ae(config: AEConfig, x: torch.Tensor, row: torch.Tensor, part: tuple[int, int] = (0, 1),
              ) -> tuple[AutoEncoder, list[float], list[float], list[np.ndarray], int | None]:
    """Adam on MSE, the tutorial's batches; stops at the first diverged step (core.divergence),
    without its update, and says where. Also the training row's reconstructions after each epoch.
    `part` (i, n): this run is the i-th of n in one job, for the progress it reports."""
    model = new_model(config)
    steps = AdamSteps(model, config.lr)  # the module's weights are views of the steps' flat tensor
    batches = generator_for(config.seed, "ae", "batches")
    noise_g = generator_for(config.seed, "ae", "noise")
    n, bs = len(x), config.batch_size
    steps_per_epoch, total = config.steps_per_epoch, config.steps
    every = max(1, total // 50)
    step_loss: list[float] = []
    epoch_loss: list[float] = []
    recons: list[np.ndarray] = []
    first: float | None = None
    for epoch in range(config.epochs):
        order = epoch_order(n, batches)
        for start in range(0, n, bs):
            target = x[order[start:start + bs]]  # (batch, 784); gathered per batch (the whole epoch
            # at once was slower here: 25 MB copied out of cache)
            inp = noisy(target, config.noise, noise_g) if config.noise > 0 else target
            value = steps.loss(inp, target)
            first = value if first is None else first
            step_loss.append(value)
            if is_diverged(value, first):
                epoch_loss.append(float("nan"))
                return model.eval(), epoch_loss, step_loss, recons, len(step_loss)
            steps.update()
            if len(step_loss) % every == 0:
                report((part[0] + len(step_loss) / total) / part[1])
                check_cancelled()
        epoch_loss.append(float(np.mean(step_loss[-steps_per_epoch:])))
        with torch.no_grad():
            recon = model(row).reshape(-1, 28, 28).numpy()
        recons.append(recon)
        report((part[0] + len(step_loss) / total) / part[1],
               AEProgress(epoch + 1, config.epochs, list(epoch_loss), np.asarray(step_loss, dtype=np.float32),
                          row.reshape(-1, 28, 28).numpy(), recon))
    return model.eval(), epoch_loss, step_loss, recons, None


@torch.no_grad()
def _ae_codes(model: AutoEncoder, x: torch.Tensor) -> np.ndarray:
    return torch.cat([model.encoder(x[i:i + EVAL_BATCH]) for i in range(0, len(x), EVAL_BATCH)]).numpy()


def _mse(recon: np.ndarray | torch.Tensor, x: torch.Tensor) -> float:
    return float(((torch.as_tensor(recon, dtype=torch.float64) - x.double()) ** 2).mean())


@runs(AEConfig)
def run_ae(config: AEConfig = AEConfig(), device: torch.device | str = "cpu",
           part: tuple[int, int] = (0, 1)) -> AEResult:
    """Train the autoencoder and fit PCA on the same training images; measure both on the same
    held-out images. (This small network trains on the CPU whatever `device` says.)"""
    start = time.perf_counter()
    data = images()
    x = data.train[:config.train_size]
    held = data.heldout
    pool = np.arange(min(POOL, len(held)))
    model, epoch_loss, step_loss, recons, diverged_at = _train_ae(config, x, held[:ROW], part)
    # OpenBLAS's own threads, beside torch's on a shared CPU, made this fit take 3-8 s here instead
    # of 0.4 s: PCA gets as many threads as torch has.
    from sklearn.decomposition import PCA  # here: importing scikit-learn takes about a second

    with threadpool_limits(limits=torch.get_num_threads()):
        pca = PCA(n_components=config.code, random_state=config.seed).fit(x.numpy())
    codes = {"ae": _ae_codes(model, held), "pca": pca.transform(held.numpy()).astype(np.float32)}
    with torch.no_grad():
        ae_recon = model.decoder(torch.from_numpy(codes["ae"]))
    pca_recon = pca.inverse_transform(codes["pca"])
    finite = bool(torch.isfinite(ae_recon).all())
    mse = {"ae": _mse(ae_recon, held) if finite and diverged_at is None else float("nan"),
           "pca": _mse(pca_recon, held)}
    result = AEResult(
        config=config, epoch_loss=epoch_loss, step_loss=np.asarray(step_loss, dtype=np.float32), mse=mse,
        noisy_mse={}, codes=codes, labels=data.heldout_labels, row=pool,
        row_images=held[torch.as_tensor(pool)].reshape(-1, 28, 28).numpy(), row_recon={},
        epoch_recon=np.stack(recons) if recons else np.zeros((0, ROW, 28, 28), np.float32),
        ae_state={k: v.detach().clone() for k, v in model.state_dict().items()},
        pca_components=pca.components_.astype(np.float32), pca_mean=pca.mean_.astype(np.float32),
        pca_explained=pca.explained_variance_ratio_.astype(np.float32),
        mean_mse=_mse(torch.from_numpy(pca.mean_).expand_as(held), held),
        diverged_at={"ae": diverged_at, "pca": None}, data=data.description)
    result.row_recon = {m: decode(result, codes[m][pool], m) for m in METHODS}
    if config.noise > 0:
        noisy_held = noisy(held, config.noise, generator_for(config.seed, "ae", "heldout_noise"))
        noisy_codes = {m: encode(result, noisy_held.numpy(), m) for m in METHODS}
        result.noisy_mse = {m: _mse(decode(result, noisy_codes[m], m, clip=False).reshape(held.shape), held)
                            for m in METHODS}
        if diverged_at is not None:
            result.noisy_mse["ae"] = float("nan")
        result.row_noisy = noisy_held[torch.as_tensor(pool)].reshape(-1, 28, 28).numpy()
        result.noisy_recon = {m: decode(result, noisy_codes[m][pool], m) for m in METHODS}
    result.seconds = time.perf_counter() - start
    return result


# --- over seeds, and what the page states ---------------------------------------------------------

@dataclass(frozen=True)
class Claim:
    """An effect the page states: at `code` and the lesson's other settings, `lower`'s held-out
    MSE is below the other method's on every seed of CLAIM_SEEDS (tests/test_ae.py checks each)."""

    code: int  # the code size
    lower: str  # the method with the lower held-out MSE


CLAIM_SEEDS = tuple(range(5))
CLAIMS = (Claim(2, "ae"), Claim(3, "ae"), Claim(12, "pca"))  # PCA catches up somewhere in 6..12


@dataclass(frozen=True)
class AESpreadConfig:
    """The run of `base` on seeds base.seed, base.seed + 1, ... (held-out MSE only)."""

    base: AEConfig = AEConfig()  # the run whose methods are compared (its seed is the first)
    seeds: int = 5  # how many seeds

    @property
    def seed_list(self) -> tuple[int, ...]:
        return tuple(range(self.base.seed, self.base.seed + self.seeds))


@dataclass
class AESpreadResult:
    """Both methods' held-out MSE on each seed."""

    config: AESpreadConfig
    mse: dict[str, list[float]]  # per method, one per seed (NaN: the autoencoder diverged)
    learnt: list[bool]  # per seed: whether the autoencoder did better than the average digit

    def wins(self) -> int:
        """On how many seeds the autoencoder learnt and its held-out MSE is below PCA's."""
        return sum(ok and a < p for ok, a, p in zip(self.learnt, self.mse["ae"], self.mse["pca"]))

    def holds(self) -> str | None:
        """What the page may say of the autoencoder beating PCA: "all" (every seed), "most" (more
        than half), "none" (on no seed: PCA wins everywhere) or None (mixed, half or fewer)."""
        k, n = self.wins(), self.config.seeds
        return "all" if k == n else "most" if k > n / 2 else "none" if k == 0 else None


@runs(AESpreadConfig)
def run_spread(config: AESpreadConfig, device: torch.device | str = "cpu") -> AESpreadResult:
    """The lesson's run on each seed, one after the other (each reports its share of the progress)."""
    mse: dict[str, list[float]] = {m: [] for m in METHODS}
    learnt = []
    for i, seed in enumerate(config.seed_list):
        result = run_ae(dataclasses.replace(config.base, seed=seed), device, part=(i, config.seeds))
        for m in METHODS:
            mse[m].append(result.mse[m])
        learnt.append(result.learnt())
    return AESpreadResult(config, mse, learnt)


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


def plane(result: AEResult, method: str, n: int = 41) -> tuple[np.ndarray, np.ndarray]:
    """The explorer's plane of a 2-D code: (n * n, 2) code points of an n x n grid over the
    held-out codes' range (the points a click can pick; n odd), and its middle point (2,)."""
    span = code_range(result, method)
    xs, ys = (np.linspace(lo, hi, n, dtype=np.float32) for lo, hi in span[:2])
    points = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    return points, points[len(points) // 2]


def redraw(result: AEResult, image: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """A digit (28, 28) in [0, 1] through each method: {method: (its code (code,), the image
    decoded from it (28, 28))}: where it lands in the code space, and how the method redraws it."""
    out = {}
    for m in METHODS:
        z = encode(result, image, m)
        out[m] = (z[0], decode(result, z, m)[0])
    return out


def training_problem() -> str | None:
    """Why the lesson cannot be trained here (MNIST's folder cannot be read), or None when it can
    (or may: without a folder a run downloads MNIST, and says so if it cannot)."""
    return _folder_problem(os.environ.get(MNIST_DIR_ENV, "").strip())


@functools.lru_cache(maxsize=4)
def _folder_problem(folder: str) -> str | None:
    if not folder:
        return None
    try:
        load_from_folder(folder)
    except MnistUnavailable as exc:
        return str(exc)
    return None
