"""The engine interface: an engine turns instances into raw critical points (before classification)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Protocol, Sequence

import numpy as np

from ..instance import Instance
from ..completeness import Part
from ..network import Network
from ..patterns import ZeroPattern

#: Progress callback: (description, completed, total or None).
Progress = Callable[[str, float, float | None], None]


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


class Engine(Protocol):
    """What every engine offers; see :mod:`linnet_cli.engines` for the registry."""

    name: str

    def available(self) -> tuple[bool, str]:
        """(usable, one line saying why or why not / version)."""
        ...

    def solve(self, instance: Instance, rng: np.random.Generator,
              progress: Progress | None = None) -> RawSolutions:
        """All isolated complex critical points of one instance."""
        ...

    def generic_solve(self, network: Network, m: int, rng: np.random.Generator,
                      progress: Progress | None = None) -> Any:
        """All critical points at random complex data, to start parameter homotopies from. The
        returned object is the engine's own; its ``facts()`` give n_complex, n_torus, paths_tracked
        and failed (by return code)."""
        ...

    def track_instances(self, generic: Any, instances: Sequence[Instance],
                        progress: Progress | None = None) -> list[RawSolutions]:
        """Critical points of each instance, by parameter homotopy from ``generic``."""
        ...

    def mixed_volume(self, supports: Sequence[np.ndarray]) -> int:
        """Mixed volume of n supports in Z^n ((T_k, n) integer exponent vectors): no support gives
        1, a support with a single point gives 0."""
        ...
