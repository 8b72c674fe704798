"""The most real critical points of a shape: a search over real instances.

A table's max N_R is the largest real count among a sample of random instances: a lower bound on the
largest number of real critical points a real instance of the shape can have, and a weak one, since
many real points are a rare event of random data. This module raises the bound by a walk over real
instances (X, Y, Λ).

* Every instance is scored by one parameter homotopy from the generic complex solve (N_C paths, no
  new solve). Starting from complex parameters keeps the paths away from the singular parameters
  that a path between two real instances can cross (real paths can collide). An instance counts only
  when all N_C paths end at distinct regular points: then N_R ≡ N_C (mod 2) and N_R is exact.
* The score is lexicographic: N_R first, then how close the nearest conjugate pair of non-real points
  is to the real subspace (‖Im w‖). Real points appear in pairs when a conjugate pair collides on
  the real subspace, so closing that gap leads to the next pair. Sign orbits that are closed under
  conjugation (some neurons with purely imaginary weights) cannot become real without leaving their
  zero pattern and are left out of the gap.
* Several walkers start from the best sampled instances. Each generation a walker proposes a batch of
  Gaussian moves in coordinates that keep every entry inside the support (log or logit coordinates
  for bounded entries) and moves to the best one if it beats its current instance; its step grows
  after a move and shrinks otherwise. A walker that has not raised its N_R for a while, or whose step
  collapsed, restarts from a fresh random instance.
* Generations are synchronous and every random choice comes from per-walker generators in the calling
  process, so results depend on the seed only, not on the number of worker processes
  (:class:`CandidatePool`).

The space, the score, the walk and the run over one shape stay in one module: they are one method,
whose constants are tuned together.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias, cast

import numpy as np

from ..engines import EngineSpec
from ..engines.base import Engine, GenericSolution, RawSolutions
from ..errors import InputError, opt
from ..homotopy.unique_points import SAME_POINT_TOL, relative_distance
from ..model.classify import CriticalPoint, classify, real_mask
from ..model.instance import Instance, load_distribution, random_instance
from ..model.network import MAX_DATA, Network
from ..model.patterns import ZeroPattern
from ..progress import Progress
from .pool import WorkerPool
from .published import published_max_real
from .rows import RowSpec, row_seed

if TYPE_CHECKING:
    from ..checks.certify import Certification

#: Walkers of the search. A few independent walkers explore different regions; more of them cost
#: proportionally more per generation.
CHAINS = 4
#: Candidates a walker proposes per generation, tracked in one batch: the tracker's cost per instance
#: falls about fivefold from batches of one instance to batches of ten.
BATCH = 8
#: Candidate instances tracked by default (about 40 generations of 4 walkers × 8 candidates).
BUDGET = 1280
#: Step of a fresh walker: standard deviation of a move in the search coordinates (unbounded entries
#: in units of their law's standard deviation, bounded ones in log or logit units).
FIRST_STEP = 0.3
#: Step factors after a generation that moved the walker / that did not.
STEP_GROW, STEP_SHRINK = 1.5, 0.6
#: Largest step: beyond about one standard deviation a move is a fresh random instance.
MAX_STEP = 1.5
#: A walker whose step falls below this has found a local maximum of its score: it restarts.
MIN_STEP = 1e-3
#: A walker restarts after this many generations without progress: neither a higher N_R nor a gap
#: GAP_PROGRESS times the gap at its last progress.
STALL_GENERATIONS = 12
#: Closing the gap by this factor counts as progress: far-apart pairs (relative gaps ~0.5) close by a few
#: per cent per generation and take tens of generations to collide.
GAP_PROGRESS = 0.7
#: Search coordinates are kept within ±U_LIMIT: e^12 ≈ 1.6e5, so a bounded entry stays at least
#: ~1e-5 of its range away from the boundary, where instances are no longer generic (Λ → 0).
U_LIMIT = 12.0

# ---------------------------------------------------------------------------------------------
# the space of instances


@dataclass(frozen=True)
class SearchSpace:
    """Real instances of one shape with every entry of (X, Y, Λ) in an open interval (lo, hi).

    Moves happen in coordinates u ∈ R^P where every point is allowed: u = v / scale for unbounded
    entries, log(v − lo) or −log(hi − v) for half-bounded ones, logit((v − lo)/(hi − lo)) for bounded ones.
    """

    network: Network
    m: int
    distribution: str
    lo: np.ndarray
    hi: np.ndarray
    scale: np.ndarray

    @property
    def size(self) -> int:
        """Number of real parameters P = d_x m + d_y m + N."""
        return len(self.lo)

    def _masks(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        fl, fh = np.isfinite(self.lo), np.isfinite(self.hi)
        return ~fl & ~fh, fl & ~fh, ~fl & fh, fl & fh

    def flat(self, instance: Instance) -> np.ndarray:
        """(X, Y, Λ) of an instance as one vector of length P."""
        return np.concatenate([instance.X.ravel(), instance.Y.ravel(), instance.lambda_flat])

    def encode(self, instance: Instance) -> np.ndarray:
        """Search coordinates of an instance (entries on the boundary go to ±U_LIMIT)."""
        v = self.flat(instance)
        free, low, high, both = self._masks()
        u = np.zeros_like(v)
        with np.errstate(divide="ignore", invalid="ignore"):
            u[free] = v[free] / self.scale[free]
            u[low] = np.log(v[low] - self.lo[low])
            u[high] = -np.log(self.hi[high] - v[high])
            u[both] = np.log((v[both] - self.lo[both]) / (self.hi[both] - v[both]))
        return np.clip(np.nan_to_num(u, nan=-U_LIMIT), -U_LIMIT, U_LIMIT)

    def decode(self, u: np.ndarray, source: str) -> Instance:
        """The instance at search coordinates ``u``."""
        u = np.clip(u, -U_LIMIT, U_LIMIT)
        free, low, high, both = self._masks()
        v = np.empty_like(u)
        v[free] = u[free] * self.scale[free]
        v[low] = self.lo[low] + np.exp(u[low])
        v[high] = self.hi[high] - np.exp(-u[high])
        v[both] = self.lo[both] + (self.hi[both] - self.lo[both]) / (1.0 + np.exp(-u[both]))
        net, m = self.network, self.m
        nx, ny = net.dx * m, net.dy * m
        lam = net.unflatten(v[nx + ny:])
        return Instance(net, v[:nx].reshape(net.dx, m), v[nx:nx + ny].reshape(net.dy, m), tuple(lam),
                        source=source)

    def random(self, rng: np.random.Generator, source: str) -> Instance:
        """A random instance of the distribution, reflected into the space where its law reaches outside."""
        inst = random_instance(self.network, self.m, seed=int(rng.integers(2 ** 32)), distribution=self.distribution)
        u = self.encode(Instance(inst.network, *_reflect(self, inst), source=source))
        return self.decode(u, source)


def _reflect(space: SearchSpace, inst: Instance) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, ...]]:
    v = space.flat(inst)
    v = np.where(v < space.lo, 2 * space.lo - v, v)
    v = np.where(v > space.hi, 2 * space.hi - v, v)
    net, m = space.network, space.m
    nx, ny = net.dx * m, net.dy * m
    return v[:nx].reshape(net.dx, m), v[nx:nx + ny].reshape(net.dy, m), tuple(net.unflatten(v[nx + ny:]))


def _law_interval(law: dict[str, Any]) -> tuple[float, float, float]:
    """(lo, hi, scale) of a law's support."""
    if law.get("law") == "normal":
        return -np.inf, np.inf, float(law.get("std", 1.0))
    lo, hi = float(law.get("low", 0.0)), float(law.get("high", 1.0))
    return lo, hi, (hi - lo) / 2


