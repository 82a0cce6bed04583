"""The compute service: one per server process, shared by every session.

`submit(fn, *args)` returns a `Job`. Asking for a computation that is cached returns it at once;
one that is queued or running returns that same job (computed once, every waiter gets it); a new
one joins the queue. Slots take jobs in order (people before warm-start jobs, then first come).

Fairness: the last slot is an express slot that takes only jobs known to be light (a run of the
same configuration apart from its seed took at most `light_seconds`), so however many heavy runs
fill the other slots, a default-config seed change still starts at once. The operating system
shares the cores between the busy worker processes.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from core.compute.cache import ResultCache
from core.compute.jobs import CANCELLED, DONE, FAILED, QUEUED, RUNNING, Cancelled, Job, JobError, WorkerLost
from core.compute.workers import InlineWorkers, ProcessWorkers, Workers

log = logging.getLogger("playground.compute")


def family(args: tuple) -> Hashable:
    """`args` with every config's seed set to 0: runs that differ only by seed cost the same."""
    def strip(a: Any) -> Any:
        if dataclasses.is_dataclass(a) and not isinstance(a, type) and any(
                f.name == "seed" for f in dataclasses.fields(a)):
            return dataclasses.replace(a, seed=0)
        return a
    return tuple(strip(a) for a in args) if isinstance(args, tuple) else strip(args)


def job_key(fn: Callable, args: tuple) -> Hashable:
    return f"{fn.__module__}.{fn.__qualname__}", args


