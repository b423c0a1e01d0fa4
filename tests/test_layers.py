"""The code's shape: the stage packages import only downwards (the import-linter contract in
pyproject.toml), and no module grows past one idea's size."""

import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

MAX_LINES = 400


def test_stages_import_only_from_layers_below():
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "1 kept, 0 broken" in done.stdout


def test_no_module_is_over_four_hundred_lines():
    sizes = {path.relative_to(ROOT): len(path.read_text("utf-8").splitlines())
             for package in ("app", "ingest") for path in (ROOT / package).rglob("*.py")}
    assert len(sizes) > 40
    assert not {str(path): n for path, n in sizes.items() if n > MAX_LINES}
