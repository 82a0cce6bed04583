"""Where the compute service's jobs run: worker processes of this machine, the caller's own thread,
or a Dask cluster. Each is a `Workers` with a number of slots; a slot runs one job at a time.

Local workers are forked by a fork server of our own (`python -m core.compute.worker`), which
imports torch and the lessons and takes one throwaway step once, so that cost never lands on a job
and the workers share that memory. It is not multiprocessing's forkserver or spawn: those re-run
the server's main script in the child, and in a Streamlit server that is the app. Each worker
uses one torch thread: parallelism comes from the workers. A job talks back over its worker's socket: progress
while it runs (`report`), then its result or its error. A worker that dies mid-job (killed, out
of memory) fails that job alone with `WorkerLost`, and its slot starts a new worker.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import multiprocessing.connection
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.compute.jobs import Cancelled, JobError, WorkerLost, _Reporter, set_reporter

log = logging.getLogger("playground.compute")

NICE = 5  # the other slots' workers: the OS gives the server and the express worker about 3x their share

# A worker is replaced by a fresh fork after this many jobs: each grew by 70-120 MB PSS over 30
# distinct configurations (allocator caches, fragmentation), while a fresh fork starts at ~120 MB
# and takes a fraction of a second.
JOBS_PER_WORKER = 25

# imported by every worker before it is ready
PRELOAD = ("core.race", "core.race.surfaces", "core.dropout", "core.batchnorm", "core.activations",
           "core.mnist.train", "core.mnist.live", "core.dqn", "core.dqn.shipped")


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
    """A worker process, forked by the fork server: one torch thread, then jobs from the socket
    `fd` until it closes."""
    import torch

    torch.set_num_threads(1)
    conn = multiprocessing.connection.Connection(fd)
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
    express: int | None = None  # the express slot (set by the service)

    def prepare(self, slot: int) -> None:
        """Make `slot` ready to take a job (start its worker); called before it takes one."""

    def execute(self, slot: int, fn: Callable, args: tuple, progress: Progress,
                cancelled: threading.Event) -> tuple[Any, int | None]:
        """(result, its pickled size or None); raises JobError, WorkerLost, Cancelled."""
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
            return fn(*args), None
        except (Cancelled, JobError):
            raise
        except Exception as exc:
            raise JobError(f"{type(exc).__name__}: {exc}", traceback.format_exc()) from exc
        finally:
            set_reporter(None)


class ProcessWorkers(Workers):
    """`slots` worker processes of this machine, one per slot, forked by one fork server that has
    torch and the lessons imported (`python -m core.compute.worker FD`), so the workers share its
    memory (about 120 MB of their own each, instead of 800 MB for a fresh Python with torch) and a
    new or replacement worker is ready in well under a second."""

    def __init__(self, slots: int) -> None:
        if os.name != "posix" or not hasattr(socket, "send_fds"):
            raise OSError("worker processes need a POSIX system (fork, and sockets passed by SCM_RIGHTS)")
        self.slots = slots
        self.name = f"{slots} worker process{'es' if slots != 1 else ''}"
        self._root = str(Path(__file__).resolve().parents[2])
        self._server: subprocess.Popen | None = None
        self._server_sock: socket.socket | None = None
        self._pids: list[int | None] = [None] * slots
        self._conns: list[multiprocessing.connection.Connection | None] = [None] * slots
        self._jobs = [0] * slots  # jobs done by each slot's current worker
        self._lock = threading.Lock()

    def _fork_server(self) -> socket.socket:
        """The fork server's socket, starting the server (and waiting until it is ready) if needed;
        one that `start_fork_server` launched early is taken over."""
        if self._server is not None and self._server.poll() is None:
            return self._server_sock
        if self._server_sock is not None:
            self._server_sock.close()
        early = _take_early()
        self._server, ours = early if early is not None else _launch_fork_server(self._root)
        ours.settimeout(300)
        if ours.recv(64) != b"ready":
            raise OSError("the fork server did not start")
        self._server_sock = ours
        return ours

    def prepare(self, slot: int) -> None:
        """Fork `slot`'s worker if it has none (at start, or after one died) and wait until it is
        ready."""
        if self._conns[slot] is not None:
            return
        ours, theirs = socket.socketpair()
        try:
            with self._lock:
                server = self._fork_server()
                socket.send_fds(server, [b"fork"], [theirs.fileno()])
                pid = int(server.recv(64))
        except (OSError, ValueError) as exc:
            log.error("worker %d did not start: %s", slot, exc)
            ours.close()
            time.sleep(1)  # the slot's thread tries again
            return
        finally:
            theirs.close()
        if slot != self.express:  # the server process and the express slot come first for the CPU
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, pid, NICE)
        conn = multiprocessing.connection.Connection(ours.detach())
        if not conn.poll(120):
            log.error("worker %d did not say it was ready", slot)
        else:
            conn.recv_bytes()  # ("ready", pid)
        self._pids[slot], self._conns[slot] = pid, conn

    def pids(self) -> list[int]:
        server = [self._server.pid] if self._server is not None and self._server.poll() is None else []
        return server + [p for p in self._pids if p is not None]

    def kill(self, slot: int) -> None:
        """Kill `slot`'s worker (the fault test does; so would the out-of-memory killer)."""
        if self._pids[slot] is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pids[slot], signal.SIGKILL)

    def _lost(self, slot: int) -> None:
        """Forget `slot`'s worker (it exits when its socket closes); the next job forks a new one."""
        if self._conns[slot] is not None:
            self._conns[slot].close()
        self._pids[slot] = self._conns[slot] = None
        self._jobs[slot] = 0

    def execute(self, slot, fn, args, progress, cancelled):
        self.prepare(slot)
        conn = self._conns[slot]
        if conn is None:
            raise WorkerLost(None)
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
                if kind in ("done", "error", "cancelled"):
                    self._jobs[slot] += 1
                    if self._jobs[slot] >= JOBS_PER_WORKER:  # a fresh fork gives its memory back
                        self._lost(slot)
                if kind == "done":
                    return payload, len(blob)
                if kind == "cancelled":
                    raise Cancelled
                raise JobError(*payload)
        except (EOFError, OSError) as exc:
            self._lost(slot)
            raise WorkerLost(None) from exc

    def close(self) -> None:
        for slot in range(self.slots):
            self._lost(slot)
        if self._server_sock is not None:
            self._server_sock.close()  # the fork server exits when its socket closes
        if self._server is not None:
            try:
                self._server.wait(5)
            except subprocess.TimeoutExpired:
                self._server.kill()


