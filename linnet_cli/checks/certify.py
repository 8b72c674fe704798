"""Rigorous certificates for computed critical points: Krawczyk's method in ball arithmetic.
(One concept over 600 lines: the Krawczyk test, its exact ball evaluation of the gradient and the
certificates of real and dead-neuron points are one proof.)

For a system F: C^n → C^n, a center x̃, a box X = x̃ + [−r, r]^n (+ i[−r, r]^n) and any matrix Y,
the Krawczyk operator is

    K(X) = x̃ − Y F(x̃) + (I − Y J(X)) (X − x̃),

where J(X) is an enclosure of the Jacobian over X. If K(X) lies in the interior of X, then X contains
exactly one zero of F, and every Jacobian J(x), x ∈ X, is nonsingular: the zero is regular (Krawczyk
1969, Moore 1977, Rump; for polynomial systems Breiding–Rose–Timme, arXiv 2011.05000, the method of
HomotopyContinuation.jl's ``certify``). Complex rectangles (arb/acb balls of python-flint) are used:
realified, acb products are real interval products, so the real Krawczyk theorem on R^{2n} applies.
The zero x* also lies in K(X) (it is a fixed point of x ↦ x − Y F(x)), which gives a tight enclosure.

What is proved, and how:

* **Coefficients** are enclosed rigorously: A = X Xᵀ, B = Y Xᵀ and Λ are formed exactly from the
  instance's rational values (:meth:`~linnet_cli.model.instance.Instance.exact_values`) and rounded to balls.
* **Zero patterns** are exact. A point with dead neurons is certified as a torus solution of its
  sub-network (same X, Y; Λ restricted to the active coordinates), in the sub-network's own
  variables. It is a critical point of the full network because, checked exactly on the sparse form,
  every monomial of each zeroed equation contains a zeroed variable (these equations vanish
  identically on the coordinate subspace) and the active equations restricted to the subspace are the
  sub-network's own equations. Its enclosure excludes 0 in every active coordinate, so its zero
  coordinates are exactly the pattern's. It is moreover a *regular* solution of the full system:
  with the rows and columns ordered (active, zeroed), the full Jacobian is block triangular
  (the zeroed equations vanish on the subspace, so their derivatives along it do too); the active
  block is nonsingular by Krawczyk and the zeroed block is proved nonsingular over the enclosure
  (‖I − Y_Z J_ZZ‖_∞ < 1 in ball arithmetic).
* **The origin** is a solution exactly (no equation has a constant term, checked on the sparse form)
  and is certified regular by the Krawczyk test at x̃ = 0 in the full system.
* **Real** points: the instance is real, so F(w̄) = conj F(w). A box centered at a real point is
  symmetric under conjugation, so its unique zero equals its conjugate: it is real.
  **Non-real** points: the enclosure misses the real subspace (some imaginary part excludes 0).
* **Distinct**: enclosures (embedded in C^N, exact zeros on the zeroed coordinates) are compared with
  outward-rounded bounds; a point whose enclosure meets the enclosure of an already counted point is
  not counted. The number of counted points is therefore a proven lower bound on N_C.

Boxes are inflated (ε-inflation) from the size of the Newton step, and precision escalates from 53
to 106 to 212 bits when double precision is not enough (ill-conditioned points). python-flint is
imported lazily, inside functions.
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any
from collections.abc import Iterator, Sequence

import numpy as np

from .bounds import one_layer_bounds
from ..model.classify import CriticalPoint
from ..model.gradient import GradientSystem, Parameters
from ..model.instance import Instance
from ..model.network import Network
from ..model.patterns import ZeroPattern

if TYPE_CHECKING:
    from ..model.symbolic import SparseSystem

#: Precisions (bits) tried in turn for a point that double precision does not certify.
PRECISIONS = (53, 106, 212)
#: A computed point counts as an approximation of a solution only within this relative distance:
#: certified boxes are at most this wide, and Newton refinement may not move the point further.
DEFAULT_TOL = 1e-8
#: ε-inflation rounds per precision.
INFLATION_ROUNDS = 4
#: Newton steps of the (vectorized, double precision) refinement before certifying.
NEWTON_STEPS = 2

_EPS = 2.0 ** -52


# ---------------------------------------------------------------------------------------------
# result types


@dataclass
class PointCertificate:
    """What is proved about one input point."""

    index: int
    certified: bool                 # counted: a box with a unique (regular) solution, distinct from all others
    real: bool | None = None        # True: proved real; False: proved non-real; None: not decided
    torus: bool = False             # counted and on the torus (pattern with every coordinate active)
    regular: bool = False           # proved to be a regular solution of the full system
    precision: int | None = None    # bits of the arithmetic that certified it
    radius: float | None = None     # radius of the Krawczyk box (uniqueness region), sub-network coordinates
    distance: float | None = None   # upper bound on the distance (∞-norm) from the input point to the solution
    condition: float = float("nan")  # condition number of the Jacobian at the point (sub-network's)
    duplicate_of: int | None = None  # index of an earlier counted point whose enclosure meets this one
    reason: str = ""                # why the point is not counted

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "certified": self.certified, "real": self.real, "torus": self.torus,
                "regular": self.regular, "precision": self.precision, "radius": self.radius,
                "distance": self.distance, "condition": _json_float(self.condition),
                "duplicate_of": self.duplicate_of, "reason": self.reason}


@dataclass
class Certification:
    """Certified counts of one instance: proven lower bounds on N_C, N_C* and N_R."""

    n_points: int
    n_certified: int
    n_certified_torus: int
    n_certified_real: int
    n_certified_nonreal: int
    n_certified_regular: int
    n_uncertified: int
    n_duplicates: int
    seconds: float
    B_C: int | None                 # the thesis's bound (bounds.one_layer_bounds: H = 1, m = 1), else None
    proves_count: bool | None       # certified N_C reaches B_C, so N_C = B_C is proved (None: no bound)
    precisions: dict[int, int]      # bits -> number of points certified at that precision
    points: list[PointCertificate] = field(repr=False, default_factory=list)

    @property
    def uncertified(self) -> list[PointCertificate]:
        return [p for p in self.points if not p.certified]

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_points": self.n_points, "n_certified": self.n_certified,
            "n_certified_torus": self.n_certified_torus, "n_certified_real": self.n_certified_real,
            "n_certified_nonreal": self.n_certified_nonreal, "n_certified_regular": self.n_certified_regular,
            "n_uncertified": self.n_uncertified, "n_duplicates": self.n_duplicates,
            "seconds": round(self.seconds, 3), "B_C": self.B_C, "proves_count": self.proves_count,
            "precisions": {str(k): v for k, v in sorted(self.precisions.items())},
            "uncertified": [{"index": p.index, "condition": _json_float(p.condition), "reason": p.reason,
                             "duplicate_of": p.duplicate_of} for p in self.uncertified],
        }


def _json_float(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


# ---------------------------------------------------------------------------------------------
# public API


def certify_result(result, tol: float = DEFAULT_TOL) -> Certification:
    """Prove every critical point of a solve with Krawczyk's test in ball arithmetic.

    Parameters
    ----------
    result : a :class:`~linnet_cli.result.SolveResult`.
    tol : the largest distance from a computed point to the solution the proof may allow.

    Returns
    -------
    Certification : counts proved (lower bounds on N_C, N_C*, N_R: each certified point is a distinct
        regular solution) and a certificate per point.

    >>> from linnet_cli import Network, solve
    >>> cert = certify_result(solve(Network.uniform(d=1, dx=1, dy=1), seed=1))
    >>> cert.n_certified, cert.n_uncertified, cert.proves_count
    (5, 0, True)
    """
    return certify_points(result.instance, result.points, tol=tol)


def certify_points(instance: Instance, points: Sequence[CriticalPoint], tol: float = DEFAULT_TOL) -> Certification:
    """Certify classified critical points (``.w`` and ``.pattern`` are used) of ``instance``."""
    w = np.array([p.w for p in points], dtype=complex).reshape(len(points), instance.network.N)
    return certify_solutions(instance, w, [p.pattern for p in points], tol=tol)


def certify_solutions(instance: Instance, w: np.ndarray, patterns: Sequence[ZeroPattern],
                      tol: float = DEFAULT_TOL) -> Certification:
    """Certify approximate critical points ``w`` (M, N) with their zero patterns (list of M).

    A point is counted when a Krawczyk box around it (at most ``tol`` · max(1, ‖w‖∞) wide, and within
    that distance of the input point) holds a unique regular solution of its pattern's system, and
    its enclosure is disjoint from the enclosures of the points counted before it.
    """
    t0 = time.perf_counter()
    net = instance.network
    w = np.asarray(w, dtype=complex).reshape(-1, net.N)
    if len(patterns) != len(w):
        raise ValueError(f"{len(w)} points but {len(patterns)} patterns")
    certs = [PointCertificate(index=k, certified=False) for k in range(len(w))]
    boxes = np.full((len(w), net.N, 4), np.nan)          # lo_re, hi_re, lo_im, hi_im (outward rounded)
    groups: dict[ZeroPattern, list[int]] = {}
    for k, pat in enumerate(patterns):
        groups.setdefault(pat, []).append(k)
    ctx = _InstanceContext(instance)
    ok = np.zeros(len(w), bool)
    for pat, idx in groups.items():
        reason = ctx.pattern_problem(pat)
        if reason:
            for k in idx:
                certs[k].reason = reason
            continue
        if pat.is_origin:
            _certify_origin(ctx, w, idx, certs, boxes, ok, tol)
        else:
            _certify_group(ctx, pat, w, idx, certs, boxes, ok, tol)
    # distinctness: greedy, in input order, against every point counted so far
    kept: list[int] = []
    n_dup = 0
    for k in range(len(w)):
        if not ok[k]:
            continue
        if kept:
            kb = boxes[kept]
            b = boxes[k]
            meet = np.all((kb[:, :, 0] <= b[:, 1]) & (b[:, 0] <= kb[:, :, 1])
                          & (kb[:, :, 2] <= b[:, 3]) & (b[:, 2] <= kb[:, :, 3]), axis=1)
            if meet.any():
                j = kept[int(np.flatnonzero(meet)[0])]
                certs[k].duplicate_of = j
                certs[k].reason = f"its enclosure meets the enclosure of point {j} (duplicate)"
                n_dup += 1
                continue
        kept.append(k)
        certs[k].certified = True
    for c in certs:
        if not c.certified:
            c.torus = False
            c.real = None if c.duplicate_of is None else c.real
    counted = [certs[k] for k in kept]
    n_cert = len(counted)
    B_C = one_layer_bounds(net, instance.m)[0]
    proves = None if B_C is None else n_cert >= B_C
    precs: dict[int, int] = {}
    for c in counted:
        assert c.precision is not None   # every counted point was certified at some precision
        precs[c.precision] = precs.get(c.precision, 0) + 1
    return Certification(
        n_points=len(w), n_certified=n_cert, n_certified_torus=sum(c.torus for c in counted),
        n_certified_real=sum(c.real is True for c in counted),
        n_certified_nonreal=sum(c.real is False for c in counted),
        n_certified_regular=sum(c.regular for c in counted),
        n_uncertified=len(w) - n_cert, n_duplicates=n_dup, seconds=time.perf_counter() - t0,
        B_C=B_C, proves_count=proves, precisions=precs, points=certs)


# ---------------------------------------------------------------------------------------------
# exact side: the instance's rational data, the sparse form, restrictions to patterns


@contextmanager
def _precision(bits: int) -> Iterator[None]:
    from flint import ctx
    old = ctx.prec
    ctx.prec = bits
    try:
        yield
    finally:
        ctx.prec = old


def _frac_matmul(P: np.ndarray, Q: np.ndarray) -> np.ndarray:
    out = np.empty((P.shape[0], Q.shape[1]), dtype=object)
    for a in range(P.shape[0]):
        for b in range(Q.shape[1]):
            out[a, b] = sum((P[a, k] * Q[k, b] for k in range(P.shape[1])), Fraction(0))
    return out


class _InstanceContext:
    """Exact data of the instance, shared by every pattern: A, B, Λ as Fractions, the sparse form."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        net = instance.network
        vals = instance.exact_values()
        X = np.array([[Fraction(v) for v in row] for row in vals[0]], dtype=object)
        Y = np.array([[Fraction(v) for v in row] for row in vals[1]], dtype=object)
        self.A = _frac_matmul(X, X.T)
        self.B = _frac_matmul(Y, X.T)
        self.lam = [Fraction(v) for v in net.flatten([np.asarray(L, dtype=object) for L in vals[2:]])]
        self.A_float = np.array(self.A, dtype=float)
        self.B_float = np.array(self.B, dtype=float)
        self._sparse: SparseSystem | None = None
        self._systems: dict[tuple[tuple[int, ...], tuple[int, ...], int], _BallSystem] = {}

    def sparse(self) -> SparseSystem:
        if self._sparse is None:
            from ..model.symbolic import sparse_system
            self._sparse = sparse_system(self.instance, exact=True)
        return self._sparse

    def sub_instance(self, pat: ZeroPattern) -> Instance:
        sub = pat.sub_network
        inst = self.instance
        vals = inst.exact_values()
        lam = [self.lam[i] for i in pat.coordinates]
        lam_mats = sub.unflatten(np.array(lam, dtype=object))
        exact = (vals[0], vals[1], *[np.asarray(L, dtype=object) for L in lam_mats])
        return Instance(sub, inst.X, inst.Y, tuple(np.array(L, dtype=float) for L in lam_mats),
                        seed=inst.seed, source=inst.source, exact=exact)

    def pattern_problem(self, pat: ZeroPattern) -> str:
        """Exact checks of the zero-pattern argument; an empty string when they hold."""
        full = self.sparse()
        if pat.is_origin:
            if any(np.any(np.all(e == 0, axis=1)) for e in full.exponents):
                return "the system has a constant term: the origin is not a solution"
            return ""
        mask = pat.mask
        zeroed = np.flatnonzero(~mask)
        if len(zeroed) == 0:
            return ""
        for k in zeroed:
            e = full.exponents[k]
            if len(e) and not np.all(e[:, zeroed].sum(axis=1) > 0):
                return (f"equation {k} does not vanish on the pattern's coordinate subspace: "
                        "points with this pattern are not critical points")
        from ..model.symbolic import sparse_system
        sub = sparse_system(self.sub_instance(pat), exact=True)
        coords = pat.coordinates
        for s, k in enumerate(coords):
            e, c = full.exponents[k], full.coefficients[k]
            alive = e[:, zeroed].sum(axis=1) == 0 if len(zeroed) else np.ones(len(e), bool)
            restricted = {tuple(row[coords]): coef for row, coef in zip(e[alive], c[alive])}
            own = {tuple(row): coef for row, coef in zip(sub.exponents[s], sub.coefficients[s])}
            if restricted != own:
                return (f"equation {k} restricted to the pattern's subspace differs from the sub-network's "
                        "own equation")
        return ""

    def system(self, net: Network, coords: np.ndarray, prec: int) -> _BallSystem:
        key = (net.widths, tuple(int(i) for i in coords), prec)
        if key not in self._systems:
            self._systems[key] = _BallSystem(net, self.A, self.B, [self.lam[i] for i in coords], prec)
        return self._systems[key]

    def parameters(self, coords: np.ndarray) -> Parameters:
        return Parameters(self.A_float, self.B_float, np.array([float(self.lam[i]) for i in coords]))


