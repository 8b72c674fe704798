"""The atlas as files: its schema, the dataset directory, and reading it back.

An atlas is a directory:

* ``atlas.parquet`` and ``atlas.csv``: one row per (widths, m), the columns of :data:`SCHEMA`
  (parquet needs pyarrow, ``pip install 'linnet-cli[atlas]'``; without it only the csv is written);
* ``atlas.json``: the sidecar: the schema's name and version (:data:`ATLAS_SCHEMA`), the run that made the
  rows (budget, seeds, settings, linnet's version, the machine, dates, total time), the row count and
  the columns with their meanings;
* ``atlas.partial.jsonl``, while a run is unfinished: every finished row, appended (and synced) the
  moment it is done, so that no finished row is lost to Ctrl-C or a crash; it is removed once the
  dataset holds every row of the budget.

Every file is written atomically (:mod:`linnet_cli.output_files`), the sidecar last; the same schema
writes the rows and checks them on reading (:func:`load_atlas`), so that a file that is not an atlas
is refused with one clear message instead of being half read.
"""
from __future__ import annotations

import datetime
import json
import math
import os
import platform
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ..errors import InputError
from .budget import AtlasBudget

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ATLAS_SCHEMA", "SCHEMA", "COLUMNS", "NULLABLE", "STATUSES", "VERIFIED", "DISPUTED", "NOT_VERIFIED",
           "fitted", "SEED_SEPARATOR", "PARQUET", "CSV", "SIDECAR", "LOG", "Settings", "AtlasDirectory", "load_atlas",
           "atlas_frame", "check_frame", "linnet_version"]

#: Name and version of the dataset's layout (bumped on incompatible changes).
ATLAS_SCHEMA = "linnet.atlas/1"

#: A row's status: every seed's count verified and the seeds agreeing; the seeds (or a solve and the
#: exact count) disagreeing; or counts that agree but are not verified (the reason in ``why``).
VERIFIED, DISPUTED, NOT_VERIFIED = "verified", "disputed", "not verified"
STATUSES = (VERIFIED, DISPUTED, NOT_VERIFIED)
#: What joins the per-seed values of a row (``seeds``, ``N_C_by_seed``, ...), in the order of ``seeds``.
SEED_SEPARATOR = ","

#: The columns: (name, pandas dtype, meaning). One row per (widths, m). The dtypes are those
#: :func:`load_atlas` returns (``Int64``: nullable integers; empty cells are nulls).
SCHEMA: tuple[tuple[str, str, str], ...] = (
    ("widths", "string", "the network's widths d_x,n_1,...,n_H,d_y, e.g. 2,2,2"),
    ("dx", "Int64", "input width d_x"),
    ("hidden", "string", "hidden widths n_1,...,n_H, e.g. 2 or 2,3"),
    ("dy", "Int64", "output width d_y"),
    ("H", "Int64", "hidden layers"),
    ("N", "Int64", "weights, the sum of w_i*w_(i+1) over consecutive widths"),
    ("m", "Int64", "data points"),
    ("spot_check", "bool", "m > d_x: the counts must equal those of m = d_x (d_x enters only through min(d_x, m))"),
    ("status", "string", "verified (every seed's count verified, the seeds agreeing), disputed (seeds, or a "
                         "solve and the exact count, disagree: see why), not verified (see why)"),
    ("N_C", "Int64", "complex critical points (isolated, in C^N); empty when disputed or unknown"),
    ("N_C_star", "Int64", "those on the torus (no weight zero); empty when disputed or unknown"),
    ("completeness", "string", "the weakest completeness over the seeds: proven, exact, trace test, rank test, "
                               "parameter homotopy or not verified (README, Completeness)"),
    ("why", "string", "why the row is not verified or disputed, or how msolve's exact counts replaced those of a "
                      "seed whose solve lost points; empty otherwise"),
    ("seeds", "string", "the seeds, one random instance each (the instance of linnet solve --seed S)"),
    ("N_C_by_seed", "string", "N_C of each seed, in the order of seeds (empty where a solve failed)"),
    ("N_C_star_by_seed", "string", "N_C* of each seed, in the order of seeds"),
    ("completeness_by_seed", "string", "the completeness of each seed, in the order of seeds"),
    ("trace_residual", "Float64", "the largest trace-test residual of the seeds' sub-networks; empty without "
                                  "a trace test"),
    ("failed_paths", "Int64", "paths to the instances that failed, summed over the seeds"),
    ("paths_tracked", "Int64", "paths tracked, summed over the seeds"),
    ("seconds", "float64", "time of the row's solves (and real samples), summed over the seeds"),
    ("patterns", "string", "JSON object: critical points per zero pattern, as linnet solve's pattern table "
                           "(e.g. {\"origin\": 1, \"all active\": 16}); the seeds' must agree"),
    ("CBB", "Int64", "classical Bezout bound (2H+1)^N; empty past 2^63 - 1 (from N = 23 with H = 3), which the "
                     "dataset's 64-bit integers cannot hold (conjectures compute it exactly from H and N)"),
    ("BKK", "Int64", "mixed volume with the origin added, a bound on N_C; empty unless cached or N <= 10"),
    ("BKK_torus", "Int64", "mixed volume without the origin, a bound on N_C*; empty as BKK"),
    ("B_C", "Int64", "the thesis's bound (1+4d_y)^d on N_C; empty unless H = 1 and m = 1"),
    ("B_C_star", "Int64", "the thesis's bound (4d_y)^d on N_C*; empty unless H = 1 and m = 1"),
    ("real_samples", "Int64", "random real instances whose real critical points were counted (0: none)"),
    ("max_N_R", "Int64", "the most real critical points among them; empty without real samples"),
    ("N_R_histogram", "string", "instances per number of real points, \"n:count;...\" as in linnet table; empty "
                                "without real samples"),
    ("linnet_version", "string", "the linnet that computed the row"),
    ("engine", "string", "the engine that solved the row"),
)
#: The column names, in order.
COLUMNS = tuple(name for name, _, _ in SCHEMA)
#: Columns that may be empty (null); every other cell has a value.
NULLABLE = ("N_C", "N_C_star", "trace_residual", "CBB", "BKK", "BKK_torus", "B_C", "B_C_star", "max_N_R")

