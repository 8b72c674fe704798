"""The Cauchy endgame: where a path of a parameter homotopy ends when its endpoint is not regular.

A path x(t) of F(x; p(t)) = 0 with p(t) = (1 − t) p_0 + t p_1 is, near t = 1, a convergent Puiseux
series in s = (1 − t)^{1/c} (c, the winding number, is the number of sheets that meet there), or it
diverges like (1 − t)^{−α} with a rational α > 0. Tracking straight to t = 1 fails for such paths: the
Jacobian becomes singular at the endpoint (several paths meet, or the point lies on a
positive-dimensional component), or the path leaves every bounded region. The endgame instead tracks
each path to t = 1 − r, then around the circle |1 − t| = r, vertex by vertex, until it returns to its
start: the number of turns is c, and the mean of the points at the c·K equally spaced vertices is the
trapezoid rule for Cauchy's integral x(1) = (1/2πi) ∮ x(s)/s ds, accurate to about (r/ρ)^{cK} (ρ: the
distance to the nearest other branch point). This is repeated on radii shrinking by ``shrink`` until
two estimates agree (the endpoint), or the growth of ‖x‖ along the radii shows a negative valuation
(the path goes to infinity). HomotopyContinuation.jl's endgame does the same (Timme's ``EndgameTracker``:
Cauchy loops after a power-series test); its start radius 0.1 and eight samples per loop are used here.

The loops are tracked by :class:`~linnet_cli.homotopy.tracker.Tracker` along straight segments in t, which may
be complex: every vertex lies on the same line of parameters, so every sample is a point x(t) of the
path itself.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..model.gradient import GradientSystem, Parameters
from ..model.network import Network
from .return_code import ReturnCode
from .tally import count
from .tracker import ParameterHomotopy, Tracker, TrackerOptions, scaled_cond


@dataclass(frozen=True)
class EndgameOptions:
    """Settings of the Cauchy endgame (after HomotopyContinuation.jl's endgame options)."""

    #: The endgame starts at t = 1 − start_radius (HC.jl's ``endgame_start``).
    start_radius: float = 0.1
    #: Each loop's radius is this fraction of the last: small enough that few loops are needed, large
    #: enough that the valuation of a diverging path shows between two radii.
    shrink: float = 0.25
    #: Vertices per turn around t = 1 (HC.jl's ``samples_per_loop``).
    vertices: int = 8
    #: Turns at most before a path's loop counts as not closing (HC.jl's ``max_winding_number``).
    max_winding: int = 12
    #: Smallest radius tried: below it the samples lose accuracy in double precision.
    min_radius: float = 1e-10
    #: Two successive Cauchy estimates agree when their relative distance is at most this: the estimates
    #: converge like (r/ρ)^{cK}, far faster than the radius shrinks, so agreement to 1e-9 leaves the
    #: endpoint accurate to about that (endpoints that meet are merged at SAME_POINT_TOL = 1e-7).
    tol: float = 1e-9
    #: A loop has closed when it returns within this (relative) of its start: a path on another sheet
    #: lies about r^{1/c} away, and r^{1/c} ≥ 1e-10^{1/2} here.
    closure_tol: float = 1e-6
    #: A coordinate grows along the radii when log(|x_i(r_k)| / |x_i(r_{k−1})|) / log(1/shrink) is at
    #: least this: a diverging coordinate has |x_i| ~ r^{−α} with α ≥ 1/max_winding, a finite one's
    #: ratio tends to 1.
    min_valuation: float = 0.05

    def __post_init__(self) -> None:
        from ..errors import InputError
        if not (0 < self.start_radius < 1 and 0 < self.shrink < 1 and 0 < self.min_radius < self.start_radius):
            raise InputError("endgame radii must satisfy 0 < min_radius < start_radius < 1 and 0 < shrink < 1")
        if self.vertices < 3 or self.max_winding < 1:
            raise InputError("an endgame loop needs at least 3 vertices and 1 turn")


#: A path is at infinity once ‖x‖ has grown like r^{−α} with a steady α along this many steps between
#: radii: one growing step can be the transient of a finite path whose Puiseux series has a large first
#: coefficient, and that transient's growth rate falls from one step to the next. (Paths that diverge
#: fast reach the accuracy limit of double precision at ‖x‖ ~ 1e3–1e4 within a few more radii.)
DIVERGING_RADII = 2
#: Two successive valuations are steady when they differ by at most this fraction. A converging
#: coordinate's apparent valuation falls by the factor shrink^{1/c} per radius (0.89 for c = 12), a
#: diverging one's tends to its exponent.
STEADY_VALUATION = 0.1
#: Coordinates below this fraction of a point's largest one are too small for their growth to matter.
VISIBLE = 1e-3


@dataclass
class EndgameResult:
    """Where each path ends: ``x`` (P, n) the endpoint (SUCCESS) or the last point, ``codes`` (P,) a
    :class:`ReturnCode` (SUCCESS: finite endpoint; AT_INFINITY; TERMINATED_MAX_WINDING_NUMBER;
    ENDGAME_NOT_CONVERGED; or the tracker's code for a loop segment that failed), ``winding`` (P,) c,
    ``paths`` the segments tracked."""

    x: np.ndarray
    codes: np.ndarray
    winding: np.ndarray
    paths: int


def _per_path(p: tuple[np.ndarray, ...], P: int) -> tuple[np.ndarray, ...]:
    """Parameters (X, Y, Λ), each shared or per path, as per-path arrays (leading axis P)."""
    dims = (3, 3, 2)
    return tuple(np.broadcast_to(np.asarray(a, complex), (P,) + np.shape(a)[np.ndim(a) - nd + 1:]).copy()
                 for a, nd in zip(p, dims))


class CauchyEndgame:
    """The endgame of the paths of one parameter homotopy of ``network`` from ``start`` to ``end``
    parameters (X, Y, Λ; each shared or per path)."""

    def __init__(self, network: Network, start: tuple[np.ndarray, ...], end: tuple[np.ndarray, ...], paths: int,
                 options: EndgameOptions | None = None, tracker: TrackerOptions | None = None) -> None:
        self.system = GradientSystem(network)
        self.p0, self.p1 = _per_path(start, paths), _per_path(end, paths)
        self.options = options or EndgameOptions()
        self.tracker = tracker
        self.segments = 0

    def _params(self, idx: np.ndarray, t: complex) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        X, Y, lam = (a[idx] + t * (b[idx] - a[idx]) for a, b in zip(self.p0, self.p1))
        return X, Y, lam

    def _segment(self, idx: np.ndarray, x: np.ndarray, ta: complex, tb: complex):
        """Track the paths ``idx`` from x at t = ta to t = tb (a straight segment, complex t)."""
        self.segments += len(idx)
        hom = ParameterHomotopy(self.system, self._params(idx, ta), self._params(idx, tb))
        return Tracker(hom, self.tracker).track(x)

    def run(self, x0: np.ndarray, which: np.ndarray) -> EndgameResult:
        """The endgame of the paths ``which`` (indices into the per-path parameters) from their start
        points ``x0`` (P, n) at t = 0."""
        o = self.options
        P, n = x0.shape
        codes = np.full(P, ReturnCode.ENDGAME_NOT_CONVERGED, dtype=object)
        winding = np.zeros(P, int)
        out = np.array(x0, complex)
        r = o.start_radius
        first = self._segment(which, x0, 0.0, 1.0 - r)
        x = first.x.copy()
        live = np.flatnonzero(first.success)
        codes[~first.success] = first.codes[~first.success]
        out[~first.success] = first.x[~first.success]
        previous = np.full((P, n), np.nan)       # |x_i| at the last radius
        gap = np.full(P, np.inf)                 # ‖x(1 − r) − estimate‖ at the last radius
        estimate = np.full((P, n), np.nan, complex)
        rising = np.zeros(P, int)                # radii in a row along which ‖x‖ grew like r^{−α}
        slope = np.full(P, np.nan)               # the last valuation α
        while len(live):
            est, c, bad = self._loop(which[live], x[live], r)
            for k, code in bad.items():
                codes[live[k]], out[live[k]] = code, x[live[k]]
            ok = np.array([k not in bad for k in range(len(live))], bool)
            # the valuation along the radii, coordinate by coordinate (one coordinate can diverge while the
            # others shrink): |x_i| ~ r^{−α} with α > 0 for a coordinate that goes to infinity
            size = np.abs(x[live])
            with np.errstate(invalid="ignore", divide="ignore"):
                val = np.log(size / previous[live]) / np.log(1 / o.shrink)
            val[~(size >= VISIBLE * size.max(axis=1, keepdims=True))] = -np.inf
            val = val.max(axis=1)
            steady = np.abs(val - slope[live]) <= STEADY_VALUATION * np.abs(val)
            rising[live] = np.where(val >= o.min_valuation, np.where(steady, rising[live] + 1, 1), 0)
            previous[live], slope[live] = size, val
            # a finite endpoint: two estimates agree, no coordinate grows, and the path comes closer to
            # it (the mean of a loop of a diverging coordinate, Σ s^{−k}, is near 0 however large it is)
            new_gap = np.abs(x[live] - est).max(axis=1)
            agree = ok & (rising[live] == 0) & (new_gap <= gap[live]) & (
                np.linalg.norm(est - estimate[live], axis=1) <= o.tol * np.maximum(1.0, np.linalg.norm(est, axis=1)))
            # sheets meet only at singular points: an estimate where the Jacobian is regular and c > 1 is
            # the mean of a loop that encloses other branch points too (with the sign symmetry, such a
            # mean can be exactly a solution, e.g. the origin), and a smaller loop is needed
            many = np.flatnonzero(agree & (c > 1))
            if len(many):
                agree[many] = ~self.regular(which[live[many]], est[many])
            gap[live] = new_gap
            done = live[agree]
            codes[done], out[done], winding[done] = ReturnCode.SUCCESS, est[agree], c[agree]
            estimate[live] = est
            far = ok & ~agree & (rising[live] >= DIVERGING_RADII)
            codes[live[far]], out[live[far]] = ReturnCode.AT_INFINITY, x[live[far]]
            live = live[ok & ~agree & ~far]
            if not len(live) or r * o.shrink < o.min_radius:
                break
            step = self._segment(which[live], x[live], 1.0 - r, 1.0 - r * o.shrink)
            r *= o.shrink
            x[live] = step.x
            lost = ~step.success
            codes[live[lost]], out[live[lost]] = step.codes[lost], step.x[lost]
            live = live[~lost]
        out[live] = x[live]
        count(endgame=int(np.isin(codes, (ReturnCode.SUCCESS, ReturnCode.AT_INFINITY)).sum()))
        return EndgameResult(out, codes, winding, self.segments)

    def regular(self, idx: np.ndarray, x: np.ndarray) -> np.ndarray:
        """Whether the Jacobian at the end parameters is regular at the points x of the paths ``idx``."""
        params = Parameters.from_data(self.p1[0][idx], self.p1[1][idx], self.p1[2][idx])
        limit = (self.tracker or TrackerOptions()).singular_cond
        return scaled_cond(self.system.jacobian(x, params), x) <= limit

    def _loop(self, idx: np.ndarray, x: np.ndarray, r: float) -> tuple[np.ndarray, np.ndarray, dict[int, ReturnCode]]:
        """One Cauchy loop of radius r around t = 1 for paths at t = 1 − r: (estimates, winding numbers,
        {path: code} of the loops that failed or did not close within max_winding turns)."""
        o = self.options
        K = o.vertices
        total = x.copy()
        cur = x.copy()
        est = np.full_like(x, np.nan)
        c = np.zeros(len(x), int)
        bad: dict[int, ReturnCode] = {}
        open_ = np.arange(len(x))
        scale = np.maximum(1.0, np.linalg.norm(x, axis=1))
        for j in range(1, K * o.max_winding + 1):
            ta = 1.0 - r * np.exp(2j * np.pi * (j - 1) / K)
            tb = 1.0 - r * np.exp(2j * np.pi * j / K)
            res = self._segment(idx[open_], cur[open_], ta, tb)
            for k in np.flatnonzero(~res.success):
                bad[int(open_[k])] = res.codes[k]
            cur[open_] = res.x
            open_ = open_[res.success]
            if j % K == 0:
                closed = np.linalg.norm(cur[open_] - x[open_], axis=1) <= o.closure_tol * scale[open_]
                done = open_[closed]
                est[done] = total[done] / j
                c[done] = j // K
                open_ = open_[~closed]
            total[open_] += cur[open_]
            if not len(open_):
                break
        for k in open_:
            bad[int(k)] = ReturnCode.TERMINATED_MAX_WINDING_NUMBER
        return est, c, bad
