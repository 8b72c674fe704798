"""Rich renderings for the terminal: summaries, pattern tables (as the thesis's Figure 3.1), bounds."""
from __future__ import annotations

from typing import Any, Sequence

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .bounds import BoundsRow, bounds_records
from .classify import Kind
from .result import SolveResult

#: Rows shown at most in the terminal tables of patterns and real points (all are in --format json/csv).
MAX_ROWS = 40


def plain(text: str) -> Text:
    """User text (a title, a file name) as it is: no rich markup, and control characters such as
    ESC shown as escapes instead of reaching the terminal."""
    return Text("".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text))


def fmt(v: Any) -> str:
    """A cell: '—' for undefined values, thousands grouped for large integers."""
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v:,}" if abs(v) >= 100_000 else str(v)
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def pattern_matrix(m) -> str:
    """A 0/1 matrix drawn with '*' for entries that may be nonzero and '0' for zero entries."""
    return "\n".join(" ".join("*" if v else "0" for v in row) for row in m)


def solve_summary(result: SolveResult) -> Panel:
    net = result.instance.network
    s = result.summary()
    b = result.bounds
    t = Table.grid(padding=(0, 2))
    t.add_column(style="bold")
    t.add_column()
    t.add_column(style="bold")
    t.add_column()
    t.add_row("network", net.label() + (f" m={result.instance.m}" if result.instance.m != 1 else ""),
              "weights N", str(net.N))
    t.add_row("instance", plain(result.instance.source), "seed", fmt(result.seed))
    t.add_row("engine", result.engine, "time", f"{result.seconds:.2f} s")
    t.add_row("N_C (complex)", str(result.n_complex), "CBB", fmt(b.CBB) if b else "—")
    bkk = "—" if b is None else fmt(b.BKK) if b.BKK is not None else "not computed (see linnet bounds)"
    t.add_row("N_C* (torus)", str(result.n_torus), "BKK", bkk)
    t.add_row("N_R (real)", str(result.n_real), "B_C", fmt(b.B_C) if b else "—")
    t.add_row("local minima", f"{s['n_local_minima']} ({s['n_spurious_local_minima']} spurious)",
              "B_C*", fmt(b.B_C_star) if b else "—")
    failed = Text(str(result.n_failed), style="bold red" if result.n_failed else "green")
    t.add_row("paths tracked", str(result.paths_tracked), "failed paths", failed)
    if result.monodromy_failed_loops:
        t.add_row("", "", "loops not closed", str(result.monodromy_failed_loops))
    if result.completeness is not None:
        c = result.completeness
        style = "green" if c.overall.value != "not verified" else "bold yellow"
        exact = result.exact
        t.add_row("completeness", Text(c.describe(), style=style),
                  "msolve N_C/N_C*" if exact else "", f"{exact.n_complex} / {exact.n_torus}" if exact else "")
    cert = result.certification
    if cert is not None:
        proved = " — count proved (meets B_C)" if cert.proves_count else ""
        t.add_row("certified", f"{cert.n_certified} of {result.n_complex}{proved}", "certified real / torus",
                  f"{cert.n_certified_real} / {cert.n_certified_torus}")
    if result.singular_endpoints:
        t.add_row("singular endpoints", Text(str(result.singular_endpoints), style="bold red"), "", "")
    return Panel(t, title="linnet solve", expand=False)


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
        t.add_row(*[pattern_matrix(m) for m in pat.matrices()], pat.describe(), str(n), str(r))
    if len(rows) > MAX_ROWS:
        t.caption = f"{len(rows) - MAX_ROWS} more pattern(s) in the JSON and CSV output"
    return t