#: The files of an atlas directory.
PARQUET, CSV, SIDECAR, LOG = "atlas.parquet", "atlas.csv", "atlas.json", "atlas.partial.jsonl"


def fitted(value: int | None) -> int | None:
    """An integer cell as the dataset holds it: None past the 64-bit integers of parquet and pandas' Int64
    (a Bézout bound (2H + 1)^N past 2^63 - 1), where it would overflow."""
    from ..export import INT64_MAX
    return None if value is None or abs(value) > INT64_MAX else value


def linnet_version() -> str:
    """The installed linnet's version (the distribution ``linnet-cli``)."""
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("linnet-cli")
    except PackageNotFoundError:     # a plain checkout on the path, not installed
        return "unknown"


def _bad(where: str, why: str) -> InputError:
    return InputError(f"not a linnet atlas: {where}: {why}")


#: Cells of a bool column, as csv text or parquet values.
_BOOLS = {True: True, False: False, "True": True, "False": False, "true": True, "false": False}


def _cell(value: Any, dtype: str) -> Any:
    """A cell (csv text, a parquet value, or None when empty) as a value of ``dtype`` (None: empty); a
    ValueError saying what is wrong with it otherwise ("holds 'x', not a number")."""
    from ..studies.run import cell_integer
    if dtype == "Int64":
        try:
            return cell_integer(value)
        except ValueError:
            raise ValueError(f"holds {value!r}, not a non-negative integer") from None
    if dtype in ("Float64", "float64"):
        try:
            number = None if value is None or (isinstance(value, str) and not value.strip()) else float(value)
        except (TypeError, ValueError):
            raise ValueError(f"holds {value!r}, not a number") from None
        if number is None or math.isnan(number):
            if dtype == "float64":
                raise ValueError("is empty")
            return None
        return number
    if dtype == "bool":
        try:
            return _BOOLS[value]
        except (KeyError, TypeError):
            raise ValueError(f"holds {value!r}, not True or False") from None
    if value is not None and not isinstance(value, str):
        raise ValueError(f"holds {value!r}, not text")
    return "" if value is None else value


def _row_name(frame: pd.DataFrame, k: int) -> str:
    """Row ``k`` (from 0) of a frame not typed yet, as errors name it: ``row 5 (1,1,2 m=2)``."""
    import pandas as pd

    def text(v: Any) -> str:
        empty = v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) or str(v).strip() == ""
        return "?" if empty else str(v)
    return f"row {k + 1} ({text(frame['widths'].iloc[k])} m={text(frame['m'].iloc[k])})"


