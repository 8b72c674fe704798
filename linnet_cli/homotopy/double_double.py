"""Double-double arithmetic (numba) for residuals beyond double precision: mixed-precision refinement.
(One concept over 600 lines: the error-free transformations, the complex double-double operations and
the gradient residual built on them are tested and compiled together.)

Newton's method in double precision pins a regular solution down to about cond · ε (relative) and no
further: near the solution the residual F(x) is a sum of terms far larger than itself, their rounding
leaves noise of size ε · |terms|, and the correction J⁻¹ r amplifies it by the condition number. With
the residual alone evaluated in double-double (noise about ε² · |terms|) and the Jacobian, its LU and
the correction kept in double,

    x ← x − J⁻¹ r(x),   r(x) = F(x) in double-double, rounded to double,

Newton (or Wilkinson's iterative refinement, when one LU is kept) converges to the double nearest the
exact solution for condition numbers up to about 1/ε; HomotopyContinuation.jl does the same when a path
nears the accuracy limit. Measured (tests/test_double_double.py, errors as the largest relative error
of a coordinate against an exact rational reference):

* widths 2,2,3, m = 2 (random_instance, seed 3), a critical point of norm 1.7e3 and scaled condition
  number 1.2e9 that linnet's solve finds: double Newton stalls at 6e-14 to 3e-13; Newton with
  double-double residuals reaches 7.4e-17, the double nearest the solution, in one to three steps;
* widths 2,2,2, m = 2, data put 1e-7 from a singular instance (scaled condition number 8.4e8, plain
  3.4e9): double Newton stalls at 1e-8 to 3e-8; double-double Newton reaches 5.3e-17 in six steps (the
  first steps gain little where cond · error is near 1).

**Arithmetic.** A double-double number is an unevaluated sum hi + lo of two doubles with
|lo| ≤ ulp(hi)/2, about 106 bits of significand (Dekker 1971; Knuth, TAOCP vol. 2, 4.2.2; Bailey's QD
library, Hida–Li–Bailey 2001). The error-free transformations are Knuth's two_sum, Dekker's
quick_two_sum (|a| ≥ |b|), Dekker's split by 2^27 + 1 and Dekker's two_prod without FMA (numba emits
separate multiplies and adds and LLVM does not fuse them without fast-math: the compiled kernels contain
no FMA instruction, and the tests check exactness against :class:`fractions.Fraction`). Addition is QD's
accurate ("IEEE") one, which keeps full relative accuracy under cancellation, the case that matters
here (measured worst 1.4 u, u = 2^-106); multiplication is QD's (worst 2.7 u measured).

**Complex layout.** A complex double-double is four doubles (re_hi, re_lo, im_hi, im_lo). Scalars are
4-tuples, which numba keeps in registers (straight-line code, no allocation); arrays of them are
float64 arrays with a trailing axis of 4. Chosen over a pair of complex128 arrays (hi, lo): an entry is
one contiguous 32-byte block and a matrix one buffer (one argument, one index computation), and every
part is a plain float, which is what the error-free transformations work on (a complex128 pair is split
into real and imaginary parts at every operation anyway). Measured on the matrix product the two layouts
cost the same to within 5 %; the trailing axis makes the simpler code.

**Matrix products** (:func:`dd_matmul` and its variants with a complex128 factor) accumulate each entry
in the manner of Ogita–Rump–Oishi's Dot2 (SIAM J. Sci. Comput. 2005), with the result kept unrounded:
the leading products exact (two_prod), their running sum exact (two_sum), every lower-order part summed
in double, one normalization per entry. The error is about n u · Σ|terms|, as with double-double
operations throughout, at about half the cost (1.8× faster than cdd_mul and cdd_add per term).

**Residual.** :func:`gradient_residual_dd` evaluates the gradient system (see :mod:`linnet_cli.model.gradient`)

    F_l(W) = U_lᵀ (W A − B) V_lᵀ + Λ_l ∘ W_l,   A = X Xᵀ,  B = Y Xᵀ,

at a double point w from double data X, Y, Λ, every product in double-double: A and B from X and Y
(exact products), V_l = W_{l-1}⋯W_1, U_l = W_L⋯W_{l+1}, E = W A − B, U_lᵀ E V_lᵀ, and Λ ∘ W (exact
products). Against exact rational evaluation of the same doubles its error is below 1e-32 of the size of
the terms (widths 2,2,2; 3,2,1,4; 1,1,1; 3,3,3,3), where double evaluation (GradientSystem.evaluate) is
off by 4e-17 to 7e-17 of it. A and B are formed from X and Y on purpose: rounding them to double (as the
tracker's coefficients of A(t) = X(t) X(t)ᵀ are) moves the exact solution by cond · ε, the very error
the refinement removes.

**Cost** (one point, this machine, m = 2, A and B given in double-double as a caller would keep them;
forming them from X and Y adds 10 to 15 %):

    widths     dd residual   double residual   double residual + Jacobian   GradientSystem.evaluate
    2,2,2,2    1.5 µs        0.63 µs           1.9 µs                       33 µs (numpy)
    3,3,3,3    4.0 µs        0.92 µs           3.6 µs                       33 µs (numpy)

(double: the compiled :func:`linnet_cli.homotopy.evaluator.series` at order 0, as the tracker calls it). A
double-double residual costs 2.5 to 4.5 double ones, about one Jacobian; a whole Newton step with it
(:func:`newton_dd`: double Jacobian, LU, double-double residual) costs 5.1 µs against 3.1 µs in double
for 2,2,2,2 (N = 12) and 16.8 µs against 12.3 µs for 3,3,3,3 (N = 27).

Kernels: error-free :func:`two_sum`, :func:`quick_two_sum`, :func:`split`, :func:`two_prod`; real
:func:`dd_add`, :func:`dd_sub`, :func:`dd_mul`, :func:`dd_mul_d`; complex :func:`cdd`, :func:`cdd_round`,
:func:`cdd_add`, :func:`cdd_sub`, :func:`cdd_mul`, :func:`cdd_mul_c` (by a complex double),
:func:`c_mul_c` (two complex doubles); matrices :func:`dd_matmul`, :func:`dd_matmul_c`,
:func:`c_matmul_dd`, :func:`c_matmul_c`, :func:`dd_matadd`, :func:`to_dd`, :func:`dd_round`; the
residual :func:`data_dd`, :func:`dd_workspace`, :func:`residual_into` (allocates nothing),
:func:`gradient_residual_dd`, :func:`gradient_residual_dd_parts`, :func:`residual_batch`; the tracker's
homotopy (all three modes) :func:`homotopy_workspace`, :func:`homotopy_residual`; refinement
:func:`lu_factor`, :func:`lu_solve` (the tracker's LU format), :func:`refine_dd` (one LU kept),
:func:`newton_dd` (the Jacobian at every step, from the tracker's homotopy tuple). Python:
:func:`residual_dd`, :func:`refine_point_dd`.
"""
from __future__ import annotations

