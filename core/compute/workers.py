"""Where the compute service's jobs run: worker processes of this machine, the caller's own thread,
or a Dask cluster. Each is a `Workers` with a number of slots; a slot runs one job at a time.

A local worker is its own Python (`python -m core.compute.worker`), talking over a socket pair:
it never re-runs the server's main script, as multiprocessing's spawn and forkserver would (in a
Streamlit server that is the app). Each worker uses one torch thread: parallelism comes from the
workers. It imports torch and the lessons and takes one throwaway step before it says it is
ready, so that cost never lands on a job. A job talks back over its worker's socket: progress
while it runs (`report`), then its result or its error. A worker that dies mid-job (killed, out
of memory) fails that job alone with `WorkerLost`, and its slot starts a new worker.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import os
import pickle
import socket
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.compute.jobs import Cancelled, JobError, WorkerLost, _Reporter, set_reporter

log = logging.getLogger("playground.compute")

PRELOAD = ("core.race", "core.race.surfaces", "core.dropout", "core.batchnorm", "core.activations",
           "core.mnist.train", "core.mnist.live")  # imported by every worker before it is ready


def _dumps(message: Any) -> bytes:
    # Plain pickle, not multiprocessing's: that one would send tensors as shared-memory handles.
    return pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)


class _PipeReporter(_Reporter):
    """A worker's side of a running job: progress goes up the pipe; a cancel comes down it."""

    def __init__(self, conn: multiprocessing.connection.Connection) -> None:
        self.conn = conn
        self.cancelled = False

    def report(self, fraction: float | None, info: Any) -> None:
        self.conn.send_bytes(_dumps(("progress", (fraction, info))))
        self.check()

    def check(self) -> None:
        while self.conn.poll():
            if pickle.loads(self.conn.recv_bytes()) == "cancel":
                self.cancelled = True
        if self.cancelled:
            raise Cancelled


def worker_main(fd: int) -> None:
    """A worker process (`python -m core.compute.worker FD`): one torch thread, then jobs from the
    socket `fd` until it closes."""
    import torch

    conn = multiprocessing.connection.Connection(fd)
    import importlib

    from core.device import warm_up

    for module in PRELOAD:
        importlib.import_module(module)
    warm_up()
    conn.send_bytes(_dumps(("ready", os.getpid())))

    torch.set_num_threads(1)
    while True:
        try:
            message = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return
        if message == "cancel":  # for a job that already ended
            continue
        fn, args = message
        reporter = _PipeReporter(conn)
        set_reporter(reporter)
        try:
            reply = ("done", fn(*args))
        except Cancelled:
            reply = ("cancelled", None)
        except BaseException as exc:  # noqa: BLE001 (every error goes back to the waiting session)
            reply = ("error", (f"{type(exc).__name__}: {exc}", traceback.format_exc()))
        finally:
            set_reporter(None)
        try:
            blob = _dumps(reply)
        except Exception as exc:  # noqa: BLE001 (an unpicklable result)
            blob = _dumps(("error", (f"result could not be sent: {exc}", traceback.format_exc())))
        conn.send_bytes(blob)


Progress = Callable[[float | None, Any], None]


class Workers:
    """Slots that run `fn(*args)`; `execute` blocks its caller (a slot's thread) until the end."""

    slots: int = 1
    name: str = ""

    def prepare(self, slot: int) -> None:
        """Make `slot` ready to take a job (start its worker); called before it takes one."""

    def execute(self, slot: int, fn: Callable, args: tuple, progress: Progress,
                cancelled: threading.Event) -> tuple[Any, int | None, bytes | None]:
        """(result, its pickled size or None, the pickle or None); raises JobError, WorkerLost,
        Cancelled."""
        raise NotImplementedError

    def pids(self) -> list[int]:
        """The processes of this machine that compute (for memory figures)."""
        return []

    def close(self) -> None:
        pass


class InlineWorkers(Workers):
    """The caller's own thread (`PLAYGROUND_WORKERS=0`): as without a service, handy for debugging."""

    name = "in the session's thread"

    def __init__(self, slots: int = 64) -> None:
        self.slots = slots

    def execute(self, slot, fn, args, progress, cancelled):
        class _Local(_Reporter):
            def report(self, fraction, info):
                progress(fraction, info)
                self.check()

            def check(self):
                if cancelled.is_set():
                    raise Cancelled

        set_reporter(_Local())
        try:
            return fn(*args), None, None
        except (Cancelled, JobError):
            raise
        except Exception as exc:
            raise JobError(f"{type(exc).__name__}: {exc}", traceback.format_exc()) from exc
        finally:
            set_reporter(None)


