"""Train the MNIST CNN and LSTM (seeded, data as one tensor), evaluate them, and embed features with t-SNE."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import torch
from torch import nn

from core.divergence import Divergence, divergences
from core.mnist import CNN, build_model, cnn_features, to_tensor
from core.mnist.data import MnistData
from core.models import init_module_
from core.seeding import generator_for
from core.training import StepRecord, train

LESSON = {  # the lesson's optimiser settings: Adam with these learning rates and batch sizes
    "cnn": {"lr": 0.001, "batch_size": 50},
    "lstm": {"lr": 0.01, "batch_size": 64},
}


@dataclass(frozen=True)
class TrainConfig:
    """One model's training run."""

    kind: str = "cnn"  # "cnn" or "lstm"
    epochs: int = 1  # passes over the training images
    lr: float = 0.001  # Adam's learning rate
    batch_size: int = 50  # images per step
    train_size: int = 8000  # the first images of the training split to use
    seed: int = 0  # init and batch order come from generator_for(seed, ...)
    evals_per_epoch: int = 4  # held-out evaluations per epoch, and one at the end (0: none at all)
    decay_last: int = 0  # the last this many epochs run at lr / 10 (0: constant lr, as in the lesson)
    thicken: float = 0.0  # share of training images drawn with randomly thicker strokes (0: plain MNIST)
    bf16: bool = False  # bfloat16 autocast on CPUs with native bf16 (else ignored): 2-5x faster here


def lesson_config(kind: str, **overrides: object) -> TrainConfig:
    """The lesson's settings for `kind`, with any field overridden."""
    return replace(TrainConfig(kind=kind, **LESSON[kind]), **overrides)


@dataclass(frozen=True)
class Tensors:
    """MNIST as float tensors in [0, 1]: (N, 1, 28, 28) images and (N,) labels."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    description: str


def as_tensors(data: MnistData) -> Tensors:
    """Scale once (as ToTensor does) and keep each split as one tensor."""
    return Tensors(to_tensor(data.train_images), data.train_labels.long(), to_tensor(data.test_images),
                   data.test_labels.long(), data.description)


@dataclass
class TrainResult:
    """A finished (or stopped, or diverged) run: the model and its curves."""

    config: TrainConfig
    model: nn.Module  # eval mode
    steps: list[dict] = field(default_factory=list)  # {"step", "images", "epoch", "loss"}
    evals: list[dict] = field(default_factory=list)  # {"step", "images", "accuracy"} on held-out data
    seconds: float = 0.0
    stopped: bool = False
    diverged_at: int | None = None  # the 1-based step whose loss diverged (core.divergence), None = never

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None

    def divergences(self) -> list[Divergence]:
        """[] or one Divergence, the variant being the model's kind ("cnn" or "lstm")."""
        return divergences([self.config.kind], [[self.diverged_at]])

    @property
    def accuracy(self) -> float | None:
        return self.evals[-1]["accuracy"] if self.evals else None


@torch.inference_mode()
def predict_labels(model: nn.Module, x: torch.Tensor, batch: int = 1000) -> torch.Tensor:
    """(N,) predicted digits."""
    was_training = model.training
    model.eval()
    out = torch.cat([model(x[i:i + batch]).argmax(1) for i in range(0, len(x), batch)])
    model.train(was_training)
    return out


def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of images classified right."""
    return float((predict_labels(model, x) == y).float().mean())


class Thicken(nn.Module):
    """Wraps a model: in training, a random share of each batch gets thicker strokes, as people draw.

    Thickening blends each image with its 3x3 max-pool (a one-pixel dilation) by a random amount.
    """

    def __init__(self, model: nn.Module, share: float, g: torch.Generator) -> None:
        super().__init__()
        self.model, self.share, self.g = model, share, g

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (batch, 1, 28, 28)
        if self.training and self.share > 0:
            n = len(x)
            pick = (torch.rand(n, 1, 1, 1, generator=self.g) < self.share).float()
            amount = torch.rand(n, 1, 1, 1, generator=self.g) * pick
            x = x + amount * (nn.functional.max_pool2d(x, 3, 1, 1) - x)
        return self.model(x)


def bf16_supported() -> bool:
    """True when this CPU runs bfloat16 matrix maths natively (AVX512-BF16 or AMX)."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


