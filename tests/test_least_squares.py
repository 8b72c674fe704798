"""H = 0: one critical point, the regularized least-squares solution, by linear algebra."""
from __future__ import annotations

import json

import numpy as np
from click.testing import CliRunner

from linnet_cli.cli.main import cli
from linnet_cli.model.gradient import GradientSystem, Parameters
from linnet_cli.model.instance import Instance, random_instance
from linnet_cli.engines.least_squares import LeastSquares, critical_point
from linnet_cli.model.network import Network
from linnet_cli import solve
from linnet_cli.studies.compute import compute_row
from linnet_cli.studies.rows import RowSpec


def test_the_critical_point_is_the_ridge_solution():
    inst = random_instance(Network((3, 2)), m=4, seed=3)
    w = critical_point(inst)
    W = w.reshape(2, 3)
    # row r: (X Xᵀ + diag Λ_r) w_r = (Y Xᵀ)_r, solved here row by row the textbook way
    A, B = inst.X @ inst.X.T, inst.Y @ inst.X.T
    for r in range(2):
        expected = np.linalg.inv(A + np.diag(inst.Lambda[0][r])) @ B[r]
        assert np.allclose(W[r], expected, rtol=1e-12)
    grad = GradientSystem(inst.network).evaluate(w[None], Parameters.from_instance(inst))[0]
    assert np.abs(grad).max() < 1e-12


def test_solve_h0_finds_one_global_minimum_not_the_origin():
    inst = random_instance(Network.uniform(1, 1, 1, H=0), seed=1)
    res = solve(inst, engine="native", seed=1)
    assert (res.n_complex, res.n_torus, res.n_real, res.n_failed) == (1, 1, 1, 0)
    p = res.points[0]
    assert p.kind_text == "global minimum" and p.morse_index == 0 and p.residual < 1e-12
    assert not np.allclose(p.w, 0)            # the origin is not a critical point for H = 0
    assert res.engine == "least-squares"


def test_cli_h0_counts_one_point():
    res = CliRunner().invoke(cli, ["solve", "--d", "1", "--dx", "1", "--dy", "1", "--H", "0", "--seed", "1",
                                   "--format", "json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert (out["n_complex"], out["n_real"], out["n_local_minima"], out["n_spurious_local_minima"]) == (1, 1, 1, 0)
    assert out["solutions"][0]["kind"] == "global minimum"
    assert out["patterns"][0]["description"] == "no hidden layer"


def test_negative_regularization_gives_a_saddle_and_a_warning():
    net = Network((2, 1))
    inst = Instance(net, np.array([[1.0], [0.0]]), np.array([[1.0]]), (np.array([[0.5, -0.5]]),))
    assert any("negative" in w and "unbounded below" in w for w in inst.genericity_warnings())
    res = solve(inst, seed=1)
    assert res.n_complex == 1 and res.points[0].morse_index == 1 and res.points[0].kind_text == "saddle (index 1)"


def test_singular_row_system_counts_nothing_and_says_so():
    net = Network((2, 1))
    # X Xᵀ = diag(1, 0); Λ = (0.5, 0): the second coordinate is free, critical points are not isolated
    inst = Instance(net, np.array([[1.0], [0.0]]), np.array([[1.0]]), (np.array([[0.5, 0.0]]),))
    res = solve(inst, seed=1)
    assert res.n_complex == 0
    assert any("not isolated" in w for w in res.warnings)


def test_table_row_h0():
    row = compute_row(RowSpec(Network((2, 2)), 1), samples=5, seed=1, bkk=False)
    assert (row.N_C, row.N_C_star, row.max_N_R, row.failed_paths) == (1, 1, 1, 0)
    assert row.N_R_histogram == {1: 5}


def test_generic_solve_counts():
    eng = LeastSquares()
    generic = eng.generic_solve(Network((3, 2)), 2, np.random.default_rng(0))
    assert generic.to_dict()["n_complex"] == 1 and generic.to_dict()["n_torus"] == 1
