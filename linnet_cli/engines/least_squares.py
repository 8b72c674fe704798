"""Networks with no hidden layer (H = 0): regularized least squares, solved by linear algebra.

With H = 0 the network is one matrix W = W_1 (d_y × d_x) and the loss
½ ‖W X − Y‖² + ½ Σ Λ ∘ W² is quadratic: its gradient (W X − Y) Xᵀ + Λ ∘ W is linear in W.
Row r of W solves (A + diag Λ_r) w_r = b_r with A = X Xᵀ and b_r the row r of B = Y Xᵀ, so there
is exactly one critical point when every A + diag Λ_r is invertible, and it is found by d_y
linear solves — no path tracking. With Λ > 0 each A + diag Λ_r is positive definite and the point
is the global minimum (generalized ridge regression). When some A + diag Λ_r is singular, the
critical points form an affine subspace or there are none: none is isolated, and that is reported.

:class:`LeastSquares` offers the engine interface (``solve``, ``generic_solve``,
``track_instances``), so ``linnet solve`` and ``linnet table`` handle H = 0 whatever engine is
chosen.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Sequence

import numpy as np

from .base import GenericSolution, RawSolutions
from ..model.instance import Instance
from ..model.network import Network
from ..model.patterns import ZeroPattern
from ..progress import Progress

#: A row system A + diag Λ_r whose condition number exceeds this is singular: double precision then
#: leaves less than 4 correct digits (cond · ε ≈ 1e-4), the same limit the path tracker applies to
#: its endpoints.
SINGULAR_COND = 1e12


def _row_systems(A: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """The matrices A + diag Λ_r, one per row r of W: (d_y, d_x, d_x)."""
    return A[None, :, :] + lam[:, None, :] * np.eye(A.shape[0])[None]


def critical_point(instance: Instance) -> np.ndarray | None:
    """The unique critical point (N,) of an H = 0 instance (complex data allowed), or None when
    some row system is singular (critical points not isolated, or none)."""
    if instance.network.H != 0:
        raise ValueError("critical_point is for networks with no hidden layer (H = 0)")
    X, Y = np.asarray(instance.X), np.asarray(instance.Y)
    A, B = X @ X.T, Y @ X.T
    lam = np.asarray(instance.Lambda[0])
    M = _row_systems(A, lam)
    if np.any(np.linalg.cond(M) > SINGULAR_COND):
        return None
    return np.linalg.solve(M, B[..., None])[..., 0].ravel()


def raw_solutions(instance: Instance) -> RawSolutions:
    """The critical point of an H = 0 instance in the engines' raw form."""
    net = instance.network
    pattern = ZeroPattern(net, ())
    w = critical_point(instance)
    if w is None:
        return RawSolutions(np.zeros((0, net.N), complex), np.zeros(0, int), [pattern], 0,
                            notes=["A + diag(Λ_r) is singular for some row r of W: the critical points are "
                                   "not isolated (an affine subspace) or there are none; none is counted"])
    return RawSolutions(w.astype(complex)[None], np.zeros(1, int), [pattern], 0, exact=True)


@dataclass
class LeastSquaresSolution(GenericSolution):
    """The critical point of an H = 0 network at random complex data: its counts, for tables (no path
    is tracked)."""

    raw: RawSolutions
    paths_tracked: int = 0
    failed: dict[str, int] = field(default_factory=dict)

    @property
    def n_complex(self) -> int:
        return len(self.raw.points)

    @property
    def n_torus(self) -> int:
        return int(np.sum(np.all(self.raw.points != 0, axis=-1)))


class LeastSquares:
    """The engine interface for H = 0: one linear solve per instance, whatever engine was asked for."""

    name = "least-squares"

    def available(self) -> tuple[bool, str]:
        return True, f"numpy {np.__version__}"

    def prepare(self) -> None:
        """Nothing: a linear solve needs no compiled code."""

    def solve(self, instance: Instance, rng: np.random.Generator,
              progress: Progress | None = None) -> RawSolutions:
        return raw_solutions(instance)

    def generic_solve(self, network: Network, m: int, rng: np.random.Generator,
                      progress: Progress | None = None) -> LeastSquaresSolution:
        """The critical point at random complex (X, Y, Λ): the generic counts."""
        def draw(*shape: int) -> np.ndarray:
            return (rng.normal(size=shape) + 1j * rng.normal(size=shape)) / np.sqrt(2)
        inst = Instance(network, draw(network.dx, m), draw(network.dy, m), (draw(*network.shapes[0]),),
                        source="random complex")
        return LeastSquaresSolution(raw_solutions(inst))

    def track_instances(self, generic: LeastSquaresSolution, instances: Sequence[Instance],
                        progress: Progress | None = None) -> list[RawSolutions]:
        return [raw_solutions(inst) for inst in instances]
