"""The one compiled LU (tracker and double-double refinement): solutions equal numpy's, and a singular
matrix is refused."""
from __future__ import annotations

import numpy as np

from linnet_cli.homotopy.lu import lu_factor, lu_solve


def test_lu_solves_like_numpy():
    rng = np.random.default_rng(8)
    for n in (1, 3, 7, 20):
        J = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
        b = rng.normal(size=n) + 1j * rng.normal(size=n)
        LU, piv, out = J.copy(), np.empty(n, np.int64), np.empty(n, complex)
        assert lu_factor(LU, piv, n)
        lu_solve(LU, piv, b, out, n)
        np.testing.assert_allclose(out, np.linalg.solve(J, b), rtol=1e-10, atol=1e-12)


def test_a_zero_pivot_is_refused():
    J = np.array([[1.0, 2.0], [2.0, 4.0]], complex)
    assert not lu_factor(J.copy(), np.empty(2, np.int64), 2)