import numpy as np

from . import evaluator as ev
from .jit import njit
from .lu import apply_correction, lu_factor, lu_solve
from ..model.network import Network

C128 = np.complex128

#: Dekker's splitter 2^27 + 1: split(a) gives two halves of 26 significant bits each.
SPLITTER = 134217729.0
#: Above this, a · SPLITTER could overflow: split scales by 2^-28 first (as QD does).
SPLIT_THRESHOLD = 6.69692879491417e+299


# --- error-free transformations -------------------------------------------------------------------

@njit(cache=True, error_model="numpy")
def two_sum(a, b):
    """(s, e) with s = fl(a + b) and s + e = a + b exactly (Knuth)."""
    s = a + b
    bb = s - a
    e = (a - (s - bb)) + (b - bb)
    return s, e


@njit(cache=True, error_model="numpy")
def quick_two_sum(a, b):
    """(s, e) with s = fl(a + b) and s + e = a + b exactly, provided |a| ≥ |b| or a = 0 (Dekker)."""
    s = a + b
    e = b - (s - a)
    return s, e


@njit(cache=True, error_model="numpy")
def split(a):
    """(hi, lo) with hi + lo = a exactly, each with at most 26 significant bits (Dekker, 2^27 + 1)."""
    if a > SPLIT_THRESHOLD or a < -SPLIT_THRESHOLD:
        a2 = a * 3.7252902984619140625e-09          # 2^-28
        t = SPLITTER * a2
        hi = t - (t - a2)
        lo = a2 - hi
        return hi * 268435456.0, lo * 268435456.0   # 2^28
    t = SPLITTER * a
    hi = t - (t - a)
    lo = a - hi
    return hi, lo


@njit(cache=True, error_model="numpy")
def two_prod(a, b):
    """(p, e) with p = fl(a b) and p + e = a b exactly (Dekker's product, no FMA; barring underflow)."""
    p = a * b
    ah, al = split(a)
    bh, bl = split(b)
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    return p, e


# --- real double-double ---------------------------------------------------------------------------

@njit(cache=True, error_model="numpy")
def dd_add(ah, al, bh, bl):
    """(ah + al) + (bh + bl), accurate under cancellation (QD's IEEE-style addition)."""
    s1, s2 = two_sum(ah, bh)
    t1, t2 = two_sum(al, bl)
    s2 += t1
    s1, s2 = quick_two_sum(s1, s2)
    s2 += t2
    return quick_two_sum(s1, s2)


