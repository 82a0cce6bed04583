"""bench.classroom's protocol client against a real server: two sessions open the race page."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from bench.browser import start_server
from bench.classroom import Link, crowd, mode_env, port_of


def test_two_sessions_open_the_race_page() -> None:
    # The client is under test, not the compute service: compute in the session's thread (one
    # process) keeps it light on a shared 2-core machine (about 15 s here).
    server = start_server(env=mode_env("0"))
    try:
        server.wait_healthy(60)
        links = [Link("race", "seed=12"), Link("race")]
        # a thread of its own: a browser test's Playwright may keep an event loop in this one
        with ThreadPoolExecutor(1) as pool:
            visits = pool.submit(asyncio.run, crowd(port_of(server), links, timeout=90)).result()
    finally:
        server.stop()
    for v in visits:
        assert v.error is None, f"{v.link}: {v.error} {v.detail}"
        assert v.seconds is not None and v.seconds > 0
