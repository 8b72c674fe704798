"""A path to an instance that failed is recovered: by a detour around the point where it failed, or
through a random complex parameter, or by monodromy at the instance that completes its block."""
import numpy as np
import pytest

from linnet_cli.engines import native
from linnet_cli.engines.native import complete_blocks, detour
from linnet_cli.model.gradient import GradientSystem
from linnet_cli.model.instance import random_instance
from linnet_cli.homotopy.monodromy import monodromy_solve
from linnet_cli.model.network import Network
from linnet_cli.homotopy.return_code import ReturnCode
from linnet_cli.model.symmetry import canonical
from linnet_cli.homotopy.tracker import ParameterHomotopy, Tracker
from linnet_cli.homotopy.unique_points import relative_distance


def test_a_lost_path_is_found_again_by_a_detour():
    net = Network((2, 2, 2))
    inst = random_instance(net, m=2, seed=3)
    rng = np.random.default_rng(3)
    tor = monodromy_solve(net, inst.X + 0j, inst.Y + 0j, rng)
    R = len(tor.representatives)
    lam1 = np.repeat(inst.lambda_flat[None], R, axis=0)
    tracker = Tracker(ParameterHomotopy(GradientSystem(net), (tor.X, tor.Y, tor.lam),
                                        (np.repeat(inst.X[None], R, 0), np.repeat(inst.Y[None], R, 0), lam1)),
                      torus=True)
    res = tracker.track(tor.representatives)
    assert res.success.all()
    truth = res.x.copy()
    codes = res.codes.copy()
    lose = np.array([1, R // 2])                      # two paths "fail" at the accuracy limit
    codes[lose], res.x[lose] = ReturnCode.ACCURACY_LIMIT, np.nan
    detour(tracker, tor.representatives, res, codes, lose, np.arange(R)[None], net)
    assert all(codes[i] == ReturnCode.SUCCESS for i in lose)
    # the block's points are again the whole fiber: the recovered points are the two that were lost
    found = canonical(net, res.x[lose])
    lost = canonical(net, truth[lose])
    for p in found:
        assert relative_distance(p, lost).min() < 1e-8


def test_a_detour_never_takes_a_point_already_found():
    net = Network((2, 2, 2))
    inst = random_instance(net, m=1, seed=1)
    tor = monodromy_solve(net, inst.X + 0j, inst.Y + 0j, np.random.default_rng(1))
    R = len(tor.representatives)
    tracker = Tracker(ParameterHomotopy(GradientSystem(net), (tor.X, tor.Y, tor.lam),
                                        (inst.X, inst.Y, np.repeat(inst.lambda_flat[None], R, axis=0))), torus=True)
    res = tracker.track(tor.representatives)
    x0 = np.vstack([tor.representatives, tor.representatives[:1]])     # a start point given twice
    res.x = np.vstack([res.x, np.full((1, net.N), np.nan)])
    res.t = np.append(res.t, 0.5)
    codes = np.append(res.codes.copy(), ReturnCode.ACCURACY_LIMIT)
    tracker.homotopy = ParameterHomotopy(GradientSystem(net), (tor.X, tor.Y, tor.lam),
                                         (inst.X, inst.Y, np.repeat(inst.lambda_flat[None], R + 1, axis=0)))
    detour(tracker, x0, res, codes, np.array([R]), np.arange(R + 1)[None], net)
    assert codes[R] == ReturnCode.ACCURACY_LIMIT     # the fiber is complete: nothing new to take


def _lost_block(seed: int, lose: list[int]):
    """Paths from a generic fiber of widths 2,2,2 to the instance of ``seed`` with m = 2, all successful,
    then ``lose`` marked failed at the accuracy limit at t = 0.6 (endpoint unknown); with the true points."""
    net = Network((2, 2, 2))
    inst = random_instance(net, m=2, seed=seed)
    tor = monodromy_solve(net, inst.X + 0j, inst.Y + 0j, np.random.default_rng(seed))
    R = len(tor.representatives)
    tracker = Tracker(ParameterHomotopy(GradientSystem(net), (tor.X, tor.Y, tor.lam),
                                        (np.repeat(inst.X[None], R, 0), np.repeat(inst.Y[None], R, 0),
                                         np.repeat(inst.lambda_flat[None], R, axis=0))), torus=True)
    res = tracker.track(tor.representatives)
    assert res.success.all()
    truth = res.x.copy()
    codes = res.codes.copy()
    idx = np.array(lose, dtype=int)
    codes[idx], res.x[idx], res.t[idx] = ReturnCode.ACCURACY_LIMIT, np.nan, 0.6
    return net, tracker, tor.representatives, res, codes, idx, truth


def _recovered(net, res, codes, idx, truth) -> bool:
    return all(codes[i] == ReturnCode.SUCCESS for i in idx) and all(
        relative_distance(p, canonical(net, truth[idx])).min() < 1e-8 for p in canonical(net, res.x[idx]))


def test_a_detour_around_the_failure_point_finds_the_lost_point(monkeypatch):
    """Only the detours through p(t_f ± i s): a thin loop around t_f = 0.6, where nothing is singular,
    brings each path to its own point."""
    monkeypatch.setattr(native, "DETOUR_SIZES", ())
    net, tracker, x0, res, codes, idx, truth = _lost_block(3, [0, 5])
    detour(tracker, x0, res, codes, idx, np.arange(len(x0))[None], net)
    assert _recovered(net, res, codes, idx, truth)


@pytest.mark.parametrize("lose", [[2], [1, 4, 7]])
def test_monodromy_at_the_instance_completes_a_block(lose):
    """No path brings the lost points back: loops based at the instance's Λ find them from the others."""
    net, tracker, x0, res, codes, idx, truth = _lost_block(3, lose)
    complete_blocks(tracker, res, codes, np.arange(len(x0))[None], net)
    assert _recovered(net, res, codes, idx, truth)


def test_a_complete_block_is_left_alone():
    net, tracker, x0, res, codes, idx, truth = _lost_block(3, [])
    before = res.x.copy()
    complete_blocks(tracker, res, codes, np.arange(len(x0))[None], net)
    assert (codes == ReturnCode.SUCCESS).all() and np.array_equal(res.x, before)
