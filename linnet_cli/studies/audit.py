"""Audit of published values: which differences from linnet's values are sampling and which are errors.

Every published value that linnet does not reproduce gets one label:

* **impossible** — it contradicts a fact that holds whatever the sample:
  a count above a proven bound (CBB; BKK, the mixed volume with the origin added, bounds the isolated
  critical points in C^N and BKK* those on the torus; B_C and B_C*, proved for H = 1, m = 1);
  N_C* > N_C or max N_R > N_C; or a parity violation: with real data the non-real critical points
  come in conjugate pairs, so a real instance whose critical points are all isolated — a generic one,
  with exactly N_C of them — has N_R ≡ N_C (mod 2). The parity test relies on linnet's N_C being the
  row's count and every sampled instance having all of them: it is applied only to rows where every
  path of every instance ended at a regular point and every instance had N_C points.
* **sampling** — a max N_R that differs from linnet's (sampled, or raised by the search) with the right
  parity: another sample of random instances gives another maximum.
* **mismatch** — an exact column (N, CBB, BKK, B_C, B_C*, N_C, N_C*) that differs; the reason says
  whether linnet's count is certified (points proved by Krawczyk's test on one instance of the row: a
  proven lower bound, exact when it meets a proven upper bound).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..export import thousands as _n
from .published import PUBLISHED_COLUMNS, SAMPLED_COLUMN

if TYPE_CHECKING:
    from .compute import RowResult
    from .spec import TableSpec

__all__ = ["KINDS", "REPRODUCED", "NOT_COMPUTED", "Verdict", "name", "row_complete", "best_real", "audit_row",
           "audit_table", "tally", "reproduced", "audit_columns", "closing_line"]

#: The labels of published values linnet does not reproduce, in the order the closing line counts them.
KINDS = ("impossible", "sampling", "mismatch")
REPRODUCED = "reproduced"
#: The label of a published value linnet did not compute (e.g. BKK with --no-bkk): not compared.
NOT_COMPUTED = "not computed"
_NAMES = {"B_C_star": "B_C*", "N_C_star": "N_C*", "max_N_R": "max N_R", "BKK_torus": "BKK*"}


@dataclass(frozen=True)
class Verdict:
    """One published value next to linnet's, labelled."""

    column: str            # linnet's column name
    published: int
    ours: int | None       # None: linnet did not compute it (e.g. --no-bkk)
    label: str             # REPRODUCED, one of KINDS, or NOT_COMPUTED
    reason: str = ""


def name(column: str) -> str:
    """How a column is written in tables and reasons (N_C*, max N_R, ...)."""
    return _NAMES.get(column, column)


def _bounds(r: RowResult, torus: bool) -> list[tuple[str, int]]:
    """Proven upper bounds on the number of isolated critical points (torus only with ``torus``)."""
    cols = ("BKK_torus", "B_C_star") if torus else ("CBB", "BKK", "B_C")
    return [(name(c), getattr(r, c)) for c in cols if getattr(r, c) is not None]


def row_complete(r: RowResult) -> bool:
    """Whether every path of every instance of the row ended at a regular point and every instance had
    N_C points: then each sampled N_R has the parity of N_C."""
    return r.failed_paths == 0 and r.N_C_mismatch_instances == 0


def _certified(r: RowResult, column: str) -> str:
    cert = {"N_C": r.certified_N_C, "N_C_star": r.certified_N_C_star}[column]
    ours = getattr(r, column)
    if cert is None:
        return f"linnet finds {_n(ours)} (not certified)"
    tight = [b for b, v in _bounds(r, column == "N_C_star") if v == cert]
    if cert == ours and tight:
        return (f"linnet's {_n(ours)} is exact: {_n(cert)} points certified (Krawczyk), a proven lower bound, "
                f"and {tight[0]} = {_n(cert)} a proven upper bound")
    return f"linnet finds {_n(ours)}; {_n(cert)} points certified on one instance (Krawczyk), a proven lower bound"


def _audit_count(r: RowResult, column: str, pub: int, published: dict[str, int]) -> tuple[str, str]:
    torus = column == "N_C_star"
    above = [(b, v) for b, v in _bounds(r, torus) if pub > v]
    if above:
        b, v = above[0]
        return "impossible", f"above the proven bound {b} = {_n(v)}"
    if torus and published.get("NC") is not None and pub > published["NC"]:
        return "impossible", f"N_C* = {_n(pub)} > N_C = {_n(published['NC'])} as published"
    return "mismatch", _certified(r, column)


def _audit_max_real(r: RowResult, pub: int, published: dict[str, int]) -> tuple[str, str]:
    above = [(b, v) for b, v in _bounds(r, False) if pub > v]
    if above:
        b, v = above[0]
        return "impossible", f"above the proven bound {b} = {_n(v)}"
    n_c = [(who, v) for who, v in (("linnet's", r.N_C), ("the published", published.get("NC"))) if v is not None]
    for who, v in n_c:
        if pub > v:
            return "impossible", f"more real critical points than {who} N_C = {_n(v)}"
    if row_complete(r) and (pub - r.N_C) % 2:
        parity = "odd" if r.N_C % 2 else "even"
        return "impossible", (f"parity: N_C = {_n(r.N_C)} is {parity}, so N_R is {parity} (non-real points pair up "
                              f"by conjugation; all paths of the row's {_n(r.samples)} instances succeeded)")
    best, how = best_real(r)
    if pub < best:
        cert = "" if r.certified_max_N_R is None else f", {_n(r.certified_max_N_R)} real points certified"
        text = f"below linnet's max N_R = {_n(best)} ({how}{cert})"
    else:
        text = (f"above linnet's max N_R = {_n(best)} ({how}): more samples or a search "
                "over real instances (maxreal) may reach it")
    if not row_complete(r) and (pub - r.N_C) % 2:
        text += "; parity not checked (some paths failed)"
    return "sampling", text


