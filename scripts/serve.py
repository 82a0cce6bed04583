"""Serve the app, warm: the compute service's worker pool starts first, then this process imports
the app and submits the warm start (every lesson's default link, each page's first view first,
computed in the background), and only then does Streamlit start serving, in this same process. The
fork server imports torch beside this process's own imports, so the workers are ready about when
the server answers, and health answers `ok` a few seconds after the start.

    python scripts/serve.py [streamlit options, e.g. --server.port 8502]

A plain `streamlit run app.py` (Community Cloud) warms at its first visitor instead (app.py).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    from core.compute import start_early

    start_early()  # the fork server: torch and the lessons, imported beside what follows

    from ui.lesson import warm_start

    warm_start()  # the service (its workers take over that fork server) and the warm start's jobs

    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(ROOT / "app.py"), *sys.argv[1:]]
    return cli.main()


if __name__ == "__main__":
    sys.exit(main())