@njit(cache=True, error_model="numpy")
def dd_sub(ah, al, bh, bl):
    """(ah + al) − (bh + bl)."""
    return dd_add(ah, al, -bh, -bl)


@njit(cache=True, error_model="numpy")
def dd_mul(ah, al, bh, bl):
    """(ah + al)(bh + bl), relative error below about 2^-104."""
    p1, p2 = two_prod(ah, bh)
    p2 += ah * bl + al * bh
    return quick_two_sum(p1, p2)


@njit(cache=True, error_model="numpy")
def dd_mul_d(ah, al, b):
    """(ah + al) · b for a double b."""
    p1, p2 = two_prod(ah, b)
    p2 += al * b
    return quick_two_sum(p1, p2)


# --- complex double-double (4-tuples: re_hi, re_lo, im_hi, im_lo) ----------------------------------

@njit(cache=True, error_model="numpy")
def cdd(z):
    """A complex double as a complex double-double."""
    return z.real, 0.0, z.imag, 0.0


@njit(cache=True, error_model="numpy")
def cdd_round(a):
    """The complex double nearest (to within rounding of hi + lo) the complex double-double a."""
    return complex(a[0] + a[1], a[2] + a[3])


@njit(cache=True, error_model="numpy")
def cdd_add(a, b):
    rh, rl = dd_add(a[0], a[1], b[0], b[1])
    ih, il = dd_add(a[2], a[3], b[2], b[3])
    return rh, rl, ih, il


@njit(cache=True, error_model="numpy")
def cdd_sub(a, b):
    rh, rl = dd_add(a[0], a[1], -b[0], -b[1])
    ih, il = dd_add(a[2], a[3], -b[2], -b[3])
    return rh, rl, ih, il


@njit(cache=True, error_model="numpy")
def cdd_mul(a, b):
    """a · b: (ac − bd) + (ad + bc) i, each product and sum in double-double."""
    ach, acl = dd_mul(a[0], a[1], b[0], b[1])
    bdh, bdl = dd_mul(a[2], a[3], b[2], b[3])
    adh, adl = dd_mul(a[0], a[1], b[2], b[3])
    bch, bcl = dd_mul(a[2], a[3], b[0], b[1])
    rh, rl = dd_add(ach, acl, -bdh, -bdl)
    ih, il = dd_add(adh, adl, bch, bcl)
    return rh, rl, ih, il


@njit(cache=True, error_model="numpy")
def cdd_mul_c(a, z):
    """a · z for a complex double z."""
    c, d = z.real, z.imag
    ach, acl = dd_mul_d(a[0], a[1], c)
    bdh, bdl = dd_mul_d(a[2], a[3], d)
    adh, adl = dd_mul_d(a[0], a[1], d)
    bch, bcl = dd_mul_d(a[2], a[3], c)
    rh, rl = dd_add(ach, acl, -bdh, -bdl)
    ih, il = dd_add(adh, adl, bch, bcl)
    return rh, rl, ih, il


@njit(cache=True, error_model="numpy")
def c_mul_c(x, y):
    """x · y of two complex doubles in double-double: the four real products are exact (two_prod),
    only the two sums round (relative error about 2^-106 of the terms)."""
    a, b, c, d = x.real, x.imag, y.real, y.imag
    ach, acl = two_prod(a, c)
    bdh, bdl = two_prod(b, d)
    adh, adl = two_prod(a, d)
    bch, bcl = two_prod(b, c)
    rh, rl = dd_add(ach, acl, -bdh, -bdl)
    ih, il = dd_add(adh, adl, bch, bcl)
    return rh, rl, ih, il


# --- matrices: dd arrays are float64 (r, c, 4); the shapes used are passed (buffers are padded) ----

@njit(cache=True, error_model="numpy", inline="always")
def _get(M, i, j):
    return M[i, j, 0], M[i, j, 1], M[i, j, 2], M[i, j, 3]


@njit(cache=True, error_model="numpy", inline="always")
def _put(M, i, j, a):
    M[i, j, 0] = a[0]
    M[i, j, 1] = a[1]
    M[i, j, 2] = a[2]
    M[i, j, 3] = a[3]


@njit(cache=True, error_model="numpy", inline="always")
def _acc(h, l, ah, al, bh, bl):
    """(h, l) + (ah + al)(bh + bl) into an unnormalized pair: the leading product is exact (two_prod),
    the sum of the leading parts is kept exactly (two_sum), the rest goes into l in double."""
    t, e = two_prod(ah, bh)
    h, e2 = two_sum(h, t)
    return h, l + (e + e2 + (ah * bl + al * bh))


