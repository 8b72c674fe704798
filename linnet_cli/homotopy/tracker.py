"""A compiled path tracker for the parameter homotopies F(W; p(t)) = 0, t from 0 to 1.
(One concept over 600 lines: the predictor, corrector, step control and endpoint judgement share the
tracker's state and options, as HomotopyContinuation.jl's tracker does.)

Each path runs to its end inside a numba-compiled loop over paths that releases the GIL; chunks of
paths run on a thread per core (:func:`run_paths`), so every core is used and no path waits for
another. (numba's ``prange`` would do the same, but its parallel pipeline made the once-per-machine
compilation about 1.5× longer — 22 s against 15 s of CPU measured — and its OpenMP layer is not
fork-safe for ``linnet table --jobs`` workers.) The algorithm is the one of HomotopyContinuation.jl's tracker
(Timme, "Mixed precision path tracking for polynomial homotopy continuation", Adv. Comput. Math. 2021), in
double precision with double-double residuals where a path needs them:

* **Predictor**: the Taylor coefficients x_1, x_2, x_3 of the path at the current point, each from one
  solve with the Jacobian's LU (power-series arithmetic in :mod:`linnet_cli.homotopy.evaluator`), combined into a
  Padé approximant of order (2,1). Its poles give a trust region τ: steps stay well inside it.
* **Corrector**: Newton with a contraction test (each correction at most ``a`` times the last), which
  also estimates ω, the Lipschitz constant of the Jacobian's inverse along the path.
* **Step size**: from ω, the predictor's observed local error (order 4) and τ, so that the corrector
  converges from the prediction; a rejected step shrinks by the observed contraction.
* **Norm**: a weighted max-norm, each coordinate relative to its own size, so that solutions of norm
  10³ (they occur for m ≥ 2) are tracked in relative terms and do not force tiny steps.
* **Endpoint**: Newton refinement to full precision; then (in numpy, for all endpoints at once) a scaled
  condition number decides regular or singular.
* **Extended precision**: a path that stops at the accuracy limit (ω·μ too large: near a pole or a
  branch point the residual's rounding noise stops Newton) or whose endpoint double precision cannot
  pin down is tracked again by the kernel's second compilation, which switches to residuals in
  double-double (:func:`linnet_cli.homotopy.double_double.homotopy_residual`) once ω·μ nears the limit
  and refines the endpoint with them (HC.jl's ``extended_precision``). The Jacobian, its LU and the
  steps stay in double. Paths that do not need it run at double speed, and the double-double code is
  compiled on a path's first need only (the double compilation prunes it: ``ext`` is None there).

Every path ends with a :class:`~linnet_cli.homotopy.return_code.ReturnCode`; paths at the limit of double
precision are tracked again with extended precision, other failed paths with :meth:`Tracker.careful`
settings, paths that jumped (left the torus) up to RETRACK_LEVELS times; nothing is dropped. Each path's
result says whether it used extended precision, and a solve counts them (:mod:`linnet_cli.homotopy.tally`).
"""
from __future__ import annotations

import atexit
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields, replace
from collections.abc import Callable

import numpy as np
from .jit import cold_cache, njit, numba

from . import double_double as dd
from . import evaluator as ev
from .lu import apply_correction, lu_factor, lu_solve
from ..model.gradient import GradientSystem, Parameters
from ..model.network import Network
from .return_code import ReturnCode
from .tally import count


