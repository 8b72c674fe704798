import json
from fractions import Fraction

import numpy as np
import pytest

from linnet_cli.errors import InputError
from linnet_cli.model.instance import (RATIONAL_MAX_DENOMINATOR, Instance, load_distribution, load_instance,
                                 random_instance, save_instance)
from linnet_cli.model.network import Network

NET = Network.uniform(2, 2, 3)


def test_random_instance_reproducible_and_default_laws():
    a = random_instance(NET, m=3, seed=5)
    b = random_instance(NET, m=3, seed=5)
    c = random_instance(NET, m=3, seed=6)
    assert np.array_equal(a.X, b.X) and np.array_equal(a.lambda_flat, b.lambda_flat)
    assert not np.array_equal(a.X, c.X)
    assert a.X.shape == (2, 3) and a.Y.shape == (3, 3)
    big = random_instance(Network.uniform(8, 8, 8), m=50, seed=1)
    assert 0 < big.lambda_flat.min() and big.lambda_flat.max() < 1          # Uniform(0, 1)
    assert abs(big.X.mean()) < 0.2 and 0.8 < big.X.std() < 1.2               # Normal(0, 1)


def test_rational_instance_is_exact():
    inst = random_instance(NET, seed=2, rational=True)
    ex = inst.exact_values()
    for arr, exact in zip((inst.X, inst.Y, *inst.Lambda), ex):
        for v, e in zip(arr.ravel(), exact.ravel()):
            assert isinstance(e, Fraction) and e.denominator <= RATIONAL_MAX_DENOMINATOR
            assert float(e) == v


def test_shape_errors():
    X, Y = np.ones((2, 1)), np.ones((3, 1))
    lam = tuple(np.full(s, 0.5) for s in NET.shapes)
    with pytest.raises(InputError, match="X must have shape"):
        Instance(NET, np.ones((3, 1)), Y, lam)
    with pytest.raises(InputError, match="Lambda2"):
        Instance(NET, X, Y, (lam[0], np.ones((2, 2))))
    with pytest.raises(InputError, match="NaN"):
        Instance(NET, np.array([[np.nan], [1.0]]), Y, lam)


def test_genericity_warnings():
    X, Y = np.ones((2, 1)), np.ones((3, 1))
    equal = Instance(NET, X, Y, tuple(np.full(s, 0.5) for s in NET.shapes))
    assert any("equal" in w for w in equal.genericity_warnings())
    zeros = Instance(NET, X, Y, tuple(np.zeros(s) for s in NET.shapes))
    assert any("zero" in w for w in zeros.genericity_warnings())
    assert random_instance(NET, seed=1).genericity_warnings() == []


@pytest.mark.parametrize("suffix", [".json", ".npz"])
def test_save_load_roundtrip(tmp_path, suffix):
    inst = random_instance(Network((2, 3, 1, 2)), m=2, seed=3)
    path = tmp_path / f"inst{suffix}"
    save_instance(inst, path)
    back = load_instance(path)
    assert back.network == inst.network and back.m == 2
    assert np.allclose(back.X, inst.X) and np.allclose(back.lambda_flat, inst.lambda_flat)
    with pytest.raises(InputError, match="options ask for"):
        load_instance(path, Network.uniform(2, 2, 2))


def test_json_exact_strings(tmp_path):
    path = tmp_path / "i.json"
    path.write_text(json.dumps({"X": [["1/3"]], "Y": [[2]], "Lambda": [[["1/7"]], [["3/11"]]]}))
    inst = load_instance(path)
    assert inst.exact_values()[0][0, 0] == Fraction(1, 3)
    assert inst.network.widths == (1, 1, 1)


@pytest.mark.parametrize("content,message", [
    ("{not json", "not valid JSON"),
    ('[1, 2]', "JSON object"),
    ('{"X": [[1]], "Y": [[1]]}', "lacks key"),
    ('{"X": [[1]], "Y": [[1]], "Lambda": [[[1]], [[1, 2]]]}', "Lambda2 has shape"),
    ('{"X": [[1, 2]], "Y": [[1]], "Lambda": [[[1]], [[1]]]}', "Y must have shape"),
    ('{"X": [[1]], "Y": [["abc"]], "Lambda": [[[1]], [[1]]]}', "cannot read"),
    ('{"X": [[1], [1, 2]], "Y": [[1]], "Lambda": [[[1]], [[1]]]}', "same"),
])
def test_bad_json_files(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        load_instance(path)


def test_bad_npz_and_other_files(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_instance(tmp_path / "missing.npz")
    garbage = tmp_path / "g.npz"
    garbage.write_bytes(b"\x00\x01garbage")
    with pytest.raises(InputError, match="cannot read"):
        load_instance(garbage)
    nan = tmp_path / "nan.npz"
    np.savez(nan, X=np.array([[np.nan]]), Y=np.ones((1, 1)), Lambda1=np.ones((1, 1)), Lambda2=np.ones((1, 1)))
    with pytest.raises(InputError, match="NaN"):
        load_instance(nan)
    lacking = tmp_path / "l.npz"
    np.savez(lacking, X=np.ones((1, 1)))
    with pytest.raises(InputError, match="lacks"):
        load_instance(lacking)
    txt = tmp_path / "i.txt"
    txt.write_text("1 2 3")
    with pytest.raises(InputError, match="unsupported"):
        load_instance(txt)


def test_distributions(tmp_path):
    assert load_distribution()["Lambda"]["law"] == "uniform"
    with pytest.raises(InputError, match="unknown distribution"):
        load_distribution("nope")
    bad = tmp_path / "d.toml"
    bad.write_text('[default]\nX = {law="cauchy"}\nY = {law="normal"}\nLambda = {law="uniform"}\n')
    with pytest.raises(InputError, match="unknown law"):
        random_instance(NET, seed=1, distributions_file=bad)
    with pytest.raises(InputError, match="m"):
        random_instance(NET, m=0)
