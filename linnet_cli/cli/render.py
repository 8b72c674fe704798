"""Rich renderings for the terminal: summaries, pattern tables (as the thesis's Figure 3.1), bounds."""
from __future__ import annotations

from typing import Any
from collections.abc import Callable, Sequence

from rich import box
from rich.console import Console, ConsoleOptions, Group, JustifyMethod, RenderResult
from rich.measure import Measurement
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..checks.bounds import BoundsRow, bounds_records
from ..model.classify import Kind
from ..export import thousands
from .columns import BOUNDS_COLUMNS, TABLE_COLUMNS, Column
from ..result import SolveResult

#: Rows shown at most in the terminal tables of patterns and real points (all are in --format json/csv).
MAX_ROWS = 40


def plain(text: str) -> Text:
    """User text (a title, a file name) as it is: no rich markup, and control characters such as
    ESC shown as escapes instead of reaching the terminal."""
    return Text("".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text))


def fmt(v: Any) -> str:
    """A cell: '—' for undefined values, every count with thousands separators (``59,049``: one rule for
    every count a person reads; csv and json have none). Seeds are identifiers: written with ``str``."""
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return thousands(v)
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


class Fitted:
    """A renderable that is built for the width it is printed in (the terminal's, or the page of a file):
    ``make(width)`` gives the renderables."""

    def __init__(self, make: Callable[[int], list]) -> None:
        self.make = make

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from self.make(options.max_width)


def _width(console: Console, options: ConsoleOptions, renderable: Any) -> int:
    """The width a renderable asks for when nothing constrains it."""
    return Measurement.get(console, options.update(width=10_000), renderable).maximum


def fit_columns(make: Callable[[list[Column]], Table], chosen: list[Column], width: int, hide: bool,
                console: Console | None = None) -> tuple[list[Table], list[Column]]:
    """Tables of the ``chosen`` columns that fit ``width`` without cutting a cell: with ``hide``, columns
    are hidden in their give-way order until the table fits (returned as the second item); else (columns
    asked for by name) the columns are split over several tables, each repeating the row labels."""
    con = console or Console(width=width)
    opts = con.options

    def fits(cols: list[Column]) -> bool:
        return _width(con, opts, make(cols)) <= width
    cols = list(chosen)
    if fits(cols):
        return [make(cols)], []
    if hide:
        hidden: list[Column] = []
        while not fits(cols):
            can = [c for c in cols if c.give_way is not None]
            if not can:
                break
            drop = min(can, key=lambda c: c.give_way or 0)   # every give_way in can is set
            cols.remove(drop)
            hidden.append(drop)
        return [make(cols)], [c for c in chosen if c in hidden]
    groups: list[list[Column]] = [[]]
    for c in cols:
        if groups[-1] and not fits(groups[-1] + [c]):
            groups.append([])
        groups[-1].append(c)
    return [make(g) for g in groups], []


def pattern_matrix(m) -> str:
    """A 0/1 matrix drawn with '*' for entries that may be nonzero and '0' for zero entries."""
    return "\n".join(" ".join("*" if v else "0" for v in row) for row in m)


