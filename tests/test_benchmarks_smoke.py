"""Every benchmark script runs: its --smoke mode (tiny shapes, no peer tools, seconds) as a subprocess.

A benchmark is not a timed test; this only keeps the scripts from rotting (an import that moved, an
option renamed) between the runs that measure.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = sorted(p.name for p in (ROOT / "benchmarks").glob("*.py"))


def test_every_benchmark_has_a_smoke_mode():
    assert SCRIPTS
    for name in SCRIPTS:
        assert "--smoke" in (ROOT / "benchmarks" / name).read_text(), f"{name} has no --smoke mode"


@pytest.mark.parametrize("name", SCRIPTS)
def test_benchmark_smoke_runs(name, tmp_path):
    env = dict(os.environ, TMPDIR=str(tmp_path), PYTHONPATH=str(ROOT))   # leftovers go to tmp_path
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / name), "--smoke"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{name} --smoke failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    assert proc.stdout.strip(), f"{name} --smoke printed nothing"
    assert "Traceback" not in proc.stderr
