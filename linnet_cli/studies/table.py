"""Tables of counts over shapes (Table 3.1 and any sweep): bounds, N_C, N_C* and sampled real counts.

Per row: one generic solve at random complex data (monodromy per sub-network), then one parameter
homotopy from it to each random real instance, batched across instances (docs/design.md §5). Every seed
derives from the table's master seed and the row's shape, so results do not depend on the order of
rows or on the number of parallel jobs.
"""
from __future__ import annotations

import csv
import dataclasses
import json
import os
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from collections.abc import Sequence

import numpy as np

from ..checks.bounds import BOUND_COLUMNS, BoundsRow
from ..errors import InputError, opt
from ..model.network import Network, networks_from_ranges, parse_range, parse_widths, widths_text
from ..engines import EngineSpec
from ..engines.base import GenericSolution
from ..progress import Progress

#: Columns compared with published values (ours → column of the published TSV); max N_R is shown
#: next to its published value but a difference is sampling, not an error.
COMPARED = {"N": "N", "CBB": "CBB", "BKK": "BKK", "B_C": "BC", "B_C_star": "BCstar", "N_C": "NC",
            "N_C_star": "NCstar"}
SAMPLED = {"max_N_R": "maxNR"}
#: Machine-readable columns of a table row, in order (bounds columns first).
ROW_COLUMNS = ("d", "dx", "dy", "H", "m", "N", "CBB", "BKK", "BKK_torus", "B_C", "B_C_star", "N_C", "N_C_star",
               "max_N_R", "samples", "failed_paths", "seconds", "widths", "N_R_histogram",
               "spurious_minimum_instances", "N_C_mismatch_instances", "monodromy_failed_paths", "paths_tracked",
               "certified_instances", "uncertified_points", "certified_N_C", "certified_N_C_star",
               "certified_max_N_R", "search_max_N_R", "search_candidates", "completeness")
#: Columns that say which run made a row (csv and json rows): --resume takes rows only from a run
#: with the same values (and the same samples per row).
RUN_COLUMNS = ("seed", "distribution", "config")

_TOP_KEYS = {"title", "samples", "seed", "distribution", "published", "histograms", "sweep", "rows", "engine"}
_SWEEP_KEYS = {"d", "dx", "dy", "H", "m", "exclude"}
_ROW_KEYS = {"d", "dx", "dy", "H", "m", "widths"}


@dataclass(frozen=True)
class RowSpec:
    """One row: a network and a number of data points."""

    network: Network
    m: int

    @property
    def key(self) -> str:
        return self.network.key(self.m)


@dataclass
class TableSpec:
    """A table definition: rows, sampling, seed and (optionally) published values to compare with."""

    title: str
    rows: list[RowSpec]
    samples: int = 100
    seed: int = 0
    distribution: str = "default"
    published: dict[str, dict[str, int]] = field(default_factory=dict)
    histograms: list[str] = field(default_factory=list)   # row keys whose N_R histogram is shown
    engine: EngineSpec = field(default_factory=EngineSpec)

    def sweep(self, rows: list[RowSpec]) -> TableSpec:
        """This spec's settings over other rows: a sweep, compared with every published table's values
        where a row is one of theirs, and the histogram of its last (largest) row shown."""
        from .audit import all_published
        return dataclasses.replace(self, title="Sweep", rows=rows, histograms=[rows[-1].key],
                                   published=all_published())

    def check(self, search: int = 0) -> None:
        """Refuse (InputError) before any work what the rows cannot be run with: an unknown distribution,
        or a search outside the distribution's support."""
        from ..model.instance import load_distribution
        load_distribution(self.distribution)
        if search:
            from .maxreal import search_space
            search_space(self.rows[0].network, self.rows[0].m, self.distribution)

    def pending(self, previous: list[RowResult] | None) -> list[tuple[Network, int]]:
        """The shapes of the rows still to compute, those of ``previous`` left out."""
        done = {r.key for r in previous or []}
        return [(r.network, r.m) for r in self.rows if r.key not in done]


def default_jobs(engine: EngineSpec) -> int:
    """Parallel processes for a table: every core; one for the julia engine (every process would start
    its own Julia, minutes on a first run; it uses Julia threads instead)."""
    return 1 if engine.name == "julia" else os.cpu_count() or 1


def _row_from(d: dict[str, Any], where: str) -> RowSpec:
    from ..model.network import MAX_DATA
    from ..validate import is_integer
    if not isinstance(d, dict):
        raise InputError(f"{where}: expected a table of d, dx, dy (or widths), H and m, got {d!r}")
    unknown = set(d) - _ROW_KEYS
    if unknown:
        raise InputError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    if "widths" not in d:
        missing = [k for k in ("d", "dx", "dy") if k not in d]
        if missing:
            raise InputError(f"{where}: missing key {missing[0]!r} (give d, dx, dy or widths)")
    # integers only: 2.5, "2" and true are refused, not converted
    for k in ("d", "dx", "dy", "H", "m"):
        if k in d and not is_integer(d[k]):
            raise InputError(f"{where}: d, dx, dy, H, m must be integers, got {k} = {d[k]!r}")
    m = d.get("m", 1)
    if not 1 <= m <= MAX_DATA:
        raise InputError(f"{where}: m (data points) must be between 1 and {MAX_DATA}, got {m}")
    if "widths" in d:
        return RowSpec(parse_widths(str(d["widths"])), m)
    return RowSpec(Network.uniform(d["d"], d["dx"], d["dy"], d.get("H", 1)), m)


