"""The library's front door: `import linnet_cli as ln`, the README's Python example, results' summaries."""
from __future__ import annotations

import contextlib
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

import linnet_cli as ln

ROOT = Path(__file__).resolve().parent.parent


def _readme_example() -> str:
    text = (ROOT / "README.md").read_text()
    match = re.search(r"<!-- python-api -->\n```python\n(.*?)```", text, re.S)
    assert match, "the README's Python API example is missing"
    return match.group(1)


def test_readme_python_example_runs_and_reproduces_its_numbers(tmp_path, monkeypatch):
    monkeypatch.setenv("LINNET_CACHE_DIR", str(tmp_path))
    out = io.StringIO()
    scope: dict = {}
    with contextlib.redirect_stdout(out):
        exec(compile(_readme_example(), "README.md", "exec"), scope)
    res, run = scope["res"], scope["run"]
    assert (res.n_complex, res.n_torus, res.n_real) == (33, 16, 5)
    assert res.certification.n_certified == 33 and res.n_failed == 0
    ok, total = run.reproduced()
    assert ok == total == 28 and len(run.results) == 4
    assert scope["points"].shape[0] == 33
    printed = out.getvalue()
    assert "33 16 5 33" in printed and "1089" in printed and "(28, 28)" in printed


def test_every_public_name_resolves():
    for name in ln.__all__:
        assert getattr(ln, name) is not None, name
    with pytest.raises(AttributeError):
        ln.no_such_name  # noqa: B018


def test_the_front_door_names_the_entry_points_of_the_readme():
    from linnet_cli.checks.systems import system_text
    from linnet_cli.cli.paper import table_paper
    from linnet_cli.engines import get_engine
    from linnet_cli.studies.maxreal import max_real
    from linnet_cli.studies.spec import load_preset
    assert (ln.max_real, ln.get_engine, ln.system_text, ln.load_preset, ln.table_paper) == (
        max_real, get_engine, system_text, load_preset, table_paper)


def test_importing_the_package_and_the_cli_imports_no_numpy():
    code = ("import sys, linnet_cli, linnet_cli.cli.main; "
            "print(sorted(m for m in ('numpy', 'pandas', 'numba', 'rich') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"






def test_solve_draws_and_records_a_seed_for_a_network():
    res = ln.solve(ln.Network.uniform(d=1, dx=1, dy=1))
    assert isinstance(res.seed, int)
    again = ln.solve(ln.Network.uniform(d=1, dx=1, dy=1), seed=res.seed)
    assert (again.instance.X == res.instance.X).all()
    assert repr(res) == "<SolveResult d=1 dx=1 dy=1 m=1: 5 critical points, " f"{res.n_real} real>"


def test_solve_options_reach_the_engine():
    net = ln.Network.uniform(d=2, dx=2, dy=2)
    free = ln.solve(net, seed=2, trace_test=False)
    limited = ln.solve(net, seed=2, trace_test=False, monodromy=ln.MonodromyOptions(max_loops=1))
    assert limited.paths_tracked < free.paths_tracked
    assert any("loop limit" in w for w in limited.warnings)   # stopped by the limit, and says so
    assert limited.completeness.overall == ln.Status.NOT_VERIFIED
    with pytest.raises(ln.InputError):
        ln.MonodromyOptions(max_loops=0)


def test_library_checks_refuse_before_solving():
    big = ln.Network.uniform(d=4, dx=4, dy=4)   # N = 32: too many weights for the exhaustive check
    with pytest.raises(ln.InputError):
        ln.solve(big, seed=1, verify_patterns=True)
