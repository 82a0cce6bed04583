"""Pick the compute device (CUDA, else Apple MPS, else CPU) and set torch's thread count once."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping

import torch

DEVICE_ENV = "PLAYGROUND_DEVICE"  # "auto" (default), "cpu", "cuda" or "mps"
THREADS_ENV = "PLAYGROUND_THREADS"  # intra-op threads for torch; default: default_threads()

_threads_lock = threading.Lock()
_threads_set: int | None = None


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def pick_device(env: Mapping[str, str] | None = None) -> torch.device:
    """CUDA, else MPS, else CPU; the environment variable forces one (an unavailable choice raises)."""
    env = os.environ if env is None else env
    wanted = env.get(DEVICE_ENV, "auto").strip().lower() or "auto"
    if wanted == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if wanted not in ("cpu", "cuda", "mps"):
        raise ValueError(f"{DEVICE_ENV}={wanted!r}: expected auto, cpu, cuda or mps")
    if wanted == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"{DEVICE_ENV}=cuda but CUDA is not available on this machine")
    if wanted == "mps" and not _mps_available():
        raise ValueError(f"{DEVICE_ENV}=mps but Apple MPS is not available on this machine")
    return torch.device(wanted)


def default_threads(cores: int | None = None) -> int:
    """Half the cores, at least 1 and at most 4.

    Browser sessions compute in threads of one process, so the server's parallelism comes from
    sessions. Measured on 2 cores: with both as torch threads, a page's run took 10-15x longer as soon
    as other work shared the cores, while on an idle machine the small models gained nothing; only
    MNIST training gains from more threads, which larger machines still get.
    """
    cores = cores or os.cpu_count() or 1
    return max(1, min(4, cores // 2))


def setup_threads(env: Mapping[str, str] | None = None) -> int:
    """Choose torch's intra-op thread count once per process (it is process-wide), apply it, return it."""
    global _threads_set
    with _threads_lock:
        if _threads_set is None:
            env = os.environ if env is None else env
            raw = env.get(THREADS_ENV, "")
            n = int(raw) if raw.strip().isdigit() and int(raw) > 0 else default_threads()
            torch.set_num_threads(n)
            _threads_set = torch.get_num_threads()
        elif torch.get_num_threads() != _threads_set:  # someone changed it since: put it back
            torch.set_num_threads(_threads_set)
        return _threads_set


def describe(device: torch.device) -> str:
    """One line for the UI, e.g. 'CPU · 2 threads' or 'CUDA · NVIDIA H200'."""
    if device.type == "cuda":
        return f"CUDA · {torch.cuda.get_device_name(device)}"
    if device.type == "mps":
        return "Apple MPS"
    n = torch.get_num_threads()
    return f"CPU · {n} thread{'s' if n != 1 else ''}"


def warm_up() -> None:
    """Take one throwaway optimizer step: torch imports its compiler stack on the first
    `optimizer.step()` of a process (about 1.5 s), which would otherwise land on a user's first run."""
    w = torch.zeros(2, requires_grad=True)
    opt = torch.optim.Adam([w], lr=0.1)
    (w.sum() ** 2).backward()
    opt.step()