@dataclass(frozen=True)
class TrackerOptions:
    """Settings of the path tracker: HomotopyContinuation.jl's defaults where it has them, except the
    step-size factors beta_omega = 1.0 and beta_tau = 0.75 (HC.jl: 3 and 0.4), set apart on purpose (see
    their fields)."""

    #: Newton must contract by at least this factor per iteration (HC.jl's ``a``).
    a: float = 0.125
    #: Step from ω and the local error is divided by this (HC.jl's β_ω_p; larger is more careful). HC.jl
    #: uses 3 by default and 2 in its fast setting; 1 halves the steps per path on Table 3.1's shapes with
    #: the same counts, and jumped paths are caught anyway (duplicate endpoints, left torus) and retracked.
    beta_omega: float = 1.0
    #: Step at most this fraction of the predictor's trust region (HC.jl's β_τ: 0.4 default, 0.75 fast).
    beta_tau: float = 0.75
    #: The fraction of the trust region used for the last step before t = 1.
    strict_beta_tau: float = 0.4
    #: Largest step in t.
    max_step: float = 1.0
    #: Smallest step before a path is declared failed: it is passing (too) close to a singularity.
    min_step: float = 1e-12
    #: Steps (accepted and rejected) at most per path.
    max_steps: int = 5000
    #: A path whose largest coordinate exceeds this has diverged (a solution going to infinity).
    divergence_norm: float = 1e8
    #: Endpoint refinement stops when the relative Newton correction is below this (near double precision).
    refine_tol: float = 1e-14
    #: Newton iterations at most for endpoint refinement.
    refine_iterations: int = 8
    #: During tracking the corrector stops once its next correction would be below this (weighted,
    #: relative): intermediate points need no more, and the endpoint is refined to refine_tol anyway.
    corrector_tol: float = 1e-10
    #: An endpoint counts as converged when its last relative Newton correction is below this (three digits
    #: of slack over refine_tol for badly scaled but regular solutions), or below the accuracy its
    #: conditioning allows: Newton in double precision pins a regular solution down to about cond · ε
    #: and no further (solutions of norm ~2500 with cond ~1.5e8 occur for d=3, d_x=3, d_y=2), but never
    #: looser than track_tol.
    converged_tol: float = 1e-11
    track_tol: float = 1e-8
    #: Endpoints whose scaled condition number exceeds this are singular: cond · ε ≈ 1e-4, about the
    #: least accuracy a regular double-precision solution can have. Regular solutions of norm ~800 with
    #: cond ~1.2e10 occur (widths 2,3,2, m = 2: Newton returns to them quadratically); non-isolated
    #: solutions of non-generic instances have cond ≥ 1e14, and double roots fail the convergence test.
    singular_cond: float = 1e12

    def __post_init__(self) -> None:
        """Refuse (InputError) a setting the tracker cannot work with, saying why; counts must be integers
        and every other setting a finite real number (never a bool or a string)."""
        from ..errors import InputError
        from ..validate import integer, real
        owner = "tracker option"
        for f in fields(self):
            value = getattr(self, f.name)
            value = (integer(value, f.name, low=1, owner=owner) if f.name in ("max_steps", "refine_iterations")
                     else real(value, f.name, owner))
            object.__setattr__(self, f.name, value)

        def refuse(name: str, must: str, why: str) -> None:
            raise InputError(f"{owner} {name} must be {must}, got {getattr(self, name)!r}: {why}")
        if not 0 < self.a < 1:
            refuse("a", "between 0 and 1 (exclusive)", "Newton must contract by this factor per iteration "
                   "(0 accepts no step, 1 or more accepts steps that do not converge)")
        if not self.beta_omega > 0:
            refuse("beta_omega", "positive", "the step from ω and the local error is divided by it")
        for name in ("beta_tau", "strict_beta_tau"):
            if not 0 < getattr(self, name) <= 1:
                refuse(name, "in (0, 1]", "a step is this fraction of the predictor's trust region")
        if not 0 < self.max_step <= 1:
            refuse("max_step", "in (0, 1]", "a step in t, which runs from 0 to 1")
        # the retracks of failed paths cap their steps further (careful(), RETRACK_LEVELS times)
        smallest_cap = min(self.max_step, 0.5) * CAREFUL_FACTOR ** RETRACK_LEVELS
        if not 0 < self.min_step < smallest_cap:
            refuse("min_step", f"positive and smaller than {smallest_cap:g}",
                   f"paths fail below it, and the retracks' steps are at most min(max_step, 0.5) · "
                   f"{CAREFUL_FACTOR ** RETRACK_LEVELS:g} (max_step = {self.max_step:g})")
        if not self.divergence_norm > 1:
            refuse("divergence_norm", "greater than 1", "a path whose largest coordinate exceeds it has diverged")
        for name in ("refine_tol", "corrector_tol", "converged_tol", "track_tol"):
            if not 0 < getattr(self, name) < 1:
                refuse(name, "in (0, 1)", "a relative accuracy")
        if not self.refine_tol <= self.converged_tol <= self.track_tol:
            refuse("converged_tol", f"between refine_tol ({self.refine_tol:g}) and track_tol ({self.track_tol:g})",
                   "an endpoint converges when its last correction is below converged_tol, or below what its "
                   "conditioning allows but never looser than track_tol; refinement aims at refine_tol")
        if not self.singular_cond > 1:
            refuse("singular_cond", "greater than 1", "a condition number (at least 1 for every point)")

    def careful(self) -> TrackerOptions:
        """Stricter settings for retracking failed or jumped paths: a smaller share of the trust
        region, a larger safety factor on the step from ω, and a cap on the step."""
        return replace(self, beta_tau=self.beta_tau * CAREFUL_FACTOR,
                       strict_beta_tau=self.strict_beta_tau * CAREFUL_FACTOR,
                       beta_omega=self.beta_omega / CAREFUL_FACTOR ** 0.5,
                       max_step=min(self.max_step, 0.5) * CAREFUL_FACTOR, max_steps=2 * self.max_steps)

    def as_array(self) -> np.ndarray:
        """The kernel's form: the fields in order (see the _O_ slot constants)."""
        return np.array([float(getattr(self, f.name)) for f in fields(self)], np.float64)


#: Step limits of each retrack level are this much stricter than the level before.
CAREFUL_FACTOR = 0.25
#: Retracks of a path that jumped (left the torus, or coincides with another path's endpoint), each
#: with stricter settings than the last; other failed paths are retracked once. A jump onto a smaller
#: pattern's solution in row 25 was repeated at the first level and fixed at the second.
RETRACK_LEVELS = 2
#: Codes of paths that met the limit of double precision, tracked again with extended precision: the
#: corrector could not pin the path down (ω·μ too large), or Newton could not refine the endpoint to
#: the accuracy its conditioning allows.
PRECISION_CODES = (ReturnCode.ACCURACY_LIMIT, ReturnCode.NOT_CONVERGED)
#: A torus endpoint with a coordinate below this (relative to max(1, ‖w‖)) has left the torus:
#: regular torus solutions of generic instances have no coordinate anywhere near this small.
TORUS_TOL = 1e-9
#: Weighted norm (HC.jl's WeightedNorm): coordinate weights are |x_i|, but at least SCALE_MIN times the
#: largest coordinate and at least SCALE_ABS_MIN, so that tiny coordinates do not dominate.
SCALE_MIN, SCALE_ABS_MIN = 1e-4, 1e-6
#: Newton iterations at most in the corrector.
CORRECTOR_ITERATIONS = 11
#: A path tracked with extended precision available switches to double-double residuals once
#: ω·μ > a^EXTENDED_SWITCH · h(a), two powers of a below the accuracy limit a³ · h(a) at which a path in
#: double stops (HC.jl's thresholds: a⁵ to switch, a^(2^k − 1), k = 2 Newton iterations, to stop).
EXTENDED_SWITCH = 5

# kernel option slots (the order of TrackerOptions' fields)
(_O_A, _O_BETA_OMEGA, _O_BETA_TAU, _O_STRICT_BETA_TAU, _O_MAX_STEP, _O_MIN_STEP, _O_MAX_STEPS, _O_DIVERGENCE,
 _O_REFINE_TOL, _O_REFINE_ITERS, _O_CORRECTOR_TOL) = range(11)


#: The kernel's integer codes, in order.
CODES = (ReturnCode.SUCCESS, ReturnCode.SINGULAR, ReturnCode.DIVERGED, ReturnCode.STEP_TOO_SMALL, ReturnCode.MAX_STEPS,
         ReturnCode.NOT_CONVERGED, ReturnCode.LEFT_TORUS, ReturnCode.ACCURACY_LIMIT)
(_SUCCESS, _SINGULAR, _DIVERGED, _STEP_TOO_SMALL, _MAX_STEPS, _NOT_CONVERGED, _LEFT_TORUS,
 _ACCURACY_LIMIT) = range(len(CODES))
