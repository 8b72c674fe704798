"""Same-point decisions: the sorted sweep of close_pairs agrees with comparing every pair."""
import numpy as np
import pytest

from linnet_cli.homotopy.unique_points import (SAME_POINT_TOL, assign, close_pairs, duplicates, merge_new,
                                               relative_distance)


def _brute_duplicates(points, tol=SAME_POINT_TOL):
    close = relative_distance(points[:, None, :], points[None, :, :]) <= tol
    np.fill_diagonal(close, False)
    return np.flatnonzero(np.triu(close, 1).any(axis=0)), np.flatnonzero(close.any(axis=1))


def _brute_merge(known, candidates):
    new, pool = [], known
    for c in candidates:
        if len(pool) and relative_distance(c, pool).min() <= SAME_POINT_TOL:
            continue
        new.append(c)
        pool = np.vstack([pool, c[None]])
    return np.array(new).reshape(-1, known.shape[-1])


def _points(seed, P=300, N=6):
    """Random complex points over six decades of size, a third of them repeated with errors just inside
    or just outside the same-point tolerance."""
    rng = np.random.default_rng(seed)
    x = (rng.normal(size=(P, N)) + 1j * rng.normal(size=(P, N))) * 10.0 ** rng.uniform(-2, 4, size=(P, 1))
    pick = rng.choice(P, P // 3)
    direction = rng.normal(size=(len(pick), N)) + 1j * rng.normal(size=(len(pick), N))
    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    size = (SAME_POINT_TOL * (1 + np.linalg.norm(x[pick], axis=1, keepdims=True))
            * rng.choice([0.1, 0.9, 1.1, 3.0], size=(len(pick), 1)))
    y = np.vstack([x, x[pick] + size * direction])
    return y[rng.permutation(len(y))]


@pytest.mark.parametrize("seed", range(8))
def test_duplicates_agree_with_comparing_every_pair(seed):
    pts = _points(seed)
    later, cluster = duplicates(pts)
    ref_later, ref_cluster = _brute_duplicates(pts)
    assert np.array_equal(later, ref_later) and np.array_equal(cluster, ref_cluster)
    assert len(ref_later) > 0           # the planted repeats inside the tolerance are there


@pytest.mark.parametrize("seed", range(8))
def test_merge_new_agrees_with_the_sequential_rule(seed):
    pts = _points(seed)
    known, candidates = pts[:150], pts[150:]
    got, ref = merge_new(known, candidates), _brute_merge(known, candidates)
    assert got.shape == ref.shape and np.array_equal(got, ref)
    assert merge_new(np.zeros((0, pts.shape[1]), complex), pts).shape == _brute_merge(pts[:0], pts).shape


def test_close_pairs_on_ten_thousand_points_stays_small():
    """The trace test of widths 3,2,3 compares ~10,000 points: no P × P array is formed."""
    pts = _points(1, P=10_000, N=13)
    a, b = close_pairs(pts)
    assert len(a) == len(b) and len(a) >= 1000 and np.all(a < b)


def test_copies_of_an_orbit_with_imaginary_weights_get_one_representative():
    """Real instances have critical points whose neuron weights are purely imaginary: the signs of their
    rounding-level real parts must not decide the orbit's representative."""
    from linnet_cli.model.network import Network
    from linnet_cli.model.symmetry import canonical
    net = Network((2, 2, 2))
    rng = np.random.default_rng(0)
    w = 1j * rng.normal(size=net.N)
    a, b = w + 1e-32, w - 1e-32 + 1e-38j          # two copies of one point, real parts of either sign
    ca, cb = canonical(net, np.array([a, b]))
    assert np.allclose(ca, cb)
    assert len(merge_new(ca[None], cb[None])) == 0


def test_failed_and_diverged_endpoints_are_close_to_nothing_and_cost_no_memory():
    """Endpoints of failed paths can be NaN or huge: NaN is close to nothing, and a diverged point widens
    only its own window (the comparison stays a sweep, not P × P)."""
    pts = _points(2)
    pts[3] = np.nan
    pts[5] = 1e9
    later, cluster = duplicates(pts)
    ref_later, ref_cluster = _brute_duplicates(pts)
    assert np.array_equal(later, ref_later) and np.array_equal(cluster, ref_cluster)
    assert 3 not in cluster
    a, b = close_pairs(np.vstack([_points(3, P=5000, N=13), np.full((1, 13), 1e9 + 0j)]))
    assert len(a) < 5000


@pytest.mark.parametrize("seed", range(4))
def test_assign_points_every_candidate_at_its_copy_in_the_merged_set(seed):
    pts = _points(seed)
    known, candidates = pts[:150], pts[150:]
    index, new = assign(known, candidates)
    merged = np.vstack([known, candidates[new]])
    assert np.array_equal(candidates[new], _brute_merge(known, candidates))
    assert np.all(relative_distance(candidates, merged[index]) <= SAME_POINT_TOL)
    assert np.array_equal(index[new], len(known) + np.arange(new.sum()))
