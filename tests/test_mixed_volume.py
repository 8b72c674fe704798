"""Exact mixed volumes: classical values, invariances, an independent formula, and Table 3.1's BKK column."""
from __future__ import annotations

import itertools
import math
import shutil
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from scipy.spatial import ConvexHull

import linnet_cli.checks.mixed_volume as mvmod
from linnet_cli.checks.mixed_volume import bkk_bounds, mixed_volume
from linnet_cli.model.network import Network
from linnet_cli.model.symbolic import generic_supports


def dense(n: int, degree: int) -> np.ndarray:
    """All exponent vectors of total degree <= degree in n variables."""
    return np.array([e for e in itertools.product(range(degree + 1), repeat=n) if sum(e) <= degree])


def scaled_simplex(n: int, s: int) -> np.ndarray:
    """Vertices of s times the standard simplex."""
    return np.vstack([np.zeros((1, n), dtype=np.int64), s * np.eye(n, dtype=np.int64)])


def box(sides: tuple[int, ...]) -> np.ndarray:
    """Vertices of the box [0, a_1] x ... x [0, a_n]."""
    return np.array(list(itertools.product(*[(0, a) for a in sides])))


def permanent(a: np.ndarray) -> int:
    n = a.shape[0]
    return sum(math.prod(int(a[i, p[i]]) for i in range(n)) for p in itertools.permutations(range(n)))


def minkowski_formula(supports: list[np.ndarray]) -> int:
    """MV by inclusion-exclusion over Minkowski sums: sum over S of (-1)^(n-|S|) vol(sum_S P_i).

    Independent of the cell enumeration (volumes of convex hulls by qhull).
    """
    n = len(supports)
    total = 0.0
    for r in range(1, n + 1):
        for subset in itertools.combinations(range(n), r):
            pts = np.zeros((1, n))
            for i in subset:
                pts = (pts[:, None, :] + supports[i][None, :, :]).reshape(-1, n)
            pts = np.unique(pts, axis=0)
            try:
                vol = ConvexHull(pts).volume
            except Exception:  # flat sum: volume zero
                vol = 0.0
            total += (-1) ** (n - r) * vol
    return round(total)


def with_origin(network: Network) -> list[np.ndarray]:
    n = network.N
    return [s if np.any(np.all(s == 0, axis=1)) else np.vstack([np.zeros((1, n), np.int64), s])
            for s in (np.asarray(e) for e in generic_supports(network))]


# ---------------------------------------------------------------- classical values

@pytest.mark.parametrize("degrees", [(1, 1), (2, 3), (3, 3), (2, 2, 2), (1, 2, 3), (2, 1, 1, 2)])
def test_dense_systems_give_bezout(degrees):
    n = len(degrees)
    assert mixed_volume([dense(n, d) for d in degrees]) == math.prod(degrees)


@pytest.mark.filterwarnings("ignore:mixed volume. int64 could overflow")  # the largest scales
@pytest.mark.parametrize("scales", [(1, 1, 1), (2, 3, 5), (7, 1, 4, 2), (1000, 2000, 3000)])
def test_scaled_simplices_multiply(scales):
    n = len(scales)
    assert mixed_volume([scaled_simplex(n, s) for s in scales]) == math.prod(scales)


@pytest.mark.filterwarnings("ignore:mixed volume. int64 could overflow")
def test_huge_determinants_are_exact():
    # integers beyond int64's safe range: the volume is computed again with exact integers
    scales = (10 ** 5, 2 * 10 ** 5, 3 * 10 ** 5)
    assert mixed_volume([scaled_simplex(3, s) for s in scales]) == 6 * 10 ** 15


def test_boxes_give_the_permanent():
    rng = np.random.default_rng(3)
    sides = rng.integers(1, 4, size=(3, 3))
    assert mixed_volume([box(tuple(r)) for r in sides]) == permanent(sides)
    assert mixed_volume([box((1, 1, 1))] * 3) == 6  # n! for unit cubes


def test_bernstein_examples_below_bezout():
    square = np.array([[0, 0], [1, 0], [0, 1], [1, 1]])
    assert mixed_volume([square, square]) == 2  # a + bx + cy + dxy: 2 roots, Bezout 4
    # Cox-Little-O'Shea: a x^3y^2 + b x + c y^2 + d and e xy^4 + f x^3 + g y (Bezout 25)
    f = np.array([[3, 2], [1, 0], [0, 2], [0, 0]])
    g = np.array([[1, 4], [3, 0], [0, 1]])
    assert mixed_volume([f, g]) == 18 == minkowski_formula([f, g])