def solve_summary(result: SolveResult) -> Panel:
    net = result.instance.network
    s = result.to_dict(solutions=False)
    b = result.bounds
    extra: list = []
    t = Table.grid(padding=(0, 2))
    t.add_column(style="bold")
    t.add_column()
    t.add_column(style="bold")
    t.add_column()
    t.add_row("network", net.label() + (f" m={result.instance.m}" if result.instance.m != 1 else ""),
              "weights N", fmt(net.N))
    t.add_row("instance", plain(result.instance.source), "seed", str(result.seed))
    t.add_row("engine", result.engine, "time", f"{result.seconds:.2f} s")
    t.add_row("N_C (complex)", fmt(result.n_complex), "CBB", fmt(b.CBB) if b else "—")
    bkk = "—" if b is None else fmt(b.BKK) if b.BKK is not None else "not computed (see linnet bounds)"
    t.add_row("N_C* (torus)", fmt(result.n_torus), "BKK", bkk)
    t.add_row("N_R (real)", fmt(result.n_real), "B_C", fmt(b.B_C) if b else "—")
    t.add_row("local minima", f"{fmt(s['n_local_minima'])} ({fmt(s['n_spurious_local_minima'])} spurious)",
              "B_C*", fmt(b.B_C_star) if b else "—")
    failed = Text(fmt(result.n_failed), style="bold red" if result.n_failed else "green")
    t.add_row("paths tracked", fmt(result.paths_tracked), "failed paths", failed)
    if result.extended_paths is not None:
        t.add_row("extended precision", f"{fmt(result.extended_paths)} paths", "settled by endgame",
                  f"{fmt(result.endgame_paths)} paths")
    if result.monodromy_failed_loops:
        t.add_row("", "", "loops not closed", fmt(result.monodromy_failed_loops))
    if result.completeness is not None:
        c = result.completeness
        style = "green" if c.overall.value != "not verified" else "bold yellow"
        exact = result.exact
        lines = c.trace_lines()
        shown = ("" if exact is None else "positive-dimensional" if exact.positive_dimensional
                 else f"{fmt(exact.n_complex)} / {fmt(exact.n_torus)}")
        t.add_row("completeness", Text(c.overall.value, style=style), "msolve N_C/N_C*" if exact else "", shown)
        if lines:   # the trace test's numbers, on lines of their own across the panel
            trace = Table.grid(padding=(0, 2))
            trace.add_column(style="bold")
            trace.add_column()
            trace.add_row("trace test", "\n".join([lines[0].replace("trace test ", "")] + lines[1:]))
            extra.append(trace)
    cert = result.certification
    if cert is not None:
        proved = " — count proved (meets B_C)" if cert.proves_count else ""
        t.add_row("certified", f"{fmt(cert.n_certified)} of {fmt(result.n_complex)}{proved}", "certified real / torus",
                  f"{fmt(cert.n_certified_real)} / {fmt(cert.n_certified_torus)}")
    if result.special_data:
        # special data: what the homotopy from generic data found besides simple isolated points
        multiple = [p.multiplicity for p in result.points if p.multiplicity > 1]
        t.add_row("special data", Text("yes (see the warnings)", style="yellow"), "with multiplicity",
                  fmt(sum(p.multiplicity for p in result.points)))
        t.add_row("multiple points", fmt(len(multiple)), "paths to infinity", fmt(result.diverged_paths))
        if result.positive_dimensional:
            t.add_row("on positive-dim. sets", Text(f"{fmt(len(result.positive_dimensional))} point(s), not counted",
                                                     style="bold yellow"), "", "")
    elif result.singular_endpoints:
        t.add_row("singular endpoints", Text(fmt(result.singular_endpoints), style="bold red"), "", "")
    return Panel(Group(t, *extra), title="linnet solve", expand=False)


def pattern_table(result: SolveResult) -> Table:
    """Zero patterns with their numbers of critical points, drawn like the thesis's Figure 3.1."""
    net = result.instance.network
    t = Table(title="Zero patterns (* = nonzero)", show_lines=True)
    for i in range(net.n_layers):
        t.add_column(f"W{i + 1}", justify="center")
    t.add_column("dead neurons")
    t.add_column("solutions", justify="right")
    t.add_column("real", justify="right")
    rows = sorted(result.pattern_counts(), key=lambda r: -r[1])
    for pat, n, r in rows[:MAX_ROWS]:
        t.add_row(*[pattern_matrix(m) for m in pat.matrices()], pat.describe(), fmt(n), fmt(r))
    if len(rows) > MAX_ROWS:
        t.caption = f"{len(rows) - MAX_ROWS} more pattern(s) in the JSON and CSV output"
    return t


