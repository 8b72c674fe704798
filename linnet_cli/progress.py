"""How long computations report progress: callbacks the caller passes (the CLI draws a bar from them).

:class:`Progress` is the one form for work counted in steps (paths, loops, instances, rows). The mixed
volumes behind the BKK bound cannot count steps ahead: their search trees unfold as they go, so they
report the fraction of the volume done instead (:class:`FractionProgress`), and the two mixed volumes of
one BKK row say which one they are (:class:`PartProgress`).
"""
from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """(what is being done, how much of it is done, of how much; None when the total is not known)."""

    def __call__(self, description: str, completed: float, total: float | None, /) -> None: ...


class FractionProgress(Protocol):
    """The fraction of one computation done, from 0 to 1."""

    def __call__(self, fraction: float, /) -> None: ...


class PartProgress(Protocol):
    """(which part of a computation, the fraction of that part done from 0 to 1): the BKK bounds report
    ("BKK", fraction) while the mixed volume with the origin added runs, then ("BKK*", fraction)."""

    def __call__(self, part: str, fraction: float, /) -> None: ...
