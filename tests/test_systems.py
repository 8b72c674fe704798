"""The systems linnet writes for other tools (text, json, Singular, msolve, PHCpack, Julia): exact
coefficients, round trips, and equality with the symbolic gradient (sympy)."""
from __future__ import annotations

import csv
import json
import re
from fractions import Fraction
from functools import cache
from importlib import resources

import numpy as np
import pytest

from linnet_cli.checks.systems import FORMATS, system_text
from linnet_cli.errors import InputError
from linnet_cli.model.instance import Instance, load_instance, random_instance
from linnet_cli.model.network import Network
from linnet_cli.model.symbolic import sparse_system

sympy = pytest.importorskip("sympy")


# ---------------------------------------------------------------------------------------------
# Table 3.1 rows and their instances

def _published_rows() -> list[dict[str, int]]:
    text = resources.files("linnet_cli.configs").joinpath("table-3.1-published.tsv").read_text()
    return [{k: int(v) for k, v in row.items()} for row in csv.DictReader(text.splitlines(), delimiter="\t")]


ROWS = _published_rows()
ROWS_1_14 = [r for r in ROWS if r["no"] <= 14]
ROWS_15_26 = [r for r in ROWS if r["no"] >= 15]


def _row_id(row: dict[str, int]) -> str:
    return f"row{row['no']}-d{row['d']}dx{row['dx']}dy{row['dy']}"


@cache
def _row_instance(no: int) -> Instance:
    row = next(r for r in ROWS if r["no"] == no)
    net = Network.uniform(row["d"], row["dx"], row["dy"])
    return random_instance(net, m=1, seed=no, rational=True)


SMALL = Network.uniform(2, 2, 2)


@pytest.fixture(scope="module")
def float_instance() -> Instance:
    return random_instance(Network((2, 2, 1, 2)), m=2, seed=6)


def _exact_polys(instance: Instance) -> list[dict[tuple[int, ...], Fraction]]:
    system = sparse_system(instance, exact=True)
    return [{tuple(int(v) for v in e): Fraction(c) for e, c in zip(E, C) if c != 0}
            for E, C in zip(system.exponents, system.coefficients)]


def _sympy_polys(texts: list[str], names: list[str], xor: bool = True) -> list[dict[tuple[int, ...], Fraction]]:
    """Parse polynomial strings exactly (integers and p/q become rationals) into monomial -> coefficient."""
    from sympy.parsing.sympy_parser import convert_xor, parse_expr, standard_transformations

    syms = sympy.symbols(names)
    local = dict(zip(names, syms))
    trans = standard_transformations + ((convert_xor,) if xor else ())
    out = []
    for t in texts:
        expr = parse_expr(t, local_dict=local, transformations=trans, evaluate=True)
        expr = sympy.nsimplify(expr, rational=True) if expr.has(sympy.Float) else expr
        poly = sympy.Poly(sympy.expand(expr), *syms)
        out.append({m: Fraction(int(c.p), int(c.q)) for m, c in poly.terms()})
    return out


def _proportional(p: dict, q: dict) -> bool:
    if set(p) != set(q):
        return False
    k = next(iter(p))
    ratio = q[k] / p[k]
    return all(q[m] == ratio * p[m] for m in p)


# ---------------------------------------------------------------------------------------------
# the formats

def test_formats_listed():
    assert set(FORMATS) == {"text", "julia", "phc", "singular", "msolve", "json"}


def test_bad_format_and_prime_are_input_errors(rational_instance):
    with pytest.raises(InputError, match="unknown format"):
        system_text(rational_instance, "maple")
    with pytest.raises(InputError, match="prime field"):
        system_text(rational_instance, "text", prime=32003)
    with pytest.raises(InputError, match="prime"):
        system_text(rational_instance, "singular", prime=32000)
    with pytest.raises(InputError, match="prime"):
        system_text(rational_instance, "msolve", prime="many")


def test_prime_dividing_a_denominator_is_refused():
    net = Network.uniform(1, 1, 1)
    one = np.array([[Fraction(1)]], dtype=object)
    x = np.array([[Fraction(2, 97)]], dtype=object)
    lam = (np.array([[Fraction(1, 3)]], dtype=object), np.array([[Fraction(2, 5)]], dtype=object))
    inst = Instance(net, x.astype(float), one.astype(float), tuple(a.astype(float) for a in lam),
                    exact=(x, one) + lam)
    with pytest.raises(InputError, match="divides a denominator"):
        system_text(inst, "singular", prime=97)
    assert "ring r = 101" in system_text(inst, "singular", prime=101)


def test_text_has_header_and_one_exact_equation_per_variable(rational_instance):
    out = system_text(rational_instance, "text")
    lines = out.splitlines()
    header = [ln for ln in lines if ln.startswith("#")]
    eqs = [ln for ln in lines if ln and not ln.startswith("#")]
    assert len(eqs) == SMALL.N
    assert all(ln.endswith(" = 0") for ln in eqs)
    assert any("N = 8" in ln for ln in header)
    assert any(ln.startswith("# X = [") for ln in header)
    assert any(ln.startswith("# Lambda2 = [") for ln in header)
    names = SMALL.variable_names()
    parsed = _sympy_polys([ln[:-4] for ln in eqs], names)
    assert parsed == _exact_polys(rational_instance)