def _typed(frame: pd.DataFrame, where: str) -> pd.DataFrame:
    """``frame`` with every column of :data:`SCHEMA` in its dtype (from csv text, parquet or records);
    InputError naming the row (its widths and m), the column and the value that is not of its type."""
    import pandas as pd
    out = {}
    for name, dtype, _ in SCHEMA:
        col = frame[name]
        values = []
        for k, v in enumerate(col.astype(object).where(col.notna(), None)):
            try:
                values.append(_cell(v, dtype))
            except ValueError as exc:
                raise _bad(where, f"{_row_name(frame, k)}: column {name} {exc}") from None
        kind: Any = "Float64" if dtype == "float64" else dtype     # float64: no nulls (refused above)
        out[name] = pd.array(values, dtype=kind)
        if dtype == "float64":
            out[name] = out[name].astype("float64")
    return pd.DataFrame(out, columns=list(COLUMNS))


def check_frame(frame: pd.DataFrame, where: str) -> pd.DataFrame:
    """The rows of ``frame`` typed by :data:`SCHEMA` and checked: exactly its columns, a value in every
    cell but the nullable ones, known statuses and completeness labels, shape columns that agree with
    the widths, spot checks exactly the rows with m > d_x, one row per (widths, m). InputError naming
    ``where``, the row and what is wrong, otherwise."""
    have = [str(c) for c in frame.columns]
    if have != list(COLUMNS):
        missing = [c for c in COLUMNS if c not in have]
        extra = [c for c in have if c not in COLUMNS]
        why = (f"no column {', '.join(missing[:4])}" if missing else f"unknown column {', '.join(extra[:4])}"
               if extra else "its columns are not in the schema's order")
        raise _bad(where, f"{why} (the columns of {ATLAS_SCHEMA} are {', '.join(COLUMNS[:4])}, ...)")
    typed = _typed(frame, where)
    seen: set[tuple[str, Any]] = set()
    for k, rec in enumerate(typed.astype(object).where(typed.notna(), None).to_dict("records")):
        problem = _record_problem(rec)
        key = (str(rec["widths"]), rec["m"])
        if problem is None and key in seen:
            problem = "a second row of this shape and m"
        if problem is not None:
            raise _bad(where, f"{_row_name(frame, k)}: {problem}")
        seen.add(key)
    return typed


def _record_problem(rec: dict[Any, Any]) -> str | None:
    """What is wrong with a typed row of the dataset (None: nothing)."""
    from ..checks.bounds import bezout
    from ..checks.completeness import Status
    from ..model.network import Network
    empty = [c for c in COLUMNS if rec[c] is None and c not in NULLABLE]
    if empty:
        return f"column {empty[0]} is empty"
    try:
        net = Network(tuple(int(w) for w in str(rec["widths"]).split(",")))
    except (ValueError, InputError):
        return f"widths {rec['widths']!r} are not a network's widths"
    if net.H < 1:
        return "an atlas network has at least one hidden layer"
    if rec["m"] < 1:
        return f"m is {rec['m']}, not a number of data points"
    expected = {"dx": net.dx, "hidden": ",".join(map(str, net.hidden)), "dy": net.dy, "H": net.H, "N": net.N,
                "CBB": fitted(bezout(net)), "spot_check": rec["m"] > net.dx}
    for col, want in expected.items():
        if rec[col] != want:
            return f"{col} is {rec[col]!r}, but widths {net.text} with m = {rec['m']} give {want!r}"
    if rec["status"] not in STATUSES:
        return f"status {rec['status']!r} is not one of {', '.join(STATUSES)}"
    labels = {s.value for s in Status}
    by_seed = str(rec["completeness_by_seed"]).split(SEED_SEPARATOR)
    for label in [rec["completeness"], *by_seed]:
        if label not in labels:
            return f"completeness {label!r} is not one of {', '.join(sorted(labels))}"
    if len(str(rec["seeds"]).split(SEED_SEPARATOR)) != len(by_seed):
        return "completeness_by_seed does not give one value per seed"
    if rec["status"] == DISPUTED and (rec["N_C"] is not None or rec["N_C_star"] is not None):
        return "a disputed row has no N_C or N_C*"
    try:
        patterns = json.loads(str(rec["patterns"]))
    except ValueError:
        return "patterns is not JSON"
    if not isinstance(patterns, dict):
        return "patterns is not a JSON object of counts per zero pattern"
    return None


