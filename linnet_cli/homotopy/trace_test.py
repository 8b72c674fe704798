"""The trace test: a numerical proof that a monodromy solution set is complete.

Monodromy finds torus solutions until a stop rule says "enough"; the trace test decides whether the
set S found over the base Λ_0 is the whole fiber Φ⁻¹(Λ_0) (Leykin, Rodriguez, Sottile, "Trace test",
Arnold Math. J. 2018; del Campo, Rodriguez, J. Symbolic Comput. 2017; HomotopyContinuation.jl's
``verify_solution_completeness``). The construction uses that Λ enters linearly:

* Along the line Λ_0 + λΔ the solutions form a curve C = {(W, λ)}, and the fiber is C ∩ {λ = 0}. Δ is
  a coordinate direction δ·e_i: then C is the solution curve of the other N − 1 equations, of a far
  lower degree than for a dense Δ (widths 2,3,3: 48–112 extra witnesses against 672, and the whole
  test then costs about what one more round of monodromy does). Where the fiber has points near
  different dead-neuron patterns, which barely move along any one coordinate, Δ is supported on two or
  three coordinates (MOVING_WEIGHT).
* The pencil of curves (a·W − 1) λ + τ = 0 (a random linear form) cuts C in a set D_τ. At τ = 0 it
  splits into the fiber (λ = 0) and the *extra witnesses* E = C ∩ {a·W = 1}. A linear function f whose
  poles lie where a·W has its poles has a trace Σ_{D_τ} f that is affine in τ, and the partial trace of
  any proper subset is not when C is irreducible (monodromy then mixes all of D_τ; for a coordinate
  direction this is observed, not proven: every orbit dropped in turn on the test suite's shapes fails
  the test, and a pass also requires that dropping any one known orbit would). Three collinear traces at
  τ = 0, γ/2, γ therefore prove, up to the tolerance, that S ∪ E is complete — and with it S.
* E = {(W, λ) : F(W; Λ_0 + λΔ) = 0, a·W = c} is the fiber of a family over (Λ, a, c), found by
  monodromy there: free start pairs (a random W* solves it for Λ = Φ(W*) − Δ, λ = 1, and
  c = a·W*) moved to the base, then closed under the loops of a
  :class:`~linnet_cli.homotopy.monodromy.MonodromyGraph` (every extra witness moved along every edge once, so the
  last ones are not left to chance; a failed path whose partner no other path brings is tracked
  again with extended precision, as extra witnesses of norm 10²–10⁴ are often
  reached only by paths that fail without it).

a is supported on the input weights of one hidden neuron n_0 (a row of W_1), f is (those weights, λ):
then every sign flip of the other neurons preserves the slice and f, so both S and E are handled as
orbits of that subgroup (half the orbit of the full sign group for S). Cost: tracking S ∪ E twice along
the pencil (short paths), plus the search for E: about seven paths per orbit of E (|E| is about |S|).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations
from typing import Literal

import numpy as np

from ..model.gradient import GradientSystem
from .monodromy import MonodromyGraph, loop_vertices, phi, random_lambda
from ..model.network import Network
from ..model.symmetry import canonical, sign_vectors
from .return_code import ReturnCode
from .tracker import LineSlice, ParameterHomotopy, Tracker, TrackerOptions
from .unique_points import duplicates

#: The test passes when the second difference of the three traces is below this, relative to the sum of
#: the points' own second differences (a missing point leaves its own share of that sum), or below
#: NOISE_MARGIN times what the endpoints' inaccuracy can contribute when that is more. Over 228 tests
#: (widths 1,2,2, 2,2,2, 2,3,3, 2,2,2,2 with m = 1, 2,2,2 and 2,1,2,2 with m = 2, seeds 1–4, every
#: coordinate direction, every orbit dropped in turn) a missing orbit left at least 1.6e-8 (a few fiber
#: points barely move along some directions), complete sets at most 1.7e-9, never more than twice their
#: noise estimate.
TRACE_TOL = 1e-9
#: Pencil endpoints pinned down to this relative accuracy only are still used (ill-conditioned but
#: regular points: cond ~1e10 occurs); the tolerance rises to NOISE_MARGIN times the error they can cause
#: (widths 2,1,2,2 with m = 2, seed 3: fiber points of norm 40 known to 3e-11 make a noise of 7e-9).
PENCIL_ACCURACY, NOISE_MARGIN = 1e-6, 4.0
#: A pass counts only if dropping any one known orbit would leave at least this many times the
#: tolerance: a slice along which some orbit barely moves, or whose noise hides it, could not see that
#: orbit missing (then another slice is drawn). The smallest share seen was 1.6e-8 (see TRACE_TOL).
DETECT_MARGIN = 10.0
#: |γ| in units of the fiber's median |a·W − c|: the pencil runs from τ = 0 to τ = γ (random phase).
#: Longer pencils make the least-bending orbits easier to see (LONG_PENCIL) but fail more often: widths
#: 3,2,3 with m = 3 lost 1–11 paths from extra witnesses of norm 10³–10⁵ on every pencil at 2, on none
#: at 0.5.
PENCIL_SPAN = 0.5
#: Pencils tried (each with a new random γ, and shorter: SHORT_PENCIL) while a path of the pencil fails or
#: jumps.
PENCIL_TRIES = 3
#: (factor, times): pencils that many times as long, up to that many times over, are tried when the
#: traces are collinear but some orbit's share is within DETECT_MARGIN of the tolerance: the least bends
#: grow about as |γ|², the noise does not (widths 2,2,2 with m = 2, seeds 1–4: the least share rose
#: from 2e-8 at 0.5 to 7e-7 at 4). Up to 32 (six doublings): widths 3,2,3 with m = 3, seed 3 has an
#: orbit (norm 16, |a·W − c| five times the median) whose share over the tolerance was 0.19, 0.36, 0.76
#: and 1.73 at spans 0.5 to 4 on one slice and as low on the next; with three doublings the check ended
#: inconclusive, with six it passes (margin 40). A longer pencil that fails keeps the last that worked.
LONG_PENCIL = (2.0, 6)
#: Each pencil tried after one whose paths failed is this many times as short: points of C that run off
#: to norms of 10⁴–10⁵ at some τ beyond a short pencil stay out of its way.
SHORT_PENCIL = 0.25
#: Fresh free start pairs in the first round of the search for the extra witnesses on a slice, and in
#: each later round. A later round's are its cheap chance at what the closed graph does not reach (each
#: costs one path; an edge costs two per extra witness): the missing ones form small classes, e.g.
#: widths 2,2,2 with m = 2 left classes of 4 of 244 orbits for one edge each.
EXTRA_FRESH, LATER_FRESH = 16, 64
#: Edges through a waypoint of the search graph besides its straight one, when it is built (they make
#: three independent loops). With two, the first closure missed 1–13 orbits on widths 2,2,2,2, 3,3,3
#: and 2,3,3; with three, 2,3,3 and 2,2,3 were closed in one round on every seed tried. A later round adds
#: one more edge for each round in a row that found nothing.
EXTRA_EDGES = 3
#: Rounds in a row without a new extra witness, with traces still not collinear, before a check fails
#: (then the fiber is likely incomplete, and monodromy searches on).
EXTRA_STALL = 2
#: Sizes of the slice levels c at the loops' vertices: with c fixed near 1, widths 2,2,2 with m = 2 left
#: 2 of 61 orbits of extra witnesses unfound for three checks; sizes over four decades made loops on
#: H = 2 shapes six times as long.
SLICE_SPREAD = (0.5, 2.0)
#: Rounds of the search at most per check (reaching it leaves the check to the next call).
EXTRA_ROUNDS = 12
#: Rounds in a row in which every pencil failed numerically (paths ending at the accuracy limit of double
#: precision, or jumping) before a check gives up as inconclusive: the traces cannot be computed, and
#: more monodromy cannot change that. Widths 3,2,3 with m = 3: 1–5 of about 6,100 pencil paths fail on
#: every pencil, always from the same few extra witnesses of norm 10³–10⁴ (tracking them around a detour
#: off the pencil's segment did not save them either).
PENCIL_STALL = 2
#: A direction Δ supported on coordinate i moves a fiber point along the pencil about in proportion to
#: its own weight W_i (equation i changes by δ_i·λ·W_i): a point near a dead neuron's pattern, with
#: weights of 1e-3–1e-5 next to weights of 10, barely moves along a direction there, and no pencil can
#: see it missing. A new slice's Δ is therefore supported on as few coordinates (outside neuron n_0's
#: inputs) as give every known orbit a weight of at least this share of its largest one there: widths
#: 2,2,2,2 with m = 2 has orbits near two different patterns (large weights on coordinates 6, 9, 11 and
#: on 4, 8, 10 only); every one-coordinate slice left one of them 10⁴–10⁷ times too faint (share
#: 1e-12–1e-14), and two coordinates let the check pass. Orbits of generic shapes have no small weight:
#: there Δ stays one random coordinate.
MOVING_WEIGHT = 0.05
#: Coordinates of Δ at most (each makes the curve C, and the extra witnesses with it, larger: widths
#: 2,2,2,2 with m = 2 had 970 orbits of them on one coordinate, 1,855 on three).
COVER_MAX = 3
#: Slices (coordinate direction Δ, form a) tried per test. A slice that no free start pair reaches in
#: EXTRA_STALL rounds is replaced at once. When the pencils keep failing (PENCIL_STALL) the
#: extra witnesses are searched for on a new slice before the test is inconclusive (widths 2,2,2,2: 6 of
#: 60 checks ended inconclusive on their first slice); when a check fails with its search stalled, the
#: next check starts on a new slice (widths 2,2,2,2, seed 22: a complete fiber failed every check up to
#: the loop limit, its slice's loops failing on the extra witnesses they did not reach).
SLICE_TRIES = 3


#: Which failed paths :meth:`TraceTest._track` tracks again.
Retrack = Literal["all", "unconverged", "precision"]


@dataclass
class Traces:
    """The traces of one pencil, per function f_j: ``residual`` (j) is the second difference of the trace
    relative to the sum of the points' own second differences (how much they bend: a missing point
    leaves its own share), ``noise`` (j) what the endpoints' inaccuracy can contribute, ``share``
    (orbits, j) what dropping each fiber orbit would leave, all on that scale."""

    residual: np.ndarray
    noise: np.ndarray
    share: np.ndarray
    reason: str = ""

    @classmethod
    def failed(cls, reason: str) -> Traces:
        """A pencil whose paths failed or jumped: no traces, only the reason."""
        return cls(np.array([np.inf]), np.zeros(1), np.zeros((0, 1)), reason)

    @property
    def tolerance(self) -> np.ndarray:
        """TRACE_TOL, or NOISE_MARGIN times the noise where that is more."""
        return np.maximum(TRACE_TOL, NOISE_MARGIN * self.noise)

    @property
    def worst(self) -> tuple[float, float]:
        """(residual, tolerance) of the function whose residual stands highest against its own tolerance:
        the pair that decides collinearity (the largest residual and the largest tolerance may belong to
        different functions, and together would say "below" of traces that are not collinear)."""
        j = int(np.argmax(self.residual / self.tolerance))
        return float(self.residual[j]), float(self.tolerance[j])

    @property
    def collinear(self) -> bool:
        """Every trace is affine in τ within its tolerance."""
        return bool(np.all(self.residual <= self.tolerance))

    @property
    def power(self) -> float:
        """How far the least visible orbit stands above the tolerance: min over orbits of the largest
        share / tolerance over the functions."""
        return float(np.min(np.max(self.share / self.tolerance, axis=1))) if len(self.share) else np.inf


@dataclass
class TraceResult:
    """Outcome of one trace test: ``passed`` when the traces are collinear within ``tolerance`` and
    dropping any known orbit would show (DETECT_MARGIN)."""

    passed: bool
    residual: float
    fiber: int          # points of the fiber tested (full count)
    extras: int         # extra witnesses (full count)
    paths: int          # paths the test tracked (search included), cumulative
    failed: int         # of which failed, cumulative
    reason: str = ""
    #: the tolerance the residual was held to (TRACE_TOL, or more where the endpoints are noisier)
    tolerance: float = TRACE_TOL
    #: the traces could not be computed (pencil paths failed numerically): neither passed nor a sign
    #: that the fiber is incomplete
    inconclusive: bool = False
    #: the detection margin: how far the least visible orbit stands above the tolerance (what dropping
    #: it would leave / tolerance, :attr:`Traces.power`); a pass needs DETECT_MARGIN. None: no traces
    margin: float | None = None

    def to_dict(self) -> dict:
        return {"passed": self.passed, "residual": self.residual, "fiber": self.fiber, "extras": self.extras,
                "paths": self.paths, "failed": self.failed, "reason": self.reason, "tolerance": self.tolerance,
                "inconclusive": self.inconclusive, "margin": self.margin}


@dataclass
class TraceTest:
    """A trace test for the torus solutions of ``network`` (data X, Y) over ``lam0``; :meth:`check` may
    be called repeatedly as monodromy finds more solutions (the extra witnesses are kept)."""

    network: Network
    X: np.ndarray
    Y: np.ndarray
    lam0: np.ndarray
    rng: np.random.Generator
    #: settings of the path tracker (None: the defaults)
    tracker: TrackerOptions | None = None
    extras: np.ndarray = field(init=False)
    paths: int = 0
    failed: int = 0

    def __post_init__(self) -> None:
        self.system = GradientSystem(self.network)
        self.row = np.arange(self.network.dx)           # W_1's first row: the inputs of neuron n_0
        self.orbit = len(sign_vectors(self.network)) // 2 if self.network.H else 1
        self.slices = 0
        #: orbits of the fiber last checked
        self.fiber_size = -1
        #: ((orbits, extra witnesses), result) of the last failed check that found no new extra witness
        self.verdict: tuple[tuple[int, int], TraceResult | None] = ((-1, -1), None)
        # the slice (Δ, a, c, phase) and its search are drawn at the first check
        self.extras = np.zeros((0, self.network.N + 1), complex)
        self.graph: MonodromyGraph | None = None
        #: the last check stalled on this slice
        self.stale = False

    def _draw_slice(self, fiber: np.ndarray) -> None:
        """A new line direction Δ (on the coordinates of :meth:`_support`), slice form a and pencil phase;
        the extra witnesses of the old ones are dropped (they are points of another curve)."""
        N = self.network.N
        self.support = self._support(fiber)
        self.delta = np.zeros(N, complex)
        self.delta[self.support] = random_lambda(self.rng, 1.0, (len(self.support),))
        self.a = self._slice_form(1)[0]
        self.c = np.complex128(1.0)
        self.phase = np.exp(2j * np.pi * self.rng.uniform())
        self.extras = np.zeros((0, N + 1), complex)
        self.graph = None
        self.stale = False
        self.slices += 1

    # -- the pieces --------------------------------------------------------------------------------

    def _support(self, fiber: np.ndarray) -> np.ndarray:
        """Coordinates of Δ, outside neuron n_0's inputs (those made two to four times as many extra
        witnesses on every shape tried but 1,2,2): a random one on which every point of ``fiber`` (W, λ)
        has a weight of MOVING_WEIGHT times its largest there (any one for an empty fiber), else a random
        set of up to COVER_MAX that does: those with the fewest coordinates in the last layer W_{H+1}
        first, then the smallest (widths 2,2,2,2 with m = 2: its covering pairs lie in W_3, and checks on
        them lost 6–7 % of the search's paths and passed on none of six draws; {3, 4, 6} passed on both,
        {2, 4, 6} on one of two single checks)."""
        free = np.setdiff1d(np.arange(self.network.N), self.row)
        weight = np.abs(fiber[:, free])
        moving = weight >= MOVING_WEIGHT * weight.max(axis=1, keepdims=True)
        single = np.flatnonzero(moving.all(axis=0))
        if len(single):
            return free[[single[self.rng.integers(len(single))]]]
        covers = [c for k in range(2, COVER_MAX + 1) for c in combinations(range(len(free)), k)
                  if moving[:, c].any(axis=1).all()]
        if not covers:
            # no small set moves every orbit: the coordinates that move the most
            return free[np.argsort(-moving.sum(axis=0))[:COVER_MAX]]
        last = free >= self.network.N - self.network.widths[-1] * self.network.widths[-2]
        rank = [(int(last[list(c)].sum()), len(c)) for c in covers]
        best = [c for c, r in zip(covers, rank) if r == min(rank)]
        return free[list(best[self.rng.integers(len(best))])]

    def _slice_form(self, k: int) -> np.ndarray:
        """k random linear forms a (k, N) supported on the inputs of neuron n_0."""
        a = np.zeros((k, self.network.N), complex)
        a[:, self.row] = (self.rng.normal(size=(k, len(self.row))) + 1j * self.rng.normal(size=(k, len(self.row))))
        return a

    def _slice_level(self, k: int) -> np.ndarray:
        """k random levels c of the slice a·W = c, of sizes spread over SLICE_SPREAD (like the loops'
        Λ vertices: some extra witnesses are reached only by loops of a particular size)."""
        lo, hi = np.log(SLICE_SPREAD[0]), np.log(SLICE_SPREAD[1])
        return random_lambda(self.rng, 1.0, (k,)) * np.exp(self.rng.uniform(lo, hi, size=k))

    def _canonical(self, z: np.ndarray) -> np.ndarray:
        """Points (P, N + 1) = (W, λ) → representatives of the sign flips that keep neuron n_0."""
        return np.hstack([canonical(self.network, z[:, :-1], keep_first=True), z[:, -1:]])

    def _track(self, start: np.ndarray, p: tuple, q: tuple, kappa: int,
               retrack: Retrack = "all") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Track (W, λ) points from the slice p = (Λ, Δ, a, c, τ) to q (the added equation
        (a·W − c) λ^κ + τ = 0); (endpoints, usable mask, their relative accuracy). Endpoints that Newton
        pins down to PENCIL_ACCURACY only (ill-conditioned but regular ones) are usable: their error is
        accounted for in the trace's tolerance. Which failed paths are tracked again (``retrack``):
        "all" (every one, as :meth:`Tracker.track` does); "unconverged", only those that reached the end
        without converging, carefully (such an endpoint would join the extra witnesses, and the pencil
        paths from inaccurate ones failed on every slice of widths 2,2,2,2,2); "precision", only those
        at the limit of double precision, with extended precision (:meth:`Tracker.track` without its
        careful settings, which cost about five times as much again: widths 3,3,3,3, a search round of
        60 s against 9.5 s)."""
        hom = ParameterHomotopy(self.system, (self.X, self.Y, p[0]), (self.X, self.Y, q[0]),
                                LineSlice(p[1:], q[1:], kappa))
        tracker = Tracker(hom, self.tracker, torus=True)
        res = tracker.track(start, retrack != "unconverged", careful=retrack == "all")
        if retrack == "unconverged":
            loose = np.flatnonzero(res.codes == ReturnCode.NOT_CONVERGED)
            if len(loose):
                tracker.careful().retrack(res, start, loose, extended=True)
        usable = res.success | ((res.codes == ReturnCode.NOT_CONVERGED) & (res.accuracy <= PENCIL_ACCURACY)
                                & (res.cond <= tracker.options.singular_cond))
        self.paths += len(start)
        self.failed += int((~usable).sum())
        return res.x, usable, np.where(usable, res.accuracy, np.inf)

    def _vertex(self) -> tuple[np.ndarray, ...]:
        """A random slice (Λ, Δ, a, c, τ = 0) of the family whose fiber is E, Λ of a random size: a node or
        waypoint of the search graph (waypoints near the base make loops that mix the extra witnesses too
        little: ten times the paths)."""
        return (loop_vertices(self.rng, 1, self.network.N)[0], self.delta, self._slice_form(1)[0],
                self._slice_level(1)[0], np.zeros(1, complex))

    def _track_slices(self, x: np.ndarray, p: tuple, q: tuple) -> tuple[np.ndarray, np.ndarray]:
        """Move (W, λ) points from slice p to slice q (the search graph's tracker). Failed paths are not
        retracked (only unconverged endpoints are, see :meth:`_track`): one costs the graph a pairing that
        its other edges and later rounds make up for, and the careful retracks cost more than they save
        (widths 2,2,2,2, seed 3: 2.4 s → 1.3 s)."""
        y, ok, _ = self._track(x, p, q, 0, retrack="unconverged")
        return y, ok

    def _retrack_slices(self, x: np.ndarray, p: tuple, q: tuple) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`_track_slices` with the paths at the limit of double precision tracked again with
        extended precision: the search graph's tracker for the failed paths that left a pairing
        missing (widths 3,2,3 with m = 50: they were at the accuracy limit)."""
        y, ok, _ = self._track(x, p, q, 0, retrack="precision")
        return y, ok

    def _search_round(self, edges: int) -> int:
        """One round of the search for extra witnesses: free start pairs, ``edges`` new edges of the
        search graph, and the graph closed; returns how many new orbits it found. The first round on a
        slice builds the graph: its straight edge and EXTRA_EDGES more."""
        N, zero = self.network.N, np.zeros(1, complex)
        base = (self.lam0, self.delta, self.a, self.c, zero)
        fresh = LATER_FRESH
        if self.graph is None:
            self.graph = MonodromyGraph(self._track_slices, self._canonical, (base, self._vertex()), N + 1,
                                        retrack=self._retrack_slices)
            self.graph.add_edge(())
            edges, fresh = EXTRA_EDGES, EXTRA_FRESH
        before = len(self.graph.points[0])
        # fresh free start pairs: W* random, λ* = 1 over Λ* = Φ(W*) − Δ, slice through W*
        W = (self.rng.normal(size=(fresh, N)) + 1j * self.rng.normal(size=(fresh, N))) / np.sqrt(2)
        a0 = self._slice_form(fresh)
        start = (phi(self.system, self.X, self.Y, W) - self.delta, self.delta, a0, np.sum(a0 * W, axis=1),
                 np.zeros(fresh, complex))
        x, ok, _ = self._track(np.hstack([W, np.ones((fresh, 1))]), start, base, 0)
        self.graph.add_points(0, x[ok])
        for _ in range(edges):
            self.graph.add_edge((self._vertex(),))
        self.graph.close()
        self.extras = self.graph.points[0]
        return len(self.extras) - before

    def _pencil(self, fiber: np.ndarray) -> Traces:
        """The traces over a pencil that works: a new phase and a shorter span (SHORT_PENCIL) when its
        paths fail or jump (PENCIL_TRIES pencils in all), longer ones when its traces are collinear but
        cannot see every orbit missing (LONG_PENCIL); the longest that works is kept."""
        span = PENCIL_SPAN
        for _ in range(PENCIL_TRIES):
            traces = self._traces(fiber, span)
            if not traces.reason:
                break
            # a failed or jumped pencil says nothing about completeness: a new, shorter pencil
            self.phase = np.exp(2j * np.pi * self.rng.uniform())
            span *= SHORT_PENCIL
        if traces.reason:
            return traces
        for _ in range(LONG_PENCIL[1]):
            if not traces.collinear or traces.power >= DETECT_MARGIN:
                break
            span *= LONG_PENCIL[0]
            longer = self._traces(fiber, span)
            if longer.reason:       # a longer pencil that fails keeps the last that worked
                break
            traces = longer
        return traces

    def _traces(self, fiber: np.ndarray, span: float = PENCIL_SPAN) -> Traces:
        """The collinearity of the traces of (W_1[n_0, :], λ) over the pencil at τ = 0, γ/2, γ, |γ| =
        ``span`` in units of the fiber's median |a·W − c| (see :class:`Traces`); a pencil whose paths fail
        or jump gives only the reason."""
        z = np.vstack([fiber, self.extras])
        # a fiber point moves along the pencil by about τ / (a·W − c) in λ: γ of the typical size of
        # a·W − c makes every point bend (points of norm 10² occur for m ≥ 2)
        gamma = span * self.phase * np.median(np.abs(fiber[:, :-1] @ self.a - self.c))
        values, noise = [], 0.0
        for k in range(3):
            acc = np.full(len(z), 1e-14)
            if k:
                tau0, tau1 = (k - 1) * gamma / 2, k * gamma / 2
                z, ok, acc = self._track(z, (self.lam0, self.delta, self.a, self.c, np.array([tau0])),
                                         (self.lam0, self.delta, self.a, self.c, np.array([tau1])), 1)
                if not ok.all():
                    return Traces.failed(f"{int((~ok).sum())} path(s) of the pencil failed")
                if len(duplicates(self._canonical(z))[0]):
                    return Traces.failed("paths of the pencil coincided (path jumping)")
            f = np.hstack([z[:, self.row], z[:, -1:]])
            values.append(f)
            noise = noise + (1 + k % 2) * (acc[:, None] * (1 + np.abs(f))).sum(axis=0)
        bend = values[0] - 2 * values[1] + values[2]          # each point's second difference
        scale = np.maximum(np.abs(bend).sum(axis=0), np.finfo(float).tiny)
        own = bend[:len(fiber)]
        if self.network.H:                  # an orbit is a representative and its n_0-flip (see _fiber)
            own = own[:len(own) // 2] + own[len(own) // 2:]
        return Traces(np.abs(bend.sum(axis=0)) / scale, noise / scale, np.abs(own) / scale)

    # -- the test ----------------------------------------------------------------------------------

    def _fiber(self, representatives: np.ndarray) -> np.ndarray:
        """The fiber's orbits under the subgroup, as (W, λ = 0): each orbit and its n_0-flip."""
        W = np.asarray(representatives, complex)
        if self.network.H:
            flip = sign_vectors(self.network)[len(sign_vectors(self.network)) // 2]
            W = np.vstack([W, W * flip])
        return np.hstack([W, np.zeros((len(W), 1))])

    def residual(self, representatives: np.ndarray) -> float:
        """The traces' residual for a fiber with the extra witnesses found so far (no further search)."""
        return float(np.max(self._traces(self._fiber(representatives)).residual))

    def check(self, representatives: np.ndarray) -> TraceResult:
        """Compare the traces of the fiber (given by its sign-orbit representatives) and the extra
        witnesses, searching for more extra witnesses between tries: the test passes as soon as the
        traces are collinear and dropping any known orbit would show; it fails when a round of the search
        finds no new extra witness and the traces are still not collinear (then the fiber itself is likely
        incomplete), and is inconclusive when on SLICE_TRIES slices the pencils keep failing numerically
        (PENCIL_STALL rounds in a row), some orbit stays too faint, or no extra witness is found."""
        unchanged = self.verdict[0] == (len(representatives), len(self.extras))
        if self.stale and self.slices >= SLICE_TRIES and unchanged and self.verdict[1] is not None:
            # the last check, on the last slice, found no new extra witness, and monodromy has found
            # nothing since: the same traces would fail again (widths 3,2,3 with m = 50: 7 s per repeat,
            # up to the loop limit). While checks still find extra witnesses they go on (widths 2,2,2 with
            # m = 2 had 12 of 488 left to find after three slices, and found them)
            return self.verdict[1]
        if len(representatives) != self.fiber_size:
            # the slices tried so far may have failed only because orbits of the fiber were missing:
            # a grown fiber gets SLICE_TRIES of its own (widths 2,2,2 with m = 2: three slices went to a
            # fiber of 44 of 48, and the complete one found 480 of 488 extra witnesses on the third)
            self.fiber_size, self.slices = len(representatives), min(self.slices, 1)
        fiber = self._fiber(representatives)
        if not self.slices:
            # the first slice is drawn for the first fiber checked (see MOVING_WEIGHT)
            self._draw_slice(fiber)
        known = len(self.extras)
        residual, reason, tol, power = np.inf, "no extra witness found", TRACE_TOL, None
        stalled = broken = rounds = 0
        while rounds < EXTRA_ROUNDS:
            # a check first takes the traces with the extra witnesses it has (their graph is closed)
            if rounds or not len(self.extras):
                # while the search stalls with the traces not collinear, each round adds more edges
                new = self._search_round(stalled)
                stalled = stalled + 1 if new == 0 else 0
            rounds += 1
            if not len(self.extras):
                if rounds < EXTRA_STALL:
                    continue
                # no free start pair reaches this slice: along this direction the slice's form is
                # constant on C (widths 2,1,1,2,2: neuron n_0's inputs do not move with W_4's last
                # weight), so its pencil could not see anything either
                unusable = f"no extra witness found on {SLICE_TRIES} slices"
            else:
                traces = self._pencil(fiber)
                residual, tol = traces.worst
                reason = traces.reason
                power = float(traces.power) if not traces.reason and len(traces.share) else None
                if traces.collinear and traces.power >= DETECT_MARGIN:
                    return self._result(True, residual, len(fiber), tol=tol, margin=power)
                broken = broken + 1 if not np.isfinite(residual) else 0
                if traces.collinear:
                    # collinear, but some orbit barely moves along this slice or its noise hides it: its
                    # absence would go unseen
                    reason = (f"an orbit moves too little along the pencil to be missed ({traces.power:.1f} "
                              f"times the tolerance {tol:.0e})")
                # the pencils keep failing from the same few extra witnesses: another curve has others
                unusable = reason if traces.collinear or broken >= PENCIL_STALL else ""
            if unusable or self.stale:
                # a slice that cannot give a verdict, or the last check's search stalled and the fiber
                # it has now still fails: a new slice, while the test has one
                if self.slices < SLICE_TRIES:
                    self._draw_slice(fiber)
                    stalled = broken = rounds = 0
                    continue
                if unusable:
                    return self._result(False, residual, len(fiber), f"inconclusive: {unusable}", tol, True, power)
            if not reason:
                reason = f"traces not collinear (residual {residual:.1e})"
            if stalled >= EXTRA_STALL:
                # likely a missing fiber point (monodromy searches on); but the extra witnesses of a bad
                # slice may stay out of reach of its loops: if the next check fails too, it changes slice
                self.stale = True
                break
        result = self._result(False, residual, len(fiber), reason, tol, margin=power)
        if len(self.extras) == known:
            self.verdict = ((len(representatives), len(self.extras)), result)
        return result

    def _result(self, passed: bool, residual: float, fiber: int, reason: str = "", tol: float = TRACE_TOL,
                inconclusive: bool = False, margin: float | None = None) -> TraceResult:
        """The test's outcome for a fiber of ``fiber`` points under the subgroup, counts in full."""
        return TraceResult(passed, residual, fiber * self.orbit, len(self.extras) * self.orbit, self.paths,
                           self.failed, reason, tol, inconclusive, margin)
