"""Torus critical points by monodromy in Λ, started from a free solution pair.

On the torus Λ = Φ(W) := −g(W) ⊘ W, so a random complex W_0 with Λ_0 = Φ(W_0) solves the
system. The torus solutions over Λ form the graph of Φ, an irreducible variety, so loops
Λ_0 → Λ_1 → Λ_2 → Λ_0 reach every torus solution over Λ_0. Their number is deg Φ, which is 0
when Φ is not dominant (rank DΦ < N): detected first, never looped on.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from collections.abc import Callable

import numpy as np

from ..model.gradient import GradientSystem, Parameters
from ..model.network import Network
from ..model.patterns import RANK_TOL
from ..progress import Progress
from .return_code import ReturnCode
from ..model.symmetry import canonical, sign_vectors
from .tracker import ParameterHomotopy, Tracker, TrackerOptions
from .unique_points import assign, merge_new

@dataclass(frozen=True)
class MonodromyOptions:
    """Settings of the monodromy search (after HomotopyContinuation.jl's ``MonodromyOptions``)."""

    #: Loops the monodromy graph starts with (edges through a waypoint besides its straight one).
    first_loops: int = 3
    #: New loops per later round, each taken by every known solution (HomotopyContinuation.jl stops after
    #: 5 loops in a row without a new solution).
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
    #: With a completeness check, each loop's vertices are scaled by a factor drawn log-uniformly from
    #: this range, so that loops encircle branch points near the base and far from it. Loops of one size
    #: reached all 48 orbits of widths 2,2,2 with m = 2 in 7 of 8 seeds; with sizes over three decades or
    #: more, in 12 of 12. Not below 0.1: as Λ → 0 the torus points near the positive-dimensional critical
    #: sets of the loss without regularization (its GL symmetry) and grow ill-conditioned, and paths
    #: through such vertices fail (widths 2,2,2,2 with m = 2: a round with sizes from 1e-2 lost 514 of
    #: 8,178 paths and took 16.6 s; from 0.1, 20 of 7,734 in 5.3 s).
    loop_spread: tuple[float, float] = (1e-1, 1e2)
    #: The range without a check, where nothing catches a missed orbit: loops near Λ = 0 fail more often
    #: but mix the sheets more (widths 2,3,2 with m = 2, seeds 1–6 without the trace test: from 0.01
    #: every seed found 1,265 points; from 0.1 seed 3 stopped at 1,193).
    unverified_loop_spread: tuple[float, float] = (1e-2, 1e2)
    #: Hard limit on loops, far above what any shape here needs; reaching it is reported.
    max_loops: int = 200

    def __post_init__(self) -> None:
        from ..errors import InputError
        from ..validate import integer, real
        owner = "monodromy option"
        for name in ("first_loops", "stall_loops", "min_loop_paths", "stall_rounds", "stall_rounds_verified",
                     "fresh_starts", "max_loops"):
            low = 0 if name == "min_loop_paths" else 1
            object.__setattr__(self, name, integer(getattr(self, name), name, low=low, owner=owner))
        scale = real(self.loop_scale, "loop_scale", owner)
        if scale <= 0:
            raise InputError(f"monodromy option loop_scale must be positive, got {scale}")
        object.__setattr__(self, "loop_scale", scale)
        for name in ("loop_spread", "unverified_loop_spread"):
            spread = getattr(self, name)
            if isinstance(spread, (str, bytes)) or not hasattr(spread, "__len__") or len(spread) != 2:
                raise InputError(f"monodromy option {name} must be a pair (smallest, largest) of loop sizes, "
                                 f"got {spread!r}")
            lo, hi = (real(v, name, owner) for v in spread)
            if not 0 < lo <= hi:
                raise InputError(f"monodromy option {name} must be a pair of positive sizes, the smaller "
                                 f"first, got {spread!r}")
            object.__setattr__(self, name, (lo, hi))


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
    #: the last completeness check (a :class:`linnet_cli.homotopy.trace_test.TraceResult`), None when not checked
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
                  options: MonodromyOptions = MonodromyOptions(), verified: bool = True) -> np.ndarray:
    """Random complex regularization for ``loops`` loop vertices (loops, N), each of a random size
    (see :attr:`MonodromyOptions.loop_spread`, and ``unverified_loop_spread`` when not ``verified``)."""
    spread = options.loop_spread if verified else options.unverified_loop_spread
    lo, hi = np.log(spread[0]), np.log(spread[1])
    return random_lambda(rng, options.loop_scale, (loops, N)) * np.exp(rng.uniform(lo, hi, size=(loops, 1)))


