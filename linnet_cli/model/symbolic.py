"""The gradient system in sparse symbolic form: per equation, an integer exponent matrix and coefficients.

Built by expanding the loss L(W) = ½‖W_{H+1}⋯W_1 X − Y‖² + ½ Σ λ_k w_k² as a polynomial and
differentiating it, independently of the matrix formula in :mod:`linnet_cli.model.gradient` (the tests
compare the two). Coefficients are exact Fractions when the data are (for Singular, msolve,
PHCpack), floats otherwise. Used for export (:mod:`linnet_cli.checks.systems`) and for supports (bounds).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

import numpy as np

from .instance import Instance, random_instance
from .network import Network

Monomial = tuple[int, ...]          # sorted variable indices, with repetition
Poly = dict[Monomial, Any]          # monomial -> coefficient


def _mul(p: Poly, q: Poly) -> Poly:
    out: Poly = defaultdict(int)
    for m1, c1 in p.items():
        for m2, c2 in q.items():
            out[tuple(sorted(m1 + m2))] += c1 * c2
    return {m: c for m, c in out.items() if c != 0}


def _add_into(acc: Poly, p: Poly, scale: Any = 1) -> None:
    for m, c in p.items():
        acc[m] = acc.get(m, 0) + scale * c


def _matmul(P: list[list[Poly]], Q: list[list[Poly]]) -> list[list[Poly]]:
    rows, inner, cols = len(P), len(Q), len(Q[0])
    out = []
    for r in range(rows):
        row = []
        for c in range(cols):
            acc: Poly = {}
            for k in range(inner):
                _add_into(acc, _mul(P[r][k], Q[k][c]))
            row.append({m: v for m, v in acc.items() if v != 0})
        out.append(row)
    return out


@dataclass(frozen=True)
class SparseSystem:
    """Equations ``sum_t coefficients[k][t] * prod_v x_v ** exponents[k][t, v]``, k = 0..N-1."""

    network: Network
    exponents: tuple[np.ndarray, ...]
    coefficients: tuple[np.ndarray, ...]

    @property
    def N(self) -> int:
        return self.network.N

    def supports(self, with_origin: bool = False) -> list[np.ndarray]:
        """The supports (T_k × N integer matrices), optionally with the origin added to each."""
        if not with_origin:
            return [e.copy() for e in self.exponents]
        out = []
        for e in self.exponents:
            has0 = np.any(np.all(e == 0, axis=1))
            out.append(e.copy() if has0 else np.vstack([np.zeros((1, self.N), dtype=e.dtype), e]))
        return out

    def degrees(self) -> list[int]:
        return [int(e.sum(axis=1).max()) for e in self.exponents]

    def evaluate(self, w: np.ndarray) -> np.ndarray:
        """Numerical value at points w (P, N), for checking against the matrix formula."""
        w = np.atleast_2d(w)
        out = np.empty(w.shape[:-1] + (self.N,), dtype=np.result_type(w, complex))
        for k, (e, c) in enumerate(zip(self.exponents, self.coefficients)):
            mono = np.prod(w[:, None, :] ** e[None, :, :], axis=-1)
            out[:, k] = mono @ c.astype(complex)
        return out


def sparse_system(instance: Instance, exact: bool = False) -> SparseSystem:
    """Expand the gradient of the loss of ``instance``; exact Fraction coefficients when ``exact``."""
    net = instance.network
    vals = instance.exact_values() if exact else (instance.X, instance.Y, *instance.Lambda)
    conv = (lambda v: Fraction(v)) if exact else float  # noqa: E731
    X, Y = vals[0], vals[1]
    lam = net.flatten([np.asarray(L, dtype=object) for L in vals[2:]]) if exact else instance.lambda_flat
    mats: list[list[list[Poly]]] = []
    for i, (r, c) in enumerate(net.shapes):
        o = net.offsets[i]
        mats.append([[{(o + a * c + b,): conv(1)} for b in range(c)] for a in range(r)])
    prod = mats[0]
    for Wi in mats[1:]:
        prod = _matmul(Wi, prod)
    Xp: list[list[Poly]] = [[{(): conv(X[a, b])} if X[a, b] != 0 else {} for b in range(X.shape[1])]
                            for a in range(X.shape[0])]
    R = _matmul(prod, Xp)
    half = Fraction(1, 2) if exact else 0.5
    loss: Poly = {}
    for a in range(net.dy):
        for b in range(instance.m):
            res = dict(R[a][b])
            res[()] = res.get((), 0) - conv(Y[a, b])
            _add_into(loss, _mul(res, res), half)
    for k in range(net.N):
        loss[(k, k)] = loss.get((k, k), 0) + half * conv(lam[k])
    grads: list[Poly] = [defaultdict(int) for _ in range(net.N)]
    for mono, coef in loss.items():
        if coef == 0:
            continue
        for v in set(mono):
            rest = list(mono)
            rest.remove(v)
            grads[v][tuple(rest)] += mono.count(v) * coef
    exps, coefs = [], []
    for g in grads:
        items = [(m, c) for m, c in g.items() if c != 0]
        E = np.zeros((len(items), net.N), dtype=np.int64)
        for t, (m, _) in enumerate(items):
            for v in m:
                E[t, v] += 1
        exps.append(E)
        coefs.append(np.array([c for _, c in items], dtype=object if exact else float))
    return SparseSystem(net, tuple(exps), tuple(coefs))


#: Seed of the rational instance whose supports stand for the generic supports of a shape.
SUPPORT_SEED = 20240601


@lru_cache(maxsize=256)
def generic_supports(network: Network, m: int = 1) -> tuple[np.ndarray, ...]:
    """Supports of the gradient system for generic data: computed exactly on a random rational instance
    (a cancellation would need an exact polynomial identity among random rationals)."""
    inst = random_instance(network, m=m, seed=SUPPORT_SEED, rational=True)
    return sparse_system(inst, exact=True).exponents