_NEWT_CONVERGED, _NEWT_TERMINATED, _NEWT_MAX_ITERS, _NEWT_SINGULAR = range(4)
_EPS = float(np.finfo(float).eps)


# --- linear algebra -------------------------------------------------------------------------------

@njit(cache=True, error_model="numpy")
def _wnorm(v, w, n):
    """max_i |v_i| / w_i (NaN when v has one)."""
    m = 0.0
    for i in range(n):
        a = abs(v[i]) / w[i]
        if a != a:
            return np.nan
        if a > m:
            m = a
    return m


@njit(cache=True, error_model="numpy")
def _max_abs(x, n):
    m = 0.0
    for i in range(n):
        a = abs(x[i])
        if a > m or a != a:
            m = a
    return m


@njit(cache=True, error_model="numpy")
def _weights(x, w, n, keep):
    """Weights of the weighted norm at x, averaged with the old ones by the fraction ``keep``."""
    nx = _max_abs(x, n)
    for i in range(n):
        wi = (1.0 - keep) * abs(x[i]) + keep * w[i]
        if wi < SCALE_MIN * nx:
            wi = SCALE_MIN * nx
        if np.isfinite(wi):
            w[i] = max(wi, SCALE_ABS_MIN)


@njit(cache=True, error_model="numpy")
def _h(a):
    return 2 * a * (np.sqrt(4 * a * a + 1) - 2 * a)


@njit(cache=True, error_model="numpy")
def _nanmin(a, b):
    if a != a:
        return b
    if b != b:
        return a
    return min(a, b)


# --- corrector and predictor ----------------------------------------------------------------------

@njit(cache=True, error_model="numpy", inline="always")
def _fj(ws, hom, x, t, F, J):
    """H and its Jacobian at (x (1, n), t) into F (n,) and J (n, n)."""
    ev.series(ws, hom, x, np.int64(0), t, F, J, np.int64(1))


@njit(cache=True, error_model="numpy", inline="always")
def _f(ws, hom, x, t, F, J):
    """H at (x (1, n), t) into F (n,); J is left alone."""
    ev.series(ws, hom, x, np.int64(0), t, F, J, np.int64(0))


@njit(cache=True, error_model="numpy")
def _extended(ext, use, hom, x, t, r):
    """With extended precision in use (``ext`` a workspace of
    :func:`linnet_cli.homotopy.double_double.homotopy_workspace`), replace the double residual r at
    (x (1, n), t) by the double-double one. ``ext`` is None in the tracker's double-only compilation:
    numba then prunes this branch, and the double-double code is compiled only when a path first needs it."""
    if ext is not None:
        if use:
            dd.homotopy_residual(ext, hom, x[0], t, r)


@njit(cache=True, error_model="numpy", inline="always")
def _newton_step(ws, hom, x, t, r, J, piv, d, ext, use):
    """One Newton step at t from x (1, n) in place, with the Jacobian at x and the residual in
    double-double when ``use`` (see :func:`_extended`); returns the relative correction
    ‖d‖₂ / (1 + ‖x‖₂), inf when the Jacobian is singular."""
    n = x.shape[1]
    _fj(ws, hom, x, t, r, J)
    _extended(ext, use, hom, x, t, r)
    if not lu_factor(J, piv, n):
        return np.inf
    lu_solve(J, piv, r, d, n)
    return apply_correction(x[0], d, n)


@njit(cache=True, error_model="numpy", inline="always")
def _newton(ws, hom, xhat, t, w, omega, mu, first, a, tol, xbar, r, J, piv, d, ext, use):
    """Newton's method from the prediction ``xhat`` at t (HC.jl's ``newton!``); residuals in
    double-double when ``use`` (see :func:`_extended`).

    Returns (code, accuracy μ, iterations, ω, θ); on convergence ``xbar`` is the new point and J holds
    the LU of the Jacobian at the last-but-one iterate (what the predictor uses)."""
    n = xhat.shape[1]
    h_a = _h(a)
    for q in range(n):
        xbar[0, q] = xhat[0, q]
    a_bar = a
    norm_prev = np.nan
    theta = np.nan
    norm0 = np.nan
    for i in range(CORRECTOR_ITERATIONS):
        _fj(ws, hom, xbar, t, r, J)
        _extended(ext, use, hom, xbar, t, r)
        if not lu_factor(J, piv, n):
            return _NEWT_SINGULAR, np.inf, i + 1, omega, theta
        lu_solve(J, piv, r, d, n)
        nd = _wnorm(d, w, n)
        if nd != nd:
            return _NEWT_SINGULAR, np.inf, i + 1, omega, theta
        for q in range(n):
            xbar[0, q] -= d[q]
        if i == 0:
            norm0 = nd
        if i == 1:
            omega = 2 * nd / norm_prev ** 2
        if i >= 1:
            theta = nd / norm_prev
        if (i >= 1 and theta > a_bar) or (i == 0 and not first and 0.125 * norm0 * omega > h_a):
            return _NEWT_TERMINATED, nd, i + 1, omega, theta
        if omega * nd * nd < 2 * max(mu, tol) * np.sqrt(1 - 2 * h_a):
            # converged: one more (simplified) Newton step with the same LU, which the predictor
            # then uses too (HC.jl forms the Jacobian once more here; the point moved by ~nd only)
            _f(ws, hom, xbar, t, r, J)
            _extended(ext, use, hom, xbar, t, r)
            lu_solve(J, piv, r, d, n)
            n1 = _wnorm(d, w, n)
            if n1 != n1:
                return _NEWT_SINGULAR, np.inf, i + 2, omega, theta
            for q in range(n):
                xbar[0, q] -= d[q]
            if n1 > np.sqrt(nd):
                return _NEWT_TERMINATED, n1, i + 2, omega, n1 / nd
            mu = n1
            if i == 0:
                om = 2 * nd / (n1 * n1)
                omega = om if om < omega else 0.25 * omega
            return _NEWT_CONVERGED, mu, i + 2, omega, theta
        norm_prev = nd
        if i >= 1:
            a_bar *= a_bar
    return _NEWT_MAX_ITERS, mu, CORRECTOR_ITERATIONS, omega, theta


