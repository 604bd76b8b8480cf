#!/usr/bin/env bash
# Install what the tests need (a virtual environment in .venv, and Debian's chromium for the
# browser test), then run them. Extra arguments go to pytest, e.g. `bash scripts/test.sh -k api`.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
# The g4f extra too: its tests run gpt4free's own clients with our providers; the same
# provider tests also run with g4f hidden (tests/test_gpt4free.py).
.venv/bin/python -m pip install --quiet -e ".[test,g4f]"

# Playwright drives the system's chromium: its own browser download cannot work offline.
if ! command -v chromium >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser test..."
  sudo_prefix=""
  [ "$(id -u)" -eq 0 ] || sudo_prefix="sudo"
  $sudo_prefix apt-get update -q
  $sudo_prefix apt-get install -y -q chromium fonts-dejavu-core
fi

exec .venv/bin/python -m pytest "$@"
