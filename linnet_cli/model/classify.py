"""Classification of critical points: zero pattern, torus, real, loss and Morse index.

Engine-independent: it takes the points an engine found and the instance. The Jacobian of the
gradient system is the Hessian of the loss, so at a real point its eigenvalues give the Morse index.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from .gradient import GradientSystem, Parameters
from .instance import Instance
from .patterns import ZeroPattern

#: A point is real when max |Im w| ≤ REAL_TOL · max(1, ‖w‖): endpoints are refined to ~1e-14, while
#: non-real critical points of generic instances have imaginary parts far above 1e-8.
REAL_TOL = 1e-8
#: Hessian eigenvalues with |λ| ≤ DEGENERATE_TOL · max |λ| count as zero (degenerate critical point).
DEGENERATE_TOL = 1e-9
#: Two real local minima whose losses differ by less than this (relative) are equally global.
LOSS_TIE_TOL = 1e-9
#: Bytes of the (points, N, N) Hessian stack formed at once: classification works in chunks of
#: this size, so that millions of points (2,097,153 for widths 1^16 with H = 16) do not need
#: their N × N Hessians all at once (9 GiB there).
HESSIAN_CHUNK_BYTES = 64 * 2 ** 20


class Kind(StrEnum):
    """What a critical point is. Real points are named by their Hessian's spectrum (the Morse index);
    minima further by their loss; non-real points are only ``complex``."""

    COMPLEX = "complex"
    GLOBAL_MINIMUM = "global minimum"
    #: the lowest local minimum when the loss is not coercive (some Λ ≤ 0): not proved global
    LOCAL_MINIMUM = "local minimum"
    #: a local minimum above the global one (the loss is coercive)
    SPURIOUS_LOCAL_MINIMUM = "spurious local minimum"
    SADDLE = "saddle"
    LOCAL_MAXIMUM = "local maximum"
    #: a real point with a zero Hessian eigenvalue: its Morse index says little
    DEGENERATE = "degenerate"

    @property
    def is_minimum(self) -> bool:
        return self in (Kind.GLOBAL_MINIMUM, Kind.LOCAL_MINIMUM, Kind.SPURIOUS_LOCAL_MINIMUM)


@dataclass
class CriticalPoint:
    """One critical point with everything linnet says about it."""

    w: np.ndarray
    pattern: ZeroPattern
    is_real: bool
    loss: complex
    morse_index: int | None = None      # number of negative Hessian eigenvalues (real points)
    degenerate: bool = False
    kind: Kind = Kind.COMPLEX
    residual: float = 0.0
    #: paths of the parameter homotopy that end here (special data: > 1 at a multiple point)
    multiplicity: int = 1

    @property
    def kind_text(self) -> str:
        """The kind as reports show it (the ``kind`` of the JSON and csv output): the kind's name, with
        the Morse index for a saddle (``saddle (index 2)``)."""
        return f"{Kind.SADDLE} (index {self.morse_index})" if self.kind is Kind.SADDLE else self.kind.value

    @property
    def is_torus(self) -> bool:
        """All weights nonzero (exact: from the zero pattern)."""
        return not self.pattern.is_origin and bool(self.pattern.mask.all())


def real_mask(points: np.ndarray) -> np.ndarray:
    """Which points (M, N) are real: max |Im w| ≤ REAL_TOL · max(1, ‖w‖)."""
    scale = np.maximum(1.0, np.linalg.norm(points, axis=-1))
    return np.max(np.abs(points.imag), axis=-1, initial=0.0) <= REAL_TOL * scale


def classify(instance: Instance, points: np.ndarray, patterns: list[ZeroPattern]) -> list[CriticalPoint]:
    """Classify points (M, N) with their zero patterns (list of M) for ``instance``."""
    net = instance.network
    system = GradientSystem(net)
    params = Parameters.from_instance(instance)
    if len(points) == 0:
        return []
    scale = np.maximum(1.0, np.linalg.norm(points, axis=-1))
    is_real = real_mask(points)
    pts = np.where(is_real[:, None], points.real + 0j, points)
    N = pts.shape[-1]
    chunk = max(1, HESSIAN_CHUNK_BYTES // (16 * N * N))
    residual = np.concatenate([np.linalg.norm(system.evaluate(pts[s:s + chunk], params), axis=-1)
                               for s in range(0, len(pts), chunk)]) / scale
    loss = system.loss(pts, instance.X, instance.Y, instance.lambda_flat)
    # Hessian spectra of the real points only (the Morse index is defined there), chunk by chunk
    real = np.flatnonzero(is_real)
    morse, degenerate = np.zeros(len(pts), int), np.zeros(len(pts), bool)
    for s in range(0, len(real), chunk):
        idx = real[s:s + chunk]
        ev = np.linalg.eigvalsh(system.jacobian(pts[idx], params).real)
        tol = DEGENERATE_TOL * np.maximum(np.abs(ev).max(axis=-1), 1e-300)[:, None]
        morse[idx] = np.sum(ev < -tol, axis=-1)
        degenerate[idx] = np.any(np.abs(ev) <= tol, axis=-1)
    out = []
    for k in range(len(points)):
        cp = CriticalPoint(pts[k], patterns[k], bool(is_real[k]), complex(loss[k]), residual=float(residual[k]))
        if cp.is_real:
            cp.loss = complex(loss[k].real)
            cp.morse_index = int(morse[k])
            cp.degenerate = bool(degenerate[k])
        out.append(cp)
    _name_kinds(out, coercive=bool(np.all(instance.lambda_flat > 0)))
    return out


def _name_kinds(points: list[CriticalPoint], coercive: bool) -> None:
    """Global minimum, spurious local minimum, saddle of index k, local maximum, degenerate."""
    real = [p for p in points if p.is_real]
    minima = [p for p in real if p.morse_index == 0 and not p.degenerate]
    best = min((p.loss.real for p in minima), default=None)
    N = len(points[0].w) if points else 0
    for p in real:
        if p.degenerate:
            p.kind = Kind.DEGENERATE
        elif p.morse_index == 0:
            # with all Λ > 0 the loss is coercive, so its lowest local minimum is the global minimum
            is_best = best is not None and p.loss.real <= best + LOSS_TIE_TOL * max(1.0, abs(best))
            p.kind = Kind.GLOBAL_MINIMUM if (coercive and is_best) else (
                Kind.LOCAL_MINIMUM if not coercive else Kind.SPURIOUS_LOCAL_MINIMUM)
        elif p.morse_index == N:
            p.kind = Kind.LOCAL_MAXIMUM
        else:
            p.kind = Kind.SADDLE