def atlas_frame(records: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """The rows of ``records`` (dicts of :data:`COLUMNS`) as the dataset holds them: typed, checked and
    sorted by N, H, widths and m."""
    import pandas as pd
    recs = list(records)
    frame = check_frame(pd.DataFrame(recs, columns=list(COLUMNS), dtype=object), "rows")
    if not len(frame):
        return frame
    order = sorted(range(len(frame)), key=lambda k: (
        int(frame["N"].iloc[k]), int(frame["H"].iloc[k]),
        tuple(int(w) for w in str(frame["widths"].iloc[k]).split(",")), int(frame["m"].iloc[k])))
    return frame.iloc[order].reset_index(drop=True)


def _has_pyarrow() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass(frozen=True)
class Settings:
    """What makes an atlas's rows the same rows on a rerun: the budget, the seeds, the real samples per
    row and whether unverified counts are settled by exact counts. A rerun into a directory continues it
    only with the same settings, or with a larger budget that holds every row of its own (a row does not
    depend on the budget it was computed in), which extends it."""

    budget: AtlasBudget
    seeds: tuple[int, ...] = (1, 2)
    real_samples: int = 0
    exact: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {"budget": self.budget.to_dict(), "seeds": list(self.seeds), "real_samples": self.real_samples,
                "exact": self.exact}

    def differences(self, other: Settings) -> list[str]:
        """What differs from ``other`` so that ``other``'s run cannot continue this atlas, in words
        (``seeds 1,2 (this run: 3)``); a budget of ``other`` that covers this one is no difference."""
        out = []
        if self.budget != other.budget and not other.budget.covers(self.budget):
            out.append(f"budget {self.budget.describe()} (this run: {other.budget.describe()}, which lacks some "
                       "of its rows; a larger budget extends an atlas)")
        if self.seeds != other.seeds:
            out.append(f"seeds {','.join(map(str, self.seeds))} (this run: {','.join(map(str, other.seeds))})")
        if self.real_samples != other.real_samples:
            out.append(f"{self.real_samples} real samples per row (this run: {other.real_samples})")
        if self.exact != other.exact:
            out.append(f"exact counts {'on' if self.exact else 'off'} (this run: {'on' if other.exact else 'off'})")
        return out


def _settings_of(meta: Any, where: str) -> Settings:
    from ..validate import is_integer
    try:
        budget = AtlasBudget.from_dict(meta["budget"])
        seeds = meta["seeds"]
        if not isinstance(seeds, list) or not seeds or not all(is_integer(s) and s >= 0 for s in seeds):
            raise InputError(f"seeds {seeds!r:.60} are not a list of seeds")
        if not is_integer(meta["real_samples"]) or meta["real_samples"] < 0 or not isinstance(meta["exact"], bool):
            raise InputError("real_samples or exact is not what linnet writes")
        return Settings(budget, tuple(seeds), int(meta["real_samples"]), meta["exact"])
    except (KeyError, TypeError, InputError) as exc:
        raise _bad(where, f"its run settings cannot be read ({exc})") from None


def _read_sidecar(directory: Path) -> dict[str, Any]:
    """The sidecar of an atlas directory, checked (InputError when it is missing or not linnet's)."""
    path = directory / SIDECAR
    where = str(path)
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _bad(str(directory), f"no {SIDECAR}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _bad(where, f"cannot read it ({exc})") from None
    except ValueError as exc:
        raise _bad(where, f"not JSON ({exc})") from None
    if not isinstance(meta, dict):
        raise _bad(where, "not a JSON object")
    if meta.get("schema") != ATLAS_SCHEMA:
        raise _bad(where, f"schema {meta.get('schema')!r}, not {ATLAS_SCHEMA!r}")
    _settings_of(meta, where)
    for key in ("rows", "seconds"):
        value = meta.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
            raise _bad(where, f"{key} is {value!r}, not what linnet writes")
    return meta


def _one_line(exc: BaseException) -> str:
    """An exception's text whole, on one line (pandas' and pyarrow's may span several)."""
    return " ".join(str(exc).split())


def _read_rows(directory: Path) -> pd.DataFrame:
    """The rows of the dataset files: parquet when pyarrow is there and the file is, else csv."""
    import pandas as pd
    parquet, csv = directory / PARQUET, directory / CSV
    if parquet.is_file() and _has_pyarrow():
        try:
            frame = pd.read_parquet(parquet)
        except Exception as exc:     # pyarrow raises its own kinds for a damaged file
            raise _bad(str(parquet), f"cannot be read ({type(exc).__name__}: {_one_line(exc)})") from None
        return check_frame(frame, str(parquet))
    if not csv.is_file():
        raise _bad(str(directory), f"no {CSV}" + ("" if parquet.is_file() else f" and no {PARQUET}"))
    try:
        frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, ValueError, pd.errors.ParserError) as exc:
        raise _bad(str(csv), f"cannot be read ({_one_line(exc)})") from None
    return check_frame(frame, str(csv))


def load_atlas(path: str | os.PathLike) -> pd.DataFrame:
    """An atlas (the directory ``linnet atlas run`` writes) as a pandas DataFrame, one row per (widths, m).

    The columns are those of :data:`SCHEMA`, in its dtypes (nullable ``Int64`` integers: an empty cell is
    ``<NA>``); ``frame.attrs["atlas"]`` is the sidecar (budget, seeds, versions, machine, time, whether
    the atlas is complete). Read from ``atlas.parquet``, or from ``atlas.csv`` when pyarrow is not
    installed. Every row is checked against the schema: a directory that is not an atlas, or whose
    files are damaged, is an InputError saying what is wrong.
    """
    from ..validate import instance_of
    instance_of(path, "atlas", (str, os.PathLike), "a directory (str or pathlib.Path)")
    directory = Path(path)
    if not directory.is_dir():
        raise _bad(str(directory), "no such directory" if not directory.exists() else "not a directory")
    meta = _read_sidecar(directory)
    frame = _read_rows(directory)
    if len(frame) != meta["rows"]:
        raise _bad(str(directory), f"{SIDECAR} says {meta['rows']} rows, the dataset has {len(frame)} (a run "
                                   "stopped while writing: run it again to finish)")
    frame.attrs["atlas"] = meta
    return frame


@dataclass
class AtlasDirectory:
    """An atlas directory opened by a run: its settings, the rows it holds, the log of rows being
    added, and a lock that keeps a second run out while this one writes.

    Open it with :meth:`open`; :meth:`add` appends a finished row to the log (synced) at once,
    :meth:`write` rewrites the dataset files from every row, :meth:`close` releases the lock (and
    removes the log once the dataset is complete)."""

    path: Path
    settings: Settings
    rows: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    _log: IO[str] | None = None

    @classmethod
    def open(cls, path: str | os.PathLike, settings: Settings) -> AtlasDirectory:
        """Open (or create) the atlas directory ``path`` for a run with ``settings``: a new or empty
        directory starts an atlas; one that holds an atlas continues it, provided that it was made with
        the same settings or ``settings`` differ only by a budget that covers its own, which extends it
        (InputError naming the differences otherwise), keeping every row it holds.
        A directory with other files, or one another run is writing, is refused."""
        directory = Path(path)
        if directory.exists() and not directory.is_dir():
            raise InputError(f"atlas directory {directory}: a file, not a directory")
        if not directory.exists():
            if not directory.parent.is_dir():
                raise InputError(f"atlas directory {directory}: its parent {directory.parent} does not exist")
            try:
                directory.mkdir()
            except OSError as exc:
                raise InputError(f"atlas directory {directory}: cannot create it ({exc.strerror or exc})") from None
        if not os.access(directory, os.W_OK | os.X_OK):
            raise InputError(f"atlas directory {directory}: not writable")
        atlas = cls(directory, settings)
        if (directory / SIDECAR).exists():
            atlas.meta = _read_sidecar(directory)
            theirs = _settings_of(atlas.meta, str(directory / SIDECAR))
            differ = theirs.differences(settings)
            if differ:
                raise InputError(f"atlas directory {directory} holds an atlas made with other settings: "
                                 f"{'; '.join(differ)}. Run with its settings to continue it, or choose another "
                                 "directory")
        elif any(p.name != LOG for p in directory.iterdir()):   # (a log alone: a run stopped as it began)
            raise InputError(f"atlas directory {directory}: not empty and not an atlas (no {SIDECAR}): choose a "
                             "new or empty directory")
        atlas._lock()
        try:
            if atlas.meta and ((directory / PARQUET).exists() or (directory / CSV).exists()):
                frame = _read_rows(directory)
                atlas.rows.update(_keyed(frame.astype(object).where(frame.notna(), None).to_dict("records")))
            records, complete_bytes = _read_log(directory / LOG)
            atlas.rows.update(_keyed(records))
            if (directory / LOG).stat().st_size > complete_bytes:   # a row cut short: the next goes on its own line
                os.truncate(directory / LOG, complete_bytes)
        except BaseException:
            atlas.close(complete=False)
            raise
        return atlas

    def _lock(self) -> None:
        import fcntl
        try:
            self._log = open(self.path / LOG, "a", encoding="utf-8")
        except OSError as exc:
            raise InputError(f"atlas directory {self.path}: cannot write {LOG} ({exc.strerror or exc})") from None
        try:
            fcntl.flock(self._log.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._log.close()
            self._log = None
            raise InputError(f"atlas directory {self.path}: another linnet run is writing it") from None

    def add(self, record: dict[str, Any]) -> None:
        """Keep a finished row: checked against the schema, appended to the log and synced to disk."""
        check_frame(_one(record), f"row {record.get('widths')} m={record.get('m')}")
        assert self._log is not None, "the directory is closed"
        # among the rows first: Ctrl-C while the log is written still leaves it in the files written then
        self.rows.update(_keyed([record]))
        self._log.write(json.dumps(record, default=_plain) + "\n")
        self._log.flush()
        os.fsync(self._log.fileno())

    def write(self, complete: bool, seconds: float = 0.0, rows_in_budget: int | None = None) -> pd.DataFrame:
        """Rewrite the dataset files from every row (each file atomically, the sidecar last), adding
        ``seconds`` to the atlas's total time; returns the rows as written."""
        from ..export import json_text
        from ..output_files import atomic_open, write_text_atomic
        frame = atlas_frame(self.rows.values())
        files = [CSV]
        if _has_pyarrow():
            with atomic_open(self.path / PARQUET, "atlas", binary=True) as fh:
                frame.to_parquet(fh, index=False)
            files.insert(0, PARQUET)
        elif (self.path / PARQUET).exists():     # a parquet file without these rows would be read first
            (self.path / PARQUET).unlink()
        write_text_atomic(frame.to_csv(index=False), self.path / CSV, "atlas")
        self.meta = {
            "schema": ATLAS_SCHEMA, "linnet_version": linnet_version(),
            "created": self.meta.get("created", _now()), "updated": _now(),
            "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
            **self.settings.to_dict(), "engine": "native",
            "seconds": round(float(self.meta.get("seconds", 0.0)) + seconds, 2),
            "rows": len(frame), "rows_in_budget": rows_in_budget if rows_in_budget is not None
            else self.meta.get("rows_in_budget"), "complete": complete, "files": files,
            "columns": [{"name": n, "dtype": t, "meaning": m} for n, t, m in SCHEMA]}
        write_text_atomic(json_text(self.meta) + "\n", self.path / SIDECAR, "atlas")
        return frame

    def close(self, complete: bool) -> None:
        """Release the directory; once it is ``complete`` (the dataset holds every row), its log goes."""
        if self._log is None:
            return
        if complete:
            try:
                (self.path / LOG).unlink()
            except FileNotFoundError:
                pass
        self._log.close()
        self._log = None


def _one(record: dict[str, Any]) -> pd.DataFrame:
    import pandas as pd
    return pd.DataFrame([record], columns=list(COLUMNS), dtype=object)


def _keyed(records: Iterable[dict[Any, Any]]) -> dict[tuple[str, int], dict[str, Any]]:
    return {(str(r["widths"]), int(r["m"])): {c: _plain(r[c]) for c in COLUMNS} for r in records}


def _plain(value: Any) -> Any:
    """A cell as a plain Python value (numpy and pandas scalars, NA as None) for JSON."""
    if value is None:
        return None
    try:
        import pandas as pd
        if value is pd.NA:
            return None
    except ImportError:
        pass
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _read_log(path: Path) -> tuple[list[dict[str, Any]], int]:
    """The rows of an unfinished run's log, checked, and the bytes its complete lines take. A last line
    cut short (a crash while it was written) is left out: its row is in the dataset files written then,
    or not finished; any other line that is not a row is an InputError."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return [], 0
    except OSError as exc:
        raise _bad(str(path), f"cannot be read ({exc})") from None
    complete = data.rfind(b"\n") + 1
    records = []
    for k, line in enumerate(data[:complete].splitlines(), 1):
        try:
            rec = json.loads(line.decode("utf-8"))
        except ValueError:     # UnicodeDecodeError included
            raise _bad(str(path), f"line {k} is not a row (not JSON)") from None
        if not isinstance(rec, dict) or set(rec) != set(COLUMNS):
            raise _bad(str(path), f"line {k} is not a row of {ATLAS_SCHEMA}")
        check_frame(_one(rec), f"{path}, line {k}")
        records.append(rec)
    return records, complete


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