@pytest.mark.parametrize("dim,seed", [(2, 0), (2, 1), (3, 2), (3, 3)])
def test_random_supports_match_minkowski_formula(dim, seed):
    rng = np.random.default_rng(seed)
    supports = [rng.integers(0, 4, size=(rng.integers(3, 7), dim)) for _ in range(dim)]
    assert mixed_volume(supports) == minkowski_formula(supports)


def test_degenerate_cases():
    assert mixed_volume([]) == 1
    assert mixed_volume([np.array([[0], [3], [5]])]) == 5
    # a support with one point, and supports that do not span the plane
    assert mixed_volume([np.array([[1, 1]]), dense(2, 2)]) == 0
    assert mixed_volume([np.array([[0, 0], [1, 0]]), np.array([[0, 0], [2, 0], [5, 0]])]) == 0
    with pytest.raises(ValueError):
        mixed_volume([np.zeros((2, 3))])


# ---------------------------------------------------------------- invariances

def test_translation_permutation_and_repetition_invariance():
    rng = np.random.default_rng(7)
    supports = [rng.integers(0, 3, size=(6, 4)) for _ in range(4)]
    base = mixed_volume(supports)
    assert base > 0
    moved = [s + rng.integers(-3, 4, size=(1, 4)) for s in supports]
    assert mixed_volume(moved) == base
    assert mixed_volume(supports[::-1]) == base
    assert mixed_volume([s[:, [2, 0, 3, 1]] for s in supports]) == base  # relabel variables
    assert mixed_volume([np.vstack([s, s[:2]]) for s in supports]) == base  # repeated points
    assert mixed_volume(supports, seed=11) == base


def test_int64_overflow_is_recomputed_with_exact_integers(monkeypatch):
    calls: list[bool] = []
    real = mvmod._compute

    def spy(sups, rng, exact, progress, threads):
        calls.append(exact)
        return real(sups, rng, exact, progress, threads)

    monkeypatch.setattr(mvmod, "_compute", spy)
    with pytest.warns(RuntimeWarning, match="exact integers"):
        assert mixed_volume([scaled_simplex(3, s) for s in (10 ** 5, 2 * 10 ** 5, 3 * 10 ** 5)]) == 6 * 10 ** 15
    assert calls == [False, True]
    calls.clear()
    assert mixed_volume([dense(3, 2)] * 3) == 8
    assert calls == [False]


@pytest.mark.parametrize("dim,seed", [(3, 4), (4, 5)])
def test_plain_python_kernels_agree_with_compiled(dim, seed):
    rng = np.random.default_rng(seed)
    supports = [rng.integers(0, 3, size=(rng.integers(3, 7), dim)) for _ in range(dim)]
    sups = sorted(mvmod.prepare_supports(supports), key=len)
    assert mvmod._compute(sups, None, True, None, None) == mixed_volume(supports) > 0


def test_scheduling_does_not_change_the_value(monkeypatch):
    sups = with_origin(Network.uniform(2, 3, 2))
    assert mixed_volume(sups, threads=1) == mixed_volume(sups, threads=3) == 5329
    monkeypatch.setattr(mvmod, "TARGET_UNITS", 1)   # depth first from the start cell
    monkeypatch.setattr(mvmod, "INITIAL_DEPTH", 1)  # the stacks must grow
    monkeypatch.setattr(mvmod, "OUT_CAPACITY", 1)   # outputs drained cell by cell
    assert mixed_volume(sups, threads=2) == 5329
    monkeypatch.setattr(mvmod, "TARGET_UNITS", 10 ** 6)
    monkeypatch.setattr(mvmod, "MAX_UNITS", 3)      # too many units: depth first from fewer
    assert mixed_volume(sups, threads=2) == 5329


def test_memory_is_checked_before_any_work(monkeypatch):
    monkeypatch.setattr(mvmod, "memory_limit", lambda: 10 ** 6)
    monkeypatch.setattr(mvmod, "_compute", lambda *a: pytest.fail("work started"))
    with pytest.raises(mvmod.MixedVolumeTooLarge, match="GiB"):
        mixed_volume([dense(3, 2)] * 3)
    assert mvmod.mixed_volume_memory(18, 600, 2000, 2) < 2 ** 30 < mvmod.mixed_volume_memory(8000, 10 ** 6, 3 * 10 ** 6)


def test_interrupt_from_progress_stops_every_thread():
    before = threading.active_count()
    seen: list[float] = []

    def stop(fraction: float) -> None:
        seen.append(fraction)
        raise KeyboardInterrupt

    t = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        mixed_volume(with_origin(Network.uniform(3, 2, 3)), threads=2, progress=stop)
    assert len(seen) == 1 and time.perf_counter() - t < 5
    assert threading.active_count() == before


