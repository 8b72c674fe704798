"""Completeness: the levels of evidence, how a count's evidence follows from its sub-networks', and the
parameter homotopy level of special data."""
from __future__ import annotations

from linnet_cli.checks.completeness import Part, Status, overall, special


def test_completeness_levels():
    ok = [Part((2, 2, 2), 1, 16, Status.TRACE_TEST, 1e-15, 72), Part((2, 1, 2), 2, 4, Status.RANK_TEST)]
    assert overall(ok, 0).overall == Status.TRACE_TEST
    assert overall(ok, 3).overall == Status.NOT_VERIFIED          # a lost path can cost a point
    weak = ok + [Part((2, 3, 2), 1, 8, Status.NOT_VERIFIED, reason="loop limit")]
    assert overall(weak, 0).overall == Status.NOT_VERIFIED
    assert overall(weak, 0).with_evidence(exact=True).overall == Status.EXACT
    assert overall(ok, 0).with_evidence(exact=False).overall == Status.NOT_VERIFIED
    assert overall(weak, 0).with_evidence(proven=True).overall == Status.PROVEN


def test_special_data_counts_stand_on_the_generic_evidence():
    ok = [Part((2, 2, 2), 1, 16, Status.TRACE_TEST, 1e-15, 72), Part((2, 1, 2), 2, 4, Status.RANK_TEST)]
    assert special(ok, 0).overall == Status.PARAMETER_HOMOTOPY
    assert special(ok, 0).describe() == "special data: isolated points by parameter homotopy"
    assert special(ok, 1).overall == Status.NOT_VERIFIED           # a failed path can cost an isolated point
    weak = ok + [Part((2, 3, 2), 1, 8, Status.NOT_VERIFIED, reason="loop limit")]
    assert special(weak, 0).overall == Status.NOT_VERIFIED
    assert special(ok, 0).with_evidence(exact=True).overall == Status.EXACT


def test_to_dict_keeps_the_trace_test_numbers():
    part = Part((2, 2, 2), 1, 16, Status.TRACE_TEST, 1e-13, 12, tolerance=1e-9, margin=50.0)
    d = overall([part], 0).to_dict()
    assert d["overall"] == "trace test"
    p = d["parts"][0]
    assert (p["residual"], p["tolerance"], p["detection_margin"]) == (1e-13, 1e-9, 50.0)
    assert abs(p["residual_below_tolerance"] - 1e4) < 1e-6
