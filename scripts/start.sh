#!/usr/bin/env bash
# Set up, ingest the bundled sample articles into the default store, and open the chat on
# http://127.0.0.1:7860 (NEWSQA_STORE, NEWSQA_HOST and NEWSQA_PORT override).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="$(bash scripts/setup.sh | tail -n 1)"
"$VENV/bin/newsqa" ingest samples
exec "$VENV/bin/newsqa" serve "$@"