@dataclass
class MonodromyGraph:
    """Solutions over two parameter points (nodes 0 and 1) joined by several edges, each a path through
    waypoints of its own (HomotopyContinuation.jl builds its monodromy on such graphs). Every known
    solution is moved along every edge once, from whichever end it is known at, until no edge has an
    unmoved solution: the sets are then closed under the loops the edges make, which reach every
    solution when those loops generate a transitive group. No pairing is tracked twice, and no solution
    the loops can reach is left to chance; closing costs (segments per edge) × (solutions) per edge.

    ``track(x, p, q)`` moves points x from parameters p to q and returns (endpoints, success);
    ``canonical`` maps points to their orbit representatives. With ``retrack`` (the same, with more
    care: e.g. extended precision), a point whose path along an edge failed and whose
    partner there no path from the other end brought is moved again with it once the graph is closed
    with different numbers of points at its nodes: such a partner is often a point no other path
    reaches (widths 3,2,3 with m = 50: six extra
    witnesses of norm 465–3,677 at the base, each reached only by paths that fail at the accuracy limit of
    double precision without it; the closed graph held 968 points at one node and 974 at the other)."""

    track: Callable[[np.ndarray, Any, Any], tuple[np.ndarray, np.ndarray]]
    canonical: Callable[[np.ndarray], np.ndarray]
    ends: tuple[Any, Any]
    dim: int
    points: list[np.ndarray] = field(init=False)
    #: the waypoints of every edge, from node 0 to node 1 (the ends excluded)
    edges: list[tuple[Any, ...]] = field(default_factory=list)
    #: the careful tracker for failed paths whose pairing is missing (None: they stay failed)
    retrack: Callable[[np.ndarray, Any, Any], tuple[np.ndarray, np.ndarray]] | None = None
    #: moved[node][edge]: which of the node's points have been moved along (or arrived by) the edge
    moved: list[list[np.ndarray]] = field(init=False)
    #: paired[node][edge]: which of the node's points a successful path along the edge joins to a
    #: point of the other node
    paired: list[list[np.ndarray]] = field(init=False)
    #: retried[node][edge]: which of the node's points have been moved along the edge with ``retrack``
    retried: list[list[np.ndarray]] = field(init=False)
    #: paths that failed, those moved again with ``retrack`` included
    failed: int = 0
    #: paths moved again with ``retrack``
    retracked: int = 0

    def __post_init__(self) -> None:
        self.points = [np.zeros((0, self.dim), complex), np.zeros((0, self.dim), complex)]
        self.moved, self.paired, self.retried = [[], []], [[], []], [[], []]

    def add_points(self, node: int, x: np.ndarray) -> int:
        """Add points over ``node`` (the new ones, by orbit); returns how many were new."""
        new = merge_new(self.points[node], self.canonical(x)) if len(x) else x
        self._append(node, new, None)
        return len(new)

    def add_edge(self, waypoints: tuple[Any, ...]) -> None:
        """A new edge node 0 → waypoints → node 1; every known point is still to be moved along it."""
        self.edges.append(tuple(waypoints))
        for node in (0, 1):
            for masks in (self.moved, self.paired, self.retried):
                masks[node].append(np.zeros(len(self.points[node]), bool))

    def close(self) -> int:
        """Move every point not yet moved along an edge, until none is left, then (with ``retrack``) the
        unpaired points whose paths failed, and close again; returns the paths tracked."""
        paths = 0
        while True:
            moving = False
            for u, k in [(u, k) for u in (0, 1) for k in range(len(self.edges))]:
                # taken now, not at the start of the sweep: what the other direction brought is paired
                which = np.flatnonzero(~self.moved[u][k])
                if len(which):
                    moving = True
                    self.moved[u][k][which] = True
                    paths += self._move(u, k, which, self.track)
            if moving:
                continue
            if self.retrack is None:
                return paths
            repaired, grown = self._repair()
            paths += repaired
            if not grown:
                return paths

    def _repair(self) -> tuple[int, bool]:
        """While the nodes hold different numbers of points (so that one of them surely misses some),
        move the failed paths whose partner nothing brought again with ``retrack``, one edge and
        direction at a time, until one brings a new point (then the graph is closed again first: the
        new point's own paths may pair the rest); returns the paths tracked and whether one did. Equal
        numbers stop it: with as many points at both nodes nothing is surely missing, and retracks cost
        several paths each (widths 3,3,3,3: 418 retracks with careful settings took 50 s and found
        nothing on a closed graph of 228 points at each node)."""
        assert self.retrack is not None
        paths = 0
        for u, k in [(u, k) for u in (0, 1) for k in range(len(self.edges))]:
            if len(self.points[0]) == len(self.points[1]):
                break
            which = np.flatnonzero(self.moved[u][k] & ~self.paired[u][k] & ~self.retried[u][k])
            if not len(which):
                continue
            self.retried[u][k][which] = True
            self.retracked += len(which)
            size = len(self.points[1 - u])
            paths += self._move(u, k, which, self.retrack)
            if len(self.points[1 - u]) > size:
                return paths, True
        return paths, False

    def _move(self, u: int, k: int, which: np.ndarray,
              track: Callable[[np.ndarray, Any, Any], tuple[np.ndarray, np.ndarray]]) -> int:
        """Move the points ``which`` of node u along edge k with ``track`` and pair them with what they
        reach at the other node (new points join it); returns the paths tracked."""
        stops = (self.ends[0],) + self.edges[k] + (self.ends[1],)
        stops = stops if u == 0 else stops[::-1]
        y, ok = self.points[u][which], np.ones(len(which), bool)
        for p, q in zip(stops[:-1], stops[1:]):
            y, good = track(y, p, q)
            ok &= good
        self.failed += int((~ok).sum())
        if ok.any():
            v, y = 1 - u, self.canonical(y[ok])
            index, new = assign(self.points[v], y)
            self._append(v, y[new], k)
            self.moved[v][k][index] = True       # paired with the point it came from
            self.paired[v][k][index] = True
            self.paired[u][k][which[ok]] = True
        return len(which) * (len(stops) - 1)

    def _append(self, node: int, new: np.ndarray, edge: int | None) -> None:
        self.points[node] = np.vstack([self.points[node], new])
        for k in range(len(self.edges)):
            for masks, arrived in ((self.moved, k == edge), (self.paired, k == edge), (self.retried, False)):
                masks[node][k] = np.concatenate([masks[node][k], np.full(len(new), arrived)])


