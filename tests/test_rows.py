"""Rows of a study: their seeds come from the master seed and the shape only; shapes given as ranges."""
from __future__ import annotations

import numpy as np

from linnet_cli.model.network import Network
from linnet_cli.studies.rows import RowSpec, instance_seeds, row_seed, shape_rows, sweep_corner, sweep_rows


def test_a_rows_seeds_depend_on_the_master_seed_and_its_shape_only():
    row = RowSpec(Network.uniform(2, 1, 2), 1)
    same = RowSpec(Network((1, 2, 2)), 1)
    assert row.key == same.key == "1,2,2|m=1"
    assert np.array_equal(instance_seeds(3, row, 6), instance_seeds(3, same, 6))
    assert row_seed(3, row).entropy == row_seed(3, same).entropy
    for other in (instance_seeds(4, row, 6), instance_seeds(3, RowSpec(row.network, 2), 6),
                  instance_seeds(3, RowSpec(Network.uniform(2, 2, 1), 1), 6)):
        assert not np.array_equal(other, instance_seeds(3, row, 6))
    # more samples add instances to a row; the first ones stay what they were
    assert np.array_equal(instance_seeds(3, row, 8)[:6], instance_seeds(3, row, 6))


def test_sweeps_in_table_3_1s_order_with_rows_left_out():
    rows = sweep_rows("1..2", "1..2", "1", exclude=[RowSpec(Network.uniform(2, 1, 1), 1)])
    assert [(r.network.d, r.network.dx, r.network.dy) for r in rows] == [(1, 1, 1), (1, 2, 1), (2, 2, 1)]
    assert [r.m for r in sweep_rows("1", "1", "1", m="1..3")] == [1, 2, 3]


def test_shapes_as_widths_or_ranges():
    assert [r.key for r in shape_rows(None, None, None, None, "1..2", widths=["2,3,1,2"])] == \
        ["2,3,1,2|m=1", "2,3,1,2|m=2"]
    default = shape_rows(None, None, None, None, None)
    assert len(default) == 27 and all(r.network.H == 1 and r.m == 1 for r in default)


def test_the_corner_of_a_sweep_without_its_rows():
    corner, count = sweep_corner("1..3", "1..2", "1..64", "1..2", "1,2")
    assert count == 3 * 2 * 64 * 2 * 2
    assert (corner.network.d, corner.network.dx, corner.network.dy, corner.network.H, corner.m) == (3, 2, 64, 2, 2)
