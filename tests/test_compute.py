"""One row: its counts, its histogram, the certified instance, and its record for csv and json."""
from __future__ import annotations

from linnet_cli.model.network import Network
from linnet_cli.studies.compute import ROW_COLUMNS, RowResult, compute_row
from linnet_cli.studies.rows import RowSpec


def test_compute_row_counts_and_histogram():
    r = compute_row(RowSpec(Network.uniform(2, 2, 2), 1), samples=10, seed=3, bkk=False)
    assert (r.N_C, r.N_C_star, r.samples) == (33, 16, 10)
    assert sum(r.N_R_histogram.values()) == 10 and r.max_N_R == max(r.N_R_histogram)
    assert r.failed_paths == 0 and r.N_C_mismatch_instances == 0
    # the instance with the most real points is certified: every point, every real one
    assert (r.certified_N_C, r.certified_N_C_star, r.certified_max_N_R) == (33, 16, r.max_N_R)
    # here N_R runs 5, 5, 1, 3, 1, 9, ...: the certified instance is the one with 9, not the first with 5
    r = compute_row(RowSpec(Network.uniform(2, 1, 2), 1), samples=10, seed=1, bkk=False)
    assert (r.max_N_R, r.certified_max_N_R, r.certified_N_C) == (9, 9, 33)


def test_a_rows_record_reads_back():
    r = compute_row(RowSpec(Network((1, 1, 1)), 2), samples=3, seed=0)
    rec = r.to_dict()
    assert list(rec) == list(ROW_COLUMNS) and rec["widths"] == "1,1,1" and rec["m"] == 2
    back = RowResult.from_dict({k: "" if v is None else str(v) for k, v in rec.items()})    # as csv has it
    assert back == r and back.key == "1,1,1|m=2" and back.BKK == r.BKK
