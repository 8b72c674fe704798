"""Whether an instance's data lie off the generic locus that the fast solve assumes.

The fast solve (docs/design.md §2–§5) counts critical points by dead-neuron zero patterns, finds each
sub-network's torus points by monodromy at the instance's own data and decides dominance by a rank
test there. All three assume generic data: the thesis proves the zero-pattern structure for generic
(X, Y, Λ) only. Special data break them. A zero in X or Y, a rank-deficient X, Y or Y Xᵀ (repeated
or collinear data points among at most d_x of them), and zero or tied regularization constants all
occur in real data (one-hot targets, sparse or centred features, one shared weight decay). There the
critical points can have zero sets that are no dead-neuron pattern, coincide, go to infinity or form
positive-dimensional components.

:func:`special_features` names every such feature of an instance (empty for generic data). The solver
then uses the coefficient-parameter homotopy from a generic solve, which is right for any data
(:func:`linnet_cli.engines.native.track_special`, docs/design.md §5a). Exact features are found by
exact comparisons; *near* ones, within a scale-aware tolerance, are named as well, because the fast
solve's rank test misreads data that are special up to rounding.
"""
from __future__ import annotations

import numpy as np

from .instance import Instance

#: An entry of X, Y or Λ counts as nearly zero when it is at most this fraction of the largest entry of
#: its matrix, and an entry of A = X Xᵀ or B = Y Xᵀ when it is at most this fraction of the norms of its
#: two rows. At 1e-10 (relative) the fast solve's rank test already reads
#: d = d_x = d_y = 2 as non-dominant (a count of 1 instead of 33), while 1e-8 is still solved right:
#: the margin is kept on the safe side, where the parameter homotopy (right for all data) is used.
NEAR_ZERO = 1e-7
#: A matrix counts as rank-deficient when σ_min / σ_max is at most this (scale-free); below
#: EXACT_RANK_TOL (a few units of rounding of the SVD) the deficiency is exact, above it near.
NEAR_RANK_TOL = 1e-7
EXACT_RANK_TOL = 1e-13
#: Two neurons' regularization constants count as tied when they differ by at most this fraction of
#: the largest constant of their layers.
NEAR_TIE = 1e-9


def _scale(a: np.ndarray) -> float:
    return float(np.max(np.abs(a), initial=0.0))


def _zeros(name: str, a: np.ndarray) -> list[tuple[str, bool]]:
    """The exact and the near zeros of one matrix, as (phrase, near)."""
    a = np.asarray(a, dtype=float)
    out = []
    exact = int(np.sum(a == 0))
    if exact:
        out.append((f"{name} has {exact} zero entr{'y' if exact == 1 else 'ies'}", False))
    scale = _scale(a)
    near = int(np.sum((a != 0) & (np.abs(a) <= NEAR_ZERO * scale)))
    if near:
        out.append((f"{name} has {near} entr{'y' if near == 1 else 'ies'} within {NEAR_ZERO:.0e} "
                    "(relative) of zero", True))
    return out