# ---------------------------------------------------------------------------------------------
# ball arithmetic: the gradient system and its Jacobian through the matrix formula


class _BallSystem:
    """F(W) = U_iᵀ (W A − B) V_iᵀ + Λ ∘ W_i and its Jacobian, in acb ball arithmetic at ``prec`` bits."""

    def __init__(self, net: Network, A: np.ndarray, B: np.ndarray, lam: list[Fraction], prec: int) -> None:
        from flint import acb, acb_mat, arb, fmpq
        self.net, self.prec = net, prec

        def ball(q: Fraction):
            return acb(arb(fmpq(q.numerator, q.denominator)))

        with _precision(prec):
            self.A = acb_mat([[ball(v) for v in row] for row in A])
            self.B = acb_mat([[ball(v) for v in row] for row in B])
            self.lam = [ball(v) for v in lam]
            self.eye_x, self.eye_y, self.eye_N = _eye(net.dx), _eye(net.dy), _eye(net.N)

    def _mats(self, w: list) -> list:
        from flint import acb_mat
        net = self.net
        o = net.offsets
        return [acb_mat(r, c, w[o[i]:o[i + 1]]) for i, (r, c) in enumerate(net.shapes)]

    def _products(self, w: list):
        L = self.net.n_layers
        Ws = self._mats(w)
        V = [self.eye_x]
        for i in range(1, L):
            V.append(Ws[i - 1] * V[-1])
        U = [self.eye_y] * L
        for i in range(L - 2, -1, -1):
            U[i] = U[i + 1] * Ws[i + 1]
        E = Ws[-1] * V[-1] * self.A - self.B
        return Ws, V, U, E

    def evaluate(self, w: list) -> list:
        """F at w (N acb), as a list of acb."""
        with _precision(self.prec):
            Ws, V, U, E = self._products(w)
            out = []
            for i in range(self.net.n_layers):
                out.extend((U[i].transpose() * E * V[i].transpose()).entries())
            return [g + l * x for g, l, x in zip(out, self.lam, w)]

    def jacobian(self, w: list):
        """Enclosure of the Jacobian over the box w (N acb), an N × N acb_mat (symmetric)."""
        from flint import acb_mat
        net = self.net
        N, o, L = net.N, net.offsets, net.n_layers
        with _precision(self.prec):
            Ws, V, U, E = self._products(w)
            Ut = [u.transpose() for u in U]
            Vt = [v.transpose() for v in V]
            rows: list[list] = [[None] * N for _ in range(N)]
            for i in range(L):
                ni, ni1 = net.shapes[i]
                M = None
                for j in range(i, L):
                    nj, nj1 = net.shapes[j]
                    P = (Ut[i] * U[j]).tolist()                         # (ni, nj)
                    Q = (V[j] * self.A * Vt[i]).tolist()                # (nj1, ni1): entry [e, b]
                    if j > i:
                        # M = W_{j-1} ⋯ W_{i+1} (identity when j = i + 1), shape (nj1, ni)
                        M = _eye(ni) if j == i + 1 else Ws[j - 1] * M
                        Mm = M.tolist()
                        R = (Ut[j] * E * Vt[i]).tolist()               # (nj, ni1): entry [c, b]
                    for a in range(ni):
                        Pa = P[a]
                        for b in range(ni1):
                            row = rows[o[i] + a * ni1 + b]
                            col = o[j]
                            for c in range(nj):
                                p = Pa[c]
                                if j > i:
                                    rc = R[c][b]
                                    for e in range(nj1):
                                        row[col] = p * Q[e][b] + Mm[e][a] * rc
                                        col += 1
                                else:
                                    for e in range(nj1):
                                        row[col] = p * Q[e][b]
                                        col += 1
                    if j > i:
                        for r in range(o[i], o[i + 1]):
                            src = rows[r]
                            for cc in range(o[j], o[j + 1]):
                                rows[cc][r] = src[cc]
            for k in range(N):
                rows[k][k] = rows[k][k] + self.lam[k]
            return acb_mat(rows)


