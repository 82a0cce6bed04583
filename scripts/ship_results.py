"""Make the results that ship with the code (core.compute.shipped): the first view of each lesson in
`shipped.LESSONS` (its default link's first run, `pages.<lesson>.controls.warm()[0]`), computed here
on the CPU with one torch thread, as a worker computes it. Stale files of those lessons are removed.

    .venv/bin/python scripts/ship_results.py

Run it after changing the code of a shipped lesson (tests/test_shipped.py says when).
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    sys.path.insert(0, str(ROOT))
    import torch

    from core.compute import shipped
    from core.compute.service import job_key
    from core.runs import run

    torch.set_num_threads(1)
    wanted = {shipped.path_for(job_key(run, (config, "cpu"))): config for config in
              (importlib.import_module(f"pages.{lesson}.controls").warm()[0] for lesson in shipped.LESSONS)}
    for old in shipped.FOLDER.glob("*.pkl"):
        if old not in wanted:
            old.unlink()
            print(f"removed {old.name} (stale)")
    for path, config in wanted.items():
        t0 = time.perf_counter()
        value = run(config, "cpu")
        seconds = time.perf_counter() - t0
        shipped.save(job_key(run, (config, "cpu")), value, seconds)
        print(f"{path.name}: {type(config).__name__} in {seconds:.2f} s, {path.stat().st_size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
