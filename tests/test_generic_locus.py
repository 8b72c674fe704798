"""The generic locus: which features put an instance's data off it (exact and near), and the equivalent
data with rank X points (the same gradient system)."""
from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linnet_cli import Network, random_instance
from linnet_cli.model.generic_locus import equivalent_data, near_features, special_features

from test_special_data import D2, _changed, _zero

PROPERTY = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
shapes = st.sampled_from([(1, 1, 1), (2, 2, 2), (3, 2, 3), (2, 1, 2, 2), (3, 3, 1)])


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
