"""Extended precision in the path tracker: the homotopy's residual in double-double
(linnet_cli.homotopy.double_double.homotopy_residual), paths that switch to it, its lazy compilation, and
the per-solve counts of paths that needed it or the endgame (linnet_cli.homotopy.tally)."""
from __future__ import annotations

import subprocess
import sys
from fractions import Fraction as Fr
from pathlib import Path

import numpy as np
import pytest

from linnet_cli.homotopy import double_double as dd
from linnet_cli.homotopy import evaluator as ev
from linnet_cli.homotopy.return_code import ReturnCode
from linnet_cli.homotopy.tally import count, tally
from linnet_cli.homotopy.tracker import LineSlice, ParameterHomotopy, Tracker, TrackerOptions
from linnet_cli.model.gradient import GradientSystem, Parameters
from linnet_cli.model.network import Network

from test_double_double import Q, exact_F, term_sizes

DATA = Path(__file__).parent / "data"


def _c(rng, *shape):
    return rng.normal(size=shape) + 1j * rng.normal(size=shape)


def _residuals(hom: ParameterHomotopy, x: np.ndarray, t: float) -> tuple[np.ndarray, np.ndarray]:
    """H(x; t) by the evaluator (double) and by homotopy_residual (double-double, rounded)."""
    widths, offs = ev.network_arrays(hom.network)
    cA, cB, cL, aux = hom.coefficients
    h = (widths, offs, cA[0], cB[0], cL[0], aux[0], np.int64(hom.mode))
    n = len(x)
    F, J = np.empty(n, complex), np.empty((n, n), complex)
    ev.series(ev.workspace(widths, np.int64(ev.MAX_ORDER)), h, x[None].copy(), np.int64(0), t, F, J, np.int64(0))
    G = np.empty(n, complex)
    dd.homotopy_residual(dd.homotopy_workspace(widths, n), h, x.copy(), t, G)
    return F, G


@pytest.mark.parametrize("widths", [(2, 2, 2), (3, 2, 1, 4), (2, 1, 4, 1, 2)])
@pytest.mark.parametrize("kappa", [None, 0, 1])
def test_homotopy_residual_is_the_evaluators_system(widths, kappa):
    """Modes 0, 1, 2 at random points and t: the double-double residual rounds to the double one's value
    to within the double's own rounding."""
    net = Network(widths)
    rng = np.random.default_rng(3)
    start = (_c(rng, net.dx, 2), _c(rng, net.dy, 2), _c(rng, net.N))
    end = (_c(rng, net.dx, 2), _c(rng, net.dy, 2), _c(rng, net.N))
    line = None if kappa is None else LineSlice((_c(rng, net.N), _c(rng, net.N), _c(rng, 1), _c(rng, 1)),
                                                (_c(rng, net.N), _c(rng, net.N), _c(rng, 1), _c(rng, 1)), kappa)
    hom = ParameterHomotopy(net, start, end, line)
    for t in (0.0, 0.37, 1.0):
        x = _c(rng, hom.unknowns)
        F, G = _residuals(hom, x, t)
        assert np.abs(F - G).max() <= 1e-13 * np.abs(F).max()


def test_homotopy_residual_is_exact_where_the_double_one_is_noise():
    """The slice's system (mode 2) at t = 0 with data whose products are exact in double: the residual
    is compared with exact rational arithmetic at a point where its terms (~1) cancel to ~1e-17. The
    double evaluation has no correct digit; the double-double one is exact to 1e-30 of the terms."""
    net = Network((2, 2, 2))
    rng = np.random.default_rng(11)
    X = rng.integers(-3, 4, size=(2, 2)).astype(complex)      # small integers: X Xᵀ, Y Xᵀ exact in double
    Y = rng.integers(-3, 4, size=(2, 2)).astype(complex)
    w = _c(rng, net.N)
    mu = complex(0.75, -0.5)
    D, a = _c(rng, net.N), _c(rng, net.N)
    c = complex(_dot(a, w))                  # a·W − c ≈ ε: the product with λ cancels too
    g = exact_F(net, w, X, Y, np.zeros(net.N))
    lam = np.array([-complex(g[q]) / w[q] - mu * D[q] for q in range(net.N)])   # F ≈ 0 up to rounding
    fixed = (D, a, np.array([c]), np.array([0j]))            # the slice does not move; τ = 0
    hom = ParameterHomotopy(net, (X, Y, lam), (X, Y, lam), LineSlice(fixed, fixed, 1))
    x = np.concatenate([w, [mu]])
    F, G = _residuals(hom, x, 0.0)
    # the exact value: U_lᵀ E V_lᵀ + (Λ + λΔ) ∘ W, and (a·W − c) λ + τ, in rationals
    muq = Q.of(mu)
    exact = [g[q] + (Q.of(lam[q]) + muq * Q.of(D[q])) * Q.of(w[q]) for q in range(net.N)]
    exact.append((_dot(a, w) - Q.of(c)) * muq)        # τ = 0
    exact_c = np.array([complex(v) for v in exact])
    T = np.append(term_sizes(net, w, X, Y, np.abs(lam) + abs(mu) * np.abs(D)), np.abs(a) @ np.abs(w) * abs(mu))
    assert np.abs(exact_c).max() < 1e-14 * T.min()            # the terms cancel to rounding level
    err_d, err_dd = np.abs(F - exact_c) / T, np.abs(G - exact_c) / T
    assert err_d.max() > 1e-18                                # the double one is noise of the terms' size,
    assert np.median(np.abs(F - exact_c) / np.abs(exact_c)) > 0.5   # with no correct digit (measured 1 to 12)
    assert err_dd.max() < 1e-30 + EPS_ROUND * np.abs(exact_c).max() / T.min()


