"""numba's ``njit``, imported without numba's start-up probe for BLAS.

When numba is imported it imports ``scipy.linalg`` to see whether BLAS is there (about 0.2 s, a fifth
of a small solve's whole run). linnet's kernels need no BLAS (the tracker has its own small LU), so
the probe is made to find nothing: numba then uses its own loops for the one thing the probe decides,
np.dot-like inner products of compiled code, and still imports SciPy's BLAS on demand for any compiled
``np.linalg`` call. Nothing changes when SciPy's linalg is already imported.

numba's on-disk cache (``cache=True``: ``*.nbi`` index and ``*.nbc`` data files in ``__pycache__`` or
``$NUMBA_CACHE_DIR``) is also made to repair itself: a file numba cannot load (truncated by a full disk
or a killed process, or otherwise corrupt) would fail every run for good; instead its files are
removed, the function is compiled afresh (and cached again), and one line on stderr says so.
"""
from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable

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

_repair_lock = threading.Lock()
#: Cache index files found unreadable (and removed) in this process.
repaired: list[str] = []


def _discard(cache_file: object, exc: BaseException) -> None:
    """Remove a function's cache files (its index and every data file it names or may name), and say
    so once per process."""
    import glob
    path = cache_file._index_path                                    # type: ignore[attr-defined]
    base = path[:-len(".nbi")] if path.endswith(".nbi") else path
    for name in [path, *glob.glob(glob.escape(base) + ".*.nbc")]:
        try:
            os.unlink(name)
        except OSError:
            pass
    with _repair_lock:
        first = not repaired
        repaired.append(path)
    if first:
        text = str(exc).splitlines()[0] if str(exc) else ""
        sys.stderr.write(f"linnet: numba's cache of compiled code was unreadable ({base}.*: "
                         f"{type(exc).__name__}{': ' + text if text else ''}); its files were removed and the "
                         "cache is rebuilt as the code compiles\n")


def _self_repairing_cache() -> None:
    """Make numba's cache loader treat a file it cannot load as a cache miss, after removing it."""
    from numba.core import caching
    load = caching.Cache._load_overload
    if getattr(load, "linnet_repairs", False):
        return

    def _load_overload(self, sig, target_context):   # noqa: ANN001, ANN202 - numba's signature
        try:
            return load(self, sig, target_context)
        except Exception as exc:   # any failure to load is a miss: compiling afresh is always correct
            _discard(self._cache_file, exc)
            return None
    _load_overload.linnet_repairs = True   # type: ignore[attr-defined]
    caching.Cache._load_overload = _load_overload   # type: ignore[method-assign]   # numba's loader, patched on purpose


_self_repairing_cache()


def cold_cache(dispatcher: object, wanted: Callable[[tuple], bool] | None = None) -> bool:
    """Whether numba's on-disk cache could hold ``dispatcher``'s compiled code but holds none for its
    current source (no index file, or one written for another version of the source or of numba); with
    ``wanted`` (argument types → bool), none of the compilations it wants (e.g. one specialization).
    False when the function is not cached on disk."""
    cache_file = getattr(getattr(dispatcher, "_cache", None), "_cache_file", None)
    if cache_file is None:
        return False
    try:
        index = cache_file._load_index()
    except Exception:   # an unreadable index is a miss, as the loader treats it (see _discard)
        return True
    # numba's index keys are (argument types, machine, source hashes)
    return not any(wanted is None or wanted(key[0]) for key in index)


__all__ = ["numba", "njit", "cold_cache"]