@njit(cache=True, error_model="numpy", inline="always")
def _update_predictor(ws, hom, t, J, piv, tx, u, w, n):
    """Taylor coefficients tx[1..3] of the path at (tx[0], t), using the LU in J; returns the trust
    region τ of the Padé approximant (distance to its nearest pole)."""
    for k in range(1, ev.MAX_ORDER + 1):
        ev.series(ws, hom, tx, np.int64(k), t, u, J, np.int64(0))
        lu_solve(J, piv, u, tx[k], n)
        for q in range(n):
            tx[k, q] = -tx[k, q]
    tau = np.inf
    for i in range(n):
        c1, c2, c3 = abs(tx[1, i]), abs(tx[2, i]), abs(tx[3, i])
        lam = max(1e-6, c1)
        c1 /= lam
        c2 /= lam * lam
        c3 /= lam * lam * lam
        tol = 1e-14 * max(c1, c2, c3)
        if not ((c1 <= tol and c2 <= tol and c3 <= tol) or c2 <= tol):
            ti = (c2 / c3) / lam
            if ti < tau:
                tau = ti
    if not np.isfinite(tau):
        tau = _wnorm(tx[2], w, n) / _wnorm(tx[3], w, n)
    if not np.isfinite(tau):
        tau = _wnorm(tx[0], w, n) / max(_wnorm(tx[1], w, n), _wnorm(tx[2], w, n), _wnorm(tx[3], w, n))
    if tau != tau:              # 0/0: the path does not move (e.g. the origin, a solution for every t)
        tau = np.inf
    return tau


@njit(cache=True, error_model="numpy", inline="always")
def _predict(tx, tau, dt, xhat, n):
    """Padé (2,1) prediction x(t + dt), coordinate by coordinate; plain Taylor where x_2 or x_3 vanish."""
    l2 = tau * tau
    l3 = l2 * tau
    for i in range(n):
        x, x1, x2, x3 = tx[0, i], tx[1, i], tx[2, i], tx[3, i]
        c, c1, c2, c3 = abs(x), abs(x1), abs(x2), abs(x3)
        tt = 1e-12 * np.sqrt(c * c + (c1 * tau) ** 2 + (c2 * l2) ** 2 + (c3 * l3) ** 2)
        if not np.isfinite(tau) or c3 * l3 <= tt or c2 * l2 <= tt:
            xhat[0, i] = x + dt * (x1 + dt * x2)
        else:
            xhat[0, i] = x + dt * (x1 + dt * x2 / (1 - dt * x3 / x2))


# --- one path -------------------------------------------------------------------------------------

