"""Torus critical points by monodromy in Λ, started from a free solution pair.

On the torus Λ = Φ(W) := −g(W) ⊘ W, so a random complex W_0 with Λ_0 = Φ(W_0) solves the
system. The torus solutions over Λ form the graph of Φ, an irreducible variety, so loops
Λ_0 → Λ_1 → Λ_2 → Λ_0 reach every torus solution over Λ_0. Their number is deg Φ, which is 0
when Φ is not dominant (rank DΦ < N): detected first, never looped on.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .gradient import GradientSystem, Parameters
from .network import Network
from .patterns import RANK_TOL
from .progress import Progress
from .return_code import ReturnCode
from .symmetry import canonical, sign_vectors
from .tracker import ParameterHomotopy, Tracker, TrackerOptions
from .unique_points import assign, merge_new

@dataclass(frozen=True)
class MonodromyOptions:
    """Settings of the monodromy search (after HomotopyContinuation.jl's ``MonodromyOptions``)."""

    #: Fresh loops every known solution goes around per round (HomotopyContinuation.jl stops after 5
    #: loops in a row without a new solution).
    stall_loops: int = 5
    #: Without a completeness check, loops per round are raised until every round tracks at least this
    #: many loop paths.
    min_loop_paths: int = 96
    #: Rounds in a row that find nothing new before monodromy stops. One round (HomotopyContinuation.jl's
    #: default of 5 loops without progress) ended early on shapes with m ≥ 2, where a few orbits are rarely
    #: reached by loops (widths 2,2,2 with m = 2: 44 of 48 orbits in 2 of 7 seeds).
    stall_rounds: int = 2
    #: With a trace test the empty round is only the first stop: the test decides, and the search goes on
    #: when it fails.
    stall_rounds_verified: int = 1
    #: Fresh free start pairs moved to the base point in every round.
    fresh_starts: int = 8
    #: Size of the random complex regularization at the base point and at the loop vertices.
    loop_scale: float = 1.0
    #: Each loop's vertices are scaled by a factor drawn log-uniformly from this range, so that loops
    #: encircle branch points near the base and far from it. Loops of one size reached all 48 orbits of
    #: widths 2,2,2 with m = 2 in 7 of 8 seeds; with sizes over four decades, in 12 of 12.
    loop_spread: tuple[float, float] = (1e-2, 1e2)
    #: Hard limit on loops, far above what any shape here needs; reaching it is reported.
    max_loops: int = 200

    def __post_init__(self) -> None:
        from .errors import InputError
        for name in ("stall_loops", "stall_rounds", "stall_rounds_verified", "fresh_starts", "max_loops"):
            if int(getattr(self, name)) < 1:
                raise InputError(f"monodromy option {name} must be at least 1, got {getattr(self, name)}")
        if not 0 < self.loop_spread[0] <= self.loop_spread[1] or self.loop_scale <= 0:
            raise InputError("monodromy loop sizes must be positive")


@dataclass
class TorusSolutions:
    """Torus solutions of one network at generic parameters (X, Y, Λ_0), one point per sign orbit."""

    network: Network
    X: np.ndarray
    Y: np.ndarray
    lam: np.ndarray
    representatives: np.ndarray
    dominant: bool
    loops: int = 0
    paths_tracked: int = 0
    failed_paths: dict[str, int] = field(default_factory=dict)
    hit_loop_limit: bool = False
    #: the last completeness check (a :class:`linnet_cli.trace_test.TraceResult`), None when not checked
    verification: Any = None

    @property
    def count(self) -> int:
        """Number of torus solutions (orbits × orbit size)."""
        return len(self.representatives) * len(sign_vectors(self.network))


def free_start_pair(system: GradientSystem, X: np.ndarray, Y: np.ndarray,
                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A random complex torus point W_0 and Λ_0 = Φ(W_0), so that (W_0, Λ_0) solves F = 0."""
    N = system.network.N
    w0 = (rng.normal(size=N) + 1j * rng.normal(size=N)) / np.sqrt(2)
    p = Parameters.from_data(X, Y, np.zeros(N))
    g = system.data_part(w0[None], p.A, p.B)[0]
    return w0, -g / w0


def is_dominant(system: GradientSystem, X: np.ndarray, Y: np.ndarray, w0: np.ndarray, lam0: np.ndarray) -> bool:
    """Whether Φ is dominant: full rank of DΦ(W_0) = −(J_g(W_0) + diag(Φ(W_0))) ⊘ W_0 (rows)."""
    p = Parameters.from_data(X, Y, lam0)
    J = system.jacobian(w0[None], p)[0]          # J_g + diag(Λ_0)
    D = -J / w0[:, None]
    s = np.linalg.svd(D, compute_uv=False)
    return bool(s[-1] > RANK_TOL * s[0])


def random_lambda(rng: np.random.Generator, scale: float, shape: tuple[int, ...]) -> np.ndarray:
    """Random complex regularization of the given magnitude (loop vertices of the monodromy)."""
    return scale * (rng.normal(size=shape) + 1j * rng.normal(size=shape)) / np.sqrt(2)


def loop_vertices(rng: np.random.Generator, loops: int, N: int,
                  options: MonodromyOptions = MonodromyOptions()) -> np.ndarray:
    """Random complex regularization for ``loops`` loop vertices (loops, N), each of a random size
    (see :attr:`MonodromyOptions.loop_spread`)."""
    lo, hi = np.log(options.loop_spread[0]), np.log(options.loop_spread[1])
    return random_lambda(rng, options.loop_scale, (loops, N)) * np.exp(rng.uniform(lo, hi, size=(loops, 1)))


def fan_loops(track: Callable[[np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]], x: np.ndarray,
              base: np.ndarray, first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Send every point of ``x`` (n, N) around the K loops base → first → second[k] → base (Λ's, second
    of shape (K, N)), which share their first edge (HomotopyContinuation.jl's monodromy graphs share
    edges too): n + 2Kn paths instead of 3Kn. Every loop is taken by every point: a loop permutes the
    fibre, so n points give n different endpoints (loops of their own per point can send two points to
    the same one). ``track(x, Λ_a, Λ_b)`` moves points (Λ's shared or per path) and returns (endpoints,
    success). Returns the Kn endpoints (loop k of point i at k·n + i) and which loops closed."""
    K, n = len(second), len(x)
    y, ok = track(x, base, first)
    y, ok, second = np.tile(y, (K, 1)), np.tile(ok, K), np.repeat(second, n, axis=0)
    for a, b in ((first, second), (second, base)):
        y, good = track(y, a, b)
        ok &= good
    return y, ok


@dataclass
class MonodromyGraph:
    """Solutions over two parameter points (nodes 0 and 1) joined by several edges, each a path through
    waypoints of its own (HomotopyContinuation.jl builds its monodromy on such graphs). Every known
    solution is moved along every edge once, from whichever end it is known at, until no edge has an
    unmoved solution: the sets are then closed under the loops the edges make, which reach every
    solution when those loops generate a transitive group. Nothing is tracked twice and nothing is left
    to chance: where rounds of independent loops find the last solutions like coupons (one of 168 orbits
    took a round of 1,519 paths), closing costs (segments per edge) × (solutions) per edge.

    ``track(x, p, q)`` moves points x from parameters p to q and returns (endpoints, success);
    ``canonical`` maps points to their orbit representatives."""

    track: Callable[[np.ndarray, Any, Any], tuple[np.ndarray, np.ndarray]]
    canonical: Callable[[np.ndarray], np.ndarray]
    ends: tuple[Any, Any]
    dim: int
    points: list[np.ndarray] = field(init=False)
    #: the waypoints of every edge, from node 0 to node 1 (the ends excluded)
    edges: list[tuple[Any, ...]] = field(default_factory=list)
    #: moved[node][edge]: which of the node's points have been moved along (or arrived by) the edge
    moved: list[list[np.ndarray]] = field(init=False)
    failed: int = 0

    def __post_init__(self) -> None:
        self.points = [np.zeros((0, self.dim), complex), np.zeros((0, self.dim), complex)]
        self.moved = [[], []]

    def add_points(self, node: int, x: np.ndarray) -> int:
        """Add points over ``node`` (the new ones, by orbit); returns how many were new."""
        new = merge_new(self.points[node], self.canonical(x)) if len(x) else x
        self._append(node, new, None)
        return len(new)

    def add_edge(self, waypoints: tuple[Any, ...]) -> None:
        """A new edge node 0 → waypoints → node 1; every known point is still to be moved along it."""
        self.edges.append(tuple(waypoints))
        for node in (0, 1):
            self.moved[node].append(np.zeros(len(self.points[node]), bool))

    def close(self) -> int:
        """Move every point not yet moved along an edge, until none is left; returns the paths tracked."""
        paths = 0
        while True:
            todo = [(u, k, np.flatnonzero(~self.moved[u][k])) for u in (0, 1) for k in range(len(self.edges))]
            todo = [t for t in todo if len(t[2])]
            if not todo:
                return paths
            for u, k, which in todo:
                self.moved[u][k][which] = True
                stops = (self.ends[0],) + self.edges[k] + (self.ends[1],)
                stops = stops if u == 0 else stops[::-1]
                y, ok = self.points[u][which], np.ones(len(which), bool)
                for p, q in zip(stops[:-1], stops[1:]):
                    y, good = self.track(y, p, q)
                    ok &= good
                    paths += len(which)
                self.failed += int((~ok).sum())
                if not ok.any():
                    continue
                v, y = 1 - u, self.canonical(y[ok])
                index, new = assign(self.points[v], y)
                self._append(v, y[new], k)
                self.moved[v][k][index] = True       # paired with the point it came from

    def _append(self, node: int, new: np.ndarray, edge: int | None) -> None:
        self.points[node] = np.vstack([self.points[node], new])
        for k in range(len(self.edges)):
            self.moved[node][k] = np.concatenate([self.moved[node][k], np.full(len(new), k == edge)])


def phi(system: GradientSystem, X: np.ndarray, Y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Φ(W) = −g(W) ⊘ W for points (P, N): the Λ for which W is a critical point."""
    p = Parameters.from_data(X, Y, np.zeros(w.shape[-1]))
    return -system.data_part(w, p.A, p.B) / w


def monodromy_solve(network: Network, X: np.ndarray, Y: np.ndarray, rng: np.random.Generator,
                    progress: Progress | None = None,
                    verify: Callable[[np.ndarray, np.ndarray], Any] | None = None,
                    options: MonodromyOptions = MonodromyOptions(),
                    tracker: TrackerOptions | None = None) -> TorusSolutions:
    """All torus solutions of ``network`` with data (X, Y) over a random complex base Λ, by monodromy.

    Each round sends every known orbit around ``stall_loops`` fresh loops and also moves
    ``fresh_starts`` new free start pairs (W_j, Φ(W_j)) to the base; it stops after ``stall_rounds``
    rounds in a row that find nothing new (``options``). With ``verify`` (base Λ, representatives → a
    result with ``passed`` and ``inconclusive``, e.g. a :class:`~linnet_cli.trace_test.TraceResult`) it
    stops after ``stall_rounds_verified`` such rounds when the check passes or cannot be carried out, and
    searches on when it fails, up to ``max_loops``. ``tracker`` sets the path tracker.
    The fresh pairs land on random sheets of the cover, which makes the search robust where the
    loops mix the sheets slowly. ``progress`` hears after every round how many solutions are known
    ("<count> found", loops so far, no total).
    """
    system = GradientSystem(network)
    N = network.N
    w0, lam0 = free_start_pair(system, X, Y, rng)
    o = options
    base = random_lambda(rng, o.loop_scale, (N,))
    sol = TorusSolutions(network, X, Y, base, np.zeros((0, N), complex), dominant=False)
    if not is_dominant(system, X, Y, w0, lam0):
        return sol
    sol.dominant = True
    stalled = 0
    while True:
        if sol.loops >= o.max_loops:
            sol.hit_loop_limit = True
            break
        n = len(sol.representatives)
        # without a completeness check, small problems get more loops per round: few orbits are where a
        # handful of loops can all miss (with a check, missing orbits make it fail and the search goes on)
        K = o.stall_loops if verify is not None else max(o.stall_loops, -(-o.min_loop_paths // max(n, 1)))
        # fresh free start pairs, moved to the base point
        W = (rng.normal(size=(o.fresh_starts, N)) + 1j * rng.normal(size=(o.fresh_starts, N))) / np.sqrt(2)
        if n == 0:
            W[0] = w0
        res = Tracker(ParameterHomotopy(system, (X, Y, phi(system, X, Y, W)), (X, Y, base)), tracker,
                      torus=True).track(W)
        found = [res.x[res.success]]
        bad = int((~res.success).sum())
        sol.paths_tracked += o.fresh_starts
        if n:
            # every known orbit goes around K fresh loops base → Λ_1 → Λ_2,k → base, in one batch
            def track(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
                res = Tracker(ParameterHomotopy(system, (X, Y, a), (X, Y, b)), tracker, torus=True).track(x)
                sol.paths_tracked += len(x)
                return res.x, res.success

            x, ok = fan_loops(track, sol.representatives, base, loop_vertices(rng, 1, N, o)[0],
                              loop_vertices(rng, K, N, o))
            found.append(x[ok])
            bad += int((~ok).sum())
            sol.loops += K
        if bad:
            code = ReturnCode.MONODROMY.value
            sol.failed_paths[code] = sol.failed_paths.get(code, 0) + bad
        found_all = np.vstack(found)
        new = merge_new(sol.representatives, canonical(network, found_all)) if len(found_all) else found_all
        if progress is not None:
            progress(f"{sol.count + len(new) * len(sign_vectors(network))} found", sol.loops, None)
        stalled = stalled + 1 if (n and not len(new)) else 0
        if verify is None and stalled >= o.stall_rounds:
            break
        if verify is not None and stalled >= o.stall_rounds_verified:
            sol.verification = verify(base, sol.representatives)
            # an inconclusive check (its traces could not be computed) is not a sign of missing
            # solutions: more loops would only repeat it; the count stays "not verified"
            if sol.verification.passed or sol.verification.inconclusive:
                break
            stalled = 0
        sol.representatives = np.vstack([sol.representatives, new])
    return sol