@njit(cache=True, error_model="numpy", inline="always")
def _acc_d(h, l, ah, al, b):
    """(h, l) + (ah + al) b for a double b (as :func:`_acc`)."""
    t, e = two_prod(ah, b)
    h, e2 = two_sum(h, t)
    return h, l + (e + e2 + al * b)


@njit(cache=True, error_model="numpy", inline="always")
def _acc_dd(s, p, q):
    """s + p · q for complex double-double p, q into an accumulator s (see :func:`_acc_norm`)."""
    rh, rl = _acc(s[0], s[1], p[0], p[1], q[0], q[1])
    rh, rl = _acc(rh, rl, -p[2], -p[3], q[2], q[3])
    ih, il = _acc(s[2], s[3], p[0], p[1], q[2], q[3])
    ih, il = _acc(ih, il, p[2], p[3], q[0], q[1])
    return rh, rl, ih, il


@njit(cache=True, error_model="numpy", inline="always")
def _acc_c(s, p, z):
    """s + p · z for a complex double-double p and a complex double z (accumulator as :func:`_acc_dd`)."""
    c, d = z.real, z.imag
    rh, rl = _acc_d(s[0], s[1], p[0], p[1], c)
    rh, rl = _acc_d(rh, rl, -p[2], -p[3], d)
    ih, il = _acc_d(s[2], s[3], p[0], p[1], d)
    ih, il = _acc_d(ih, il, p[2], p[3], c)
    return rh, rl, ih, il


@njit(cache=True, error_model="numpy", inline="always")
def _acc_cc(s, x, y):
    """s + x · y for complex doubles x, y (exact products; accumulator as :func:`_acc_dd`)."""
    a, b, c, d = x.real, x.imag, y.real, y.imag
    rh, rl = _acc_d(s[0], s[1], a, 0.0, c)
    rh, rl = _acc_d(rh, rl, -b, 0.0, d)
    ih, il = _acc_d(s[2], s[3], a, 0.0, d)
    ih, il = _acc_d(ih, il, b, 0.0, c)
    return rh, rl, ih, il


@njit(cache=True, error_model="numpy", inline="always")
def _acc_norm(s):
    """A normalized complex double-double from an accumulator (Ogita–Rump–Oishi's Dot2, the result left
    unrounded). After cancellation in the leading parts an accumulator's low part may exceed its high
    part, hence two_sum (not quick_two_sum)."""
    rh, rl = two_sum(s[0], s[1])
    ih, il = two_sum(s[2], s[3])
    return rh, rl, ih, il


@njit(cache=True, error_model="numpy")
def dd_matmul(P, Q, C, r, n, c, tp, tq):
    """C = op(P) op(Q), all double-double; op transposes when its flag is 1; op(P) is (r, n), op(Q) (n, c)."""
    for i in range(r):
        for j in range(c):
            s = (0.0, 0.0, 0.0, 0.0)
            for k in range(n):
                p = _get(P, k, i) if tp else _get(P, i, k)
                q = _get(Q, j, k) if tq else _get(Q, k, j)
                s = _acc_dd(s, p, q)
            _put(C, i, j, _acc_norm(s))


@njit(cache=True, error_model="numpy")
def dd_matmul_c(P, Q, C, r, n, c, tp, tq):
    """C = op(P) op(Q) for a double-double P and a complex double (complex128) Q."""
    for i in range(r):
        for j in range(c):
            s = (0.0, 0.0, 0.0, 0.0)
            for k in range(n):
                p = _get(P, k, i) if tp else _get(P, i, k)
                q = Q[j, k] if tq else Q[k, j]
                s = _acc_c(s, p, q)
            _put(C, i, j, _acc_norm(s))


@njit(cache=True, error_model="numpy")
def c_matmul_dd(P, Q, C, r, n, c, tp, tq):
    """C = op(P) op(Q) for a complex double P and a double-double Q."""
    for i in range(r):
        for j in range(c):
            s = (0.0, 0.0, 0.0, 0.0)
            for k in range(n):
                p = P[k, i] if tp else P[i, k]
                q = _get(Q, j, k) if tq else _get(Q, k, j)
                s = _acc_c(s, q, p)
            _put(C, i, j, _acc_norm(s))


@njit(cache=True, error_model="numpy")
def c_matmul_c(P, Q, C, r, n, c, tp, tq):
    """C = op(P) op(Q) of complex doubles into double-double (exact products)."""
    for i in range(r):
        for j in range(c):
            s = (0.0, 0.0, 0.0, 0.0)
            for k in range(n):
                p = P[k, i] if tp else P[i, k]
                q = Q[j, k] if tq else Q[k, j]
                s = _acc_cc(s, p, q)
            _put(C, i, j, _acc_norm(s))


