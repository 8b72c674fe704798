"""The numeric evaluator against finite differences, the sparse form, and sympy's differentiation."""
import numpy as np
import pytest

from linnet_cli.model.gradient import GradientSystem, Parameters
from linnet_cli.model.instance import random_instance
from linnet_cli.model.network import Network
from linnet_cli.model.symbolic import generic_supports, sparse_system

SHAPES = [((2, 2, 2), 1), ((1, 1, 1), 1), ((2, 3, 1, 2), 2), ((3, 2, 2, 2, 3), 1), ((2, 1, 3), 3)]


def _points(net, P=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(P, net.N)) + 1j * rng.normal(size=(P, net.N))


@pytest.mark.parametrize("widths,m", SHAPES)
def test_gradient_is_the_gradient_of_the_loss(widths, m):
    net = Network(widths)
    inst = random_instance(net, m=m, seed=1)
    gs = GradientSystem(net)
    w = _points(net)
    F = gs.evaluate(w, Parameters.from_instance(inst))
    h = 1e-6
    loss = lambda v: gs.loss(v, inst.X, inst.Y, inst.lambda_flat)  # noqa: E731
    E = np.eye(net.N)
    fd = np.stack([(loss(w + h * E[k]) - loss(w - h * E[k])) / (2 * h) for k in range(net.N)], axis=-1)
    assert np.allclose(F, fd, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("widths,m", SHAPES)
def test_jacobian_matches_finite_differences_and_is_symmetric(widths, m):
    net = Network(widths)
    inst = random_instance(net, m=m, seed=2)
    gs = GradientSystem(net)
    p = Parameters.from_instance(inst)
    w = _points(net)
    F, J = gs.evaluate_and_jacobian(w, p)
    assert np.allclose(F, gs.evaluate(w, p))
    h = 1e-6
    E = np.eye(net.N)
    fd = np.stack([(gs.evaluate(w + h * E[k], p) - gs.evaluate(w - h * E[k], p)) / (2 * h)
                   for k in range(net.N)], axis=-1)
    assert np.allclose(J, fd, rtol=1e-6, atol=1e-6)
    assert np.allclose(J, np.swapaxes(J, -1, -2))  # a Hessian


@pytest.mark.parametrize("widths,m", SHAPES)
def test_sparse_form_agrees_with_evaluator(widths, m):
    net = Network(widths)
    inst = random_instance(net, m=m, seed=5)
    w = _points(net)
    sparse = sparse_system(inst)
    assert np.allclose(sparse.evaluate(w), GradientSystem(net).evaluate(w, Parameters.from_instance(inst)))
    exact = sparse_system(random_instance(net, m=m, seed=5, rational=True), exact=True)
    assert sparse.degrees() == exact.degrees() == [2 * net.H + 1] * net.N


@pytest.mark.parametrize("widths,m", [((1, 2, 1), 1), ((2, 1, 2), 2), ((1, 1, 1, 1), 1), ((1, 2, 1, 1), 2)])
def test_sparse_form_agrees_with_sympy(widths, m):
    sympy = pytest.importorskip("sympy")
    net = Network(widths)
    inst = random_instance(net, m=m, seed=6, rational=True)
    ex = inst.exact_values()
    names = net.variable_names()
    syms = sympy.symbols(names)
    mats, k = [], 0
    for r, c in net.shapes:
        mats.append(sympy.Matrix(r, c, syms[k:k + r * c]))
        k += r * c
    W = mats[0]
    for M in mats[1:]:
        W = M * W
    X = sympy.Matrix(ex[0].tolist())
    Y = sympy.Matrix(ex[1].tolist())
    lam = [v for L in ex[2:] for v in L.ravel()]
    R = W * X - Y
    L = sympy.Rational(1, 2) * sum(e ** 2 for e in R) + sympy.Rational(1, 2) * sum(
        sympy.Rational(l.numerator, l.denominator) * s ** 2 for l, s in zip(lam, syms))
    sparse = sparse_system(inst, exact=True)
    for k, s in enumerate(syms):
        expected = sympy.Poly(sympy.expand(sympy.diff(L, s)), *syms)
        got = sum(sympy.Rational(c.numerator, c.denominator) * sympy.prod([v ** int(e) for v, e in zip(syms, row)])
                  for row, c in zip(sparse.exponents[k], sparse.coefficients[k]))
        assert sympy.Poly(got, *syms) == expected


def test_generic_supports_have_the_linear_term_and_no_constant():
    net = Network.uniform(2, 2, 2)
    sup = generic_supports(net)
    for k, e in enumerate(sup):
        unit = np.zeros(net.N, int)
        unit[k] = 1
        assert any((row == unit).all() for row in e)
        assert not any((row == 0).all() for row in e)