def sweep_rows(d: str, dx: str, dy: str, H: str = "1", m: str = "1",
               exclude: list[RowSpec] | None = None) -> list[RowSpec]:
    """Rows of a sweep over ranges (``1..3``, ``1,2,5``), in Table 3.1's order."""
    nets = networks_from_ranges(parse_range(d, "d"), parse_range(dx, "dx"), parse_range(dy, "dy"),
                                parse_range(H, "H"))
    rows = [RowSpec(n, mm) for n in nets for mm in parse_range(m, "m")]
    skip = {r.key for r in exclude or []}
    return [r for r in rows if r.key not in skip]


def shape_rows(d: str | None, dx: str | None, dy: str | None, H: str | None, m: str | None,
               widths: Sequence[str] = ()) -> list[RowSpec]:
    """Rows of shapes given as a list of widths (``2,3,1,2``), or else as ranges (not given: 1..3 for d,
    d_x and d_y, 1 for H), each with every m of its range (not given: 1)."""
    if widths:
        return [RowSpec(parse_widths(w), mm) for w in widths for mm in parse_range(m or "1", "m")]
    return sweep_rows(d or "1..3", dx or "1..3", dy or "1..3", H or "1", m or "1")


def sweep_corner(d: str, dx: str, dy: str, H: str = "1", m: str = "1") -> tuple[RowSpec, int]:
    """The largest row of a sweep (every range at its maximum) and the number of rows, without
    building the rows (a sweep can name millions)."""
    ranges = [parse_range(t, n) for t, n in ((d, "d"), (dx, "dx"), (dy, "dy"), (H, "H"), (m, "m"))]
    count = 1
    for r in ranges:
        count *= len(r)
    return RowSpec(Network.uniform(*(max(r) for r in ranges[:4])), max(ranges[4])), count


def check_sweep(d: str, dx: str, dy: str, H: str = "1", m: str = "1", samples: int = 100, jobs: int = 1,
                force: bool = False) -> list[str]:
    """Refuse (InputError) a sweep that cannot fit in memory before its rows are built (ranges can name
    millions): the estimate of its largest row (every range at its maximum) and of its row list
    (:func:`linnet_cli.cost.table_estimate`), unless ``force``. Returns the estimate's warnings."""
    from .. import cost
    corner, count = sweep_corner(d, dx, dy, H, m)
    return cost.check(cost.table_estimate([(corner.network, corner.m)], samples, jobs, count), force)


def read_published(text: str) -> dict[str, dict[str, int]]:
    """Published rows of a TSV (columns d, dx, dy, optional H and m, then the values) by row key."""
    out = {}
    for rec in csv.DictReader(text.splitlines(), delimiter="\t"):
        vals = {k: int(v) for k, v in rec.items() if v not in (None, "")}
        row = RowSpec(Network.uniform(vals["d"], vals["dx"], vals["dy"], vals.get("H", 1)), vals.get("m", 1))
        out[row.key] = vals
    return out


def load_table_spec(path: str | Path | None = None, *, force: bool = False) -> TableSpec:
    """Read a table definition (TOML); linnet's Table 3.1 when ``path`` is None.

    A ``[sweep]`` is checked before its rows are built, as shape ranges on the command line are
    (:func:`check_sweep`): one whose largest row or row list cannot fit in memory is refused
    (InputError) unless ``force``.

    >>> spec = load_table_spec()
    >>> spec.title, len(spec.rows), spec.samples
    ('Table 3.1 (H = 1, m = 1)', 26, 100)
    """
    from ..model.instance import config_text
    from ..validate import flag, instance_of
    instance_of(path, "config", (str, os.PathLike), "a file path (str or pathlib.Path)", none=True)
    flag(force, "force")
    if path is None:
        text, base, name = config_text("table-3.1.toml"), None, "table-3.1.toml"
    else:
        p = Path(path)
        if not p.is_file():
            raise InputError(f"table definition not found: {p}")
        try:
            text = p.read_text()
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read table definition {p}: {exc}") from None
        base, name = p.parent, str(p)
    try:
        conf = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{name} is not valid TOML: {exc}") from None
    unknown = set(conf) - _TOP_KEYS
    if unknown:
        raise InputError(f"{name}: unknown key(s) {', '.join(sorted(unknown))} "
                         f"(known: {', '.join(sorted(_TOP_KEYS))})")
    samples, seed = conf.get("samples", 100), conf.get("seed", 0)
    if not isinstance(samples, int) or isinstance(samples, bool) or not 1 <= samples <= 100_000:
        raise InputError(f"{name}: samples must be an integer between 1 and 100000, got {samples!r}")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise InputError(f"{name}: seed must be a non-negative integer, got {seed!r}")
    rows: list[RowSpec] = []
    if "sweep" in conf:
        sw = conf["sweep"]
        if not isinstance(sw, dict):
            raise InputError(f"{name}: sweep must be a table ([sweep]), got {sw!r}")
        bad = set(sw) - _SWEEP_KEYS
        if bad:
            raise InputError(f"{name}: [sweep] has unknown key(s) {', '.join(sorted(bad))}")
        exclude = sw.get("exclude", [])
        if not isinstance(exclude, list):   # a string would be read letter by letter
            kind = {str: "a string", dict: "a table", bool: "a boolean", int: "an integer", float: "a number"}.get(
                type(exclude), type(exclude).__name__)
            raise InputError(f"{name}: sweep.exclude must be a list of rows (exclude = [{{d = 1, dx = 1, dy = 1}}, "
                             f"...]), not {kind} ({exclude!r})")
        excl = [_row_from(e, f"{name}: sweep.exclude[{i}]") for i, e in enumerate(exclude, 1)]
        ranges = [str(sw.get(k, dflt)) for k, dflt in (("d", "1"), ("dx", "1"), ("dy", "1"), ("H", "1"), ("m", "1"))]
        if path is not None:    # refuse a sweep too large before building its rows (linnet's own table is small)
            check_sweep(*ranges, samples=samples, force=force)
        rows += sweep_rows(*ranges, exclude=excl)
    for i, r in enumerate(conf.get("rows", []), 1):
        rows.append(_row_from(r, f"{name}: rows[{i}]"))
    if not rows:
        raise InputError(f"{name}: no rows (give a [sweep] or [[rows]])")
    published: dict[str, dict[str, int]] = {}
    if "published" in conf:
        pub = str(conf["published"])
        try:
            ptext = (base / pub).read_text() if base is not None else config_text(pub)
            published = read_published(ptext)
        except (OSError, KeyError, ValueError) as exc:
            raise InputError(f"{name}: cannot read published values {pub!r}: {exc}") from None
    hist = [_row_from(h, f"{name}: histograms").key for h in conf.get("histograms", [])]
    return TableSpec(str(conf.get("title", name)), rows, samples, seed, str(conf.get("distribution", "default")),
                     published, hist, EngineSpec(str(conf.get("engine", "native"))))