def test_progress_reaches_one():
    seen: list[float] = []
    mixed_volume([dense(3, 2)] * 3, progress=seen.append)
    assert seen and seen == sorted(seen) and seen[-1] == 1.0


def test_plain_python_fallback_without_numba():
    code = ("import sys; sys.modules['numba'] = None\n"
            "import warnings, numpy as np\n"
            "from linnet_cli.checks.mixed_volume import mixed_volume\n"
            "sq = np.array([[0, 0], [1, 0], [0, 1], [1, 1]])\n"
            "with warnings.catch_warnings(record=True) as w:\n"
            "    warnings.simplefilter('always')\n"
            "    print(mixed_volume([sq, 2 * sq]), len(w))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["4", "1"]


# ---------------------------------------------------------------- the gradient systems

def test_table_31_bkk_column(table31):
    for row in table31:
        if row["no"] > 18:
            continue
        net = Network.uniform(row["d"], row["dx"], row["dy"])
        assert mixed_volume(with_origin(net)) == row["BKK"], row


def test_bkk_bounds_with_origin_and_torus():
    assert bkk_bounds(Network.uniform(2, 2, 2)) == (1089, 1024)
    origin, torus = bkk_bounds(Network.uniform(1, 1, 1, H=2))
    assert origin == 17 and torus <= origin


def test_bounds_row_takes_the_mixed_volume_as_a_function(monkeypatch, tmp_path):
    """Another mixed volume computes the BKK columns afresh and leaves the cache alone; linnet's own,
    the default, is cached per shape."""
    from linnet_cli.checks.bounds import bounds_row
    monkeypatch.setenv("LINNET_CACHE_DIR", str(tmp_path))
    net, calls = Network.uniform(1, 1, 1), []

    def counted(supports):
        calls.append(len(supports))
        return mixed_volume(supports)
    assert bounds_row(net, 1, mixed_volume=counted).BKK == 5 and calls == [2, 2]
    assert not (tmp_path / "bkk.json").exists()
    assert bounds_row(net, 1, bkk=None, mixed_volume=counted).BKK is None and calls == [2, 2]   # not linnet's
    assert bounds_row(net, 1, mixed_volume=mixed_volume).BKK == 5 and (tmp_path / "bkk.json").exists()
    assert bounds_row(net, 1, bkk=None).BKK == 5 and calls == [2, 2]


def test_mixed_volumes_are_not_part_of_the_engine_interface():
    from linnet_cli.engines import mixed_volume_for
    from linnet_cli.engines.base import Engine
    from linnet_cli.engines.least_squares import LeastSquares
    from linnet_cli.engines.native import NativeEngine
    assert not any(hasattr(e, "mixed_volume") for e in (Engine, LeastSquares(), NativeEngine()))
    assert mixed_volume_for("native") is None


@pytest.mark.parametrize("d,dx,dy,bkk", [(1, 2, 1, 33), (1, 3, 1, 49), (1, 1, 2, 33), (1, 2, 2, 129),
                                         (1, 3, 2, 289)])
def test_two_hidden_layers(d, dx, dy, bkk):
    assert mixed_volume(with_origin(Network.uniform(d, dx, dy, H=2))) == bkk


def gfan_mixed_volume(supports: list[np.ndarray]) -> int:
    """gfan's ``_mixedvolume`` on polynomials with the given supports (all coefficients 1)."""
    n = supports[0].shape[1]
    names = ["x" + chr(ord("a") + i // 26) + chr(ord("a") + i % 26) for i in range(n)]
    polys = [" + ".join("*".join(f"{names[v]}^{e}" for v, e in enumerate(row) if e) or "1" for row in s)
             for s in supports]
    text = "Q[" + ",".join(names) + "]{" + ",".join(polys) + "}"
    out = subprocess.run(["gfan", "_mixedvolume"], input=text, capture_output=True, text=True, check=True)
    return int(out.stdout.split()[-1])


@pytest.mark.skipif(shutil.which("gfan") is None, reason="gfan is not installed")
@pytest.mark.parametrize("widths,torus", [((2, 2, 1, 1), False), ((1, 2, 2, 2), True), ((2, 1, 3), True)])
def test_agrees_with_gfan(widths, torus):
    net = Network(widths)
    sups = [np.asarray(s) for s in generic_supports(net)] if torus else with_origin(net)
    assert mixed_volume(sups) == gfan_mixed_volume(sups)
