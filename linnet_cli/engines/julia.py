"""The HomotopyContinuation.jl engine through juliacall (optional; never imported at module import).

juliacall's first import downloads Julia, so this module only checks, without importing it,
whether juliacall is installed; the bridge itself is not part of this release yet.
"""
from __future__ import annotations

import importlib.util
from typing import Any, Sequence

import numpy as np

from ..instance import Instance
from ..network import Network
from .base import Progress, RawSolutions

INSTALL_HINT = ("install it with `pip install 'linnet[julia]'`; the first run downloads Julia and "
                "HomotopyContinuation.jl and compiles them (expect minutes)")


class JuliaEngine:
    """Path tracking delegated to HomotopyContinuation.jl."""

    name = "julia"

    def available(self) -> tuple[bool, str]:
        if importlib.util.find_spec("juliacall") is None:
            return False, f"juliacall is not installed; {INSTALL_HINT}"
        return False, "the HomotopyContinuation.jl bridge is not implemented in this version of linnet"

    def solve(self, instance: Instance, rng: np.random.Generator,
              progress: Progress | None = None) -> RawSolutions:
        raise RuntimeError(self.available()[1])

    def generic_solve(self, network: Network, m: int, rng: np.random.Generator,
                      progress: Progress | None = None) -> Any:
        raise RuntimeError(self.available()[1])

    def track_instances(self, generic: Any, instances: Sequence[Instance],
                        progress: Progress | None = None) -> list[RawSolutions]:
        raise RuntimeError(self.available()[1])
