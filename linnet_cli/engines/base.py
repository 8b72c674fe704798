"""The engine interface: an engine turns instances into raw critical points (before classification)."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar
from collections.abc import Sequence

import numpy as np

from ..model.instance import Instance
from ..checks.completeness import Part, overall
from ..model.network import Network
from ..model.patterns import ZeroPattern
from ..progress import Progress



@dataclass
class PositiveDimensional:
    """A point of a positive-dimensional solution set, found as the endpoint of ``paths`` paths; the
    Jacobian's corank there bounds the set's local dimension."""

    point: np.ndarray
    paths: int
    corank: int


@dataclass
class RawSolutions:
    """Critical points of one instance as an engine found them.

    ``points`` (M, N) complex, ``pattern_of`` (M,) index into ``patterns``; ``failed`` counts the
    paths on the way to the instance that did not end in a regular solution, by return code (each can
    cost a critical point); ``singular`` holds endpoints that reached t = 1 with a singular Jacobian
    (not counted as isolated critical points). ``monodromy_failed_loops`` counts the search paths of the
    generic solve that did not close: they cost no critical point of the instance (completeness of the
    search is judged separately).
    """

    points: np.ndarray
    pattern_of: np.ndarray
    patterns: list[ZeroPattern]
    paths_tracked: int
    failed: dict[str, int] = field(default_factory=dict)
    singular: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)
    monodromy_failed_loops: int = 0
    #: the evidence for each sub-network's count (None: the engine gives none); ``exact`` when the
    #: points are found by a method that cannot miss any (a linear solve: the count is proven)
    completeness: list[Part] | None = None
    exact: bool = False
    #: special data (:mod:`linnet_cli.model.generic_locus`): what makes them special (empty for generic data);
    #: the number of paths that reach each point (its multiplicity; None: all 1); paths that went to
    #: infinity (solutions the special data lose, not failures); and the points found on
    #: positive-dimensional solution sets (also in ``singular``, never counted)
    special: list[str] = field(default_factory=list)
    multiplicity: np.ndarray | None = None
    diverged: int = 0
    positive_dimensional: list[PositiveDimensional] = field(default_factory=list)
    #: why the count may be too low although no path failed (it is then not verified)
    doubts: list[str] = field(default_factory=list)
    #: path trackings that needed extended precision, and paths the endgame settled (None: the engine
    #: does not say; :mod:`linnet_cli.homotopy.tally`)
    extended_paths: int | None = None
    endgame_paths: int | None = None


class GenericSolution(ABC):
    """Every critical point of a network at random complex data, found once by an engine: the start of
    the parameter homotopies to instances (:meth:`Engine.track_instances`) and the generic counts of a
    table row. Each engine subclasses it with what its homotopies start from."""

    #: paths the generic solve tracked
    paths_tracked: int
    #: paths of the generic solve that did not end in a regular solution, by return code
    failed: dict[str, int]

    @property
    @abstractmethod
    def n_complex(self) -> int:
        """Number of complex critical points at the generic data (N_C, the origin included)."""

    @property
    @abstractmethod
    def n_torus(self) -> int:
        """Number of those with no zero coordinate (N_C*)."""

    def parts(self) -> list[Part] | None:
        """The evidence for each sub-network's count (:mod:`linnet_cli.checks.completeness`); None when the
        engine gives none."""
        return None

    @property
    def completeness(self) -> str | None:
        """How sure the generic counts are (a :class:`~linnet_cli.checks.completeness.Status` value), None when
        the engine gives no evidence."""
        parts = self.parts()
        return None if parts is None else overall(parts, 0).overall.value

    def details(self) -> dict[str, Any]:
        """The engine's own facts beyond the common ones (JSON-ready)."""
        return {}

    def to_dict(self) -> dict[str, Any]:
        """All facts as one JSON-ready dict: the common ones, the engine's :meth:`details`, and the
        completeness when there is evidence."""
        out: dict[str, Any] = {"n_complex": self.n_complex, "n_torus": self.n_torus,
                               "paths_tracked": int(self.paths_tracked), "failed": dict(self.failed),
                               **self.details()}
        if self.completeness is not None:
            out["completeness"] = self.completeness
        return out


#: The GenericSolution subclass an engine's generic solve returns and its homotopies start from.
_Generic = TypeVar("_Generic", bound=GenericSolution)


class Engine(Protocol[_Generic]):
    """What every engine offers; see :mod:`linnet_cli.engines` for the registry. Each engine's
    homotopies start from the generic solutions of its own kind (``Engine`` alone: of any kind)."""

    name: str

    def available(self) -> tuple[bool, str]:
        """(usable, one line saying why or why not / version)."""
        ...

    def prepare(self) -> None:
        """Start, in the background, what the engine's first solve will need (such as compiled code),
        so that it overlaps what the caller does first (the bounds)."""
        ...

    def solve(self, instance: Instance, rng: np.random.Generator,
              progress: Progress | None = None) -> RawSolutions:
        """All isolated complex critical points of one instance."""
        ...

    def generic_solve(self, network: Network, m: int, rng: np.random.Generator,
                      progress: Progress | None = None) -> _Generic:
        """All critical points at random complex data, to start parameter homotopies from (the
        engine's own :class:`GenericSolution`)."""
        ...

    def track_instances(self, generic: _Generic, instances: Sequence[Instance],
                        progress: Progress | None = None) -> list[RawSolutions]:
        """Critical points of each instance, by parameter homotopy from ``generic`` (a solution this
        engine's :meth:`generic_solve` returned)."""
        ...