def _dot(a: np.ndarray, w: np.ndarray) -> Q:
    """Σ a_q w_q exactly."""
    out = Q(Fr(0))
    for u, v in zip(a, w):
        out = out + Q.of(u) * Q.of(v)
    return out


#: Rounding the double-double residual to double costs at most one ulp of its own (tiny) value.
EPS_ROUND = float(np.finfo(float).eps)


def _recorded_path() -> tuple[ParameterHomotopy, np.ndarray, np.ndarray]:
    """A path of widths 2,3,2 with m = 2 (seed 1's homotopy from the monodromy's parameters to the
    instance's) that passes a pole: its norm grows to ~3,400 near t = 0.84 and returns to a regular
    endpoint of norm 63. Recorded from `linnet solve --widths 2,3,2 --m 2 --seed 1`."""
    d = np.load(DATA / "extended_precision_path.npz")
    net = Network(tuple(int(v) for v in d["widths"]))
    hom = ParameterHomotopy(GradientSystem(net), (d["X0"], d["Y0"], d["L0"]), (d["X1"], d["Y1"], d["L1"]))
    return hom, d["x0"][None], d["endpoint"]


def test_a_path_that_needs_extended_precision_converges_only_with_it():
    hom, x0, endpoint = _recorded_path()
    plain = Tracker(hom, torus=True).track(x0, retrack=False)          # double precision only
    assert plain.codes[0] == ReturnCode.ACCURACY_LIMIT and plain.t[0] < 0.9 and not plain.extended[0]
    assert np.abs(plain.x[0]).max() > 1e3                               # it stopped near the pole
    with tally() as paths:
        full = Tracker(hom, torus=True).track(x0)                       # retracked with extended precision
    assert full.codes[0] == ReturnCode.SUCCESS and full.t[0] == 1.0 and full.extended[0]
    assert paths.extended == 1 and paths.endgame == 0
    assert full.cond[0] < TrackerOptions().singular_cond and full.accuracy[0] < 1e-14
    # a critical point of the instance, to the accuracy its conditioning allows
    d = np.load(DATA / "extended_precision_path.npz")
    F = GradientSystem(hom.network).evaluate(full.x, Parameters.from_data(d["X1"], d["Y1"], d["L1"]))
    assert np.abs(F).max() < 1e-10 * max(1.0, np.abs(full.x).max())
    assert np.allclose(full.x[0], endpoint, rtol=0, atol=1e-9 * np.abs(endpoint).max())


def test_tracking_in_double_does_not_compile_the_double_double_code():
    """The tracker's double-only compilation prunes the double-double branch (ext is None), so a first
    run compiles and loads none of it: the extended kernels are built on a path's first need only."""
    code = ("import numpy as np\n"
            "from linnet_cli.homotopy import double_double as dd\n"
            "from linnet_cli.homotopy.tracker import ParameterHomotopy, Tracker\n"
            "from linnet_cli.model.network import Network\n"
            "net = Network((1, 1, 1))\n"
            "p = (np.ones((1, 1)), np.ones((1, 1)), np.ones(2))\n"
            "hom = ParameterHomotopy(net, p, (2 * p[0], p[1], p[2]))\n"
            "Tracker(hom).track(np.ones((1, 2)) * 0.5, retrack=False)\n"
            "print(len(dd.homotopy_residual.signatures), len(dd.residual_into.signatures))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["0", "0"]


def test_tally_counts_inside_its_block_only():
    count(extended=5)                       # no tally open: nothing to add to, nothing fails
    with tally() as outer:
        count(extended=2, endgame=1)
        with tally() as inner:
            count(endgame=3)
        count(extended=1)
    assert (outer.extended, outer.endgame) == (3, 1) and (inner.extended, inner.endgame) == (0, 3)


def test_solve_reports_paths_in_extended_precision_and_endgame():
    """A solve whose paths need extended precision reports how many did, in the result, its JSON and its
    csv rows (widths 2,3,2 with m = 2, seed 1: the recorded path above is one of them)."""
    import linnet_cli as ln
    res = ln.solve(ln.Network((2, 3, 2)), m=2, seed=1, bkk=False)
    assert res.n_complex == 1265 and res.n_failed == 0
    assert res.extended_paths >= 1 and res.endgame_paths == 0
    out = res.to_dict(solutions=False)
    assert out["n_extended_precision"] == res.extended_paths and out["n_endgame"] == 0
    frame = res.to_frame()
    assert set(frame["n_extended_precision"]) == {res.extended_paths} and set(frame["n_failed"]) == {0}
    assert f"{res.extended_paths} in extended precision" in str(res)