def search_space(network: Network, m: int = 1, distribution: str = "default",
                 allow_negative: bool = False) -> SearchSpace:
    """The support of a distribution: X and Y within their laws' supports; Λ within its law's support
    and positive (the loss is then coercive, as in the thesis), or any real Λ with ``allow_negative``."""
    dist = load_distribution(distribution)
    parts = []
    for key, size in (("X", network.dx * m), ("Y", network.dy * m), ("Lambda", network.N)):
        lo, hi, scale = _law_interval(dist[key])
        if key == "Lambda":
            if allow_negative:
                lo, hi = -np.inf, np.inf
            elif hi <= 0:
                raise InputError(f"distribution {distribution!r} draws no positive Lambda: use {opt('allow_negative')}")
            else:
                lo = max(lo, 0.0)
        if not scale > 0:
            raise InputError(f"distribution {distribution!r}: the law of {key} has an empty support")
        parts.append(np.array([[lo, hi, scale]] * size))
    arr = np.vstack(parts)
    return SearchSpace(network, m, distribution, arr[:, 0].copy(), arr[:, 1].copy(), arr[:, 2].copy())


# ---------------------------------------------------------------------------------------------
# scores


@dataclass(frozen=True)
class Score:
    """What the search knows about one instance."""

    n_real: int
    n_points: int
    complete: bool      # every one of the N_C paths ended at a distinct regular point
    gap: float          # relative ‖Im w‖ of the nearest conjugate pair that can become real (inf: none)

    @property
    def key(self) -> tuple[bool, int, float]:
        """Larger is better: complete instances first, then N_R, then a smaller gap."""
        return self.complete, self.n_real if self.complete else -1, -self.gap


