"""Server figures: `streamlit run` to /_stcore/health ok, and resident memory after pages are opened.

    python -m bench.server                 # 3 cold starts, then every page once in Chromium
    python -m bench.server --sessions 10   # also: 10 browser sessions open the race page at once
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.browser import chromium, new_page
from pages import LESSONS
from tests.browser.conftest import free_port, wait_ready

ROOT = Path(__file__).resolve().parent.parent


def start() -> tuple[subprocess.Popen, str, float]:
    """Start the server; return it, its URL and the seconds until health answered ok."""
    port = free_port()
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                             "--server.headless", "true", "--browser.gatherUsageStats", "false"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    while True:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                return proc, url, time.perf_counter() - t0
        except OSError:
            time.sleep(0.05)


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
    args = parser.parse_args()
    startups = []
    for _ in range(args.starts):
        proc, _, seconds = start()
        startups.append(seconds)
        proc.terminate()
        proc.wait()
    print(f"streamlit run -> health ok: median {statistics.median(startups):.2f} s "
          f"(runs: {', '.join(f'{s:.2f}' for s in startups)})")
    proc, url, _ = start()
    try:
        print(f"resident memory after start: {rss_mib(proc.pid):.0f} MiB")
        times = open_pages(url, ["", *(p.name for p in LESSONS)])
        for name, seconds in times.items():
            print(f"  first open of {name:12s} {seconds:5.2f} s")
        print(f"resident memory after every page opened once: {rss_mib(proc.pid):.0f} MiB")
        if args.sessions:
            seconds = burst(url, "race?seed=11", args.sessions)
            print(f"{args.sessions} sessions opening /race at once: all finished in {seconds:.2f} s; "
                  f"resident memory {rss_mib(proc.pid):.0f} MiB")
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
