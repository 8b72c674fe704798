"""What the endpoints of a coefficient-parameter homotopy say about the target system.

Every isolated solution of F(x; p_1) = 0 is the endpoint of as many paths from the generic solutions
as its multiplicity (Morgan–Sommese, coefficient-parameter continuation). So the finite endpoints are
grouped into points (:func:`group_endpoints`): a point reached by one path with a regular Jacobian is a
simple isolated solution; a point with a singular Jacobian is either an isolated solution whose
multiplicity is the number of paths that reach it, or a point of a positive-dimensional solution set,
which :func:`on_positive_dimensional_set` tells apart by a local dimension test. Points of
positive-dimensional sets are reported as such and never counted as critical points.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..model.gradient import GradientSystem, Parameters
from .tracker import TrackerOptions, scaled_cond
from .unique_points import SAME_POINT_TOL, close_pairs

#: A coordinate of an endpoint is zero when it is at most this, relative to max(1, ‖x‖). Regular
#: endpoints are refined to ~1e-14 and Cauchy-endgame endpoints agree to ~1e-9 (EndgameOptions.tol),
#: while nonzero coordinates of the solutions met here are far above 1e-7.
ZERO_TOL = 1e-7
#: A coordinate below ZERO_TOL is zero when setting it to zero leaves the relative residual at most
#: this (rounding of a refined regular point is ~1e-15), or within 10× the point's own residual.
SNAP_RESIDUAL = 1e-12
#: Newton iterations at most when a regular endpoint is refined in the whole network's variables.
REFINE_ITERATIONS = 4
#: The local dimension test steps this far (relative to max(1, ‖x‖)) along the Jacobian's kernel. A
#: point of a curve lies O(step²) off the line; an isolated root of F of order k leaves a residual of
#: about step^k there (1e-4 for a double root), far above DIMENSION_RESIDUAL.
DIMENSION_STEP = 1e-2
#: Gauss–Newton iterations at most for the local dimension test.
DIMENSION_ITERATIONS = 30
#: The test's Gauss–Newton must end with a relative residual at most this to have found a solution
#: near the step (a point of a curve converges quadratically to ~1e-15).
DIMENSION_RESIDUAL = 1e-11
#: Singular values below this fraction of the largest span the Jacobian's numerical kernel.
KERNEL_TOL = 1e-8


@dataclass
class EndpointGroup:
    """One point of the target system and the paths that end there."""

    point: np.ndarray
    paths: np.ndarray          # indices of the paths
    regular: bool              # the Jacobian is regular there
    positive_dimensional: bool = False
    #: the Jacobian's numerical corank there: a bound on the local dimension of the solution set
    corank: int = 0

    @property
    def multiplicity(self) -> int:
        return len(self.paths)


def refine(system: GradientSystem, params: Parameters, x: np.ndarray) -> np.ndarray:
    """Newton's method on F(x; p) = 0 from each point (P, N); a step is kept only while it lowers the
    residual (singular points, where Newton crawls, are left where the endgame put them)."""
    x = np.array(x, complex)
    res = np.linalg.norm(system.evaluate(x, params), axis=1)
    for _ in range(REFINE_ITERATIONS):
        F, J = system.evaluate_and_jacobian(x, params)
        try:
            dx = np.linalg.solve(J, F[..., None])[..., 0]
        except np.linalg.LinAlgError:
            break
        y = x - dx
        new = np.linalg.norm(system.evaluate(y, params), axis=1)
        better = np.isfinite(new) & (new < res)
        x[better], res[better] = y[better], new[better]
        if not better.any():
            break
    return x


def snap_zeros(system: GradientSystem, params: Parameters, x: np.ndarray) -> np.ndarray:
    """The points (P, N) with their zero coordinates set to exact zeros: those below ZERO_TOL (relative)
    whose zeroing leaves the residual at the level of rounding (SNAP_RESIDUAL) or of the point's own
    residual. A tiny coordinate that is not zero (data within 1e-10 of special make critical points
    with coordinates of that size) raises the residual of a regular point far above rounding when
    zeroed, and is kept."""
    x = np.array(x, complex)
    scale = np.maximum(1.0, np.linalg.norm(x, axis=-1))

    def residual(y: np.ndarray, s: np.ndarray) -> np.ndarray:
        return np.linalg.norm(system.evaluate(y, params), axis=-1) / s

    allowed = np.maximum(SNAP_RESIDUAL, 10 * residual(x, scale))
    small = np.abs(x) <= ZERO_TOL * scale[:, None]
    snapped = np.where(small, 0, x)
    ok = residual(snapped, scale) <= allowed
    x[ok] = snapped[ok]
    for k in np.flatnonzero(~ok):          # one coordinate at a time, against the point's own scale
        for i in np.flatnonzero(small[k]):
            y = x[k:k + 1].copy()
            y[0, i] = 0
            if residual(y, scale[k:k + 1])[0] <= allowed[k]:
                x[k] = y[0]
    return x


def group_endpoints(system: GradientSystem, params: Parameters, x: np.ndarray,
                    rng: np.random.Generator, tracker: TrackerOptions | None = None) -> list[EndpointGroup]:
    """The points that the finite endpoints ``x`` (P, N) reach, each with its paths, regularity and,
    where the Jacobian is singular, the local dimension test's verdict."""
    singular_cond = (tracker or TrackerOptions()).singular_cond
    if not len(x):
        return []
    first, second = close_pairs(x, SAME_POINT_TOL)
    parent = np.arange(len(x))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in zip(first.tolist(), second.tolist()):
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    roots = np.array([root(i) for i in range(len(x))])
    groups = []
    for r in np.unique(roots):
        members = np.flatnonzero(roots == r)
        groups.append((members, x[members].mean(axis=0)))
    centres = snap_zeros(system, params, refine(system, params, np.array([c for _, c in groups])))
    cond = scaled_cond(system.jacobian(centres, params), centres)
    out = []
    for (members, _), c, k in zip(groups, centres, cond):
        g = EndpointGroup(c, members, bool(k <= singular_cond))
        if not g.regular:
            g.positive_dimensional, g.corank = on_positive_dimensional_set(system, params, c, rng)
        out.append(g)
    return out


