"""The monodromy graph: closing it reaches exactly the orbit of the group its loops generate, and moves
each solution along each edge once."""
import numpy as np
import pytest

from linnet_cli import solve
from linnet_cli.homotopy.monodromy import MonodromyGraph
from linnet_cli.model.instance import random_instance
from linnet_cli.model.network import Network


class PermutationCover:
    """Solutions 0..n−1 (as complex points); going from node 0 to waypoint k permutes them by sigma[k],
    every other segment is the identity; paths in ``fail`` (value, waypoint) fail."""

    def __init__(self, sigma, fail=()):
        self.sigma, self.fail, self.paths = [np.asarray(s) for s in sigma], set(fail), 0

    def track(self, x, p, q):
        self.paths += len(x)
        v = x[:, 0].real.astype(int)
        ok = np.ones(len(x), bool)
        if p == "node 0" and q != "node 1":
            ok = np.array([(int(a), q) not in self.fail for a in v])
            v = self.sigma[q][v]
        elif q == "node 0" and p != "node 1":
            v = np.argsort(self.sigma[p])[v]
        return v[:, None].astype(complex), ok


def _graph(cover, edges):
    g = MonodromyGraph(cover.track, lambda x: x, ("node 0", "node 1"), 1)
    g.add_edge(())
    for k in range(edges):
        g.add_edge((k,))
    return g


def test_closing_reaches_the_orbit_of_the_loops_group_and_tracks_each_pairing_once():
    n, rng = 12, np.random.default_rng(0)
    sigma = [rng.permutation(n) for _ in range(3)]
    cover = PermutationCover(sigma)
    g = _graph(cover, 3)
    assert g.add_points(0, np.array([[5.0 + 0j]])) == 1
    paths = g.close()
    assert sorted(g.points[0][:, 0].real.astype(int)) == list(range(n))   # random permutations: transitive
    assert sorted(g.points[1][:, 0].real.astype(int)) == list(range(n))
    # every solution crosses the straight edge once (1 segment) and each waypoint edge once (2 segments)
    assert paths == cover.paths == n * (1 + 2 * 3)
    assert g.close() == 0 and g.failed == 0


def test_a_graph_whose_loops_keep_a_block_finds_that_block_only_and_a_new_edge_finds_the_rest():
    # the loops' permutations keep {0..5} and {6..11} apart: closing from 0 finds half
    sigma = [np.r_[np.roll(np.arange(6), 1), 6 + np.arange(6)], np.r_[np.arange(6)[::-1], 6 + np.arange(6)[::-1]]]
    cover = PermutationCover(sigma)
    g = _graph(cover, 2)
    g.add_points(0, np.array([[0.0 + 0j]]))
    g.close()
    assert sorted(g.points[0][:, 0].real.astype(int)) == list(range(6))
    cover.sigma.append(np.r_[6 + np.arange(6), np.arange(6)])             # swaps the blocks
    g.add_edge((2,))
    g.close()
    assert sorted(g.points[0][:, 0].real.astype(int)) == list(range(12))


def test_failed_paths_are_counted_and_leave_the_pairing_to_other_edges():
    n, rng = 10, np.random.default_rng(1)
    sigma = [rng.permutation(n) for _ in range(3)]
    cover = PermutationCover(sigma, fail={(3, 0)})       # the start point's path through waypoint 0
    g = _graph(cover, 3)
    g.add_points(0, np.array([[3.0 + 0j]]))
    g.close()
    assert g.failed == 1
    assert sorted(g.points[0][:, 0].real.astype(int)) == list(range(n))


def test_failed_monodromy_loops_are_reported_apart_from_failed_paths(first_monodromy_round_fails):
    """Loops of the search that do not close lose no critical point: they are not failed paths and do
    not make the counts 'lower bounds'."""
    from linnet_cli.homotopy import monodromy

    res = solve(random_instance(Network.uniform(2, 2, 2), seed=3), seed=3)
    assert (res.n_complex, res.n_torus, res.n_failed) == (33, 16, 0)
    assert res.monodromy_failed_loops >= monodromy.MonodromyOptions().fresh_starts
    assert res.to_dict()["monodromy_failed_loops"] == res.monodromy_failed_loops
    assert not any("lower bound" in w for w in res.warnings)


class ArrivalFails(PermutationCover):
    """A :class:`PermutationCover` whose paths that arrive at node 0 on solution ``lost`` fail (as paths to
    a point of large norm fail at the accuracy limit of double precision)."""

    def __init__(self, sigma, lost):
        super().__init__(sigma)
        self.lost = lost

    def track(self, x, p, q):
        y, ok = super().track(x, p, q)
        return y, ok & ~((q == "node 0") & (y[:, 0].real.astype(int) == self.lost))


@pytest.mark.parametrize("careful", [False, True])
def test_a_point_only_failed_paths_reach_is_found_by_moving_them_again_with_care(careful):
    """Every path to solution 5 over node 0 fails: the closed graph holds 11 points there and 12 over
    node 1. With a careful tracker, the failed paths whose partner nothing brought are moved again
    once the graph is closed: the first such edge finds 5, and 5's own paths pair the others, so only
    one path is retracked."""
    n, rng = 12, np.random.default_rng(2)
    cover = ArrivalFails([rng.permutation(n) for _ in range(3)], lost=5)
    g = _graph(cover, 3)
    if careful:
        g.retrack = PermutationCover(cover.sigma).track
    g.add_points(0, np.array([[0.0 + 0j]]))
    g.close()
    found = sorted(g.points[0][:, 0].real.astype(int))
    assert sorted(g.points[1][:, 0].real.astype(int)) == list(range(n))
    if careful:
        assert found == list(range(n)) and g.retracked == 1
    else:
        assert found == [v for v in range(n) if v != 5] and g.retracked == 0 and g.failed == 4
