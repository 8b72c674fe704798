"""Conjectures about the atlas: declared in TOML, checked against its rows.

A *conjecture* says that, on the rows of its scope (``H == 1 and m == 1``), one or more claims hold,
each a relation between columns and formulas (``N_C == Sum(binomial(d, r) * binomial(dy, r) * 4^r,
(r, 0, min(d, dy)))``, ``N_C <= B_C``). An *invariance* says that some columns are equal on every group of
rows that share a key (``hidden, dy, min(dx, m)``: d_x enters only through min(d_x, m)); it is a
statement about groups of rows, not a formula. The shipped ones are in ``configs/conjectures.toml``;
README, *Checking conjectures*, documents the format, docs/design.md the language.

Expressions are read with Python's own parser (:mod:`ast`) and turned into sympy objects node by node:
only the node kinds, names and functions of the vocabulary below are accepted, and no text is ever
evaluated (sympy's ``parse_expr`` would ``eval`` it). Values are exact (sympy integers and rationals).

Vocabulary, per row of the atlas:

* shape: ``dx`` (also ``d_x``), ``dy`` (also ``d_y``), ``H`` (hidden layers), ``m`` (data points), ``N``
  (weights), ``d`` (the hidden width, when every hidden layer has the same width; undefined otherwise),
  ``w0, w1, …, w{H+1}`` (the widths in order: ``w0 = dx``, ``w{H+1} = dy``; undefined past the last);
* columns: :data:`COLUMNS` (``N_C``, ``N_C_star``, ``CBB``, ``BKK``, ``BKK_torus``, ``B_C``,
  ``B_C_star``, ``max_N_R``, ``failed_paths``, ``paths_tracked``); ``CBB`` = (2H + 1)^N is computed from
  the shape, exactly, also on rows whose cell the dataset leaves empty (past 2^63 − 1);
* functions: :data:`FUNCTIONS` (``binomial``, ``factorial``, ``min``, ``max``, ``abs``, and
  ``Sum(term, (r, lo, hi))``, ``Product(term, (r, lo, hi))`` over an index from :data:`INDICES`, both
  limits included, at most :data:`MAX_TERMS` terms on a row);
* operators: ``+ - * / // % **`` (``^`` is a power too, as in formulas), comparisons ``== != < <= > >=``,
  and, in scopes, ``and``, ``or``, ``not``.
"""
from __future__ import annotations

import ast
import io
import re
import tokenize
import tomllib
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from collections.abc import Callable, Iterable, Iterator, Sequence

from ..errors import InputError

if TYPE_CHECKING:
    import pandas as pd
    import sympy

__all__ = ["SHAPE_NAMES", "COLUMNS", "ALIASES", "FUNCTIONS", "INDICES", "TEXT_KEYS", "MAX_COUNTEREXAMPLES",
           "SHIPPED", "INSTALL_HINT", "require_sympy", "Claim", "Conjecture", "Invariance", "Counterexample",
           "ConjectureReport", "parse_expression", "load_conjectures", "read_conjectures", "check_conjectures",
           "row_values"]

#: Shape variables of every row (``w0``, ``w1``, … too: the widths by position).
SHAPE_NAMES = ("d", "dx", "dy", "H", "m", "N")
#: Integer columns of the atlas that expressions may name.
COLUMNS = ("N_C", "N_C_star", "CBB", "BKK", "BKK_torus", "B_C", "B_C_star", "max_N_R", "failed_paths",
           "paths_tracked")
#: Other spellings of shape variables.
ALIASES = {"d_x": "dx", "d_y": "dy"}
#: Functions expressions may call.
FUNCTIONS = ("binomial", "factorial", "min", "max", "abs", "Sum", "Product")
#: Names that may serve as the index of a Sum or Product (and only there).
INDICES = ("i", "j", "k", "r", "s", "t")
#: Keys of an invariance that are texts, not numbers: the widths, the hidden widths, and the widths up to
#: reversal (the smaller of the widths and their reverse, so that a shape and its mirror share it).
TEXT_KEYS = ("widths", "hidden", "widths_up_to_reversal")
#: Counterexamples kept per conjecture (the report counts them all).
MAX_COUNTEREXAMPLES = 5
#: The shipped file, in ``configs/``.
SHIPPED = "conjectures.toml"

#: How to get sympy, which reads and evaluates the expressions.
INSTALL_HINT = "pip install 'linnet-cli[atlas]'"

_WIDTH = re.compile(r"w(\d+)\Z")
_RELATIONS = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}


def require_sympy() -> None:
    """InputError saying how to install sympy, unless it can be imported (checked without importing it)."""
    import importlib.util
    if importlib.util.find_spec("sympy") is None:
        raise InputError(f"checking conjectures needs sympy, which is not installed: {INSTALL_HINT}")