def _orthogonal(name: str, P: np.ndarray, Q: np.ndarray) -> list[tuple[str, bool]]:
    """Zeros of P Qᵀ, each entry taken relative to the norms of its two rows (the cosine of their angle):
    a small row is small data, not orthogonal data (its own entries are checked by :func:`_zeros`)."""
    norms = np.outer(np.linalg.norm(P, axis=1), np.linalg.norm(Q, axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        cosine = np.where(norms > 0, (P @ Q.T) / norms, 1.0)
    if P is Q:
        np.fill_diagonal(cosine, 1.0)
    return _zeros(name, np.where(np.abs(cosine) <= NEAR_ZERO, cosine, 1.0))


def _rank(name: str, a: np.ndarray, full: int) -> list[tuple[str, bool]]:
    """(phrase, near) when ``a`` has rank below ``full`` (exactly, or nearly)."""
    s = np.linalg.svd(np.asarray(a, dtype=float), compute_uv=False)
    if full == 0 or not len(s) or s[0] == 0:
        return [(f"{name} is zero", False)] if full and (not len(s) or s[0] == 0) else []
    ratio = s[full - 1] / s[0] if full <= len(s) else 0.0
    if ratio <= EXACT_RANK_TOL:
        rank = int(np.sum(s > EXACT_RANK_TOL * s[0]))
        return [(f"{name} has rank {rank} < {full}", False)]
    if ratio <= NEAR_RANK_TOL:
        return [(f"{name} is nearly rank-deficient (σ_min/σ_max = {ratio:.1e})", True)]
    return []


def _tied_neurons(net, Lambda) -> list[tuple[str, bool]]:
    """A phrase per hidden layer with two neurons whose constants are tied: the same constants on their
    incoming weights (rows of Λ_l) and on their outgoing weights (columns of Λ_{l+1}). Rotating the two
    neurons into each other then leaves the loss unchanged (W_l → Q W_l, W_{l+1} → W_{l+1} Qᵀ with Q
    orthogonal), so critical points come in continuous families. A tie of two unrelated constants
    makes no such symmetry and is not special."""
    out = []
    for l, n in enumerate(net.hidden):
        rows, cols = np.asarray(Lambda[l], float), np.asarray(Lambda[l + 1], float)
        tol = NEAR_TIE * max(_scale(rows), _scale(cols), 1e-300)
        pairs = sum(1 for i in range(n) for j in range(i + 1, n)
                    if np.abs(rows[i] - rows[j]).max() <= tol and np.abs(cols[:, i] - cols[:, j]).max() <= tol)
        if pairs:
            out.append((f"hidden layer {l + 1} has {pairs} pair(s) of neurons with tied regularization constants",
                        False))
    return out


def special_features(instance: Instance) -> list[str]:
    """Every feature that puts ``instance`` off the generic locus, as short phrases (empty: generic).

    Examples
    --------
    >>> import numpy as np
    >>> from linnet_cli import Network, random_instance
    >>> inst = random_instance(Network.uniform(d=2, dx=2, dy=2), seed=1)
    >>> special_features(inst)
    []
    >>> X = inst.X.copy(); X[0, 0] = 0
    >>> special_features(Instance(inst.network, X, inst.Y, inst.Lambda))[:1]
    ['X has 1 zero entry']
    """
    return list(dict.fromkeys(phrase for phrase, _ in _features(instance)))


def near_features(instance: Instance) -> list[str]:
    """The features of :func:`special_features` that hold only within a tolerance: the data are
    generic, but critical points can have coordinates as small as the data's near-zeros, at the limit
    of what double precision tells from zero."""
    return list(dict.fromkeys(phrase for phrase, near in _features(instance) if near))


def _features(instance: Instance) -> list[tuple[str, bool]]:
    net = instance.network
    X, Y = np.asarray(instance.X, float), np.asarray(instance.Y, float)
    lam = np.asarray(instance.lambda_flat, float)
    m = X.shape[1]
    out = _zeros("X", X) + _zeros("Y", Y) + _zeros("Λ", lam)
    if not out:     # zeros of X Xᵀ and Y Xᵀ with a zero-free X and Y: rows orthogonal by cancellation
        out += _orthogonal("X Xᵀ", X, X) + _orthogonal("Y Xᵀ", Y, X)
    out += _rank("X", X, min(net.dx, m)) + _rank("Y", Y, min(net.dy, m))
    out += _rank("Y Xᵀ", Y @ X.T, min(net.dx, net.dy, m))
    out += _tied_neurons(net, instance.Lambda)
    return out


def equivalent_data(instance: Instance) -> Instance:
    """An instance with the same gradient system and the fewest data points: m' = rank X.

    The gradient depends on the data only through A = X Xᵀ and B = Y Xᵀ. With the thin SVD
    X = U S Vᵀ of rank r, the data X' = U S and Y' = Y V (r points) give the same A and B, so the same
    critical points (the loss moves by the constant ‖Y V_⊥‖²). Solving them from generic data with r
    points instead of m tracks far fewer paths that go to infinity (repeated or collinear data points).
    The instance itself when X has full rank m."""
    X, Y = np.asarray(instance.X, float), np.asarray(instance.Y, float)
    u, s, vt = np.linalg.svd(X, full_matrices=False)
    r = int(np.sum(s > EXACT_RANK_TOL * s[0])) if len(s) and s[0] > 0 else 0
    if r >= X.shape[1] or r == 0:
        return instance
    return Instance(instance.network, u[:, :r] * s[:r], Y @ vt[:r].T, instance.Lambda, seed=instance.seed,
                    source=instance.source)
