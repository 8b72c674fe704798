"""Zero patterns of critical points: dead neurons.

For generic Λ a critical point with zero coordinates Z exists only if every equation k ∈ Z vanishes
identically on {w_Z = 0}. Row i of W_l is zero ⇔ column i of W_{l+1} is zero, so a pattern is a
choice of active neurons S_l ⊆ [n_l] per hidden layer; on it the point is a torus critical point of
the sub-network with widths (d_x, |S_1|, …, |S_H|, d_y). A pattern with an empty layer carries
only the origin. :func:`closed_subspaces` checks the claim exhaustively on small networks.
"""
from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .network import Network

#: DΦ counts as rank deficient when σ_min / σ_max is below this: exact deficiency shows up at the
#: level of rounding (~1e-15), while dominant maps at random points stay far above 1e-9.
RANK_TOL = 1e-9
#: Zero weights named in a pattern's description at most (the rest are counted).
MAX_NAMED_ZEROS = 6


@dataclass(frozen=True)
class ZeroPattern:
    """Active neurons per hidden layer (0-based indices); every other neuron is dead.

    ``zeros``, when given, is the whole zero set of a point (flat indices): at special data a critical
    point can have zero weights besides those of its dead neurons (:mod:`linnet_cli.model.generic_locus`);
    None for the dead-neuron patterns themselves, whose zero set the dead neurons make."""

    network: Network
    active: tuple[tuple[int, ...], ...]
    zeros: tuple[int, ...] | None = None

    @classmethod
    def of_point(cls, network: Network, w: np.ndarray) -> ZeroPattern:
        """The zero pattern of a point whose zero coordinates are exact zeros: a hidden neuron is dead
        when its incoming and outgoing weights are all zero."""
        mats = network.unflatten(np.asarray(w))
        active = tuple(tuple(i for i in range(n) if np.any(mats[l][i] != 0) or np.any(mats[l + 1][:, i] != 0))
                       for l, n in enumerate(network.hidden))
        return cls(network, active, tuple(int(i) for i in np.flatnonzero(np.asarray(w) == 0)))

    @property
    def is_origin(self) -> bool:
        """True when only the origin lies on this pattern (a dead-neuron pattern with an empty hidden layer)."""
        if self.zeros is not None:
            return len(self.zeros) == self.network.N
        return any(len(a) == 0 for a in self.active)

    @property
    def sub_network(self) -> Network:
        return Network((self.network.dx,) + tuple(len(a) for a in self.active) + (self.network.dy,))

    @cached_property
    def mask(self) -> np.ndarray:
        """Boolean (N,) mask of the coordinates that are nonzero on this pattern."""
        net = self.network
        if self.zeros is not None:
            out = np.ones(net.N, bool)
            out[list(self.zeros)] = False
            return out
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
        if not self.network.hidden:
            return "no hidden layer"
        if self.is_origin:
            return "origin"
        text = "all active" if not dead else "dead: " + ", ".join(dead)
        extra = self._extra_zeros()
        if extra:
            names = self.network.variable_names()
            shown = ", ".join(names[i] for i in extra[:MAX_NAMED_ZEROS])
            more = len(extra) - MAX_NAMED_ZEROS
            text += f"; zero: {shown}" + (f" (+{more} more)" if more > 0 else "")
        return text

    def _extra_zeros(self) -> list[int]:
        """Zero weights that no dead neuron explains (special data only)."""
        if self.zeros is None:
            return []
        implied = ~ZeroPattern(self.network, self.active).mask
        return [i for i in self.zeros if not implied[i]]


def dead_neuron_patterns(network: Network) -> list[ZeroPattern]:
    """Every pattern with at least one active neuron per hidden layer (torus first, fewer active later)."""
    choices = []
    for n in network.hidden:
        subsets = [c for k in range(n, 0, -1) for c in itertools.combinations(range(n), k)]
        choices.append(subsets)
    return [ZeroPattern(network, tuple(sel)) for sel in itertools.product(*choices)]


def pattern_groups(network: Network) -> dict[tuple[int, ...], list[ZeroPattern]]:
    """Dead-neuron patterns (all hidden layers nonempty) grouped by the widths of their sub-networks:
    patterns of one group have the same number of critical points, solved once for all."""
    groups: dict[tuple[int, ...], list[ZeroPattern]] = defaultdict(list)
    for p in dead_neuron_patterns(network):
        groups[p.sub_network.widths].append(p)
    return dict(groups)


def origin_pattern(network: Network) -> ZeroPattern:
    """The pattern of the origin (every neuron dead), always a critical point."""
    return ZeroPattern(network, tuple(() for _ in network.hidden))