class _Reader:
    """Python's syntax tree of one expression, turned into sympy node by node; anything outside the
    vocabulary is an InputError naming ``where`` and the text."""

    def __init__(self, text: str, where: str) -> None:
        import sympy
        self.sp = sympy
        self.text = text
        self.where = where
        self.bound: list[str] = []

    def fail(self, why: str) -> InputError:
        return InputError(f"{self.where}: {why} in {self.text!r}")

    def judge(self, kind: str, args: Sequence[Any]) -> None:
        """InputError when ``args`` are numbers whose ``kind`` of value (see :func:`_exact_bits`), which sympy
        computes as soon as it is made, would take more than MAX_POWER_BITS bits."""
        if all(a.is_number for a in args) and _exact_bits(kind, args) > MAX_POWER_BITS:
            name = _quotable(lambda: f"the power {args[0]}^{args[1]}" if kind == "power"
                             else f"{kind}({', '.join(map(str, args))})") or f"the {kind}"
            raise self.fail(f"{name} has more than {MAX_POWER_BITS:,} bits")

    def symbol(self, name: str) -> sympy.Symbol:
        return self.sp.Symbol(ALIASES.get(name, name), integer=True)

    def read(self, node: ast.AST) -> Any:
        sp = self.sp
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool):
                return sp.true if node.value else sp.false
            if isinstance(node.value, int):
                return sp.Integer(node.value)
            if isinstance(node.value, float):
                return sp.Rational(repr(node.value))
            raise self.fail(f"{node.value!r} is not a number")
        if isinstance(node, ast.Name):
            return self.name(node.id)
        if isinstance(node, ast.BinOp):
            a, b = self.value(node.left), self.value(node.right)
            ops = {ast.Add: lambda: a + b, ast.Sub: lambda: a - b, ast.Mult: lambda: a * b,
                   ast.Div: lambda: a / b, ast.FloorDiv: lambda: sp.floor(a / b), ast.Mod: lambda: sp.Mod(a, b),
                   ast.Pow: lambda: a ** b, ast.BitXor: lambda: a ** b}
            make = ops.get(type(node.op))
            if make is None:
                raise self.fail(f"the operator {type(node.op).__name__} is not allowed")
            if isinstance(node.op, (ast.Pow, ast.BitXor)):
                self.judge("power", (a, b))
            return make()
        if isinstance(node, ast.UnaryOp):
            v = self.truth(node.operand) if isinstance(node.op, ast.Not) else self.value(node.operand)
            if isinstance(node.op, ast.USub):
                return -v
            if isinstance(node.op, ast.UAdd):
                return v
            if isinstance(node.op, ast.Not):
                return sp.Not(v)
            raise self.fail("the operator ~ is not allowed")
        if isinstance(node, ast.BoolOp):
            parts = [self.truth(v) for v in node.values]
            return sp.And(*parts) if isinstance(node.op, ast.And) else sp.Or(*parts)
        if isinstance(node, ast.Compare):
            left = self.value(node.left)
            rels = []
            for op, right_node in zip(node.ops, node.comparators):
                right = self.value(right_node)
                if type(op) not in _RELATIONS:
                    raise self.fail(f"the comparison {type(op).__name__} is not allowed")
                rels.append(sp.Rel(left, right, _RELATIONS[type(op)]))
                left = right
            return sp.And(*rels)
        if isinstance(node, ast.Call):
            return self.call(node)
        what = {ast.Attribute: "attributes (a.b)", ast.Subscript: "subscripts (a[b])", ast.Lambda: "lambda",
                ast.Tuple: "a tuple outside the limits of Sum or Product"}.get(type(node), type(node).__name__)
        raise self.fail(f"{what} not allowed")

    def value(self, node: ast.AST) -> Any:
        """:meth:`read` where a number is needed: a comparison or truth value there is refused (sympy
        would raise a TypeError of its own)."""
        v = self.read(node)
        if _is_condition(v):
            raise self.fail(f"{ast.unparse(node)} is a truth value where a number is needed")
        return v

    def truth(self, node: ast.AST) -> Any:
        """:meth:`read` where a truth value is needed (and, or, not): a number there is refused."""
        v = self.read(node)
        if not _is_condition(v):
            raise self.fail(f"{ast.unparse(node)} is a number where a truth value is needed")
        return v

    def name(self, name: str) -> Any:
        if name in self.bound:
            return self.sp.Symbol(name, integer=True)
        if name in INDICES:
            raise self.fail(f"{name} is a summation index: use it only inside Sum(…, ({name}, lo, hi)) or "
                            "Product(…)")
        if name in SHAPE_NAMES or name in COLUMNS or name in ALIASES or _WIDTH.match(name):
            return self.symbol(name)
        if name in FUNCTIONS:
            raise self.fail(f"{name} is a function: call it, {name}(…)")
        raise self.fail(f"unknown name {name!r} (names: {', '.join(SHAPE_NAMES + tuple(ALIASES))}, w0, w1, …, "
                        f"{', '.join(COLUMNS)}; functions: {', '.join(FUNCTIONS)})")

    def call(self, node: ast.Call) -> Any:
        sp = self.sp
        if not isinstance(node.func, ast.Name):
            self.read(node.func)        # says what is not allowed there (an attribute, a lambda, ...)
            raise self.fail(f"{ast.unparse(node.func)!r} is not a function (functions: {', '.join(FUNCTIONS)})")
        if node.func.id not in FUNCTIONS:
            raise self.fail(f"unknown function {node.func.id!r} (functions: {', '.join(FUNCTIONS)})")
        fn = node.func.id
        if node.keywords:
            raise self.fail(f"{fn} takes no keyword arguments")
        if fn in ("Sum", "Product"):
            return self.sum(fn, node.args)
        args = [self.value(a) for a in node.args]
        need = {"binomial": (2, 2), "factorial": (1, 1), "abs": (1, 1), "min": (1, 99), "max": (1, 99)}[fn]
        if not need[0] <= len(args) <= need[1]:
            raise self.fail(f"{fn} takes {need[0] if need[0] == need[1] else 'one or more'} argument(s), "
                            f"not {len(args)}")
        make = {"binomial": sp.binomial, "factorial": sp.factorial, "abs": sp.Abs, "min": sp.Min, "max": sp.Max}[fn]
        if fn in ("binomial", "factorial"):
            self.judge(fn, args)
        return make(*args)

    def sum(self, fn: str, args: list[ast.expr]) -> Any:
        usage = f"{fn}(term, (r, lo, hi)) with an index r from {', '.join(INDICES)}"
        if len(args) != 2 or not isinstance(args[1], ast.Tuple) or len(args[1].elts) != 3:
            raise self.fail(f"write {usage}")
        index_node, lo_node, hi_node = args[1].elts
        if not isinstance(index_node, ast.Name) or index_node.id not in INDICES:
            raise self.fail(f"write {usage}")
        index = index_node.id
        if index in self.bound:
            raise self.fail(f"the index {index} is already bound by an outer Sum or Product")
        lo, hi = self.value(lo_node), self.value(hi_node)
        self.bound.append(index)
        try:
            term = self.value(args[0])
        finally:
            self.bound.pop()
        make = self.sp.Sum if fn == "Sum" else self.sp.Product
        out = make(term, (self.sp.Symbol(index, integer=True), lo, hi))
        if not out.free_symbols:      # its terms are known now: judged as a constant power is
            try:
                _Sizes().bits(out, {})
            except ValueTooLarge as exc:
                raise self.fail(f"the {fn} has {exc}") from None
        return out


