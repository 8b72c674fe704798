"""Tables for a paper: ``linnet table`` and ``linnet bounds`` as markdown or LaTeX (booktabs), with the
thesis's column names, linnet's values (counts with thousands separators) and a footnote for every
published value the audit does not reproduce.

The LaTeX output is a ``table`` float to ``\\input`` into a document that loads ``booktabs`` and
``amssymb`` (for the thesis's :math:`N_{\\mathbb{C}}`, :math:`B_{\\mathbb{C}^*}`, ...).
"""
from __future__ import annotations

import string
from dataclasses import dataclass, field
from typing import Any
from collections.abc import Sequence

from ..export import latex_escape, markdown_escape, thousands
from .columns import BOUNDS_COLUMNS, SHAPE_LATEX, TABLE_COLUMNS, Column

#: The packages the LaTeX output needs (said in its first line).
LATEX_PACKAGES = ("booktabs", "amssymb")
#: Markdown headings that differ from the terminal's (an unescaped * would start emphasis).
_MD_HEAD = {"#": "No.", "N_C*": "N_C\\*", "B_C*": "B_C\\*", "BKK*": "BKK\\*", "dx": "d_x", "dy": "d_y"}
#: LaTeX headings of the shape columns and of the row number.
_LATEX_HEAD = dict(SHAPE_LATEX, **{"#": "No."})


def cell(v: Any) -> str:
    """A value as a person reads it: '—' for undefined, counts with thousands separators."""
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.6g}"
    return thousands(v)


