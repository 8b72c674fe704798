"""Double-double arithmetic, the double-double residual and mixed-precision refinement
(linnet_cli.homotopy.double_double), judged by exact rational arithmetic (fractions.Fraction) on the same doubles."""
from __future__ import annotations

import math
from fractions import Fraction as Fr

import numpy as np
import pytest

from linnet_cli.homotopy import double_double as dd
from linnet_cli.homotopy.evaluator import network_arrays
from linnet_cli.model.gradient import GradientSystem, Parameters
from linnet_cli.model.instance import random_instance
from linnet_cli.model.network import Network
from linnet_cli.homotopy.tracker import scaled_cond

#: The double-double unit roundoff 2^-106.
U_DD = 2.0 ** -106
EPS = float(np.finfo(float).eps)


# --- exact complex rationals ----------------------------------------------------------------------

class Q:
    """A complex rational re + im i (Fractions)."""

    __slots__ = ("re", "im")

    def __init__(self, re: Fr, im: Fr = Fr(0)) -> None:
        self.re, self.im = re, im

    @staticmethod
    def of(z) -> Q:
        z = complex(z)
        return Q(Fr(z.real), Fr(z.imag))

    @staticmethod
    def dd(a) -> Q:
        """A complex double-double (re_hi, re_lo, im_hi, im_lo) exactly."""
        return Q(Fr(float(a[0])) + Fr(float(a[1])), Fr(float(a[2])) + Fr(float(a[3])))

    def __add__(self, o: Q) -> Q:
        return Q(self.re + o.re, self.im + o.im)

    def __sub__(self, o: Q) -> Q:
        return Q(self.re - o.re, self.im - o.im)

    def __mul__(self, o: Q) -> Q:
        return Q(self.re * o.re - self.im * o.im, self.re * o.im + self.im * o.re)

    def __complex__(self) -> complex:
        return complex(float(self.re), float(self.im))

    def __abs__(self) -> float:
        return abs(complex(self))


def _mm(P, R):
    return [[sum((P[i][k] * R[k][j] for k in range(1, len(R))), P[i][0] * R[0][j]) for j in range(len(R[0]))]
            for i in range(len(P))]


def _T(P):
    return [list(r) for r in zip(*P)]


def _eye(n):
    return [[Q(Fr(int(i == j))) for j in range(n)] for i in range(n)]


def exact_F(net: Network, w, X, Y, lam) -> list[Q]:
    """F(w) = U_iᵀ (W X Xᵀ − Y Xᵀ) V_iᵀ + Λ ∘ W in exact rational arithmetic; w may hold Q entries."""
    Xq = [[Q.of(v) for v in r] for r in np.asarray(X, complex)]
    Yq = [[Q.of(v) for v in r] for r in np.asarray(Y, complex)]
    wq = [v if isinstance(v, Q) else Q.of(v) for v in w]
    Ws = [[[wq[net.offsets[i] + a * c + b] for b in range(c)] for a in range(r)] for i, (r, c) in enumerate(net.shapes)]
    L = len(Ws)
    V = [_eye(net.dx)]
    for i in range(1, L):
        V.append(_mm(Ws[i - 1], V[i - 1]))
    U = [_eye(net.dy)] * L
    for i in range(L - 2, -1, -1):
        U[i] = _mm(U[i + 1], Ws[i + 1])
    WA = _mm(_mm(Ws[L - 1], V[L - 1]), _mm(Xq, _T(Xq)))
    B = _mm(Yq, _T(Xq))
    E = [[WA[i][j] - B[i][j] for j in range(len(B[0]))] for i in range(len(B))]
    out = [g for i in range(L) for row in _mm(_mm(_T(U[i]), E), _T(V[i])) for g in row]
    return [out[q] + Q.of(lam[q]) * wq[q] for q in range(net.N)]


def term_sizes(net: Network, w, X, Y, lam) -> np.ndarray:
    """Per equation, the size of its terms: F evaluated on absolute values with every minus a plus."""
    Ws = [np.abs(m) for m in net.unflatten(np.asarray(w))]
    aX, aY = np.abs(X), np.abs(Y)
    L = len(Ws)
    V = [np.eye(net.dx)]
    for i in range(1, L):
        V.append(Ws[i - 1] @ V[i - 1])
    U = [np.eye(net.dy)] * L
    for i in range(L - 2, -1, -1):
        U[i] = U[i + 1] @ Ws[i + 1]
    E = Ws[L - 1] @ V[L - 1] @ aX @ aX.T + aY @ aX.T
    return net.flatten([U[i].T @ E @ V[i].T for i in range(L)]) + np.abs(lam) * np.abs(w)