@njit(cache=True, error_model="numpy", inline="always")
def _track_path(x0, hom, opts, out, ext):
    """Track one path from (x0, t = 0) to t = 1 into ``out``; returns (code, t, steps, accuracy, used),
    ``used`` true when the path needed extended precision.

    With ``ext`` (a :func:`linnet_cli.homotopy.double_double.homotopy_workspace`) the path switches to
    double-double residuals once ω·μ nears the accuracy limit (HC.jl's rule, see
    :data:`EXTENDED_SWITCH`) and its endpoint is refined with them when double precision cannot pin it
    down; with ``ext`` None the path is tracked in double only and stops at the accuracy limit.
    A path that reaches t = 1 comes back as SUCCESS with the relative size of its last Newton
    correction; the caller judges the endpoint's conditioning (:func:`judge_endpoints`)."""
    widths = hom[0]
    n = len(x0)
    a = opts[_O_A]
    p = 4.0                      # order of the predictor's local error
    h_a = _h(a)
    ws = ev.workspace(widths, np.int64(ev.MAX_ORDER))
    J = np.empty((n, n), np.complex128)
    piv = np.empty(n, np.int64)
    r = np.empty(n, np.complex128)
    d = np.empty(n, np.complex128)
    x = np.empty((1, n), np.complex128)
    xhat = np.empty((1, n), np.complex128)
    xbar = np.empty((1, n), np.complex128)
    tx = np.zeros((ev.MAX_ORDER + 1, n), np.complex128)
    u = np.empty(n, np.complex128)
    w = np.ones(n)
    for q in range(n):
        x[0, q] = x0[q]
        out[q] = x0[q]          # a path that cannot start ends where it began
    _weights(x[0], w, n, 0.0)

    # ω (Lipschitz estimate) and μ (accuracy) at the start, as HC.jl's init_newton!
    use = used = False            # double-double residuals in use now / at any point of the path
    _fj(ws, hom, x, 0.0, r, J)
    if not lu_factor(J, piv, n):
        return _NOT_CONVERGED, 0.0, 0, np.inf, used
    lu_solve(J, piv, r, d, n)
    eps_ = np.sqrt(_wnorm(d, w, n) + _EPS)
    valid = False
    omega, mu = 1.0, _EPS
    for _ in range(3):
        for q in range(n):
            xbar[0, q] = x[0, q] + eps_ * w[q]
        _fj(ws, hom, xbar, 0.0, r, J)
        if not lu_factor(J, piv, n):
            break
        lu_solve(J, piv, r, d, n)
        n0 = _wnorm(d, w, n)
        for q in range(n):
            xbar[0, q] -= d[q]
        _f(ws, hom, xbar, 0.0, r, J)
        lu_solve(J, piv, r, d, n)
        n1 = _wnorm(d, w, n) + _EPS
        if n1 < a * n0:
            omega, mu, valid = 2 * n1 / n0 ** 2, n1, True
            break
        eps_ *= np.sqrt(eps_)
    if not valid:                # no clean contraction near the start (an ill-conditioned start point):
        omega, mu = 1.0, _EPS    # HC.jl's defaults; a bad start then fails in the first corrector step
    mu = max(mu, _EPS)

    _fj(ws, hom, x, 0.0, r, J)
    if not lu_factor(J, piv, n):
        return _NOT_CONVERGED, 0.0, 0, np.inf, used
    for q in range(n):
        tx[0, q] = x[0, q]
    tau = _update_predictor(ws, hom, 0.0, J, piv, tx, u, w, n)
    err = (1.0 / tau) ** 4      # HC.jl's first guess of the local error; 0 when τ is infinite
    c_omega = np.sqrt(1 + 2 * h_a) - 1
    ds = _nanmin((c_omega / (omega * err)) ** (1 / p) / opts[_O_BETA_OMEGA], opts[_O_BETA_TAU] * tau)
    ds = min(ds, opts[_O_MAX_STEP])
    ds_prev = 0.0
    omega_prev = omega
    t = 0.0
    accepted = rejected = 0
    tol_acc = a ** 3 * h_a
    tol_ext = a ** EXTENDED_SWITCH * h_a
    code = -1
    while True:
        dt = min(ds, 1.0 - t)
        t1 = 1.0 if dt >= 1.0 - t else t + dt
        _predict(tx, tau, dt, xhat, n)
        _weights(xhat[0], w, n, 0.5)
        res, acc, iters, om, theta = _newton(ws, hom, xhat, t1, w, omega, mu, accepted == 0, a,
                                             opts[_O_CORRECTOR_TOL], xbar, r, J, piv, d, ext, use)
        if res == _NEWT_CONVERGED:
            err = _wnorm_diff(xhat[0], xbar[0], w, n) / dt ** p   # 0 for an exact prediction: no limit
            for q in range(n):
                x[0, q] = xbar[0, q]
            t = t1
            ds_prev = dt
            mu = max(acc, _EPS)
            omega_prev = omega
            omega = max(om, 0.5 * omega, 0.1)
            accepted += 1
            if t >= 1.0:
                code = _SUCCESS
                break
            for q in range(n):
                tx[0, q] = x[0, q]
            tau = _update_predictor(ws, hom, t, J, piv, tx, u, w, n)
            oc = min(max(omega + 2 * (omega - omega_prev), omega), 8 * omega)
            ds2 = opts[_O_BETA_TAU] * tau
            if 1.0 - t < ds2:
                ds2 = opts[_O_STRICT_BETA_TAU] * tau
            ds = min(_nanmin((c_omega / (oc * err)) ** (1 / p) / opts[_O_BETA_OMEGA], ds2), opts[_O_MAX_STEP])
            ds = min(ds, 10 * ds_prev)
        else:
            rejected += 1
            j = iters - 2
            th = theta ** (1.0 / 2 ** j) if j >= 0 else np.nan
            if th != th or res == _NEWT_SINGULAR or acc != acc or iters == 1 or _h(th) < _h(0.5 * a):
                ds = 0.25 * dt
            else:
                ds = ((np.sqrt(1 + 2 * _h(0.5 * a)) - 1) / (np.sqrt(1 + 2 * _h(th)) - 1)) ** (1 / p) * dt
        if ext is not None:
            if not use and omega * mu > tol_ext:
                # near the accuracy limit: from here on residuals in double-double, after two Newton
                # steps with them at the current point (HC.jl's use_extended_precision!)
                use = used = True
                _refine(ws, hom, x, t, r, J, piv, d, ext, use, 2, 0.0)
                mu = max(_wnorm(d, w, n), _EPS)
                for q in range(n):
                    tx[0, q] = x[0, q]
        if accepted + rejected >= opts[_O_MAX_STEPS]:
            code = _MAX_STEPS
        elif omega * mu > tol_acc:
            code = _ACCURACY_LIMIT
        elif ds < opts[_O_MIN_STEP]:
            code = _STEP_TOO_SMALL
        elif _max_abs(x[0], n) > opts[_O_DIVERGENCE]:
            code = _DIVERGED
        if code >= 0:
            for q in range(n):
                out[q] = x[0, q]
            return code, t, accepted + rejected, np.inf, used

    # endpoint: Newton to full precision (its condition number is judged by the caller); where double
    # residuals cannot get there, a second pass with double-double ones (HC.jl's
    # refine_current_solution!). A loop, not two calls: numba inlines _refine once
    accuracy = np.inf
    for _ in range(2):
        accuracy = _refine(ws, hom, x, 1.0, r, J, piv, d, ext, use, int(opts[_O_REFINE_ITERS]), opts[_O_REFINE_TOL])
        if ext is None or use or accuracy <= opts[_O_REFINE_TOL]:
            break
        use = used = True
    for q in range(n):
        out[q] = x[0, q]
    return code, 1.0, accepted + rejected, accuracy, used


@njit(cache=True, error_model="numpy", inline="always")
def _refine(ws, hom, x, t, r, J, piv, d, ext, use, iterations, tol):
    """Newton at t from x (1, n) in place until the relative correction is at most tol, at most
    ``iterations`` steps; returns the last relative correction (inf: singular Jacobian)."""
    accuracy = np.inf
    for _ in range(iterations):
        accuracy = _newton_step(ws, hom, x, t, r, J, piv, d, ext, use)
        if not accuracy > tol:
            break
    return accuracy


@njit(cache=True, error_model="numpy")
def _wnorm_diff(a, b, w, n):
    m = 0.0
    for i in range(n):
        v = abs(a[i] - b[i]) / w[i]
        if v > m or v != v:
            m = v
    return m


@njit(cache=True, nogil=True, error_model="numpy")
def _track_paths(X0, pid, cA, cB, cL, aux, mode, widths, offs, opts, X, codes, ts, steps, accuracy, extended, ext):
    """Every path from X0 (P, n) into X; path p uses coefficient set pid[p]; ``ext`` None (double only)
    or a double-double workspace (see :func:`_track_path`). Releases the GIL."""
    for k in range(X0.shape[0]):
        s = pid[k]
        c, t, st, acc, used = _track_path(X0[k], (widths, offs, cA[s], cB[s], cL[s], aux[s], mode), opts, X[k], ext)
        codes[k] = c
        ts[k] = t
        steps[k] = st
        accuracy[k] = acc
        extended[k] = used


# --- Python side ----------------------------------------------------------------------------------

