import numpy as np
import pytest

from linnet_cli.errors import InputError
from linnet_cli.model.network import Network, networks_from_ranges, parse_range, parse_widths


def test_uniform_shape_and_layout():
    net = Network.uniform(3, 2, 4, H=2)
    assert net.widths == (2, 3, 3, 4)
    assert net.shapes == ((3, 2), (3, 3), (4, 3))
    assert net.N == 6 + 9 + 12
    assert net.offsets == (0, 6, 15, 27)
    assert net.d == 3 and net.H == 2 and net.dx == 2 and net.dy == 4


def test_flatten_roundtrip_and_names():
    net = Network((2, 3, 1, 2))
    w = np.arange(net.N * 2, dtype=float).reshape(2, net.N)
    mats = net.unflatten(w)
    assert [m.shape for m in mats] == [(2, 3, 2), (2, 1, 3), (2, 2, 1)]
    assert np.array_equal(net.flatten(mats), w)
    names = net.variable_names()
    assert names[0] == "w1_1_1" and names[1] == "w1_1_2" and names[-1] == "w3_2_1"
    assert len(set(names)) == net.N
    assert net.d is None and "widths 2,3,1,2" == net.label()


@pytest.mark.parametrize("text,expected", [("3", [3]), ("1..3", [1, 2, 3]), ("1,2,5", [1, 2, 5]),
                                           ("1..2,4", [1, 2, 4])])
def test_parse_range(text, expected):
    assert parse_range(text, "d") == expected


@pytest.mark.parametrize("text", ["x", "3..1", "1..", "1.5"])
def test_parse_range_errors(text):
    with pytest.raises(InputError, match="^d: ") as err:
        parse_range(text, "d")
    assert err.value.option == "d"


@pytest.mark.parametrize("widths", [(2, 0, 2), (2, -1, 2), (1000, 2, 2), (2,)])
def test_bad_widths(widths):
    with pytest.raises(InputError):
        Network(widths)


def test_parse_widths():
    assert parse_widths("2,3,1,2").widths == (2, 3, 1, 2)
    with pytest.raises(InputError):
        parse_widths("2,a")
    with pytest.raises(InputError):
        parse_widths("2,2")


def test_sweep_order_is_table_order(table31):
    nets = networks_from_ranges([1, 2, 3], [1, 2, 3], [1, 2, 3], [1])
    got = [(n.d, n.dx, n.dy) for n in nets][:26]
    assert got == [(r["d"], r["dx"], r["dy"]) for r in table31]
