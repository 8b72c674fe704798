"""Rich renderings for the terminal: summaries, pattern tables (as the thesis's Figure 3.1), bounds."""
from __future__ import annotations

from typing import Any, Sequence

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .result import SolveResult

#: Rows shown at most in the terminal tables of patterns and real points (all are in --format json/csv).
MAX_ROWS = 40


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
    t.add_row("instance", result.instance.source, "seed", fmt(result.seed))
    t.add_row("engine", result.engine, "time", f"{result.seconds:.2f} s")
    t.add_row("N_C (complex)", str(result.n_complex), "CBB", fmt(b.CBB) if b else "—")
    t.add_row("N_C* (torus)", str(result.n_torus), "BKK", fmt(b.BKK) if b else "—")
    t.add_row("N_R (real)", str(result.n_real), "B_C", fmt(b.B_C) if b else "—")
    t.add_row("local minima", f"{s['n_local_minima']} ({s['n_spurious_local_minima']} spurious)",
              "B_C*", fmt(b.B_C_star) if b else "—")
    failed = Text(str(result.n_failed), style="bold red" if result.n_failed else "green")
    t.add_row("paths tracked", str(result.paths_tracked), "failed paths", failed)
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
        t.caption = f"{len(rows) - MAX_ROWS} more pattern(s) in --format json"
    return t


def real_table(result: SolveResult) -> Table:
    t = Table(title="Real critical points, by loss")
    for c in ("#", "loss", "Morse index", "kind", "zero pattern"):
        t.add_column(c, justify="right" if c in ("#", "loss", "Morse index") else "left")
    pts = sorted(result.real(), key=lambda p: p.loss.real)
    for k, p in enumerate(pts[:MAX_ROWS], 1):
        style = "green" if p.kind == "global minimum" else ("yellow" if "minimum" in p.kind else None)
        t.add_row(str(k), f"{p.loss.real:.10g}", fmt(p.morse_index), Text(p.kind, style=style or ""),
                  p.pattern.describe())
    if len(pts) > MAX_ROWS:
        t.caption = f"{len(pts) - MAX_ROWS} more real point(s) in --format json"
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


def rows_table(title: str, rows: Sequence[dict[str, Any]], columns: Sequence[str],
               headers: Sequence[str] | None = None) -> Table:
    """A plain table of dict rows (bounds, table rows)."""
    t = Table(title=title)
    for c, h in zip(columns, headers or columns):
        t.add_column(h, justify="right")
    for r in rows:
        t.add_row(*[fmt(r.get(c)) for c in columns])
    return t
