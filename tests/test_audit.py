"""The audit of published values: labels and reasons on constructed rows, then on Tables 3.1 and 3.2."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from linnet_cli.checks.bounds import BOUND_COLUMNS, BoundsRow
from linnet_cli.cli.main import cli
from linnet_cli.studies.audit import KINDS, audit_columns, audit_row, closing_line, reproduced, tally
from linnet_cli.studies.compute import RowResult
from linnet_cli.studies.published import PUBLISHED_COLUMNS as AUDITED
from linnet_cli.studies.spec import TableSpec

ROOT = Path(__file__).resolve().parent.parent


def row(**kw) -> RowResult:
    """A row of Table 3.1's shape d=2, d_x=1, d_y=1 (N_C = 9) unless overridden."""
    base = dict(d=2, dx=1, dy=1, H=1, m=1, N=4, CBB=81, BKK=25, BKK_torus=16, B_C=25, B_C_star=16, N_C=9,
                N_C_star=0, max_N_R=5, samples=100, failed_paths=0, seconds=1.0, widths="1,2,1",
                N_R_histogram={5: 60, 1: 40}, spurious_minimum_instances=0, N_C_mismatch_instances=0,
                monodromy_failed_paths=0, paths_tracked=900, certified_N_C=9, certified_N_C_star=0,
                certified_max_N_R=5)
    base.update(kw)
    bounds = BoundsRow(**{c: base.pop(c) for c in BOUND_COLUMNS},
                       widths=tuple(int(w) for w in base.pop("widths").split(",")))
    return RowResult(bounds, **base)


def pub(**kw) -> dict[str, int]:
    base = dict(N=4, CBB=81, BKK=25, BC=25, BCstar=16, NC=9, NCstar=0, maxNR=5)
    base.update(kw)
    return base


def test_reproduced_values_get_no_kind():
    v = audit_row(row(), pub())
    assert set(v) == set(AUDITED) and all(x.label == "reproduced" for x in v.values())
    assert tally([v]) == {"impossible": 0, "sampling": 0, "mismatch": 0}


def test_parity_violation_is_impossible():
    """Table 3.1 row 10: max N_R = 4 published with N_C = 9."""
    v = audit_row(row(), pub(maxNR=4))["max_N_R"]
    assert (v.label, v.published, v.ours) == ("impossible", 4, 5)
    assert "parity" in v.reason and "N_C = 9 is odd" in v.reason


def test_sampling_below_and_above_with_the_right_parity():
    below = audit_row(row(max_N_R=7, N_R_histogram={7: 1}), pub(maxNR=5))["max_N_R"]
    assert below.label == "sampling" and "below linnet's max N_R = 7" in below.reason
    above = audit_row(row(max_N_R=3, N_R_histogram={3: 1}), pub(maxNR=5))["max_N_R"]
    assert above.label == "sampling" and "above linnet's max N_R = 3" in above.reason


def test_search_record_counts_as_linnets_max():
    r = row(max_N_R=3, N_R_histogram={3: 1}, search_max_N_R=7, search_candidates=64)
    v = audit_row(r, pub(maxNR=5))["max_N_R"]
    assert (v.label, v.ours) == ("sampling", 7) and "search; sampled 3" in v.reason
    assert audit_row(r, pub(maxNR=7))["max_N_R"].label == "reproduced"


def test_parity_is_not_claimed_when_paths_failed():
    v = audit_row(row(failed_paths=2), pub(maxNR=4))["max_N_R"]
    assert v.label == "sampling" and "parity not checked" in v.reason


def test_counts_above_proven_bounds_are_impossible():
    v = audit_row(row(), pub(NC=27))["N_C"]
    assert v.label == "impossible" and "BKK = 25" in v.reason
    v = audit_row(row(), pub(maxNR=11))["max_N_R"]
    assert v.label == "impossible" and "N_C = 9" in v.reason
    v = audit_row(row(N_C_star=4, BKK_torus=20, B_C_star=20), pub(NCstar=17, NC=9))["N_C_star"]
    assert v.label == "impossible" and "N_C* = 17 > N_C = 9" in v.reason


def test_exact_count_mismatch_says_what_is_certified():
    """Table 3.2 row 1: N_C = 16 published, 17 computed, all certified, BKK = 17."""
    r = row(d=1, H=2, N=3, CBB=125, BKK=17, BKK_torus=16, B_C=None, B_C_star=None, N_C=17, N_C_star=16,
            max_N_R=9, widths="1,1,1,1", certified_N_C=17, certified_N_C_star=16, certified_max_N_R=9)
    v = audit_row(r, {"N": 3, "CBB": 125, "BKK": 17, "NC": 16, "NCstar": 16, "maxNR": 8})
    assert v["N_C"].label == "mismatch" and "17 points certified" in v["N_C"].reason and "exact" in v["N_C"].reason
    assert "BKK = 17" in v["N_C"].reason
    assert v["max_N_R"].label == "impossible"
    assert "B_C" not in v                                              # not published by Table 3.2
    uncertified = audit_row(row(certified_N_C=None), pub(NC=7))["N_C"]
    assert uncertified.label == "mismatch" and "not certified" in uncertified.reason
    partial = audit_row(row(certified_N_C=8), pub(NC=7))["N_C"]
    assert "8 points certified" in partial.reason and "exact" not in partial.reason


