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


def close_pairs(points: np.ndarray, tol: float = SAME_POINT_TOL) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (a, b), a < b, of points (P, N) whose :func:`relative_distance` is at most ``tol``
    either way; points with a non-finite coordinate are close to none. Points are sorted by a projection
    on a fixed unit direction, which moves no pair further apart than its distance, and each is compared
    only with its neighbours within its own window tol · (1 + ‖p‖) on either side: O(P log P) for well
    separated solutions, where the P × P distances of a direct comparison need gigabytes for the ten
    thousand points of a large trace test (and one diverged point does not widen everyone's window)."""
    points = np.asarray(points)
    finite = np.flatnonzero(np.isfinite(points).all(axis=-1))
    P, N = len(finite), points.shape[-1]
    if P < 2:
        return np.zeros(0, int), np.zeros(0, int)
    pts = points[finite]
    v = np.random.default_rng(0).normal(size=2 * N)       # a fixed direction in R^{2N} = C^N
    v /= np.linalg.norm(v)
    projection = pts.real @ v[:N] + pts.imag @ v[N:]
    order = np.argsort(projection, kind="stable")
    s = projection[order]
    w = tol * (1.0 + np.linalg.norm(pts, axis=-1)[order])   # |Δs| ≤ ‖a − b‖ ≤ tol · (1 + ‖a‖)
    at = np.arange(P)
    ahead = np.searchsorted(s, s + w, side="right") - at - 1
    behind = at - np.searchsorted(s, s - w, side="left")
    first, second = [], []
    for reach, sign in ((ahead, 1), (behind, -1)):
        for offset in range(1, int(reach.max(initial=0)) + 1):
            k = np.flatnonzero(reach >= offset)
            first.append(order[k])
            second.append(order[k + sign * offset])
    if not first:
        return np.zeros(0, int), np.zeros(0, int)
    a, b = np.concatenate(first), np.concatenate(second)
    key = np.unique(np.minimum(a, b) * P + np.maximum(a, b))
    a, b = finite[key // P], finite[key % P]
    near = (relative_distance(points[a], points[b]) <= tol) | (relative_distance(points[b], points[a]) <= tol)
    return a[near], b[near]


def assign(known: np.ndarray, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(index of each candidate in the merged set, mask of the new candidates). The merged set is
    ``known`` followed by the new candidates in order: a candidate within the same-point tolerance of a
    known point or of an earlier new candidate takes that point's index, any other is new."""
    dim = known.shape[-1] if known.ndim == 2 else candidates.shape[-1]
    candidates = np.asarray(candidates).reshape(-1, dim)
    known = np.asarray(known).reshape(-1, dim)
    n = len(known)
    allp = np.vstack([known, candidates])
    a, b = close_pairs(allp)
    partners: dict[int, list[int]] = {}
    for i, j in zip(a.tolist(), b.tolist()):       # i < j: the candidate j may repeat i
        if j >= n and relative_distance(allp[j], allp[i]) <= SAME_POINT_TOL:
            partners.setdefault(j - n, []).append(i)
    index, new, size = np.empty(len(candidates), int), np.zeros(len(candidates), bool), n
    for k in range(len(candidates)):
        same = [i for i in partners.get(k, ()) if i < n or new[i - n]]
        if same:
            index[k] = min(same) if min(same) < n else index[min(same) - n]
        else:
            index[k], new[k], size = size, True, size + 1
    return index, new


def merge_new(known: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Candidates (canonical points) that are not in ``known`` and not repeated among themselves: each
    is kept unless it lies within the same-point tolerance of a known point or of an earlier kept one."""
    dim = known.shape[-1] if known.ndim == 2 else candidates.shape[-1]
    candidates = np.asarray(candidates).reshape(-1, dim)
    return candidates[assign(known, candidates)[1]]


def duplicates(points: np.ndarray, tol: float = SAME_POINT_TOL) -> tuple[np.ndarray, np.ndarray]:
    """(indices of points that coincide with an earlier one, indices of every point in such a cluster),
    by :func:`relative_distance`. Coinciding endpoints of distinct paths mean path jumping."""
    points = np.asarray(points)
    a, b = close_pairs(points, tol)
    ab = relative_distance(points[a], points[b]) <= tol        # b is within tol of a, relative to a
    ba = relative_distance(points[b], points[a]) <= tol
    later = np.unique(b[ab])
    cluster = np.unique(np.concatenate([a[ab], b[ba]]))
    return later, cluster
