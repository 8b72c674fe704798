"""A table run: its rows computed (in this process, in local worker processes or on a Dask cluster),
what it writes (the JSON layout, csv records, the comparison with the published values), and resuming
an unfinished run from what it wrote.

The rows' results do not depend on the order of the rows, on the number of jobs or on the cluster
(:mod:`linnet_cli.studies.rows`). Ctrl-C stops a run and keeps its finished rows; they are written to a
file that ``--resume`` takes back, after checking that they come from a run with the same settings and
that no count contradicts the shape's bounds.
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from ..engines import EngineSpec
from ..errors import InputError, opt
from ..model.network import Network, widths_text
from ..progress import Progress
from .audit import audit_columns, audit_row, audit_table, closing_line, reproduced, tally
from .compute import ROW_COLUMNS, RowResult, compute_row
from .pool import WorkerPool, tell_caller
from .published import PUBLISHED_COLUMNS
from .rows import RowSpec
from .spec import TableSpec

if TYPE_CHECKING:
    import pandas as pd

    from .audit import Verdict

__all__ = ["RUN_COLUMNS", "PARTIAL_STEM", "TABLE_SCHEMA", "RESUME_COLUMNS", "TableRun", "run_table",
           "run_identity", "PartialRun", "read_partial", "resumable_rows", "cell_integer"]

#: Columns that say which run made a row (csv and json rows): --resume takes rows only from a run
#: with the same values (and the same samples per row).
RUN_COLUMNS = ("seed", "distribution", "config")
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

    def audit(self) -> list[dict[str, Verdict]]:
        """Per row, the verdict on every published value (:func:`linnet_cli.studies.audit.audit_row`)."""
        return audit_table(self.results, self.spec)

    def closing_line(self) -> str | None:
        """Values reproduced, and the kinds of those that are not (None when nothing is published)."""
        return closing_line(self.results, self.spec)

    def columns(self) -> list[str]:
        """The machine-readable columns: the row's, the published values, their audit, the run's."""
        return (list(ROW_COLUMNS) + [f"published_{c}" for c in PUBLISHED_COLUMNS]
                + list(audit_columns({})) + list(RUN_COLUMNS))

    def records(self) -> list[dict[str, Any]]:
        """One record per row (:meth:`columns`): the counts, the published values and their audit, and
        the run's seed, distribution and config (they make the rows repeatable, and resuming checks them)."""
        cols, recs = self.columns(), []
        for r in self.results:
            pub = self.spec.published.get(r.key)
            rec = r.to_dict()
            for ours, theirs in PUBLISHED_COLUMNS.items():
                rec[f"published_{ours}"] = None if pub is None else pub.get(theirs)
            rec.update(audit_columns(audit_row(r, pub)))
            rec.update(run_identity(self.spec))
            recs.append({c: rec.get(c) for c in cols})
        return recs

    def to_frame(self) -> pd.DataFrame:
        """pandas DataFrame of :meth:`records`; integers stay exact (nullable Int64 or Python ints)."""
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
        ok, total = self.reproduced()
        return {"schema": TABLE_SCHEMA, "title": self.spec.title, "samples": self.spec.samples,
                "seed": self.spec.seed, "distribution": self.spec.distribution, "engine": self.spec.engine.name,
                "reproduced": ok, "compared": total, "audit": tally(self.audit()),
                "complete": self.complete, "rows": self.records(),
                "failed_rows": [{"row": key, "error": why} for key, why in self.failed.items()]}


def run_table(spec: TableSpec, jobs: int = 1, bkk: bool = True, previous: list[RowResult] | None = None,
              progress: Progress | None = None, certify: bool = False, search: int = 0,
              scheduler: Any = None, *, force: bool = False) -> TableRun:
    """Compute every row of a table: bounds, the generic solve, and the real counts of random instances.

    Parameters
    ----------
    spec : the rows, samples per row, seed, distribution, engine and published values
        (:func:`~linnet_cli.studies.spec.load_table_spec`).
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

    >>> from linnet_cli.studies.spec import load_table_spec
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
        from ..homotopy.tracker import compile_all
        compile_all()   # once, here: worker processes then load the kernels from numba's cache
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
    assert isinstance(spec, TableSpec)
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
    spec.check(cast(int, search))
    todo = spec.pending(previous)
    if todo and not force:
        for message in cost.check(cost.table_estimate(todo, spec.samples, cast(int, jobs))):
            warnings.warn(message, RuntimeWarning, stacklevel=3)


def _run_parallel(todo: list[RowSpec], args: tuple, jobs: int, finished: dict[str, RowResult],
                  progress: Progress | None) -> None:
    """The rows ``todo`` in ``jobs`` worker processes, into ``finished`` as each is done (on Ctrl-C, those
    done so far stay; the pool stops the workers)."""
    def report(key: str, done: int, total: int) -> None:
        if progress is not None:
            progress(key, done, total)
    with WorkerPool(jobs, on_message=report) as pool:
        for k, result in pool.as_completed(_row_in_worker, [(row, *args) for row in todo]):
            finished[todo[k].key] = result


def _row_in_worker(row: RowSpec, samples: int, seed: int, distribution: str, engine: EngineSpec, bkk: bool,
                   certify: bool, search: int) -> RowResult:
    """A row in a worker of :func:`_run_parallel`, its progress sent to the calling process."""
    return compute_row(row, samples, seed, distribution, engine, bkk, tell_caller, certify, search)


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


def cell_integer(value: Any) -> int | None:
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
            value = cell_integer(rec.get(col))
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
    row = RowResult.from_dict({**rec, "widths": widths_text(net.widths)})
    return row


def _check_row(p: Path, where: str, row: RowResult, cache: dict) -> None:
    """A row's shape columns against its widths, and its counts against the shape's bounds."""
    from ..checks.bounds import bezout, cached_bkk_value, one_layer_bounds

    def bad(text: str) -> InputError:
        return InputError(f"{opt('resume')}: {p}, {where}: {text}: no linnet run writes such a row")
    net = Network(row.bounds.widths)
    shape = f"{net.label()} m={row.m}"
    b_c, b_cs = one_layer_bounds(net, row.m)
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
            raise InputError(f"{opt('resume')}: {partial.path} does not say which seed, distribution and config made "
                             "its rows (no seed/distribution/config columns): cannot resume from it")
        for col in ("seed", "samples", "distribution", "config"):
            if str(have[col]) != str(want[col]):
                show = (lambda v: repr(str(v))) if col in ("distribution", "config") else str
                how = (f"the table definition titled {show(have[col])}" if col == "config"
                       else opt(col, have[col]))
                raise InputError(f"{opt('resume')}: {partial.path} was made with {col} {show(have[col])}, this run "
                                 f"uses {col} {show(want[col])}; run with {how} to continue it, or drop "
                                 f"{opt('resume')}")
    return partial.rows