def real_table(result: SolveResult) -> Table:
    t = Table(title="Real critical points, by loss")
    for c in ("#", "loss", "Morse index", "kind", "zero pattern"):
        t.add_column(c, justify="right" if c in ("#", "loss", "Morse index") else "left")
    pts = sorted(result.real(), key=lambda p: p.loss.real)
    for k, p in enumerate(pts[:MAX_ROWS], 1):
        style = "green" if p.kind is Kind.GLOBAL_MINIMUM else ("yellow" if p.kind.is_minimum else None)
        t.add_row(str(k), f"{p.loss.real:.10g}", fmt(p.morse_index), Text(p.kind_text, style=style or ""),
                  p.pattern.describe())
    if len(pts) > MAX_ROWS:
        t.caption = f"{len(pts) - MAX_ROWS} more real point(s) in the JSON and CSV output"
    return t


def _coordinate(v: complex, real: bool) -> str:
    """A coordinate: 6 significant digits for a real point, 4 for each part of a non-real one (the
    digits shown are correctly rounded; every digit is in --format json/csv)."""
    return f"{v.real:.6g}" if real else f"{v.real:.4g}{v.imag:+.4g}i"


def solutions_table(result: SolveResult) -> Fitted:
    """Every critical point with its coordinates (--show-solutions): one column per weight when that
    fits the width, else per point the weights as ``name=value`` wrapped between weights, never
    inside a number."""
    names = result.instance.network.variable_names()
    rows = [(k, p.kind_text, [_coordinate(v, p.is_real) for v in p.w]) for k, p in enumerate(result.points)]

    def wide() -> Table:
        t = Table(title="All critical points")
        t.add_column("#", justify="right", no_wrap=True)
        t.add_column("kind", no_wrap=True)
        for n in names:
            t.add_column(n, justify="right", no_wrap=True)
        for k, kind, cells in rows:
            t.add_row(str(k), kind, *cells)
        return t

    def make(width: int) -> list:
        t = wide()
        if _width(Console(width=width), Console(width=width).options, t) <= width:
            return [t]
        t = Table(title="All critical points", show_lines=True,
                  caption="real points: 6 significant digits; others: 4 per part (all digits in --format json)")
        t.add_column("#", justify="right", no_wrap=True)
        t.add_column("kind", overflow="fold")
        t.add_column("coordinates", overflow="fold")
        for k, kind, cells in rows:
            t.add_row(str(k), kind, Text("  ".join(f"{n}={c}" for n, c in zip(names, cells))))
        return [t]
    return Fitted(make)


def solve_view(result: SolveResult, show_solutions: bool = False) -> Group:
    parts: list[Any] = [solve_summary(result), pattern_table(result)]
    if result.real():
        parts.append(real_table(result))
    if show_solutions:
        parts.append(solutions_table(result))
    return Group(*parts)


def _shape_columns(records: list[dict[str, Any]], uniform: bool) -> tuple[list[str], str]:
    """The shape columns worth a column (d, dx, dy or widths; H and m where they vary) and, for H and m
    the same in every row, a note saying their value."""
    cols = ["d", "dx", "dy"] if uniform else ["widths"]
    same = []
    for c in ("H", "m"):
        values = {r[c] for r in records}
        if len(values) > 1 or (c == "H" and not uniform):
            cols.append(c)
        elif values:
            same.append(f"{c} = {values.pop()}")
    return cols, ", ".join(same)


def _hidden_note(hidden: list[Column]) -> str:
    return (f"Hidden to fit the width: {', '.join(c.head for c in hidden)} (--columns all shows every column, "
            "--columns a,b,c picks them)." if hidden else "")


def bounds_view(rows: Sequence[BoundsRow], columns: list[Column] | None = None) -> Fitted:
    """The bounds of several shapes; unequal widths replace the column d (undefined there). Columns that
    do not fit the width are hidden (CBB first) unless ``columns`` names them."""
    records, cols = bounds_records(list(rows))
    uniform = "widths" not in cols
    shape, same = _shape_columns(records, uniform)
    chosen = list(columns) if columns is not None else list(BOUNDS_COLUMNS)

    def make_table(cs: list[Column]) -> Table:
        t = Table(title="Bounds on the number of critical points" + (f" ({same})" if same else ""),
                  box=box.SIMPLE_HEAD, collapse_padding=True, pad_edge=False, show_edge=False,
                  caption_justify="left")
        for s in shape:
            t.add_column(s, justify="right", no_wrap=True)
        for c in cs:
            t.add_column(c.head, justify="right", overflow="fold")   # folded, never cut, if it must
        for r in records:
            t.add_row(*[fmt(r.get(c)) for c in shape], *[fmt(r.get(c.key)) for c in cs])
        return t

    def make(width: int) -> list:
        tables, hidden = fit_columns(make_table, chosen, width, columns is None)
        tables[-1].caption = " ".join(p for p in (
            "CBB = (2H+1)^N; BKK = mixed volume with the origin (C^N), BKK* torus only; B_C = (1+4d_y)^d, "
            "B_C* = (4d_y)^d, proved for H = 1, m = 1 (— elsewhere).", _hidden_note(hidden)) if p)
        return tables
    return Fitted(make)


