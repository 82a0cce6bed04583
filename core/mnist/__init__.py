"""The lesson's CNN and LSTM, canvas preprocessing faithful to MNIST, prediction and weight files."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import nn

from core.weights import WeightsError, check_state_dict, read_file

MODEL_KINDS = ("cnn", "lstm")
WEIGHTS_DIR = Path(__file__).resolve().parents[2] / "weights"
MAX_WEIGHTS_BYTES = 2 * 1024 * 1024  # an honest file is ~120 KB; anything above 2 MB is refused
INK_THRESHOLD = 0.1  # canvas pixels brighter than this (0..1) count as ink for the bounding box
BOX = 20  # MNIST's digits fit a 20x20 box, centred by centre of mass in 28x28


class CNN(nn.Module):
    """Conv(1,16,5,1,2)-ReLU-MaxPool(2) -> Conv(16,32,5,1,2)-ReLU-MaxPool(2) -> Linear(32*7*7, 10)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Sequential(nn.Conv2d(1, 16, 5, 1, 2), nn.ReLU(), nn.MaxPool2d(2))
        self.conv2 = nn.Sequential(nn.Conv2d(16, 32, 5, 1, 2), nn.ReLU(), nn.MaxPool2d(2))
        self.out = nn.Linear(32 * 7 * 7, 10)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, 1, 28, 28) -> (batch, 32*7*7): the flattened input of the classifier."""
        return self.conv2(self.conv1(x)).flatten(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (batch, 1, 28, 28) -> (batch, 10)
        return self.out(self.features(x))


class LSTMNet(nn.Module):
    """LSTM(28 -> 64, 1 layer, batch_first) over the 28 rows, Linear(64, 10) on the last step."""

    def __init__(self) -> None:
        super().__init__()
        self.rnn = nn.LSTM(input_size=28, hidden_size=64, num_layers=1, batch_first=True)
        self.out = nn.Linear(64, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (batch, 1, 28, 28) or (batch, 28, 28)
        rows, _ = self.rnn(x.reshape(-1, 28, 28))  # (batch, 28 rows, 64)
        return self.out(rows[:, -1])

    def per_row_logits(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, 28 rows, 10): the classifier applied after each row read so far."""
        rows, _ = self.rnn(x.reshape(-1, 28, 28))
        return self.out(rows)


ARCHITECTURES: dict[str, type[nn.Module]] = {"cnn": CNN, "lstm": LSTMNet}


def build_model(kind: str) -> nn.Module:
    """An untrained model of `kind` ('cnn' or 'lstm'); initialise it with core.models.init_module_."""
    if kind not in ARCHITECTURES:
        raise ValueError(f"unknown model {kind!r}; known: {', '.join(MODEL_KINDS)}")
    return ARCHITECTURES[kind]()


# ---- preprocessing: canvas RGBA -> the 28x28 image MNIST would have made ----------------------

def ink(rgba: np.ndarray) -> np.ndarray:
    """(H, W) float32 in [0, 1]: brightness times opacity (white strokes on black or transparent)."""
    arr = np.asarray(rgba)
    if arr.ndim != 3 or arr.shape[2] not in (3, 4):
        raise ValueError(f"expected an (H, W, 4) RGBA image, got shape {arr.shape}")
    value = np.maximum(np.maximum(arr[..., 0], arr[..., 1]), arr[..., 2]).astype(np.float32)
    if arr.shape[2] == 4:
        return value * arr[..., 3].astype(np.float32) * np.float32(1 / 255**2)
    return value * np.float32(1 / 255)