def _tree(text: str, where: str) -> ast.expr:
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"{where}: an expression must be a non-empty string, not {text!r}")
    try:
        return ast.parse(_powers(text.strip()), mode="eval").body
    except (SyntaxError, tokenize.TokenError) as exc:
        hint = " (write == for equality)" if re.search(r"(?<![=!<>])=(?!=)", text) else ""
        msg = exc.msg if isinstance(exc, SyntaxError) else str(exc.args[0])
        raise InputError(f"{where}: cannot read {text!r}: {msg}{hint}") from None


def _powers(text: str) -> str:
    """``text`` with every ``^`` operator written ``**`` (a power, with its precedence), token by token."""
    tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    if not any(t.type == tokenize.OP and t.string == "^" for t in tokens):
        return text
    return tokenize.untokenize((t.type, "**" if t.type == tokenize.OP and t.string == "^" else t.string)
                               for t in tokens)


def parse_expression(text: str, where: str = "expression") -> Any:
    """The sympy form of one expression of the conjecture language (see the module docstring).

    ``where`` names the expression in error messages (``conjecture 'x', claim 2``). InputError for
    anything outside the language: an unknown name or function, an attribute, a subscript, a string.

    >>> parse_expression("binomial(dy, d) * 4^d")
    4**d*binomial(dy, d)
    >>> parse_expression("__import__('os')")
    Traceback (most recent call last):
    ...
    linnet_cli.errors.InputError: expression: unknown function '__import__' (functions: binomial, factorial, \
min, max, abs, Sum, Product) in "__import__('os')"
    """
    return _Reader(text, where).read(_tree(text, where))


def _is_condition(expr: Any) -> bool:
    """Whether a parsed expression is a truth value (a comparison, and/or/not of them, true, false)."""
    from sympy.core.relational import Relational
    from sympy.logic.boolalg import BooleanAtom, BooleanFunction
    return isinstance(expr, (Relational, BooleanFunction, BooleanAtom))


def _condition(text: str | None, where: str) -> Any:
    import sympy
    if text is None:
        return sympy.true
    expr = parse_expression(text, where)
    if not _is_condition(expr):
        raise InputError(f"{where}: {text!r} is not a condition (compare values: H == 1 and m <= dx)")
    return expr


@dataclass(frozen=True)
class Claim:
    """One relation of a conjecture: ``left op right``; the left side is what the atlas observed (a
    column), the right side what is predicted or the bound."""

    text: str
    left: Any
    op: str
    right: Any

    @classmethod
    def parse(cls, text: str, where: str) -> Claim:
        node = _tree(text, where)
        if not isinstance(node, ast.Compare) or len(node.ops) != 1 or type(node.ops[0]) not in _RELATIONS:
            raise InputError(f"{where}: a claim is one comparison (N_C == formula, N_C <= B_C), not {text!r}")
        reader = _Reader(text, where)
        return cls(text.strip(), reader.value(node.left), _RELATIONS[type(node.ops[0])],
                   reader.value(node.comparators[0]))

    def names(self) -> set[str]:
        return {s.name for s in (self.left.free_symbols | self.right.free_symbols)}


