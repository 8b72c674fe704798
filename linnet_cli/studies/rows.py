"""Rows of a study: a shape (network and number of data points), its seeds, and shapes given as ranges.

A row is what every study computes on (tables, sweeps, the search for real points). Its seeds derive
from a master seed and its shape only, so that a row's results do not depend on the order of the rows
or on the number of parallel jobs. This module is the bottom of ``studies/``: it imports none of the
others.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..model.network import Network, networks_from_ranges, parse_range, parse_widths

__all__ = ["RowSpec", "row_seed", "instance_seeds", "sweep_rows", "shape_rows", "sweep_corner"]


@dataclass(frozen=True)
class RowSpec:
    """One row: a network and a number of data points."""

    network: Network
    m: int

    @property
    def key(self) -> str:
        return self.network.key(self.m)


def row_seed(master: int, row: RowSpec) -> np.random.SeedSequence:
    """The seed sequence of a row: from the master seed and the row's shape only."""
    return np.random.SeedSequence([master, row.m, *row.network.widths])


def instance_seeds(master: int, row: RowSpec, samples: int) -> np.ndarray:
    """One seed per instance of a row (instance k's seed does not depend on how instances are batched)."""
    return row_seed(master, row).spawn(2)[1].generate_state(samples, dtype=np.uint32)


def sweep_rows(d: str, dx: str, dy: str, H: str = "1", m: str = "1",
               exclude: list[RowSpec] | None = None) -> list[RowSpec]:
    """Rows of a sweep over ranges (``1..3``, ``1,2,5``), in Table 3.1's order.

    >>> [r.key for r in sweep_rows("1", "1..2", "1", m="1,2")]
    ['1,1,1|m=1', '1,1,1|m=2', '2,1,1|m=1', '2,1,1|m=2']
    """
    nets = networks_from_ranges(parse_range(d, "d"), parse_range(dx, "dx"), parse_range(dy, "dy"),
                                parse_range(H, "H"))
    rows = [RowSpec(n, mm) for n in nets for mm in parse_range(m, "m")]
    skip = {r.key for r in exclude or []}
    return [r for r in rows if r.key not in skip]


def shape_rows(d: str | None, dx: str | None, dy: str | None, H: str | None, m: str | None,
               widths: Sequence[str] = ()) -> list[RowSpec]:
    """Rows of shapes given as a list of widths (``2,3,1,2``), or else as ranges (not given: 1..3 for d,
    d_x and d_y, 1 for H), each with every m of its range (not given: 1)."""
    if widths:
        return [RowSpec(parse_widths(w), mm) for w in widths for mm in parse_range(m or "1", "m")]
    return sweep_rows(d or "1..3", dx or "1..3", dy or "1..3", H or "1", m or "1")


def sweep_corner(d: str, dx: str, dy: str, H: str = "1", m: str = "1") -> tuple[RowSpec, int]:
    """The largest row of a sweep (every range at its maximum) and the number of rows, without
    building the rows (a sweep can name millions)."""
    ranges = [parse_range(t, n) for t, n in ((d, "d"), (dx, "dx"), (dy, "dy"), (H, "H"), (m, "m"))]
    count = 1
    for r in ranges:
        count *= len(r)
    return RowSpec(Network.uniform(*(max(r) for r in ranges[:4])), max(ranges[4])), count