def engines_view(status: Sequence[tuple[str, bool, str]]) -> Table:
    """Which engines (and optional tools) can be used here: (name, available, version or reason)."""
    t = Table(title="linnet engines")
    for c in ("engine", "available", "details"):
        t.add_column(c)
    for name, ok, why in status:
        t.add_row(name, "[green]yes[/green]" if ok else "[red]no[/red]", Text(why))
    return t


#: How a published value not reproduced is marked in a table cell, by audit label.
AUDIT_MARKS = {"impossible": ("‼", "bold red"), "mismatch": ("✗", "bold red"), "sampling": ("~", "yellow")}


def _audit_cell(shown: Any, verdict) -> Text:
    """linnet's value, and the published one with its audit mark when it is not reproduced."""
    if verdict is None or verdict.label == "not computed":
        return Text(fmt(shown))
    if verdict.label == "reproduced" and shown == verdict.published:
        return Text(f"{fmt(shown)} ✓", style="green")
    mark, style = AUDIT_MARKS.get(verdict.label, ("✓", "green"))
    return Text(f"{fmt(shown)} ({fmt(verdict.published)} {mark})", style=style)


def default_table_columns(run) -> list[Column]:
    """The thesis's columns for a run (no B_C columns when no row has them, as in Table 3.2), with linnet's
    own columns added where a row needs attention: failed paths, a count not verified, instances not
    all certified; and the sampled maximum next to the search's."""
    res = run.results
    want = {c.key for c in TABLE_COLUMNS if c.thesis}
    if res and all(r.B_C is None for r in res):
        want -= {"B_C", "B_C_star"}
    if any(r.search_max_N_R is not None for r in res):
        want.add("sampled")
    if any(r.failed_paths + r.N_C_mismatch_instances for r in res):
        want.add("failed")
    if any(r.completeness not in ("trace test", "rank test", "proven", "exact") for r in res):
        want.add("complete")
    if any(r.certified_instances is not None and r.certified_instances != r.samples for r in res):
        want.add("certified")
    return [c for c in TABLE_COLUMNS if c.key in want]


def table_cell(r, col: Column, verdicts: dict) -> Any:
    """The value of one column of a table row (a count with its audit mark, or linnet's own)."""
    from ..studies.audit import best_real
    if col.key in ("N", "CBB", "BKK", "B_C", "B_C_star", "N_C", "N_C_star"):
        return _audit_cell(getattr(r, col.key), verdicts.get(col.key))
    if col.key == "max_N_R":
        return _audit_cell(best_real(r)[0], verdicts.get("max_N_R"))
    if col.key == "BKK_torus":
        return fmt(r.BKK_torus)
    if col.key == "sampled":
        return fmt(r.max_N_R)
    if col.key == "spurious":
        return fmt(r.spurious_minimum_instances)
    if col.key == "failed":
        failed = r.failed_paths + r.N_C_mismatch_instances
        return Text(fmt(failed), style="bold red" if failed else "green")
    if col.key == "complete":
        verified = r.completeness in ("trace test", "rank test", "proven", "exact")
        return Text({"trace test": "trace", "rank test": "rank"}.get(r.completeness or "", r.completeness or "no"),
                    style="green" if verified else "bold yellow")
    if col.key == "certified":
        c = r.certified_instances
        if c is None:
            return "—"
        return Text(f"{fmt(c)}/{fmt(r.samples)}", style="green" if c == r.samples else "bold red")
    if col.key == "seconds":
        return f"{r.seconds:.1f}"
    raise KeyError(col.key)


