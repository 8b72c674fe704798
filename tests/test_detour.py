"""A path to an instance that failed is recovered by a detour through a random complex parameter."""
import numpy as np

from linnet_cli.engines.native import detour
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
    codes = np.append(res.codes.copy(), ReturnCode.ACCURACY_LIMIT)
    tracker.homotopy = ParameterHomotopy(GradientSystem(net), (tor.X, tor.Y, tor.lam),
                                         (inst.X, inst.Y, np.repeat(inst.lambda_flat[None], R + 1, axis=0)))
    detour(tracker, x0, res, codes, np.array([R]), np.arange(R + 1)[None], net)
    assert codes[R] == ReturnCode.ACCURACY_LIMIT     # the fiber is complete: nothing new to take