def pair_gap(points: np.ndarray, patterns: Sequence[ZeroPattern]) -> float:
    """Smallest relative ‖Im w‖ over non-real points (M, N) whose sign orbit is not closed under
    conjugation (only those can become real by colliding with their conjugates); inf when none."""
    from ..model.symmetry import sign_vectors
    best = np.inf
    groups: dict[ZeroPattern, list[int]] = {}
    for k, p in enumerate(patterns):
        groups.setdefault(p, []).append(k)
    for pat, idx in groups.items():
        if pat.is_origin:
            continue
        w = points[idx][:, pat.coordinates]
        scale = np.maximum(1.0, np.linalg.norm(w, axis=-1))
        signs = sign_vectors(pat.sub_network)
        # a point whose conjugate is on its own sign orbit (the same point up to signs) stays non-real
        dist = np.min(relative_distance(np.conj(w)[:, None, :], signs[None] * w[:, None, :]), axis=1)
        movable = dist > SAME_POINT_TOL
        if movable.any():
            best = min(best, float(np.min(np.linalg.norm(w.imag, axis=-1)[movable] / scale[movable])))
    return best


def score_raw(raw: RawSolutions, n_complex: int) -> Score:
    """Score of an engine's raw solutions of one instance."""
    pts = raw.points
    real = real_mask(pts)
    n_sing = 0 if raw.singular is None else len(raw.singular)
    complete = not sum(raw.failed.values()) and not n_sing and len(pts) == n_complex
    nonreal = np.flatnonzero(~real)
    gap = pair_gap(pts[nonreal], [raw.patterns[raw.pattern_of[k]] for k in nonreal])
    return Score(int(real.sum()), len(pts), bool(complete), gap)


def score_instances(engine: Engine, generic: GenericSolution, n_complex: int,
                    instances: Sequence[Instance]) -> list[Score]:
    """Scores of instances, by one batched parameter homotopy from the generic solve."""
    return [score_raw(raw, n_complex) for raw in engine.track_instances(generic, list(instances))]


#: Scores a batch of candidate instances per walker: what the walk calls each generation.
ScoreBatches: TypeAlias = Callable[[Sequence[Sequence[Instance]]], list[list[Score]]]

#: In a worker of a :class:`CandidatePool`: its engine, the generic solve and N_C.
_WORKER: dict[str, Any] = {}