def _doubles(rng, n: int) -> np.ndarray:
    """Random doubles of every sign over a wide range of exponents, with a few special values."""
    x = rng.normal(size=n) * 2.0 ** rng.integers(-80, 80, size=n)
    x[:6] = [0.0, 1.0, -1.0, 2.0 ** -1000, 1.5 * 2 ** 500, -(2.0 ** 53 - 1)]
    return x


def _dd_numbers(rng, n: int) -> list[tuple[float, float]]:
    """Random normalized double-doubles (hi, lo)."""
    out = []
    for h in _doubles(rng, n):
        lo = h * EPS * rng.uniform(-0.5, 0.5)
        out.append(dd.quick_two_sum(h, lo))
    return out


# --- error-free transformations and the arithmetic ------------------------------------------------

def test_two_sum_quick_two_sum_split_two_prod_are_exact():
    rng = np.random.default_rng(1)
    a, b = _doubles(rng, 400), rng.permutation(_doubles(rng, 400))
    for x, y in zip(a, b):
        s, e = dd.two_sum(x, y)
        assert s == x + y and Fr(s) + Fr(e) == Fr(x) + Fr(y)
        big, small = (x, y) if abs(x) >= abs(y) else (y, x)
        s, e = dd.quick_two_sum(big, small)
        assert s == x + y and Fr(s) + Fr(e) == Fr(x) + Fr(y)
        if abs(x * y) < 1e300 and (x * y == 0 or abs(x * y) > 1e-280):    # no overflow, no underflow
            p, e = dd.two_prod(x, y)
            assert p == x * y and Fr(p) + Fr(e) == Fr(x) * Fr(y)
    for x in list(a) + [1e300, -1.7e308, 6.7e299]:       # split, also above the overflow threshold
        hi, lo = dd.split(x)
        assert Fr(hi) + Fr(lo) == Fr(x)
        for part in (hi, lo):
            if part:
                assert int(math.frexp(part)[0] * 2 ** 53) % 2 ** 27 == 0     # at most 26 significant bits


def test_real_double_double_add_sub_mul_against_fractions():
    rng = np.random.default_rng(2)
    A, B = _dd_numbers(rng, 300), _dd_numbers(rng, 300)
    B[6:20] = [(-h, -l * 0.5) for h, l in A[6:20]]          # heavy cancellation: the exact sum is tiny
    worst = {"add": 0.0, "sub": 0.0, "mul": 0.0}
    for (ah, al), (bh, bl) in zip(A, B):
        fa, fb = Fr(ah) + Fr(al), Fr(bh) + Fr(bl)
        for name, f, exact in (("add", dd.dd_add, fa + fb), ("sub", dd.dd_sub, fa - fb), ("mul", dd.dd_mul, fa * fb)):
            if name == "mul" and not 1e-250 < abs(float(exact)) < 1e250:
                continue
            h, lo = f(ah, al, bh, bl)
            assert abs(lo) <= abs(h) * EPS / 2 * (1 + 1e-15)    # normalized
            if exact:
                worst[name] = max(worst[name], float(abs(Fr(h) + Fr(lo) - exact) / abs(exact)))
            else:
                assert h == lo == 0.0
    assert worst["add"] <= 2 * U_DD and worst["sub"] <= 2 * U_DD      # accurate addition, also under cancellation
    assert worst["mul"] <= 8 * U_DD
    third = (1.0 / 3, float(Fr(1, 3) - Fr(1.0 / 3)))                # 1/3 to 106 bits
    h, lo = dd.dd_mul_d(*third, 3.0)
    assert abs(Fr(h) + Fr(lo) - 1) <= 2 * U_DD
    for (ah, al), b in zip(A[6:], rng.normal(size=len(A)) * 10.0 ** rng.integers(-20, 20, size=len(A))):
        exact = (Fr(ah) + Fr(al)) * Fr(b)
        if 1e-250 < abs(float(exact)) < 1e250:
            h, lo = dd.dd_mul_d(ah, al, b)
            assert abs(Fr(h) + Fr(lo) - exact) <= 4 * U_DD * abs(exact)