@dataclass(frozen=True)
class Conjecture:
    """Claims that should hold on every verified row of a scope."""

    name: str
    statement: str
    scope_text: str
    scope: Any
    claims: tuple[Claim, ...]
    source: str = "shipped"

    kind: Literal["conjecture"] = "conjecture"


@dataclass(frozen=True)
class Invariance:
    """Columns that should be equal on every group of verified rows with the same key."""

    name: str
    statement: str
    scope_text: str
    scope: Any
    key_text: tuple[str, ...]
    key: tuple[Any, ...]             # a TEXT_KEYS name, or a sympy expression
    columns: tuple[str, ...]
    source: str = "shipped"

    kind: Literal["invariance"] = "invariance"


@dataclass(frozen=True)
class Counterexample:
    """A row where a claim fails: its shape, the claim, the observed (left) and predicted (right) values.
    For an invariance the claim names the row of its group it disagrees with, whose value is the
    prediction."""

    widths: str
    m: int
    claim: str
    observed: int | str
    predicted: int | str


@dataclass
class ConjectureReport:
    """What the atlas says about one conjecture or invariance.

    ``rows_in_scope`` rows are in its scope; of those, ``rows_checked`` were checked (the others are in
    ``skipped``, by reason: disputed or not verified rows, empty values, undefined variables; for an
    invariance also rows alone in their group), ``rows_held`` satisfy it and ``rows_failed`` do not.
    ``n_counterexamples`` counts the counterexamples, the first :data:`MAX_COUNTEREXAMPLES` of which are in
    ``counterexamples``: one per failing row of a conjecture (its first failing claim), one per row and
    column of an invariance that differ from the first row of its group. For an invariance
    ``groups_tested`` counts the groups of two rows or more and ``groups_held`` those that agree (every
    row of a group that disagrees counts as failing).

    Printed, it is one line with its verdict:

    >>> r = ConjectureReport("reversal", "invariance", "s", "", [], "shipped", rows_in_scope=9, rows_checked=6,
    ...                      rows_held=2, rows_failed=4, skipped={"not verified": 3}, groups_tested=3, groups_held=1)
    >>> print(r)
    reversal: fails on 4 of 6 rows checked (2 of 3 groups); 3 skipped
    """

    name: str
    kind: str
    statement: str
    scope: str
    claims: list[str]
    source: str
    rows_in_scope: int = 0
    rows_checked: int = 0
    rows_held: int = 0
    rows_failed: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    counterexamples: list[Counterexample] = field(default_factory=list)
    n_counterexamples: int = 0
    groups_tested: int | None = None
    groups_held: int | None = None

    @property
    def verdict(self) -> str:
        """``holds`` (checked on at least one row, never failed), ``fails``, or ``untested``."""
        if self.rows_failed:
            return "fails"
        return "holds" if self.rows_checked else "untested"

    @property
    def rows_skipped(self) -> int:
        return sum(self.skipped.values())

    @property
    def groups_failed(self) -> int | None:
        """The groups of an invariance whose rows disagree (None for a conjecture)."""
        if self.groups_tested is None:
            return None
        return self.groups_tested - (self.groups_held or 0)

    def __str__(self) -> str:
        """The verdict and the counts behind it, in one line."""
        if self.verdict == "untested":
            return f"{self.name}: untested, no row checked; {self.rows_skipped:,} skipped"
        fails = self.verdict == "fails"
        groups = ""
        if self.groups_tested is not None:
            groups = f" ({self.groups_failed if fails else self.groups_held:,} of {self.groups_tested:,} groups)"
        return (f"{self.name}: {self.verdict} on {self.rows_failed if fails else self.rows_held:,} of "
                f"{self.rows_checked:,} rows checked{groups}; {self.rows_skipped:,} skipped")

    def counterexamples_heading(self) -> str:
        """What ``counterexamples`` holds, in words: all of them, or the first few of how many."""
        shown, n = len(self.counterexamples), self.n_counterexamples
        noun = "counterexample" if n == 1 else "counterexamples"
        return f"the first {shown} of {n:,} {noun}" if n > shown else f"{n:,} {noun}"

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    def fail(self, example: Counterexample) -> None:
        self.n_counterexamples += 1
        if len(self.counterexamples) < MAX_COUNTEREXAMPLES:
            self.counterexamples.append(example)

    def to_dict(self) -> dict:
        """The report as JSON-ready data (with its verdict)."""
        out = asdict(self)
        out["verdict"] = self.verdict
        out["rows_skipped"] = self.rows_skipped
        return out


# ---------------------------------------------------------------------------------------------- loading