# ---------------------------------------------------------------------------------------------
# the Krawczyk test


def _to_acb(values: np.ndarray) -> list:
    from flint import acb
    return [acb(complex(v)) for v in values]


def _mat_from_numpy(M: np.ndarray):
    from flint import acb, acb_mat
    if np.iscomplexobj(M) and np.any(M.imag != 0):
        return acb_mat([[acb(complex(v)) for v in row] for row in M])
    return acb_mat([[acb(float(v)) for v in row] for row in np.real(M)])


def _upper(x) -> float:
    """A float ≥ the arb x (slightly enlarged; used for choosing radii and for outward bounds)."""
    v = float(x.upper())
    return v + abs(v) * 4 * _EPS + 1e-300 if np.isfinite(v) else float("inf")


def _krawczyk(system: _BallSystem, xt: list, Y, r: float):
    """One Krawczyk test on X = x̃ + [−r, r](1 + i); returns (success, X, K) with K a list of acb."""
    from flint import acb, acb_mat, arb
    N = len(xt)
    with _precision(system.prec):
        D = acb(arb(0, r), arb(0, r))
        X = [x + D for x in xt]
        F = acb_mat(N, 1, system.evaluate(xt))
        J = system.jacobian(X)
        Dx = acb_mat(N, 1, [X[k] - xt[k] for k in range(N)])
        C = system.eye_N - Y * J
        K = (acb_mat(N, 1, xt) - Y * F + C * Dx).entries()
        ok = all(X[k].contains_interior(K[k]) for k in range(N))
    return ok, X, K