class ProcessWorkers(Workers):
    """`slots` worker processes of this machine (`python -m core.compute.worker`), one per slot,
    each started when first needed and again after it died."""

    def __init__(self, slots: int) -> None:
        if os.name != "posix":
            raise OSError("worker processes need a POSIX system (socket pairs passed to children)")
        self.slots = slots
        self.name = f"{slots} worker process{'es' if slots != 1 else ''}"
        self._root = str(Path(__file__).resolve().parents[2])
        self._procs: list[subprocess.Popen | None] = [None] * slots
        self._conns: list[multiprocessing.connection.Connection | None] = [None] * slots
        self._lock = threading.Lock()

    def prepare(self, slot: int) -> None:
        """Start `slot`'s worker if it has none alive (at start, or after one died) and wait until
        it is ready. Only `slot`'s own thread calls this, so slots start their workers in parallel."""
        proc = self._procs[slot]
        if proc is not None and proc.poll() is None:
            return
        if self._conns[slot] is not None:
            self._conns[slot].close()
        ours, theirs = socket.socketpair()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [self._root, *filter(None, [os.environ.get("PYTHONPATH")])])}
        with self._lock:  # no other thread's child inherits this socket
            proc = subprocess.Popen([sys.executable, "-m", "core.compute.worker", str(theirs.fileno())],
                                    pass_fds=(theirs.fileno(),), cwd=self._root, env=env,
                                    stdin=subprocess.DEVNULL)
            theirs.close()
        conn = multiprocessing.connection.Connection(ours.detach())
        self._procs[slot], self._conns[slot] = proc, conn
        try:
            if not conn.poll(300):
                raise TimeoutError("the worker did not start within 300 s")
            conn.recv_bytes()  # ("ready", pid)
        except (EOFError, OSError, TimeoutError) as exc:
            log.error("worker %d did not start: %s", slot, exc)
            proc.kill()

    def pids(self) -> list[int]:
        return [p.pid for p in self._procs if p is not None and p.poll() is None]

    def kill(self, slot: int) -> None:
        """Kill `slot`'s worker (the fault test does; so would the out-of-memory killer)."""
        proc = self._procs[slot]
        if proc is not None:
            proc.kill()

    def execute(self, slot, fn, args, progress, cancelled):
        self.prepare(slot)
        proc, conn = self._procs[slot], self._conns[slot]
        sent_cancel = False
        try:
            conn.send_bytes(_dumps((fn, args)))
            while True:
                if cancelled.is_set() and not sent_cancel:
                    conn.send_bytes(_dumps("cancel"))
                    sent_cancel = True
                if not conn.poll(0.2):
                    continue
                blob = conn.recv_bytes()
                kind, payload = pickle.loads(blob)
                if kind == "progress":
                    progress(*payload)
                    continue
                if kind == "done":
                    return payload, len(blob), None
                if kind == "cancelled":
                    raise Cancelled
                raise JobError(*payload)
        except (EOFError, OSError) as exc:
            try:
                proc.wait(2)
            except subprocess.TimeoutExpired:
                proc.kill()
            raise WorkerLost(proc.returncode) from exc

    def close(self) -> None:
        for conn in self._conns:
            if conn is not None:
                conn.close()
        for proc in self._procs:
            if proc is not None:
                try:
                    proc.wait(2)
                except subprocess.TimeoutExpired:
                    proc.kill()


class DaskWorkers(Workers):
    """A Dask cluster (`PLAYGROUND_DASK=tcp://host:port`) through `Client(address).get_executor()`.

    Dask runs the job where it has room and re-runs it elsewhere if that worker dies (up to its
    allowed failures, then `WorkerLost`). Progress is not streamed back from there; the page shows
    the time waited instead.
    """

    def __init__(self, address: str, slots: int | None = None) -> None:
        from distributed import Client

        self.client = Client(address, timeout=10, set_as_default=False)
        self.executor = self.client.get_executor(pure=False)
        threads = sum(self.client.nthreads().values()) or 1
        self.slots = slots or threads
        self.name = f"Dask at {address} ({threads} worker thread{'s' if threads != 1 else ''})"

    def execute(self, slot, fn, args, progress, cancelled):
        from concurrent.futures import CancelledError
        from concurrent.futures import TimeoutError as FutureTimeout

        from distributed import KilledWorker

        future = self.executor.submit(_dask_call, fn, args)
        while True:
            try:
                kind, payload = future.result(timeout=0.2)
                break
            except FutureTimeout:
                if cancelled.is_set():
                    future.cancel()
                    raise Cancelled from None
            except KilledWorker as exc:
                raise WorkerLost(None) from exc
            except CancelledError:
                raise Cancelled from None
        if kind == "error":
            raise JobError(*payload)
        return payload, None, None

    def close(self) -> None:
        self.executor.shutdown(wait=False)
        self.client.close()


def _dask_call(fn: Callable, args: tuple) -> tuple[str, Any]:
    """A job on a Dask worker: its errors come back as text, like a local worker's."""
    import torch

    torch.set_num_threads(1)
    try:
        return "done", fn(*args)
    except Exception as exc:  # noqa: BLE001
        return "error", (f"{type(exc).__name__}: {exc}", traceback.format_exc())