def _strings(value: Any, where: str, what: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise InputError(f"{where}: {what} must be a non-empty list of strings")
    return [v.strip() for v in value]


def _table(entry: Any, where: str, required: Sequence[str], optional: Sequence[str]) -> dict:
    if not isinstance(entry, dict):
        raise InputError(f"{where}: expected a table ([[...]] with keys {', '.join(required)})")
    missing = [k for k in required if k not in entry]
    unknown = sorted(set(entry) - set(required) - set(optional))
    if missing or unknown:
        why = (f"missing {', '.join(missing)}" if missing else "") + ("; " if missing and unknown else "") + (
            f"unknown key(s) {', '.join(unknown)}" if unknown else "")
        raise InputError(f"{where}: {why} (keys: {', '.join(list(required) + list(optional))})")
    for k in ("name", "statement", "scope"):
        if k in entry and (not isinstance(entry[k], str) or (k == "name" and not entry[k].strip())):
            raise InputError(f"{where}: {k} must be a non-empty string")
    return entry


def read_conjectures(text: str, source: str = "shipped") -> list[Conjecture | Invariance]:
    """Conjectures and invariances of a TOML text (``[[conjecture]]`` and ``[[invariance]]`` tables; see
    README, *Checking conjectures*), in the file's order. InputError for anything malformed."""
    require_sympy()
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"conjectures file {source}: not valid TOML: {exc}") from None
    unknown = sorted(set(doc) - {"conjecture", "invariance"})
    if unknown:
        raise InputError(f"conjectures file {source}: unknown table(s) {', '.join(unknown)} "
                         "(expected [[conjecture]] and [[invariance]])")
    out: list[Conjecture | Invariance] = []
    names: set[str] = set()
    for kind in ("conjecture", "invariance"):
        entries = doc.get(kind, [])
        if not isinstance(entries, list):
            raise InputError(f"conjectures file {source}: write [[{kind}]], an array of tables")
        for k, raw in enumerate(entries, 1):
            where = f"conjectures file {source}, {kind} {k}"
            required = ("name", "statement", "claims") if kind == "conjecture" else ("name", "statement", "key",
                                                                                       "columns")
            entry = _table(raw, where, required, ("scope",))
            name = entry["name"].strip()
            where = f"{kind} {name!r} ({source})"
            if name in names:
                raise InputError(f"{where}: the name is used twice in the file")
            names.add(name)
            scope_text = entry.get("scope", "").strip()
            scope = _condition(scope_text or None, f"{where}, scope")
            if kind == "conjecture":
                claims = tuple(Claim.parse(c, f"{where}, claim {i}")
                               for i, c in enumerate(_strings(entry["claims"], where, "claims"), 1))
                out.append(Conjecture(name, entry["statement"].strip(), scope_text, scope, claims, source))
                continue
            key_text = tuple(_strings(entry["key"], where, "key"))
            key = tuple(t if t in TEXT_KEYS else _key_expression(t, f"{where}, key") for t in key_text)
            columns = tuple(_strings(entry["columns"], where, "columns"))
            bad = [c for c in columns if c not in COLUMNS]
            if bad:
                raise InputError(f"{where}: unknown column(s) {', '.join(bad)} (columns: {', '.join(COLUMNS)})")
            out.append(Invariance(name, entry["statement"].strip(), scope_text, scope, key_text, key, columns,
                                  source))
    return out


def _key_expression(text: str, where: str) -> Any:
    try:
        expr = parse_expression(text, where)
    except InputError as exc:     # a misspelt text key reads as an unknown name: name the text keys too
        if "unknown name" not in str(exc):
            raise
        raise InputError(f"{exc}; a key may also be {', '.join(TEXT_KEYS)}") from None
    if _is_condition(expr):
        raise InputError(f"{where}: a key is a value ({', '.join(TEXT_KEYS)}, or a number such as min(dx, m)), "
                         f"not the condition {text!r}")
    return expr


def load_conjectures(*paths: str | Path, shipped: bool = True) -> list[Conjecture | Invariance]:
    """The shipped conjectures (``configs/conjectures.toml``, unless ``shipped=False``) followed by those of
    the files ``paths``; one with the name of an earlier one replaces it, in its place.

    >>> [c.name for c in load_conjectures()][:2]
    ['one hidden layer, one data point', 'thesis bounds B_C, B_C*']
    """
    from ..model.instance import config_text
    texts: list[tuple[str, str]] = [(config_text(SHIPPED), "shipped")] if shipped else []
    for p in paths:
        try:
            texts.append((Path(p).read_text(encoding="utf-8"), str(p)))
        except (OSError, UnicodeDecodeError) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise InputError(f"cannot read conjectures file {p}: {why}") from None
    out: list[Conjecture | Invariance] = []
    for text, source in texts:
        for c in read_conjectures(text, source):
            same = [i for i, o in enumerate(out) if o.name == c.name]
            if same:
                out[same[0]] = c
            else:
                out.append(c)
    if not out:
        raise InputError("no conjectures to check (the files given have none, and the shipped ones are left out)")
    return out


# ---------------------------------------------------------------------------------------------- checking

def _value(v: Any) -> int | None:
    """A cell as an exact integer, or None when empty."""
    import pandas as pd
    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, float) and not v.is_integer():
        return None
    return int(v)


def row_values(widths: Sequence[int], m: int, cells: dict[str, Any] | None = None) -> dict[str, int | None]:
    """The variables of one row (see the module docstring): the shape's from ``widths`` and ``m``, the
    columns' from ``cells`` (None where empty or undefined).

    >>> v = row_values((2, 3, 3, 1), 2)
    >>> v["d"], v["H"], v["N"], v["w2"], v["dy"]
    (3, 2, 18, 3, 1)
    """
    hidden = list(widths[1:-1])
    N = sum(a * b for a, b in zip(widths, widths[1:]))
    out: dict[str, int | None] = {
        "dx": widths[0], "dy": widths[-1], "H": len(hidden), "m": m, "N": N,
        "d": hidden[0] if hidden and all(h == hidden[0] for h in hidden) else None}
    out.update({f"w{k}": w for k, w in enumerate(widths)})
    for c in COLUMNS:
        out[c] = _value((cells or {}).get(c))
    out["CBB"] = (2 * len(hidden) + 1) ** N   # exact, also where the dataset's cell is empty (past 2^63)
    return out