def _newton_radius(system: _BallSystem, xt: list, Y) -> float:
    """An upper bound on ‖Y F(x̃)‖∞, the size of the Newton step."""
    from flint import acb_mat
    with _precision(system.prec):
        s = (Y * acb_mat(len(xt), 1, system.evaluate(xt))).entries()
        return max((_upper(v.abs_upper()) for v in s), default=0.0)


def _attempt(system: _BallSystem, xt: list, Y, scale: float, rmax: float):
    """ε-inflation at one precision: (X, K, r) on success, None otherwise."""
    prec = system.prec
    floor = 2.0 ** (-(prec - 8)) * scale
    r = max(4.0 * _newton_radius(system, xt, Y), floor)
    for _ in range(INFLATION_ROUNDS):
        if not np.isfinite(r) or r > rmax:
            return None
        ok, X, K = _krawczyk(system, xt, Y, r)
        if ok:
            return X, K, r
        with _precision(prec):
            ext = max(_upper((K[k] - xt[k]).abs_upper()) for k in range(len(xt)))
        r = max(2.0 * ext, 2.0 * r)
    return None


def _refine_high(system: _BallSystem, xt: list, real: bool, steps: int = 3):
    """Newton refinement at the system's precision; returns (x̃, Y) with exact midpoints, or None."""
    from flint import acb, acb_mat
    N = len(xt)
    with _precision(system.prec):
        try:
            for _ in range(steps):
                Y = _mid_mat(system.jacobian(xt).mid().inv(), real)
                F = acb_mat(N, 1, system.evaluate(xt))
                new = (acb_mat(N, 1, xt) - Y * F).entries()
                xt = [acb(v.real.mid()) if real else v.mid() for v in new]
            Y = _mid_mat(system.jacobian(xt).mid().inv(), real)
        except (ZeroDivisionError, ValueError):
            return None
    return xt, Y


