#!/usr/bin/env bash
# Run the whole test suite on a fresh Debian machine with Python 3.11+.
# Installs what the tests need (redis-server, chromium, poppler-utils, nginx, curl, python3-venv from Debian
# when missing; the project and its test extras into .venv), then runs ruff and pytest. The tests
# start their own throwaway redis-server on a free loopback port.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)  # reads exported PDFs
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)  # topology test
command -v curl >/dev/null 2>&1 || missing+=(curl)  # scripts/cluster-demo.sh waits with it
python3 -c "import ensurepip, venv" >/dev/null 2>&1 || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing from Debian: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e '.[test]'
.venv/bin/ruff check wall data_feeds layouts benchmarks tests
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