def _undefined(name: str, values: dict[str, int | None]) -> str | None:
    """Why a variable has no value on a row, or None when it has one."""
    if values.get(name) is not None:
        return None
    if name == "d":
        return "d is undefined (the hidden widths differ)"
    if _WIDTH.match(name):
        return f"{name} is undefined (fewer layers)"
    return f"{name} is empty"


#: Exact powers, factorials and binomials are computed up to this many bits: an exponent such as 2^CBB
#: (CBB = 7^12) or factorial(CBB) would otherwise take the machine's memory and hours. Past it, a value
#: counts as having none (skipped).
MAX_POWER_BITS = 10 ** 6
#: Sums and Products have at most this many terms on a row (nested ones counted together): sympy adds
#: them one by one (half a second for a thousand), and each term's sizes are judged before it is.
MAX_TERMS = 1_000


class ValueTooLarge(Exception):
    """An exact value that would take too long to compute; its text says why (a power, factorial or
    binomial past :data:`MAX_POWER_BITS` bits, more than :data:`MAX_TERMS` terms), naming the subexpression."""


def _quotable(text: Callable[[], str]) -> str:
    """``text()`` when it is short enough to quote in a message, else nothing: a constant of thousands of
    digits is not worth quoting (the message quotes the claim anyway), and past 4,300 digits Python does
    not print it."""
    try:
        out = text()
    except ValueError:
        return ""
    return out if len(out) <= 100 else ""


def _named(expr: Any) -> str:
    """`` (expr)`` to name a subexpression in a message, or nothing when it is not :func:`_quotable`."""
    out = _quotable(lambda: str(expr))
    return f" ({out})" if out else ""


def _log2_factorial(x: float) -> float:
    """log2(x!) for x >= 0 (through lgamma), infinite past a float's range."""
    import math
    try:
        return math.lgamma(x + 1) / math.log(2)
    except OverflowError:
        return math.inf


def _exact_bits(kind: str, args: Sequence[Any]) -> float:
    """About how many bits the exact value of a ``kind`` of numbers takes, as sympy computes it, judged in
    floating point before it is: a ``"power"`` (base, exponent; a negative exponent makes as large a
    denominator), a ``"factorial"`` (n) or a ``"binomial"`` (n, k). A value too large for a float counts
    as too large; one that sympy leaves unevaluated (factorial(1/2)) or that is 0 or 1 takes none. A
    binomial is judged by its factors (at most n^k), which bound the time sympy takes as well."""
    import cmath
    import math

    import sympy
    try:
        values = [complex(sympy.N(a)) for a in args]
    except (TypeError, ValueError, OverflowError):
        return math.inf
    if any(cmath.isnan(v) for v in values):     # of nan or zoo (0/0, 1/0), sympy computes nothing
        return 0.0
    if kind == "power":
        b, e = abs(values[0]), values[1]
        if e.imag:
            return math.inf
        if b in (0.0, 1.0) or e.real == 0:
            return 0.0
        return abs(e.real) * max(1.0, abs(math.log2(b)))
    if any(cmath.isinf(v) for v in values):
        return math.inf

    def whole(v: complex) -> bool:
        return not v.imag and v.real.is_integer() and v.real >= 0

    if kind == "factorial":
        return _log2_factorial(values[0].real) if whole(values[0]) else 0.0
    n, k = values
    if k.imag or not k.real.is_integer():       # sympy's gamma(n + 1) / (gamma(k + 1) gamma(n - k + 1))
        return sum(_log2_factorial(abs(v)) for v in (n, k, n - k))
    if k.real < 0:
        return 0.0
    if not whole(n):                            # sympy multiplies k factors up to |n| + k, then divides by k!
        return k.real * math.log2(abs(n) + k.real + 1) + _log2_factorial(k.real)
    # sympy's binomial(n, k) is binomial(n, j), j = min(k, n - k), at most n^j: it multiplies j factors one
    # by one on numbers of up to as many bits (binomial(10^6, 5*10^5) takes a minute for its million bits)
    j = min(k.real, n.real - k.real)
    return j * math.log2(n.real) if j > 0 else 0.0