def best_real(r: RowResult) -> tuple[int, str]:
    """linnet's max N_R of a row and how it was found (sampled, or raised by the search)."""
    if r.search_max_N_R is not None and r.search_max_N_R > r.max_N_R:
        return r.search_max_N_R, f"search; sampled {_n(r.max_N_R)}"
    return r.max_N_R, f"sampled, {_n(r.samples)} instances"


def audit_row(r: RowResult, published: dict[str, int] | None) -> dict[str, Verdict]:
    """A verdict per published value of the row (nothing for columns the row's table does not publish)."""
    out: dict[str, Verdict] = {}
    if not published:
        return out
    for col, theirs in PUBLISHED_COLUMNS.items():
        pub = published.get(theirs)
        if pub is None:
            continue
        ours = best_real(r)[0] if col == SAMPLED_COLUMN else getattr(r, col)
        if ours is None:
            out[col] = Verdict(col, pub, None, NOT_COMPUTED)
        elif ours == pub:
            out[col] = Verdict(col, pub, ours, REPRODUCED)
        elif col in ("N_C", "N_C_star"):
            out[col] = Verdict(col, pub, ours, *_audit_count(r, col, pub, published))
        elif col == SAMPLED_COLUMN:
            out[col] = Verdict(col, pub, ours, *_audit_max_real(r, pub, published))
        else:
            how = {"N": "the number of weights", "CBB": "(2H+1)^N", "BKK": "linnet's exact mixed volume",
                   "B_C": "(1+4d_y)^d", "B_C_star": "(4d_y)^d"}[col]
            out[col] = Verdict(col, pub, ours, "mismatch", f"{name(col)} = {how} = {_n(ours)}")
    return out


def audit_table(results: Iterable[RowResult], spec: TableSpec) -> list[dict[str, Verdict]]:
    """:func:`audit_row` for every row of a run, in order."""
    return [audit_row(r, spec.published.get(r.key)) for r in results]


def tally(verdicts: Iterable[dict[str, Verdict]]) -> dict[str, int]:
    """Number of published values of each kind (every kind present, zeros included)."""
    out = {k: 0 for k in KINDS}
    for row in verdicts:
        for v in row.values():
            if v.label in out:
                out[v.label] += 1
    return out


def _compared(verdicts: Iterable[dict[str, Verdict]], sampled: bool = False) -> list[Verdict]:
    """The verdicts on published values that linnet computed: the exact ones, or with ``sampled`` the
    sampled one (max N_R)."""
    return [v for row in verdicts for v in row.values()
            if (v.column == SAMPLED_COLUMN) == sampled and v.label != NOT_COMPUTED]


def _count(compared: list[Verdict]) -> tuple[int, int]:
    """(values reproduced, values compared): the one count of reproduced values."""
    return sum(v.label == REPRODUCED for v in compared), len(compared)


def reproduced(results: Iterable[RowResult], spec: TableSpec) -> tuple[int, int]:
    """(published values reproduced, published values compared), max N_R not included (sampled)."""
    return _count(_compared(audit_table(results, spec)))


def audit_columns(verdicts: dict[str, Verdict]) -> dict[str, Any]:
    """Machine-readable audit of one row: ``audit_<column>`` (the label, None where nothing is published)
    and ``audit_notes`` (the reasons of the values not reproduced)."""
    out: dict[str, Any] = {f"audit_{c}": (verdicts[c].label if c in verdicts else None) for c in PUBLISHED_COLUMNS}
    notes = [f"{name(v.column)} {v.published}: {v.label}, {v.reason}" for v in verdicts.values() if v.reason]
    out["audit_notes"] = "; ".join(notes) or None
    return out


def closing_line(results: list[RowResult], spec: TableSpec) -> str | None:
    """The closing line of a table: values reproduced, and the kinds of those that are not."""
    verdicts = audit_table(results, spec)
    exact, sampled = _compared(verdicts), _compared(verdicts, sampled=True)
    if not exact and not sampled:
        return None
    ok, total = _count(exact)
    columns = [name(c) for c in PUBLISHED_COLUMNS if any(v.column == c for v in exact)]
    text = f"{_n(ok)} of {_n(total)} published values reproduced ({', '.join(columns)})"
    if sampled:
        equal, rows = _count(sampled)
        text += f"; max N_R equals the published value in {_n(equal)} of {_n(rows)} rows"
    counts = tally(verdicts)
    off = sum(counts.values())
    if off:
        text += f"; the {_n(off)} other published value(s): " + ", ".join(f"{_n(n)} {k}" for k, n in counts.items())
    return text
