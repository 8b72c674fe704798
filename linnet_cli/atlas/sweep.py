"""Solving an atlas: every (shape, m) of a budget, each on random instances of several seeds, into a
dataset directory that a rerun continues.

A row is solved once per seed: the default native solve of the random instance ``linnet solve --widths W
--m M --seed S`` draws, with its counts, completeness, trace-test residual, failed and tracked paths and
its pattern table. Seeds that disagree on N_C, N_C* or the pattern table make the row *disputed*; one
seed is never taken over another. A solve that is not verified is settled by msolve's exact counts where
they apply (N ≤ 15, msolve installed): equal counts label it ``exact``, different ones dispute the row.
With real samples, the real critical points of that many random real instances are counted as
``linnet table`` counts them (parameter homotopies from a generic solve).

Rows run in this process, in local worker processes (:class:`~linnet_cli.studies.pool.WorkerPool`) or
on a Dask cluster (:mod:`linnet_cli.studies.cluster`); a row's values do not depend on where it ran.
Each finished row is kept at once (:class:`~linnet_cli.atlas.dataset.AtlasDirectory`): Ctrl-C loses
no finished row, and a rerun with the same settings computes only the rows still missing.
"""
from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..checks.completeness import Status
from ..errors import InputError, NumericalFailure, PeerError, opt
from ..progress import Progress
from ..studies.rows import RowSpec
from .budget import AtlasBudget
from .dataset import (COLUMNS, DISPUTED, NOT_VERIFIED, SEED_SEPARATOR, VERIFIED, AtlasDirectory, Settings,
                      fitted, linnet_version)

if TYPE_CHECKING:
    import pandas as pd

    from ..checks.bounds import BoundsRow
    from ..result import SolveResult
    from ..studies.compute import InstanceCounts

__all__ = ["ENGINE", "VERIFIED_LEVELS", "REWRITE_SECONDS", "MAX_SEEDS", "MAX_REAL_SAMPLES", "SeedSolve", "solve_seed",
           "settle_exactly", "atlas_row", "solve_atlas_row", "AtlasRun", "run_atlas", "parse_seeds",
           "check_arguments"]

#: The engine of every solve of the atlas (the default of ``linnet solve``).
ENGINE = "native"
#: Completeness levels that verify a count (README, Completeness); any other leaves the row not verified.
VERIFIED_LEVELS = (Status.PROVEN, Status.EXACT, Status.TRACE_TEST, Status.RANK_TEST, Status.PARAMETER_HOMOTOPY)
#: Seconds between two rewrites of the dataset files during a run: every finished row is in the
#: directory's log at once, and the files that readers open follow at this pace (rewriting them after
#: every row would cost time growing with the rows), and at the end of the run.
REWRITE_SECONDS = 60.0
#: Seeds per row at most (each is a whole solve).
MAX_SEEDS = 100
#: Real instances per row at most, as for ``linnet table --samples``.
MAX_REAL_SAMPLES = 100_000


def parse_seeds(text: str) -> tuple[int, ...]:
    """Seeds as the command line gives them: ``1,2``, ``1..4`` or mixtures, sorted (a range is checked
    against :data:`MAX_SEEDS` before it is expanded).

    >>> parse_seeds("3,1..2")
    (1, 2, 3)
    """
    from ..model.network import parse_range
    seeds = parse_range(text, "seeds", most=MAX_SEEDS)
    named = sum(len(parse_range(part, "seeds", most=MAX_SEEDS)) for part in str(text).split(","))
    if named != len(seeds):     # 1,1 or 1..3,2: the same instance twice would cross-check nothing
        raise InputError(f"{opt('seeds')}: {text!r} names a seed more than once; each seed is one random "
                         "instance, and the seeds of a row check each other")
    return tuple(seeds)


