"""numba's ``njit``, imported without numba's start-up probe for BLAS.

When numba is imported it imports ``scipy.linalg`` to see whether BLAS is there (about 0.2 s, a fifth
of a small solve's whole run). linnet's kernels need no BLAS (the tracker has its own small LU), so
the probe is made to find nothing: numba then uses its own loops for the one thing the probe decides,
np.dot-like inner products of compiled code, and still imports SciPy's BLAS on demand for any compiled
``np.linalg`` call. Nothing changes when SciPy's linalg is already imported.
"""
from __future__ import annotations

import sys

_PROBE_BLOCKED = "numba" not in sys.modules and "scipy.linalg" not in sys.modules
if _PROBE_BLOCKED:
    sys.modules["scipy.linalg"] = None    # type: ignore[assignment]   # the probe's import fails at once
try:
    import numba
    import numba.np.arraymath  # noqa: F401   # the module that probes (numba loads it on first compile)
finally:
    if _PROBE_BLOCKED:
        del sys.modules["scipy.linalg"]

njit = numba.njit

__all__ = ["numba", "njit"]
