"""Serve the app, warm: `streamlit run app.py` with these arguments, then one script run as soon
as the server answers (Streamlit's script health check), which starts the warm start: every
lesson's default link computed in the background before the first student asks (see app.py).

    python scripts/serve.py [streamlit options, e.g. --server.port 8502]

A plain `streamlit run app.py` (Community Cloud) warms at its first visitor instead.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def option(args: list[str], name: str, default: str) -> str:
    """The value of `--name value` or `--name=value` among `args`."""
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return default


def poke(url: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    """Wait for /_stcore/health, then ask for one script run (it answers once the run is done)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        with contextlib.suppress(OSError):
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                break
        time.sleep(0.1)
    with contextlib.suppress(OSError):
        urllib.request.urlopen(f"{url}/_stcore/script-health-check", timeout=timeout).read()


def main() -> int:
    args = sys.argv[1:]
    port = option(args, "--server.port", "8501")
    base = option(args, "--server.baseUrlPath", "").strip("/")
    url = f"http://127.0.0.1:{port}" + (f"/{base}" if base else "")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), *args], cwd=ROOT)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda s, _f: proc.send_signal(s))
    poke(url, proc)
    return proc.wait()


if __name__ == "__main__":
    sys.exit(main())
