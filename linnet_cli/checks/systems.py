"""Export the gradient system of an instance for other software.

Formats (:data:`FORMATS`):

``text``
    readable equations ``<polynomial> = 0``, one per line, after a ``#`` header (shape, N, data).
``julia``
    a runnable HomotopyContinuation.jl (v2.x) script printing, one per line, the number of
    (non-singular, finite) solutions, those with no zero coordinate and the real ones.
``phc``
    a PHCpack input file (``phc -b``): the number of equations, then each polynomial ended by ``;``.
``singular``
    a Singular script printing N_C = vdim(std(I)) and N_C* (vdim after saturating by the product of
    all variables) on two lines, then quitting: ``... | Singular -q``.
``msolve``
    msolve input: variables, characteristic, then the polynomials separated by commas.
``json``
    variables, per-equation exponents and coefficients, the instance data and the widths.

The exact formats (singular, msolve, phc) always use the exact rational values of the instance
(:meth:`Instance.exact_values`): the drawn small rationals of a rational random instance, the
exact binary value of each float otherwise. The other formats use them when the instance has
known exact values and floats otherwise.

How the exact values are written, per tool:

* Singular reads ``3/7`` as an exact rational (over a prime field: 3 · 7⁻¹); coefficients are
  parenthesised, ``(3/7)*w1_1_1``, so that no operator precedence is involved.
* msolve reads integer coefficients: each polynomial is multiplied by the least common multiple
  of its denominators (same ideal, same solutions, same degree). Over a prime field they are
  written as residues in [0, p): msolve 0.10.1 misreads integers of 2^31 or more there (the
  ideal it then solves is not the instance's).
* PHCpack computes in floating point: it reads ``2/7`` as a division evaluated in the working
  precision (PHCv2.4.86), not as an exact rational. Coefficients are written as decimals with 40
  significant digits instead, enough for its double, double-double and quad-double modes
  (``phc -b``, ``-b2``, ``-b4``) and independent of how a version treats quotients.
* Variable names ``w<layer>_<row>_<col>`` are accepted by all of them (PHCpack reserves names
  starting with e, E, i or I; HomotopyContinuation.jl declares them with ``@var``). PHCpack lists
  the variables of its solutions in order of first appearance, not as declared: read them by name.
"""
from __future__ import annotations

import math
from decimal import Context, Decimal
from fractions import Fraction
from typing import Any
from collections.abc import Callable, Sequence

import numpy as np

from ..errors import InputError, opt
from ..export import json_text
from ..model.instance import Instance
from ..model.symbolic import SparseSystem, sparse_system

#: Export formats understood by :func:`system_text`.
FORMATS = ("text", "julia", "phc", "singular", "msolve", "json")

#: Formats whose coefficients are always the exact rationals of the instance.
EXACT_FORMATS = ("singular", "msolve", "phc")

#: Formats that can be written over a prime field.
PRIME_FORMATS = ("singular", "msolve")

#: Significant digits of the decimal coefficients written for PHCpack.
PHC_DIGITS = 40

#: Largest prime accepted for prime-field output (msolve supports primes below 2^31).
MAX_PRIME = 2**31 - 1


def system_text(instance: Instance, fmt: str, prime: int | None = None, torus: bool = False) -> str:
    """The gradient system of ``instance`` in format ``fmt`` (one of :data:`FORMATS`).

    ``prime`` (singular and msolve only) writes the system over the prime field of that
    characteristic instead of the rationals: much faster for Gröbner bases, and the counts are
    those over Q with high probability. ``torus`` (msolve only) adds a variable z and the equation
    z·w_1⋯w_N = 1, so that the solutions are exactly the torus critical points (their number is N_C*).
    """
    fmt = str(fmt).lower()
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if prime is not None:
        if fmt not in PRIME_FORMATS:
            raise InputError(f"a prime field is available only for the formats {', '.join(PRIME_FORMATS)}, "
                             f"not {fmt!r}")
        prime = _check_prime(prime)
    exact = fmt in EXACT_FORMATS or instance.exact is not None
    system = sparse_system(instance, exact=exact)
    if fmt == "text":
        return _text(instance, system, exact)
    if fmt == "julia":
        return _julia(instance, system, exact)
    if fmt == "phc":
        return _phc(system)
    if prime is not None:
        _check_denominators(system, prime)
    if fmt == "singular":
        return _singular(instance, system, prime)
    if fmt == "msolve":
        return _msolve(system, prime, torus)
    if torus:
        raise InputError("the torus form is available for msolve only")
    return _json(instance, system, exact)


def _check_prime(p: Any) -> int:
    try:
        p = int(p)
    except (TypeError, ValueError):
        raise InputError(f"{opt('prime')}: expected an integer, got {p!r}") from None
    if p < 3 or p > MAX_PRIME or not _is_prime(p):
        raise InputError(f"{opt('prime')}: expected a prime between 3 and {MAX_PRIME} (e.g. 32003), got {p}")
    return p