def real_table(result: SolveResult) -> Table:
    t = Table(title="Real critical points, by loss")
    for c in ("#", "loss", "Morse index", "kind", "zero pattern"):
        t.add_column(c, justify="right" if c in ("#", "loss", "Morse index") else "left")
    pts = sorted(result.real(), key=lambda p: p.loss.real)
    for k, p in enumerate(pts[:MAX_ROWS], 1):
        style = "green" if p.category is Kind.GLOBAL_MINIMUM else ("yellow" if p.category.is_minimum else None)
        t.add_row(str(k), f"{p.loss.real:.10g}", fmt(p.morse_index), Text(p.kind, style=style or ""),
                  p.pattern.describe())
    if len(pts) > MAX_ROWS:
        t.caption = f"{len(pts) - MAX_ROWS} more real point(s) in the JSON and CSV output"
    return t


def solutions_table(result: SolveResult) -> Table:
    """Every critical point with its coordinates (--show-solutions)."""
    names = result.instance.network.variable_names()
    t = Table(title="All critical points")
    t.add_column("#", justify="right")
    t.add_column("kind")
    for n in names:
        t.add_column(n, justify="right")
    for k, p in enumerate(result.points):
        cells = [f"{v.real:.6g}" if p.is_real else f"{v.real:.4g}{v.imag:+.4g}i" for v in p.w]
        t.add_row(str(k), p.kind, *cells)
    return t


def solve_view(result: SolveResult, show_solutions: bool = False) -> Group:
    parts: list[Any] = [solve_summary(result), pattern_table(result)]
    if result.real():
        parts.append(real_table(result))
    if show_solutions:
        parts.append(solutions_table(result))
    return Group(*parts)


def bounds_view(rows: Sequence[BoundsRow]) -> Table:
    """The bounds of several shapes; unequal widths replace the column d (undefined there)."""
    records, cols = bounds_records(list(rows))
    if "widths" in cols:
        cols = ["widths"] + cols[1:-1]
    t = Table(title="Bounds on the number of critical points",
              caption="CBB = (2H+1)^N; BKK = mixed volume with the origin (C^N), BKK* torus only; "
                      "B_C = (1+4d_y)^d, B_C* = (4d_y)^d for H=1, m=1")
    for c in cols:
        t.add_column(c.replace("B_C_star", "B_C*").replace("BKK_torus", "BKK*"), justify="right")
    for r in records:
        t.add_row(*[fmt(r.get(c)) for c in cols])
    return t


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


def table_view(run) -> Table:
    """The rows of a ``linnet table`` run with published values compared (and audited) at a glance."""
    from .audit import audit_row, best_real
    spec = run.spec
    uniform = all(r.d is not None for r in run.results)
    t = Table(title=plain(spec.title + f" — {spec.samples} instances per row"))
    shape_cols = ["d", "dx", "dy"] if uniform else ["widths"]
    if any(r.H != 1 for r in run.results) or not uniform:
        shape_cols.append("H")
    if any(r.m != 1 for r in run.results):
        shape_cols.append("m")
    heads = ["#"] + shape_cols + ["N", "CBB", "BKK", "B_C", "B_C*", "N_C", "N_C*", "max N_R",
                                  "spurious", "failed", "complete", "s"]
    searched = any(r.search_max_N_R is not None for r in run.results)
    if searched:
        heads.insert(heads.index("max N_R"), "sampled")
    certified = any(r.certified_instances is not None for r in run.results)
    if certified:
        heads.insert(-1, "certified")
    for h in heads:
        t.add_column(h, justify="right")
    for k, r in enumerate(run.results, 1):
        verdicts = audit_row(r, spec.published.get(r.key))
        cells: list[Any] = [str(k)] + [fmt(getattr(r, c)) for c in shape_cols]
        for col in ("N", "CBB", "BKK", "B_C", "B_C_star", "N_C", "N_C_star"):
            cells.append(_audit_cell(getattr(r, col), verdicts.get(col)))
        if searched:
            cells.append(fmt(r.max_N_R))
        cells.append(_audit_cell(best_real(r)[0], verdicts.get("max_N_R")))
        cells.append(str(r.spurious_minimum_instances))
        failed = r.failed_paths + r.N_C_mismatch_instances
        cells.append(Text(str(failed), style="bold red" if failed else "green"))
        verified = r.completeness in ("trace test", "rank test")
        cells.append(Text({"trace test": "trace", "rank test": "rank"}.get(r.completeness or "", "no"),
                          style="green" if verified else "bold yellow"))
        if certified:
            c = r.certified_instances
            cells.append(Text(f"{fmt(c)}/{r.samples}", style="green" if c == r.samples else "bold red"))
        cells.append(f"{r.seconds:.1f}")
        t.add_row(*cells)
    t.caption = ("✓ = published value reproduced; in parentheses a published value that is not: ‼ impossible, "
                 "✗ mismatch, ~ sampling (see the audit); max N_R is the most real points found"
                 + (" (sampled: among the random instances; the search raised it)" if searched
                    else ", among random instances")
                 + "; spurious = instances with a non-global real local minimum; failed = failed paths + "
                 "instances whose N_C differs from the generic count; complete = the generic solve's evidence "
                 "(trace test, rank test, or no)")
    return t


