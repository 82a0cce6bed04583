"""What the classroom kit adds to every page run, at the protocol level: the server's CPU time and
the time to the whole page, per visit of a cached link, this tree against another checkout.

    .venv/bin/python -m bench.kit --against ../main [--pages dropout race] [--repeats 15]

Both servers run at once (the same machine load); visits alternate A, B, B, A, ... Each visit is a
fresh session opening the page's default link and following it to the rest of the page (as a
browser does, bench.classroom.visit), after one warm-up visit per server. The server's CPU time is
the main process's (where page runs happen; its runs are cached, so the workers stay idle),
measured around each visit. Prints medians (min, max) and the difference of the medians.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bench.browser import ROOT, Server, free_port
from bench.classroom import cpu_seconds, link, visit


@contextlib.contextmanager
def serve(root: Path, timeout: float = 60) -> Iterator[Server]:
    """`streamlit run app.py` of the checkout `root` from that folder, without the warm start."""
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(root / "app.py"), "--server.port", str(port),
           "--server.headless", "true", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by Server.stop)
    env = {**__import__("os").environ, "PLAYGROUND_WARM_START": "0"}
    server = Server(subprocess.Popen(cmd, cwd=root, stdout=subprocess.DEVNULL, stderr=log, env=env),
                    f"http://127.0.0.1:{port}", log)
    try:
        server.wait_healthy(timeout)
        yield server
    finally:
        server.stop()


def one(server: Server, page: str) -> tuple[float, float]:
    """(server CPU seconds, seconds to the whole page) of one visit of `page`'s default link."""
    port = int(server.url.rsplit(":", 1)[1])
    before = cpu_seconds([server.proc.pid])
    result = asyncio.run(visit(port, link(page), timeout=180))
    time.sleep(0.3)  # the last messages sent
    if result.error:
        raise RuntimeError(f"{page}: {result.error} {result.detail}")
    return cpu_seconds([server.proc.pid]) - before, result.full_seconds or result.seconds


def summary(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:6.0f} ms ({min(values) * 1000:.0f}, {max(values) * 1000:.0f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", metavar="DIR", required=True, help="another checkout (B)")
    parser.add_argument("--pages", nargs="+", default=["dropout", "race"])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    other = Path(args.against).resolve()
    with serve(ROOT) as a, serve(other) as b:
        print(f"A: this tree; B: {other}; {args.repeats} visits each, alternating")
        print(f"{'page':10s} {'':14s} {'A':>24s} {'B':>24s} {'A-B':>10s}")
        for page in args.pages:
            for server in (a, b):
                one(server, page)  # the page's run computed and cached, the imports done
            cpu: dict[str, list[float]] = {"A": [], "B": []}
            wall: dict[str, list[float]] = {"A": [], "B": []}
            for i in range(args.repeats):
                for side, server in ((("A", a), ("B", b)) if i % 2 == 0 else (("B", b), ("A", a))):
                    c, w = one(server, page)
                    cpu[side].append(c)
                    wall[side].append(w)
            for name, values in (("server CPU", cpu), ("whole page", wall)):
                diff = (statistics.median(values["A"]) - statistics.median(values["B"])) * 1000
                print(f"{page:10s} {name:14s} {summary(values['A']):>24s} {summary(values['B']):>24s} "
                      f"{diff:+8.0f} ms", flush=True)


if __name__ == "__main__":
    main()