def hidden_summary(run, shown: list[Column]) -> str:
    """What linnet's own columns that are not shown would say (they are shown when they flag a row)."""
    res, keys = run.results, {c.key for c in shown}
    said = []
    if "failed" not in keys and res and not any(r.failed_paths + r.N_C_mismatch_instances for r in res):
        said.append("no failed path in any row")
    if "complete" not in keys and res and all(r.completeness in ("trace test", "rank test") for r in res):
        said.append("every generic count verified (trace or rank test)")
    if "spurious" not in keys and res:
        rows = [str(k) for k, r in enumerate(res, 1) if r.spurious_minimum_instances]
        said.append("no instance with a spurious local minimum" if not rows else
                    "instances with a spurious local minimum in every row" if len(rows) == len(res) else
                    "instances with a spurious local minimum in row(s) " + ", ".join(rows))
    text = "; ".join(said)
    return text[:1].upper() + text[1:] + "." if text else ""


def table_view(run, columns: list[Column] | None = None) -> Fitted:
    """The rows of a ``linnet table`` run with published values compared (and audited) at a glance: the
    thesis's columns that fit the width (``columns``: those named, split over several tables if they
    do not fit)."""
    from ..studies.audit import audit_row
    spec = run.spec
    uniform = all(r.d is not None for r in run.results)
    records = [{"H": r.H, "m": r.m} for r in run.results]
    shape, same = _shape_columns(records, uniform)
    verdicts = [audit_row(r, spec.published.get(r.key)) for r in run.results]
    chosen = list(columns) if columns is not None else default_table_columns(run)
    title = plain(spec.title + f" — {spec.samples} instances per row"
                  + (f", {same}" if same and same not in spec.title else ""))

    def make_table(cs: list[Column]) -> Table:
        t = Table(title=title, box=box.SIMPLE_HEAD, collapse_padding=True, pad_edge=False, show_edge=False,
                  caption_justify="left")
        t.add_column("#", justify="right", no_wrap=True)
        for s in shape:
            t.add_column(s, justify="right", no_wrap=True)
        for c in cs:
            t.add_column(c.head, justify="right", overflow="fold")   # folded, never cut, if it must
        for k, (r, v) in enumerate(zip(run.results, verdicts), 1):
            t.add_row(str(k), *[fmt(getattr(r, c)) for c in shape], *[table_cell(r, c, v) for c in cs])
        return t

    def make(width: int) -> list:
        tables, hidden = fit_columns(make_table, chosen, width, columns is None)
        shown = [c for c in chosen if c not in hidden]
        keys = {c.key for c in shown}
        legend = ["✓ = published value reproduced; in parentheses a published value that is not: ‼ impossible, "
                  "✗ mismatch, ~ sampling (see the audit)."]
        if "max_N_R" in keys:
            legend.append("max N_R: the most real critical points found"
                          + (" (sampled: among the random instances; the search raised it)." if "sampled" in keys
                             else ", among the random instances."))
        own = {"spurious": "spurious = instances with a non-global real local minimum",
               "failed": "failed = failed paths + instances whose N_C differs from the generic count",
               "complete": "complete = the generic solve's evidence (trace test, rank test, or no)",
               "certified": "certified = instances whose every point was proved",
               "seconds": "s = seconds"}
        notes = [own[k] for k in own if k in keys]
        if notes:
            legend.append("; ".join(notes) + ".")
        legend += [p for p in (hidden_summary(run, shown), _hidden_note(hidden)) if p]
        tables[-1].caption = " ".join(legend)
        return tables
    return Fitted(make)