@dataclass
class SeedSolve:
    """What one seed's solve says of a row. ``notes``: why its count is not verified (empty when it is);
    ``disagreement``: msolve's exact counts contradict the solve's (empty otherwise); ``settled``: how
    msolve's exact counts replaced those of a solve that lost points (empty otherwise); ``patterns`` is
    empty when the solve's pattern table is not known to be complete."""

    seed: int
    N_C: int | None
    N_C_star: int | None
    completeness: Status
    notes: list[str]
    trace_residual: float | None
    failed_paths: int
    paths_tracked: int
    seconds: float
    patterns: dict[str, int] = field(default_factory=dict)
    disagreement: str = ""
    settled: str = ""

    @property
    def verified(self) -> bool:
        return self.completeness in VERIFIED_LEVELS


def settle_exactly(result: SolveResult, exact: bool) -> str:
    """Settle a count that is not verified by msolve's exact counts (:func:`linnet_cli.solver.add_exact_counts`:
    equal counts make it ``exact``); returns why that could not be done (empty when it was)."""
    from ..checks.exact import EXACT_MAX_N
    from ..checks.peers import find_msolve
    from ..solver import add_exact_counts
    N = result.instance.network.N
    if not exact:
        return "exact counts were not asked for"
    if N > EXACT_MAX_N:
        return f"no exact count for N = {N} > {EXACT_MAX_N}"
    if find_msolve() is None:
        return "no exact count: msolve is not installed (pip install 'linnet-cli[crosscheck]')"
    try:
        add_exact_counts(result)
    except PeerError as exc:
        return f"no exact count: {exc}"
    return ""


def _trace_residual(result: SolveResult) -> float | None:
    """The largest trace-test residual of a solve's sub-networks (None when no trace test ran)."""
    if result.completeness is None:
        return None
    values = [p.residual for p in result.completeness.traced() if p.residual is not None and math.isfinite(p.residual)]
    return max(values) if values else None


def solve_seed(row: RowSpec, seed: int, bounds: BoundsRow, exact: bool = True) -> SeedSolve:
    """One seed of a row: the native solve of the random instance of ``seed`` (as ``linnet solve --seed``
    draws it), settled by exact counts when it is not verified and ``exact`` (:func:`settle_exactly`)."""
    from ..solver import solve
    t0 = time.perf_counter()
    try:
        res = solve(row.network, ENGINE, seed, m=row.m, bounds=bounds, force=True)
    except NumericalFailure as exc:
        return SeedSolve(seed, None, None, Status.NOT_VERIFIED, [f"the solve failed: {exc}"], None, 0, 0,
                         time.perf_counter() - t0)
    assert res.completeness is not None      # the native engine always gives its evidence
    notes: list[str] = []
    disagreement = ""
    if res.completeness.overall not in VERIFIED_LEVELS:
        notes = list(res.completeness.notes)
        why_not = settle_exactly(res, exact)
        if why_not:
            notes.append(why_not)
        elif res.exact is not None and res.completeness.overall is not Status.EXACT:
            c = res.exact
            theirs = ("a positive-dimensional solution set" if c.positive_dimensional
                      else f"N_C = {c.n_complex}, N_C* = {c.n_torus}")
            found = f"the solve N_C = {res.n_complex}, N_C* = {res.n_torus}"
            if c.n_complex is None or c.n_torus is None or c.n_complex < res.n_complex or c.n_torus < res.n_torus:
                # (no counts: a positive-dimensional ideal)
                disagreement = f"msolve over GF({c.prime}) finds {theirs}, {found}"
            else:
                # an unverified solve's points are critical points, but it may have lost some (failed paths,
                # an incomplete search): its counts are lower bounds, and the instance's counts are msolve's
                settled = (f"seed {seed}: {found} ({res.n_failed} failed path(s); "
                           f"{'; '.join(res.completeness.notes) or 'not verified'}) are lower bounds; msolve over "
                           f"GF({c.prime}) counts {theirs} on the instance, taken as its counts")
                return SeedSolve(seed, c.n_complex, c.n_torus, Status.EXACT, [], _trace_residual(res), res.n_failed,
                                 res.paths_tracked, time.perf_counter() - t0, {}, "", settled)
    patterns = {pat.describe(): n for pat, n, _ in res.pattern_counts()}
    return SeedSolve(seed, res.n_complex, res.n_torus, res.completeness.overall,
                     [] if res.completeness.overall in VERIFIED_LEVELS else notes, _trace_residual(res),
                     res.n_failed, res.paths_tracked, time.perf_counter() - t0, patterns, disagreement)


