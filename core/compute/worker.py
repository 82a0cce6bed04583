"""A worker process of the compute service: `python -m core.compute.worker FD` (see workers.py)."""

import sys

from core.compute.workers import worker_main

if __name__ == "__main__":
    worker_main(int(sys.argv[1]))