@njit(cache=True, error_model="numpy")
def dd_matadd(P, Q, C, r, c, sign):
    """C = P + sign · Q (sign ±1) of double-double (r, c) matrices; C may be P or Q."""
    for i in range(r):
        for j in range(c):
            q = _get(Q, i, j)
            if sign < 0:
                q = (-q[0], -q[1], -q[2], -q[3])
            _put(C, i, j, cdd_add(_get(P, i, j), q))


@njit(cache=True, error_model="numpy")
def to_dd(Z):
    """A complex128 array (any shape) as a double-double array (trailing axis 4)."""
    out = np.zeros(Z.shape + (4,))
    zf = Z.reshape(-1)
    of = out.reshape((zf.size, 4))
    for i in range(zf.size):
        of[i, 0] = zf[i].real
        of[i, 2] = zf[i].imag
    return out


@njit(cache=True, error_model="numpy")
def dd_round(D):
    """A double-double array (trailing axis 4) rounded to complex128."""
    n = D.size // 4
    df = D.reshape((n, 4))
    out = np.empty(n, C128)
    for i in range(n):
        out[i] = complex(df[i, 0] + df[i, 1], df[i, 2] + df[i, 3])
    return out.reshape(D.shape[:-1])


# --- the gradient system in double-double ---------------------------------------------------------

@njit(cache=True, error_model="numpy")
def data_dd(X, Y):
    """A = X Xᵀ (d_x, d_x, 4) and B = Y Xᵀ (d_y, d_x, 4) in double-double from complex128 X (d_x, m),
    Y (d_y, m)."""
    dx, m = X.shape
    dy = Y.shape[0]
    A = np.zeros((dx, dx, 4))
    B = np.zeros((dy, dx, 4))
    Z, I = np.int64(0), np.int64(1)
    c_matmul_c(X, X, A, dx, m, dx, Z, I)
    c_matmul_c(Y, X, B, dy, m, dx, Z, I)
    return A, B


@njit(cache=True, error_model="numpy")
def dd_workspace(widths):
    """Scratch of :func:`residual_into`: layer matrices (L, nm, nm) complex128, V_l and U_l
    (2, L, nm, nm, 4) and four (nm, nm, 4) temporaries, nm the largest width."""
    L = len(widths) - 1
    nm = widths.max()
    Wc = np.zeros((L, nm, nm), C128)
    VU = np.zeros((2, L, nm, nm, 4))
    tmp = np.zeros((4, nm, nm, 4))
    for i in range(widths[0]):
        VU[0, 0, i, i, 0] = 1.0          # V_0 = identity (not used in a product, kept for clarity)
    for i in range(widths[L]):
        VU[1, L - 1, i, i, 0] = 1.0      # U_{L-1} = identity
    return Wc, VU, tmp


@njit(cache=True, error_model="numpy")
def residual_into(ws, w, A, B, lam, widths, offs, out):
    """F(w) = U_lᵀ (W A − B) V_lᵀ + Λ ∘ W in double-double into ``out`` (N, 4).

    w (N,) and lam (N,) complex128; A (d_x, d_x, 4), B (d_y, d_x, 4) double-double (:func:`data_dd`);
    ``widths, offs`` as :func:`linnet_cli.homotopy.evaluator.network_arrays` gives them; ``ws`` from
    :func:`dd_workspace` (it allocates nothing)."""
    Wc, VU, tmp = ws
    V, U = VU[0], VU[1]
    Wp, E, T1, T2 = tmp[0], tmp[1], tmp[2], tmp[3]
    Z, I = np.int64(0), np.int64(1)
    L = len(widths) - 1
    dx, dy = widths[0], widths[L]
    for l in range(L):
        r, c, o = widths[l + 1], widths[l], offs[l]
        for a in range(r):
            for b in range(c):
                Wc[l, a, b] = w[o + a * c + b]
    # V_l = W_{l-1} V_{l-1} (V_1 = W_0), U_l = U_{l+1} W_{l+1} (U_{L-2} = W_{L-1})
    for l in range(1, L):
        if l == 1:
            for a in range(widths[1]):
                for b in range(dx):
                    _put(V[1], a, b, cdd(Wc[0, a, b]))
        else:
            c_matmul_dd(Wc[l - 1], V[l - 1], V[l], widths[l], widths[l - 1], dx, Z, Z)
    for l in range(L - 2, -1, -1):
        if l == L - 2:
            for a in range(dy):
                for b in range(widths[L - 1]):
                    _put(U[l], a, b, cdd(Wc[L - 1, a, b]))
        else:
            dd_matmul_c(U[l + 1], Wc[l + 1], U[l], dy, widths[l + 2], widths[l + 1], Z, Z)
    # W = W_{L-1} V_{L-1}, E = W A − B
    if L == 1:
        for a in range(dy):
            for b in range(dx):
                _put(Wp, a, b, cdd(Wc[0, a, b]))
    else:
        c_matmul_dd(Wc[L - 1], V[L - 1], Wp, dy, widths[L - 1], dx, Z, Z)
    dd_matmul(Wp, A, E, dy, dx, dx, Z, Z)
    dd_matadd(E, B, E, dy, dx, -1)
    # F_l = U_lᵀ E V_lᵀ + Λ_l ∘ W_l
    for l in range(L):
        r, c, o = widths[l + 1], widths[l], offs[l]
        G = E
        if l < L - 1:
            dd_matmul(U[l], E, T1, r, dy, dx, I, Z)
            G = T1
        Hs = G
        if l > 0:
            dd_matmul(G, V[l], T2, r, dx, c, Z, I)
            Hs = T2
        for a in range(r):
            for b in range(c):
                q = o + a * c + b
                v = cdd_add(_get(Hs, a, b), c_mul_c(lam[q], w[q]))
                out[q, 0] = v[0]
                out[q, 1] = v[1]
                out[q, 2] = v[2]
                out[q, 3] = v[3]


