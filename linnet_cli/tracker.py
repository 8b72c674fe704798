"""A vectorized path tracker for square homotopies H(x, t) = 0, t from 0 to 1.

Every active path advances in one numpy call: RK4 predictor on dx/dt = −H_x⁻¹ H_t, Newton
corrector with a contraction test, a step size per path (grown after success, halved after
failure), Newton refinement of the endpoint and its condition number. Every path ends with a
:class:`ReturnCode`; nothing is dropped.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Protocol

import numpy as np

from .gradient import GradientSystem, Parameters

#: First step size (fraction of [0, 1]); the step adapts per path from there.
INITIAL_STEP = 0.05
#: Largest step: a straight-line parameter homotopy is smooth, but larger steps risk path jumping.
MAX_STEP = 0.2
#: Smallest step before a path is declared failed (it is approaching a singularity).
MIN_STEP = 1e-9
#: Step factors after a successful / failed predictor-corrector step.
STEP_GROW, STEP_SHRINK = 1.8, 0.5
#: Largest first Newton correction accepted, relative to 1 + ‖x‖: a larger one means the
#: predictor left the basin of the path and may converge to another path (path jumping).
MAX_CORRECTION = 1e-2
#: The second Newton correction must be this much smaller than the first (quadratic convergence region).
CONTRACTION = 0.1
#: Relative size of the last Newton correction for an accepted step during tracking.
TRACK_TOL = 1e-8
#: Endpoint refinement stops when the relative Newton correction is below this (near double precision).
REFINE_TOL = 1e-14
#: An endpoint counts as converged when its last relative Newton correction is below this
#: (three digits of slack over REFINE_TOL for badly scaled but regular solutions), or below the
#: accuracy its conditioning allows (see :data:`ATTAINABLE`).
CONVERGED_TOL = 1e-11
#: Newton in double precision can pin a regular solution down to about cond · ε relative accuracy and
#: no further; an endpoint whose corrections stall at that level (but never above TRACK_TOL) is
#: converged, e.g. the solutions of norm ~2500 with cond ~1.5e8 that near-degenerate instances of
#: d=3, d_x=3, d_y=2 have.
ATTAINABLE = np.finfo(float).eps
#: Newton iterations at most for endpoint refinement.
REFINE_ITERATIONS = 8
#: A path whose ‖x‖ exceeds this is declared diverged (a solution going to infinity).
DIVERGENCE_NORM = 1e8
#: Endpoints whose (scaled) Jacobian condition number exceeds this are declared singular: cond · ε ≈
#: 1e-4, about the least accuracy a regular double-precision solution can have. Regular solutions of
#: norm ~800 with cond ~1.2e10 occur (widths 2,3,2, m = 2: Newton returns to them quadratically), so
#: 1e10 was too low; non-isolated solutions of non-generic instances have cond ≥ 1e14, and double roots
#: fail the convergence test (Newton converges only linearly there).
SINGULAR_COND = 1e12
#: Step and correction limits are scaled by this when failed or jumped paths are retracked.
CAREFUL_FACTOR = 0.125
#: Retracks of a path that jumped (left the torus, or coincides with another path's endpoint), each
#: with CAREFUL_FACTOR-stricter settings than the last; other failed paths are retracked once. A jump
#: onto a smaller pattern's solution in row 25 was repeated at the first level and fixed at the second.
RETRACK_LEVELS = 2
#: Steps at most per path.
MAX_STEPS = 5000


#: A torus endpoint with a coordinate below this (relative to max(1, ‖w‖)) has left the torus:
#: regular torus solutions of generic instances have no coordinate anywhere near this small.
TORUS_TOL = 1e-9


def on_torus(w: np.ndarray) -> np.ndarray:
    """Mask of points (P, N) with no coordinate near zero."""
    scale = np.maximum(np.linalg.norm(w, axis=-1), 1.0)
    return np.min(np.abs(w), axis=-1) > TORUS_TOL * scale


class ReturnCode(Enum):
    """How a path ended."""

    SUCCESS = "success"
    SINGULAR = "singular"            # reached t = 1 but the endpoint's Jacobian is (numerically) singular
    DIVERGED = "diverged"            # ‖x‖ grew beyond DIVERGENCE_NORM
    STEP_TOO_SMALL = "step_too_small"
    MAX_STEPS = "max_steps"
    NOT_CONVERGED = "not_converged"  # endpoint refinement did not converge
    LEFT_TORUS = "left_torus"        # a coordinate went to zero where none may (monodromy on the torus)


class Homotopy(Protocol):
    """H(x, t) with per-path parameters; ``idx`` selects the paths of the batch."""

    def evaluate_and_jacobian(self, x: np.ndarray, t: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ...

    def dt(self, x: np.ndarray, t: np.ndarray, idx: np.ndarray) -> np.ndarray:
        ...

    def jacobian_and_dt(self, x: np.ndarray, t: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """H_x and H_t together (the predictor needs both at the same point)."""
        ...


def _take(a: np.ndarray, idx: np.ndarray, per_path_ndim: int) -> np.ndarray:
    return a[idx] if a.ndim == per_path_ndim else a


@dataclass
class ParameterHomotopy:
    """F(x; p(t)) = 0 for parameters on the straight line p(t) = (1 − t) p_start + t p_end, p = (X, Y, Λ).

    Each of X, Y (…, d, m) and Λ (…, N) may be shared by all paths or given per path (leading axis).
    """

    system: GradientSystem
    start: tuple[np.ndarray, np.ndarray, np.ndarray]
    end: tuple[np.ndarray, np.ndarray, np.ndarray]

    def _params(self, t: np.ndarray, idx: np.ndarray) -> tuple[Parameters, Parameters]:
        (X0, Y0, L0), (X1, Y1, L1) = self.start, self.end
        s = t[:, None, None]
        X0, X1, Y0, Y1 = (_take(a, idx, 3) for a in (X0, X1, Y0, Y1))
        L0, L1 = _take(L0, idx, 2), _take(L1, idx, 2)
        dX, dY = X1 - X0, Y1 - Y0
        X, Y = X0 + s * dX, Y0 + s * dY
        Xt, dXt = np.swapaxes(X, -1, -2), np.swapaxes(dX, -1, -2)
        p = Parameters(X @ Xt, Y @ Xt, L0 + t[:, None] * (L1 - L0))
        dp = Parameters(dX @ Xt + X @ dXt, dY @ Xt + Y @ dXt, L1 - L0)
        return p, dp

    def evaluate_and_jacobian(self, x: np.ndarray, t: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.system.evaluate_and_jacobian(x, self._params(t, idx)[0])

    def dt(self, x: np.ndarray, t: np.ndarray, idx: np.ndarray) -> np.ndarray:
        return self.system.parameter_derivative(x, self._params(t, idx)[1])

    def jacobian_and_dt(self, x: np.ndarray, t: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        p, dp = self._params(t, idx)
        return self.system.jacobian(x, p), self.system.parameter_derivative(x, dp)


@dataclass
class PathResult:
    """One tracked path: its endpoint, return code and quality figures."""

    solution: np.ndarray
    return_code: ReturnCode
    t: float
    steps: int
    accuracy: float
    cond: float

    @property
    def is_success(self) -> bool:
        return self.return_code == ReturnCode.SUCCESS


@dataclass
class TrackedPaths:
    """Endpoints and return codes of a batch of paths (arrays, one entry per path)."""

    x: np.ndarray
    codes: np.ndarray       # object array of ReturnCode
    t: np.ndarray
    steps: np.ndarray
    accuracy: np.ndarray    # relative size of the last Newton correction at the endpoint
    cond: np.ndarray        # scaled condition number of the Jacobian at the endpoint (see scaled_cond)

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, i: int) -> PathResult:
        return PathResult(self.x[i], self.codes[i], float(self.t[i]), int(self.steps[i]),
                          float(self.accuracy[i]), float(self.cond[i]))

    @property
    def success(self) -> np.ndarray:
        """Boolean mask of the paths that ended well."""
        return self.codes == ReturnCode.SUCCESS

    def code_counts(self) -> dict[str, int]:
        vals, counts = np.unique(np.array([c.value for c in self.codes], dtype=object), return_counts=True)
        return {str(v): int(c) for v, c in zip(vals, counts)}


def _solve(J: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Batched J⁻¹ b; rows whose J is exactly singular get NaN and ok=False."""
    try:
        return np.linalg.solve(J, b[..., None])[..., 0], np.ones(len(b), bool)
    except np.linalg.LinAlgError:
        out = np.full_like(b, np.nan)
        ok = np.zeros(len(b), bool)
        for k in range(len(b)):
            try:
                out[k] = np.linalg.solve(J[k], b[k])
                ok[k] = True
            except np.linalg.LinAlgError:
                pass
        return out, ok


