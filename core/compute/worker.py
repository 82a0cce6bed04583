"""The compute service's fork server: `python -m core.compute.worker FD` (see workers.py)."""

import sys

from core.compute.workers import fork_server_main

if __name__ == "__main__":
    fork_server_main(int(sys.argv[1]))
