"""MNIST images as uint8 tensors: downloaded where the internet works, else from a local folder.

Order of sources:
1. the folder named by PLAYGROUND_MNIST_DIR, when set (tests and CI; never downloads). It may hold
   the four official files (full 60,000/10,000 split) or only the two test-split files, which are
   split deterministically: the first 8,000 images to train on, the last 2,000 held out;
2. otherwise torchvision's MNIST(download=True) into a cache folder (the full split);
3. otherwise MnistUnavailable with a message saying how to fix it.
"""

from __future__ import annotations

import gzip
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import torch

MNIST_DIR_ENV = "PLAYGROUND_MNIST_DIR"
CACHE_ENV = "PLAYGROUND_CACHE"  # where downloads go; default ~/.cache/torch-playground
TEST_SPLIT_TRAIN = 8000  # first images of the 10,000-image test split used for training


class MnistUnavailable(RuntimeError):
    """Neither a local MNIST folder nor a download worked; the message says what to do."""


@dataclass(frozen=True)
class MnistData:
    """Images (N, 28, 28) uint8 and labels (N,) int64, with a description of their source."""

    train_images: torch.Tensor
    train_labels: torch.Tensor
    test_images: torch.Tensor
    test_labels: torch.Tensor
    source: str  # "mnist-full" or "mnist-test-split"
    description: str  # one line for the UI: which data, which split


def _find(folder: Path, stem: str) -> Path | None:
    for name in (stem, stem + ".gz"):
        for candidate in (folder / name, folder / "raw" / name, folder / "MNIST" / "raw" / name):
            if candidate.is_file():
                return candidate
    return None


def _read_idx(path: Path, kind: str) -> torch.Tensor:
    """Read an IDX file (gzipped or not) with torchvision's own readers."""
    from torchvision.datasets.mnist import read_image_file, read_label_file

    reader = read_image_file if kind == "images" else read_label_file
    if path.suffix != ".gz":
        return reader(str(path))
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / path.stem
        with gzip.open(path, "rb") as src, open(plain, "wb") as dst:
            shutil.copyfileobj(src, dst)
        return reader(str(plain))


def load_from_folder(folder: str | os.PathLike) -> MnistData:
    """MNIST from a folder holding the official IDX files (see the module docstring)."""
    folder = Path(folder)
    files = {stem: _find(folder, stem) for stem in (
        "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
    if files["t10k-images-idx3-ubyte"] is None or files["t10k-labels-idx1-ubyte"] is None:
        raise MnistUnavailable(f"no MNIST test files (t10k-*-ubyte[.gz]) in {folder}")
    test_x = _read_idx(files["t10k-images-idx3-ubyte"], "images")
    test_y = _read_idx(files["t10k-labels-idx1-ubyte"], "labels").long()
    if files["train-images-idx3-ubyte"] and files["train-labels-idx1-ubyte"]:
        train_x = _read_idx(files["train-images-idx3-ubyte"], "images")
        train_y = _read_idx(files["train-labels-idx1-ubyte"], "labels").long()
        return MnistData(train_x, train_y, test_x, test_y, "mnist-full",
                         f"MNIST: {len(train_x):,} training / {len(test_x):,} test images")
    k = TEST_SPLIT_TRAIN
    return MnistData(test_x[:k], test_y[:k], test_x[k:], test_y[k:], "mnist-test-split",
                     f"MNIST test split only: first {k:,} images to train, last {len(test_x) - k:,} held out")


def _download(root: Path) -> MnistData:
    from torchvision.datasets import MNIST

    try:
        train = MNIST(str(root), train=True, download=True)
        test = MNIST(str(root), train=False, download=True)
    except Exception as exc:  # no internet, a proxy, a half-written file: all mean "not available"
        raise MnistUnavailable(f"MNIST download failed ({type(exc).__name__}: {exc})") from exc
    return MnistData(train.data, train.targets.long(), test.data, test.targets.long(), "mnist-full",
                     f"MNIST: {len(train.data):,} training / {len(test.data):,} test images")


def load_mnist(env: Mapping[str, str] | None = None, allow_download: bool = True) -> MnistData:
    """MNIST from $PLAYGROUND_MNIST_DIR, else a download; MnistUnavailable if neither works."""
    env = os.environ if env is None else env
    folder = env.get(MNIST_DIR_ENV, "").strip()
    if folder:
        return load_from_folder(folder)
    cache = Path(env.get(CACHE_ENV, "") or Path.home() / ".cache" / "torch-playground") / "mnist"
    if (cache / "MNIST" / "raw").is_dir():
        try:
            return load_from_folder(cache)
        except MnistUnavailable:
            pass
    if not allow_download:
        raise MnistUnavailable(f"MNIST is not available offline: set {MNIST_DIR_ENV} to a folder "
                               "holding the MNIST IDX files")
    try:
        return _download(cache)
    except MnistUnavailable as exc:
        raise MnistUnavailable(f"{exc}. Without internet, set {MNIST_DIR_ENV} to a folder holding "
                               "the MNIST IDX files (t10k-images-idx3-ubyte.gz and friends).") from exc