def _by_seed(values: Sequence[Any]) -> str:
    return SEED_SEPARATOR.join("" if v is None else str(v) for v in values)


def _disputes(solves: list[SeedSolve]) -> list[str]:
    """What the seeds disagree on (N_C, N_C*, the pattern table), and exact counts that disagree."""
    out = []
    known = [s for s in solves if s.N_C is not None]
    for name, get in (("N_C", lambda s: s.N_C), ("N_C*", lambda s: s.N_C_star)):
        if len({get(s) for s in known}) > 1:
            out.append(f"the seeds disagree on {name}: " + ", ".join(f"{get(s)} (seed {s.seed})" for s in known))
    tables = [s for s in known if not s.settled]      # a settled seed's pattern table is not complete
    if len({json.dumps(s.patterns, sort_keys=True) for s in tables}) > 1:
        first = tables[0]
        for other in tables[1:]:
            differ = sorted(set(first.patterns) | set(other.patterns),
                            key=lambda p: (p not in first.patterns, p))
            differ = [p for p in differ if first.patterns.get(p) != other.patterns.get(p)]
            if differ:
                shown = "; ".join(f"{p}: {first.patterns.get(p, 0)} vs {other.patterns.get(p, 0)}" for p in differ[:3])
                out.append(f"the zero patterns' counts of seeds {first.seed} and {other.seed} differ ({shown}"
                           f"{'; ...' if len(differ) > 3 else ''})")
    out += [f"seed {s.seed}: {s.disagreement}" for s in solves if s.disagreement]
    return out


def atlas_row(row: RowSpec, bounds: BoundsRow, solves: list[SeedSolve], real: InstanceCounts | None,
              real_samples: int, seconds: float) -> dict[str, Any]:
    """The dataset's record of a row (:data:`~linnet_cli.atlas.dataset.SCHEMA`) from its seeds' solves and,
    with real samples, the counts over its real instances."""
    from ..studies.compute import histogram_text
    net = row.network
    disputes = _disputes(solves)
    known = [s for s in solves if s.N_C is not None]
    unknown = len(known) < len(solves)
    weakest = max((s.completeness for s in solves), key=list(Status).index)
    settled = [s.settled for s in solves if s.settled]
    if disputes:
        status, why = DISPUTED, "; ".join(disputes + settled)
    elif all(s.verified for s in solves) and not unknown:
        status, why = VERIFIED, "; ".join(settled)
    else:
        status = NOT_VERIFIED
        why = "; ".join(f"seed {s.seed}: {note}" for s in solves if not s.verified for note in s.notes)
    agreed = known[0] if known and not disputes and not unknown else None
    residuals = [s.trace_residual for s in solves if s.trace_residual is not None]
    hist = real.histogram if real is not None else {}
    record = {
        "widths": net.text, "dx": net.dx, "hidden": ",".join(map(str, net.hidden)), "dy": net.dy, "H": net.H,
        "N": net.N, "m": row.m, "spot_check": row.m > net.dx, "status": status,
        "N_C": None if agreed is None else agreed.N_C, "N_C_star": None if agreed is None else agreed.N_C_star,
        "completeness": weakest.value, "why": why,
        "seeds": _by_seed([s.seed for s in solves]), "N_C_by_seed": _by_seed([s.N_C for s in solves]),
        "N_C_star_by_seed": _by_seed([s.N_C_star for s in solves]),
        "completeness_by_seed": _by_seed([s.completeness.value for s in solves]),
        "trace_residual": max(residuals) if residuals else None,
        "failed_paths": sum(s.failed_paths for s in solves), "paths_tracked": sum(s.paths_tracked for s in solves),
        "seconds": round(seconds, 3), "patterns": json.dumps(next((s.patterns for s in known if not s.settled), {})),
        "CBB": fitted(bounds.CBB), "BKK": fitted(bounds.BKK), "BKK_torus": fitted(bounds.BKK_torus),
        "B_C": fitted(bounds.B_C), "B_C_star": fitted(bounds.B_C_star), "real_samples": real_samples,
        "max_N_R": max(hist) if hist else None,
        "N_R_histogram": histogram_text(hist), "linnet_version": linnet_version(), "engine": ENGINE}
    assert tuple(record) == COLUMNS, "a record has the schema's columns"
    return record


