"""What the paths of one solve needed beyond tracking in double precision: extended precision, the endgame.

A solve tracks paths in many places (monodromy loops, the trace test's pencils, the homotopy to the
instance, retracks, detours, endgames), each with its own tracker. Rather than thread a counter through
all of them, a solve opens a :func:`tally` and every tracker adds to the one open in its thread
(:func:`count`); outside a tally nothing is counted. Threads of a Dask worker each have their own
(a :class:`contextvars.ContextVar`), so solves that run side by side do not mix their counts.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

__all__ = ["PathTally", "tally", "count"]


@dataclass
class PathTally:
    """Counts of one solve: path trackings that switched to double-double residuals (a path tracked
    again counts again), and paths whose end the Cauchy endgame settled (a regular, singular or
    diverging end, instead of a failure)."""

    extended: int = 0
    endgame: int = 0


_current: ContextVar[PathTally | None] = ContextVar("linnet_path_tally", default=None)


@contextmanager
def tally() -> Iterator[PathTally]:
    """Count what the paths tracked inside the ``with`` block needed (nested tallies each count their own)."""
    mine = PathTally()
    token = _current.set(mine)
    try:
        yield mine
    finally:
        _current.reset(token)


def count(extended: int = 0, endgame: int = 0) -> None:
    """Add to the tally open in this thread, if any."""
    now = _current.get()
    if now is not None:
        now.extended += int(extended)
        now.endgame += int(endgame)