def _check_denominators(system: SparseSystem, prime: int) -> None:
    """The system has a reduction mod ``prime`` only if no coefficient has a denominator divisible by it."""
    for c in system.coefficients:
        if any(Fraction(v).denominator % prime == 0 for v in c):
            raise InputError(f"{opt('prime', prime)} divides a denominator of the instance's coefficients; "
                             "choose another prime")


def _is_prime(n: int) -> bool:
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    return all(n % k for k in range(3, math.isqrt(n) + 1, 2))


# ---------------------------------------------------------------------------------------------
# polynomials as strings

def _ordered_terms(exps: np.ndarray, coefs: np.ndarray) -> list[tuple[np.ndarray, Any]]:
    """Terms sorted by decreasing degree, then by decreasing exponent vector (deterministic)."""
    order = sorted(range(len(coefs)), key=lambda t: (-int(exps[t].sum()), tuple(-int(v) for v in exps[t])))
    return [(exps[t], coefs[t]) for t in order]


def _monomial(e: np.ndarray, names: Sequence[str], pow_op: str) -> str:
    parts = []
    for v, k in enumerate(e):
        k = int(k)
        if k == 1:
            parts.append(names[v])
        elif k > 1:
            parts.append(f"{names[v]}{pow_op}{k}")
    return "*".join(parts)


def _poly(exps: np.ndarray, coefs: np.ndarray, names: Sequence[str], coef: Callable[[Any], str],
          pow_op: str = "^", order: bool = True) -> str:
    """``c1*m1 + c2*m2 - ...``; ``coef`` writes the absolute value of a coefficient."""
    terms = _ordered_terms(exps, coefs) if order else list(zip(exps, coefs))
    out: list[str] = []
    for e, c in terms:
        if c == 0:
            continue
        mono = _monomial(e, names, pow_op)
        a = abs(c)
        if mono and a == 1:
            body = mono
        elif mono:
            body = f"{coef(a)}*{mono}"
        else:
            body = coef(a)
        sign = "-" if c < 0 else "+"
        if not out:
            out.append(body if sign == "+" else f"-{body}")
        else:
            out.append(f" {sign} {body}")
    return "".join(out) if out else "0"


def _frac_str(c: Any) -> str:
    return str(Fraction(c))


def _float_str(c: Any) -> str:
    return repr(float(c))


def _decimal_str(c: Any, digits: int = PHC_DIGITS) -> str:
    """A decimal with ``digits`` significant digits in E notation, e.g. ``4.2857...E-01``."""
    f = Fraction(c)
    ctx = Context(prec=digits)
    d = ctx.divide(Decimal(f.numerator), Decimal(f.denominator))
    s = f"{d:.{digits - 1}E}"
    mant, _, exp = s.partition("E")
    return f"{mant}E{int(exp):+03d}"


