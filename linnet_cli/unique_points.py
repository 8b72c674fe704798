"""Unique points: when two computed solutions are the same, and merging new ones into a known set.

Endpoints are refined to about 1e-14 relative accuracy, while distinct solutions of generic instances
lie far apart, so a relative distance threshold decides (HomotopyContinuation.jl's ``unique_points``
does the same with its own tolerances).
"""
from __future__ import annotations

import numpy as np

#: Two endpoints are the same solution when their relative distance is below this (endpoints are
#: refined to ~1e-14; distinct solutions of generic instances are far further apart).
SAME_POINT_TOL = 1e-7


def relative_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """‖a − b‖ / (1 + ‖a‖) over the last axis (the others broadcast): how far apart two points are,
    relative to the size of the first."""
    return np.linalg.norm(a - b, axis=-1) / (1.0 + np.linalg.norm(a, axis=-1))


def merge_new(known: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Candidates (canonical points) that are not in ``known`` and not repeated among themselves."""
    new: list[np.ndarray] = []
    pool = known
    for c in candidates:
        if len(pool) and relative_distance(c, pool).min() <= SAME_POINT_TOL:
            continue
        new.append(c)
        pool = np.vstack([pool, c[None]]) if len(pool) else c[None]
    return np.array(new).reshape(-1, known.shape[-1] if known.ndim == 2 else candidates.shape[-1])


def duplicates(points: np.ndarray, tol: float = SAME_POINT_TOL) -> tuple[np.ndarray, np.ndarray]:
    """(indices of points that coincide with an earlier one, indices of every point in such a cluster),
    by :func:`relative_distance`. Coinciding endpoints of distinct paths mean path jumping."""
    points = np.asarray(points)
    if len(points) < 2:
        return np.zeros(0, int), np.zeros(0, int)
    close = relative_distance(points[:, None, :], points[None, :, :]) <= tol
    np.fill_diagonal(close, False)
    later = np.triu(close, 1).any(axis=0)          # j coincides with some i < j
    return np.flatnonzero(later), np.flatnonzero(close.any(axis=1))