@njit(cache=True, error_model="numpy")
def gradient_residual_dd_parts(w, X, Y, lam, widths, offs):
    """F(W; X, Y, Λ) in double-double, (N, 4): re_hi, re_lo, im_hi, im_lo of each equation."""
    A, B = data_dd(X, Y)
    out = np.empty((offs[len(widths) - 1], 4))
    residual_into(dd_workspace(widths), w, A, B, lam, widths, offs, out)
    return out


@njit(cache=True, error_model="numpy")
def gradient_residual_dd(w, X, Y, lam, widths, offs):
    """F(W; X, Y, Λ) evaluated in double-double and rounded to complex128 (N,)."""
    return dd_round(gradient_residual_dd_parts(w, X, Y, lam, widths, offs))


@njit(cache=True, error_model="numpy")
def residual_batch(W, X, Y, lam, widths, offs, out):
    """Rounded double-double residuals of points W (P, N) into out (P, N), with data X (S, d_x, m),
    Y (S, d_y, m) and Λ (S, N), S = 1 (shared: A and B are formed once) or P (point p uses set p)."""
    ws = dd_workspace(widths)
    N = offs[len(widths) - 1]
    F = np.empty((N, 4))
    S = X.shape[0]
    A, B = data_dd(X[0], Y[0])
    for p in range(W.shape[0]):
        s = p if S > 1 else 0
        if s > 0:
            A, B = data_dd(X[s], Y[s])
        residual_into(ws, W[p], A, B, lam[s], widths, offs, F)
        for q in range(N):
            out[p, q] = complex(F[q, 0] + F[q, 1], F[q, 2] + F[q, 3])


# --- the tracker's homotopy in double-double -----------------------------------------------------

@njit(cache=True, error_model="numpy")
def homotopy_workspace(widths, n):
    """Scratch of :func:`homotopy_residual` for a network of ``widths`` and n unknowns: a
    :func:`dd_workspace`, A (d_x, d_x, 4), B (d_y, d_x, 4), Λ (N,) and the residual (n, 4)."""
    L = len(widths) - 1
    N = 0
    for l in range(L):
        N += widths[l] * widths[l + 1]
    return (dd_workspace(widths), np.zeros((widths[0], widths[0], 4)), np.zeros((widths[L], widths[0], 4)),
            np.zeros(N, C128), np.zeros((n, 4)))


