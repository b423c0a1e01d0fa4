#!/usr/bin/env bash
# Set up and run the whole test suite (slow acceptance runs included). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="$(bash scripts/setup.sh --test | tail -n 1)"
[ -d ../shared/data ] || { echo "tests read ../shared/data: check out next to it" >&2; exit 1; }
# The browser test drives the system Chromium (Playwright's own browser download is not used).
if ! command -v chromium >/dev/null; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "the browser test needs Chromium: sudo apt-get install chromium" >&2; exit 1
  fi
fi
set +e
"$VENV/bin/python" -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure" >&2
  exit 1
fi
exit "$status"