#: The table definitions shipped with linnet (``linnet table --preset``), by the thesis's table number.
PRESETS = {"3.1": "table-3.1.toml", "3.2": "table-3.2.toml"}


def load_preset(name: str, *, force: bool = False) -> TableSpec:
    """A table definition shipped with linnet (Table 3.1 or 3.2 of the thesis), read from the installed
    package ``linnet_cli.configs`` (or, from a plain checkout, its ``configs/``): unlike a path, it is found
    wherever linnet runs.

    >>> spec = load_preset("3.2")
    >>> spec.title, len(spec.rows), spec.seed
    ('Table 3.2 (H = 2, m = 1)', 12, 32)
    """
    from importlib import resources
    if name not in PRESETS:
        raise InputError(f"{opt('preset', name)}: unknown preset; known: {', '.join(PRESETS)}")
    try:
        shipped = resources.files("linnet_cli.configs").joinpath(PRESETS[name])
        with resources.as_file(shipped) as path:
            return load_table_spec(path, force=force)
    except ModuleNotFoundError:     # a plain checkout, not installed: its configs/ folder
        return load_table_spec(Path(__file__).resolve().parents[2] / "configs" / PRESETS[name], force=force)


def row_seed(master: int, row: RowSpec) -> np.random.SeedSequence:
    """The seed sequence of a row: from the master seed and the row's shape only."""
    return np.random.SeedSequence([master, row.m, *row.network.widths])


def instance_seeds(master: int, row: RowSpec, samples: int) -> np.ndarray:
    """One seed per instance of a row (instance k's seed does not depend on how instances are batched)."""
    return row_seed(master, row).spawn(2)[1].generate_state(samples, dtype=np.uint32)


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

    def as_record(self) -> dict[str, Any]:
        """Flat record for csv/json (:data:`ROW_COLUMNS`): the histogram as ``"n:count;..."``."""
        rec = {c: getattr(self, c) for c in ROW_COLUMNS}
        rec["N_R_histogram"] = ";".join(f"{k}:{v}" for k, v in sorted(self.N_R_histogram.items()))
        return rec

    @classmethod
    def from_record(cls, rec: dict[str, Any]) -> RowResult:
        """Inverse of :meth:`as_record` (to resume a run), from csv strings or json values."""
        def num(v: Any) -> int | None:
            return None if v in (None, "", "nan") else int(float(v))
        hist_text = str(rec.get("N_R_histogram") or "")
        hist = {int(a): int(b) for a, b in (p.split(":") for p in hist_text.split(";") if p)}
        text = ("seconds", "widths", "N_R_histogram", "completeness")
        vals = {c: num(rec.get(c)) for c in ROW_COLUMNS if c not in text}
        widths = tuple(int(w) for w in str(rec["widths"]).split(","))
        bounds = BoundsRow(**{c: vals.pop(c) for c in BOUND_COLUMNS}, widths=widths)
        return cls(bounds, **vals, seconds=float(rec.get("seconds") or 0.0), N_R_histogram=hist,
                   completeness=rec.get("completeness") or None)