@njit(cache=True, error_model="numpy")
def homotopy_residual(wsx, hom, x, t, r):
    """H(x; t) of the tracker's homotopy ``hom`` (see :mod:`linnet_cli.homotopy.evaluator`, modes 0, 1
    and 2) evaluated in double-double and rounded into r (n,) complex128; x (n,).

    The parameters A(t), B(t), Λ(t) (and the slice's Δ, a, c, τ) are formed in double exactly as the
    evaluator forms them, so the system is the one the tracker's Jacobian belongs to; only the
    evaluation at x is carried out in double-double. What the corrector needs from extended precision
    is a residual free of rounding noise: a system whose coefficients were rounded once is still a
    fixed, smooth system, while noise of size ε · |terms| is what stops Newton's method."""
    widths, offs, cA, cB, cL, aux, mode = hom
    ws, A, B, lam, F = wsx
    L = len(widths) - 1
    dx, dy = widths[0], widths[L]
    N = offs[L]
    for i in range(dx):
        for j in range(dx):
            v = cA[0, i, j] + t * (cA[1, i, j] + t * cA[2, i, j])
            _put(A, i, j, cdd(v))
    for i in range(dy):
        for j in range(dx):
            v = cB[0, i, j] + t * (cB[1, i, j] + t * cB[2, i, j])
            _put(B, i, j, cdd(v))
    for q in range(N):
        lam[q] = cL[0, q] + t * cL[1, q]
    residual_into(ws, x, A, B, lam, widths, offs, F)
    if mode > 0:
        mu = x[N]
        p = (0.0, 0.0, 0.0, 0.0)
        for q in range(N):
            # Λ + λΔ: the term λ Δ_q w_q of F_q, and a_q w_q of the slice's equation
            e = cdd_mul_c(c_mul_c(mu, aux[0, q] + t * aux[1, q]), x[q])
            v = cdd_add((F[q, 0], F[q, 1], F[q, 2], F[q, 3]), e)
            F[q, 0], F[q, 1], F[q, 2], F[q, 3] = v[0], v[1], v[2], v[3]
            p = _acc_cc(p, aux[0, N + q] + t * aux[1, N + q], x[q])
        p = cdd_sub(_acc_norm(p), cdd(aux[0, 2 * N] + t * aux[1, 2 * N]))
        if mode == 2:
            p = cdd_mul_c(p, mu)
        p = cdd_add(p, cdd(aux[0, 2 * N + 1] + t * aux[1, 2 * N + 1]))
        F[N, 0], F[N, 1], F[N, 2], F[N, 3] = p[0], p[1], p[2], p[3]
    for q in range(N + (mode > 0)):
        r[q] = complex(F[q, 0] + F[q, 1], F[q, 2] + F[q, 3])


# --- mixed-precision refinement -------------------------------------------------------------------

@njit(cache=True, error_model="numpy")
def _step(x, LU, piv, A, B, lam, widths, offs, ws, F, r, d):
    """One step x ← x − J⁻¹ r in place, r the double-double residual rounded to double and J⁻¹ from the
    LU factors ``LU, piv``; returns the relative correction ‖d‖₂ / (1 + ‖x‖₂)."""
    N = x.shape[0]
    residual_into(ws, x, A, B, lam, widths, offs, F)
    for q in range(N):
        r[q] = complex(F[q, 0] + F[q, 1], F[q, 2] + F[q, 3])
    lu_solve(LU, piv, r, d, N)
    return apply_correction(x, d, N)


@njit(cache=True, error_model="numpy")
def refine_dd(x, LU, piv, A, B, lam, widths, offs, iterations, tol, ws):
    """Mixed-precision iterative refinement of x (N,) in place: up to ``iterations`` steps
    x ← x − J⁻¹ r with r the double-double residual (:func:`residual_into`, rounded to double) and J⁻¹
    from the double LU (``LU, piv`` of :func:`lu_factor`, the tracker's format; the Jacobian at or near
    x, kept fixed). Stops once the relative correction ‖d‖₂ / (1 + ‖x‖₂) (the tracker's endpoint
    accuracy) is not above ``tol``. Returns (last relative correction, steps taken)."""
    N = x.shape[0]
    F = np.empty((N, 4))
    r = np.empty(N, C128)
    d = np.empty(N, C128)
    acc = np.inf
    k = 0
    while k < iterations:
        acc = _step(x, LU, piv, A, B, lam, widths, offs, ws, F, r, d)
        k += 1
        if not acc > tol:
            break
    return acc, k


@njit(cache=True, error_model="numpy")
def newton_dd(x, hom, t, A, B, lam, iterations, tol, ws, wsd):
    """Newton's method on x (N,) in place with double-double residuals: each step forms the double
    Jacobian at the current x (:func:`linnet_cli.homotopy.evaluator.series` on the homotopy ``hom``, mode 0, at
    t) and its LU, and takes x ← x − J⁻¹ r with r the residual of :func:`residual_into` from the
    double-double A, B and Λ = ``lam`` (the parameters at t, which the caller forms from X(t), Y(t)).
    ``ws`` is an evaluator workspace (:func:`linnet_cli.homotopy.evaluator.workspace`), ``wsd`` a
    :func:`dd_workspace`. Stops once the relative correction ‖d‖₂ / (1 + ‖x‖₂) is not above ``tol``.
    Returns (last relative correction, steps taken); (inf, k) when the Jacobian is singular."""
    widths, offs = hom[0], hom[1]
    N = x.shape[0]
    X1 = np.empty((1, N), C128)
    J = np.empty((N, N), C128)
    piv = np.empty(N, np.int64)
    Fd = np.empty(N, C128)
    F = np.empty((N, 4))
    r = np.empty(N, C128)
    d = np.empty(N, C128)
    acc = np.inf
    k = 0
    while k < iterations:
        for q in range(N):
            X1[0, q] = x[q]
        ev.series(ws, hom, X1, np.int64(0), t, Fd, J, np.int64(1))
        if not lu_factor(J, piv, J.shape[0]):
            return np.inf, k
        acc = _step(x, J, piv, A, B, lam, widths, offs, wsd, F, r, d)
        k += 1
        if not acc > tol:
            break
    return acc, k


