"""The shapes of an atlas: every network within a budget of weights, hidden layers and widths, each with
its numbers of data points, and what solving them all will cost.

A budget names the rows an atlas holds: every network ``(d_x, n_1, …, n_H, d_y)`` with 1 ≤ H ≤ max_H,
widths at most max_width and N = Σ w_i·w_{i+1} ≤ max_N weights, each with every m of the budget's m
values up to d_x. The data enter the counts only through min(d_x, m) (docs/design.md §10): m > d_x
repeats m = d_x. That rule is what the *spot checks* test: the smallest shapes (N ≤
:data:`SPOT_CHECK_MAX_N`) whose row m = d_x is in the atlas also get m = d_x + 1 and d_x + 2, rows
marked ``spot_check``. Rows are enumerated deterministically, sorted by N, H, widths and m.

The cost is estimated before any work (:mod:`linnet_cli.cost`): memory as for a table, and time from the
monodromy estimate of every row and seed; a budget that cannot fit in memory, or whose estimated time
(a lower bound) passes :data:`MAX_ATLAS_SECONDS`, is refused unless forced.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import InputError, opt
from ..model.network import MAX_DATA, MAX_HIDDEN, MAX_WIDTH, Network
from ..studies.rows import RowSpec

if TYPE_CHECKING:
    from ..cost import Estimate

__all__ = ["DEFAULT_MAX_H", "DEFAULT_M", "SPOT_CHECK_MAX_N", "SPOT_CHECK_STEPS", "MAX_ATLAS_SECONDS",
           "AtlasBudget", "budget_shapes", "m_text"]

#: Hidden layers at most, unless the budget says otherwise.
DEFAULT_MAX_H = 3
#: Numbers of data points of every shape, unless the budget says otherwise: m = 1..min(d_x, 3) (beyond
#: d_x, m repeats m = d_x; three data points already make the counts of most shapes large).
DEFAULT_M = (1, 2, 3)
#: Shapes with at most this many weights get the spot checks (solves of a fraction of a second each).
SPOT_CHECK_MAX_N = 8
#: The spot checks' data points past d_x: m = d_x + 1 and m = d_x + 2.
SPOT_CHECK_STEPS = (1, 2)
#: A budget whose estimated time passes a week is refused unless forced: the estimate is a lower bound
#: (it is calibrated on one hidden layer, and deeper networks take longer), so such a budget is a typo
#: (max_N = 22 for 12) far more often than a plan; a run meant to be that long can be forced.
MAX_ATLAS_SECONDS = 7 * 86400.0
def m_text(values: tuple[int, ...]) -> str:
    """m values as the command line takes them: ``1..3`` for a run, else ``1,2,5``.

    >>> m_text((1, 2, 3)), m_text((1, 3))
    ('1..3', '1,3')
    """
    if len(values) > 2 and list(values) == list(range(values[0], values[-1] + 1)):
        return f"{values[0]}..{values[-1]}"
    return ",".join(map(str, values))


def budget_shapes(max_N: int, max_H: int, max_width: int) -> list[Network]:
    """Every network with 1..max_H hidden layers, widths 1..max_width and at most max_N weights, sorted
    by N, H and widths.

    >>> [n.text for n in budget_shapes(3, 2, 3)]
    ['1,1,1', '1,1,2', '2,1,1', '1,1,1,1']
    """
    found: list[tuple[int, ...]] = []

    def extend(widths: tuple[int, ...], n: int) -> None:
        last = widths[-1]
        for w in range(1, max_width + 1):
            grown = n + last * w
            if grown > max_N:
                break
            if len(widths) >= 2:           # at least one hidden layer: a network
                found.append(widths + (w,))
            if len(widths) < max_H + 1:    # room for another hidden layer after w
                extend(widths + (w,), grown)

    for dx in range(1, max_width + 1):
        if dx > max_N:
            break
        extend((dx,), 0)
    nets = [Network(w) for w in found]
    return sorted(nets, key=lambda net: (net.N, net.H, net.widths))


@dataclass(frozen=True)
class AtlasBudget:
    """Which shapes an atlas holds.

    Parameters
    ----------
    max_N : weights at most (N = Σ w_i·w_{i+1}).
    max_H : hidden layers at most (at least one).
    max_width : every width at most this (None: bounded by max_N alone, and by linnet's widest layer).
    m : the numbers of data points; a shape has those up to its d_x (m > d_x repeats m = d_x).
    spot_checks : also the rows m = d_x + 1, d_x + 2 of the smallest shapes (see the module's text).

    >>> budget = AtlasBudget(max_N=12)
    >>> len(budget.shapes()), len([r for r in budget.rows() if r.m <= r.network.dx])
    (404, 857)
    """

    max_N: int
    max_H: int = DEFAULT_MAX_H
    max_width: int | None = None
    m: tuple[int, ...] = DEFAULT_M
    spot_checks: bool = True

    def __post_init__(self) -> None:
        from ..validate import flag, instance_of, integer
        integer(self.max_N, "max_N", low=1, what="weights at most")
        integer(self.max_H, "max_H", low=1, high=MAX_HIDDEN, what="hidden layers at most")
        if self.max_width is not None:
            integer(self.max_width, "max_width", low=1, high=MAX_WIDTH, what="widths at most")
        instance_of(self.m, "m", (tuple, list), "a sequence of numbers of data points")
        if not self.m:
            raise InputError(f"{opt('m')}: give at least one number of data points")
        values = tuple(sorted({integer(v, "m", low=1, high=MAX_DATA, what="number of data points") for v in self.m}))
        object.__setattr__(self, "m", values)
        flag(self.spot_checks, "spot_checks")

    @property
    def width_limit(self) -> int:
        """The widest layer: max_width, else what max_N allows (a width w next to a layer of width 1
        makes w weights), within linnet's widest layer."""
        return min(self.max_width or self.max_N, MAX_WIDTH)

    def shapes(self) -> list[Network]:
        """The networks of the budget, sorted by N, H and widths."""
        return budget_shapes(self.max_N, self.max_H, self.width_limit)

    def rows(self) -> list[RowSpec]:
        """Every (shape, m) of the atlas, spot checks included (those with m > d_x), sorted by N, H,
        widths and m."""
        out = []
        for net in self.shapes():
            ms = [m for m in self.m if m <= net.dx]
            if self.spot_checks and net.N <= SPOT_CHECK_MAX_N and net.dx in self.m:
                ms += [net.dx + step for step in SPOT_CHECK_STEPS]
            out += [RowSpec(net, m) for m in ms]
        return out

    def covers(self, other: AtlasBudget) -> bool:
        """Every row of ``other`` is a row of this budget: an atlas of ``other`` can grow into this one."""
        mine = {r.key for r in self.rows()}
        return all(r.key in mine for r in other.rows())

    def describe(self) -> str:
        """E.g. ``max_N=12, max_H=3, m=1..3, spot checks``."""
        width = f", max_width={self.max_width}" if self.max_width is not None else ""
        spots = ", spot checks" if self.spot_checks else ""
        return f"max_N={self.max_N}, max_H={self.max_H}{width}, m={m_text(self.m)}{spots}"

    def to_dict(self) -> dict[str, Any]:
        """The budget as the dataset's sidecar records it."""
        return {"max_N": self.max_N, "max_H": self.max_H, "max_width": self.max_width, "m": list(self.m),
                "spot_checks": self.spot_checks}

    @classmethod
    def from_dict(cls, data: Any) -> AtlasBudget:
        """Inverse of :meth:`to_dict` (InputError for anything else)."""
        keys = {"max_N", "max_H", "max_width", "m", "spot_checks"}
        if not isinstance(data, dict) or set(data) != keys:
            raise InputError(f"not an atlas budget (the keys {', '.join(sorted(keys))}): {data!r:.100}")
        return cls(data["max_N"], data["max_H"], data["max_width"], tuple(data["m"]) if isinstance(data["m"], list)
                   else data["m"], data["spot_checks"])

    def estimate(self, rows: list[RowSpec], seeds: int, real_samples: int = 0, jobs: int = 1) -> Estimate:
        """The cost of solving ``rows`` (this budget's, or those still to do): memory as for a table of
        these rows (:func:`linnet_cli.cost.table_estimate`), time the monodromy estimate of every row
        (:func:`linnet_cli.cost.monodromy_seconds`) once per seed, and once more for the generic solve that
        real samples are tracked from, over ``jobs`` processes."""
        from .. import cost
        shapes = [(r.network, r.m) for r in rows]
        est = cost.table_estimate(shapes, max(1, real_samples), jobs)
        solves = seeds + (1 if real_samples else 0)
        est.seconds = solves * sum(cost.monodromy_seconds(net, m) for net, m in shapes) / max(1, min(jobs, len(rows)))
        est.what = f"atlas of {len(rows):,} row(s) × {seeds} seed(s) ({self.describe()})"
        return est

    def check(self, rows: list[RowSpec], seeds: int, real_samples: int = 0, jobs: int = 1,
              force: bool = False, cluster: bool = False) -> list[str]:
        """Refuse (InputError, with the estimate) solving ``rows`` when it cannot fit in memory or its
        estimated time passes :data:`MAX_ATLAS_SECONDS`, unless ``force``; return the warnings (a long
        run, or a forced one past a limit). On a ``cluster`` (a Dask scheduler at an address, whose
        workers come and go), memory is that of one worker and the time is no reason to refuse: it is
        given in one worker's time, which the cluster's workers share."""
        from .. import cost
        from ..export import duration_text
        if not rows:
            return []
        est = self.estimate(rows, seeds, real_samples, 1 if cluster else jobs)
        if cluster:
            seconds, est.seconds = est.seconds, 0.0      # memory only: the time is said below
            return cost.check(est, force) + [
                f"{est.what} will take at least about {duration_text(seconds)} of one worker's time: a cluster of "
                "K workers takes about 1/K of it"]
        warnings = cost.check(est, force)
        if est.seconds > MAX_ATLAS_SECONDS:
            message = (f"{est.what} will take at least about {duration_text(est.seconds)} with {jobs} job(s), "
                       f"more than the {duration_text(MAX_ATLAS_SECONDS)} an atlas run may take")
            if not force:
                raise InputError(f"{message}. Refused before starting; give {opt('force')} to run it anyway")
            warnings.append(f"{message}; running anyway (forced)")
        return warnings
