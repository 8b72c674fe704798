"""The compiled evaluator against the numpy GradientSystem: F, the Jacobian, ∂F/∂t and Taylor coefficients."""
import numpy as np
import pytest

from linnet_cli import evaluator as ev
from linnet_cli.gradient import GradientSystem, Parameters
from linnet_cli.network import Network

SHAPES = [((2, 2, 2), 1), ((1, 1, 1), 1), ((2, 3, 3), 1), ((2, 3, 1, 2), 2), ((3, 2, 4, 2, 1), 2),
          ((1, 1), 3), ((2, 1, 2, 1, 2, 1), 1), ((4, 4, 4), 2), ((2, 5), 4)]


def _c(rng, *shape):
    return rng.normal(size=shape) + 1j * rng.normal(size=shape)


def _line(net, m, P, seed):
    """P random complex parameter lines (X, Y, Λ) → (X, Y, Λ), their coefficients, and a point function."""
    rng = np.random.default_rng(seed)
    start = (_c(rng, P, net.dx, m), _c(rng, P, net.dy, m), _c(rng, P, net.N))
    end = (_c(rng, P, net.dx, m), _c(rng, P, net.dy, m), _c(rng, P, net.N))

    def params(t):
        s = np.asarray(t)[:, None, None]
        X, Y = (a + s * (b - a) for a, b in zip(start[:2], end[:2]))
        return Parameters.from_data(X, Y, start[2] + np.asarray(t)[:, None] * (end[2] - start[2]))

    return ev.path_coefficients(start, end), params, rng


@pytest.mark.parametrize("widths,m", SHAPES)
def test_value_and_jacobian_match_numpy(widths, m):
    net = Network(widths)
    P = 4
    (cA, cB, cL), params, rng = _line(net, m, P, seed=1)
    x, t = _c(rng, P, net.N), rng.uniform(size=P)
    F, J = np.empty((P, net.N), complex), np.empty((P, net.N, net.N), complex)
    ev.evaluate_batch(*ev.network_arrays(net), cA, cB, cL, np.arange(P), x, t, F, J)
    Fr, Jr = GradientSystem(net).evaluate_and_jacobian(x, params(t))
    assert np.abs(F - Fr).max() <= 1e-12 * np.abs(Fr).max()
    assert np.abs(J - Jr).max() <= 1e-12 * np.abs(Jr).max()


@pytest.mark.parametrize("widths,m", SHAPES)
def test_time_derivative_matches_finite_differences(widths, m):
    net = Network(widths)
    P = 3
    (cA, cB, cL), params, rng = _line(net, m, P, seed=2)
    x, t = _c(rng, P, net.N), rng.uniform(size=P)
    tx = np.zeros((P, ev.MAX_ORDER + 1, net.N), complex)
    tx[:, 0] = x
    out = np.empty((P, net.N), complex)
    ev.taylor_batch(*ev.network_arrays(net), cA, cB, cL, np.arange(P), tx, 1, t, out)
    gs, h = GradientSystem(net), 1e-5
    fd = (gs.evaluate(x, params(t + h)) - gs.evaluate(x, params(t - h))) / (2 * h)
    assert np.abs(out - fd).max() <= 1e-8 * np.abs(fd).max()


@pytest.mark.parametrize("widths,m", SHAPES[:6])
@pytest.mark.parametrize("k", [1, 2, 3])
def test_taylor_coefficients_match_cauchy_integrals(widths, m, k):
    """Coefficient k of s ↦ F(x_0 + … + x_(k-1) s^(k-1); p(t + s)), from a contour integral of numpy values."""
    net = Network(widths)
    P = 2
    (cA, cB, cL), params, rng = _line(net, m, P, seed=3)
    t = rng.uniform(size=P)
    tx = np.zeros((P, ev.MAX_ORDER + 1, net.N), complex)
    tx[:, :k] = _c(rng, P, k, net.N)
    out = np.empty((P, net.N), complex)
    ev.taylor_batch(*ev.network_arrays(net), cA, cB, cL, np.arange(P), tx, k, t, out)
    gs, r, M = GradientSystem(net), 1e-2, 32
    acc = 0
    for q in range(M):
        z = r * np.exp(2j * np.pi * q / M)
        x = sum(tx[:, j] * z ** j for j in range(k))
        acc = acc + gs.evaluate(x, params(t + z)) * np.exp(-2j * np.pi * q * k / M)
    ref = acc / M / r ** k
    assert np.abs(out - ref).max() <= 1e-7 * np.abs(ref).max()


def test_shared_coefficients_broadcast_to_every_line():
    net = Network((2, 2, 2))
    rng = np.random.default_rng(4)
    X, Y, L0, L1 = _c(rng, 2, 1), _c(rng, 2, 1), _c(rng, 5, net.N), _c(rng, net.N)
    cA, cB, cL = ev.path_coefficients((X, Y, L0), (X, Y, L1))
    assert cA.shape == (5, 3, 2, 2) and cB.shape == (5, 3, 2, 2) and cL.shape == (5, 2, net.N)
    assert np.allclose(cA[:, 1:], 0) and np.allclose(cL[:, 1], L1 - L0)
