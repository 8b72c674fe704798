"""The neuron sign symmetry: its group, orbit representatives, and orbits of critical points."""
from __future__ import annotations

import numpy as np

from linnet_cli import solve
from linnet_cli.model.gradient import GradientSystem, Parameters
from linnet_cli.model.instance import random_instance
from linnet_cli.model.network import Network
from linnet_cli.model.symmetry import canonical, expand_orbits, sign_vectors


def test_the_group_has_two_to_the_hidden_neurons_elements_identity_first():
    net = Network((2, 3, 2, 1))
    signs = sign_vectors(net)
    assert signs.shape == (2 ** 5, net.N) and np.all(signs[0] == 1)
    assert len({tuple(s) for s in signs}) == 2 ** 5          # every element acts differently
    assert np.all(np.abs(signs) == 1)


def test_the_representative_is_the_same_for_every_point_of_an_orbit():
    net = Network((2, 2, 2))
    rng = np.random.default_rng(0)
    w = rng.normal(size=(3, net.N)) + 1j * rng.normal(size=(3, net.N))
    reps = canonical(net, w)
    orbits = expand_orbits(net, reps).reshape(3, len(sign_vectors(net)), net.N)
    for k in range(3):
        np.testing.assert_allclose(canonical(net, orbits[k]), np.repeat(reps[k:k + 1], len(orbits[k]), axis=0))
    np.testing.assert_allclose(canonical(net, reps), reps)     # idempotent


def test_an_orbit_of_a_critical_point_is_made_of_critical_points():
    inst = random_instance(Network((2, 2, 2)), seed=4)
    res = solve(inst, seed=4, bkk=False)
    torus = np.array([p.w for p in res.torus()])
    orbit = expand_orbits(inst.network, torus[:1])
    F = GradientSystem(inst.network).evaluate(orbit, Parameters.from_instance(inst))
    assert np.abs(F).max() < 1e-10
    assert len(torus) == res.n_torus == 16 and len(orbit) == 4