def _cleared(coefs: np.ndarray) -> list[int]:
    """Coefficients multiplied by the lcm of their denominators, divided by the gcd: integers."""
    fr = [Fraction(c) for c in coefs]
    lcm = 1
    for f in fr:
        lcm = lcm * f.denominator // math.gcd(lcm, f.denominator)
    ints = [int(f * lcm) for f in fr]
    g = 0
    for v in ints:
        g = math.gcd(g, v)
    return [v // g for v in ints] if g > 1 else ints


def _data_lines(instance: Instance, exact: bool, prefix: str) -> list[str]:
    vals = instance.exact_values() if exact else (instance.X, instance.Y, *instance.Lambda)
    names = ["X", "Y"] + [f"Lambda{i}" for i in range(1, len(vals) - 1)]
    fmt = _frac_str if exact else _float_str
    lines = []
    for name, a in zip(names, vals):
        rows = "; ".join(", ".join(fmt(v) for v in row) for row in np.asarray(a))
        lines.append(f"{prefix}{name} = [{rows}]")
    return lines


def _header(instance: Instance, prefix: str, exact: bool | None = None) -> list[str]:
    net = instance.network
    lines = [
        f"{prefix}gradient system of a regularized linear network ({net.label()})",
        f"{prefix}widths {net.text}, H = {net.H}, m = {instance.m}, "
        f"N = {net.N} variables and equations of degree {2 * net.H + 1}",
        f"{prefix}instance: {' '.join(str(instance.source).split())}"
        + (f", seed {instance.seed}" if instance.seed is not None else ""),
    ]
    if exact is not None:
        lines += _data_lines(instance, exact, prefix)
    return lines


# ---------------------------------------------------------------------------------------------
# formats

def _text(instance: Instance, system: SparseSystem, exact: bool) -> str:
    names = instance.network.variable_names()
    coef = _frac_str if exact else _float_str
    lines = _header(instance, "# ", exact)
    lines.append(f"# variables: {' '.join(names)}")
    lines.append("# equations (dL/dw = 0, one per variable, in the order above):")
    for e, c in zip(system.exponents, system.coefficients):
        lines.append(_poly(e, c, names, coef) + " = 0")
    return "\n".join(lines) + "\n"


def _julia(instance: Instance, system: SparseSystem, exact: bool) -> str:
    names = instance.network.variable_names()
    coef = (lambda c: _frac_str(c).replace("/", "//")) if exact else _float_str  # noqa: E731
    eqs = [_poly(e, c, names, coef) for e, c in zip(system.exponents, system.coefficients)]
    lines = _header(instance, "# ", exact)
    lines += [
        "# Prints, one per line: the number of finite non-singular solutions (N_C),",
        "# those with no zero coordinate (N_C*) and the real ones.",
        "using HomotopyContinuation",
        "",
        f"@var {' '.join(names)}",
        f"vars = [{', '.join(names)}]",
        "F = System([",
    ]
    lines += [f"    {q}," for q in eqs]
    lines += [
        "]; variables = vars)",
        "",
        "result = solve(F; show_progress = false)",
        "sols = solutions(result)",
        "println(nsolutions(result))",
        "println(count(s -> all(z -> abs(z) > 1e-8 * max(1.0, maximum(abs, s)), s), sols))",
        "println(nreal(result))",
    ]
    return "\n".join(lines) + "\n"


def _phc(system: SparseSystem) -> str:
    names = system.network.variable_names()
    out = [str(system.N)]
    for e, c in zip(system.exponents, system.coefficients):
        out.append(_poly(e, c, names, _decimal_str, pow_op="**") + ";")
    return "\n".join(out) + "\n"


def _singular(instance: Instance, system: SparseSystem, prime: int | None) -> str:
    names = system.network.variable_names()
    field = "0" if prime is None else str(prime)
    lines = _header(instance, "// ")
    lines += [
        f"// over {'the rationals' if prime is None else f'the prime field F_{prime}'}; prints N_C, then N_C*",
        'LIB "elim.lib";',
        "option(redSB);",
        f"ring r = {field}, ({', '.join(names)}), dp;",
        "ideal I =",
    ]
    polys = [_poly(e, c, names, lambda a: f"({_frac_str(a)})") for e, c in zip(system.exponents, system.coefficients)]
    lines += [f"  {p}{',' if k < len(polys) - 1 else ';'}" for k, p in enumerate(polys)]
    lines += [
        "ideal G = std(I);",
        "print(vdim(G));",
        f"poly prodvars = {'*'.join(names)};",
        "// saturation: elim.lib's sat returns [ideal, exponent] up to Singular 4.3.1;",
        "// later versions return the ideal from sat and the list from sat_with_exp",
        "ideal S;",
        "if (defined(sat_with_exp)) { S = sat_with_exp(G, ideal(prodvars))[1]; }",
        "else { list satL = sat(G, ideal(prodvars)); S = satL[1]; }",
        "print(vdim(std(S)));",
        "quit;",
    ]
    return "\n".join(lines) + "\n"


def _msolve(system: SparseSystem, prime: int | None, torus: bool = False) -> str:
    names = system.network.variable_names()
    polys = []
    for e, c in zip(system.exponents, system.coefficients):
        ints = _cleared(c)
        if prime is not None:
            # residues: msolve 0.10 reads coefficients >= 2^31 wrongly over prime fields
            ints = [v % prime for v in ints]
        polys.append(_poly(e, np.array(ints, dtype=object), names, str))
    if torus:   # Rabinowitsch: z·w_1⋯w_N − 1 = 0 leaves exactly the solutions with no zero coordinate
        polys.append("z*" + "*".join(names) + "-1")
        names = names + ["z"]
    lines = [",".join(names), "0" if prime is None else str(prime)]
    lines += [p + ("," if k < len(polys) - 1 else "") for k, p in enumerate(polys)]
    return "\n".join(lines) + "\n"


def _json(instance: Instance, system: SparseSystem, exact: bool) -> str:
    coef = _frac_str if exact else float
    data = instance.to_dict()
    if exact:
        vals = instance.exact_values()
        data["X"] = [[_frac_str(v) for v in row] for row in vals[0]]
        data["Y"] = [[_frac_str(v) for v in row] for row in vals[1]]
        data["Lambda"] = [[[_frac_str(v) for v in row] for row in L] for L in vals[2:]]
    obj = {
        "variables": instance.network.variable_names(),
        "widths": list(instance.network.widths),
        "exact": exact,
        "equations": [{"exponents": e.tolist(), "coefficients": [coef(v) for v in c]}
                      for e, c in zip(system.exponents, system.coefficients)],
        "data": data,
    }
    return json_text(obj)