@dataclass
class PaperTable:
    """A table ready to be written: heads as (markdown, latex), rows of cells (text, note marks), the
    title, caption sentences and the notes the marks refer to."""

    title: str
    heads: list[tuple[str, str]]
    rows: list[list[tuple[str, list[str]]]] = field(default_factory=list)
    caption: list[str] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)    # (mark, text)

    def note(self, text: str) -> str:
        """A new note; returns its mark (a, b, ..., z, aa, ab, ...)."""
        k = len(self.notes)
        letters = string.ascii_lowercase
        mark = letters[k] if k < 26 else letters[k // 26 - 1] + letters[k % 26]
        self.notes.append((mark, text))
        return mark

    def markdown(self) -> str:
        lines = [f"**{markdown_escape(self.title)}**", ""]
        lines.append("| " + " | ".join(md for md, _ in self.heads) + " |")
        lines.append("|" + "|".join("--:" for _ in self.heads) + "|")
        for row in self.rows:
            lines.append("| " + " | ".join(markdown_escape(text) + "".join(f"[^{m}]" for m in marks)
                                            for text, marks in row) + " |")
        if self.caption:
            lines += ["", " ".join(markdown_escape(c) for c in self.caption)]
        if self.notes:
            lines.append("")
            lines += [f"[^{m}]: {markdown_escape(text)}" for m, text in self.notes]
        return "\n".join(lines) + "\n"

    def latex(self) -> str:
        caption = latex_escape(self.title) + (": " + " ".join(latex_escape(c) for c in self.caption)
                                              if self.caption else ".")
        lines = [f"% linnet: {latex_escape(self.title)}; needs "
                 + " and ".join(rf"\usepackage{{{p}}}" for p in LATEX_PACKAGES),
                 r"\begin{table}[htbp]", r"\centering", r"\small", r"\setlength{\tabcolsep}{4pt}",
                 rf"\caption{{{caption}}}",
                 r"\begin{tabular}{" + "r" * len(self.heads) + "}", r"\toprule",
                 " & ".join(tex for _, tex in self.heads) + r" \\", r"\midrule"]
        for row in self.rows:
            lines.append(" & ".join(latex_escape(text) + (f"$^{{{','.join(marks)}}}$" if marks else "")
                                    for text, marks in row) + r" \\")
        lines += [r"\bottomrule", r"\end{tabular}"]
        if self.notes:
            lines += ["", r"\smallskip", r"\footnotesize"]
            lines += [rf"$^{{{m}}}$~{latex_escape(text)}\par" for m, text in self.notes]
        lines.append(r"\end{table}")
        return "\n".join(lines) + "\n"

    def text(self, fmt: str) -> str:
        return self.latex() if fmt == "latex" else self.markdown()


def _shape(records: list[dict[str, Any]], uniform: bool) -> tuple[list[str], str]:
    from .render import _shape_columns
    return _shape_columns(records, uniform)


def _heads(shape: list[str], cols: Sequence[Column], number: bool) -> list[tuple[str, str]]:
    heads = [("No.", _LATEX_HEAD["#"])] if number else []
    heads += [(_MD_HEAD.get(s, s), _LATEX_HEAD.get(s, latex_escape(s))) for s in shape]
    heads += [(_MD_HEAD.get(c.head, c.head), c.latex) for c in cols]
    return heads


def thesis_columns(run) -> list[Column]:
    """The thesis's columns of a run (no B_C columns when no row has them, as in Table 3.2)."""
    res = run.results
    cols = [c for c in TABLE_COLUMNS if c.thesis]
    if res and all(r.B_C is None for r in res):
        cols = [c for c in cols if c.key not in ("B_C", "B_C_star")]
    return cols


def table_paper(run, columns: list[Column] | None = None) -> PaperTable:
    """A ``linnet table`` run for a paper: the thesis's columns (or ``columns``), linnet's values, and a
    note for every published value the audit does not reproduce (impossible, sampling, mismatch)."""
    from ..studies.audit import KINDS, audit_row, best_real, name
    from .render import hidden_summary
    spec = run.spec
    cols = list(columns) if columns is not None else thesis_columns(run)
    uniform = all(r.d is not None for r in run.results)
    shape, same = _shape([{"H": r.H, "m": r.m} for r in run.results], uniform)
    title = spec.title if not same or same in spec.title else f"{spec.title}, {same}"
    t = PaperTable(title, _heads(shape, cols, True))
    published = 0
    for k, r in enumerate(run.results, 1):
        verdicts = audit_row(r, spec.published.get(r.key))
        published += bool(verdicts)
        row: list[tuple[str, list[str]]] = [(str(k), []), *[(cell(getattr(r, s)), []) for s in shape]]
        for c in cols:
            v = verdicts.get(c.key)
            value = _value(r, c, best_real)
            marks = []
            if v is not None and v.label in KINDS:
                marks.append(t.note(f"Row {k}, {name(c.key)}: published {cell(v.published)}, linnet "
                                    f"{cell(v.ours)} — {v.label}: {v.reason}."))
            row.append((value, marks))
        t.rows.append(row)
    t.caption.append(f"{spec.samples} random real instances per row, seed {spec.seed}, distribution "
                     f"{spec.distribution}; values computed by linnet.")
    if published:
        t.caption.append("Published values are reproduced except where a note says otherwise.")
    summary = hidden_summary(run, cols)
    if summary:
        t.caption.append(summary)
    return t


def _value(r, c: Column, best_real) -> str:
    if c.key == "max_N_R":
        return cell(best_real(r)[0])
    if c.key == "sampled":
        return cell(r.max_N_R)
    if c.key == "spurious":
        return cell(r.spurious_minimum_instances)
    if c.key == "failed":
        return cell(r.failed_paths + r.N_C_mismatch_instances)
    if c.key == "complete":
        return r.completeness or "not verified"
    if c.key == "certified":
        return "—" if r.certified_instances is None else f"{cell(r.certified_instances)}/{cell(r.samples)}"
    if c.key == "seconds":
        return f"{r.seconds:.1f}"
    return cell(getattr(r, c.key))


def bounds_paper(rows: Sequence, columns: list[Column] | None = None) -> PaperTable:
    """The bounds of several shapes for a paper."""
    from ..checks.bounds import bounds_records
    records, cols = bounds_records(list(rows))
    shape, same = _shape(records, "widths" not in cols)
    chosen = list(columns) if columns is not None else list(BOUNDS_COLUMNS)
    t = PaperTable("Bounds on the number of critical points" + (f" ({same})" if same else ""),
                   _heads(shape, chosen, False))
    for r in records:
        t.rows.append([*[(cell(r.get(s)), []) for s in shape], *[(cell(r.get(c.key)), []) for c in chosen]])
    t.caption.append("CBB = (2H+1)^N; BKK = mixed volume with the origin (C^N), BKK* torus only; "
                     "B_C = (1+4d_y)^d, B_C* = (4d_y)^d, proved for H = 1, m = 1 (— elsewhere).")
    return t