def on_positive_dimensional_set(system: GradientSystem, params: Parameters, x: np.ndarray,
                                rng: np.random.Generator) -> tuple[bool, int]:
    """(whether the singular solution x lies on a positive-dimensional solution set, the Jacobian's
    numerical corank at x).

    The local dimension test: step from x by DIMENSION_STEP along a random kernel direction v of the
    Jacobian, and solve F = 0 together with one random hyperplane through the new point y by
    Gauss–Newton. Near a point of a solution set of dimension ≥ 1 the hyperplane meets the set close
    to y, and Gauss–Newton converges there to rounding; near an isolated (multiple) solution the two
    cannot both hold near y, and the residual stays near step^k."""
    J = system.jacobian(x[None], params)[0]
    scale = max(1.0, float(np.linalg.norm(x)))
    _, s, vh = np.linalg.svd(J * np.maximum(1.0, np.abs(x))[None, :])
    kernel = vh[s <= KERNEL_TOL * max(s[0], 1e-300)].conj()
    corank = len(kernel)
    if not corank:
        kernel = vh[-1:].conj()
    coef = rng.normal(size=len(kernel)) + 1j * rng.normal(size=len(kernel))
    v = (coef @ kernel) * np.maximum(1.0, np.abs(x))
    v /= np.linalg.norm(v)
    y = x + DIMENSION_STEP * scale * v
    a = rng.normal(size=len(x)) + 1j * rng.normal(size=len(x))
    a /= np.linalg.norm(a)
    z = y.copy()
    for _ in range(DIMENSION_ITERATIONS):
        F, Jz = system.evaluate_and_jacobian(z[None], params)
        G = np.concatenate([F[0], [a @ (z - y)]])
        step = np.linalg.lstsq(np.vstack([Jz[0], a[None]]), -G, rcond=None)[0]
        z = z + step
        if np.linalg.norm(step) <= 1e-14 * scale:
            break
    residual = np.linalg.norm(system.evaluate(z[None], params)[0]) / scale
    moved = np.linalg.norm(z - x) >= 0.5 * DIMENSION_STEP * scale
    return bool(residual <= DIMENSION_RESIDUAL and abs(a @ (z - y)) <= DIMENSION_RESIDUAL * scale and moved), corank