def preprocess(rgba: np.ndarray) -> np.ndarray | None:
    """Canvas (H, W, 4) uint8 -> (28, 28) float32 in [0, 1] as MNIST made it, or None if empty.

    Crop to the ink's bounding box, scale the longer side to 20 px keeping the aspect ratio
    (anti-aliased), and place it in 28x28 so that its centre of mass sits at the centre.
    """
    img = ink(rgba)
    mask = img > INK_THRESHOLD
    if not mask.any():
        return None
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    crop = img[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    h, w = crop.shape
    scale = BOX / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    small = Image.fromarray(crop, mode="F").resize((nw, nh), Image.Resampling.BOX)
    digit = np.clip(np.asarray(small, dtype=np.float32), 0.0, 1.0)
    if digit.max() > 0:  # same scaling as training: the strongest stroke is full white
        digit = digit / digit.max()
    total = digit.sum()
    ys, xs = np.indices(digit.shape)
    cy, cx = (ys * digit).sum() / total, (xs * digit).sum() / total
    top = int(np.clip(round(14 - cy), 0, 28 - nh))
    left = int(np.clip(round(14 - cx), 0, 28 - nw))
    out = np.zeros((28, 28), dtype=np.float32)
    out[top:top + nh, left:left + nw] = digit
    return out


def to_tensor(images: np.ndarray | torch.Tensor) -> torch.Tensor:
    """(28, 28) or (N, 28, 28) in [0, 1] (or uint8) -> (N, 1, 28, 28) float32."""
    x = torch.as_tensor(np.asarray(images) if not isinstance(images, torch.Tensor) else images)
    x = x.float() / 255.0 if x.dtype == torch.uint8 else x.float()
    return x.reshape(-1, 1, 28, 28)


# ---- prediction and "how each model reads" ---------------------------------------------------

@torch.inference_mode()
def probabilities(image: np.ndarray, models: dict[str, nn.Module]) -> dict[str, np.ndarray]:
    """{kind: (10,) probabilities} for one preprocessed 28x28 image."""
    x = to_tensor(image)
    return {kind: torch.softmax(m(x), dim=1)[0].numpy() for kind, m in models.items()}


def top_class(probs: np.ndarray) -> tuple[int, float]:
    """(digit, probability) of the most probable of the 10 classes (the first one on a tie)."""
    digit = int(np.argmax(probs))
    return digit, float(probs[digit])


def predict(rgba: np.ndarray, models: dict[str, nn.Module]) -> dict[str, np.ndarray] | None:
    """Canvas RGBA -> {kind: (10,) probabilities}, or None for an empty drawing."""
    image = preprocess(rgba)
    return None if image is None else probabilities(image, models)


@torch.inference_mode()
def lstm_row_probabilities(image: np.ndarray, model: LSTMNet) -> np.ndarray:
    """(28 rows, 10): the LSTM's class probabilities after reading each row of the image."""
    return torch.softmax(model.per_row_logits(to_tensor(image)), dim=2)[0].numpy()


@torch.inference_mode()
def cnn_feature_maps(image: np.ndarray, model: CNN) -> np.ndarray:
    """(16, 28, 28): the first convolution's ReLU outputs (before pooling) for one image."""
    conv, relu = model.conv1[0], model.conv1[1]
    return relu(conv(to_tensor(image)))[0].numpy()


@torch.inference_mode()
def cnn_features(images: torch.Tensor, model: CNN, batch: int = 500) -> np.ndarray:
    """(N, 1568): the CNN's flattened features (the classifier's input), e.g. for t-SNE."""
    return torch.cat([model.features(images[i:i + batch]) for i in range(0, len(images), batch)]).numpy()


# ---- weight files ------------------------------------------------------------------------------

def load_weights(kind: str, data: bytes, max_bytes: int = MAX_WEIGHTS_BYTES) -> nn.Module:
    """An eval-mode model of `kind` from torch.save bytes; WeightsError says what is wrong."""
    state = read_file(data, max_bytes)
    model = build_model(kind)
    model.load_state_dict(check_state_dict(kind.upper(), model.state_dict(), state))
    return model.eval()


def weights_digest(model: nn.Module) -> str:
    """A short hash of the weights: a cache key that changes whenever the model does."""
    h = hashlib.sha1()
    for key, value in model.state_dict().items():
        h.update(key.encode())
        h.update(value.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


@dataclass(frozen=True)
class ShippedMeta:
    """What weights/mnist_meta.json says about the shipped weights."""

    data: str  # which data and split they were trained on (English)
    source: str  # "mnist-test-split" or "mnist-full" (see core.mnist_data)
    seed: int
    per_model: dict  # {kind: {"epochs", "seconds", "heldout_accuracy", "lr", "batch_size", ...}}


def load_shipped(folder: Path = WEIGHTS_DIR) -> tuple[dict[str, nn.Module], ShippedMeta]:
    """The shipped eval-mode models and their metadata (raises WeightsError if a file is bad)."""
    models = {}
    for kind in MODEL_KINDS:
        path = folder / f"mnist_{kind}.pt"
        if not path.is_file():
            raise WeightsError(f"shipped weights missing: {path}")
        models[kind] = load_weights(kind, path.read_bytes())
    meta = json.loads((folder / "mnist_meta.json").read_text())
    return models, ShippedMeta(meta["data"], meta.get("source", ""), int(meta["seed"]), meta["models"])


def draw_on_canvas(digit: np.ndarray, g: torch.Generator, canvas: int = 280,
                   sizes: tuple[float, float] = (0.3, 0.9)) -> np.ndarray:
    """A 28x28 MNIST digit as a user might draw it: (canvas, canvas, 4) uint8 RGBA, white on transparent.

    Random size (its longer side a share `sizes` of the canvas), random position, and random extra
    stroke thickness (a dilation of up to 4% of that size); for tests and benchmarks of `preprocess`.
    """
    d = torch.as_tensor(np.asarray(digit), dtype=torch.float32) / 255.0
    ys, xs = torch.nonzero(d > INK_THRESHOLD, as_tuple=True)
    d = d[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    side = int((sizes[0] + (sizes[1] - sizes[0]) * torch.rand(1, generator=g).item()) * canvas)
    h, w = d.shape
    nh, nw = max(1, round(h * side / max(h, w))), max(1, round(w * side / max(h, w)))
    big = nn.functional.interpolate(d[None, None], size=(nh, nw), mode="bilinear", align_corners=False)
    k = int(torch.randint(0, max(1, side // 25) + 1, (1,), generator=g))
    if k:
        big = nn.functional.max_pool2d(big, 2 * k + 1, 1, k)
    alpha = (big[0, 0].clamp(0, 1) * 255).to(torch.uint8).numpy()
    top = int(torch.randint(0, canvas - nh + 1, (1,), generator=g))
    left = int(torch.randint(0, canvas - nw + 1, (1,), generator=g))
    out = np.zeros((canvas, canvas, 4), dtype=np.uint8)
    out[top:top + nh, left:left + nw, :3] = np.where(alpha[..., None] > 0, 255, 0)
    out[top:top + nh, left:left + nw, 3] = alpha
    return out
