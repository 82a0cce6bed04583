"""Shared fixtures: a seed for every test, and the MNIST folder from ../shared unless one is set."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from core.device import setup_threads

ROOT = Path(__file__).resolve().parent.parent
SHARED_MNIST = ROOT.parent / "shared" / "data" / "mnist"

# The same torch thread count as the app (core.device.default_threads): one on this 2-core machine.
setup_threads()

# No warm start in the tests' processes and servers: each would compute every lesson's default
# link in the background (about 30 s of CPU) beside the tests. tests/test_app_compute.py checks
# what it would compute, and bench.classroom measures it.
os.environ.setdefault("PLAYGROUND_WARM_START", "0")
# Nor results on disk from an earlier run: every test computes what it checks.
os.environ.setdefault("PLAYGROUND_CACHE_DIR", "")

if "PLAYGROUND_MNIST_DIR" not in os.environ and SHARED_MNIST.is_dir():
    os.environ["PLAYGROUND_MNIST_DIR"] = str(SHARED_MNIST)


@pytest.fixture(autouse=True)
def seed() -> int:
    """Seed torch's global RNG too, so a test that forgets a generator still repeats exactly."""
    torch.manual_seed(0)
    return 0


@pytest.fixture
def mnist_dir() -> Path:
    """The MNIST folder the tests use; skipped (never downloaded) when there is none."""
    folder = os.environ.get("PLAYGROUND_MNIST_DIR")
    if not folder or not Path(folder).is_dir():
        pytest.skip("no MNIST folder: set PLAYGROUND_MNIST_DIR (CI uses ../shared/data/mnist)")
    return Path(folder)
