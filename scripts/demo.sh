#!/usr/bin/env bash
# Start the demo wall on its embedded default (no Redis server needed): http://127.0.0.1:8050/
# Set REDIS_URL to use a real Redis; pass --host/--port to change where it listens.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
exec .venv/bin/opswall demo "$@"
