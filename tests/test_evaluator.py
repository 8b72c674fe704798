"""The compiled evaluator against the numpy GradientSystem: F, the Jacobian, ∂F/∂t and Taylor coefficients."""
import numpy as np
import pytest

from linnet_cli.homotopy import evaluator as ev
from linnet_cli.model.gradient import GradientSystem, Parameters
from linnet_cli.model.network import Network

NO_SLICE = np.zeros((4, 2, 0), complex)
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
    ev.evaluate_batch(*ev.network_arrays(net), cA, cB, cL, NO_SLICE, 0, np.arange(P), x, t, F, J)
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
    ev.taylor_batch(*ev.network_arrays(net), cA, cB, cL, NO_SLICE, 0, np.arange(P), tx, 1, t, out)
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
    ev.taylor_batch(*ev.network_arrays(net), cA, cB, cL, NO_SLICE, 0, np.arange(P), tx, k, t, out)
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


def _sliced(net, m, P, seed, kappa):
    """P random lines with a line slice: unknowns (W, λ), Λ + λΔ and (a·W − c)λ^κ + τ = 0."""
    from linnet_cli.homotopy.tracker import LineSlice, ParameterHomotopy
    rng = np.random.default_rng(seed)
    start = (_c(rng, P, net.dx, m), _c(rng, P, net.dy, m), _c(rng, P, net.N))
    end = (_c(rng, P, net.dx, m), _c(rng, P, net.dy, m), _c(rng, P, net.N))
    s0 = (_c(rng, P, net.N), _c(rng, P, net.N), _c(rng, P), _c(rng, P))
    s1 = (_c(rng, P, net.N), _c(rng, P, net.N), _c(rng, P), _c(rng, P))
    hom = ParameterHomotopy(net, start, end, LineSlice(s0, s1, kappa))
    gs = GradientSystem(net)

    def H(z, t):
        """The sliced system at unknowns z (P, N + 1) and t (P,) (complex t allowed), in numpy."""
        tt = np.asarray(t)
        s = tt[:, None, None]
        X, Y = (a + s * (b - a) for a, b in zip(start[:2], end[:2]))
        D, a, c, tau = (v0 + (tt[:, None] if v0.ndim == 2 else tt) * (v1 - v0) for v0, v1 in zip(s0, s1))
        W, lam = z[:, :net.N], z[:, net.N]
        L = start[2] + tt[:, None] * (end[2] - start[2]) + lam[:, None] * D
        F = gs.evaluate(W, Parameters.from_data(X, Y, L))
        e = (np.sum(a * W, axis=1) - c) * (lam if kappa else 1.0) + tau
        return np.concatenate([F, e[:, None]], axis=1)

    return hom, H, rng


@pytest.mark.parametrize("widths,m", SHAPES[:5])
@pytest.mark.parametrize("kappa", [0, 1])
def test_sliced_system_value_jacobian_and_taylor(widths, m, kappa):
    """The trace test's system (one more unknown and equation) against numpy: value, Jacobian by finite
    differences, and Taylor coefficients by contour integrals."""
    net = Network(widths)
    P, n = 3, net.N + 1
    hom, H, rng = _sliced(net, m, P, seed=7, kappa=kappa)
    cA, cB, cL, aux = hom.coefficients
    args = (*ev.network_arrays(net), cA, cB, cL, aux, hom.mode, np.arange(P))
    z, t = _c(rng, P, n), rng.uniform(size=P)
    F, J = np.empty((P, n), complex), np.empty((P, n, n), complex)
    ev.evaluate_batch(*args, z, t, F, J)
    assert np.abs(F - H(z, t)).max() <= 1e-12 * np.abs(F).max()
    h, E = 1e-6, np.eye(n)
    fd = np.stack([(H(z + h * E[q], t) - H(z - h * E[q], t)) / (2 * h) for q in range(n)], axis=-1)
    assert np.abs(J - fd).max() <= 1e-6 * np.abs(J).max()
    for k in (1, 2, 3):
        tx = np.zeros((P, ev.MAX_ORDER + 1, n), complex)
        tx[:, :k] = _c(rng, P, k, n)
        out = np.empty((P, n), complex)
        ev.taylor_batch(*args, tx, k, t, out)
        r, M, acc = 1e-2, 32, 0
        for q in range(M):
            w = r * np.exp(2j * np.pi * q / M)
            acc = acc + H(sum(tx[:, j] * w ** j for j in range(k)), t + w) * np.exp(-2j * np.pi * q * k / M)
        ref = acc / M / r ** k
        assert np.abs(out - ref).max() <= 1e-7 * np.abs(ref).max()
