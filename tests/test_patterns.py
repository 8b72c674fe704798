"""Zero patterns: dead-neuron enumeration and the exhaustive check of docs/design.md §2."""
import numpy as np
import pytest

from linnet_cli.errors import InputError
from linnet_cli.model.network import Network
from linnet_cli.model.patterns import closed_subspaces, dead_neuron_patterns, origin_pattern, verify_patterns
from linnet_cli.model.symbolic import generic_supports
from linnet_cli.model.symmetry import canonical, expand_orbits, sign_vectors


def test_dead_neuron_patterns_of_one_hidden_layer():
    pats = dead_neuron_patterns(Network.uniform(3, 2, 2))
    assert len(pats) == 7                       # nonempty subsets of 3 neurons
    assert pats[0].describe() == "all active" and pats[0].mask.all()
    one = [p for p in pats if p.active == ((1,),)][0]
    W1, W2 = one.matrices()
    assert W1.tolist() == [[0, 0], [1, 1], [0, 0]] and W2.tolist() == [[0, 1, 0], [0, 1, 0]]
    assert one.sub_network.widths == (2, 1, 2)
    assert origin_pattern(Network.uniform(3, 2, 2)).is_origin


def test_embed_places_sub_network_coordinates():
    net = Network((2, 2, 2, 2))
    pat = [p for p in dead_neuron_patterns(net) if p.active == ((0,), (1,))][0]
    sub = pat.sub_network
    w = np.arange(1, sub.N + 1, dtype=float)[None]
    full = pat.embed(w)
    W1, W2, W3 = net.unflatten(full[0])
    assert W1[1].tolist() == [0, 0] and W1[0].tolist() == [1, 2]
    assert W2.tolist() == [[0, 0], [3, 0]]
    assert W3.tolist() == [[0, 4], [0, 5]]


@pytest.mark.parametrize("widths,m,closed,neuron", [((2, 2, 2), 1, 3, 3), ((2, 3, 2), 1, 7, 7),
                                                    ((2, 2, 2, 2), 1, 94, 9), ((2, 2, 2), 2, 3, 3)])
def test_verify_patterns(widths, m, closed, neuron):
    check = verify_patterns(Network(widths), m, np.random.default_rng(0))
    assert check.confirmed
    assert (check.closed, check.neuron_patterns) == (closed, neuron)
    assert check.subspaces == 2 ** Network(widths).N - 1
    assert "confirmed" in check.message()


def test_closed_subspaces_on_a_toy_system():
    # equations (of x, of y) = (x*y, y^2 + y): every subset is closed (bit 1 = x, bit 2 = y)
    sup = [np.array([[1, 1]]), np.array([[0, 2], [0, 1]])]
    assert sorted(closed_subspaces(sup)) == [1, 2, 3]
    # (x + y, y): {x} is not closed (x + y does not vanish when x = 0), {y} and {x, y} are
    sup2 = [np.array([[1, 0], [0, 1]]), np.array([[0, 1]])]
    assert sorted(closed_subspaces(sup2)) == [2, 3]


def test_verify_refuses_large_networks():
    with pytest.raises(InputError, match="exceeds"):
        verify_patterns(Network.uniform(4, 3, 3), 1, np.random.default_rng(0))


def test_sign_orbits():
    net = Network((2, 2, 1, 2))
    assert len(sign_vectors(net)) == 8
    rng = np.random.default_rng(1)
    w = rng.normal(size=(3, net.N)) + 1j * rng.normal(size=(3, net.N))
    orb = expand_orbits(net, canonical(net, w))
    assert orb.shape == (24, net.N)
    # all points of an orbit share the canonical form and the supports are unchanged in size
    c = canonical(net, orb)
    assert np.allclose(c.reshape(3, 8, -1), c.reshape(3, 8, -1)[:, :1])
    assert len(generic_supports(net)) == net.N