class Service:
    def __init__(self, workers: Workers, cache: ResultCache, *, express: bool = True,
                 light_seconds: float = 1.5) -> None:
        self.workers = workers
        self.cache = cache
        self.light_seconds = light_seconds
        self.inline = isinstance(workers, InlineWorkers)
        self.express_slot = workers.slots - 1 if express and workers.slots > 1 and not self.inline else None
        self._lock = threading.Condition()
        self._queue: list[Job] = []
        self._inflight: dict[Hashable, Job] = {}
        self._running: dict[int, Job] = {}
        self._seconds: dict[Hashable, float] = {}  # family -> seconds its latest run took
        self._closed = False
        self.completed = 0
        self.failures = 0
        self._threads = []
        if not self.inline:
            for slot in range(workers.slots):
                t = threading.Thread(target=self._serve, args=(slot,), daemon=True,
                                     name=f"playground-slot-{slot}")
                t.start()
                self._threads.append(t)

    # ---- asking ----------------------------------------------------------------------------

    def submit(self, fn: Callable, *args: Any, cache: bool = True, priority: int = 0,
               key: Hashable | None = None, background: bool = False) -> Job:
        """The job computing `fn(*args)` (module-level `fn`, picklable `args`), known by `key`
        (default: `fn` and `args`; give one where an argument is a model). With `cache=False`
        the result is neither looked up nor kept (a live run that belongs to one session).
        `background`: in the caller's-thread mode, compute in a thread of its own instead."""
        key = job_key(fn, args) if key is None else (f"{fn.__module__}.{fn.__qualname__}", key)
        if cache:
            value = self.cache.get(key, _MISSING)
            if value is not _MISSING:
                return Job.finished_with(key, value)
        with self._lock:
            job = self._inflight.get(key) if cache else None
            if job is not None:
                if priority < job.priority:
                    job.priority = priority
                    self._lock.notify_all()
                return job
            job = Job(key, fn, args, estimate=self._seconds.get((key[0], family(key[1]))),
                      cache=cache, priority=priority)
            job.ahead = lambda: self._ahead(job)
            if cache:
                self._inflight[key] = job
            if not self.inline:
                self._queue.append(job)
                self._lock.notify_all()
                return job
        if background:
            threading.Thread(target=self._run, args=(job, 0), daemon=True).start()
        else:
            self._run(job, 0)  # inline: in the caller's thread, as without a service
        return job

    def warm(self, calls: Iterable[tuple[Callable, tuple]]) -> None:
        """Compute these `(fn, args)` in the background, behind every job people asked for (in
        the caller's thread mode, one after the other in a thread of their own)."""
        calls = list(calls)
        if not self.inline:
            for fn, args in calls:
                self.submit(fn, *args, priority=1)
            return

        def one_by_one() -> None:
            from core.device import warm_up

            warm_up()
            for fn, args in calls:
                self.submit(fn, *args, priority=1)
        threading.Thread(target=one_by_one, daemon=True, name="playground-warm-start").start()

    # ---- the queue -------------------------------------------------------------------------

    def _order(self) -> list[Job]:
        return sorted(self._queue, key=lambda j: (j.priority, j.submitted))

    def _ahead(self, job: Job) -> int:
        with self._lock:
            if job.state != QUEUED:
                return 0
            order = self._order()
            return order.index(job) if job in order else 0

    def _eligible(self, job: Job, slot: int) -> bool:
        if slot != self.express_slot:
            return True
        return job.estimate is not None and job.estimate <= self.light_seconds

    def _take(self, slot: int) -> Job | None:
        with self._lock:
            while not self._closed:
                for job in self._order():
                    if job.cancel_requested.is_set():
                        self._queue.remove(job)
                        self._end(job, CANCELLED, error=Cancelled())
                        continue
                    if self._eligible(job, slot):
                        self._queue.remove(job)
                        job.state, job.started = RUNNING, time.monotonic()
                        self._running[slot] = job
                        return job
                self._lock.wait()
            return None

    def _serve(self, slot: int) -> None:
        while True:
            self.workers.prepare(slot)
            job = self._take(slot)
            if job is None:
                return
            self._run(job, slot)

    def _run(self, job: Job, slot: int) -> None:
        if job.started is None:
            job.state, job.started = RUNNING, time.monotonic()
        try:
            value, size, blob = self.workers.execute(slot, job.fn, job.args, job._progress,
                                                     job.cancel_requested)
        except Cancelled as exc:
            self._end(job, CANCELLED, error=exc, slot=slot)
        except (JobError, WorkerLost) as exc:
            log.warning("job %s failed: %s", job.key[0], exc)
            if isinstance(exc, JobError) and exc.details:
                log.debug(exc.details)
            self.failures += 1
            self._end(job, FAILED, error=exc, slot=slot)
        except Exception as exc:  # noqa: BLE001 (a bug here must not kill the slot's thread)
            log.exception("job %s", job.key[0])
            self.failures += 1
            self._end(job, FAILED, error=JobError(f"{type(exc).__name__}: {exc}"), slot=slot)
        else:
            seconds = time.monotonic() - job.started
            self._seconds[(job.key[0], family(job.key[1]))] = seconds
            if job.cache:
                self.cache.put(job.key, value, size)
            self.completed += 1
            self._end(job, DONE, value=value, slot=slot)

    def _end(self, job: Job, state: str, value: Any = None, error: Exception | None = None,
             slot: int | None = None) -> None:
        with self._lock:
            if self._inflight.get(job.key) is job:
                del self._inflight[job.key]
            if slot is not None and self._running.get(slot) is job:
                del self._running[slot]
            self._lock.notify_all()
        job._finish(state, value=value, error=error)

    # ---- looking at it ---------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """What the service is doing, for the health line and the benchmark."""
        with self._lock:
            return {"workers": self.workers.name, "slots": self.workers.slots,
                    "queued": len(self._queue), "running": len(self._running),
                    "completed": self.completed, "failed": self.failures,
                    "cached": len(self.cache), "cached_mib": round(self.cache.bytes / 2**20, 1)}

    def pids(self) -> list[int]:
        return self.workers.pids()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._lock.notify_all()
        self.workers.close()


_MISSING = object()
FAILED_STATES = (FAILED, CANCELLED)
__all__ = ["Service", "family", "job_key", "DONE", "FAILED", "QUEUED", "RUNNING", "CANCELLED",
           "ProcessWorkers"]