def audit_view(run) -> Table | None:
    """The published values a run does not reproduce, each labelled with its reason; None when none."""
    from .audit import audit_row, name
    t = Table(title="Audit of the published values not reproduced")
    for c, j in (("#", "right"), ("column", "left"), ("published", "right"), ("linnet", "right"),
                 ("label", "left"), ("why", "left")):
        t.add_column(c, justify=j, overflow="fold")
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
        lines.append(f"N_R = {n:>3} │{'█' * round(width * c / top):<{width}} {c}")
    label = f"d={result.d} dx={result.dx} dy={result.dy}" if result.d is not None else f"widths {result.widths}"
    return Panel("\n".join(lines), title=f"N_R over {result.samples} instances, {label}", expand=False)


def maxreal_view(result) -> Group:
    """A search for the most real critical points: the record next to N_C, the sampled maximum and the
    thesis's value; the record's history; its zero patterns and real critical points."""
    from .result import SolveResult
    net = result.network
    t = Table.grid(padding=(0, 2))
    for style in ("bold", None, "bold", None):
        t.add_column(style=style)
    t.add_row("network", net.label() + (f" m={result.m}" if result.m != 1 else ""), "weights N", str(net.N))
    t.add_row("N_C (complex)", str(result.n_complex), "N_C* (torus)", str(result.n_torus))
    found = ("a sampled instance" if result.found_by == "sampling" else
             f"search, after {result.history[-1][0]} candidates, {result.history[-1][1]:.1f} s")
    t.add_row("record N_R", Text(str(result.record), style="bold green"), "found by", found)
    cert = result.certification
    if cert is not None:
        ok = cert.n_certified_real >= result.record
        t.add_row("certified real", Text(f"{cert.n_certified_real} of {result.record}",
                                         style="green" if ok else "bold red"),
                  "certified points", f"{cert.n_certified} of {result.n_complex}")
    t.add_row("sampled max N_R", f"{result.sampled_max} ({result.samples} instances)", "published max N_R",
              "—" if result.published is None else f"{result.published} ({result.published_table})")
    gens = f"{result.generations} generation{'s' if result.generations != 1 else ''}"
    t.add_row("candidates", f"{result.candidates} in {gens}", "restarts",
              f"{result.restarts} ({result.incomplete} candidates with failed paths left out)")
    t.add_row("support", "any real Λ" if result.allow_negative else "Λ > 0", "distribution", result.distribution)
    t.add_row("seed", fmt(result.seed), "time", f"{result.seconds:.1f} s (sampling {result.sampling_seconds:.1f} s)")
    parts: list[Any] = [Panel(t, title="linnet maxreal", expand=False)]
    hist = Table(title="Record N_R over the run")
    for c in ("candidates", "seconds", "N_R"):
        hist.add_column(c, justify="right")
    for c, sec, n in result.history:
        hist.add_row("sampled" if c == 0 else str(c), f"{sec:.1f}", str(n))
    parts.append(hist)
    record = SolveResult(result.instance, result.engine, result.seed, result.points,
                         list(dict.fromkeys(p.pattern for p in result.points)), 0, {}, 0, result.seconds)
    parts.append(pattern_table(record))
    if record.real():
        parts.append(real_table(record))
    return Group(*parts)