def _keep_in_worker(engine: EngineSpec, generic: GenericSolution, n_complex: int) -> None:
    from ..engines import get_engine
    _WORKER.update(engine=get_engine(engine), generic=generic, n_complex=n_complex)


def _score_in_worker(instances: list[Instance]) -> list[Score]:
    return score_instances(_WORKER["engine"], _WORKER["generic"], _WORKER["n_complex"], instances)


class CandidatePool:
    """Scores batches of candidate instances, in this process or in ``jobs`` worker processes (a
    :class:`~linnet_cli.studies.pool.WorkerPool`, made with ``spec``, the engine's spec). A batch is
    always tracked as one unit, so scores do not depend on ``jobs``. Close it (or use it as a context
    manager) to stop its workers."""

    def __init__(self, engine: Engine, generic: GenericSolution, n_complex: int, jobs: int = 1,
                 spec: EngineSpec | None = None) -> None:
        self.engine, self.generic, self.n_complex = engine, generic, n_complex
        self.workers: WorkerPool | None = None
        if jobs > 1 and spec is not None:
            self.workers = WorkerPool(jobs, _keep_in_worker, (spec, generic, n_complex))

    def __call__(self, batches: Sequence[Sequence[Instance]]) -> list[list[Score]]:
        if self.workers is None or len(batches) == 1:
            return [score_instances(self.engine, self.generic, self.n_complex, b) for b in batches]
        return self.workers.map(_score_in_worker, [list(b) for b in batches])

    def __enter__(self) -> CandidatePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.workers is not None:
            self.workers.close()
            self.workers = None


# ---------------------------------------------------------------------------------------------
# the walk


@dataclass
class Walker:
    """One walker: its current instance and score, its step, and its own random generator."""

    index: int
    rng: np.random.Generator
    u: np.ndarray
    instance: Instance
    score: Score | None          # None: a fresh instance, scored in the next generation
    step: float = FIRST_STEP
    stall: int = 0
    best_real: int = -1
    mark_gap: float = np.inf     # the gap at the walker's last progress
    restarts: int = 0


@dataclass
class Record:
    """The best instance so far: its score, and when it was found."""

    instance: Instance
    score: Score
    candidates: int              # search candidates tracked when it was found (0: a sampled instance)
    seconds: float


@dataclass
class SearchOutcome:
    """What a search did: the record and its history."""

    record: Record
    candidates: int = 0
    generations: int = 0
    restarts: int = 0
    incomplete: int = 0          # candidates rejected because some path failed
    history: list[tuple[int, float, int]] = field(default_factory=list)   # (candidates, seconds, record N_R)
    interrupted: bool = False    # stopped by Ctrl-C (with ``stop_on_interrupt``)


def _propose(walker: Walker, space: SearchSpace, batch: int, generation: int) -> list[tuple[np.ndarray, Instance]]:
    out = []
    if walker.score is None:
        out.append((walker.u, walker.instance))
    while len(out) < batch:
        u = np.clip(walker.u + walker.step * walker.rng.standard_normal(space.size), -U_LIMIT, U_LIMIT)
        out.append((u, space.decode(u, f"search (walker {walker.index + 1}, generation {generation})")))
    return out


def _update(walker: Walker, space: SearchSpace, proposals: list[tuple[np.ndarray, Instance]],
            scores: list[Score]) -> None:
    current = walker.score        # None: a fresh instance
    best = max(range(len(scores)), key=lambda k: scores[k].key)   # the first of equals
    if current is None or scores[best].key > current.key:
        walker.u, walker.instance = proposals[best]
        sc = walker.score = scores[best]
        if current is not None:
            walker.step = min(walker.step * STEP_GROW, MAX_STEP)
    else:
        sc = current
        walker.step *= STEP_SHRINK
    if sc.complete and sc.n_real > walker.best_real:
        walker.best_real, walker.mark_gap, walker.stall = sc.n_real, sc.gap, 0
    elif sc.complete and sc.gap < GAP_PROGRESS * walker.mark_gap:
        walker.mark_gap, walker.stall = sc.gap, 0
    else:
        walker.stall += 1
    if walker.stall >= STALL_GENERATIONS or walker.step < MIN_STEP:
        walker.restarts += 1
        walker.instance = space.random(walker.rng, f"search (walker {walker.index + 1}, restart {walker.restarts})")
        walker.u = space.encode(walker.instance)
        walker.score, walker.step, walker.stall, walker.best_real, walker.mark_gap = None, FIRST_STEP, 0, -1, np.inf


