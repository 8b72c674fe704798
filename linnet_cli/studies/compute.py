"""One row of a table: its bounds, its generic solve, and the real counts of its random instances.

Per row: one generic solve at random complex data (monodromy per sub-network), then one parameter
homotopy from it to each random real instance, batched across instances (docs/design.md §5); the
instance with the most real points is certified, and a search over real instances may raise max N_R.
The steps are separate functions (:func:`solve_row_generic`, :func:`track_row_instances`, :func:`finish_row`)
so that a cluster can run them as tasks (:mod:`linnet_cli.studies.cluster`); :func:`compute_row` runs
them in this process. Every seed derives from the table's master seed and the row's shape
(:mod:`linnet_cli.studies.rows`), and the counts do not depend on how instances are batched.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..checks.bounds import BOUND_COLUMNS, BoundsRow
from ..engines import EngineSpec
from ..engines.base import GenericSolution
from ..model.network import Network, widths_text
from ..progress import Progress
from .rows import RowSpec, instance_seeds, row_seed

if TYPE_CHECKING:
    from ..model.classify import CriticalPoint
    from ..model.instance import Instance
    from .maxreal import Score

__all__ = ["ROW_COLUMNS", "RowResult", "RowGeneric", "InstanceCounts", "solve_row_generic", "instance_batches",
           "track_row_instances", "sample_instances", "finish_row", "compute_row", "histogram_text",
           "parse_histogram"]

#: Machine-readable columns of a table row, in order (bounds columns first).
ROW_COLUMNS = ("d", "dx", "dy", "H", "m", "N", "CBB", "BKK", "BKK_torus", "B_C", "B_C_star", "N_C", "N_C_star",
               "max_N_R", "samples", "failed_paths", "seconds", "widths", "N_R_histogram",
               "spurious_minimum_instances", "N_C_mismatch_instances", "monodromy_failed_paths", "paths_tracked",
               "certified_instances", "uncertified_points", "certified_N_C", "certified_N_C_star",
               "certified_max_N_R", "search_max_N_R", "search_candidates", "completeness")


@dataclass
class RowResult:
    """Everything computed for one row: the shape's bounds, then the counts. The bounds' columns (d, dx,
    dy, H, m, N, CBB, BKK, BKK_torus, B_C, B_C_star) read through, e.g. ``row.BKK``."""

    bounds: BoundsRow
    N_C: int
    N_C_star: int
    max_N_R: int
    samples: int
    failed_paths: int
    seconds: float
    N_R_histogram: dict[int, int]
    spurious_minimum_instances: int
    N_C_mismatch_instances: int
    monodromy_failed_paths: int
    paths_tracked: int
    certified_instances: int | None = None   # instances whose every point was proved (certify)
    uncertified_points: int | None = None
    # points proved (Krawczyk) on the instance with the most real points: lower bounds on N_C, N_C*, max N_R
    certified_N_C: int | None = None
    certified_N_C_star: int | None = None
    certified_max_N_R: int | None = None
    search_max_N_R: int | None = None         # record of the search, None without one
    search_candidates: int | None = None      # candidate instances the search tracked
    #: the generic solve's completeness (trace test, rank test, not verified; see completeness.py)
    completeness: str | None = None

    def __getattr__(self, name: str) -> Any:
        if name in BOUND_COLUMNS and "bounds" in self.__dict__:
            return getattr(self.__dict__["bounds"], name)
        raise AttributeError(name)

    @property
    def widths(self) -> str:
        return widths_text(self.bounds.widths)

    @property
    def key(self) -> str:
        return Network(self.bounds.widths).key(self.m)

    def to_dict(self) -> dict[str, Any]:
        """Flat record for csv/json (:data:`ROW_COLUMNS`): the histogram as ``"n:count;..."``."""
        rec = {c: getattr(self, c) for c in ROW_COLUMNS}
        rec["N_R_histogram"] = histogram_text(self.N_R_histogram)
        return rec

    @classmethod
    def from_dict(cls, rec: dict[str, Any]) -> RowResult:
        """Inverse of :meth:`to_dict` (to resume a run), from csv strings or json values."""
        def num(v: Any) -> int | None:
            return None if v in (None, "", "nan") else int(float(v))
        hist = parse_histogram(str(rec.get("N_R_histogram") or ""))
        text = ("seconds", "widths", "N_R_histogram", "completeness")
        vals: dict[str, Any] = {c: num(rec.get(c)) for c in ROW_COLUMNS if c not in text}
        widths = tuple(int(w) for w in str(rec["widths"]).split(","))
        bounds = BoundsRow(**{c: vals.pop(c) for c in BOUND_COLUMNS}, widths=widths)
        return cls(bounds, **vals, seconds=float(rec.get("seconds") or 0.0), N_R_histogram=hist,
                   completeness=rec.get("completeness") or None)


def histogram_text(histogram: dict[int, int]) -> str:
    """An N_R histogram as written in csv and json: ``"n:count;..."``, by increasing N_R (empty: none).

    >>> histogram_text({5: 2, 3: 7})
    '3:7;5:2'
    """
    return ";".join(f"{k}:{v}" for k, v in sorted(histogram.items()))


def parse_histogram(text: str) -> dict[int, int]:
    """Inverse of :func:`histogram_text` (a ValueError for text that is not one)."""
    return {int(a): int(b) for a, b in (p.split(":") for p in text.split(";") if p)}


@dataclass
class RowGeneric:
    """What a row's instances are tracked from: its bounds and the engine's generic solve."""

    row: RowSpec
    bounds: BoundsRow
    generic: GenericSolution
    seconds: float


@dataclass
class InstanceCounts:
    """What a row reports of its instances, summed over any batches of them."""

    histogram: dict[int, int] = field(default_factory=dict)   # N_R -> instances
    spurious: int = 0
    mismatch: int = 0
    failed: int = 0
    tracked: int = 0
    certified: int = 0
    uncertified: int = 0
    seconds: float = 0.0
    #: (sample index, instance, score) of every instance: where a search starts
    starts: list[tuple[int, Instance, Score]] = field(default_factory=list)
    #: (complete, N_R, -sample index, instance, points) of the instance with the most real points
    best: tuple[bool, int, int, Instance, list[CriticalPoint]] | None = None

    def add(self, other: InstanceCounts) -> None:
        for n, c in other.histogram.items():
            self.histogram[n] = self.histogram.get(n, 0) + c
        for name in ("spurious", "mismatch", "failed", "tracked", "certified", "uncertified", "seconds"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.starts = sorted(self.starts + other.starts, key=lambda s: s[0])
        if other.best is not None and (self.best is None or other.best[:3] > self.best[:3]):
            self.best = other.best


def solve_row_generic(row: RowSpec, seed: int, engine: Any, bkk: bool = True) -> RowGeneric:
    """A row's bounds and generic solve (``engine`` from :func:`linnet_cli.solver.solver_for`; its BKK
    bounds by the engine's own mixed volume when it offers one, as the julia engine does)."""
    from ..checks.bounds import bounds_row, confirm_bkk
    t0 = time.perf_counter()
    rng = np.random.default_rng(row_seed(seed, row).spawn(2)[0])
    b = bounds_row(row.network, row.m, bkk=bkk, mixed_volume=getattr(engine, "mixed_volume", None))
    generic = engine.generic_solve(row.network, row.m, rng)
    b = confirm_bkk(b, generic.n_complex, generic.n_torus)   # counts above cached BKK bounds expose a damaged entry
    return RowGeneric(row, b, generic, time.perf_counter() - t0)