def _mid_mat(M, real: bool):
    from flint import acb, acb_mat
    if real:
        return acb_mat([[acb(v.real.mid()) for v in row] for row in M.tolist()])
    return M.mid()


def _box_bounds(K: list, coords: np.ndarray, N: int) -> np.ndarray:
    """Outward-rounded float bounds (N, 4) of the enclosure K embedded in C^N (exact zeros elsewhere)."""
    out = np.zeros((N, 4))
    for v, k in zip(K, coords):
        for part, col in ((v.real, 0), (v.imag, 2)):
            m = float(part.mid())
            rad = _upper(part.rad())
            margin = 4 * _EPS * (abs(m) + rad) + 1e-300
            out[k, col] = m - rad - margin
            out[k, col + 1] = m + rad + margin
    return out


# ---------------------------------------------------------------------------------------------
# numeric preparation (vectorized) and the per-pattern drivers


def _numeric(network: Network, params: Parameters, w: np.ndarray, real: np.ndarray):
    """Newton-refined points, approximate inverse Jacobians and condition numbers, batched."""
    system = GradientSystem(network)
    x = np.where(real[:, None], w.real + 0j, w)
    if len(x) == 0:
        return x, np.zeros((0, network.N, network.N), complex), np.zeros(0)
    for _ in range(NEWTON_STEPS):
        F, J = system.evaluate_and_jacobian(x, params)
        try:
            step = np.linalg.solve(J, F[..., None])[..., 0]
        except np.linalg.LinAlgError:
            step = np.stack([np.linalg.lstsq(Jk, Fk, rcond=None)[0] for Jk, Fk in zip(J, F)])
        x = x - step
        x = np.where(real[:, None], x.real + 0j, x)
    J = system.jacobian(x, params)
    Y = np.empty_like(J)
    for k in range(len(J)):
        try:
            Y[k] = np.linalg.inv(J[k])
        except np.linalg.LinAlgError:
            Y[k] = np.linalg.pinv(J[k])
    with np.errstate(all="ignore"):
        cond = np.linalg.cond(J)
    Y = np.where(real[:, None, None], Y.real + 0j, Y)
    return x, Y, cond


