"""The columns of the human-readable tables (``linnet table`` and ``linnet bounds`` in the terminal,
markdown and LaTeX): their names, which are the thesis's, the order in which they give way when the
page is too narrow, and ``--columns``.

The machine-readable formats (csv, json) always hold every column; these are only about what a person
reads. Counts are written with thousands separators here (``531,441``), never in csv or json; a seed is
an identifier and never gets separators.
"""
from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Sequence

from ..errors import InputError, opt


@dataclass(frozen=True)
class Column:
    """One column: ``key`` its name for ``--columns`` (the csv name), ``head`` its heading in the
    terminal and markdown, ``latex`` its heading in LaTeX (math mode as in the thesis), ``thesis``
    whether the thesis's table has it, ``give_way`` the order in which columns are hidden when the
    table is wider than the page (lowest first; None: never hidden), ``doc`` what it holds."""

    key: str
    head: str
    latex: str
    thesis: bool
    give_way: int | None
    doc: str


#: Count columns of ``linnet table`` after the shape, in the thesis's order, then linnet's own.
TABLE_COLUMNS = (
    Column("N", "N", "$N$", True, 3, "number of weights"),
    Column("CBB", "CBB", "CBB", True, 0, "classical Bézout bound (2H+1)^N"),
    Column("BKK", "BKK", "BKK", True, 4, "mixed volume with the origin: bounds N_C"),
    Column("BKK_torus", "BKK*", r"BKK$^*$", False, 5, "mixed volume without the origin: bounds N_C*"),
    Column("B_C", "B_C", r"$B_{\mathbb{C}}$", True, 2, "the thesis's bound (1+4d_y)^d (H = 1, m = 1)"),
    Column("B_C_star", "B_C*", r"$B_{\mathbb{C}^*}$", True, 1, "the thesis's bound (4d_y)^d (H = 1, m = 1)"),
    Column("N_C", "N_C", r"$N_{\mathbb{C}}$", True, None, "complex critical points"),
    Column("N_C_star", "N_C*", r"$N_{\mathbb{C}^*}$", True, None, "critical points on the torus"),
    Column("sampled", "sampled", "sampled", False, 6, "max N_R of the random instances (with --search)"),
    Column("max_N_R", "max N_R", r"max $N_{\mathbb{R}}$", True, None, "most real critical points found"),
    Column("spurious", "spurious", "spurious", False, 7, "instances with a non-global real local minimum"),
    Column("failed", "failed", "failed", False, 8, "failed paths + instances whose N_C differs"),
    Column("complete", "complete", "complete", False, 9, "the generic solve's completeness evidence"),
    Column("certified", "certified", "certified", False, 10, "instances whose every point was proved"),
    Column("seconds", "s", "s", False, 11, "seconds"),
)

#: Columns of ``linnet bounds`` after the shape.
BOUNDS_COLUMNS = (
    Column("N", "N", "$N$", True, None, "number of weights"),
    Column("CBB", "CBB", "CBB", True, 0, "classical Bézout bound (2H+1)^N"),
    Column("BKK", "BKK", "BKK", True, 3, "mixed volume with the origin: bounds N_C"),
    Column("BKK_torus", "BKK*", r"BKK$^*$", True, 2, "mixed volume without the origin: bounds N_C*"),
    Column("B_C", "B_C", r"$B_{\mathbb{C}}$", True, 4, "the thesis's bound (1+4d_y)^d (H = 1, m = 1)"),
    Column("B_C_star", "B_C*", r"$B_{\mathbb{C}^*}$", True, 1, "the thesis's bound (4d_y)^d (H = 1, m = 1)"),
)

#: Shape columns: always shown (the ones that vary).
SHAPE_LATEX = {"d": "$d$", "dx": "$d_x$", "dy": "$d_y$", "H": "$H$", "m": "$m$", "widths": "widths", "#": r"\#"}

#: Other spellings accepted by --columns (compared case-insensitively, spaces as underscores).
_ALIASES = {"bkk*": "BKK_torus", "b_c*": "B_C_star", "n_c*": "N_C_star", "max_n_r": "max_N_R", "s": "seconds",
            "bc": "B_C", "bcstar": "B_C_star", "nc": "N_C", "ncstar": "N_C_star", "maxnr": "max_N_R",
            "failed_paths": "failed", "completeness": "complete", "spurious_minimum_instances": "spurious",
            "certified_instances": "certified", "sampled_max_n_r": "sampled"}
#: Shape columns named in --columns are accepted (they are always shown).
_SHAPE_NAMES = {"d", "dx", "dy", "h", "m", "widths", "#", "row"}


def parse_columns(text: str | None, available: Sequence[Column], option: str = "columns") -> list[Column] | None:
    """The columns ``--columns`` names (None: not given, the default choice; ``all``: every column),
    in the order given. Unknown names are an InputError listing the known ones."""
    if text is None:
        return None
    names = [t.strip() for t in text.split(",") if t.strip()]
    if not names:
        raise InputError(f"{opt(option)} needs column names (or 'all')")
    if [n.lower() for n in names] == ["all"]:
        return list(available)
    by_key = {c.key.lower(): c for c in available}
    by_head = {c.head.lower().replace(" ", "_"): c for c in available}
    out: list[Column] = []
    for n in names:
        k = n.lower().replace(" ", "_")
        if k in _SHAPE_NAMES:
            continue
        col = by_key.get(k) or by_head.get(k) or by_key.get(_ALIASES.get(k, "").lower())
        if col is None:
            known = ", ".join(c.key for c in available)
            raise InputError(f"{opt(option)}: unknown column {n!r}; known: {known} (or 'all'; the shape "
                             "columns are always shown)")
        if col not in out:
            out.append(col)
    return out