@dataclass
class LineSlice:
    """The trace test's extra unknown λ and equation (see :mod:`linnet_cli.homotopy.evaluator`): Λ becomes
    Λ + λ Δ, and (a·W − c) λ^κ + τ = 0 is added, each of Δ, a (.., N), c and τ (..) moving on a straight
    line from ``start`` = (Δ, a, c, τ) to ``end``, shared or per path (leading axis)."""

    start: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    end: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    kappa: int

    def coefficients(self) -> np.ndarray:
        """(S, 2, 2N + 2): values at t = 0, then slopes, of [Δ | a | c | τ]."""
        def row(p):
            D, a, c, tau = (np.asarray(v, np.complex128) for v in p)
            S = max(D.shape[0] if D.ndim == 2 else 1, a.shape[0] if a.ndim == 2 else 1,
                    c.shape[0] if c.ndim == 1 else 1, tau.shape[0] if tau.ndim == 1 else 1)
            D, a = (np.broadcast_to(v, (S, v.shape[-1])) for v in (D, a))
            c, tau = (np.broadcast_to(np.reshape(v, (-1, 1)), (S, 1)) for v in (c, tau))
            return np.concatenate([D, a, c, tau], axis=1)
        v0, v1 = row(self.start), row(self.end)
        v0, v1 = np.broadcast_arrays(v0, v1)
        return np.ascontiguousarray(np.stack([v0, v1 - v0], axis=1))


@dataclass
class ParameterHomotopy:
    """F(x; p(t)) = 0 for parameters on the straight line p(t) = (1 − t) p_start + t p_end, p = (X, Y, Λ).

    Each of X, Y (…, d, m) and Λ (…, N) may be shared by all paths or given per path (leading axis).
    With a :class:`LineSlice` the unknowns are (W, λ) and the system has the slice's extra equation."""

    system: GradientSystem | Network
    start: tuple[np.ndarray, np.ndarray, np.ndarray]
    end: tuple[np.ndarray, np.ndarray, np.ndarray]
    line_slice: LineSlice | None = None

    def __post_init__(self) -> None:
        self.network = self.system.network if isinstance(self.system, GradientSystem) else self.system
        cA, cB, cL = ev.path_coefficients(self.start, self.end)
        if self.line_slice is None:
            aux, self.mode = np.zeros((1, 2, 0), np.complex128), 0
        else:
            aux, self.mode = self.line_slice.coefficients(), 1 + self.line_slice.kappa
        S = max(cA.shape[0], aux.shape[0])
        cA, cB, cL, aux = (np.ascontiguousarray(np.broadcast_to(c, (S,) + c.shape[1:])) for c in (cA, cB, cL, aux))
        self.coefficients = (cA, cB, cL, aux)

    @property
    def unknowns(self) -> int:
        """N, or N + 1 with a line slice (the unknown λ)."""
        return self.network.N + (self.mode > 0)

    def path_sets(self, paths: np.ndarray) -> np.ndarray:
        """Index of the coefficient set of each path."""
        S = self.coefficients[0].shape[0]
        return np.zeros(len(paths), np.int64) if S == 1 else np.asarray(paths, np.int64)

    def jacobian_at_end(self, x: np.ndarray, sets: np.ndarray) -> np.ndarray:
        """∂H/∂(unknowns) at t = 1 for points x (P, n) of the coefficient sets ``sets`` (numpy)."""
        cA, cB, cL, aux = self.coefficients
        N = self.network.N
        lam = cL[sets].sum(axis=1)
        if self.mode == 0:
            return GradientSystem(self.network).jacobian(x, Parameters(cA[sets].sum(axis=1), cB[sets].sum(axis=1), lam))
        end = aux[sets].sum(axis=1)
        D, a, c = end[:, :N], end[:, N:2 * N], end[:, 2 * N]
        W, mu = x[:, :N], x[:, N]
        J = np.zeros((len(x), N + 1, N + 1), complex)
        J[:, :N, :N] = GradientSystem(self.network).jacobian(
            W, Parameters(cA[sets].sum(axis=1), cB[sets].sum(axis=1), lam + mu[:, None] * D))
        J[:, :N, N] = D * W
        J[:, N, :N] = a * (mu[:, None] if self.mode == 2 else 1.0)
        J[:, N, N] = (np.sum(a * W, axis=1) - c) if self.mode == 2 else 0.0
        return J


@dataclass
class PathResult:
    """One tracked path: its endpoint, return code and quality figures."""

    solution: np.ndarray
    return_code: ReturnCode
    t: float
    steps: int
    accuracy: float
    cond: float
    extended: bool

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
    cond: np.ndarray        # scaled condition number of the Jacobian at the endpoint
    extended: np.ndarray    # bool: the path's last tracking used double-double residuals

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, i: int) -> PathResult:
        return PathResult(self.x[i], self.codes[i], float(self.t[i]), int(self.steps[i]),
                          float(self.accuracy[i]), float(self.cond[i]), bool(self.extended[i]))

    @property
    def success(self) -> np.ndarray:
        """Boolean mask of the paths that ended well."""
        return self.codes == ReturnCode.SUCCESS

    def code_counts(self) -> dict[str, int]:
        vals, counts = np.unique(np.array([c.value for c in self.codes], dtype=object), return_counts=True)
        return {str(v): int(c) for v, c in zip(vals, counts)}


