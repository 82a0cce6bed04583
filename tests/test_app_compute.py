"""The pages and the compute service together: the warm start computes exactly what the default
links ask for, and a worker killed during a page's run gives a message and a retry that works."""

from __future__ import annotations

import threading
import time

import pytest

from core.compute import service
from core.dropout import DropoutConfig
from core.runs import run
from pages import LESSONS
from tests.apptest_util import assert_clean, open_page
from ui.lesson import warm_calls

# every view and tab a default link can open, as its query
VIEWS = {"fit": [{}], "race": [{}, {"race.view": "surface"}], "dropout": [{}], "batchnorm": [{}],
         "activations": [{}, {"activations.tab": "train"}, {"activations.tab": "flow"}], "seq": [{}],
         "ae": [{}], "dqn": [{}, {"dqn.view": "watch"}], "gan": [{}, {"gan.view": "plane"}]}


def test_the_warm_start_covers_every_default_view(monkeypatch):
    svc = service()
    asked = []
    real = svc.submit

    def recording(fn, *args, **options):
        if fn is run:
            asked.append(args)
        return real(fn, *args, **options)

    monkeypatch.setattr(svc, "submit", recording)
    monkeypatch.setattr(svc, "warm", lambda calls: None)  # only what the pages ask for is recorded
    assert set(VIEWS) == {x.name for x in LESSONS} - {"mnist"}  # MNIST computes only when asked
    for name, queries in VIEWS.items():
        for query in queries:
            assert_clean(open_page(name, "en", query=query))
    warm = {args for _, args in warm_calls()[0]}
    assert asked and set(asked) <= warm, set(asked) - warm
    assert {type(args[0]) for args in asked} == {type(args[0]) for args in warm}


@pytest.mark.skipif(service().inline, reason="PLAYGROUND_WORKERS=0: no worker process to kill")
def test_a_worker_killed_during_a_page_run_gives_a_message_and_a_retry():
    svc = service()
    query = {"seed": "4242", "dropout.iters": "1000", "dropout.width": "400", "dropout.points": "100"}
    opened, done = [], threading.Event()

    def page_run():
        opened.append(open_page("dropout", "en", query=query, timeout=300, whole=False))
        done.set()

    threading.Thread(target=page_run, daemon=True).start()
    deadline = time.monotonic() + 120
    victim = None
    while victim is None and time.monotonic() < deadline:
        with svc._lock:
            victim = next((slot for slot, job in svc._running.items()
                           if isinstance(job.args[0], DropoutConfig) and job.args[0].seed == 4242), None)
        time.sleep(0.05)
    assert victim is not None, "the page's run never started in a worker"
    svc.workers.kill(victim)
    assert done.wait(300)
    at = opened[0]
    assert not at.exception
    assert any("stopped" in e.value and "Retry" in e.value for e in at.error), [e.value for e in at.error]
    retry = next(b for b in at.button if b.key and b.key.startswith("retry."))
    retry.click().run(timeout=300)
    assert_clean(at)
    assert at.title and at.title[0].value  # the page is back, with its comparison