#: Largest N for the exhaustive subspace check (2^N subsets, vectorized; N = 20 takes seconds).
MAX_VERIFY_N = 20


def check_verifiable(network: Network) -> None:
    """Refuse (InputError) the exhaustive check on networks with more than MAX_VERIFY_N weights."""
    from ..errors import InputError, opt
    if network.N > MAX_VERIFY_N:
        raise InputError(f"{opt('verify_patterns')} is exhaustive over 2^N subspaces; N = {network.N} exceeds "
                         f"{MAX_VERIFY_N}")


def closed_subspaces(supports: list[np.ndarray]) -> list[int]:
    """Every coordinate set Z (bit mask, ≠ ∅) such that each equation k ∈ Z vanishes identically on
    {w_Z = 0}, i.e. every monomial of equation k contains a variable of Z. Exhaustive over 2^N sets."""
    N = len(supports)
    Z = np.arange(1, 2 ** N, dtype=np.int64)
    ok = np.ones(len(Z), bool)
    weights = 1 << np.arange(N, dtype=np.int64)
    for k, e in enumerate(supports):
        in_z = (Z >> k) & 1 == 1
        for mono in np.unique((e > 0).astype(np.int64) @ weights):
            ok &= ~in_z | ((Z & mono) != 0)
    return [int(z) for z in Z[ok]]


@dataclass
class PatternCheck:
    """Outcome of the exhaustive zero-pattern check of one network."""

    subspaces: int                  # coordinate subspaces examined (2^N − 1 nonempty Z)
    closed: int                     # closed ones (each zeroed equation vanishes identically there)
    neuron_patterns: int            # closed ones that are dead-neuron patterns (or the origin)
    others_with_solutions: list[int]  # closed non-neuron Z on which Φ_Z is dominant: missed solutions

    @property
    def confirmed(self) -> bool:
        return not self.others_with_solutions

    def message(self) -> str:
        head = (f"zero-pattern check: {self.closed} of {self.subspaces} coordinate subspaces are closed, "
                f"{self.neuron_patterns} of them dead-neuron patterns")
        if self.confirmed:
            return head + "; no other one carries critical points for generic Λ (confirmed)"
        return head + (f"; {len(self.others_with_solutions)} other(s) carry critical points for generic Λ: "
                       "the dead-neuron count is incomplete for this shape")

    def to_dict(self) -> dict:
        return {"subspaces": self.subspaces, "closed": self.closed, "neuron_patterns": self.neuron_patterns,
                "others_with_solutions": len(self.others_with_solutions), "confirmed": self.confirmed}


def verify_patterns(network: Network, m: int, rng: np.random.Generator) -> PatternCheck:
    """Check docs/design.md §2's claim on this network: every closed coordinate subspace that carries torus
    solutions for generic Λ (its map Φ_Z is dominant) is a dead-neuron pattern."""
    from .gradient import GradientSystem, Parameters
    from .symbolic import generic_supports

    check_verifiable(network)
    N = network.N
    closed = closed_subspaces(list(generic_supports(network, m)))
    weights = 1 << np.arange(N)
    neuron = {int((~p.mask).astype(np.int64) @ weights) for p in dead_neuron_patterns(network)}
    neuron.add(2 ** N - 1)
    neuron.discard(0)
    system = GradientSystem(network)
    X = rng.normal(size=(network.dx, m)) + 1j * rng.normal(size=(network.dx, m))
    Y = rng.normal(size=(network.dy, m)) + 1j * rng.normal(size=(network.dy, m))
    others = []
    for z in closed:
        if z in neuron:
            continue
        keep = np.array([(z >> v) & 1 == 0 for v in range(N)])
        w = np.zeros(N, complex)
        w[keep] = rng.normal(size=keep.sum()) + 1j * rng.normal(size=keep.sum())
        J = system.jacobian(w[None], Parameters.from_data(X, Y, np.zeros(N)))[0]
        g = system.evaluate(w[None], Parameters.from_data(X, Y, np.zeros(N)))[0]
        Jk = J[np.ix_(keep, keep)]
        # DΦ_Z for Φ_Z(w) = −g_keep(w) ⊘ w_keep
        D = -(Jk - np.diag(g[keep] / w[keep])) / w[keep][:, None]
        s = np.linalg.svd(D, compute_uv=False)
        if len(s) and s[-1] > RANK_TOL * s[0]:
            others.append(z)
    return PatternCheck(2 ** N - 1, len(closed), len([z for z in closed if z in neuron]), others)