def test_complex_double_double_multiply_against_fractions():
    rng = np.random.default_rng(3)
    for _ in range(200):
        re_a, im_a, re_b, im_b = (dd.quick_two_sum(v, v * EPS * rng.uniform(-0.5, 0.5))
                                  for v in rng.normal(size=4) * 10.0 ** rng.integers(-5, 5, size=4))
        a, b = (*re_a, *im_a), (*re_b, *im_b)
        qa, qb = Q.dd(a), Q.dd(b)
        exact = qa * qb
        got = Q.dd(dd.cdd_mul(a, b))
        size_re = abs(qa.re * qb.re) + abs(qa.im * qb.im)
        size_im = abs(qa.re * qb.im) + abs(qa.im * qb.re)
        assert abs(got.re - exact.re) <= 8 * U_DD * size_re
        assert abs(got.im - exact.im) <= 8 * U_DD * size_im
        # by a complex double, and two complex doubles (exact products, one rounding per part)
        z = complex(a[0], a[2])
        got = Q.dd(dd.cdd_mul_c(b, z))
        exact = qb * Q.of(z)
        assert abs(got.re - exact.re) <= 8 * U_DD * size_re and abs(got.im - exact.im) <= 8 * U_DD * size_im
        y = complex(b[0], b[2])
        got, exact = Q.dd(dd.c_mul_c(z, y)), Q.of(z) * Q.of(y)
        assert abs(got.re - exact.re) <= 2 * U_DD * abs(exact.re) and abs(got.im - exact.im) <= 2 * U_DD * abs(exact.im)
    # sums and differences of complex double-doubles, and rounding back
    a, b = (1.0, 1e-20, -2.0, 3e-21), (-1.0, 2e-20, 2.0, -1e-21)
    qa, qb = Q.dd(a), Q.dd(b)
    for got, exact in ((Q.dd(dd.cdd_add(a, b)), qa + qb), (Q.dd(dd.cdd_sub(a, b)), qa - qb)):
        assert abs(got.re - exact.re) <= 2 * U_DD * abs(exact.re) and abs(got.im - exact.im) <= 2 * U_DD * abs(exact.im)
    assert Q.dd(dd.cdd_add(a, b)).re == Fr(1e-20) + Fr(2e-20)        # the highs cancel, the lows remain exactly
    assert dd.cdd_round(dd.cdd(1 + 2j)) == 1 + 2j
    z = np.array([[1 + 2j, -3.5j], [0.1, 1e300 - 1e-300j]])
    assert dd.to_dd(z).shape == (2, 2, 4) and np.array_equal(dd.dd_round(dd.to_dd(z)), z)


# --- the residual ---------------------------------------------------------------------------------

NETS = [(2, 2, 2), (3, 2, 1, 4), (1, 1, 1), (2, 3)]


@pytest.mark.parametrize("widths", NETS)
def test_residual_dd_equals_the_double_evaluation_to_rounding(widths):
    net = Network(widths)
    inst = random_instance(net, m=2, seed=4)
    rng = np.random.default_rng(5)
    w = rng.normal(size=(6, net.N)) + 1j * rng.normal(size=(6, net.N))
    F = GradientSystem(net).evaluate(w, Parameters.from_instance(inst))
    G = dd.residual_dd(net, w, inst.X, inst.Y, inst.lambda_flat)
    assert G.shape == F.shape and G.dtype == np.complex128
    assert np.abs(G - F).max() <= 1e-14 * np.abs(F).max()
    # per-point data, and a single point
    Xs = inst.X[None] * rng.uniform(0.5, 2, size=(6, 1, 1))
    Gs = dd.residual_dd(net, w, Xs, inst.Y, inst.lambda_flat)
    for p in range(6):
        assert np.array_equal(Gs[p], dd.residual_dd(net, w[p], Xs[p], inst.Y, inst.lambda_flat))
    # the njit entry point with the evaluator's network arrays
    one = dd.gradient_residual_dd(w[0], inst.X.astype(complex), inst.Y.astype(complex),
                                  inst.lambda_flat.astype(complex), *network_arrays(net))
    assert np.array_equal(one, G[0])
    with pytest.raises(ValueError, match="do not fit"):            # shapes are checked before the kernel
        dd.residual_dd(net, w, inst.X[:, :1], inst.Y, inst.lambda_flat)