def search(score_batches: ScoreBatches, space: SearchSpace,
           starts: Sequence[tuple[Instance, Score]], budget: int, rng: np.random.Generator, n_complex: int,
           chains: int = CHAINS, batch: int = BATCH, target: int | None = None,
           progress: Progress | None = None, baseline: int | None = None,
           stop_on_interrupt: bool = False) -> SearchOutcome:
    """Walk from the best of ``starts`` (scored instances, e.g. the sampled ones) for about ``budget``
    candidate instances (whole generations of ``chains`` × ``batch``), or until the record reaches
    ``target`` or N_C. ``baseline`` (e.g. the sampled maximum) is shown next to the record. With
    ``stop_on_interrupt``, Ctrl-C ends the walk and keeps the record found so far."""
    t0 = time.perf_counter()
    ranked = sorted((s for s in starts if s[1].complete), key=lambda s: s[1].key, reverse=True)
    if not ranked:
        raise InputError("no complete start instance to search from (every path of every sample failed?)")
    record = Record(ranked[0][0], ranked[0][1], 0, 0.0)
    out = SearchOutcome(record, history=[(0, 0.0, record.score.n_real)])
    walkers = []
    for i, child in enumerate(rng.spawn(chains)):
        wrng = np.random.default_rng(child)
        if i < len(ranked):
            inst, sc = ranked[i]
            walkers.append(Walker(i, wrng, space.encode(inst), inst, sc))
        else:
            inst = space.random(wrng, f"search (walker {i + 1}, start)")
            walkers.append(Walker(i, wrng, space.encode(inst), inst, None))

    def report() -> None:
        if progress is not None:
            base = "" if baseline is None else f" (sampled {baseline})"
            progress(f"search: record N_R = {out.record.score.n_real}{base}", min(out.candidates, budget), budget)

    report()
    while out.candidates < budget:
        if target is not None and out.record.score.n_real >= target or out.record.score.n_real >= n_complex:
            break
        proposals = [_propose(w, space, batch, out.generations + 1) for w in walkers]
        try:
            scores = score_batches([[inst for _, inst in props] for props in proposals])
        except KeyboardInterrupt:
            if not stop_on_interrupt:
                raise
            out.interrupted = True
            break
        out.generations += 1
        for w, props, scs in zip(walkers, proposals, scores):
            for (_, inst), sc in zip(props, scs):
                out.candidates += 1
                out.incomplete += not sc.complete
                if sc.complete and sc.n_real > out.record.score.n_real:
                    out.record = Record(inst, sc, out.candidates, time.perf_counter() - t0)
                    out.history.append((out.candidates, out.record.seconds, sc.n_real))
            before = w.restarts
            _update(w, space, props, scs)
            out.restarts += w.restarts - before
        report()
    return out


# ---------------------------------------------------------------------------------------------
# one shape, end to end