def scaled_cond(J: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Condition number of J after scaling column k by max(1, |x_k|) and equilibrating the rows.

    Badly scaled but regular solutions (coordinates of size 1e-4 next to 1e2 occur for small Λ
    entries) have a huge plain condition number; this one stays moderate unless J is singular.
    """
    Js = J * np.maximum(1.0, np.abs(x))[..., None, :]
    Js = Js / np.maximum(np.linalg.norm(Js, axis=-1, keepdims=True), 1e-300)
    return np.linalg.cond(Js)


def _rel(dx: np.ndarray, x: np.ndarray) -> np.ndarray:
    return np.linalg.norm(dx, axis=-1) / (1.0 + np.linalg.norm(x, axis=-1))


class Tracker:
    """Tracks batches of paths of a homotopy from t = 0 to t = 1."""

    def __init__(self, homotopy: Homotopy, max_step: float = MAX_STEP,
                 max_correction: float = MAX_CORRECTION, torus: bool = False) -> None:
        self.homotopy = homotopy
        self.max_step = max_step
        self.max_correction = max_correction
        #: paths must stay on the torus: an endpoint with a zero coordinate has jumped onto a
        #: coordinate subspace (another zero pattern's solution) and is marked LEFT_TORUS
        self.torus = torus

    def careful(self) -> "Tracker":
        """A stricter tracker for retracking paths that failed or may have jumped."""
        return Tracker(self.homotopy, self.max_step * CAREFUL_FACTOR, self.max_correction * CAREFUL_FACTOR,
                       self.torus)

    def track(self, start: np.ndarray, retrack: bool = True) -> TrackedPaths:
        """Track every start solution (P, N) from t = 0 to t = 1; when ``retrack``, failed paths are
        retracked with :meth:`careful` settings, jumped ones up to RETRACK_LEVELS times."""
        res = self._track(start, np.arange(len(start)))
        bad = np.flatnonzero(~res.success)
        tracker = self
        for _ in range(RETRACK_LEVELS if retrack else 0):
            if not len(bad):
                break
            tracker = tracker.careful()
            tracker.retrack(res, start, bad)
            bad = bad[res.codes[bad] == ReturnCode.LEFT_TORUS]
        return res

    def retrack(self, res: TrackedPaths, start: np.ndarray, which: np.ndarray) -> None:
        """Track the paths ``which`` again from ``start`` and store the new outcomes in ``res``."""
        again = self._track(start[which], which)
        for name in ("x", "codes", "t", "steps", "accuracy", "cond"):
            getattr(res, name)[which] = getattr(again, name)

    def _velocity(self, x: np.ndarray, t: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        J, Ht = self.homotopy.jacobian_and_dt(x, t, idx)
        v, ok = _solve(J, -Ht)
        return v, ok

    def _track(self, start: np.ndarray, paths: np.ndarray) -> TrackedPaths:
        """Track start solutions (P, N); ``paths`` are their indices for the homotopy's per-path parameters."""
        P = len(start)
        x = np.array(start, dtype=complex)
        t = np.zeros(P)
        h = np.full(P, min(INITIAL_STEP, self.max_step))
        steps = np.zeros(P, dtype=np.int64)
        codes = np.full(P, None, dtype=object)
        active = np.ones(P, bool)
        while active.any():
            loc = np.flatnonzero(active)
            idx = paths[loc]
            xi, ti = x[loc], t[loc]
            hi = np.minimum(h[loc], 1.0 - ti)
            k1, ok1 = self._velocity(xi, ti, idx)
            k2, ok2 = self._velocity(xi + 0.5 * hi[:, None] * k1, ti + 0.5 * hi, idx)
            k3, ok3 = self._velocity(xi + 0.5 * hi[:, None] * k2, ti + 0.5 * hi, idx)
            t1 = np.where(hi >= 1.0 - ti, 1.0, ti + hi)
            k4, ok4 = self._velocity(xi + hi[:, None] * k3, t1, idx)
            xp = xi + (hi / 6.0)[:, None] * (k1 + 2 * k2 + 2 * k3 + k4)
            Hv, J = self.homotopy.evaluate_and_jacobian(xp, t1, idx)
            d1, okn1 = _solve(J, Hv)
            xc = xp - d1
            Hv, J = self.homotopy.evaluate_and_jacobian(xc, t1, idx)
            d2, okn2 = _solve(J, Hv)
            xc = xc - d2
            n1, n2 = _rel(d1, xp), _rel(d2, xc)
            ok = ok1 & ok2 & ok3 & ok4 & okn1 & okn2 & np.isfinite(n1) & np.isfinite(n2)
            good = ok & (n1 <= self.max_correction) & ((n2 <= CONTRACTION * n1) | (n2 <= TRACK_TOL))
            steps[loc] += 1
            acc = loc[good]
            x[acc] = xc[good]
            t[acc] = t1[good]
            h[acc] = np.minimum(hi[good] * STEP_GROW, self.max_step)
            rej = loc[~good]
            h[rej] = hi[~good] * STEP_SHRINK
            norms = np.linalg.norm(x[loc], axis=-1)
            done = t[loc] >= 1.0
            diverged = norms > DIVERGENCE_NORM
            small = h[loc] < MIN_STEP
            many = steps[loc] >= MAX_STEPS
            codes[loc[diverged]] = ReturnCode.DIVERGED
            codes[loc[~diverged & small & ~done]] = ReturnCode.STEP_TOO_SMALL
            codes[loc[~diverged & ~small & many & ~done]] = ReturnCode.MAX_STEPS
            active[loc[done | diverged | small | many]] = False
        reached = np.flatnonzero(t >= 1.0)
        accuracy = np.full(P, np.inf)
        cond = np.full(P, np.inf)
        if len(reached):
            xr, ar, cr, conv = self.refine(x[reached], np.ones(len(reached)), paths[reached])
            x[reached] = xr
            accuracy[reached] = ar
            cond[reached] = cr
            rc = np.full(len(reached), ReturnCode.SUCCESS, dtype=object)
            rc[cr > SINGULAR_COND] = ReturnCode.SINGULAR
            rc[~conv] = ReturnCode.NOT_CONVERGED
            codes[reached] = rc
        if self.torus:
            codes[(codes == ReturnCode.SUCCESS) & ~on_torus(x)] = ReturnCode.LEFT_TORUS
        return TrackedPaths(x, codes, t, steps, accuracy, cond)

    def refine(self, x: np.ndarray, t: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Newton at fixed t to full precision; returns (x, last relative correction, cond, converged)."""
        x = x.copy()
        acc = np.full(len(x), np.inf)
        for _ in range(REFINE_ITERATIONS):
            Hv, J = self.homotopy.evaluate_and_jacobian(x, t, idx)
            d, ok = _solve(J, Hv)
            d[~ok] = 0
            x -= d
            acc = np.where(ok, _rel(d, x), np.inf)
            if np.all(acc <= REFINE_TOL):
                break
        _, J = self.homotopy.evaluate_and_jacobian(x, t, idx)
        cond = scaled_cond(J, x)
        return x, acc, cond, acc <= np.clip(ATTAINABLE * cond, CONVERGED_TOL, TRACK_TOL)
