"""Sweep of special data: every count compared with an exact Gröbner-basis count where one is possible.

Real data are special (docs/design.md §5a): exact zeros, one-hot inputs or targets, sparse features,
duplicated data points, zero or tied regularization constants. For each kind and shape this draws
a random instance, makes it special, solves it, and compares with msolve's count over a prime field
(N ≤ 15, when msolve is installed). msolve counts the degree of the gradient ideal, that is the
isolated points with their multiplicities, and refuses positive-dimensional ideals; linnet's counts
are compared accordingly (sum of multiplicities; "positive-dimensional" on both sides). Each line
prints the kind, shape, linnet's N_C / N_C*, paths to infinity, points on positive-dimensional sets,
the completeness, the exact count, and whether they agree.

Usage: python benchmarks/special_data.py [--count 50] [--seed 1] [--smoke]
"""
from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

import linnet_cli as ln
from linnet_cli.checks import peers
from linnet_cli.checks.exact import EXACT_MAX_N, EXACT_PRIME

#: Shapes swept: Table 3.1's rows up to row 26 (d, d_x, d_y ≤ 3 with H = 1, m = 1) and a few with
#: m = 2 or two hidden layers.
SHAPES: list[tuple[tuple[int, ...], int]] = (
    [((dx, d, dy), 1) for d in (1, 2, 3) for dy in (1, 2, 3) for dx in (1, 2, 3) if (d, dx, dy) != (3, 3, 3)]
    + [((2, 2, 2), 2), ((3, 2, 2), 2), ((2, 2, 2, 2), 1), ((2, 2, 3), 2)])
#: The smoke mode's shapes: small enough for the test suite.
SMOKE_SHAPES: list[tuple[tuple[int, ...], int]] = [((2, 2, 2), 1), ((1, 2, 2), 1)]


def _zero_x(inst: ln.Instance, rng: np.random.Generator) -> ln.Instance:
    X = inst.X.copy()
    X[rng.integers(X.shape[0]), rng.integers(X.shape[1])] = 0
    return _with(inst, X=X)


def _zero_y(inst: ln.Instance, rng: np.random.Generator) -> ln.Instance:
    Y = inst.Y.copy()
    Y[rng.integers(Y.shape[0]), rng.integers(Y.shape[1])] = 0
    return _with(inst, Y=Y)


def _zero_lambda(inst: ln.Instance, rng: np.random.Generator) -> ln.Instance:
    lams = [L.copy() for L in inst.Lambda]
    L = lams[rng.integers(len(lams))]
    L[rng.integers(L.shape[0]), rng.integers(L.shape[1])] = 0
    return _with(inst, Lambda=tuple(lams))


def _one_hot(a: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = np.zeros_like(a)
    out[rng.integers(a.shape[0], size=a.shape[1]), np.arange(a.shape[1])] = 1.0
    return out


def _one_hot_x(inst: ln.Instance, rng: np.random.Generator) -> ln.Instance:
    return _with(inst, X=_one_hot(inst.X, rng))


def _one_hot_y(inst: ln.Instance, rng: np.random.Generator) -> ln.Instance:
    return _with(inst, Y=_one_hot(inst.Y, rng))


def _sparse_x(inst: ln.Instance, rng: np.random.Generator) -> ln.Instance:
    X = inst.X.copy()
    X[rng.random(X.shape) < 0.5] = 0
    return _with(inst, X=X)


def _duplicated(inst: ln.Instance, rng: np.random.Generator) -> ln.Instance:
    """The first data point twice (m + 1 points): the count of the data without the copy."""
    return _with(inst, X=np.hstack([inst.X, inst.X[:, :1]]), Y=np.hstack([inst.Y, inst.Y[:, :1]]))


def _with(inst: ln.Instance, **changes) -> ln.Instance:
    return ln.Instance(inst.network, changes.get("X", inst.X), changes.get("Y", inst.Y),
                       changes.get("Lambda", inst.Lambda), seed=inst.seed, source="special")


KINDS: dict[str, Callable[[ln.Instance, np.random.Generator], ln.Instance]] = {
    "zero in X": _zero_x, "zero in Y": _zero_y, "zero in Λ": _zero_lambda, "one-hot X": _one_hot_x,
    "one-hot Y": _one_hot_y, "sparse X": _sparse_x, "duplicated point": _duplicated,
}


def exact(inst: ln.Instance) -> tuple[int, int] | str | None:
    """msolve's (degree, torus degree) over GF(p); "positive-dimensional"; None when not possible."""
    if inst.network.N > EXACT_MAX_N or peers.find_msolve() is None:
        return None
    try:
        return (peers.msolve_counts(inst, prime=EXACT_PRIME)[0],
                peers.msolve_counts(inst, prime=EXACT_PRIME, torus=True)[0])
    except peers.PeerError as exc:
        if "positive-dimensional" in str(exc):
            return "positive-dimensional"
        raise


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=50, help="instances (kinds and shapes in turn)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--smoke", action="store_true", help="two small instances, for the test suite")
    args = ap.parse_args()
    shapes = SMOKE_SHAPES if args.smoke else SHAPES
    count = 2 if args.smoke else args.count
    rng = np.random.default_rng(args.seed)
    kinds = list(KINDS)
    agree = compared = 0
    print(f"{'kind':<17} {'widths':<9} {'m':>2} {'N_C':>5} {'N_C*':>5} {'mult':>5} {'inf':>4} {'pos':>4} "
          f"{'failed':>6} {'s':>6}  {'completeness':<20} {'exact':<22} agree")
    t_all = time.perf_counter()
    for k in range(count):
        widths, m = shapes[k % len(shapes)]
        kind = kinds[(k // len(shapes) + k) % len(kinds)]
        seed = int(rng.integers(2 ** 31))
        base = ln.random_instance(ln.Network(widths), m=m, seed=seed)
        inst = KINDS[kind](base, np.random.default_rng(seed))
        t0 = time.perf_counter()
        res = ln.solve(inst, seed=seed, bkk=False)
        sec = time.perf_counter() - t0
        mult = sum(p.multiplicity for p in res.points)
        mult_torus = sum(p.multiplicity for p in res.torus())
        ex = exact(inst)
        if ex is None:
            verdict, shown = "-", "-"
        elif ex == "positive-dimensional":
            ok = bool(res.positive_dimensional)
            verdict, shown = ("yes" if ok else "NO"), "positive-dimensional"
        else:
            ok = ex == (mult, mult_torus) and not res.positive_dimensional
            verdict, shown = ("yes" if ok else "NO"), f"{ex[0]} / {ex[1]}"
        if ex is not None:
            compared += 1
            agree += verdict == "yes"
        print(f"{kind:<17} {','.join(map(str, widths)):<9} {inst.m:>2} {res.n_complex:>5} {res.n_torus:>5} "
              f"{mult:>5} {res.diverged_paths:>4} {len(res.positive_dimensional):>4} {res.n_failed:>6} "
              f"{sec:>6.1f}  {res.completeness.overall.value:<20} {shown:<22} {verdict}", flush=True)
    print(f"{count} special instances in {time.perf_counter() - t_all:.0f} s; "
          f"{compared} compared with msolve's exact counts: {agree} agree, {compared - agree} disagree")


if __name__ == "__main__":
    main()