class _Sizes:
    """Judges the exact values an expression would make before sympy computes them: sympy computes a
    power, factorial or binomial of numbers at once, and a Sum or Product term by term. Those are judged
    with the symbols at their values (floats), those inside a Sum or Product at every value of its index."""

    def __init__(self) -> None:
        self.terms = 0

    def bits(self, expr: Any, at: dict[Any, Any]) -> float:
        """The bits of the powers, factorials, binomials and numbers of ``expr`` added up, its symbols at the
        values ``at`` (those with other symbols are left out); ValueTooLarge for one past MAX_POWER_BITS
        bits or past MAX_TERMS terms."""
        import sympy
        if isinstance(expr, sympy.Rational):     # a constant power is computed when read: 2^(10^4)
            return float(int(expr.p).bit_length() + int(expr.q).bit_length())
        if isinstance(expr, (sympy.Sum, sympy.Product)):
            return self.series_bits(expr, at)
        own = 0.0
        kind = next((k for t, k in ((sympy.Pow, "power"), (sympy.factorial, "factorial"),
                                    (sympy.binomial, "binomial")) if isinstance(expr, t)), None)
        if kind and expr.free_symbols <= set(at):
            own = _exact_bits(kind, [arg.xreplace(at) for arg in expr.args])
            if own > MAX_POWER_BITS:
                raise ValueTooLarge(f"a {kind} past {MAX_POWER_BITS:,} bits{_named(expr)}")
        return own + sum(self.bits(arg, at) for arg in expr.args)

    def series_bits(self, expr: Any, at: dict[Any, Any], depth: int | None = None) -> float:
        """:meth:`bits` of a Sum (its largest term's) or a Product (its terms' added up), the term judged
        at each value of the indices, as sympy takes them (limits included; hi < lo: sympy's terms hi + 1
        .. lo - 1). sympy keeps nested Sums as one, with limits innermost first: ``depth`` of them are
        left to run (all when None)."""
        import math

        import sympy
        depth = len(expr.limits) if depth is None else depth
        if depth == 0:
            return self.bits(expr.function, at)
        index, lo, hi = expr.limits[depth - 1]
        bits = self.bits(lo, at) + self.bits(hi, at)
        ends = [lo.xreplace(at), hi.xreplace(at)]
        if any(e.free_symbols for e in ends):
            return bits         # limits that depend on a row, judged when the row's values are known
        try:
            a, b = (float(sympy.N(e)) for e in ends)
        except (TypeError, ValueError):
            return bits         # a limit that is not a number: sympy's value is none either
        if math.isnan(a) or math.isnan(b):
            return bits
        if self.terms + (b - a + 1 if b >= a else a - b - 1) > MAX_TERMS:    # an infinite limit too
            raise ValueTooLarge(f"more than {MAX_TERMS:,} terms to add or multiply{_named(expr)}")
        first, last = (math.ceil(a), math.floor(b)) if b >= a else (math.floor(b) + 1, math.ceil(a) - 1)
        self.terms += max(0, last - first + 1)
        terms = [self.series_bits(expr, {**at, index: sympy.Float(k)}, depth - 1) for k in range(first, last + 1)]
        if isinstance(expr, sympy.Sum):
            return bits + max(terms, default=0.0)
        if sum(terms) > MAX_POWER_BITS:
            raise ValueTooLarge(f"a product past {MAX_POWER_BITS:,} bits{_named(expr)}")
        return bits + sum(terms)


def _evaluate(expr: Any, values: dict[str, int | None]) -> Any:
    """The exact value of ``expr`` on a row (every variable defined): a sympy number or truth value.
    Its sizes are judged first (:class:`_Sizes`; ValueTooLarge past MAX_POWER_BITS or MAX_TERMS)."""
    import sympy
    subs = {s: sympy.Integer(values[s.name]) for s in expr.free_symbols if s.name in values}
    _Sizes().bits(expr, {s: sympy.Float(v) for s, v in subs.items()})
    return expr.xreplace(subs).doit()


def _number(v: Any) -> int | Fraction | None:
    import sympy
    if isinstance(v, sympy.Integer):
        return int(v)
    if isinstance(v, sympy.Rational):
        return Fraction(int(v.p), int(v.q))
    return None


def _in_scope(scope: Any, values: dict[str, int | None]) -> bool:
    import sympy
    if scope is sympy.true:
        return True
    if any(values.get(s.name) is None for s in scope.free_symbols):
        return False      # the scope speaks of a value the row does not have
    return bool(_evaluate(scope, values) is sympy.true)