def _certify_one(ctx: _InstanceContext, net: Network, coords: np.ndarray, x0: np.ndarray, Y0: np.ndarray,
                 w_in: np.ndarray, real: bool, tol: float):
    """Krawczyk at increasing precision; returns (X, K, r, prec, distance), or a reason (str)."""
    scale = max(1.0, float(np.max(np.abs(w_in)))) if len(w_in) else 1.0
    rmax = tol * scale
    moved = float(np.max(np.abs(x0 - w_in), initial=0.0))
    if not moved <= rmax:
        return (f"not an approximate solution: Newton's method moves it by {moved:.3g} "
                f"(more than {rmax:.3g})")
    for prec in PRECISIONS:
        system = ctx.system(net, coords, prec)
        if prec == PRECISIONS[0]:
            xt = _to_acb(x0.real if real else x0)
            with _precision(prec):
                Y = _mat_from_numpy(Y0)
        else:
            ref = _refine_high(system, xt, real)
            if ref is None:
                return f"the Jacobian is numerically singular at {prec} bits"
            xt, Y = ref
            center = np.array([complex(v) for v in xt])
            if not np.max(np.abs(center - w_in), initial=0.0) <= rmax:
                return f"Newton's method at {prec} bits moves the point by more than {rmax:.3g}"
        got = _attempt(system, xt, Y, scale, rmax)
        if got is not None:
            X, K, r = got
            center = np.array([complex(v) for v in xt])
            return X, K, r, prec, float(np.max(np.abs(center - w_in), initial=0.0)) + r
    return f"Krawczyk test failed up to {PRECISIONS[-1]} bits"


