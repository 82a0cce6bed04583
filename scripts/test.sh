#!/usr/bin/env bash
# Set up everything the tests need on a fresh machine, then lint and run the whole suite.
#   bash scripts/test.sh            # all tests (browser tests skip without Chromium, except in CI)
#   bash scripts/test.sh -k race    # extra arguments go to pytest
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${PLAYGROUND_VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -r requirements-dev.txt

# Debian's Chromium for the browser tests (Playwright's own browser download does not work offline).
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null \
    || echo "warning: could not install chromium; browser tests will skip (or fail under CI)"
fi

# MNIST is read from a local folder in tests, never downloaded.
if [ -z "${PLAYGROUND_MNIST_DIR:-}" ] && [ -d ../shared/data/mnist ]; then
  export PLAYGROUND_MNIST_DIR="$(cd ../shared/data/mnist && pwd)"
fi

"$VENV/bin/ruff" check .
"$VENV/bin/python" -m pytest "$@"