class Autocast(nn.Module):
    """Runs the wrapped model under CPU bfloat16 autocast; the logits come back as float32.

    Images go in channels_last, the layout oneDNN's bf16 convolutions are fastest in (with the
    CNN's weights converted too, about 1.8x over bf16 alone here; the LSTM ignores it)."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 4:
            x = x.contiguous(memory_format=torch.channels_last)  # (batch, 1, 28, 28)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            return self.model(x).float()


def new_model(config: TrainConfig) -> nn.Module:
    """The architecture of config.kind, initialised from generator_for(seed, 'mnist', kind, 'init')."""
    return init_module_(build_model(config.kind), generator_for(config.seed, "mnist", config.kind, "init"))


def train_model(
    config: TrainConfig,
    data: Tensors,
    *,
    on_step: Callable[[dict], None] | None = None,
    on_eval: Callable[[dict], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    model: nn.Module | None = None,
) -> TrainResult:
    """Train one model with Adam on the first `train_size` images; held-out accuracy along the way.

    `on_step` gets every step's record, `on_eval` every evaluation; `should_stop` ends it early.
    """
    n = min(config.train_size, len(data.x_train))
    x, y = data.x_train[:n], data.y_train[:n]
    model = new_model(config) if model is None else model
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    steps_per_epoch = -(-n // config.batch_size)
    every = max(1, -(-steps_per_epoch // max(1, config.evals_per_epoch)))
    total = steps_per_epoch * config.epochs
    result = TrainResult(config, model)
    seen = 0

    def evaluate_sometimes() -> dict[str, float]:
        step = len(result.steps) + 1
        if config.evals_per_epoch <= 0 or (step % every and step != total):
            return {}
        return {"accuracy": accuracy(model, data.x_test, data.y_test)}

    decay_at = steps_per_epoch * (config.epochs - config.decay_last) if config.decay_last > 0 else -1

    def record(r: StepRecord) -> None:
        nonlocal seen
        if r.step == decay_at:
            for group in optimizer.param_groups:
                group["lr"] = config.lr / 10
        seen = min(seen + config.batch_size, n * (r.epoch + 1))
        row = {"step": r.step, "images": seen, "epoch": r.epoch, "loss": r.loss}
        result.steps.append(row)
        if on_step is not None:
            on_step(row)
        if "accuracy" in r.metrics:
            ev = {"step": r.step, "images": seen, "accuracy": r.metrics["accuracy"]}
            result.evals.append(ev)
            if on_eval is not None:
                on_eval(ev)

    start = time.perf_counter()
    net = model
    if config.thicken > 0:
        net = Thicken(net, config.thicken, generator_for(config.seed, "mnist", config.kind, "thicken"))
    if config.bf16 and bf16_supported() and x.device.type == "cpu":
        model.to(memory_format=torch.channels_last)  # 4-D weights only: the CNN's convolutions
        net = Autocast(net)
    history = train(net, x, y, optimizer, epochs=config.epochs, batch_size=config.batch_size,
                    g=generator_for(config.seed, "mnist", config.kind, "batches"),
                    loss_fn=nn.functional.cross_entropy, evaluate=evaluate_sometimes, on_step=record,
                    should_stop=should_stop)
    result.seconds = time.perf_counter() - start
    result.stopped, result.diverged_at = history.stopped, history.diverged_at
    if history.stopped and result.steps:
        ev = {"step": result.steps[-1]["step"], "images": seen, "accuracy": accuracy(model, data.x_test,
                                                                                    data.y_test)}
        result.evals.append(ev)
    model.eval()
    return result


@dataclass(frozen=True)
class Evaluation:
    """A model on the held-out images."""

    accuracy: float
    confusion: np.ndarray  # (10, 10) counts: rows true digit, columns predicted
    predicted: np.ndarray  # (N,) predicted digits
    misclassified: np.ndarray  # indices into the held-out images, in order


def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> Evaluation:
    """Accuracy, confusion matrix and the misclassified images' indices."""
    pred = predict_labels(model, x).numpy()
    truth = y.numpy()
    confusion = np.zeros((10, 10), dtype=np.int64)
    np.add.at(confusion, (truth, pred), 1)
    return Evaluation(float((pred == truth).mean()), confusion, pred, np.flatnonzero(pred != truth))


def tsne_embedding(model: CNN, x: torch.Tensor, seed: int = 0, n: int = 500) -> np.ndarray:
    """(n, 2): t-SNE of the CNN's flattened features for the first `n` images (deterministic per seed)."""
    from sklearn.manifold import TSNE

    features = cnn_features(x[:n], model)
    perplexity = float(min(30, max(2, (len(features) - 1) // 3)))
    return TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed,
                max_iter=500).fit_transform(features).astype(np.float32)