def _certify_group(ctx: _InstanceContext, pat: ZeroPattern, w: np.ndarray, idx: list[int],
                   certs: list[PointCertificate], boxes: np.ndarray, ok: np.ndarray, tol: float) -> None:
    """Points of one (non-origin) pattern: torus solutions of its sub-network."""
    from flint import acb
    full = ctx.instance.network
    coords = pat.coordinates
    net = pat.sub_network
    params = ctx.parameters(coords)
    ws = w[idx][:, coords]
    scale = np.maximum(1.0, np.max(np.abs(ws), axis=1))
    near_real = np.max(np.abs(ws.imag), axis=1) <= tol * scale
    x_cplx, Y_cplx, cond_cplx = _numeric(net, params, ws, np.zeros(len(idx), bool))
    x_real, Y_real, cond_real = x_cplx.copy(), Y_cplx.copy(), cond_cplx.copy()
    if near_real.any():
        sel = np.flatnonzero(near_real)
        x_real[sel], Y_real[sel], cond_real[sel] = _numeric(net, params, ws[sel], np.ones(len(sel), bool))
    zeroed = np.flatnonzero(~pat.mask)
    for t, k in enumerate(idx):
        c = certs[k]
        c.condition = float(cond_real[t] if near_real[t] else cond_cplx[t])
        got: Any = None
        is_real = False
        if near_real[t]:
            got = _certify_one(ctx, net, coords, x_real[t], Y_real[t], ws[t], True, tol)
            is_real = not isinstance(got, str)
        if got is None or isinstance(got, str):
            got = _certify_one(ctx, net, coords, x_cplx[t], Y_cplx[t], ws[t], False, tol)
        if isinstance(got, str):
            c.reason = f"{got} (condition number {c.condition:.3g})"
            continue
        X, K, r, prec, dist = got
        with _precision(prec):
            if any(v.contains(acb(0)) for v in K):
                c.reason = "the enclosure contains a zero coordinate: its zero pattern is not proved"
                continue
            if is_real and not all(v.imag.mid() == 0 for v in X):
                is_real = False
            real = True if is_real else (False if any(not v.imag.contains(0) for v in K) else None)
        c.real, c.precision, c.radius, c.distance = real, prec, r, dist
        c.torus = len(zeroed) == 0
        c.regular = True if len(zeroed) == 0 else _zero_block_regular(ctx, full, coords, zeroed, K, prec)
        boxes[k] = _box_bounds(K, coords, full.N)
        ok[k] = True