@dataclass
class RowStart:
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
    #: (sample index, instance, maxreal.Score) of every instance: where a search starts
    starts: list = field(default_factory=list)
    #: (complete, N_R, -sample index, instance, points) of the instance with the most real points
    best: tuple | None = None

    def add(self, other: InstanceCounts) -> None:
        for n, c in other.histogram.items():
            self.histogram[n] = self.histogram.get(n, 0) + c
        for name in ("spurious", "mismatch", "failed", "tracked", "certified", "uncertified", "seconds"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.starts = sorted(self.starts + other.starts, key=lambda s: s[0])
        if other.best is not None and (self.best is None or other.best[:3] > self.best[:3]):
            self.best = other.best


def start_row(row: RowSpec, seed: int, engine: Any, bkk: bool = True) -> RowStart:
    """A row's bounds and generic solve (``engine`` from :func:`solve.solver_for`)."""
    from ..checks.bounds import bounds_row, confirm_bkk
    t0 = time.perf_counter()
    rng = np.random.default_rng(row_seed(seed, row).spawn(2)[0])
    b = bounds_row(row.network, row.m, bkk=bkk, engine=engine)
    generic = engine.generic_solve(row.network, row.m, rng)
    b = confirm_bkk(b, generic.n_complex, generic.n_torus)   # counts above cached BKK bounds expose a damaged entry
    return RowStart(row, b, generic, time.perf_counter() - t0)


def instance_batches(start: RowStart, samples: int, most: int | None = None) -> list[tuple[int, int]]:
    """Ranges of a row's instances tracked together: bounded by memory (by the generic count) and by
    ``most``; the counts do not depend on the batches."""
    from ..cost import instance_batch
    size = instance_batch(start.generic.n_complex, start.row.network.N, samples)
    size = min(size, most or size)
    return [(lo, min(lo + size, samples)) for lo in range(0, samples, size)]


def track_row_instances(start: RowStart, seeds: np.ndarray, engine: Any, distribution: str = "default",
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
        out.spurious += any(p.category is Kind.SPURIOUS_LOCAL_MINIMUM for p in pts)
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


def finish_row(start: RowStart, counts: InstanceCounts, samples: int, certify: bool, seconds: float,
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
    start = start_row(row, seed, eng, bkk)
    seeds = instance_seeds(seed, row, samples)
    counts = InstanceCounts()
    for lo, hi in instance_batches(start, samples):
        counts.add(track_row_instances(start, seeds[lo:hi], eng, distribution, certify, lo))
        if progress is not None:
            progress(row.key, hi, samples)
    return finish_row(start, counts, samples, certify, time.perf_counter() - t0, eng, distribution, search, seed)


def comparison(result: RowResult, published: dict[str, int] | None) -> dict[str, tuple[Any, Any, bool | None]]:
    """Per compared column: (ours, published, match); match None where nothing is published."""
    out = {}
    for ours, theirs in {**COMPARED, **SAMPLED}.items():
        mine = getattr(result, ours)
        pub = None if published is None else published.get(theirs)
        out[ours] = (mine, pub, None if pub is None or mine is None else mine == pub)
    return out


def reproduced(results: list[RowResult], spec: TableSpec) -> tuple[int, int]:
    """(published values reproduced, published values compared), max N_R not included (sampled)."""
    ok = total = 0
    for r in results:
        for col, (_, pub, match) in comparison(r, spec.published.get(r.key)).items():
            if col in COMPARED and match is not None:
                total += 1
                ok += bool(match)
    return ok, total


@dataclass
class PartialRun:
    """The rows of an earlier run's output, with the run each row says it comes from."""

    path: str
    rows: list[RowResult]
    runs: list[dict[str, Any]]     # per row: seed, distribution, config as written


#: Columns every row of a run to resume has (the others may be absent, or empty where a row has no value).
RESUME_COLUMNS = ("dx", "dy", "H", "m", "N", "CBB", "N_C", "N_C_star", "max_N_R", "samples", "failed_paths",
                  "widths", "N_R_histogram", "spurious_minimum_instances", "N_C_mismatch_instances",
                  "monodromy_failed_paths", "paths_tracked")
#: Integer columns that may be empty (not computed, or undefined for the shape).
_OPTIONAL_INTEGERS = ("d", "BKK", "BKK_torus", "B_C", "B_C_star", "certified_instances", "uncertified_points",
                      "certified_N_C", "certified_N_C_star", "certified_max_N_R", "search_max_N_R",
                      "search_candidates")


def read_partial(path: str | Path) -> PartialRun:
    """Rows of an earlier (possibly interrupted) run, from its csv or json output (--resume).

    The file must be one linnet wrote: a csv whose header has the row columns (:data:`RESUME_COLUMNS`),
    or a json object of schema ``linnet.table/1``. Every row is checked before it is trusted: each
    column holds a value of its type, the shape's columns agree with its widths, and its counts with
    the shape's bounds (N_C ≤ CBB, BKK and the proven B_C; N_C* ≤ N_C, BKK* and B_C*; max N_R ≤ N_C;
    the N_R histogram counts ``samples`` instances). A row that fails is an InputError naming it (csv
    line, or json row) and the problem: a row no linnet run can have written is never resumed."""
    from ..model.instance import regular_file
    p = Path(path)
    regular_file(p, "resume")
    suffix = p.suffix.lower()
    if suffix not in (".csv", ".json"):
        raise InputError(f"{opt('resume')}: use the .csv or .json output of an earlier run, not {p.suffix!r}")
    try:
        text = p.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{opt('resume')}: cannot read rows from {p}: {exc}") from None
    recs = _json_rows(p, text) if suffix == ".json" else _csv_rows(p, text)
    from ..checks.bounds import read_bkk_cache
    cache = read_bkk_cache()
    rows = []
    for where, rec in recs:
        row = _row_of_record(p, where, rec)
        _check_row(p, where, row, cache)
        rows.append(row)
    runs = [{c: r.get(c) for c in RUN_COLUMNS} for _, r in recs]
    return PartialRun(str(p), rows, runs)


def _not_partial(p: Path, why: str) -> InputError:
    return InputError(f"{opt('resume')}: {p} is not a linnet table partial file ({why}): cannot resume from it")


def _csv_rows(p: Path, text: str) -> list[tuple[str, dict[str, Any]]]:
    """(``line n``, record) of every row of a run's csv output; its header must have the row columns."""
    reader = csv.DictReader(text.splitlines())
    try:
        header = reader.fieldnames
    except csv.Error as exc:
        raise _not_partial(p, f"not csv: {exc}") from None
    if not header:
        raise _not_partial(p, "it is empty")
    missing = [c for c in RESUME_COLUMNS if c not in header]
    if missing:
        more = f" and {len(missing) - 6} more" if len(missing) > 6 else ""
        raise _not_partial(p, f"its header has no column {', '.join(missing[:6])}{more}")
    out = []
    try:
        for rec in reader:
            where = f"line {reader.line_num}"
            if None in rec:
                raise InputError(f"{opt('resume')}: {p}, {where}: {len(header) + len(rec[None])} fields, the header "
                                 f"has {len(header)}")
            absent = [c for c, v in rec.items() if v is None]
            if absent:
                raise InputError(f"{opt('resume')}: {p}, {where}: {len(header) - len(absent)} fields, the header has "
                                 f"{len(header)} (no {', '.join(absent[:3])}{', ...' if len(absent) > 3 else ''}): "
                                 "the row is cut short")
            out.append((where, rec))
    except csv.Error as exc:
        raise InputError(f"{opt('resume')}: {p}, line {reader.line_num}: not csv: {exc}") from None
    return out


def _json_rows(p: Path, text: str) -> list[tuple[str, dict[str, Any]]]:
    """(``row n``, record) of every row of a run's json output (schema ``linnet.table/1``)."""
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise _not_partial(p, f"not valid JSON: {exc}") from None
    if not isinstance(obj, dict) or "rows" not in obj:
        raise _not_partial(p, "not a JSON object with rows")
    if obj.get("schema") != TABLE_SCHEMA:
        raise _not_partial(p, f"schema {obj.get('schema')!r}, not {TABLE_SCHEMA!r}")
    if not isinstance(obj["rows"], list):
        raise _not_partial(p, "its rows are not a list")
    out = []
    for i, rec in enumerate(obj["rows"], 1):
        where = f"row {i}"
        if not isinstance(rec, dict):
            raise InputError(f"{opt('resume')}: {p}, {where}: not a JSON object")
        missing = [c for c in RESUME_COLUMNS if c not in rec]
        if missing:
            raise InputError(f"{opt('resume')}: {p}, {where}: no {', '.join(missing[:6])}"
                             f"{', ...' if len(missing) > 6 else ''}")
        out.append((where, rec))
    return out


def _integer(value: Any) -> int | None:
    """A non-negative integer of a csv or json cell (``"12"``, ``12``, ``12.0``), None when empty; a
    ValueError for anything else."""
    if value is None or (isinstance(value, str) and value.strip() in ("", "nan")):
        return None
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError
        value = int(value)
    if isinstance(value, str):
        text = value.strip()
        digits = text[:-2] if text.endswith(".0") else text
        if not digits.isdigit() or not digits.isascii():
            raise ValueError
        value = int(digits)
    if not isinstance(value, int) or value < 0:
        raise ValueError
    return value


def _row_of_record(p: Path, where: str, rec: dict[str, Any]) -> RowResult:
    """The row of a record whose every column holds a value of its type (InputError naming the row and
    the column otherwise)."""
    def bad(text: str) -> InputError:
        return InputError(f"{opt('resume')}: {p}, {where}: {text}")
    for col in RESUME_COLUMNS + _OPTIONAL_INTEGERS:
        if col in ("widths", "N_R_histogram"):
            continue
        try:
            value = _integer(rec.get(col))
        except ValueError:
            raise bad(f"{col} is {rec.get(col)!r}, not a non-negative integer") from None
        if value is None and col in RESUME_COLUMNS:
            raise bad(f"{col} is empty")
    widths = rec.get("widths")
    try:
        net = Network(tuple(int(w) for w in str(widths).split(",")))
    except (ValueError, InputError) as exc:
        raise bad(f"widths {widths!r} are not a network's widths ({exc})") from None
    hist = str(rec.get("N_R_histogram"))
    try:
        pairs = [tuple(int(x) for x in part.split(":")) for part in hist.split(";") if part]
        if not pairs or any(len(pr) != 2 or min(pr) < 0 for pr in pairs):
            raise ValueError
    except ValueError:
        raise bad(f"N_R_histogram {hist!r} is not a histogram (\"n:count;...\")") from None
    seconds = rec.get("seconds")
    try:
        if seconds not in (None, "") and not float(seconds) >= 0:
            raise ValueError
    except (TypeError, ValueError):
        raise bad(f"seconds is {seconds!r}, not a number of seconds") from None
    row = RowResult.from_record({**rec, "widths": widths_text(net.widths)})
    return row


def _check_row(p: Path, where: str, row: RowResult, cache: dict) -> None:
    """A row's shape columns against its widths, and its counts against the shape's bounds."""
    from ..checks.bounds import bezout, cached_bkk_value, thesis_bounds

    def bad(text: str) -> InputError:
        return InputError(f"{opt('resume')}: {p}, {where}: {text}: no linnet run writes such a row")
    net = Network(row.bounds.widths)
    shape = f"{net.label()} m={row.m}"
    b_c, b_cs = thesis_bounds(net, row.m)
    expected = {"d": net.d, "dx": net.dx, "dy": net.dy, "H": net.H, "N": net.N, "CBB": bezout(net), "B_C": b_c,
                "B_C_star": b_cs}
    for col, want in expected.items():
        have = getattr(row, col)
        if have != want and not (col == "d" and have is None):
            raise bad(f"{col} = {'empty' if have is None else have}, but widths {net.text} give {col} = "
                      f"{'none' if want is None else want}")
    bkk, bkk_t = row.BKK, row.BKK_torus
    if (bkk is None) != (bkk_t is None) or (bkk is not None and not bkk_t <= bkk <= row.CBB):
        raise bad(f"BKK = {bkk} and BKK* = {bkk_t} are not bounds with BKK* ≤ BKK ≤ CBB = {row.CBB}")
    known = cached_bkk_value(net, row.m, cache)
    if bkk is not None and known is not None and (bkk, bkk_t) != known:
        raise bad(f"BKK = {bkk}, BKK* = {bkk_t}, but the mixed volumes of {shape} are {known[0]} and {known[1]}")
    if bkk is None and known is not None:
        bkk, bkk_t = known

    def least(*bounds: tuple[str, int | None]) -> tuple[str, int]:
        return min(((n, v) for n, v in bounds if v is not None), key=lambda nv: nv[1])
    for count, value, bound in (
            ("N_C", row.N_C, least(("the proven bound B_C", b_c), ("BKK", bkk), ("CBB", row.CBB))),
            ("N_C*", row.N_C_star, least(("the proven bound B_C*", b_cs), ("BKK*", bkk_t), ("N_C", row.N_C))),
            ("max N_R", row.max_N_R, ("N_C", row.N_C)),
            ("the search's max N_R", row.search_max_N_R, ("N_C", row.N_C)),
            ("certified N_C", row.certified_N_C, ("N_C", row.N_C)),
            ("certified N_C*", row.certified_N_C_star, ("N_C*", row.N_C_star)),
            ("certified max N_R", row.certified_max_N_R, ("N_C", row.N_C))):
        if value is not None and value > bound[1]:
            raise bad(f"{count} = {value} is above {bound[0]} = {bound[1]} for {shape}")
    hist = row.N_R_histogram
    if sum(hist.values()) != row.samples:
        raise bad(f"its N_R histogram counts {sum(hist.values())} instances, not samples = {row.samples}")
    if max(hist) != row.max_N_R:
        raise bad(f"max N_R = {row.max_N_R}, but its N_R histogram's largest N_R is {max(hist)}")
    for col in ("spurious_minimum_instances", "N_C_mismatch_instances", "certified_instances"):
        value = getattr(row, col)
        if value is not None and value > row.samples:
            raise bad(f"{col} = {value} is above samples = {row.samples}")


def run_identity(spec: TableSpec) -> dict[str, Any]:
    """What a row records of the run that made it (:data:`RUN_COLUMNS`)."""
    return {"seed": spec.seed, "distribution": spec.distribution, "config": spec.title}


def resumable_rows(partial: PartialRun, spec: TableSpec) -> list[RowResult]:
    """The rows of ``partial`` that this run may keep: every row must come from a run with the same
    seed, distribution, samples per row and config (title), else nothing is resumed and the
    mismatch is named — rows of another run would be reported as this run's."""
    want = {**run_identity(spec), "samples": spec.samples}
    for row, run in zip(partial.rows, partial.runs):
        have = {**run, "samples": row.samples}
        if any(have[c] in (None, "") for c in RUN_COLUMNS):
            raise InputError(f"{opt('resume')}: {partial.path} does not say which seed, distribution and config made its "
                             "rows (no seed/distribution/config columns): cannot resume from it")
        for col in ("seed", "samples", "distribution", "config"):
            if str(have[col]) != str(want[col]):
                show = (lambda v: repr(str(v))) if col in ("distribution", "config") else str
                how = (f"the table definition titled {show(have[col])}" if col == "config"
                       else opt(col, have[col]))
                raise InputError(f"{opt('resume')}: {partial.path} was made with {col} {show(have[col])}, this run uses "
                                 f"{col} {show(want[col])}; run with {how} to continue it, or drop {opt('resume')}")
    return partial.rows


#: Name of the file where an unfinished table run keeps its rows when the run's own output is not a csv
#: or json file: ``linnet-table-partial-seed<seed>-<n>.csv``, n the first number not taken (one file per
#: run, never one of another run's).
PARTIAL_STEM = "linnet-table-partial"
#: Version of the JSON layout of a table run (bumped on incompatible changes).
TABLE_SCHEMA = "linnet.table/1"
#: Columns of a row record that are text, not integers.
_TEXT_COLUMNS = ("seconds", "widths", "N_R_histogram", "completeness", "distribution", "config")


@dataclass
class TableRun:
    """The rows computed so far (in the spec's order), whether the run was interrupted, and the rows
    that could not be computed (row key -> why; on a cluster, a task that failed twice). It owns the
    table's output schema and its comparison with the published values."""

    spec: TableSpec
    results: list[RowResult]
    interrupted: bool = False
    resumed: int = 0
    failed: dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:
        ok, total = self.reproduced()
        return (f"<TableRun {self.spec.title!r}: {len(self.results)} of {len(self.spec.rows)} rows, "
                f"{ok} of {total} published values reproduced>")

    @property
    def complete(self) -> bool:
        return not (self.interrupted or self.failed)

    def reproduced(self) -> tuple[int, int]:
        """(published values reproduced, published values compared), max N_R not included (sampled)."""
        return reproduced(self.results, self.spec)

    def audit(self) -> list[dict]:
        """Per row, the verdict on every published value (:func:`linnet_cli.studies.audit.audit_row`)."""
        from .audit import audit_table
        return audit_table(self.results, self.spec)

    def closing_line(self) -> str | None:
        """Values reproduced, and the kinds of those that are not (None when nothing is published)."""
        from .audit import closing_line
        return closing_line(self.results, self.spec)

    def columns(self) -> list[str]:
        """The machine-readable columns: the row's, the published values, their audit, the run's."""
        from .audit import audit_columns
        return (list(ROW_COLUMNS) + [f"published_{c}" for c in {**COMPARED, **SAMPLED}]
                + list(audit_columns({})) + list(RUN_COLUMNS))

    def records(self) -> list[dict[str, Any]]:
        """One record per row (:meth:`columns`): the counts, the published values and their audit, and
        the run's seed, distribution and config (they make the rows repeatable, and resuming checks them)."""
        from .audit import audit_columns, audit_row
        cols, recs = self.columns(), []
        for r in self.results:
            pub = self.spec.published.get(r.key)
            rec = r.as_record()
            for ours, theirs in {**COMPARED, **SAMPLED}.items():
                rec[f"published_{ours}"] = None if pub is None else pub.get(theirs)
            rec.update(audit_columns(audit_row(r, pub)))
            rec.update(run_identity(self.spec))
            recs.append({c: rec.get(c) for c in cols})
        return recs

    def to_frame(self):
        """pandas DataFrame of :meth:`records`; integers stay exact (nullable Int64 or Python ints)."""
        from .audit import audit_columns
        from ..export import integer_frame
        cols = self.columns()
        text = (*_TEXT_COLUMNS, *audit_columns({}))
        return integer_frame(self.records(), cols, [c for c in cols if c not in text])

    def keep_unfinished(self, output: str | None, fmt: str, directory: str | Path = ".") -> str:
        """Where the rows of an unfinished run are kept for resuming: ``output`` when it already holds
        them (a csv or json file, not a device or a pipe), else a new file of ``directory`` (of the
        temporary directory when that one cannot be written) named after :data:`PARTIAL_STEM` and the
        seed, never one that exists (nothing computed is lost, nor another run's rows)."""
        from ..output_files import is_regular_output, write_new_file
        if fmt in ("csv", "json") and is_regular_output(output):
            return str(output)
        text = self.to_frame().to_csv(index=False)
        stem = f"{PARTIAL_STEM}-seed{self.spec.seed}"
        try:
            return str(write_new_file(text, directory, stem, ".csv"))
        except InputError:
            import tempfile
            return str(write_new_file(text, tempfile.gettempdir(), stem, ".csv"))

    def to_dict(self) -> dict[str, Any]:
        """The JSON layout (schema ``linnet.table/1``): the run, its audit tally, rows and failed rows."""
        from .audit import tally
        ok, total = self.reproduced()
        return {"schema": TABLE_SCHEMA, "title": self.spec.title, "samples": self.spec.samples,
                "seed": self.spec.seed, "distribution": self.spec.distribution, "engine": self.spec.engine.name,
                "reproduced": ok, "compared": total, "audit": tally(self.audit()),
                "complete": self.complete, "rows": self.records(),
                "failed_rows": [{"row": key, "error": why} for key, why in self.failed.items()]}


#: The progress queue of a worker process (set by :func:`_init_worker`).
_QUEUE: Any = None


def _init_worker(queue: Any, threads: int) -> None:
    """A worker of ``run_table``: Ctrl-C reaches the whole process group, but stopping is the parent's
    job (it terminates the workers), so workers ignore SIGINT instead of printing tracebacks. The cores
    are shared among the jobs: ``threads`` tracker threads each."""
    import signal

    from ..homotopy.tracker import set_threads
    global _QUEUE
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _QUEUE = queue
    set_threads(threads)


def _row_worker(row: RowSpec, samples: int, seed: int, distribution: str, engine: EngineSpec, bkk: bool,
                certify: bool, search: int) -> RowResult:
    def report(key: str, done: int, total: int) -> None:
        _QUEUE.put((key, done, total))
    return compute_row(row, samples, seed, distribution, engine, bkk, report, certify, search)


def run_table(spec: TableSpec, jobs: int = 1, bkk: bool = True, previous: list[RowResult] | None = None,
              progress: Progress | None = None, certify: bool = False, search: int = 0,
              scheduler: Any = None, *, force: bool = False) -> TableRun:
    """Compute every row of a table: bounds, the generic solve, and the real counts of random instances.

    Parameters
    ----------
    spec : the rows, samples per row, seed, distribution, engine and published values
        (:func:`load_table_spec`).
    jobs : rows in parallel processes (> 1); ``scheduler`` (a Dask scheduler address, ``"local"`` for
        ``jobs`` local workers, or a ``distributed.Client``) runs them on a Dask cluster instead
        (:mod:`linnet_cli.studies.cluster`). Results do not depend on either.
    bkk : compute the BKK columns. previous : rows of an earlier run to keep (same samples per row).
    certify : prove every point of every instance; search : > 0 adds a search for more real points per
        row (about that many candidate instances).
    progress : called with (row key, instances done, instances in the row).
    force : skip the cost estimate. Without it, a table whose estimated memory exceeds what this
        machine has is refused (InputError) before any work, as on the command line
        (:func:`linnet_cli.cost.table_estimate`), and one estimated to run long gets a RuntimeWarning.

    Every argument (and the spec's samples, seed, distribution and engine) is checked before any work:
    a wrong type is an InputError naming it, never converted.

    Returns
    -------
    TableRun : the rows in the spec's order, their comparison with the published values
        (:meth:`TableRun.reproduced`, :meth:`TableRun.audit`), ``to_frame()`` and ``to_dict()``. Ctrl-C
        stops the run and returns the finished rows with ``interrupted`` set.

    >>> spec = load_table_spec()
    >>> spec.rows, spec.samples = spec.rows[:2], 5
    >>> run = run_table(spec, bkk=False)
    >>> [(r.key, r.N_C, r.N_C_star) for r in run.results], run.reproduced()
    ([('1,1,1|m=1', 5, 4), ('2,1,1|m=1', 5, 4)], (12, 12))
    """
    _check_run_arguments(spec, jobs, bkk, previous, progress, certify, search, force)
    done = {r.key: r for r in previous or []
            if r.samples == spec.samples and (not search or r.search_max_N_R is not None)}
    todo = [r for r in spec.rows if r.key not in done]
    finished: dict[str, RowResult] = {k: v for k, v in done.items() if k in {r.key for r in spec.rows}}
    resumed = len(finished)
    interrupted = False
    # the largest rows first, so that parallel jobs finish together
    todo.sort(key=lambda r: -r.network.N)
    args = (spec.samples, spec.seed, spec.distribution, spec.engine, bkk)
    failed: dict[str, str] = {}
    if spec.engine.name == "native" and todo and scheduler in (None, "local"):
        from ..homotopy.tracker import ensure_compiled
        ensure_compiled()   # once, here: worker processes then load the kernels from numba's cache
    try:
        if scheduler is not None:
            from .cluster import run_on_cluster
            run_on_cluster(scheduler, todo, args + (certify, search), jobs, finished, failed, progress)
        elif jobs <= 1 or len(todo) <= 1:
            for row in todo:
                finished[row.key] = compute_row(row, *args, progress=progress, certify=certify, search=search)
        else:
            _run_parallel(todo, args + (certify, search), jobs, finished, progress)
    except KeyboardInterrupt:
        interrupted = True
    ordered = [finished[r.key] for r in spec.rows if r.key in finished]
    return TableRun(spec, ordered, interrupted, resumed, failed)


def _check_run_arguments(spec: object, jobs: object, bkk: object, previous: object, progress: object,
                         certify: object, search: object, force: object) -> None:
    """Refuse (InputError) the arguments of :func:`run_table` that are not what it takes, before any
    work, then a table that cannot fit in memory (unless ``force``); warn (RuntimeWarning) about a
    table estimated to run long."""
    import warnings

    from .. import cost
    from ..validate import flag, function, instance_of, integer
    instance_of(spec, "spec", TableSpec, "a TableSpec (see load_table_spec)")
    if not isinstance(spec.rows, list) or not spec.rows or not all(isinstance(r, RowSpec) for r in spec.rows):
        raise InputError(f"spec.rows must be a non-empty list of RowSpec, got {spec.rows!r:.80}")
    integer(spec.samples, "samples", low=1, high=100_000, what="spec.samples")
    integer(spec.seed, "seed", low=0, what="spec.seed")
    instance_of(spec.distribution, "distribution", str, "the name of a distribution")
    instance_of(spec.engine, "engine", EngineSpec, "an EngineSpec")
    integer(jobs, "table_jobs", low=1)
    flag(bkk, "bkk")
    if previous is not None and (not isinstance(previous, list)
                                 or not all(isinstance(r, RowResult) for r in previous)):
        raise InputError(f"previous must be a list of RowResult or None, got {previous!r:.80}")
    function(progress, "progress")
    flag(certify, "certify")
    integer(search, "search", low=0, what="candidate instances per row")
    flag(force, "force")
    spec.check(search)
    todo = spec.pending(previous)
    if todo and not force:
        for message in cost.check(cost.table_estimate(todo, spec.samples, jobs)):
            warnings.warn(message, RuntimeWarning, stacklevel=3)


def _run_parallel(todo: list[RowSpec], args: tuple, jobs: int, finished: dict[str, RowResult],
                  progress: Progress | None) -> None:
    import multiprocessing as mp
    import queue as queue_mod

    q = mp.Queue()
    pool = mp.Pool(jobs, initializer=_init_worker, initargs=(q, max(1, (os.cpu_count() or 1) // jobs)))
    try:
        pending = {pool.apply_async(_row_worker, (row, *args)): row for row in todo}
        while pending:
            next(iter(pending)).wait(0.2)
            while True:
                try:
                    key, n, total = q.get_nowait()
                except queue_mod.Empty:
                    break
                if progress is not None:
                    progress(key, n, total)
            for res in [r for r in pending if r.ready()]:
                finished[pending.pop(res).key] = res.get()
    finally:   # also on Ctrl-C: the workers ignore SIGINT, so they are stopped here
        pool.terminate()
        pool.join()
        q.close()
