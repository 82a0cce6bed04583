"""A job of the compute service, what can go wrong with it, and how a running job reports back."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any


class JobError(Exception):
    """The computation raised: its one-line message and, for the log, its traceback."""

    def __init__(self, message: str, details: str = "") -> None:
        super().__init__(message)
        self.message, self.details = message, details


class WorkerLost(Exception):
    """The worker computing the job died (killed, out of memory); the job can be tried again."""

    def __init__(self, exitcode: int | None = None) -> None:
        super().__init__("the worker process stopped" if exitcode is None
                         else f"the worker process stopped (exit code {exitcode})")
        self.exitcode = exitcode


class Cancelled(Exception):
    """The job was cancelled (raised inside it by `report` or `check_cancelled`)."""


class _Reporter:
    def report(self, fraction: float | None, info: Any) -> None:
        pass

    def check(self) -> None:
        pass


_local = threading.local()


def set_reporter(reporter: _Reporter | None) -> None:
    _local.reporter = reporter


def report(fraction: float | None = None, info: Any = None) -> None:
    """From inside a job: how far it is (`fraction` in [0, 1]) and anything the page shows live
    (`info`, picklable); raises `Cancelled` if the job was cancelled. Outside a job, nothing."""
    reporter = getattr(_local, "reporter", None)
    if reporter is not None:
        reporter.report(fraction, info)


def check_cancelled() -> None:
    """From inside a job: raise `Cancelled` if it was cancelled."""
    reporter = getattr(_local, "reporter", None)
    if reporter is not None:
        reporter.check()


_ids = itertools.count(1)

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"


class Job:
    """One computation `fn(*args)`: shared by everyone who asked for the same one while it ran."""

    def __init__(self, key: Hashable, fn: Callable, args: tuple, *, estimate: float | None = None,
                 cache: bool = True, priority: int = 0) -> None:
        self.key, self.fn, self.args = key, fn, args
        self.id = next(_ids)
        self.estimate = estimate  # seconds a run like it took before, None if unknown
        self.cache = cache
        self.priority = priority  # lower first; warm-start jobs wait behind people
        self.warm = False  # a warm-start job nobody has asked for yet: never on the express slot
        self.state = QUEUED
        self.submitted = time.monotonic()
        self.started: float | None = None
        self.finished: float | None = None
        self.fraction: float | None = None  # reported progress
        self.info: Any = None  # reported live data
        self.updates = 0  # counts reports: a page redraws when it changes
        self.value: Any = None
        self.error: Exception | None = None
        self.cancel_requested = threading.Event()
        self._done = threading.Event()
        self._changed = threading.Condition()
        self.ahead: Callable[[], int] = lambda: 0  # set by the service: jobs before this one

    @classmethod
    def finished_with(cls, key: Hashable, value: Any) -> Job:
        job = cls(key, None, ())
        job._finish(DONE, value=value)
        return job

    @property
    def done(self) -> bool:
        """Whether the job ended (done, failed or cancelled)."""
        return self._done.is_set()

    def elapsed(self) -> float:
        """Seconds since it started running (0 while queued)."""
        if self.started is None:
            return 0.0
        return (self.finished or time.monotonic()) - self.started

    def progress(self) -> float | None:
        """Share done: as reported, else the time run against the estimate (at most 0.95)."""
        if self.fraction is not None:
            return self.fraction
        if self.state == RUNNING and self.estimate:
            return min(self.elapsed() / self.estimate, 0.95)
        return None

    def wait(self, timeout: float | None = None, since: int | None = None) -> bool:
        """Wait until the job ends, or (with `since`) until its progress changed from update
        number `since`; True if it ended."""
        if since is None:
            return self._done.wait(timeout)
        with self._changed:
            self._changed.wait_for(lambda: self.done or self.updates != since, timeout)
        return self.done

    def result(self, timeout: float | None = None) -> Any:
        """The value; raises JobError, WorkerLost or Cancelled as the job ended."""
        if not self._done.wait(timeout):
            raise TimeoutError("the job is still running")
        if self.error is not None:
            raise self.error
        return self.value

    def cancel(self) -> None:
        """Ask the job to stop (it stops at its next `report`; a queued job never starts)."""
        self.cancel_requested.set()

    def _progress(self, fraction: float | None, info: Any) -> None:
        with self._changed:
            if fraction is not None:
                self.fraction = fraction
            if info is not None:
                self.info = info
            self.updates += 1
            self._changed.notify_all()

    def _finish(self, state: str, value: Any = None, error: Exception | None = None) -> None:
        with self._changed:
            self.state, self.value, self.error = state, value, error
            self.finished = time.monotonic()
            self._done.set()
            self._changed.notify_all()