def _zero_block_regular(ctx: _InstanceContext, full: Network, coords: np.ndarray, zeroed: np.ndarray,
                        K: list, prec: int) -> bool:
    """Is the zeroed block J_ZZ of the full Jacobian nonsingular over the enclosure K (embedded)?"""
    from flint import acb, acb_mat, arb
    system = ctx.system(full, np.arange(full.N), prec)
    with _precision(prec):
        w = [acb(0)] * full.N
        for v, i in zip(K, coords):
            w[i] = v
        J = system.jacobian(w).tolist()
        JZ = acb_mat([[J[a][b] for b in zeroed] for a in zeroed])
        mid = np.array([[complex(v.mid()) for v in row] for row in JZ.tolist()])
        try:
            Yz = np.linalg.inv(mid)
        except np.linalg.LinAlgError:
            return False
        n = len(zeroed)
        C = _eye(n) - _mat_from_numpy(Yz) * JZ
        rows = C.tolist()
        return all(_upper(sum((v.abs_upper() for v in row), arb(0))) < 1.0 for row in rows)


def _eye(n: int):
    from flint import acb, acb_mat
    return acb_mat([[acb(int(a == b)) for b in range(n)] for a in range(n)])


def _certify_origin(ctx: _InstanceContext, w: np.ndarray, idx: list[int], certs: list[PointCertificate],
                    boxes: np.ndarray, ok: np.ndarray, tol: float) -> None:
    """The origin: an exact solution; Krawczyk at x̃ = 0 in the full system proves it regular."""
    net = ctx.instance.network
    coords = np.arange(net.N)
    params = ctx.parameters(coords)
    zero = np.zeros((1, net.N), complex)
    _, Y0, cond = _numeric(net, params, zero, np.ones(1, bool))
    got = None
    for prec in PRECISIONS:
        system = ctx.system(net, coords, prec)
        with _precision(prec):
            Y = _mat_from_numpy(Y0[0]) if prec == PRECISIONS[0] else _mid_mat(
                system.jacobian(_to_acb(zero[0])).mid().inv(), True)
        got = _attempt(system, _to_acb(zero[0]), Y, 1.0, tol)
        if got is not None:
            break
    for k in idx:
        c = certs[k]
        c.condition = float(cond[0])
        if np.max(np.abs(w[k]), initial=0.0) > tol:
            c.reason = "the point is not the origin"
            continue
        if got is None:
            c.reason = "Krawczyk test at the origin failed (the origin may be a singular critical point)"
            continue
        c.real, c.precision, c.radius, c.regular = True, prec, got[2], True
        c.distance = float(np.max(np.abs(w[k]), initial=0.0))
        boxes[k] = 0.0          # the origin is exactly 0
        ok[k] = True