@dataclass
class MaxRealResult:
    """A search for the most real critical points of one shape, with what it is compared with."""

    network: Network
    m: int
    seed: int
    distribution: str
    allow_negative: bool
    engine: str
    n_complex: int
    n_torus: int
    samples: int
    sampled_max: int
    sampled_histogram: dict[int, int]
    record: int
    instance: Instance
    points: list[CriticalPoint]
    found_by: str                 # "sampling" or "search"
    interrupted: bool
    candidates: int
    generations: int
    restarts: int
    incomplete: int
    history: list[tuple[int, float, int]]
    seconds: float
    sampling_seconds: float
    published: int | None = None  # the thesis's max N_R for this shape, when it is a row of its tables
    published_table: str | None = None
    certification: Certification | None = None
    warnings: list[str] = field(default_factory=list)

    def to_frame(self):
        """pandas DataFrame of one row: the scalar values of :meth:`to_dict`, the widths as text."""
        import pandas as pd
        row = {k: self.network.text if k == "widths" else v for k, v in self.to_dict().items()
               if not isinstance(v, (dict, list)) or k == "widths"}
        return pd.DataFrame([row])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (schema ``linnet.maxreal/1``), the record instance included."""
        net = self.network
        cert = None if self.certification is None else self.certification.to_dict()
        return {
            "schema": "linnet.maxreal/1", "widths": list(net.widths), "d": net.d, "dx": net.dx, "dy": net.dy,
            "H": net.H, "m": self.m, "N": net.N, "seed": self.seed, "distribution": self.distribution,
            "allow_negative": self.allow_negative, "engine": self.engine,
            "N_C": self.n_complex, "N_C_star": self.n_torus, "samples": self.samples,
            "sampled_max_N_R": self.sampled_max,
            "N_R_histogram": ";".join(f"{k}:{v}" for k, v in sorted(self.sampled_histogram.items())),
            "record_N_R": self.record, "found_by": self.found_by, "interrupted": self.interrupted,
            "certified_real": None if cert is None else cert["n_certified_real"],
            "certified_points": None if cert is None else cert["n_certified"],
            "published_max_N_R": self.published, "published_table": self.published_table,
            "candidates": self.candidates, "generations": self.generations, "restarts": self.restarts,
            "incomplete_candidates": self.incomplete,
            "history": [{"candidates": c, "seconds": round(s, 2), "record_N_R": r} for c, s, r in self.history],
            "seconds": round(self.seconds, 2), "sampling_seconds": round(self.sampling_seconds, 2),
            "warnings": list(self.warnings), "certification": cert,
            "instance": self.instance.to_dict(),
        }


def scored_samples(candidates: CandidatePool, network: Network, m: int, seeds: np.ndarray, distribution: str,
                  progress: Progress | None = None, jobs: int = 1) -> list[tuple[Instance, Score]]:
    """Random instances drawn with ``seeds`` (the table's for the same seed), scored in batches: the
    search's starts. Each path is tracked on its own, so the batches do not change the scores."""
    from ..cost import MAX_INSTANCE_BATCH as size
    batches = [[random_instance(network, m, seed=int(s), distribution=distribution)
                for s in seeds[k:k + size]] for k in range(0, len(seeds), size)]
    starts: list[tuple[Instance, Score]] = []
    for k in range(0, len(batches), jobs):
        group = batches[k:k + jobs]
        for b, scores in zip(group, candidates(group)):
            starts.extend(zip(b, scores))
        if progress is not None:
            best = max((s.n_real for _, s in starts if s.complete), default=0)
            progress(f"sampling: max N_R = {best}", len(starts), len(seeds))
    return starts


def record_points(engine: Engine, generic: GenericSolution, record: Record) -> list[CriticalPoint]:
    """The record instance's critical points, tracked again and classified (Morse index, certification)."""
    raw = engine.track_instances(generic, [record.instance])[0]
    return classify(record.instance, raw.points, [raw.patterns[i] for i in raw.pattern_of])


def raise_max_real(engine: Engine, generic: GenericSolution, n_complex: int, network: Network, m: int,
                   distribution: str, starts: Sequence[tuple[Instance, Score]], budget: int,
                   seed: np.random.SeedSequence, *,
                   candidates: CandidatePool | None = None, allow_negative: bool = False, chains: int = CHAINS,
                   batch: int = BATCH, target: int | None = None, progress: Progress | None = None,
                   baseline: int | None = None, stop_on_interrupt: bool = False
                   ) -> tuple[SearchOutcome, list[CriticalPoint]]:
    """The search from scored start instances (tracked from ``generic``), and the record's points."""
    space = search_space(network, m, distribution, allow_negative)
    outcome = search(candidates or CandidatePool(engine, generic, n_complex), space, starts, budget,
                     np.random.default_rng(seed), n_complex, chains, batch, target, progress, baseline,
                     stop_on_interrupt)
    return outcome, record_points(engine, generic, outcome.record)


def max_real(network: Network, m: int = 1, *, samples: int = 100, budget: int = BUDGET, seed: int = 0,
             distribution: str = "default", allow_negative: bool = False, engine: str | EngineSpec = "native",
             jobs: int = 1, chains: int = CHAINS, batch: int = BATCH, target: int | None = None,
             certify: bool = False, progress: Progress | None = None, force: bool = False) -> MaxRealResult:
    """Search for the real instance of a shape with the most real critical points.

    The generic solve and the ``samples`` random instances are those of ``linnet table`` for the same
    seed (so the sampled maximum is the table's max N_R); the walk then tracks about ``budget``
    candidates. With ``certify``, every critical point of the record instance is proved (Krawczyk).
    Without ``force``, a shape whose generic solve and samples cannot fit in memory is refused
    (InputError) before any work, as a table row is (:func:`linnet_cli.cost.row_estimate`).
    """
    _check_arguments(network, m, samples, budget, seed, distribution, allow_negative, engine, jobs, chains,
                     batch, target, certify, progress, force)
    from ..engines import get_engine

    spec = engine if isinstance(engine, EngineSpec) else EngineSpec(engine)
    eng = get_engine(spec)
    if not 1 <= m <= MAX_DATA:
        raise InputError(f"{opt('m')} (number of data points) must be between 1 and {MAX_DATA}, got {m}")
    if chains < 1 or batch < 1 or budget < 0 or samples < 1:
        raise InputError("samples, chains and batch must be at least 1 and the budget non-negative")
    search_space(network, m, distribution, allow_negative)      # a bad distribution fails before any work
    check_target(network, m, target)
    t0 = time.perf_counter()
    ss = row_seed(seed, RowSpec(network, m))
    solver_seed, inst_seed = ss.spawn(2)
    search_seed = ss.spawn(1)[0]
    generic = eng.generic_solve(network, m, np.random.default_rng(solver_seed), progress)
    n_c = generic.n_complex
    check_target(network, m, target, n_c)
    # the julia engine's generic solve lives in this process's Julia: no worker processes
    with CandidatePool(eng, generic, n_c, jobs if spec.name == "native" else 1, spec) as candidates:
        starts = scored_samples(candidates, network, m, inst_seed.generate_state(samples, dtype=np.uint32),
                               distribution, progress, jobs)
        sampling_seconds = time.perf_counter() - t0
        complete = [s for s in starts if s[1].complete]
        hist: dict[int, int] = {}
        for _, sc in complete:
            hist[sc.n_real] = hist.get(sc.n_real, 0) + 1
        sampled_max = max(hist, default=0)
        outcome, points = raise_max_real(eng, generic, n_c, network, m, distribution, starts, budget, search_seed,
                                         candidates=candidates, allow_negative=allow_negative, chains=chains,
                                         batch=batch, target=target, progress=progress, baseline=sampled_max,
                                         stop_on_interrupt=True)
    rec = outcome.record
    warnings = []
    if outcome.interrupted:
        warnings.append(f"interrupted: the search stopped after {outcome.candidates} candidates; "
                        "the record is the best found so far")
    n_real = sum(p.is_real for p in points)
    if n_real != rec.score.n_real or len(points) != n_c:
        warnings.append(f"tracked again, the record instance has {n_real} real of {len(points)} points "
                        f"(the search saw {rec.score.n_real} of {rec.score.n_points})")
    if len(complete) < len(starts):
        warnings.append(f"{len(starts) - len(complete)} sampled instance(s) had failed paths and were left out")
    pub, table = published_max_real(network, m)
    result = MaxRealResult(network, m, seed, distribution, allow_negative, spec.name, n_c, generic.n_torus,
                           samples, sampled_max, hist, rec.score.n_real, rec.instance, points,
                           "sampling" if rec.candidates == 0 else "search", outcome.interrupted,
                           outcome.candidates, outcome.generations,
                           outcome.restarts, outcome.incomplete,
                           [(c, s + sampling_seconds, r) for c, s, r in outcome.history],
                           time.perf_counter() - t0, sampling_seconds, pub, table, warnings=warnings)
    if certify:
        from ..checks.certify import certify_points
        cert = certify_points(rec.instance, points)
        result.certification = cert
        if cert.n_certified_real < result.record:
            warnings.append(f"only {cert.n_certified_real} of the record's {result.record} real points were certified")
    result.seconds = time.perf_counter() - t0
    return result


def _check_arguments(network: object, m: object, samples: object, budget: object, seed: object,
                     distribution: object, allow_negative: object, engine: object, jobs: object, chains: object,
                     batch: object, target: object, certify: object, progress: object, force: object) -> None:
    """Refuse (InputError) the arguments of :func:`max_real` that are not what it takes, before any
    work, then a search that cannot fit in memory (unless ``force``); warn (RuntimeWarning) about one
    estimated to run long."""
    import warnings

    from .. import cost
    from ..validate import flag, function, instance_of, integer
    instance_of(network, "network", Network, "a Network")
    assert isinstance(network, Network)
    integer(m, "m", low=1, high=MAX_DATA, what="number of data points")
    for name, value, low in (("samples", samples, 1), ("budget", budget, 0), ("seed", seed, 0), ("jobs", jobs, 1),
                             ("chains", chains, 1), ("batch", batch, 1)):
        integer(value, name, low=low)
    if target is not None:
        integer(target, "target", low=1)
    instance_of(distribution, "distribution", str, "the name of a distribution")
    instance_of(engine, "engine", (str, EngineSpec), "an engine name (native, julia) or an EngineSpec")
    for name, value in (("allow_negative", allow_negative), ("certify", certify), ("force", force)):
        flag(value, name)
    function(progress, "progress")
    if not force:
        for message in cost.check(cost.row_estimate(network, cast(int, m), cast(int, samples))):
            warnings.warn(message, RuntimeWarning, stacklevel=3)


def check_target(network: Network, m: int, target: int | None, n_complex: int | None = None) -> None:
    """Refuse (InputError) a target N_R no real instance of the shape can reach: above N_C (the
    generic number of complex critical points, ``n_complex`` once the generic solve has found it; no
    instance has more isolated critical points, real or not), or, before the solve, above the least
    upper bound known without computing: CBB, the proven B_C (H = 1, m = 1) or a cached BKK."""
    if target is None:
        return
    from ..checks.bounds import bezout, cached_bkk_value, one_layer_bounds
    shape = f"{network.label()}" + (f" m={m}" if m != 1 else "")
    if n_complex is not None:
        if target > n_complex:
            raise InputError(f"{opt('target', target)} is above N_C = {n_complex}, the number of complex critical "
                             f"points of {shape} (its generic solve): no real instance has more real ones")
        return
    cached = cached_bkk_value(network, m)
    bounds = [("the proven bound B_C", one_layer_bounds(network, m)[0]), ("BKK", cached[0] if cached else None),
              ("CBB", bezout(network))]
    name, bound = min(((n, b) for n, b in bounds if b is not None), key=lambda nb: nb[1])
    if target > bound:
        raise InputError(f"{opt('target', target)} is above {name} = {bound}, more critical points than any "
                         f"instance of {shape} has, real or not")

