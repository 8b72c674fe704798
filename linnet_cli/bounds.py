"""Bounds on the number of critical points: Bézout, BKK (mixed volume) and the thesis's B_C, B_C*."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from .network import Network

#: Machine-readable column names of a bounds row, in order.
BOUND_COLUMNS = ("d", "dx", "dy", "H", "m", "N", "CBB", "BKK", "BKK_torus", "B_C", "B_C_star")


def bezout(network: Network) -> int:
    """Classical Bézout bound (2H+1)^N: every equation has degree 2H+1."""
    return (2 * network.H + 1) ** network.N


def thesis_bounds(network: Network, m: int) -> tuple[int | None, int | None]:
    """(B_C, B_C*) = ((1 + 4 d_y)^d, (4 d_y)^d), proved for H = 1, m = 1 only; (None, None) elsewhere."""
    if network.H != 1 or m != 1:
        return None, None
    d, dy = network.widths[1], network.dy
    return (1 + 4 * dy) ** d, (4 * dy) ** d


@dataclass
class BoundsRow:
    """One shape's bounds; None where a value is not defined or not computed."""

    d: int | None
    dx: int
    dy: int
    H: int
    m: int
    N: int
    CBB: int
    BKK: int | None
    BKK_torus: int | None
    B_C: int | None
    B_C_star: int | None
    widths: tuple[int, ...] = ()

    def as_dict(self) -> dict:
        """The row with the documented column names (plus ``widths``)."""
        out = asdict(self)
        out["widths"] = list(self.widths)
        return out


def bounds_row(network: Network, m: int = 1, bkk: bool = True) -> BoundsRow:
    """All bounds of one shape; the BKK columns (mixed volumes) only when ``bkk``."""
    b_c, b_cs = thesis_bounds(network, m)
    mv = mv_t = None
    if bkk:
        from .mixed_volume import bkk_bounds
        mv, mv_t = bkk_bounds(network, m)
    return BoundsRow(network.d, network.dx, network.dy, network.H, m, network.N, bezout(network),
                     mv, mv_t, b_c, b_cs, network.widths)