def _real_counts(row: RowSpec, seed: int, samples: int) -> InstanceCounts:
    """The real critical points of ``samples`` random real instances of a row, as ``linnet table`` counts
    them: parameter homotopies from a generic solve (:func:`linnet_cli.studies.compute.sample_instances`)."""
    from ..solver import solver_for
    from ..studies.compute import sample_instances, solve_row_generic
    engine = solver_for(row.network, ENGINE)
    start = solve_row_generic(row, seed, engine, bkk=False)
    return sample_instances(start, samples, seed, engine)


def solve_atlas_row(row: RowSpec, seeds: tuple[int, ...], exact: bool = True, real_samples: int = 0) -> dict[str, Any]:
    """A row of the atlas, solved: its bounds (BKK where cached or cheap), one solve per seed
    (:func:`solve_seed`), the real samples (seeded by the first seed), combined by :func:`atlas_row`."""
    from ..checks.bounds import bounds_row
    t0 = time.perf_counter()
    bounds = bounds_row(row.network, row.m, bkk=None)
    solves = [solve_seed(row, seed, bounds, exact) for seed in seeds]
    real = _real_counts(row, seeds[0], real_samples) if real_samples else None
    return atlas_row(row, bounds, solves, real, real_samples, time.perf_counter() - t0)


def _row_task(row: RowSpec, seeds: tuple[int, ...], exact: bool, real_samples: int) -> dict[str, Any]:
    """A row as a task of a Dask worker: the tracker's threads those of the worker, then the row."""
    from ..studies.cluster import use_worker_threads
    use_worker_threads()
    return solve_atlas_row(row, seeds, exact, real_samples)


@dataclass
class AtlasRun:
    """What a run left in its atlas directory: every row the atlas holds (``frame``, as
    :func:`~linnet_cli.atlas.dataset.load_atlas` reads it), how many this run computed and how many it
    found there, whether it was interrupted, and the rows whose task failed on a cluster (row key → why)."""

    directory: Path
    settings: Settings
    frame: pd.DataFrame
    total: int
    computed: int
    resumed: int
    seconds: float
    interrupted: bool = False
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        """The atlas holds every row of its budget."""
        return len(self.frame) == self.total

    def statuses(self) -> dict[str, int]:
        """Rows per status (verified, disputed, not verified)."""
        counts = self.frame["status"].value_counts()
        return {s: int(counts.get(s, 0)) for s in (VERIFIED, DISPUTED, NOT_VERIFIED)}

    def summary(self) -> str:
        """One line: the rows held, by status, and what this run did."""
        from ..export import duration_text
        s = self.statuses()
        return (f"atlas {self.directory}: {len(self.frame):,} of {self.total:,} rows ({s[VERIFIED]:,} verified, "
                f"{s[DISPUTED]:,} disputed, {s[NOT_VERIFIED]:,} not verified); this run computed "
                f"{self.computed:,} in {duration_text(self.seconds)}"
                + (f", {self.resumed:,} were there" if self.resumed else ""))

    def __repr__(self) -> str:
        return f"<AtlasRun {self.summary()}>"


class _Clock:
    """The time left of a run, from the rows done so far, each weighed by its estimated cost
    (:func:`linnet_cli.cost.monodromy_seconds`): the rows of an atlas differ in cost by orders of
    magnitude, so a count of rows alone would say little."""

    def __init__(self, rows: list[RowSpec]) -> None:
        from ..cost import MONODROMY_SECONDS, monodromy_seconds
        self.weight = {r.key: MONODROMY_SECONDS + monodromy_seconds(r.network, r.m) for r in rows}
        self.left = sum(self.weight.values())
        self.done = 0.0
        self.t0 = time.perf_counter()

    def finished(self, key: str) -> str:
        """Record a finished row; the time left, in words (empty until it can be said)."""
        from ..export import duration_text
        w = self.weight.get(key, 0.0)
        self.done += w
        self.left -= w
        if self.done <= 0:
            return ""
        return f" · {duration_text((time.perf_counter() - self.t0) * max(self.left, 0.0) / self.done)} left"


