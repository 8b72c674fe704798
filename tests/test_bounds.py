"""Bounds columns of Table 3.1: N, CBB, B_C, B_C* (BKK is in test_mixed_volume.py)."""
from linnet_cli.bounds import bezout, bounds_row, thesis_bounds
from linnet_cli.network import Network


def test_table_3_1_bound_columns(table31):
    for r in table31:
        row = bounds_row(Network.uniform(r["d"], r["dx"], r["dy"]), 1, bkk=False)
        assert (row.N, row.CBB, row.B_C, row.B_C_star) == (r["N"], r["CBB"], r["BC"], r["BCstar"]), r["no"]


def test_thesis_bounds_only_where_proved():
    assert thesis_bounds(Network.uniform(2, 2, 2, H=2), 1) == (None, None)
    assert thesis_bounds(Network.uniform(2, 2, 2), 2) == (None, None)
    assert thesis_bounds(Network((2, 3, 2)), 1) == (9 ** 3, 8 ** 3)
    assert bezout(Network.uniform(1, 1, 1, H=2)) == 5 ** 3