def instance_batches(start: RowGeneric, samples: int, most: int | None = None) -> list[tuple[int, int]]:
    """Ranges of a row's instances tracked together: bounded by memory (by the generic count) and by
    ``most``; the counts do not depend on the batches."""
    from ..cost import instance_batch
    size = instance_batch(start.generic.n_complex, start.row.network.N, samples)
    size = min(size, most or size)
    return [(lo, min(lo + size, samples)) for lo in range(0, samples, size)]


def track_row_instances(start: RowGeneric, seeds: np.ndarray, engine: Any, distribution: str = "default",
                        certify: bool = False, first: int = 0) -> InstanceCounts:
    """Parameter homotopies from the row's generic solve to the random real instances of ``seeds``
    (samples ``first``, ``first`` + 1, … of the row)."""
    from ..model.classify import Kind, classify
    from ..model.instance import random_instance
    from .maxreal import score_raw
    t0 = time.perf_counter()
    net, m = start.row.network, start.row.m
    n_c = start.generic.n_complex
    out = InstanceCounts()
    batch = [random_instance(net, m, seed=int(s), distribution=distribution) for s in seeds]
    for k, (inst, raw) in enumerate(zip(batch, engine.track_instances(start.generic, batch)), first):
        pts = classify(inst, raw.points, [raw.patterns[i] for i in raw.pattern_of])
        n_real = sum(p.is_real for p in pts)
        score = score_raw(raw, n_c)
        out.starts.append((k, inst, score))
        if out.best is None or (score.complete, n_real, -k) > out.best[:3]:
            out.best = (score.complete, n_real, -k, inst, pts)
        out.histogram[n_real] = out.histogram.get(n_real, 0) + 1
        out.spurious += any(p.kind is Kind.SPURIOUS_LOCAL_MINIMUM for p in pts)
        out.mismatch += len(pts) != n_c
        out.failed += sum(raw.failed.values()) + (0 if raw.singular is None else len(raw.singular))
        out.tracked += raw.paths_tracked
        if certify:
            from ..checks.certify import certify_points
            cert = certify_points(inst, pts)
            out.certified += cert.n_uncertified == 0 and cert.n_certified == len(pts)
            out.uncertified += cert.n_uncertified
    out.seconds = time.perf_counter() - t0
    return out


