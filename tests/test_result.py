"""The result of a solve: its short summary, its dict with and without the solution list, and its frame."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import linnet_cli as ln

ROOT = Path(__file__).resolve().parents[1]


def test_a_solve_prints_a_short_summary():
    code = ("import linnet_cli as ln; "
            "print(ln.solve(ln.Network.uniform(d=2, dx=2, dy=2), seed=1))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=ROOT).stdout
    lines = out.strip().splitlines()
    assert 3 <= len(lines) <= 8, out
    assert lines[0].startswith("SolveResult: d=2 dx=2 dy=2") and "33 critical points" in lines[1]


def test_to_dict_with_and_without_the_solution_list():
    res = ln.solve(ln.Network.uniform(d=1, dx=1, dy=1), seed=1)
    full, counts = res.to_dict(), res.to_dict(solutions=False)
    assert "solutions" not in counts and len(full["solutions"]) == res.n_complex == 5
    assert list(full) == list(counts) + ["solutions"] and {k: full[k] for k in counts} == counts