def test_formula_mismatch_and_values_not_computed():
    v = audit_row(row(), pub(CBB=80))["CBB"]
    assert v.label == "mismatch" and "(2H+1)^N = 81" in v.reason
    v = audit_row(row(BKK=None, BKK_torus=None), pub())["BKK"]
    assert v.label == "not computed"


def test_columns_and_closing_line():
    spec = TableSpec("t", [], published={"1,2,1|m=1": pub(maxNR=4, NC=8)})
    results = [row()]
    cols = audit_columns(audit_row(results[0], spec.published["1,2,1|m=1"]))
    assert cols["audit_max_N_R"] == "impossible" and cols["audit_N_C"] == "mismatch" and cols["audit_N"] == "reproduced"
    assert "max N_R 4: impossible" in cols["audit_notes"]
    line = closing_line(results, spec)
    assert line.startswith("6 of 7 published values reproduced") and "1 impossible, 0 sampling, 1 mismatch" in line
    assert reproduced(results, spec) == (6, 7)                          # the one count, as the line says
    assert closing_line(results, TableSpec("t", [])) is None
    assert list(audit_columns({})) == [f"audit_{c}" for c in AUDITED] + ["audit_notes"]
    assert KINDS == ("impossible", "sampling", "mismatch")


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_table_3_1_row_10_published_max_is_impossible():
    res = run("table", "--d", "2", "--dx", "1", "--dy", "1", "--samples", "5", "--format", "json", "-q", "--jobs", "1")
    assert res.exit_code == 0, res.output
    obj = json.loads(res.stdout)
    r = obj["rows"][0]
    assert r["published_max_N_R"] == 4 and r["max_N_R"] % 2 == 1
    assert r["audit_max_N_R"] == "impossible" and r["audit_N_C"] == "reproduced"
    assert obj["audit"]["impossible"] == 1 and r["certified_N_C"] == 9


def test_table_3_2_small_rows_through_the_cli(tmp_path):
    """Rows 1-7 of Table 3.2: N, CBB, BKK, N_C* reproduced; row 1's N_C = 16 a mismatch against a
    certified 17 (= BKK); the even published max N_R of rows 1-3 and 7 impossible."""
    conf = tmp_path / "t32.toml"
    conf.write_text(f'published = "{ROOT / "configs" / "table-3.2-published.tsv"}"\nsamples = 4\nseed = 32\n'
                    '[sweep]\nd = "1"\ndx = "1..3"\ndy = "1..2"\nH = "2"\n'
                    '[[rows]]\nd = 2\ndx = 1\ndy = 1\nH = 2\n')
    out = tmp_path / "t.csv"
    res = run("table", str(conf), "--jobs", "1", "--format", "csv", "-o", str(out))
    assert res.exit_code == 0, res.output
    import csv
    rows = list(csv.DictReader(out.read_text().splitlines()))
    assert len(rows) == 7
    for r in rows:
        for c in ("N", "CBB", "BKK", "N_C_star"):
            assert r[f"audit_{c}"] == "reproduced", (r["widths"], c)
    assert [r["audit_N_C"] for r in rows] == ["mismatch"] + ["reproduced"] * 6
    assert rows[0]["N_C"] == "17" and rows[0]["certified_N_C"] == "17" and "17 is exact" in rows[0]["audit_notes"]
    assert [r["audit_max_N_R"] for r in rows[:3]] == ["impossible"] * 3 and rows[6]["audit_max_N_R"] == "impossible"
    assert all(r["audit_max_N_R"] in ("reproduced", "sampling") for r in rows[3:6])
    assert all(r["certified_max_N_R"] == r["max_N_R"] and r["certified_N_C"] == r["N_C"] for r in rows)
    assert "published values reproduced" in res.stderr and "4 impossible" in res.stderr


@pytest.mark.slow
def test_table_3_2_in_full():
    """The whole Table 3.2 (minutes): N, CBB, BKK, N_C* of all 12 rows and N_C of 11 reproduced; row 1's
    N_C a mismatch; the nine parity-violating max N_R impossible."""
    res = run("table", str(ROOT / "configs" / "table-3.2.toml"), "--samples", "10", "--format", "json", "-q")
    assert res.exit_code == 0, res.output
    obj = json.loads(res.stdout)
    rows = obj["rows"]
    for c in ("N", "CBB", "BKK", "N_C_star"):
        assert all(r[f"audit_{c}"] == "reproduced" for r in rows), c
    assert [r["audit_N_C"] for r in rows] == ["mismatch"] + ["reproduced"] * 11
    impossible = [i for i, r in enumerate(rows, 1) if r["audit_max_N_R"] == "impossible"]
    assert impossible == [1, 2, 3, 7, 8, 9, 10, 11, 12]