def _compare(a: int | Fraction, op: str, b: int | Fraction) -> bool:
    return {"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


@dataclass
class _Row:
    widths: tuple[int, ...]
    m: int
    status: str
    values: dict[str, int | None]

    @property
    def label(self) -> str:
        return ",".join(map(str, self.widths))


def _rows(frame: pd.DataFrame) -> list[_Row]:
    missing = [c for c in ("widths", "m", "status") if c not in frame.columns]
    if missing:
        raise InputError(f"the atlas has no column {', '.join(missing)}")
    rows = []
    present = [c for c in COLUMNS if c in frame.columns]
    for rec in frame[["widths", "m", "status", *present]].to_dict("records"):
        try:
            widths = tuple(int(w) for w in str(rec["widths"]).split(","))
            m = int(rec["m"])
        except ValueError:
            raise InputError(f"the atlas has a row with widths {rec['widths']!r} and m {rec['m']!r}: not a "
                             "shape") from None
        if len(widths) < 2 or min(widths) < 1 or m < 1:
            raise InputError(f"the atlas has a row with widths {rec['widths']!r} and m {m}: not a shape")
        rows.append(_Row(widths, m, str(rec["status"]), row_values(widths, m, {str(k): v for k, v in rec.items()})))
    return rows


def _show(v: int | Fraction) -> int | str:
    return v if isinstance(v, int) else str(v)


def _verified_in_scope(scope: Any, rows: list[_Row], rep: ConjectureReport) -> Iterator[_Row]:
    """The verified rows in ``scope``; every row in scope is counted in ``rep``, the others skipped there
    by their status. A row whose scope is too large to judge is counted and skipped, saying so."""
    for row in rows:
        try:
            inside = _in_scope(scope, row.values)
        except ValueTooLarge as exc:
            rep.rows_in_scope += 1
            rep.skip(f"its scope has {exc}")
            continue
        if not inside:
            continue
        rep.rows_in_scope += 1
        if row.status != "verified":
            rep.skip(row.status)
            continue
        yield row


def _check_conjecture(c: Conjecture, rows: list[_Row]) -> ConjectureReport:
    rep = ConjectureReport(c.name, c.kind, c.statement, c.scope_text, [cl.text for cl in c.claims], c.source)
    for row in _verified_in_scope(c.scope, rows, rep):
        names = set().union(*(cl.names() for cl in c.claims))
        why = next((w for n in sorted(names) if (w := _undefined(n, row.values))), None)
        if why:
            rep.skip(why)
            continue
        failed: Counterexample | None = None
        for cl in c.claims:
            try:
                left, right = _number(_evaluate(cl.left, row.values)), _number(_evaluate(cl.right, row.values))
            except ValueTooLarge as exc:
                why = f"{cl.text} has {exc}"
                break
            if left is None or right is None:
                why = f"{cl.text} has no value (division by zero?)"
                break
            if failed is None and not _compare(left, cl.op, right):
                failed = Counterexample(row.label, row.m, cl.text, _show(left), _show(right))
        if why:
            rep.skip(why)
            continue
        rep.rows_checked += 1
        if failed is None:
            rep.rows_held += 1
        else:
            rep.rows_failed += 1
            rep.fail(failed)
    return rep


def _key_part(part: Any, row: _Row) -> Any:
    if isinstance(part, str):
        if part == "widths":
            return row.label
        if part == "hidden":
            return ",".join(map(str, row.widths[1:-1]))
        return ",".join(map(str, min(row.widths, row.widths[::-1])))
    if any(_undefined(s.name, row.values) for s in part.free_symbols):
        return None
    return _number(_evaluate(part, row.values))


def _check_invariance(c: Invariance, rows: list[_Row]) -> ConjectureReport:
    claims = [f"{col} is the same on rows of equal {', '.join(c.key_text)}" for col in c.columns]
    rep = ConjectureReport(c.name, c.kind, c.statement, c.scope_text, claims, c.source, groups_tested=0,
                           groups_held=0)
    groups: dict[tuple, list[_Row]] = {}
    for row in _verified_in_scope(c.scope, rows, rep):
        try:
            key = tuple(_key_part(p, row) for p in c.key)
        except ValueTooLarge as exc:
            rep.skip(f"its key has {exc}")
            continue
        if any(k is None for k in key):
            rep.skip("its key is undefined")
            continue
        why = next((w for col in c.columns if (w := _undefined(col, row.values))), None)
        if why:
            rep.skip(why)
            continue
        groups.setdefault(key, []).append(row)
    for members in groups.values():
        if len(members) < 2:
            rep.skip("no other row with its key")
            continue
        rep.groups_tested = (rep.groups_tested or 0) + 1
        rep.rows_checked += len(members)
        first = members[0]
        wrong = [(row, col) for row in members[1:] for col in c.columns if row.values[col] != first.values[col]]
        if not wrong:
            rep.groups_held = (rep.groups_held or 0) + 1
            rep.rows_held += len(members)
            continue
        rep.rows_failed += len(members)
        for row, col in wrong:
            observed, predicted = row.values[col], first.values[col]
            assert observed is not None and predicted is not None
            rep.fail(Counterexample(row.label, row.m, f"{col} as on {first.label} m={first.m}", observed, predicted))
    return rep


def check_conjectures(frame: pd.DataFrame, conjectures: Iterable[Conjecture | Invariance] | None = None
                      ) -> list[ConjectureReport]:
    """Check conjectures and invariances (default: the shipped ones, :func:`load_conjectures`) against an
    atlas: a frame with the columns ``widths`` (text ``"2,3,2"``), ``m``, ``status`` (only ``verified``
    rows are checked) and the integer columns the expressions name (:data:`COLUMNS`; empty cells are
    skipped). One report per conjecture, in order.

    >>> import pandas as pd
    >>> atlas = pd.DataFrame({"widths": ["2,2,2", "2,3,2"], "m": [1, 1], "status": ["verified"] * 2,
    ...                       "N_C": [33, 73], "N_C_star": [16, 0]})
    >>> [(r.name, r.verdict, r.rows_checked) for r in check_conjectures(atlas)][:1]
    [('one hidden layer, one data point', 'holds', 2)]
    """
    require_sympy()
    todo = load_conjectures() if conjectures is None else list(conjectures)
    rows = _rows(frame)
    return [_check_conjecture(c, rows) if isinstance(c, Conjecture) else _check_invariance(c, rows) for c in todo]