# --- Python side ----------------------------------------------------------------------------------

def _data(network: Network, X: np.ndarray, Y: np.ndarray, lam: np.ndarray, lead: int = 0) -> tuple[np.ndarray, ...]:
    """X, Y, Λ as complex128 arrays, their shapes checked (the kernels do not check indices); up to
    ``lead`` leading axes allowed."""
    X, Y, lam = (np.asarray(a, C128) for a in (X, Y, lam))
    for a, nd in ((X, 2), (Y, 2), (lam, 1)):
        if not nd <= a.ndim <= nd + lead:
            dims = f"{nd} or {nd + lead}" if lead else f"{nd}"
            raise ValueError(f"expected an array of {dims} dimensions, got shape {a.shape}")
    if (X.shape[-2] != network.dx or Y.shape[-2] != network.dy or X.shape[-1] != Y.shape[-1]
            or lam.shape[-1] != network.N):
        raise ValueError(f"data of shapes X {X.shape}, Y {Y.shape}, Λ {lam.shape} do not fit widths {network.widths} "
                         f"(X: d_x × m, Y: d_y × m, Λ: N = {network.N})")
    return X, Y, lam


def residual_dd(network: Network, w: np.ndarray, X: np.ndarray, Y: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """F(w) of the gradient system evaluated in double-double, rounded to complex (P, N) for points
    w (P, N) (or (N,): then (N,)); X (d_x, m), Y (d_y, m), Λ (N,) shared or given per point (leading P)."""
    w = np.asarray(w, C128)
    if w.shape[-1:] != (network.N,) or w.ndim > 2:
        raise ValueError(f"points must have shape (P, {network.N}) or ({network.N},), got {w.shape}")
    single = w.ndim == 1
    W = np.array(w.reshape(-1, network.N), C128, order="C")     # writable copies: one compiled signature
    P = len(W)
    X, Y, lam = _data(network, X, Y, lam, lead=1)
    S = P if (X.ndim == 3 or Y.ndim == 3 or lam.ndim == 2) else 1

    def sets(a: np.ndarray, nd: int) -> np.ndarray:
        return np.array(np.broadcast_to(a, (S,) + a.shape[a.ndim - nd:]), C128, order="C")

    out = np.empty((P, network.N), C128)
    if P:
        residual_batch(W, sets(X, 2), sets(Y, 2), sets(lam, 1), *ev.network_arrays(network), out)
    return out[0] if single else out


def refine_point_dd(network: Network, x: np.ndarray, X: np.ndarray, Y: np.ndarray, lam: np.ndarray,
                    iterations: int = 3, tol: float = 0.0, fixed_jacobian: bool = False) -> tuple[np.ndarray, float]:
    """Refine x (N,) with residuals in double-double and corrections from the double Jacobian's LU.

    By default this is Newton's method (:func:`newton_dd`: the Jacobian at each iterate, as in
    HomotopyContinuation.jl's extended-precision Newton). With ``fixed_jacobian`` it is classic
    iterative refinement (:func:`refine_dd`: one LU, of GradientSystem.jacobian at the given x), which
    needs x within about 1/cond (relative) of the solution, i.e. already refined in double.
    Stops after ``iterations`` steps or once the relative correction is not above ``tol``.
    Returns the refined point (a new array) and the last relative correction ‖d‖₂ / (1 + ‖x‖₂)."""
    x = np.array(x, C128, order="C").reshape(network.N)
    X, Y, lam = (np.array(a, C128, order="C") for a in _data(network, X, Y, lam))
    widths, offs = ev.network_arrays(network)
    A, B = data_dd(X, Y)
    if fixed_jacobian:
        from ..model.gradient import GradientSystem, Parameters
        J = np.ascontiguousarray(GradientSystem(network).jacobian(x[None], Parameters.from_data(X, Y, lam))[0])
        piv = np.empty(network.N, np.int64)
        if not lu_factor(J, piv, J.shape[0]):
            return x, float("inf")
        acc, _ = refine_dd(x, J, piv, A, B, lam, widths, offs, np.int64(iterations), float(tol), dd_workspace(widths))
        return x, float(acc)
    cA, cB, cL = ev.path_coefficients((X, Y, lam), (X, Y, lam))
    hom = (widths, offs, cA[0], cB[0], cL[0], np.zeros((2, 0), C128), np.int64(0))
    acc, _ = newton_dd(x, hom, 0.0, A, B, lam, np.int64(iterations), float(tol),
                       ev.workspace(widths, np.int64(ev.MAX_ORDER)), dd_workspace(widths))
    return x, float(acc)