class Tracker:
    """Tracks paths of a parameter homotopy from t = 0 to t = 1 (compiled, all cores)."""

    def __init__(self, homotopy: ParameterHomotopy, options: TrackerOptions | None = None,
                 torus: bool = False) -> None:
        self.homotopy = homotopy
        self.options = options or TrackerOptions()
        #: paths must stay on the torus: an endpoint with a zero coordinate has jumped onto a
        #: coordinate subspace (another zero pattern's solution) and is marked LEFT_TORUS
        self.torus = torus

    def careful(self) -> Tracker:
        """A stricter tracker for retracking paths that failed or may have jumped."""
        return Tracker(self.homotopy, self.options.careful(), self.torus)

    def track(self, start: np.ndarray, retrack: bool = True, careful: bool = True) -> TrackedPaths:
        """Track every start solution (P, N) from t = 0 to t = 1, in double precision. When ``retrack``,
        the paths that met the limit of double precision (stopped at the accuracy limit, or ended where
        Newton could not pin them down) are tracked again with extended precision available, and, when
        ``careful``, the other failed paths with :meth:`careful` settings (jumped ones up to
        RETRACK_LEVELS times, with extended precision available too)."""
        res = self._track(start, np.arange(len(start)))
        if not retrack:
            return res
        limited = np.flatnonzero(np.isin(res.codes, PRECISION_CODES))
        if len(limited):
            self.retrack(res, start, limited, extended=True)
        if not careful:
            return res
        bad = np.flatnonzero(~res.success)
        tracker = self
        for _ in range(RETRACK_LEVELS):
            if not len(bad):
                break
            tracker = tracker.careful()
            tracker.retrack(res, start, bad, extended=True)
            bad = bad[res.codes[bad] == ReturnCode.LEFT_TORUS]
        return res

    def retrack(self, res: TrackedPaths, start: np.ndarray, which: np.ndarray, extended: bool = False) -> None:
        """Track the paths ``which`` again from ``start`` (with extended precision available when
        ``extended``) and store the new outcomes in ``res``."""
        again = self._track(start[which], which, extended)
        for name in ("x", "codes", "t", "steps", "accuracy", "cond", "extended"):
            getattr(res, name)[which] = getattr(again, name)

    def _track(self, start: np.ndarray, paths: np.ndarray, extended: bool = False) -> TrackedPaths:
        """Track start solutions (P, N); ``paths`` are their indices for the homotopy's per-path parameters;
        with ``extended``, paths switch to double-double residuals where they need them."""
        P, n = len(start), self.homotopy.unknowns
        X0 = np.ascontiguousarray(np.asarray(start, np.complex128).reshape(P, n))
        X = np.empty_like(X0)
        codes = np.empty(P, np.int64)
        t = np.empty(P)
        steps = np.empty(P, np.int64)
        accuracy = np.empty(P)
        used = np.zeros(P, np.bool_)
        sets = self.homotopy.path_sets(paths)
        if P:
            widths, offs = ev.network_arrays(self.homotopy.network)
            ensure_compiled(extended)
            run_paths(X0, sets, self.homotopy, widths, offs, self.options.as_array(), X, codes, t, steps, accuracy,
                      used, extended)
        cond = self._judge_endpoints(X, codes, accuracy, sets)
        count(extended=int(used.sum()))
        return TrackedPaths(X, np.array([CODES[c] for c in codes], dtype=object).reshape(P), t, steps,
                            accuracy, cond, used)

    def _judge_endpoints(self, X: np.ndarray, codes: np.ndarray, accuracy: np.ndarray,
                         sets: np.ndarray) -> np.ndarray:
        """Scaled condition numbers of the endpoints that reached t = 1, and their final codes (in place):
        SINGULAR above singular_cond, NOT_CONVERGED when the refinement did not reach the accuracy the
        conditioning allows, LEFT_TORUS (torus homotopies) with a coordinate near zero."""
        opts = self.options
        cond = np.full(len(X), np.inf)
        reached = np.flatnonzero(codes == _SUCCESS)
        for chunk in np.array_split(reached, -(-len(reached) // ENDPOINT_CHUNK)) if len(reached) else []:
            cond[chunk] = scaled_cond(self.homotopy.jacobian_at_end(X[chunk], sets[chunk]), X[chunk])
        acc, cnd = accuracy[reached], cond[reached]
        limit = np.clip(_EPS * cnd, opts.converged_tol, opts.track_tol)
        final = np.full(len(reached), _SUCCESS)
        final[cnd > opts.singular_cond] = _SINGULAR
        final[~(acc <= limit)] = _NOT_CONVERGED
        if self.torus:
            final[(final == _SUCCESS) & ~on_torus(X[reached, :self.homotopy.network.N])] = _LEFT_TORUS
        codes[reached] = final
        return cond


def scaled_cond(J: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Condition number of J after scaling column k by max(1, |x_k|) and equilibrating the rows.

    Badly scaled but regular solutions (coordinates of size 1e-4 next to 1e2 occur for small Λ
    entries) have a huge plain condition number; this one stays moderate unless J is singular."""
    Js = J * np.maximum(1.0, np.abs(x))[..., None, :]
    Js = Js / np.maximum(np.linalg.norm(Js, axis=-1, keepdims=True), 1e-300)
    with np.errstate(invalid="ignore", divide="ignore"):
        ok = np.isfinite(Js).all(axis=(-2, -1))
        out = np.full(Js.shape[:-2], np.inf)
        if ok.any():
            out[ok] = np.linalg.cond(Js[ok])
    return out


def on_torus(w: np.ndarray) -> np.ndarray:
    """Mask of points (P, N) with no coordinate near zero (relative to max(1, ‖w‖))."""
    scale = np.maximum(np.linalg.norm(w, axis=-1), 1.0)
    return np.min(np.abs(w), axis=-1) > TORUS_TOL * scale


#: Endpoints whose Jacobians are formed at once when their conditioning is judged (bounds memory).
ENDPOINT_CHUNK = 4096


# --- threads ------------------------------------------------------------------------------------

#: Chunks per thread: paths differ in cost, so each thread takes several chunks in turn.
CHUNKS_PER_THREAD = 8
_pool: ThreadPoolExecutor | None = None
_threads = 0


_pool_lock = threading.Lock()


def set_threads(n: int | None) -> None:
    """Threads the tracker uses (None: one per core available to this process)."""
    global _pool, _threads
    n = n or len(os.sched_getaffinity(0))
    with _pool_lock:
        if n != _threads:
            if _pool is not None:
                _pool.shutdown()
            _pool = ThreadPoolExecutor(max_workers=n, thread_name_prefix="linnet-track") if n > 1 else None
            _threads = n


def _forget_pool_after_fork() -> None:
    """A forked process (``linnet table --jobs`` workers) has none of the parent's threads: start afresh."""
    global _pool, _threads, _pool_lock
    _pool, _threads, _pool_lock = None, 0, threading.Lock()


os.register_at_fork(after_in_child=_forget_pool_after_fork)


def run_paths(X0: np.ndarray, sets: np.ndarray, homotopy: ParameterHomotopy, widths: np.ndarray,
              offs: np.ndarray, opts: np.ndarray, X: np.ndarray, codes: np.ndarray, t: np.ndarray,
              steps: np.ndarray, accuracy: np.ndarray, used: np.ndarray, extended: bool = False) -> None:
    """Run the compiled tracker over all paths, in chunks on the thread pool (outputs in place); with
    ``extended``, its compilation with double-double residuals (compiled on first use, once per machine)."""
    if not _threads:
        set_threads(None)
    P = len(X0)
    n_chunks = min(P, _threads * CHUNKS_PER_THREAD) if _pool is not None else 1
    bounds = np.linspace(0, P, n_chunks + 1).astype(int)

    def chunk(k: int) -> None:
        lo, hi = bounds[k], bounds[k + 1]
        ext = dd.homotopy_workspace(widths, X0.shape[1]) if extended else None
        _track_paths(X0[lo:hi], sets[lo:hi], *homotopy.coefficients, homotopy.mode, widths, offs, opts,
                     X[lo:hi], codes[lo:hi], t[lo:hi], steps[lo:hi], accuracy[lo:hi], used[lo:hi], ext)

    if _pool is None:
        chunk(0)
    else:
        list(_pool.map(chunk, range(n_chunks)))


# --- compilation ----------------------------------------------------------------------------------

#: Compiling the kernels takes this long (seconds) before a notice is shown; loading them from numba's
#: cache takes a fraction of it.
COMPILE_NOTICE_AFTER = 1.0
_compiled = threading.Event()
_compiled_extended = threading.Event()
_notice: Callable[[str], None] | None = None


def on_compile(notice: Callable[[str], None] | None) -> None:
    """Call ``notice`` with one line when the kernels are being compiled (cold cache), not loaded."""
    global _notice
    _notice = notice


#: The child processes compiling the kernel (see :func:`compile_in_background`), by ``extended``.
_children: dict[bool, subprocess.Popen] = {}
_CHILD_CODE = ("import os; os.nice({nice}); from linnet_cli.homotopy.tracker import compile_kernel; "
               "compile_kernel({extended})")
#: The extended-precision child's niceness: it yields the cores to the double compilation and the solve,
#: which are needed first (a cold d = 2 solve, which needs no extended precision, took 19.3 s more than a
#: warm one with it at 10, 23.7 s at 0 and 18.5 s with no such child).
EXTENDED_CHILD_NICE = 10


def _is_extended(argument_types: tuple) -> bool:
    """Whether a compilation of the kernel is its extended-precision one (its workspace is not None)."""
    return not isinstance(argument_types[-1], numba.types.NoneType)


def _is_double(argument_types: tuple) -> bool:
    """Whether a compilation of the kernel is its double-only one."""
    return not _is_extended(argument_types)


def compile_in_background() -> None:
    """When numba's cache holds no tracker, start compiling it in a child process, which caches it,
    while this process goes on (e.g. with the BKK bound): numba compiles one function at a time per
    process, so the mixed-volume kernels (about 10 s on a cold cache) and the tracker (about 20 s)
    would otherwise compile one after the other. Its extended-precision compilation, which most solves
    past d = 2 need and which takes as long again, compiles in a second, lower-priority child at the
    same time (widths 2,3,2 with m = 2: a cold cache added 29 s to the first solve, against 43 s one
    after the other). :func:`ensure_compiled` waits for the child of the compilation it needs, then
    loads what it cached (or compiles itself, if the child could not)."""
    if not sys.executable:
        return
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([root, *filter(None, [os.environ.get("PYTHONPATH")])]))
    for extended, done in ((False, _compiled), (True, _compiled_extended)):
        if done.is_set() or extended in _children or \
                not cold_cache(_track_paths, _is_extended if extended else _is_double):
            continue
        code = _CHILD_CODE.format(nice=EXTENDED_CHILD_NICE if extended else 0, extended=extended)
        try:
            child = subprocess.Popen([sys.executable, "-c", code], env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError:   # no process to spare: this one compiles when it needs the tracker
            return
        _children[extended] = child
        atexit.register(child.kill)   # a process that ends first leaves nothing half-written: numba
        # writes each cache file to a temporary name and renames it


def compile_kernel(extended: bool) -> None:
    """Load the kernel's double (or, with ``extended``, its extended-precision) compilation from numba's
    cache, or compile it, by one call on the smallest network."""
    net = Network((1, 1, 1))
    hom = ParameterHomotopy(net, (np.ones((1, 1)), np.ones((1, 1)), np.ones(2)),
                            (np.ones((1, 1)), np.ones((1, 1)), np.ones(2)))
    widths, offs = ev.network_arrays(net)
    one = np.ones((1, 2), np.complex128)
    _track_paths(one, np.zeros(1, np.int64), *hom.coefficients, hom.mode, widths, offs, TrackerOptions().as_array(),
                 np.empty_like(one), np.empty(1, np.int64), np.empty(1), np.empty(1, np.int64), np.empty(1),
                 np.empty(1, np.bool_), dd.homotopy_workspace(widths, one.shape[1]) if extended else None)


def ensure_compiled(extended: bool = False) -> None:
    """Load the tracker's kernels from numba's cache, or compile them (once per machine); with
    ``extended``, also its compilation with double-double residuals, which is built on the first need of
    a path unless a child compiles it (about as long again: without a notice, a small solve would seem
    to hang)."""
    done = _compiled_extended if extended else _compiled
    if done.is_set():
        return
    if extended:
        ensure_compiled()
    timer = None
    if _notice is not None:
        what = "the path tracker's extended precision" if extended else "the path tracker"
        timer = threading.Timer(COMPILE_NOTICE_AFTER, _notice, args=(f"compiling {what} (once per machine)",))
        timer.daemon = True
        timer.start()
    t0 = time.perf_counter()
    child = _children.get(extended)
    if child is not None:
        child.wait()
    compile_kernel(extended)
    if timer is not None:
        timer.cancel()
    if not extended:
        global compile_seconds
        compile_seconds = time.perf_counter() - t0
    done.set()


def compile_all() -> None:
    """Both compilations of the kernel, loaded or compiled (in two children at once on a cold cache),
    before a run starts worker processes: each would otherwise compile the extended one on its first
    need."""
    compile_in_background()
    ensure_compiled(extended=True)


#: Seconds the first :func:`ensure_compiled` took in this process (load or compile).
compile_seconds = 0.0