def _launch_fork_server(root: str) -> tuple[subprocess.Popen, socket.socket]:
    """Start a fork server (`python -m core.compute.worker FD`), without waiting for it: the
    process and our end of its socket, on which it says "ready"."""
    ours, theirs = socket.socketpair()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, *filter(None, [os.environ.get("PYTHONPATH")])])}
    proc = subprocess.Popen([sys.executable, "-m", "core.compute.worker", str(theirs.fileno())],
                            pass_fds=(theirs.fileno(),), cwd=root, env=env, stdin=subprocess.DEVNULL)
    theirs.close()
    return proc, ours


_early_lock = threading.Lock()
_early: tuple[subprocess.Popen, socket.socket] | None = None


def start_fork_server() -> None:
    """Launch the fork server now, without waiting: it imports torch and the lessons (seconds)
    while this process imports its own; the first ProcessWorkers of this process takes it over.
    scripts/serve.py calls it before anything else."""
    global _early
    with _early_lock:
        if _early is None:
            _early = _launch_fork_server(str(Path(__file__).resolve().parents[2]))


def _take_early() -> tuple[subprocess.Popen, socket.socket] | None:
    """The early fork server, if there is one still running (once)."""
    global _early
    with _early_lock:
        early, _early = _early, None
    if early is not None and early[0].poll() is not None:
        early[1].close()
        return None
    return early


def fork_server_main(fd: int) -> None:
    """The fork server (`python -m core.compute.worker FD`): import torch and the lessons once,
    then fork one worker per request, each serving the socket that came with the request."""
    import importlib

    import torch

    from core.device import warm_up

    torch.set_num_threads(1)  # before any op: no thread pool to break in the forked children
    for module in PRELOAD:
        importlib.import_module(module)
    warm_up()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped as they exit
    sock = socket.socket(fileno=fd)
    sock.sendall(b"ready")
    while True:
        try:
            _, fds, _, _ = socket.recv_fds(sock, 16, 1)
        except OSError:
            return
        if not fds:  # the service closed its end
            return
        pid = os.fork()
        if pid == 0:
            sock.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            try:
                worker_main(fds[0])
            finally:
                os._exit(0)
        os.close(fds[0])
        sock.sendall(str(pid).encode())


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
        return payload, None

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
