"""Zero patterns of critical points: dead neurons.

For generic Λ a critical point with zero coordinates Z exists only if every equation k ∈ Z vanishes
identically on {w_Z = 0}. Row i of W_l is zero ⇔ column i of W_{l+1} is zero, so a pattern is a
choice of active neurons S_l ⊆ [n_l] per hidden layer; on it the point is a torus critical point of
the sub-network with widths (d_x, |S_1|, …, |S_H|, d_y). A pattern with an empty layer carries
only the origin. :func:`closed_subspaces` checks the claim exhaustively on small networks.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .network import Network


@dataclass(frozen=True)
class ZeroPattern:
    """Active neurons per hidden layer (0-based indices); every other neuron is dead."""

    network: Network
    active: tuple[tuple[int, ...], ...]

    @property
    def is_origin(self) -> bool:
        """True when some hidden layer is empty: only the origin lies on this pattern."""
        return any(len(a) == 0 for a in self.active)

    @property
    def sub_network(self) -> Network:
        return Network((self.network.dx,) + tuple(len(a) for a in self.active) + (self.network.dy,))

    @cached_property
    def mask(self) -> np.ndarray:
        """Boolean (N,) mask of the coordinates that are nonzero on this pattern."""
        net = self.network
        keep = [np.arange(net.dx)] + [np.array(a, dtype=int) for a in self.active] + [np.arange(net.dy)]
        mats = []
        for l, (r, c) in enumerate(net.shapes):
            m = np.zeros((r, c), bool)
            if len(keep[l + 1]) and len(keep[l]):
                m[np.ix_(keep[l + 1], keep[l])] = True
            mats.append(m)
        return net.flatten(mats)

    @cached_property
    def coordinates(self) -> np.ndarray:
        """Indices of the active coordinates, in the order of the sub-network's flat layout."""
        return np.flatnonzero(self.mask)

    def embed(self, w_sub: np.ndarray) -> np.ndarray:
        """Points of the sub-network (P, N_sub) as points of the full network (P, N), zeros elsewhere."""
        out = np.zeros(w_sub.shape[:-1] + (self.network.N,), dtype=w_sub.dtype)
        out[..., self.coordinates] = w_sub
        return out

    def matrices(self) -> list[np.ndarray]:
        """The pattern as 0/1 matrices W_1, …, W_{H+1} (1 = may be nonzero), as in the thesis's Figure 3.1."""
        return [m.astype(int) for m in self.network.unflatten(self.mask)]

    def describe(self) -> str:
        """E.g. ``dead: layer 1 neuron 2`` or ``all active``."""
        dead = [f"layer {l + 1} neuron {i + 1}" for l, n in enumerate(self.network.hidden)
                for i in range(n) if i not in self.active[l]]
        if self.is_origin:
            return "origin"
        return "all active" if not dead else "dead: " + ", ".join(dead)


def dead_neuron_patterns(network: Network) -> list[ZeroPattern]:
    """Every pattern with at least one active neuron per hidden layer (torus first, fewer active later)."""
    choices = []
    for n in network.hidden:
        subsets = [c for k in range(n, 0, -1) for c in itertools.combinations(range(n), k)]
        choices.append(subsets)
    return [ZeroPattern(network, tuple(sel)) for sel in itertools.product(*choices)]


def origin_pattern(network: Network) -> ZeroPattern:
    """The pattern of the origin (every neuron dead), always a critical point."""
    return ZeroPattern(network, tuple(() for _ in network.hidden))


def closed_subspaces(supports: list[np.ndarray]) -> list[frozenset[int]]:
    """Every coordinate set Z (≠ ∅, ≠ all) such that each equation k ∈ Z vanishes identically on {w_Z = 0}.

    ``supports[k]`` is the exponent matrix of the data part g_k (no Λ term). Exhaustive over 2^N
    subsets with bit masks, so only for small N.
    """
    N = len(supports)
    # monomial masks per equation: bit v set when the monomial contains x_v
    mono_masks = [np.array([int(sum(1 << v for v in np.flatnonzero(row))) for row in e], dtype=object)
                  for e in supports]
    out = []
    for Z in range(1, 2 ** N - 1):
        ok = True
        for k in range(N):
            if Z >> k & 1 and not all(m & Z for m in mono_masks[k]):
                ok = False
                break
        if ok:
            out.append(frozenset(v for v in range(N) if Z >> v & 1))
    return out
