"""Compiled evaluation of the gradient system along a parameter path (numba, nopython mode).

The homotopies linnet tracks are F(W; p(t)) = 0 with p(t) = (X(t), Y(t), Λ(t)) on a straight line.
Since A = X Xᵀ and B = Y Xᵀ, the parameters that enter F are polynomials in t:

    A(t) = A_0 + t A_1 + t² A_2,   B(t) = B_0 + t B_1 + t² B_2,   Λ(t) = Λ_0 + t Λ_1,

so a path's homotopy is three small coefficient arrays (see :func:`path_coefficients`). The kernels
below evaluate, for any widths (passed as an array: no code is generated per shape),

* F and its Jacobian ∂F/∂W (the Hessian of the loss), and
* the k-th Taylor coefficient of s ↦ F(x_0 + x_1 s + … + x_k s^k; p(t + s)), by truncated power-series
  arithmetic on the matrix products of F. With k = 1 and x_1 = 0 this is ∂F/∂t; the predictor uses
  k = 1, 2, 3 to get the Taylor coefficients of the solution path (see :mod:`linnet_cli.homotopy.tracker`).

With W = W_L ⋯ W_1 (L = H + 1 layers), V_l = W_{l-1} ⋯ W_1, U_l = W_L ⋯ W_{l+1} and E = W A − B,

    F_l = U_lᵀ E V_lᵀ + Λ_l ∘ W_l.

Matrices live in zero-padded buffers of the largest width; layer l has shape (n_{l+1}, n_l) (0-based).
:class:`linnet_cli.model.gradient.GradientSystem` (numpy) is the reference these kernels are tested against.

A homotopy is the tuple ``hom = (widths, offsets, cA, cB, cL, aux, mode)``. With mode 0 the unknowns
are the N weights. The trace test (:mod:`linnet_cli.homotopy.trace_test`) adds one unknown λ and one equation:
Λ becomes Λ(t) + λ Δ(t), and

    mode 1:  a(t)·W − c(t) + τ(t) = 0,        mode 2:  (a(t)·W − c(t)) λ + τ(t) = 0,

with Δ, a (N each), c and τ linear in t, stored in ``aux`` (2, 2N + 2): values at t = 0, then slopes.
"""
from __future__ import annotations

import numpy as np
from .jit import njit

from ..model.network import Network

#: Highest Taylor order the predictor asks for (Padé (2,1) needs the coefficients up to order 3).
MAX_ORDER = 3

C128 = np.complex128


def network_arrays(network: Network) -> tuple[np.ndarray, np.ndarray]:
    """(widths, offsets) as int64 arrays, the form the kernels take a network in."""
    return np.array(network.widths, np.int64), np.array(network.offsets, np.int64)


