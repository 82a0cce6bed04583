"""The compute service with real worker processes: coalescing, the byte-bounded and disk caches,
progress, cancelling, fairness, a worker killed mid-job, and the same lesson result as computing
in the caller's thread."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from core.compute import CANCELLED, DONE, Cancelled, JobError, Service, WorkerLost, make_service
from core.compute.cache import ResultCache, nbytes
from core.compute.workers import InlineWorkers, ProcessWorkers
from core.race import RaceConfig
from core.runs import run
from tests.compute_jobs import Nap, fail, nap, pid


@pytest.fixture(scope="module")
def svc():
    """Three worker processes: two that take anything, one express slot for light jobs."""
    service = Service(ProcessWorkers(3), ResultCache(64 << 20))
    yield service
    service.close()


def test_identical_requests_in_flight_are_computed_once(svc):
    a = svc.submit(nap, Nap(0.5, seed=101))
    b = svc.submit(nap, Nap(0.5, seed=101))
    assert a is b
    assert a.result(300)["seed"] == 101
    c = svc.submit(nap, Nap(0.5, seed=101))  # cached now: done at once, the same object
    assert c.done and c.result() is a.result()
    assert svc.status()["failed"] == 0


def test_jobs_run_in_worker_processes_and_match_the_callers_thread(svc):
    assert svc.submit(pid, cache=False).result(30) != os.getpid()
    config = RaceConfig(seed=7)
    there = svc.submit(run, config, "cpu").result(120)
    here = run(config, "cpu")
    assert there.labels == here.labels
    np.testing.assert_allclose(there.losses, here.losses, rtol=1e-5)
    np.testing.assert_allclose(there.predictions, here.predictions, rtol=1e-4, atol=1e-6)


def test_progress_streams_back_while_a_job_runs(svc):
    job = svc.submit(nap, Nap(1.0, seed=102))
    seen = set()
    while not job.done:
        job.wait(5, since=job.updates)
        if job.info:
            seen.add(job.info["step"])
    assert job.state == DONE and job.progress() == 1.0
    assert len(seen) >= 5  # many reports arrived before the end


def test_a_cancelled_job_stops_at_its_next_report(svc):
    job = svc.submit(nap, Nap(20.0, seed=103))
    while job.state != "running":
        time.sleep(0.05)
    t0 = time.monotonic()
    job.cancel()
    assert job.wait(10)
    assert job.state == CANCELLED and time.monotonic() - t0 < 2
    with pytest.raises(Cancelled):
        job.result()


def test_an_error_comes_back_as_a_message_and_is_not_cached(svc):
    job = svc.submit(fail, "bad input")
    with pytest.raises(JobError, match="ValueError: bad input"):
        job.result(30)
    again = svc.submit(fail, "bad input")
    assert again is not job


def test_a_killed_worker_fails_its_job_alone_and_is_replaced(svc):
    victim = svc.submit(nap, Nap(30.0, seed=104))
    bystander = svc.submit(nap, Nap(3.0, seed=105))
    while victim.state != "running" or bystander.state != "running":
        time.sleep(0.05)
    slot = next(s for s, j in svc._running.items() if j is victim)
    svc.workers.kill(slot)
    with pytest.raises(WorkerLost):
        victim.result(10)
    assert bystander.result(30)["seed"] == 105  # nothing else was lost
    retry = svc.submit(nap, Nap(0.2, seed=104))  # the failed job is not cached: a retry computes it
    assert retry is not victim and retry.result(60)["seed"] == 104
    assert len(svc.pids()) >= 2


def test_light_jobs_pass_heavy_ones_on_the_express_slot(svc):
    svc.submit(nap, Nap(0.2, seed=1)).result(30)  # its family (seed aside) is now known to be light
    heavy = [svc.submit(nap, Nap(15.0, seed=200 + i)) for i in range(3)]
    deadline = time.monotonic() + 120  # a worker replaced by the test before may still be starting
    while sum(j.state == "running" for j in heavy) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    assert sum(j.state == "running" for j in heavy) == 2  # the express slot takes no heavy job
    assert heavy[2].ahead() == 0
    t0 = time.monotonic()
    light = svc.submit(nap, Nap(0.2, seed=2))
    assert light.estimate is not None and light.estimate < 1.0
    light.result(10)
    assert time.monotonic() - t0 < 3.0
    for job in heavy:
        job.cancel()
    for job in heavy:
        job.wait(10)


def test_the_queue_says_how_many_jobs_are_ahead():
    service = Service(ProcessWorkers(1), ResultCache(1 << 20), express=False)
    try:
        jobs = [service.submit(nap, Nap(0.5, seed=300 + i)) for i in range(4)]
        while jobs[0].state != "running":
            time.sleep(0.05)
        assert [j.ahead() for j in jobs[1:]] == [0, 1, 2]
        warm = service.submit(nap, Nap(0.5, seed=399), priority=1)
        person = service.submit(nap, Nap(0.5, seed=398))
        assert person.ahead() < warm.ahead()  # people go before the warm start
        for job in (*jobs, warm, person):
            job.result(60)
    finally:
        service.close()


def test_the_cache_is_bounded_by_bytes_least_recently_used_out():
    cache = ResultCache(max_bytes=3 * nbytes(b"x" * 1000) + 10)
    for k in "abc":
        cache.put(k, b"x" * 1000)
    cache.get("a")  # a is now the most recent
    cache.put("d", b"x" * 1000)
    assert cache.get("b") is None and cache.get("a") is not None and cache.get("d") is not None
    assert cache.bytes <= cache.max_bytes
    cache.put("huge", b"x" * 10_000)  # bigger than the whole budget: not kept
    assert cache.get("huge") is None


def test_results_on_disk_survive_a_restart(tmp_path):
    env = {"PLAYGROUND_WORKERS": "0", "PLAYGROUND_CACHE_DIR": str(tmp_path)}
    first = make_service(env)
    value = first.submit(nap, Nap(0.1, seed=5)).result()
    second = make_service(env)  # a new process would build this one
    job = second.submit(nap, Nap(0.1, seed=5))
    assert job.done and job.result() == value


def test_a_result_from_disk_still_tells_its_familys_cost(tmp_path):
    env = {"PLAYGROUND_WORKERS": "0", "PLAYGROUND_CACHE_DIR": str(tmp_path)}
    make_service(env).submit(nap, Nap(0.2, seed=8)).result()
    restarted = make_service(env)
    assert restarted.submit(nap, Nap(0.2, seed=8)).done  # from disk
    estimate = restarted.submit(nap, Nap(0.2, seed=9), cache=False).estimate  # a new seed: light, known
    assert estimate is not None and 0.1 < estimate < 2.0


def test_workers_zero_computes_in_the_callers_thread():
    service = make_service({"PLAYGROUND_WORKERS": "0", "PLAYGROUND_CACHE_DIR": ""})
    assert isinstance(service.workers, InlineWorkers)
    assert service.submit(pid, cache=False).result() == os.getpid()
    with pytest.raises(ValueError):
        make_service({"PLAYGROUND_WORKERS": "many", "PLAYGROUND_CACHE_DIR": ""})


def test_queued_races_that_differ_by_seed_run_as_one_stacked_run():
    service = Service(ProcessWorkers(1), ResultCache(64 << 20), express=False)
    try:
        blocker = service.submit(nap, Nap(3.0, seed=500))  # the one worker is busy meanwhile
        jobs = [service.submit(run, RaceConfig(seed=600 + i), "cpu") for i in range(4)]
        results = [j.result(300) for j in jobs]
        blocker.result(60)
        assert service.status()["batched"] == 3  # three rode along with the first
        for config, got in zip([RaceConfig(seed=600 + i) for i in range(4)], results):
            np.testing.assert_array_equal(got.losses, run(config, "cpu").losses)
    finally:
        service.close()


def test_a_worker_is_replaced_by_a_fresh_fork_after_its_share_of_jobs():
    from core.compute.workers import JOBS_PER_WORKER

    service = Service(ProcessWorkers(1), ResultCache(1 << 20), express=False)
    try:
        pids = [service.submit(pid, cache=False).result(120) for _ in range(JOBS_PER_WORKER + 1)]
        assert len(set(pids[:JOBS_PER_WORKER])) == 1 and pids[-1] != pids[0]
    finally:
        service.close()


def test_the_warm_start_runs_one_job_at_a_time_in_order_never_on_the_express_slot():
    service = Service(ProcessWorkers(2), ResultCache(8 << 20))  # slot 1 is the express one
    try:
        service.submit(nap, Nap(0.2, seed=1)).result(120)  # the family is known to be light
        seeds = [700, 701, 702]
        service.warm([(nap, (Nap(0.4, seed=s),)) for s in seeds])
        seen: list[tuple[int, int]] = []  # (slot, seed) of every warm job seen running
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(service.cache) < 1 + len(seeds):
            with service._lock:
                running = [(slot, j.args[0].seed) for slot, j in service._running.items() if j.warm]
            assert len(running) <= 1  # one at a time: the other slots stay free for people
            seen += [r for r in running if r not in seen]
            time.sleep(0.01)
        assert [seed for _, seed in seen] == seeds  # in the order given
        assert {slot for slot, _ in seen} == {0}  # never the express slot
    finally:
        service.close()


def test_a_person_asking_for_a_queued_warm_job_makes_it_theirs():
    """It then waits as theirs (priority 0) and may take the express slot."""
    blocked = Service(ProcessWorkers(1), ResultCache(1 << 20), express=False)
    try:
        blocker = blocked.submit(nap, Nap(1.0, seed=711))
        warm = blocked.submit(nap, Nap(0.1, seed=712), priority=1, warm=True)
        assert warm.warm
        again = blocked.submit(nap, Nap(0.1, seed=712))
        assert again is warm and not warm.warm and warm.priority == 0
        blocker.result(60), warm.result(60)
    finally:
        blocked.close()


def test_a_fork_server_started_early_is_taken_over():
    from core.compute import workers

    workers.start_fork_server()
    early = workers._early[0].pid
    service = Service(ProcessWorkers(1), ResultCache(1 << 20), express=False)
    try:
        assert service.submit(pid, cache=False).result(120) != os.getpid()
        assert service.pids()[0] == early and workers._early is None
    finally:
        service.close()


def test_the_express_slot_takes_no_secondary_run():
    """A page's secondary runs (priority 1) wait for a regular slot, even when light: the express
    slot stays free for the first views people wait for."""
    service = Service(ProcessWorkers(2), ResultCache(8 << 20))  # slot 1 is the express one
    try:
        service.submit(nap, Nap(0.2, seed=1)).result(120)  # the family is known to be light
        blocker = service.submit(nap, Nap(3.0, seed=720))  # the regular slot is busy
        while blocker.state != "running":
            time.sleep(0.02)
        secondary = service.submit(nap, Nap(0.2, seed=721), priority=1)
        first_view = service.submit(nap, Nap(0.2, seed=722))
        assert first_view.result(10)["seed"] == 722 and secondary.state == "queued"
        assert secondary.result(60)["seed"] == 721 and blocker.done
    finally:
        service.close()


def test_right_after_a_start_the_warm_starts_first_views_count_as_light():
    """Nothing is timed yet, but each page's first view is light: someone waiting for one (or for
    the same run with another seed) takes the express slot while the regular one is busy."""
    service = Service(ProcessWorkers(2), ResultCache(8 << 20))  # slot 1 is the express one
    try:
        blocker = service.submit(nap, Nap(3.0, seed=730))  # the regular slot is busy
        while blocker.state != "running":
            time.sleep(0.02)
        service.warm([(nap, (Nap(0.2, seed=731),)), (nap, (Nap(0.3, seed=732),))], light=1)
        first_view = service.submit(nap, Nap(0.2, seed=733))  # a first view's family, untimed
        other = service.submit(nap, Nap(0.3, seed=734))  # the second call's: not declared light
        assert first_view.estimate == service.light_seconds and other.estimate is None
        assert first_view.result(10)["seed"] == 733 and other.state == "queued"
        assert other.result(60)["seed"] == 734 and blocker.done
    finally:
        service.close()
