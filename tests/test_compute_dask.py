"""The compute service on a real Dask cluster: a `dask scheduler` and two `dask worker` processes
started here, chosen by one environment variable (`PLAYGROUND_DASK`)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from core.compute import make_service
from core.race import RaceConfig
from core.runs import run
from tests.compute_jobs import Nap, nap

ROOT = Path(__file__).resolve().parent.parent
DASK = [sys.executable, "-m", "distributed.cli.dask_scheduler"]


def _start(args: list[str], log: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # the workers import the lessons from here
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=log.open("wb"))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """(scheduler address, [worker processes])."""
    folder = tmp_path_factory.mktemp("dask")
    file = folder / "scheduler.json"
    procs = [_start([*DASK, "--port", "0", "--no-dashboard", "--scheduler-file", str(file)],
                    folder / "scheduler.log")]
    deadline = time.monotonic() + 120
    while not file.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    address = json.loads(file.read_text())["address"]
    workers = [_start([sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
                       "--no-dashboard", "--name", f"w{i}"], folder / f"worker{i}.log") for i in range(2)]
    procs += workers
    from distributed import Client

    with Client(address, timeout=60) as client:
        client.wait_for_workers(2, timeout=180)
    yield address, workers
    for proc in reversed(procs):
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_one_variable_runs_the_lessons_on_the_cluster(cluster):
    address, _ = cluster
    service = make_service({"PLAYGROUND_DASK": address, "PLAYGROUND_CACHE_DIR": ""})
    try:
        assert "Dask" in service.workers.name and service.workers.slots == 2
        config = RaceConfig(seed=11)
        a, b = service.submit(run, config, "cpu"), service.submit(run, config, "cpu")
        assert a is b  # computed once for both
        there = a.result(300)
        here = run(config, "cpu")
        np.testing.assert_allclose(there.losses, here.losses, rtol=1e-5)
        assert service.submit(run, config, "cpu").done  # cached here, in the server
    finally:
        service.close()


def test_a_dask_worker_killed_mid_job_loses_nothing(cluster):
    address, _ = cluster
    service = make_service({"PLAYGROUND_DASK": address, "PLAYGROUND_CACHE_DIR": ""})
    try:
        job = service.submit(nap, Nap(6.0, seed=21))
        from distributed import Client

        with Client(address, timeout=30) as client:
            deadline = time.monotonic() + 60
            where = {}
            while not where and time.monotonic() < deadline:
                where = {k: v for k, v in client.processing().items() if v}
                time.sleep(0.1)
            assert where, "the job never started"
            busy = next(iter(where))
            pids = client.run(os.getpid, workers=[busy])
        os.kill(pids[busy], signal.SIGKILL)
        assert job.result(300)["seed"] == 21  # Dask ran it again on the other worker
        with Client(address, timeout=30) as client:  # each worker's nanny started a new one
            client.wait_for_workers(2, timeout=120)
            assert os.getpid() not in client.run(os.getpid).values()
            assert pids[busy] not in client.run(os.getpid).values()
    finally:
        service.close()
