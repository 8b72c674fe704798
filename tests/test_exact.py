"""Exact counts by msolve over a prime field: agreement with a solve, refusals before the work, and the
comparison with multiplicities and positive-dimensional ideals."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from linnet_cli.checks.exact import ExactCounts
from linnet_cli.cli.main import cli


def test_exact_counts_agree_with_the_solve():
    from linnet_cli.checks import peers
    if peers.find_msolve() is None:
        pytest.skip("msolve is not installed (pip install 'linnet-cli[crosscheck]')")
    import json
    out = CliRunner().invoke(cli, ["solve", "--d", "2", "--dx", "2", "--dy", "2", "--seed", "2", "--exact",
                                   "--format", "json", "-q"])
    assert out.exit_code == 0, out.output
    d = json.loads(out.stdout)
    assert (d["exact"]["n_complex"], d["exact"]["n_torus"]) == (d["n_complex"], d["n_torus"]) == (33, 16)
    assert d["completeness"]["overall"] == "exact"


def test_exact_is_refused_before_work_when_the_shape_is_too_large(monkeypatch):
    from linnet_cli.checks import peers
    monkeypatch.setattr(peers, "find_msolve", lambda: "/bin/true")
    out = CliRunner().invoke(cli, ["solve", "--d", "4", "--dx", "4", "--dy", "4", "--exact", "--no-bkk"])
    assert out.exit_code == 2 and "N ≤ 15" in out.output and "Traceback" not in out.output


def test_exact_without_msolve_is_one_clear_line(monkeypatch):
    from linnet_cli.checks import peers
    monkeypatch.setattr(peers, "find_msolve", lambda: None)
    out = CliRunner().invoke(cli, ["solve", "--d", "2", "--dx", "2", "--dy", "2", "--exact"])
    assert out.exit_code == 3 and "msolve" in out.output and "Traceback" not in out.output


def test_agreement_counts_multiplicities_and_knows_positive_dimensional_sets():
    counts = ExactCounts(5, 2, 1073741789, 0.1)
    assert counts.agrees(5, 2) and not counts.agrees(3, 2)
    assert not counts.agrees(5, 2, positive_dimensional=True)
    infinite = ExactCounts(None, None, 1073741789, 0.1, positive_dimensional=True)
    assert infinite.agrees(0, 0, positive_dimensional=True) and not infinite.agrees(0, 0)
    assert infinite.to_dict()["positive_dimensional"] is True
