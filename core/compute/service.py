"""The compute service: one per server process, shared by every session.

`submit(fn, *args)` returns a `Job`. Asking for a computation that is cached returns it at once;
one that is queued or running returns that same job (computed once, every waiter gets it); a new
one joins the queue. Slots take jobs in order (people before warm-start jobs, then first come).

Fairness: the last slot is an express slot that takes only jobs known to be light (a run of the
same configuration apart from its seed took at most `light_seconds` at its quickest) that someone
waits for first (priority 0: not the warm start's, not a page's secondary runs; right after a start,
when nothing is timed yet, the warm start's first views count as light), so however many
heavy runs fill the other slots, a default-config seed change still starts at once. The warm
start submits one job at a time. The
other slots' workers run at a lower OS priority (nice 5), so the server process, which builds
every page, and the express worker get the cores first.

Results that ship with the code (core.compute.shipped: the first views that take seconds) are
looked up after the cache, as results on disk are.

Stacking: when a slot takes a lesson run whose lesson can stack seeds (core.runs.runs_many), the
queued runs that differ from it only by seed go with it, as one stacked run (at most MAX_BATCH):
thirty students each opening their own seed cost a few runs, not thirty. Each result is exactly
what its own run computes.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from pathlib import Path
from typing import Any

from core.compute import shipped
from core.compute.cache import ResultCache
from core.compute.jobs import CANCELLED, DONE, FAILED, QUEUED, RUNNING, Cancelled, Job, JobError, WorkerLost
from core.compute.workers import InlineWorkers, Workers
from core.runs import batchable, run, run_many

log = logging.getLogger("playground.compute")
_MISSING = object()
MAX_BATCH = 10  # lesson runs stacked into one at most


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
                 light_seconds: float = 3.0, shipped_dir: Path | None = shipped.FOLDER) -> None:
        self.workers = workers
        self.cache = cache
        self.shipped_dir = shipped_dir  # where results that ship with the code lie (core.compute.shipped)
        self.light_seconds = light_seconds
        self.inline = isinstance(workers, InlineWorkers)
        self.express_slot = workers.slots - 1 if express and workers.slots > 1 and not self.inline else None
        workers.express = self.express_slot
        self._lock = threading.Condition()
        self._queue: list[Job] = []
        self._inflight: dict[Hashable, Job] = {}
        self._running: dict[int, Job] = {}
        self._seconds: dict[Hashable, float] = {}  # family -> seconds its quickest run took
        self._light: set[Hashable] = set()  # families declared light before any run was timed (warm)
        self._closed = False
        self.completed = 0
        self.failures = 0
        self.batched = 0  # jobs that ran inside another's stacked run
        self._threads = []
        if not self.inline:
            for slot in range(workers.slots):
                t = threading.Thread(target=self._serve, args=(slot,), daemon=True,
                                     name=f"playground-slot-{slot}")
                t.start()
                self._threads.append(t)

    # ---- asking ----------------------------------------------------------------------------

    def submit(self, fn: Callable, *args: Any, cache: bool = True, priority: int = 0,
               key: Hashable | None = None, background: bool = False, warm: bool = False) -> Job:
        """The job computing `fn(*args)` (module-level `fn`, picklable `args`), known by `key`
        (default: `fn` and `args`; give one where an argument is a model). With `cache=False`
        the result is neither looked up nor kept (a live run that belongs to one session).
        `background`: in the caller's-thread mode, compute in a thread of its own instead.
        `warm`: the warm start's (see `warm`)."""
        key = job_key(fn, args) if key is None else (f"{fn.__module__}.{fn.__qualname__}", key)
        if cache:
            value = self.cache.get(key, _MISSING)
            if value is _MISSING and fn is run and self.shipped_dir is not None:
                found = shipped.load(key, self.shipped_dir)
                if found is not None:
                    value, said = found
                    self.cache.put(key, value, seconds=said["seconds"])
            if value is not _MISSING:
                if (key[0], family(key[1])) not in self._seconds:  # a result from disk tells its cost
                    self._learn(key, self.cache.seconds(key))
                return Job.finished_with(key, value)
        with self._lock:
            job = self._inflight.get(key) if cache else None
            if job is not None:
                if priority < job.priority or (job.warm and not warm):
                    job.priority = min(priority, job.priority)
                    job.warm = job.warm and warm  # someone asks for it now
                    self._lock.notify_all()
                return job
            fam = (key[0], family(key[1]))
            estimate = self._seconds.get(fam, self.light_seconds if fam in self._light else None)
            job = Job(key, fn, args, estimate=estimate, cache=cache, priority=priority)
            job.warm = warm
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

    def warm(self, calls: Iterable[tuple[Callable, tuple]], light: int = 0) -> None:
        """Compute these `(fn, args)` in the background, in their order, one at a time (the other
        slots stay free for people), behind every job people asked for and never on the express
        slot; in the caller's-thread mode, in a thread of their own. The first `light` calls are
        known to be light (each page's first view): until a run of theirs is timed, someone who
        waits for one may take the express slot, as for a run timed light."""
        calls = list(calls)
        with self._lock:
            self._light |= {(job_key(fn, args)[0], family(args)) for fn, args in calls[:light]}

        def one_by_one() -> None:
            if self.inline:
                from core.device import warm_up

                warm_up()
            for fn, args in calls:
                if self._closed:
                    return
                self.submit(fn, *args, priority=1, warm=True).wait()
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
        return (job.priority == 0 and not job.warm and job.estimate is not None
                and job.estimate <= self.light_seconds)

    def _take(self, slot: int) -> list[Job] | None:
        """The next job this slot may run, with the queued jobs that can run together with it."""
        with self._lock:
            while not self._closed:
                for job in self._order():
                    if job.cancel_requested.is_set():
                        self._queue.remove(job)
                        self._end(job, CANCELLED, error=Cancelled())
                        continue
                    if self._eligible(job, slot):
                        batch = [job, *self._companions(job)]
                        now = time.monotonic()
                        for j in batch:
                            self._queue.remove(j)
                            j.state, j.started = RUNNING, now
                        self._running[slot] = job
                        return batch
                self._lock.wait()
            return None

    def _companions(self, job: Job) -> list[Job]:
        """Queued lesson runs that differ from `job` only by seed, where its lesson can stack
        them (core.runs.runs_many): one run serves them all."""
        if job.fn is not run or len(job.args) != 2 or not batchable(job.args[0]):
            return []
        fam = family(job.args)
        return [j for j in self._order() if j is not job and j.fn is run and j.cache
                and not j.cancel_requested.is_set() and family(j.args) == fam][:MAX_BATCH - 1]

    def _serve(self, slot: int) -> None:
        while True:
            self.workers.prepare(slot)
            batch = self._take(slot)
            if batch is None:
                return
            self._run(batch, slot)

    def _run(self, batch: Job | list[Job], slot: int) -> None:
        batch = batch if isinstance(batch, list) else [batch]
        job = batch[0]
        if job.started is None:
            job.state, job.started = RUNNING, time.monotonic()
        if len(batch) == 1:
            fn, args = job.fn, job.args
        else:
            fn, args = run_many, ([j.args[0] for j in batch], job.args[1])
        try:
            value, size = self.workers.execute(slot, fn, args, job._progress, job.cancel_requested)
        except Cancelled as exc:
            for j in batch:
                self._end(j, CANCELLED, error=exc, slot=slot)
        except (JobError, WorkerLost) as exc:
            log.warning("job %s failed: %s", job.key[0], exc)
            if isinstance(exc, JobError) and exc.details:
                log.debug(exc.details)
            self.failures += len(batch)
            for j in batch:
                self._end(j, FAILED, error=exc, slot=slot)
        except Exception as exc:  # noqa: BLE001 (a bug here must not kill the slot's thread)
            log.exception("job %s", job.key[0])
            self.failures += len(batch)
            for j in batch:
                self._end(j, FAILED, error=JobError(f"{type(exc).__name__}: {exc}"), slot=slot)
        else:
            values = value if len(batch) > 1 else [value]
            share = None if size is None else size // len(batch)
            seconds = None
            if len(batch) == 1:  # a batch's time is not one run's
                seconds = time.monotonic() - job.started
                self._learn(job.key, seconds)
            self.batched += len(batch) - 1
            for j, v in zip(batch, values):
                if j.cache:
                    self.cache.put(j.key, v, share, seconds=seconds)
                self.completed += 1
                self._end(j, DONE, value=v, slot=slot)

    def _learn(self, key: Hashable, seconds: float | None) -> None:
        """A run of `key` took `seconds`: its family costs at most that (the quickest run counts,
        not the load it met)."""
        if seconds is not None:
            fam = (key[0], family(key[1]))
            self._seconds[fam] = min(seconds, self._seconds.get(fam, seconds))

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
                    "completed": self.completed, "failed": self.failures, "batched": self.batched,
                    "cached": len(self.cache), "cached_mib": round(self.cache.bytes / 2**20, 1)}

    def pids(self) -> list[int]:
        return self.workers.pids()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._lock.notify_all()
        self.workers.close()