def check_arguments(directory: object, budget: object, seeds: object, real_samples: object, exact: object,
                     jobs: object, progress: object, force: object, cheapest_first: object = False) -> tuple[int, ...]:
    """Refuse (InputError) arguments of :func:`run_atlas` that are not what it takes, before any work (the
    command line calls it before its estimate); the seeds as a tuple."""
    from ..validate import flag, function, instance_of, integer
    instance_of(directory, "atlas", (str, os.PathLike), "a directory (str or pathlib.Path)")
    instance_of(budget, "budget", AtlasBudget, "an AtlasBudget")
    instance_of(seeds, "seeds", (tuple, list), "a sequence of seeds")
    assert isinstance(seeds, (tuple, list))
    if not seeds or len(seeds) > MAX_SEEDS:
        raise InputError(f"{opt('seeds')}: give 1 to {MAX_SEEDS} seeds, got {len(seeds)}")
    values = tuple(integer(s, "seeds", low=0, what="a seed") for s in seeds)
    if len(set(values)) < len(values):
        raise InputError(f"{opt('seeds')}: a seed is repeated in {','.join(map(str, values))}")
    integer(real_samples, "real_samples", low=0, high=MAX_REAL_SAMPLES, what="real instances per row")
    flag(exact, "exact")
    integer(jobs, "jobs", low=1)
    function(progress, "progress")
    flag(force, "force")
    flag(cheapest_first, "cheapest_first")
    return values