def finish_row(start: RowGeneric, counts: InstanceCounts, samples: int, certify: bool, seconds: float,
               engine: Any = None, distribution: str = "default", search: int = 0, seed: int = 0) -> RowResult:
    """The row's result from its start and the counts over all its instances. The instance with the most
    real points is certified (its proved points are lower bounds on N_C, N_C* and max N_R). With
    ``search`` > 0 a search over real instances (:mod:`linnet_cli.studies.maxreal`) tracks about that many more
    instances from the best sampled ones to raise max N_R (``engine`` tracks them)."""
    from ..checks.certify import certify_points
    t0 = time.perf_counter()
    b, net, m, generic = start.bounds, start.row.network, start.row.m, start.generic
    best = counts.best
    record = candidates = None
    starts = [(inst, score) for _, inst, score in counts.starts]
    if search and any(sc.complete for _, sc in starts):     # a search starts from instances it can trust
        from .maxreal import raise_max_real
        outcome, pts = raise_max_real(engine, generic, generic.n_complex, net, m, distribution, starts,
                                      search, row_seed(seed, start.row).spawn(1)[0])
        record, candidates = outcome.record.score.n_real, outcome.candidates
        if outcome.record.candidates:
            best = (True, sum(p.is_real for p in pts), 0, outcome.record.instance, pts)
    assert best is not None      # a row has at least one instance
    proof = certify_points(best[3], best[4])
    seconds += time.perf_counter() - t0
    return RowResult(b, int(generic.n_complex), int(generic.n_torus), max(counts.histogram), samples, counts.failed,
                     round(seconds, 2), counts.histogram, counts.spurious,
                     counts.mismatch, int(sum(generic.failed.values())),
                     counts.tracked + int(generic.paths_tracked),
                     counts.certified if certify else None, counts.uncertified if certify else None,
                     proof.n_certified, proof.n_certified_torus, proof.n_certified_real, record, candidates,
                     generic.completeness)


def compute_row(row: RowSpec, samples: int, seed: int, distribution: str = "default",
                engine: str | EngineSpec = "native",
                bkk: bool = True, progress: Progress | None = None, certify: bool = False,
                search: int = 0) -> RowResult:
    """One row: bounds, a generic solve, parameter homotopies to ``samples`` random real instances, and
    the certification (and with ``search`` > 0 the search, see :func:`finish_row`) of the best one."""
    from ..solver import solver_for

    t0 = time.perf_counter()
    eng = solver_for(row.network, engine)
    start = solve_row_generic(row, seed, eng, bkk)
    counts = sample_instances(start, samples, seed, eng, distribution, certify, progress)
    return finish_row(start, counts, samples, certify, time.perf_counter() - t0, eng, distribution, search, seed)


def sample_instances(start: RowGeneric, samples: int, seed: int, engine: Any, distribution: str = "default",
                     certify: bool = False, progress: Progress | None = None) -> InstanceCounts:
    """The counts over a row's first ``samples`` random real instances (seeded by ``seed`` and the row,
    :func:`~linnet_cli.studies.rows.instance_seeds`), tracked from its generic solve a batch at a time;
    ``progress`` gets (row key, instances done, samples)."""
    row = start.row
    seeds = instance_seeds(seed, row, samples)
    counts = InstanceCounts()
    for lo, hi in instance_batches(start, samples):
        counts.add(track_row_instances(start, seeds[lo:hi], engine, distribution, certify, lo))
        if progress is not None:
            progress(row.key, hi, samples)
    return counts