def audit_view(run) -> Table | None:
    """The published values a run does not reproduce, each labelled with its reason; None when none."""
    from ..studies.audit import audit_row, name
    t = Table(title="Audit of the published values not reproduced")
    aligned: list[tuple[str, JustifyMethod]] = [("#", "right"), ("column", "left"), ("published", "right"),
                                                ("linnet", "right"), ("label", "left"), ("why", "left")]
    for c, j in aligned:
        # the reason wraps between words; a number too wide for its column is folded, never cut
        t.add_column(c, justify=j, no_wrap=c in ("#", "column", "label"), overflow="fold")
    for k, r in enumerate(run.results, 1):
        for v in audit_row(r, run.spec.published.get(r.key)).values():
            if v.label in AUDIT_MARKS:
                t.add_row(str(k), name(v.column), fmt(v.published), fmt(v.ours),
                          Text(v.label, style=AUDIT_MARKS[v.label][1]), Text(v.reason))
    return t if t.row_count else None


def histogram_view(result, width: int = 40) -> Panel:
    """The distribution of N_R over a row's instances, as horizontal bars (the thesis's Figure 3.2)."""
    hist = result.N_R_histogram
    top = max(hist.values())
    lines = []
    for n in range(min(hist), max(hist) + 1, 2 if all(k % 2 == min(hist) % 2 for k in hist) else 1):
        c = hist.get(n, 0)
        lines.append(f"N_R = {fmt(n):>3} │{'█' * round(width * c / top):<{width}} {fmt(c)}")
    label = f"d={result.d} dx={result.dx} dy={result.dy}" if result.d is not None else f"widths {result.widths}"
    return Panel("\n".join(lines), title=f"N_R over {result.samples} instances, {label}", expand=False)


def maxreal_view(result) -> Group:
    """A search for the most real critical points: the record next to N_C, the sampled maximum and the
    thesis's value; the record's history; its zero patterns and real critical points."""
    from ..result import SolveResult
    net = result.network
    t = Table.grid(padding=(0, 2))
    for style in ("bold", None, "bold", None):
        t.add_column(style=style)
    t.add_row("network", net.label() + (f" m={result.m}" if result.m != 1 else ""), "weights N", fmt(net.N))
    t.add_row("N_C (complex)", fmt(result.n_complex), "N_C* (torus)", fmt(result.n_torus))
    found = ("a sampled instance" if result.found_by == "sampling" else
             f"search, after {fmt(result.history[-1][0])} candidates, {result.history[-1][1]:.1f} s")
    t.add_row("record N_R", Text(fmt(result.record), style="bold green"), "found by", found)
    cert = result.certification
    if cert is not None:
        ok = cert.n_certified_real >= result.record
        t.add_row("certified real", Text(f"{fmt(cert.n_certified_real)} of {fmt(result.record)}",
                                         style="green" if ok else "bold red"),
                  "certified points", f"{fmt(cert.n_certified)} of {fmt(result.n_complex)}")
    t.add_row("sampled max N_R", f"{fmt(result.sampled_max)} ({fmt(result.samples)} instances)", "published max N_R",
              "—" if result.published is None else f"{fmt(result.published)} ({result.published_table})")
    gens = f"{fmt(result.generations)} generation{'s' if result.generations != 1 else ''}"
    t.add_row("candidates", f"{fmt(result.candidates)} in {gens}", "restarts",
              f"{fmt(result.restarts)} ({fmt(result.incomplete)} candidates with failed paths left out)")
    t.add_row("support", "any real Λ" if result.allow_negative else "Λ > 0", "distribution", result.distribution)
    t.add_row("seed", str(result.seed), "time", f"{result.seconds:.1f} s (sampling {result.sampling_seconds:.1f} s)")
    parts: list[Any] = [Panel(t, title="linnet maxreal", expand=False)]
    hist = Table(title="Record N_R over the run")
    for c in ("candidates", "seconds", "N_R"):
        hist.add_column(c, justify="right")
    for c, sec, n in result.history:
        hist.add_row("sampled" if c == 0 else fmt(c), f"{sec:.1f}", fmt(n))
    parts.append(hist)
    record = SolveResult(result.instance, result.engine, result.seed, result.points,
                         list(dict.fromkeys(p.pattern for p in result.points)), 0, {}, 0, result.seconds)
    parts.append(pattern_table(record))
    if record.real():
        parts.append(real_table(record))
    return Group(*parts)