def test_text_of_a_float_instance_uses_floats(float_instance):
    out = system_text(float_instance, "text")
    eqs = [ln for ln in out.splitlines() if ln and not ln.startswith("#")]
    assert len(eqs) == float_instance.network.N
    assert "/" not in "".join(eqs)
    assert "degree 5" in out


def test_json_round_trips_to_the_same_system(rational_instance, tmp_path):
    obj = json.loads(system_text(rational_instance, "json"))
    assert obj["variables"] == SMALL.variable_names()
    assert obj["widths"] == list(SMALL.widths)
    assert obj["exact"] is True
    system = sparse_system(rational_instance, exact=True)
    assert len(obj["equations"]) == SMALL.N
    for eq, E, C in zip(obj["equations"], system.exponents, system.coefficients):
        assert np.array_equal(np.array(eq["exponents"], dtype=np.int64).reshape(E.shape), E)
        assert [Fraction(c) for c in eq["coefficients"]] == list(C)
        assert all(isinstance(c, str) for c in eq["coefficients"])
    # the data part is an instance file linnet reads back with the same exact values
    path = tmp_path / "data.json"
    path.write_text(json.dumps(obj["data"]))
    back = load_instance(path)
    for a, b in zip(back.exact_values(), rational_instance.exact_values()):
        assert np.array_equal(a, b)


def test_json_of_a_float_instance_has_float_coefficients(float_instance):
    obj = json.loads(system_text(float_instance, "json"))
    assert obj["exact"] is False
    system = sparse_system(float_instance)
    for eq, C in zip(obj["equations"], system.coefficients):
        assert all(isinstance(c, float) for c in eq["coefficients"])
        assert np.allclose(eq["coefficients"], C, rtol=0, atol=0)


def test_singular_script(rational_instance):
    out = system_text(rational_instance, "singular")
    names = SMALL.variable_names()
    assert f"ring r = 0, ({', '.join(names)}), dp;" in out
    assert 'LIB "elim.lib";' in out
    assert out.rstrip().endswith("quit;")
    assert out.count("print(") == 2
    body = out[out.index("ideal I =") + len("ideal I ="):out.index(";", out.index("ideal I ="))]
    polys = [p.strip() for p in body.split(",\n")]
    assert _sympy_polys(polys, names) == _exact_polys(rational_instance)
    assert "ring r = 32003, (" in system_text(rational_instance, "singular", prime=32003)


def test_msolve_input(rational_instance):
    out = system_text(rational_instance, "msolve")
    lines = out.splitlines()
    names = SMALL.variable_names()
    assert lines[0] == ",".join(names)
    assert lines[1] == "0"
    polys = lines[2:]
    assert len(polys) == SMALL.N
    assert all(p.endswith(",") for p in polys[:-1]) and not polys[-1].endswith(",")
    assert "/" not in out
    parsed = _sympy_polys([p.rstrip(",") for p in polys], names)
    for got, want in zip(parsed, _exact_polys(rational_instance)):
        assert _proportional(want, got)
        assert all(c.denominator == 1 for c in got.values())
    prime_out = system_text(rational_instance, "msolve", prime=32003)
    assert prime_out.splitlines()[1] == "32003"
    coefs = [int(v) for v in re.findall(r"(?<![\w_])(\d+)\*", "\n".join(prime_out.splitlines()[2:]))]
    assert coefs and max(coefs) < 32003


def test_phc_input(rational_instance):
    out = system_text(rational_instance, "phc")
    lines = out.splitlines()
    names = SMALL.variable_names()
    assert lines[0] == str(SMALL.N)
    polys = lines[1:]
    assert len(polys) == SMALL.N and all(p.endswith(";") for p in polys)
    assert "/" not in out
    assert not any(n[0] in "eEiI" for n in names)
    parsed = _sympy_polys([p[:-1].replace("**", "^") for p in polys], names)
    for got, want in zip(parsed, _exact_polys(rational_instance)):
        assert set(got) == set(want)
        for m in want:  # 40 significant digits
            assert abs(got[m] - want[m]) <= abs(want[m]) * Fraction(1, 10**38)


def test_julia_script(rational_instance, float_instance):
    out = system_text(rational_instance, "julia")
    names = SMALL.variable_names()
    assert "using HomotopyContinuation" in out
    assert f"@var {' '.join(names)}" in out
    assert "result = solve(F" in out and "println(nsolutions(result))" in out
    assert "nreal(result)" in out
    eqs = [ln.strip().rstrip(",") for ln in out.splitlines() if ln.startswith("    ")]
    assert len(eqs) == SMALL.N
    assert "//" in out
    parsed = _sympy_polys([e.replace("//", "/") for e in eqs], names)
    assert parsed == _exact_polys(rational_instance)
    assert "//" not in system_text(float_instance, "julia")