@pytest.mark.parametrize("widths", [(2, 2, 2), (3, 2, 1, 4)])
def test_residual_dd_matches_exact_rational_evaluation(widths):
    """Against F computed exactly from the same doubles: the double-double value (hi + lo, unrounded)
    is within 1e-30 of the terms' size, the double one within ~1e-16 (and no better)."""
    net = Network(widths)
    rng = np.random.default_rng(6)
    X = rng.normal(size=(net.dx, 2)) + 1j * rng.normal(size=(net.dx, 2))
    Y = rng.normal(size=(net.dy, 2)) + 1j * rng.normal(size=(net.dy, 2))
    lam = rng.uniform(0.1, 1, size=net.N) + 0j
    w = rng.normal(size=net.N) + 1j * rng.normal(size=net.N)
    exact = exact_F(net, w, X, Y, lam)
    T = term_sizes(net, w, X, Y, lam)
    parts = dd.gradient_residual_dd_parts(w, X, Y, lam, *network_arrays(net))
    err_dd = np.array([abs(Q.dd(parts[q]) - exact[q]) for q in range(net.N)]) / T
    F = GradientSystem(net).evaluate(w[None], Parameters.from_data(X, Y, lam))[0]
    err_d = np.array([abs(Q.of(F[q]) - exact[q]) for q in range(net.N)]) / T
    assert err_dd.max() < 1e-30                  # measured below 1e-32
    assert 1e-18 < err_d.max() < 1e-14           # measured 4e-17 to 7e-17


def test_double_residual_is_rounding_noise_where_the_compensated_one_is_accurate():
    """A polynomial whose terms (~1) cancel to ~1e-20: the data are nearly interpolated (W X − Y ~ 1e-4,
    so E = W A − B is a difference of terms ~1) and Λ = −g(W)/W rounded, which leaves F(W) ~ ε|g|.
    The double residual is rounding noise of the terms' size, with not one correct digit; the
    double-double one agrees with the exact value to many digits."""
    net = Network((2, 2, 2))
    rng = np.random.default_rng(7)
    w = rng.normal(size=net.N) + 1j * rng.normal(size=net.N)
    Ws = net.unflatten(w)
    X = rng.normal(size=(2, 2)) + 1j * rng.normal(size=(2, 2))
    Y = Ws[1] @ Ws[0] @ X - 1e-4 * (rng.normal(size=(2, 2)) + 1j * rng.normal(size=(2, 2)))
    g = np.array([complex(v) for v in exact_F(net, w, X, Y, np.zeros(net.N))])
    lam = -g / w
    exact = np.array([complex(v) for v in exact_F(net, w, X, Y, lam)])
    T = term_sizes(net, w, X, Y, lam)
    assert T.min() > 0.1 and np.abs(exact).max() < 1e-18 * T.min() and np.abs(exact).min() > 0
    F = GradientSystem(net).evaluate(w[None], Parameters.from_data(X, Y, lam))[0]
    Fdd = dd.residual_dd(net, w, X, Y, lam)
    err_d = np.abs(F - exact)
    assert np.all(err_d > 10 * np.abs(exact))                   # no correct digit anywhere
    assert err_d.max() < 1e-14 * T.max()                        # ... it is rounding of the terms
    assert np.all(np.abs(Fdd - exact) <= 1e-8 * np.abs(exact))  # at least 8 correct digits


# --- refinement -----------------------------------------------------------------------------------

def _reference(net, x0, X, Y, lam) -> list[Q]:
    """The solution near x0 to far beyond double precision: Newton with x in exact rationals, the exact
    residual and the double Jacobian at the rounded iterate (linear convergence at rate ~cond·ε), until
    the correction is below 1e-40 relative."""
    gs, p = GradientSystem(net), Parameters.from_data(X, Y, lam)
    xq = [Q.of(v) for v in x0]
    for _ in range(20):
        J = gs.jacobian(np.array([complex(v) for v in xq])[None], p)[0]
        d = np.linalg.solve(J, np.array([complex(v) for v in exact_F(net, xq, X, Y, lam)]))
        xq = [xq[q] - Q.of(d[q]) for q in range(net.N)]
        if np.linalg.norm(d) < 1e-40 * np.linalg.norm(x0):
            return xq
    raise AssertionError("the rational Newton did not converge")


def _error(x, ref: list[Q]) -> float:
    """Largest relative error of a coordinate."""
    return max(abs(Q.of(x[q]) - ref[q]) / abs(ref[q]) for q in range(len(ref)))


def _double_newton(net, x, X, Y, lam, iterations=6) -> list[np.ndarray]:
    gs, p = GradientSystem(net), Parameters.from_data(X, Y, lam)
    out = []
    for _ in range(iterations):
        F, J = gs.evaluate_and_jacobian(x[None], p)
        x = x - np.linalg.solve(J[0], F[0])
        out.append(x)
    return out