def run_atlas(directory: str | os.PathLike, budget: AtlasBudget, seeds: Sequence[int] = (1, 2),
              real_samples: int = 0, exact: bool = True, jobs: int = 1, scheduler: Any = None,
              progress: Progress | None = None, *, force: bool = False, cheapest_first: bool = False) -> AtlasRun:
    """Solve every row of an atlas into ``directory``, or the rows it does not hold yet.

    Parameters
    ----------
    directory : the atlas directory (:mod:`linnet_cli.atlas.dataset`): new, empty, or one that holds an
        atlas of the same settings (budget, seeds, real_samples, exact), which is continued.
    budget : the shapes (:class:`~linnet_cli.atlas.budget.AtlasBudget`).
    seeds : one random instance per seed and row (default 1 and 2); seeds that disagree dispute the row.
    real_samples : > 0: also count the real critical points of that many random real instances per row.
    exact : settle counts that are not verified by msolve's exact counts (N ≤ 15, msolve installed).
    jobs : rows in parallel processes; ``scheduler`` (a Dask scheduler's address, ``"local"`` for a
        cluster of ``jobs`` local workers, or a ``distributed.Client``) runs them on a Dask cluster
        instead. The rows do not depend on either.
    progress : called with (what is done, rows done, rows to do), the time left in the description.
    force : skip the cost estimate. Without it, a budget that cannot fit in memory or is estimated to take
        more than a week is refused (InputError) before any work, as on the command line
        (:meth:`AtlasBudget.check`), and one estimated to run long gets a RuntimeWarning.
    cheapest_first : solve the rows in order of estimated cost, cheapest first, so that a run stopped
        after a given time has finished the most rows (an atlas grown over sittings). By default the
        costliest come first, so that parallel jobs finish together.

    Returns
    -------
    AtlasRun : every row the directory holds, and what this run did. Ctrl-C stops the run: the finished
        rows are kept (``interrupted`` set), and a rerun computes the rest.

    Every argument is checked before any work (InputError), and so is the budget's cost.
    """
    import warnings
    seed_values = check_arguments(directory, budget, seeds, real_samples, exact, jobs, progress, force, cheapest_first)
    rows = budget.rows()
    if not rows:
        if budget.shapes():      # shapes there are, but none with d_x as large as an m asked for
            widest = max(net.dx for net in budget.shapes())
            raise InputError(f"{opt('m')}: no row fits: m runs up to a shape's d_x, and the widest d_x of this "
                             f"budget is {widest} (--m {','.join(map(str, budget.m))})")
        raise InputError(f"{opt('max_N', budget.max_N)}: no network fits (the smallest, widths 1,1,1, has N = 2)")
    if scheduler is not None:
        from ..studies.cluster import check_scheduler
        check_scheduler(ENGINE, scheduler)
    if not force:
        for message in budget.check(rows, len(seed_values), real_samples, jobs,
                                    cluster=scheduler is not None and scheduler != "local"):
            warnings.warn(message, RuntimeWarning, stacklevel=2)
    settings = Settings(budget, seed_values, real_samples, exact)
    atlas = AtlasDirectory.open(directory, settings)
    t0 = time.perf_counter()
    resumed = sum(1 for r in rows if (r.network.text, r.m) in atlas.rows)
    todo = [r for r in rows if (r.network.text, r.m) not in atlas.rows]
    # the costliest rows first, so that parallel jobs finish together, or the cheapest
    clock = _Clock(todo)
    todo.sort(key=lambda r: clock.weight[r.key] if cheapest_first else -clock.weight[r.key])
    failed: dict[str, str] = {}
    interrupted = False
    computed = 0
    last_write = time.perf_counter()

    def finished(row: RowSpec, record: dict[str, Any]) -> None:
        nonlocal computed, last_write
        atlas.add(record)
        computed += 1
        left = clock.finished(row.key)
        if time.perf_counter() - last_write > REWRITE_SECONDS:
            atlas.write(False, 0.0, len(rows))
            last_write = time.perf_counter()
        if progress is not None:
            progress(f"atlas {resumed + computed}/{len(rows)} rows · {row.key.replace('|', ' ')}{left}",
                     resumed + computed, len(rows))

    args = (seed_values, exact, real_samples)
    try:
        atlas.write(False, 0.0, len(rows))
        if todo:
            from ..homotopy.tracker import compile_all
            if scheduler in (None, "local"):
                compile_all()   # once, here: worker processes then load the kernels from numba's cache
            if scheduler is not None:
                _on_cluster(scheduler, todo, args, jobs, finished, failed)
            elif jobs <= 1 or len(todo) <= 1:
                for row in todo:
                    finished(row, solve_atlas_row(row, *args))
            else:
                _in_processes(todo, args, jobs, finished)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        seconds = time.perf_counter() - t0
        complete = len(atlas.rows) >= len(rows)
        try:
            frame = atlas.write(complete, seconds, len(rows))
        finally:
            atlas.close(complete)
    return AtlasRun(atlas.path, settings, frame, len(rows), computed, resumed, seconds, interrupted, failed)


def _in_processes(todo: list[RowSpec], args: tuple, jobs: int, finished: Callable[[RowSpec, dict], None]) -> None:
    """The rows ``todo`` in ``jobs`` local worker processes, each kept as it finishes."""
    from ..studies.pool import WorkerPool
    with WorkerPool(jobs) as pool:
        for k, record in pool.as_completed(solve_atlas_row, [(row, *args) for row in todo]):
            finished(todo[k], record)


def _on_cluster(scheduler: Any, todo: list[RowSpec], args: tuple, jobs: int,
                finished: Callable[[RowSpec, dict], None], failed: dict[str, str]) -> None:
    """The rows ``todo`` as tasks of a Dask cluster, each kept as it finishes; a row whose task failed
    twice goes to ``failed`` with the reason. On Ctrl-C the run's tasks are cancelled."""
    from ..studies.cluster import TASK_RETRIES, connect, why_failed
    from distributed import as_completed
    with connect(scheduler, jobs) as client:
        futures = {client.submit(_row_task, row, *args, pure=False, retries=TASK_RETRIES): row for row in todo}
        try:
            for fut in as_completed(list(futures)):
                row = futures[fut]
                if fut.status != "finished":
                    failed[row.key] = why_failed(fut)
                    continue
                finished(row, fut.result())
        finally:   # also on Ctrl-C: the cluster stops working on this run
            client.cancel(list(futures))
