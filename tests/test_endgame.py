"""The Cauchy endgame: a triple point found with its winding number, diverging paths sent to infinity,
and its options checked."""
from __future__ import annotations

import numpy as np
import pytest

from linnet_cli.errors import InputError
from linnet_cli.homotopy.endgame import CauchyEndgame, EndgameOptions
from linnet_cli.homotopy.return_code import ReturnCode
from linnet_cli.model.network import Network


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
