#!/usr/bin/env bash
# Set up the app's environment on a fresh machine (once) and serve it: bash scripts/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${PLAYGROUND_VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -r requirements.txt
exec "$VENV/bin/python" scripts/serve.py "$@"  # the worker pool and the warm start, then Streamlit