#: An ill-conditioned regular critical point of widths 2,2,3 with m = 2 (random_instance, seed 3), as
#: linnet's solve found it (to 12 digits): norm 1.7e3, scaled condition number 1.2e9.
POINT_223 = [157.840454150 + 898.047207001j, 773.598286902 - 135.965839355j, -855.992353376 + 152.882818715j,
             127.651395358 + 714.729241271j, 2.80564943799 - 0.222366717650j, 0.241570553467 + 2.94437485493j,
             -26.1291600764 - 148.678889109j, 155.988363313 - 27.8572803135j, -1.13712851715 - 0.0150324564507j,
             0.0135067078552 - 1.19327827087j]


def _near_singular_instance():
    """Widths 2,2,2, m = 2, with a critical point of scaled condition number ~1e9: at a random W, Λ(Y) =
    −g(W; Y)/W makes W critical for every Y, and J(Y) is affine in Y; Y is put on the line Y_0 + s Y_1
    at 1e-7 (relative) from a root of det J."""
    net = Network((2, 2, 2))
    gs = GradientSystem(net)
    rng = np.random.default_rng(0)
    w = rng.normal(size=net.N) + 1j * rng.normal(size=net.N)
    X = rng.normal(size=(2, 2)).astype(complex)
    Y0 = rng.normal(size=(2, 2)).astype(complex)
    Y1 = rng.normal(size=(2, 2)) + 1j * rng.normal(size=(2, 2))
    A, B0, B1 = X @ X.T, Y0 @ X.T, Y1 @ X.T
    L0 = -gs.data_part(w[None], A, B0)[0] / w
    L1 = -gs.data_part(w[None], 0 * A, B1)[0] / w
    J0 = gs.jacobian(w[None], Parameters(A, B0, L0))[0]
    J1 = gs.jacobian(w[None], Parameters(0 * A, B1, L1))[0]
    mu = np.linalg.eigvals(-np.linalg.solve(J0, J1))          # det(J0 + s J1) = 0 at s = 1/μ
    s = 1 / mu[np.argmax(np.abs(mu))] * (1 + 1e-7)
    return net, w, X, Y0 + s * Y1, L0 + s * L1


def _cases():
    net = Network((2, 2, 3))
    inst = random_instance(net, m=2, seed=3)
    yield "natural 2,2,3", net, np.array(POINT_223), inst.X.astype(complex), inst.Y.astype(complex), \
        inst.lambda_flat.astype(complex), 1e-14
    yield "constructed 2,2,2", *_near_singular_instance(), 1e-10


@pytest.mark.parametrize("case", list(_cases()), ids=lambda c: c[0])
def test_refinement_in_double_double_beats_double_newton(case):
    """Double Newton stalls (its residual is noise of the terms' size, amplified by cond); Newton with
    double-double residuals reaches the double nearest the exact solution."""
    _, net, x0, X, Y, lam, stall = case
    gs, p = GradientSystem(net), Parameters.from_data(X, Y, lam)
    cond = scaled_cond(gs.jacobian(x0[None], p), x0[None])[0]
    assert cond > 1e8
    ref = _reference(net, x0, X, Y, lam)
    nearest = np.array([complex(v) for v in ref])
    limit = _error(nearest, ref)                               # the representation limit, ~1e-16
    assert limit < 2e-16
    iterates = _double_newton(net, x0.copy(), X, Y, lam)
    double_err = min(_error(x, ref) for x in iterates[2:])     # the best it keeps reaching
    assert double_err > stall
    x, acc = dd.refine_point_dd(net, iterates[-1], X, Y, lam, iterations=6)
    assert _error(x, ref) <= 4 * limit and _error(x, ref) < double_err / 100
    assert acc < 1e-15
    # classic iterative refinement (one LU) from the double Newton point: the same where cond · error ≪ 1
    if cond * double_err < 1e-2:
        xf, _ = dd.refine_point_dd(net, iterates[-1], X, Y, lam, iterations=3, fixed_jacobian=True)
        assert _error(xf, ref) <= 4 * limit


def test_refine_stops_at_the_tolerance_and_keeps_a_converged_point():
    net = Network((2, 2, 3))
    inst = random_instance(net, m=2, seed=3)
    X, Y, lam = inst.X, inst.Y, inst.lambda_flat
    x, acc = dd.refine_point_dd(net, np.array(POINT_223), X, Y, lam, iterations=8, tol=1e-13)
    assert acc <= 1e-13
    again, acc2 = dd.refine_point_dd(net, x, X, Y, lam, iterations=8)
    assert np.max(np.abs(again - x) / np.abs(x)) < 4 * EPS and acc2 < 1e-16
