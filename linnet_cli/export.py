"""Machine-readable output of tables (bounds, table rows, solution lists) through pandas."""
from __future__ import annotations

import json
import math
from typing import Any

from .errors import InputError
from .output_files import write_stdout, write_text_atomic

#: Formats every result-printing command accepts besides the rich ``table``.
FRAME_FORMATS = ("csv", "json", "markdown", "latex")


#: Integer columns that are identifiers, not counts: written without thousands separators.
IDENTIFIERS = ("seed", "index", "row", "no", "#")


def _cell(v: Any, column: str = "") -> str:
    """A cell of a markdown or LaTeX table (read by people): counts with thousands separators
    (``531,441``), identifiers (a seed, an index) as they are; csv and json never get separators."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, int) and not isinstance(v, bool) and column not in IDENTIFIERS:
        return f"{v:,}"
    return str(v)


#: Largest integer a pandas Int64 column holds; bounds like CBB = 3^N pass it from N = 40 on.
INT64_MAX = 2 ** 63 - 1


def integer_frame(records: list[dict[str, Any]], columns: list[str], int_columns: list[str]):
    """A DataFrame of ``records`` whose integer columns are nullable Int64 where every value fits,
    else exact Python integers (object), so that no bound is ever rounded or overflows."""
    import pandas as pd
    frame = pd.DataFrame(records, columns=columns, dtype=object)
    for c in int_columns:
        if all(v is None or abs(v) <= INT64_MAX for v in frame[c]):
            frame[c] = frame[c].astype("Int64")
    return frame


def _flat(v: Any) -> bool:
    """A number, string, ... or a list of them."""
    if isinstance(v, dict):
        return False
    if isinstance(v, (list, tuple)):
        return not any(isinstance(u, (dict, list, tuple)) for u in v)
    return True


def _leaf(v: Any) -> bool:
    """Written on one line: flat, or a dict of flat values (a point's coordinates, a row of bounds)."""
    return _flat(v) or (isinstance(v, dict) and all(_flat(u) for u in v.values()))


def json_text(obj: Any) -> str:
    """JSON text for people and programs: containers that hold containers are broken over indented lines,
    and a list of numbers (a point's coordinate, a matrix row) or a dict of such (a point) stays on one
    line, written by the C encoder. ``json.dumps(indent=...)`` puts every number on a line of its own and
    runs the pure-Python encoder: 0.9 s for the 1,921 points of d = 4."""
    def text(o: Any, pad: str) -> str:
        if _leaf(o):
            return json.dumps(o)
        inner = pad + " "
        if isinstance(o, dict):
            body = ",\n".join(f"{inner}{json.dumps(str(k))}: {text(v, inner)}" for k, v in o.items())
            return "{\n" + body + "\n" + pad + "}"
        return "[\n" + ",\n".join(inner + text(v, inner) for v in o) + "\n" + pad + "]"
    return text(obj, "")


def frame_to_text(frame, fmt: str, records: list[dict[str, Any]] | None = None) -> str:
    """A DataFrame as csv, json (list of records), markdown or latex (no optional pandas extras needed)."""
    if fmt == "csv":
        return frame.to_csv(index=False)
    if fmt == "json":
        rows = records if records is not None else json.loads(frame.to_json(orient="records"))
        return json_text(rows)
    cols = [str(c) for c in frame.columns]
    rows = [[_cell(v, c) for v, c in zip(r, cols)]
            for r in frame.astype(object).where(frame.notna(), None).itertuples(index=False)]
    if fmt == "markdown":
        lines = ["| " + " | ".join(markdown_escape(c) for c in cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
        lines += ["| " + " | ".join(markdown_escape(c) for c in r) + " |" for r in rows]
        return "\n".join(lines) + "\n"
    if fmt == "latex":     # booktabs rules (\\usepackage{booktabs})
        lines = [r"\begin{tabular}{" + "r" * len(cols) + "}", r"\toprule",
                 " & ".join(latex_escape(c) for c in cols) + r" \\", r"\midrule"]
        lines += [" & ".join(latex_escape(c) for c in r) + r" \\" for r in rows]
        lines += [r"\bottomrule", r"\end{tabular}"]
        return "\n".join(lines) + "\n"
    raise InputError(f"unknown format {fmt!r}")


def write_text(text: str, output: str | None, option: str = "output") -> None:
    """Write to a file atomically, or to standard output when ``output`` is None or '-' (every byte
    checked: see :func:`linnet_cli.output_files.write_stdout`)."""
    if output in (None, "-"):
        write_stdout(text if text.endswith("\n") else text + "\n")
        return
    write_text_atomic(text, output, option)


def thousands(v: Any) -> str:
    """A count as people read it: ``531,441`` (every integer from 1,000 on); other values as they are."""
    if isinstance(v, bool) or not isinstance(v, int):
        return str(v)
    return f"{v:,}"


def duration_text(seconds: float) -> str:
    """A duration as people read it, rounded to what matters: 40 s, 12 minutes, 5 hours, 3.5 days (a job's
    estimated time, the time left of a mixed volume)."""
    if seconds >= 2 * 86400:
        return f"{seconds / 86400:.3g} days"
    if seconds >= 2 * 3600:
        return f"{seconds / 3600:.0f} hours"
    if seconds >= 120:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds:.0f} s"


def latex_escape(text: str) -> str:
    """Text for LaTeX's text mode: its special characters escaped."""
    out = []
    for ch in text:
        if ch in "&%$#_{}":
            out.append("\\" + ch)
        elif ch == "~":
            out.append(r"\textasciitilde{}")
        elif ch == "^":
            out.append(r"\textasciicircum{}")
        elif ch == "\\":
            out.append(r"\textbackslash{}")
        else:
            out.append(ch)
    return "".join(out).replace("—", "---").replace("–", "--")


def markdown_escape(text: str) -> str:
    """Text for a markdown table cell: pipes and emphasis characters escaped."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*")
