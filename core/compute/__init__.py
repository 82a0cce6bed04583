"""The compute service every lesson run goes through (no Streamlit here).

    from core.compute import service
    job = service().submit(run, config, "cpu")   # a Job: queued, running, then done or failed
    job.result()

One service per process, set by the environment:
- `PLAYGROUND_WORKERS`: unset or `auto`: worker processes, one per core plus an express one for
  light jobs (on CUDA, one per GPU plus the express one; on MPS, one plus the express one);
  `0`: compute in the caller's own thread (as a plain Streamlit app does; handy for debugging);
  `N`: N worker processes.
- `PLAYGROUND_DASK=tcp://host:8786`: run the jobs on that Dask cluster instead.
- `PLAYGROUND_CACHE_MB`: the in-memory result cache's budget (default 128; the disk keeps more).
- `PLAYGROUND_CACHE_DIR`: results are also kept on disk there, 1 GB at most (default
  ~/.cache/torch-playground/results; empty: memory only), so a restart or a second server reuses
  them; entries carry a digest of the code under core/, so results of other code are never used.
- `PLAYGROUND_WARM_START=0`: no warm start (ui.lesson.warm_start); the test suite sets it.
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import os
import threading
from pathlib import Path

from core.compute.cache import ResultCache
from core.compute.jobs import (
    CANCELLED,
    DONE,
    FAILED,
    QUEUED,
    RUNNING,
    Cancelled,
    Job,
    JobError,
    WorkerLost,
    check_cancelled,
    report,
)
from core.compute.service import Service
from core.compute.workers import DaskWorkers, InlineWorkers, ProcessWorkers, start_fork_server

WORKERS_ENV = "PLAYGROUND_WORKERS"
DASK_ENV = "PLAYGROUND_DASK"
CACHE_MB_ENV = "PLAYGROUND_CACHE_MB"
CACHE_DIR_ENV = "PLAYGROUND_CACHE_DIR"
WARM_ENV = "PLAYGROUND_WARM_START"  # "0": no warm start (the tests' servers)

__all__ = ["CANCELLED", "DONE", "FAILED", "QUEUED", "RUNNING", "Cancelled", "Job", "JobError",
           "Service", "WorkerLost", "check_cancelled", "report", "service", "make_service", "start_early"]

log = logging.getLogger("playground.compute")
_lock = threading.Lock()
_service: Service | None = None


def code_version() -> str:
    """A digest of the code under core/: results on disk from other code are not reused."""
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        h.update(path.relative_to(root).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def results_dir(env: dict[str, str]) -> Path | None:
    """Where results are kept on disk: `PLAYGROUND_CACHE_DIR`, by default
    ~/.cache/torch-playground/results (an empty value: memory only). A folder that cannot be
    made means memory only."""
    raw = env.get(CACHE_DIR_ENV)
    if raw == "":
        return None
    folder = Path(raw) if raw else Path.home() / ".cache" / "torch-playground" / "results"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        log.warning("results stay in memory only: cannot make %s", folder)
        return None
    return folder


def local_slots(device: str = "cpu", cores: int | None = None) -> int:
    """Worker processes for this machine: one per core (one per GPU on CUDA, one on MPS), plus
    the express one."""
    if device.startswith("cuda"):
        import torch

        return max(1, torch.cuda.device_count()) + 1
    if device.startswith("mps"):
        return 2
    if cores is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, cores or 1) + 1


def start_early(env: dict[str, str] | None = None) -> None:
    """Where the service will have local worker processes, launch their fork server now (it
    imports torch and the lessons beside whatever this process does meanwhile)."""
    env = os.environ if env is None else env
    if not env.get(DASK_ENV) and env.get(WORKERS_ENV, "auto").strip().lower() != "0" and os.name == "posix":
        start_fork_server()


def make_service(env: dict[str, str] | None = None, device: str = "cpu") -> Service:
    """A service configured by `env` (default: the process's environment)."""
    env = os.environ if env is None else env
    cache = ResultCache(int(float(env.get(CACHE_MB_ENV, "128")) * 2**20),
                        results_dir(env), version=code_version(), disk_bytes=1 << 30)
    if env.get(DASK_ENV):
        return Service(DaskWorkers(env[DASK_ENV]), cache, express=False)
    raw = env.get(WORKERS_ENV, "auto").strip().lower()
    if raw in ("", "auto"):
        return Service(ProcessWorkers(local_slots(device)), cache)
    if not raw.isdigit():
        raise ValueError(f"{WORKERS_ENV}={raw!r}: expected auto, 0 or a number of processes")
    n = int(raw)
    if n == 0:
        return Service(InlineWorkers(), cache)
    return Service(ProcessWorkers(n), cache, express=n > 1)


def service(device: str = "cpu") -> Service:
    """This process's service, made on first use (from the environment)."""
    global _service
    with _lock:
        if _service is None:
            try:
                _service = make_service(device=device)
            except Exception:
                log.exception("compute service: falling back to the caller's thread")
                _service = Service(InlineWorkers(), ResultCache(128 * 2**20))
            log.info("compute service: %s", _service.workers.name)
            atexit.register(_service.close)
        return _service
