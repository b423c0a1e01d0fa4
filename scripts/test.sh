#!/usr/bin/env bash
# Set up and run the whole test suite (slow acceptance runs included). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="$(bash scripts/setup.sh | tail -n 1)"
[ -d ../shared/data ] || { echo "tests read ../shared/data: check out next to it" >&2; exit 1; }
set +e
"$VENV/bin/python" -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure" >&2
  exit 1
fi
exit "$status"