def lambda_mover(system: GradientSystem, X: np.ndarray, Y: np.ndarray, tracker: TrackerOptions | None = None
                 ) -> Callable[[np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """The tracker of a monodromy in Λ at data (X, Y), as a :class:`MonodromyGraph` takes it: torus points
    x moved from Λ = a to Λ = b, (endpoints, success)."""
    def track(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        res = Tracker(ParameterHomotopy(system, (X, Y, a), (X, Y, b)), tracker, torus=True).track(x)
        return res.x, res.success
    return track


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

    The solutions over the base and over one more random Λ are joined by a :class:`MonodromyGraph`:
    a straight edge and ``first_loops`` edges through random waypoints (of sizes over
    ``loop_spread``), closed (every solution moved along every edge once). Each later round adds
    ``stall_loops`` edges (to a graph on a new second point when there is no check) and moves
    ``fresh_starts`` new free start pairs (W_j, Φ(W_j)) to the base, and closes the graph again;
    monodromy stops after ``stall_rounds`` rounds in a row that find nothing new (``options``). With
    ``verify`` (base Λ, representatives → a result with ``passed`` and ``inconclusive``, e.g. a
    :class:`~linnet_cli.homotopy.trace_test.TraceResult`) it stops after ``stall_rounds_verified`` such rounds when
    the check passes or cannot be carried out, and searches on when it fails, up to ``max_loops``.
    ``tracker`` sets the path tracker. The fresh pairs land on random sheets of the cover, which makes
    the search robust where the loops mix the sheets slowly.
    ``progress`` hears after every round how many solutions are known ("<count> found", loops so far,
    no total).
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

    def new_graph(known: np.ndarray) -> MonodromyGraph:
        graph = MonodromyGraph(lambda_mover(system, X, Y, tracker), lambda x: canonical(network, x),
                               (base, loop_vertices(rng, 1, N, o, verify is not None)[0]), N)
        graph.add_edge(())
        graph.add_points(0, known)
        return graph

    graph = new_graph(np.zeros((0, N), complex))
    new_loops = min(o.first_loops, o.max_loops)
    stalled = failed = 0
    while True:
        # fresh free start pairs, moved to the base point
        W = (rng.normal(size=(o.fresh_starts, N)) + 1j * rng.normal(size=(o.fresh_starts, N))) / np.sqrt(2)
        if not sol.loops:
            W[0] = w0
        res = Tracker(ParameterHomotopy(system, (X, Y, phi(system, X, Y, W)), (X, Y, base)), tracker,
                      torus=True).track(W)
        failed += int((~res.success).sum())
        sol.paths_tracked += o.fresh_starts
        before = len(graph.points[0])
        graph.add_points(0, res.x[res.success])
        for vertex in loop_vertices(rng, new_loops, N, o, verify is not None):
            graph.add_edge((vertex,))
        sol.paths_tracked += graph.close()
        sol.loops += new_loops
        new = len(graph.points[0]) - before
        if failed + graph.failed:
            sol.failed_paths[ReturnCode.MONODROMY.value] = failed + graph.failed
        sol.representatives = graph.points[0]
        if progress is not None:
            progress(f"{sol.count} found", sol.loops, None)
        stalled = stalled + 1 if (before and not new) else 0
        if verify is None and stalled >= o.stall_rounds:
            break
        if verify is not None and stalled >= o.stall_rounds_verified:
            sol.verification = verify(base, sol.representatives)
            # an inconclusive check (its traces could not be computed) is not a sign of missing
            # solutions: more loops would only repeat it; the count stays "not verified"
            if sol.verification.passed or sol.verification.inconclusive:
                break
            stalled = 0
        if sol.loops >= o.max_loops:
            sol.hit_loop_limit = True
            break
        n = len(graph.points[0])
        if verify is None:
            # without a check, every round starts a graph on a new second point, so that its loops pass
            # through new points (on one graph, every loop passes the same three: widths 2,2,2,2 missed an
            # orbit of 24 in 1 of 20 seeds after 18 loops, 2,2,2 with m = 2 in 1 of 16); and small problems
            # get more loops per round, few orbits being where a handful of loops can all miss. With a
            # check, missing orbits make it fail, and the graph grows
            failed += graph.failed
            graph = new_graph(graph.points[0])
            per_round = max(o.stall_loops, -(-o.min_loop_paths // (2 * max(n, 1))))
        else:
            per_round = o.stall_loops
        new_loops = min(per_round, o.max_loops - sol.loops)
    return sol
