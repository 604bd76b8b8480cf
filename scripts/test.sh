#!/usr/bin/env bash
# Install what the tests need (a virtual environment in .venv, and Debian's chromium for the
# browser test), then run them. Extra arguments go to pytest, e.g. `bash scripts/test.sh -k api`.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[test]"

# Playwright drives the system's chromium: its own browser download cannot work offline.
if ! command -v chromium >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser test..."
  sudo_prefix=""
  [ "$(id -u)" -eq 0 ] || sudo_prefix="sudo"
  $sudo_prefix apt-get update -q
  $sudo_prefix apt-get install -y -q chromium fonts-dejavu-core
fi

exec .venv/bin/python -m pytest "$@"