def path_coefficients(start: tuple[np.ndarray, np.ndarray, np.ndarray],
                      end: tuple[np.ndarray, np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Polynomial coefficients (A (S, 3, d_x, d_x), B (S, 3, d_y, d_x), Λ (S, 2, N)) of the parameters
    along the straight lines from ``start`` = (X, Y, Λ) to ``end``, each of X (.., d_x, m), Y (.., d_y, m),
    Λ (.., N) shared or given per line (leading axis S)."""
    (X0, Y0, L0), (X1, Y1, L1) = ((np.asarray(a, C128) for a in p) for p in (start, end))
    S = max([a.shape[0] for a, nd in ((X0, 3), (X1, 3), (Y0, 3), (Y1, 3), (L0, 2), (L1, 2)) if a.ndim == nd],
            default=1)

    def lead(a: np.ndarray, nd: int) -> np.ndarray:
        return np.broadcast_to(a if a.ndim == nd else a[None], (S,) + a.shape[a.ndim - nd + 1:])

    X0, X1, Y0, Y1 = (lead(a, 3) for a in (X0, X1, Y0, Y1))
    L0, L1 = lead(L0, 2), lead(L1, 2)
    dX, dY = X1 - X0, Y1 - Y0
    T = lambda a: np.swapaxes(a, -1, -2)  # noqa: E731
    A = np.stack([X0 @ T(X0), dX @ T(X0) + X0 @ T(dX), dX @ T(dX)], axis=1)
    B = np.stack([Y0 @ T(X0), dY @ T(X0) + Y0 @ T(dX), dY @ T(dX)], axis=1)
    Lam = np.stack([L0, L1 - L0], axis=1)
    return np.ascontiguousarray(A), np.ascontiguousarray(B), np.ascontiguousarray(Lam)


# --- workspace ------------------------------------------------------------------------------------

# slots of the workspace's arrays
_WS, _V, _U = 0, 1, 2                        # mats: layer matrices W_l, V_l, U_l (series)
_E, _T1, _T2, _AS, _BS = 0, 1, 2, 3, 4       # tmp: E, temporaries, series of A and B
_LS, _XS, _PS = 0, 1, 2                      # vecs: series of Λ, of the unknowns, of a·W − c
_M, _M2, _P, _Q, _R, _EV, _VA = 0, 1, 2, 3, 4, 5, 6   # jac: matrices of the Jacobian (V_j A from _VA on)


@njit(cache=True, inline="always")
def workspace(widths, K):
    """Scratch buffers for series of order ≤ K: (mats, tmp, vecs, jac), see the slot constants."""
    L = len(widths) - 1
    nm = widths.max()
    N = 0
    for l in range(L):
        N += widths[l] * widths[l + 1]
    mats = np.zeros((3, L, K + 1, nm, nm), C128)
    tmp = np.zeros((5, K + 1, nm, nm), C128)
    vecs = np.zeros((3, K + 1, N + 1), C128)
    jac = np.zeros((_VA + L, 1, nm, nm), C128)
    # V_0 and U_{L-1} are identities, never overwritten
    for i in range(widths[0]):
        mats[_V, 0, 0, i, i] = 1.0
    for i in range(widths[L]):
        mats[_U, L - 1, 0, i, i] = 1.0
    return mats, tmp, vecs, jac


@njit(cache=True)
def _smul(P, Q, C, k0, K, r, n, c, tp, tq):
    """Series product C_k = Σ_a op(P_a) op(Q_(k−a)) for orders k0..K, where op transposes when the flag
    (tp, tq) is 1; op(P) is (r, n), op(Q) is (n, c). With K = 0 it is a plain matrix product."""
    for k in range(k0, K + 1):
        for i in range(r):
            for j in range(c):
                s = 0.0j
                for a in range(k + 1):
                    b = k - a
                    for l in range(n):
                        p = P[a, l, i] if tp else P[a, i, l]
                        q = Q[b, j, l] if tq else Q[b, l, j]
                        s += p * q
                C[k, i, j] = s


@njit(cache=True, inline="always")
def _quadratic_series(c, out, t, K):
    """Taylor series (orders 0..min(K, 2)) at t + s of the matrix c_0 + c_1 t + c_2 t² (c: (3, r, q))."""
    for i in range(c.shape[1]):
        for j in range(c.shape[2]):
            c0, c1, c2 = c[0, i, j], c[1, i, j], c[2, i, j]
            out[0, i, j] = c0 + t * (c1 + t * c2)
            if K >= 1:
                out[1, i, j] = c1 + 2.0 * t * c2
            if K >= 2:
                out[2, i, j] = c2


@njit(cache=True, inline="always")
def _parameters_at(tmp, vecs, cA, cB, cL, t, K):
    """Taylor series (orders 0..K) of A, B, Λ at t + s from their polynomial coefficients in t."""
    dx, dy, N = cA.shape[1], cB.shape[1], cL.shape[1]
    for k in range(K + 1):
        for i in range(dy):
            for j in range(dx):
                tmp[_BS, k, i, j] = 0.0
        for i in range(dx):
            for j in range(dx):
                tmp[_AS, k, i, j] = 0.0
        for i in range(N):
            vecs[_LS, k, i] = 0.0
    _quadratic_series(cA, tmp[_AS], t, K)
    _quadratic_series(cB, tmp[_BS], t, K)
    for i in range(N):
        vecs[_LS, 0, i] = cL[0, i] + t * cL[1, i]
        if K >= 1:
            vecs[_LS, 1, i] = cL[1, i]


@njit(cache=True)
def series(ws, hom, src, k, t, out, J, jacobian):
    """Coefficient k of s ↦ H(src_0 + src_1 s + … + src_(k-1) s^(k-1); t + s) into ``out``.

    With k = 0 this is H(src_0; t), and with ``jacobian`` also ∂H/∂(unknowns) at that point into J.
    Along a solution path x(t + s) = Σ x_j s^j the coefficient k is −J x_k, so the predictor gets each
    x_k with one solve. ``src`` has at least max(k, 1) rows of the n unknowns (N, or N + 1 in modes 1, 2)."""
    widths, offs, cA, cB, cL, aux, mode = hom
    mats, tmp, vecs, jac = ws
    Z, I = np.int64(0), np.int64(1)      # typed ints, not literals: one compiled _smul for all calls
    L = len(widths) - 1
    dx, dy = widths[0], widths[L]
    N = offs[L]
    n = N + 1 if mode > 0 else N
    _parameters_at(tmp, vecs, cA, cB, cL, t, k)
    # the unknowns' series: src_0..src_(k-1), and 0 at order k (k = 0: src_0 itself)
    for j in range(k + 1):
        for q in range(n):
            vecs[_XS, j, q] = src[j, q] if (j < k or k == 0) else 0.0
    if mode > 0:                         # Λ(t + s) += λ(s) Δ(t + s)
        for j in range(k + 1):
            for q in range(N):
                v = vecs[_XS, j, N] * (aux[0, q] + t * aux[1, q])
                if j >= 1:
                    v += vecs[_XS, j - 1, N] * aux[1, q]
                vecs[_LS, j, q] += v
    for l in range(L):
        r, c, o = widths[l + 1], widths[l], offs[l]
        for j in range(k + 1):
            for a in range(r):
                for b in range(c):
                    mats[_WS, l, j, a, b] = vecs[_XS, j, o + a * c + b]
    # V_l = W_{l-1} V_{l-1} (V_1 = W_0), U_l = U_{l+1} W_{l+1} (U_{L-2} = W_{L-1})
    for l in range(1, L):
        if l == 1:
            _copy_series(mats[_WS, 0], mats[_V, 1], k, widths[1], dx)
        else:
            _smul(mats[_WS, l - 1], mats[_V, l - 1], mats[_V, l], Z, k, widths[l], widths[l - 1], dx, Z, Z)
    for l in range(L - 2, -1, -1):
        if l == L - 2:
            _copy_series(mats[_WS, L - 1], mats[_U, l], k, dy, widths[L - 1])
        else:
            _smul(mats[_U, l + 1], mats[_WS, l + 1], mats[_U, l], Z, k, dy, widths[l + 2], widths[l + 1], Z, Z)
    # E = W_L V_L A − B
    if L == 1:
        _copy_series(mats[_WS, 0], tmp[_T1], k, dy, dx)
    else:
        _smul(mats[_WS, L - 1], mats[_V, L - 1], tmp[_T1], Z, k, dy, widths[L - 1], dx, Z, Z)
    _smul(tmp[_T1], tmp[_AS], tmp[_E], Z, k, dy, dx, dx, Z, Z)
    for j in range(k + 1):
        for a in range(dy):
            for b in range(dx):
                tmp[_E, j, a, b] -= tmp[_BS, j, a, b]
    # F_l = U_lᵀ E V_lᵀ + Λ_l ∘ W_l, order k
    for l in range(L):
        r, c, o = widths[l + 1], widths[l], offs[l]
        G = tmp[_E]
        if l < L - 1:
            _smul(mats[_U, l], tmp[_E], tmp[_T1], Z, k, r, dy, dx, I, Z)
            G = tmp[_T1]
        Hs = G
        if l > 0:
            _smul(G, mats[_V, l], tmp[_T2], k, k, r, dx, c, Z, I)
            Hs = tmp[_T2]
        for a in range(r):
            for b in range(c):
                q = o + a * c + b
                v = Hs[k, a, b]
                for u in range(k + 1):
                    v += vecs[_LS, u, q] * vecs[_XS, k - u, q]
                out[q] = v
    if mode > 0:                         # the added equation, order k
        for j in range(k + 1):
            p = 0.0j
            for q in range(N):
                p += (aux[0, N + q] + t * aux[1, N + q]) * vecs[_XS, j, q]
                if j >= 1:
                    p += aux[1, N + q] * vecs[_XS, j - 1, q]
            if j == 0:
                p -= aux[0, 2 * N] + t * aux[1, 2 * N]
            elif j == 1:
                p -= aux[1, 2 * N]
            vecs[_PS, j, 0] = p
        e = 0.0j
        if mode == 2:
            for j in range(k + 1):
                e += vecs[_PS, j, 0] * vecs[_XS, k - j, N]
        else:
            e = vecs[_PS, k, 0]
        if k == 0:
            e += aux[0, 2 * N + 1] + t * aux[1, 2 * N + 1]
        elif k == 1:
            e += aux[1, 2 * N + 1]
        out[N] = e
    if jacobian and k == 0:
        _jacobian(mats, tmp, vecs, jac, widths, offs, J)
        if mode > 0:                     # the border: ∂F/∂λ = Δ ∘ W, ∂e/∂W, ∂e/∂λ
            lam = vecs[_XS, 0, N]
            for q in range(N):
                J[q, N] = (aux[0, q] + t * aux[1, q]) * vecs[_XS, 0, q]
                aq = aux[0, N + q] + t * aux[1, N + q]
                J[N, q] = aq * lam if mode == 2 else aq
            J[N, N] = vecs[_PS, 0, 0] if mode == 2 else 0.0


@njit(cache=True, inline="always")
def _copy_series(S, D, K, r, c):
    """D_k = S_k for orders 0..K of (r, c) matrices."""
    for k in range(K + 1):
        for i in range(r):
            for j in range(c):
                D[k, i, j] = S[k, i, j]


@njit(cache=True, inline="always")
def _jacobian(mats, tmp, vecs, jac, widths, offs, J):
    """∂F/∂W (N, N) from the order-0 products: blocks by layer pair, symmetric (a Hessian).

    Block (i, j), j ≥ i, entry [a, b, c, e] = ∂(F_i)_ab / ∂(W_j)_ce is (U_iᵀU_j)[a, c] (V_j A V_iᵀ)[e, b],
    plus, for j > i, M[e, a] (U_jᵀ E V_iᵀ)[c, b] with M = W_{j-1} ⋯ W_{i+1}."""
    Z, I = np.int64(0), np.int64(1)
    L = len(widths) - 1
    dx, dy = widths[0], widths[L]
    M, M2, P, Q, R, EV = jac[_M], jac[_M2], jac[_P], jac[_Q], jac[_R], jac[_EV]
    for j in range(L):
        _smul(mats[_V, j], tmp[_AS], jac[_VA + j], Z, Z, widths[j], dx, dx, Z, Z)        # V_j A
    for i in range(L):
        ni1, ni, oi = widths[i + 1], widths[i], offs[i]
        _smul(tmp[_E], mats[_V, i], EV, Z, Z, dy, dx, ni, Z, I)                           # E V_iᵀ
        for j in range(i, L):
            nj1, nj, oj = widths[j + 1], widths[j], offs[j]
            _smul(mats[_U, i], mats[_U, j], P, Z, Z, ni1, dy, nj1, I, Z)                 # U_iᵀ U_j
            _smul(jac[_VA + j], mats[_V, i], Q, Z, Z, nj, dx, ni, Z, I)                  # V_j A V_iᵀ
            if j == i + 1:
                for a in range(nj):
                    for b in range(ni1):
                        M[0, a, b] = 1.0 if a == b else 0.0
            elif j > i + 1:
                _smul(mats[_WS, j - 1], M, M2, Z, Z, nj, widths[j - 1], ni1, Z, Z)
                for a in range(nj):
                    for b in range(ni1):
                        M[0, a, b] = M2[0, a, b]
            if j > i:
                _smul(mats[_U, j], EV, R, Z, Z, nj1, dy, ni, I, Z)                       # U_jᵀ E V_iᵀ
            for a in range(ni1):
                for b in range(ni):
                    row = oi + a * ni + b
                    for c in range(nj1):
                        for e in range(nj):
                            v = P[0, a, c] * Q[0, e, b]
                            if j > i:
                                v += M[0, e, a] * R[0, c, b]
                            col = oj + c * nj + e
                            J[row, col] = v
                            J[col, row] = v
    for q in range(offs[L]):
        J[q, q] += vecs[_LS, 0, q]


# --- batch entry points (tests, and callers outside the tracker) ----------------------------------

@njit(cache=True)
def evaluate_batch(widths, offs, cA, cB, cL, aux, mode, pid, X, t, F, J):
    """H and its Jacobian for points X (P, n) at t (P,), point p using coefficient set pid[p]."""
    ws = workspace(widths, np.int64(MAX_ORDER))
    for p in range(X.shape[0]):
        s = pid[p]
        series(ws, (widths, offs, cA[s], cB[s], cL[s], aux[s], mode), X[p:p + 1], np.int64(0), t[p], F[p], J[p],
               np.int64(1))


@njit(cache=True)
def taylor_batch(widths, offs, cA, cB, cL, aux, mode, pid, TX, k, t, out):
    """Coefficient k (see :func:`series`) for series TX (P, k, n) at t (P,)."""
    ws = workspace(widths, np.int64(MAX_ORDER))
    J = np.zeros((1, 1), C128)
    for p in range(TX.shape[0]):
        s = pid[p]
        series(ws, (widths, offs, cA[s], cB[s], cL[s], aux[s], mode), TX[p], k, t[p], out[p], J, np.int64(0))
