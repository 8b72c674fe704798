"""Rigorous certification (Krawczyk's method in ball arithmetic) of computed critical points."""
from __future__ import annotations

import csv
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("flint")

from linnet_cli.checks import certify as C                              # noqa: E402
from linnet_cli.checks.certify import certify_points, certify_result, certify_solutions  # noqa: E402
from linnet_cli.model.instance import random_instance                  # noqa: E402
from linnet_cli.model.network import Network                           # noqa: E402
from linnet_cli import solve                               # noqa: E402
from linnet_cli.model.symbolic import sparse_system                    # noqa: E402

SEED = 7
PUBLISHED = Path(__file__).resolve().parent.parent / "configs" / "table-3.1-published.tsv"


def published_rows() -> list[dict[str, int]]:
    with PUBLISHED.open() as fh:
        return [{k: int(v) for k, v in row.items()} for row in csv.DictReader(fh, delimiter="\t")]


def _solved(widths: tuple[int, ...], m: int = 1, seed: int = SEED, rational: bool = True):
    inst = random_instance(Network(widths), m=m, seed=seed, rational=rational)
    return solve(inst, seed=seed)


@pytest.fixture(scope="module")
def solved_222():
    return _solved((2, 2, 2))


@pytest.mark.parametrize("row", published_rows()[:18], ids=lambda r: f"row{r['no']}")
def test_table_rows_certify_completely(row):
    res = solve(random_instance(Network.uniform(row["d"], row["dx"], row["dy"]), seed=SEED, rational=True),
                seed=SEED)
    cert = certify_result(res)
    assert cert.n_certified == row["NC"] == res.n_complex
    assert cert.n_uncertified == 0 and cert.n_duplicates == 0
    assert cert.n_certified_torus == row["NCstar"]
    assert cert.n_certified_regular == row["NC"]
    assert cert.n_certified_real == res.n_real
    assert cert.n_certified_real + cert.n_certified_nonreal == cert.n_certified
    assert cert.B_C == row["BC"]
    assert cert.proves_count is (row["NC"] == row["BC"])


def test_to_dict_keys(solved_222):
    d = certify_result(solved_222).to_dict()
    for key in ("n_certified", "n_certified_torus", "n_certified_real", "n_certified_nonreal",
                "n_uncertified", "seconds", "uncertified", "proves_count", "B_C"):
        assert key in d
    assert d["n_certified"] == 33 and d["uncertified"] == []


def test_real_and_nonreal_match_the_classifier(solved_222):
    res = solved_222
    cert = certify_result(res)
    assert res.n_real >= 1 and res.n_real < res.n_complex
    for pc, p in zip(cert.points, res.points):
        assert pc.certified
        assert pc.real is p.is_real
        assert pc.torus is p.is_torus


def test_perturbed_point_fails(solved_222):
    res = solved_222
    k = next(i for i, p in enumerate(res.points) if p.is_torus and not p.is_real)
    w = res.points[k].w
    pat = res.points[k].pattern
    cert = certify_solutions(res.instance, np.stack([w + 1e-3, w]), [pat, pat])
    assert [p.certified for p in cert.points] == [False, True]
    assert cert.n_certified == 1 and cert.n_uncertified == 1
    assert cert.to_dict()["uncertified"][0]["index"] == 0
    # the Krawczyk test itself rejects a small box around the perturbed point (it holds no solution)
    ctx = C._InstanceContext(res.instance)
    net = res.instance.network
    system = ctx.system(net, np.arange(net.N), 53)
    J = C.GradientSystem(net).jacobian((w + 1e-3)[None], ctx.parameters(np.arange(net.N)))[0]
    with C._precision(53):
        Y = C._mat_from_numpy(np.linalg.inv(J))
    assert not C._krawczyk(system, C._to_acb(w + 1e-3), Y, 1e-6)[0]
    assert C._krawczyk(system, C._to_acb(w), C._mat_from_numpy(np.linalg.inv(
        C.GradientSystem(net).jacobian(w[None], ctx.parameters(np.arange(net.N)))[0])), 1e-10)[0]


