"""Server figures: `streamlit run` to /_stcore/health ok, and resident memory after pages are opened.

    python -m bench.server                 # 3 cold starts, then every page once in Chromium
    python -m bench.server --sessions 10   # also: 10 browser sessions open the race page at once
    python -m bench.server --sessions 10 --burst-page dropout   # ... or another lesson's page
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from bench.browser import Server, chromium, new_page, start_server, wait_ready
from pages import LESSONS


def start() -> tuple[Server, float]:
    """Start the server; return it and the seconds until health answered ok."""
    t0 = time.perf_counter()
    server = start_server()
    server.wait_healthy()
    return server, time.perf_counter() - t0


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def open_pages(url: str, paths: list[str]) -> dict[str, float]:
    """Open each path in a fresh tab; seconds until its run finished."""
    times = {}
    with chromium() as browser:
        for path in paths:
            page = new_page(browser)
            t0 = time.perf_counter()
            page.goto(f"{url}/{path}")
            wait_ready(page, 120_000)
            times[path or "home"] = time.perf_counter() - t0
            page.close()
    return times


def burst(url: str, path: str, n: int) -> float:
    """n sessions open `path` at once; seconds until the last one finished its run."""
    with chromium() as browser:
        pages = [browser.new_context().new_page() for _ in range(n)]
        t0 = time.perf_counter()
        for page in pages:
            page.goto(f"{url}/{path}", wait_until="commit")
        for page in pages:
            wait_ready(page, 300_000)
        return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--starts", type=int, default=3)
    parser.add_argument("--sessions", type=int, default=0)
    parser.add_argument("--burst-page", default="race", choices=[x.name for x in LESSONS])
    args = parser.parse_args()
    startups = []
    for _ in range(args.starts):
        server, seconds = start()
        startups.append(seconds)
        server.stop()
    print(f"streamlit run -> health ok: median {statistics.median(startups):.2f} s "
          f"(runs: {', '.join(f'{s:.2f}' for s in startups)})")
    server, _ = start()
    url, pid = server.url, server.proc.pid
    try:
        print(f"resident memory after start: {rss_mib(pid):.0f} MiB")
        times = open_pages(url, ["", *(p.name for p in LESSONS)])
        for name, seconds in times.items():
            print(f"  first open of {name:12s} {seconds:5.2f} s")
        print(f"resident memory after every page opened once: {rss_mib(pid):.0f} MiB")
        if args.sessions:
            seconds = burst(url, f"{args.burst_page}?seed=11", args.sessions)
            print(f"{args.sessions} sessions opening /{args.burst_page} at once: all finished in "
                  f"{seconds:.2f} s; resident memory {rss_mib(pid):.0f} MiB")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
