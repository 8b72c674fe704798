"""Table definitions: which rows a table has, how many instances each, its seed, distribution, engine
and the published values it is compared with, read from TOML (``linnet table CONFIG``), from the
presets shipped with linnet (``--preset``) or built from shape ranges (a sweep).

A sweep's ranges can name millions of rows: they are size-checked (:func:`check_sweep`) before the rows
are built.
"""
from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..engines import EngineSpec
from ..errors import InputError, opt
from ..model.network import Network, parse_widths
from .published import PRESETS, Published, all_published, read_published
from .rows import RowSpec, sweep_corner, sweep_rows

if TYPE_CHECKING:
    from .compute import RowResult

__all__ = ["TableSpec", "load_table_spec", "load_preset", "check_sweep"]


_TOP_KEYS = {"title", "samples", "seed", "distribution", "published", "histograms", "sweep", "rows", "engine"}
_SWEEP_KEYS = {"d", "dx", "dy", "H", "m", "exclude"}
_ROW_KEYS = {"d", "dx", "dy", "H", "m", "widths"}


@dataclass
class TableSpec:
    """A table definition: rows, sampling, seed and (optionally) published values to compare with."""

    title: str
    rows: list[RowSpec]
    samples: int = 100
    seed: int = 0
    distribution: str = "default"
    published: Published = field(default_factory=dict)
    histograms: list[str] = field(default_factory=list)   # row keys whose N_R histogram is shown
    engine: EngineSpec = field(default_factory=EngineSpec)

    def sweep(self, rows: list[RowSpec]) -> TableSpec:
        """This spec's settings over other rows: a sweep, compared with every published table's values
        where a row is one of theirs, and the histogram of its last (largest) row shown."""
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


def check_sweep(d: str, dx: str, dy: str, H: str = "1", m: str = "1", samples: int = 100, jobs: int = 1,
                force: bool = False) -> list[str]:
    """Refuse (InputError) a sweep that cannot fit in memory before its rows are built (ranges can name
    millions): the estimate of its largest row (every range at its maximum) and of its row list
    (:func:`linnet_cli.cost.table_estimate`), unless ``force``. Returns the estimate's warnings."""
    from .. import cost
    corner, count = sweep_corner(d, dx, dy, H, m)
    return cost.check(cost.table_estimate([(corner.network, corner.m)], samples, jobs, count), force)


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
        d, dx, dy, H, m = (str(sw.get(k, "1")) for k in ("d", "dx", "dy", "H", "m"))
        if path is not None:    # refuse a sweep too large before building its rows (linnet's own table is small)
            check_sweep(d, dx, dy, H, m, samples=samples, force=force)
        rows += sweep_rows(d, dx, dy, H, m, exclude=excl)
    for i, r in enumerate(conf.get("rows", []), 1):
        rows.append(_row_from(r, f"{name}: rows[{i}]"))
    if not rows:
        raise InputError(f"{name}: no rows (give a [sweep] or [[rows]])")
    published: Published = {}
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
