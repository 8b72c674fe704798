"""LU factorization with partial pivoting and its solve, compiled (numba): the one LU of the path
tracker (:mod:`linnet_cli.homotopy.tracker`) and of the double-double refinement
(:mod:`linnet_cli.homotopy.double_double`), which reuses the tracker's factors. Small dense complex
systems (N ≤ a few hundred) in place, without BLAS: called inside compiled loops that release the GIL.
:func:`apply_correction` takes the solve's Newton correction and says how large it was, for both."""
from __future__ import annotations

import numpy as np

from .jit import njit

__all__ = ["lu_factor", "lu_solve", "apply_correction"]


@njit(cache=True, error_model="numpy")
def lu_factor(J, piv, n):
    """LU with partial pivoting in place; False when a pivot is zero or not finite."""
    for k in range(n):
        p = k
        best = abs(J[k, k].real) + abs(J[k, k].imag)
        for i in range(k + 1, n):
            v = abs(J[i, k].real) + abs(J[i, k].imag)
            if v > best:
                best, p = v, i
        if not (best > 0.0) or not np.isfinite(best):
            return False
        piv[k] = p
        if p != k:
            for j in range(n):
                J[k, j], J[p, j] = J[p, j], J[k, j]
        inv = 1.0 / J[k, k]
        for i in range(k + 1, n):
            f = J[i, k] * inv
            J[i, k] = f
            if f != 0:
                for j in range(k + 1, n):
                    J[i, j] -= f * J[k, j]
    return True


@njit(cache=True, error_model="numpy")
def lu_solve(LU, piv, b, out, n):
    """out = J⁻¹ b from :func:`lu_factor`'s factors."""
    for i in range(n):
        out[i] = b[i]
    for k in range(n):
        p = piv[k]
        if p != k:
            out[k], out[p] = out[p], out[k]
    for i in range(n):
        s = out[i]
        for j in range(i):
            s -= LU[i, j] * out[j]
        out[i] = s
    for i in range(n - 1, -1, -1):
        s = out[i]
        for j in range(i + 1, n):
            s -= LU[i, j] * out[j]
        out[i] = s / LU[i, i]


@njit(cache=True, error_model="numpy")
def apply_correction(x, d, n):
    """x ← x − d in place (x, d of length n); returns the correction's relative size ‖d‖₂ / (1 + ‖x‖₂),
    the endpoint accuracy of the tracker and of the refinement."""
    dn = xn = 0.0
    for q in range(n):
        x[q] -= d[q]
        dn += d[q].real ** 2 + d[q].imag ** 2
        xn += x[q].real ** 2 + x[q].imag ** 2
    return np.sqrt(dn) / (1.0 + np.sqrt(xn))