def test_two_copies_count_once(solved_222):
    res = solved_222
    pts = [res.points[0], res.points[5], res.points[5], res.points[-1], res.points[0]]
    cert = certify_points(res.instance, pts)
    assert cert.n_certified == 3
    assert cert.n_duplicates == 2
    assert cert.points[2].duplicate_of == 1 and cert.points[4].duplicate_of == 0
    assert {p["index"] for p in cert.to_dict()["uncertified"]} == {2, 4}


@pytest.mark.parametrize("widths,m", [((1, 1, 1, 1), 1), ((2, 1, 2), 2), ((1, 2, 1, 2), 2)])
def test_deeper_networks_and_more_data(widths, m):
    res = _solved(widths, m=m, seed=5)
    cert = certify_result(res)
    assert cert.n_certified == res.n_complex > 0
    assert cert.n_certified_torus == res.n_torus
    assert cert.n_certified_real == res.n_real
    assert cert.B_C is None and cert.proves_count is None


def test_float_instance_exact_values():
    res = _solved((2, 2, 2), seed=3, rational=False)
    assert res.instance.exact is None
    cert = certify_result(res)
    assert cert.n_certified == res.n_complex == 33
    assert cert.n_certified_real == res.n_real


def test_precision_escalation(solved_222, monkeypatch):
    """When double precision is refused, the points are certified at 106 bits."""
    original = C._attempt

    def no_double(system, *args, **kwargs):
        return None if system.prec == 53 else original(system, *args, **kwargs)

    monkeypatch.setattr(C, "_attempt", no_double)
    cert = certify_result(solved_222)
    assert cert.n_certified == 33
    assert cert.precisions == {106: 33}
    assert cert.n_certified_real == solved_222.n_real


def test_ball_system_encloses_the_exact_system():
    """The ball matrix formula contains the exact values of the sparse form at a rational point."""
    from flint import acb, arb, fmpq
    inst = random_instance(Network((2, 2, 1, 2)), m=2, seed=11, rational=True)
    net = inst.network
    sp = sparse_system(inst, exact=True)
    rng = np.random.default_rng(0)
    w = [Fraction(int(a), 7) for a in rng.integers(-9, 10, size=net.N)]
    ctx = C._InstanceContext(inst)
    system = ctx.system(net, np.arange(net.N), 53)
    wb = [acb(arb(fmpq(q.numerator, q.denominator))) for q in w]
    F = system.evaluate(wb)
    J = system.jacobian(wb).tolist()

    def mono(e):
        out = Fraction(1)
        for v, k in enumerate(e):
            out *= w[v] ** int(k)
        return out

    for k in range(net.N):
        e, c = sp.exponents[k], sp.coefficients[k]
        exact = sum((ck * mono(ek) for ek, ck in zip(e, c)), Fraction(0))
        assert F[k].real.contains(fmpq(exact.numerator, exact.denominator))
        assert F[k].imag.contains(0)
        for v in range(net.N):
            d = Fraction(0)
            for ek, ck in zip(e, c):
                if ek[v]:
                    e2 = ek.copy()
                    e2[v] -= 1
                    d += ck * int(ek[v]) * mono(e2)
            assert J[k][v].real.contains(fmpq(d.numerator, d.denominator)), (k, v)


def test_origin_only_and_empty():
    res = _solved((1, 1, 1), seed=2)
    origin = [p for p in res.points if p.pattern.is_origin]
    assert len(origin) == 1
    cert = certify_points(res.instance, origin)
    assert cert.n_certified == 1 and cert.n_certified_real == 1 and cert.n_certified_torus == 0
    assert cert.points[0].regular
    empty = certify_points(res.instance, [])
    assert empty.n_certified == 0 and empty.proves_count is False


def test_import_is_cheap():
    code = "import sys, linnet_cli.checks.certify; print('flint' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
