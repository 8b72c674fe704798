"""The HomotopyContinuation.jl engine.

Without Julia: the Python side of the bridge (argument marshalling, conversion of HC.jl-like answers,
zero patterns, counting of singular, failed and repeated endpoints, availability, the Julia
environment files), and the whole engine end to end with a backend that answers HC.jl's calls with
linnet's own tracker. With Julia (marker ``julia``, skipped when juliacall is not installed): the
real engine against the native one on Table 3.1 rows 1-14, and HC.jl's mixed volume against linnet's.
"""
from __future__ import annotations

import csv
import importlib.machinery
import importlib.metadata
import importlib.util
import json
import os
import subprocess
import sys
import tomllib
import types
from pathlib import Path

import numpy as np
import pytest

from linnet_cli.engines import get_engine
from linnet_cli.engines import julia as jl_engine
from linnet_cli.engines.julia import (JuliaGenericSolution, JuliaEngine, MonodromyOutcome, PathBatch, all_patterns,
                                      assign_patterns, duplicates, pack_parameters, parameter_names, prepare_supports,
                                      sort_endpoints, stack_supports, unpack_parameters, zero_mask)
from linnet_cli.engines.native import monodromy_solution, track_to
from linnet_cli.errors import EngineUnavailable, InputError
from linnet_cli.model.gradient import GradientSystem, Parameters
from linnet_cli.model.instance import Instance, random_instance
from linnet_cli.checks.mixed_volume import bkk_bounds
from linnet_cli.homotopy.monodromy import monodromy_solve as native_monodromy
from linnet_cli.model.network import Network
from linnet_cli.model.symmetry import expand_orbits
from linnet_cli.homotopy.return_code import ReturnCode
from linnet_cli.homotopy.tracker import ParameterHomotopy, Tracker

AT_INFINITY, DUPLICATE, LEFT_TORUS, NOT_A_PATTERN = (ReturnCode.AT_INFINITY, ReturnCode.DUPLICATE,
                                                    ReturnCode.LEFT_TORUS, ReturnCode.NOT_A_PATTERN)

ROOT = Path(__file__).resolve().parent.parent
HAS_JULIACALL = importlib.util.find_spec("juliacall") is not None


# ---------------------------------------------------------------------------------------------
# Backends that answer like linnet.jl without Julia

def _mixed_volume_reference(supports) -> int:
    """Mixed volume by inclusion-exclusion over Minkowski sums: Σ_S (−1)^(n−|S|) vol(Σ_{i∈S} P_i)
    (small supports only)."""
    from itertools import combinations

    from scipy.spatial import ConvexHull, QhullError
    n = len(supports)
    total = 0.0
    for r in range(1, n + 1):
        for S in combinations(range(n), r):
            pts = np.zeros((1, n))
            for i in S:
                pts = np.unique((pts[:, None, :] + np.asarray(supports[i])[None, :, :]).reshape(-1, n), axis=0)
            try:
                vol = ConvexHull(pts).volume
            except (QhullError, ValueError):
                vol = 0.0
            total += (-1) ** (n - r) * vol
    return int(round(total))


def _hc_codes(codes: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Native return codes as HC.jl reports them: (return codes, singular flags)."""
    out, singular = [], []
    for c in codes:
        if c in (ReturnCode.SUCCESS, ReturnCode.SINGULAR):
            out.append("success")
        elif c == ReturnCode.DIVERGED:
            out.append("at_infinity")
        else:
            out.append(f"terminated_{c.value}")
        singular.append(c == ReturnCode.SINGULAR)
    return out, np.array(singular, bool)


class NativeBackend:
    """linnet.jl's calls answered by the native tracker and monodromy (same conventions, no Julia)."""

    def __init__(self, diverged: int = 5, terminated: int = 0):
        self.diverged, self.terminated = diverged, terminated
        self.calls: list[tuple] = []

    def polyhedral(self, widths, m, p0, seed):
        self.calls.append(("polyhedral", widths, m))
        net = Network(widths)
        X0, Y0, lam0 = unpack_parameters(net, m, p0)
        start = monodromy_solution(net, X0, Y0, np.random.default_rng(seed))
        inst = Instance(net, X0, Y0, tuple(net.unflatten(lam0)))
        raw = track_to(start, [inst])[0]
        rng = np.random.default_rng(seed)
        far = 1e9 * (rng.normal(size=(self.diverged + self.terminated, net.N)) + 0j)
        points = np.vstack([raw.points, far])
        codes = (["success"] * len(raw.points) + [AT_INFINITY] * self.diverged
                 + ["terminated_max_steps"] * self.terminated)
        order = rng.permutation(len(points))        # HC.jl's path order has nothing to do with patterns
        return PathBatch(points[order], np.array(codes, object)[order], np.zeros(len(points), bool))

    def track(self, widths, m, starts, p0, targets, seed, conservative=False):
        self.calls.append(("track", widths, m, len(starts), len(targets), conservative))
        net = Network(widths)
        X0, Y0, lam0 = unpack_parameters(net, m, p0)
        K = len(starts)
        X1, Y1, L1 = zip(*(unpack_parameters(net, m, t) for t in targets))
        X1, Y1, L1 = (np.repeat(np.stack(a), K, axis=0) for a in (X1, Y1, L1))
        tracker = Tracker(ParameterHomotopy(GradientSystem(net), (X0, Y0, lam0), (X1, Y1, L1)))
        if conservative:
            tracker = tracker.careful()
        res = tracker.track(np.tile(np.asarray(starts, complex), (len(targets), 1)))
        codes, singular = _hc_codes(res.codes)
        return PathBatch(res.x, codes, singular)

    def monodromy(self, widths, m, w0, p0, seed, stall_loops):
        self.calls.append(("monodromy", widths, m, stall_loops))
        net = Network(widths)
        X0, Y0, lam = unpack_parameters(net, m, p0)
        tor = native_monodromy(net, X0, Y0, np.random.default_rng(seed))
        sols = expand_orbits(net, tor.representatives)
        res = Tracker(ParameterHomotopy(GradientSystem(net), (X0, Y0, tor.lam), (X0, Y0, lam)), torus=True).track(sols)
        codes, singular = _hc_codes(res.codes)
        return MonodromyOutcome(PathBatch(res.x, codes, singular), "heuristic_stop", tor.paths_tracked,
                                sum(tor.failed_paths.values()))

    def mixed_volume(self, points, counts):
        self.calls.append(("mixed_volume", points.shape, tuple(counts)))
        return _mixed_volume_reference(np.split(points, np.cumsum(counts)[:-1]))

    def versions(self):
        return "1.11.0", "2.99.0", 1


class ScriptedBackend:
    """Hands out prepared PathBatches and records the calls."""

    def __init__(self, polyhedral=None, track=None):
        self._polyhedral, self._track = polyhedral, list(track or [])
        self.calls: list[tuple] = []

    def polyhedral(self, widths, m, p0, seed):
        self.calls.append(("polyhedral", widths, m, len(p0)))
        return self._polyhedral

    def track(self, widths, m, starts, p0, targets, seed, conservative=False):
        self.calls.append(("track", len(starts), len(targets), conservative))
        return self._track.pop(0)


def _net121() -> Network:
    return Network((1, 2, 1))


def _point(net: Network, pattern, rng) -> np.ndarray:
    w = np.zeros(net.N, complex)
    k = int(pattern.mask.sum())
    w[pattern.mask] = rng.normal(size=k) + 1j * rng.normal(size=k)
    return w


# ---------------------------------------------------------------------------------------------
# Marshalling

def test_parameter_layout_round_trip():
    net, m = Network((2, 3, 1)), 2
    rng = np.random.default_rng(0)
    X, Y, lam = rng.normal(size=(2, m)), rng.normal(size=(1, m)), rng.normal(size=net.N)
    p = pack_parameters(X, Y, lam)
    assert p.dtype == np.complex128 and p.flags["C_CONTIGUOUS"] and p.shape == (2 * m + m + net.N,)
    X2, Y2, lam2 = unpack_parameters(net, m, p)
    np.testing.assert_array_equal(X2, X)
    np.testing.assert_array_equal(Y2, Y)
    np.testing.assert_array_equal(lam2, lam)
    with pytest.raises(ValueError):
        unpack_parameters(net, m, p[:-1])


def test_parameter_names_follow_linnet_jl():
    names = parameter_names(_net121(), 2)
    assert names == ["x_1_1", "x_1_2", "y_1_1", "y_1_2",
                     "lam1_1_1", "lam1_2_1", "lam2_1_1", "lam2_1_2"]
    # the same scheme is written in linnet.jl: variables w<l>_<r>_<c>, parameters x, y, lam<l>
    src = (ROOT / "julia" / "linnet.jl").read_text()
    for piece in ('named("w$l"', 'named("lam$l"', 'named("x"', 'named("y"',
                  "vcat(rowmajor(X), rowmajor(Y)"):
        assert piece in src
    assert _net121().variable_names() == ["w1_1_1", "w1_2_1", "w2_1_1", "w2_1_2"]


def test_linnet_jl_defines_every_function_the_engine_calls():
    src = (ROOT / "julia" / "linnet.jl").read_text()
    assert "module LinnetHC" in src and src.rstrip().endswith("end # module")
    for fn in ("solve_polyhedral", "track_parameters", "monodromy_torus", "mixed_volume_of", "versions"):
        assert f"function {fn}(" in src
        assert fn in src.split("export", 1)[1].split("\n\n", 1)[0]
    engine_src = Path(jl_engine.__file__).read_text()
    for fn in ("solve_polyhedral", "track_parameters", "monodromy_torus", "mixed_volume_of", "versions"):
        assert f"self._jl().{fn}(" in engine_src


def test_supports_are_validated_and_stacked():
    sups = prepare_supports([np.array([[0, 0], [1, 0], [1, 0]]), np.array([[0, 1], [2, 2]])])
    assert [len(s) for s in sups] == [2, 2]
    points, counts = stack_supports(sups)
    assert points.dtype == np.int64 and points.shape == (4, 2) and counts.tolist() == [2, 2]
    with pytest.raises(ValueError, match="non-integer"):
        prepare_supports([np.array([[0.5]])])
    with pytest.raises(ValueError, match="shape"):
        prepare_supports([np.array([[0, 1]])])
    with pytest.raises(ValueError, match="empty"):
        prepare_supports([np.zeros((0, 1))])


# ---------------------------------------------------------------------------------------------
# Conversion of HC.jl's answers

class _JuliaMatrix:
    """Stands for a juliacall ArrayValue: column-major data exposed through the array protocol."""

    def __init__(self, a):
        self._a = np.asfortranarray(a)

    def __array__(self, dtype=None, copy=None):
        return self._a if dtype is None else self._a.astype(dtype)


def test_path_batch_from_julia_like_values():
    X = np.arange(6).reshape(3, 2) + 1j
    codes = ("success", "at_infinity", "terminated_max_steps")
    out = (_JuliaMatrix(X), codes, _JuliaMatrix(np.array([True, False, False])))
    b = PathBatch.from_julia(out, 2)
    np.testing.assert_array_equal(b.points, X)
    assert b.points.flags["C_CONTIGUOUS"]
    assert list(b.codes) == list(codes) and b.singular.tolist() == [True, False, False]
    with pytest.raises(ValueError, match="inconsistent"):
        PathBatch(np.zeros((2, 2)), ["success"], [False, False])
    empty = PathBatch.from_julia((np.zeros((0, 3)), [], np.zeros(0, bool)), 3)
    assert len(empty) == 0 and empty.points.shape == (0, 3)


def test_sort_endpoints_counts_by_return_code():
    pts = np.arange(12, dtype=complex).reshape(6, 2)
    pts[5, 0] = np.nan
    b = PathBatch(pts, ["success", "success", "at_infinity", "terminated_step_size_too_small", "at_infinity",
                        "success"],
                  [False, True, False, False, False, False])
    e = sort_endpoints(b)
    assert e.index.tolist() == [0] and e.regular.shape == (1, 2)
    assert e.singular.shape == (1, 2)
    assert e.failed == {"at_infinity": 2, "terminated_step_size_too_small": 1, "not_finite": 1}


def test_blocks_split_many_target_results():
    b = PathBatch(np.arange(8, dtype=complex).reshape(4, 2), ["success"] * 4, [False] * 4)
    blocks = b.blocks(2)
    assert [blk.points[:, 0].real.tolist() for blk in blocks] == [[0, 2], [4, 6]]
    with pytest.raises(ValueError):
        b.blocks(3)


# ---------------------------------------------------------------------------------------------
# Zero patterns and repeated endpoints

def test_zero_patterns_read_off_near_zero_coordinates():
    net = _net121()
    _, patterns = all_patterns(net)        # origin, all active, neuron 1 dead, neuron 2 dead
    rng = np.random.default_rng(1)
    pts = np.array([_point(net, patterns[i], rng) for i in (0, 1, 2, 3)])
    noisy = pts + 1e-14 * (~patterns_mask(patterns, (0, 1, 2, 3)))   # zeros as HC.jl returns them
    clean, owner = assign_patterns(noisy, patterns)
    assert owner.tolist() == [0, 1, 2, 3]
    np.testing.assert_array_equal(clean == 0, pts == 0)
    # one zero weight that is not a dead neuron (w1_1_1 = 0, its w2_1_1 nonzero) is no pattern
    odd = _point(net, patterns[1], rng)
    odd[0] = 0
    assert assign_patterns(odd[None], patterns)[1].tolist() == [-1]
    # small but clearly nonzero coordinates are not zeros
    assert not zero_mask(np.array([[1e-6, 1.0]])).any()


def patterns_mask(patterns, which):
    return np.array([patterns[i].mask for i in which])


def test_duplicates_keep_the_first_of_each_cluster():
    a = np.array([[1, 2], [3, 4], [1 + 1e-12, 2], [5, 6], [3, 4 - 1e-12]], dtype=complex)
    later, cluster = duplicates(a)
    assert later.tolist() == [2, 4] and cluster.tolist() == [0, 1, 2, 4]
    assert duplicates(a[:1])[0].size == 0


# ---------------------------------------------------------------------------------------------
# The engine with a scripted backend: counting

def test_polyhedral_generic_solve_counts():
    net = _net121()
    _, patterns = all_patterns(net)
    rng = np.random.default_rng(2)
    good = [_point(net, patterns[i], rng) for i in (0, 1, 1, 2, 3)]
    odd = _point(net, patterns[1], rng)
    odd[1] = 0                                               # zero set {w1_2_1}: no pattern
    pts = np.array(good + [good[1] * (1 + 1e-13), odd, 1e9 * np.ones(net.N), 1e9 * np.ones(net.N), good[3]])
    codes = ["success"] * 7 + [AT_INFINITY, AT_INFINITY, "terminated_max_steps"]
    singular = [False] * 6 + [False, False, False, False]
    singular[4] = True                                       # good[4] (neuron 2 dead) ends singular
    backend = ScriptedBackend(polyhedral=PathBatch(pts, codes, singular))
    g = JuliaEngine(backend=backend).generic_solve(net, 1, np.random.default_rng(0))
    assert backend.calls == [("polyhedral", (1, 2, 1), 1, 1 + 1 + net.N)]
    assert g.n_complex == 4                                  # origin, 2 torus, neuron 1 dead
    assert g.n_torus == 2
    assert g.diverged == 2 and g.singular == 1 and g.paths_tracked == 10
    assert g.failed == {NOT_A_PATTERN: 1, DUPLICATE: 1, "terminated_max_steps": 1}
    assert any("w1_2_1" in n and "no dead-neuron" in n for n in g.notes)
    facts = g.to_dict()
    assert facts["n_complex"] == 4 and facts["n_torus"] == 2 and facts["failed"] == g.failed


def test_track_instances_retracks_coinciding_endpoints():
    net = _net121()
    _, patterns = all_patterns(net)
    rng = np.random.default_rng(3)
    starts = np.array([_point(net, patterns[i], rng) for i in (0, 1, 1, 2)])
    g = JuliaGenericSolution(net, 1, "polyhedral", pack_parameters(np.ones((1, 1)), np.ones((1, 1)), np.ones(net.N)),
                     starts, np.array([0, 1, 1, 2]), patterns, seed=7)
    inst = random_instance(net, seed=1)
    ends = np.array([_point(net, patterns[i], rng) for i in (0, 1, 1, 2)])
    jumped = ends.copy()
    jumped[2] = jumped[1]                                     # path 3 jumped onto path 2

    def first():
        return PathBatch(jumped.copy(), ["success"] * 4, [False] * 4)

    again = PathBatch(ends[[1, 2]], ["success", "success"], [False, False])
    backend = ScriptedBackend(track=[first(), again])
    raw = JuliaEngine(backend=backend).track_instances(g, [inst])[0]
    assert backend.calls == [("track", 4, 1, False), ("track", 2, 1, True)]
    assert len(raw.points) == 4 and raw.failed == {} and raw.paths_tracked == 6
    assert sorted(raw.pattern_of.tolist()) == [0, 1, 1, 2]

    # still coinciding after the conservative retrack: counted once, reported
    backend = ScriptedBackend(track=[first(), PathBatch(jumped[[1, 2]], ["success"] * 2, [False] * 2)])
    raw = JuliaEngine(backend=backend).track_instances(g, [inst])[0]
    assert len(raw.points) == 3 and raw.failed == {DUPLICATE: 1}
    assert any("path jumping" in n for n in raw.notes)


def test_track_instances_reports_singular_and_failed_paths():
    net = _net121()
    _, patterns = all_patterns(net)
    rng = np.random.default_rng(4)
    starts = np.array([_point(net, patterns[i], rng) for i in (0, 1, 2, 3)])
    g = JuliaGenericSolution(net, 1, "polyhedral", pack_parameters(np.ones((1, 1)), np.ones((1, 1)), np.ones(net.N)),
                     starts, np.arange(4), patterns, seed=1)
    insts = [random_instance(net, seed=s) for s in (1, 2)]
    ends = np.array([_point(net, patterns[i], rng) for i in (0, 1, 2, 3)])
    codes = ["success"] * 4 + ["success", AT_INFINITY, "success", "terminated_max_steps"]
    both = PathBatch(np.vstack([ends, ends]), codes,
                     [False] * 4 + [False, False, True, False])
    raws = JuliaEngine(backend=ScriptedBackend(track=[both])).track_instances(g, insts)
    assert [len(r.points) for r in raws] == [4, 1]
    assert raws[0].failed == {} and raws[1].failed == {AT_INFINITY: 1, "terminated_max_steps": 1}
    assert len(raws[1].singular) == 1 and raws[1].paths_tracked == 4
    with pytest.raises(InputError, match="does not match"):
        JuliaEngine(backend=ScriptedBackend()).track_instances(g, [random_instance(Network((1, 1, 1)), seed=0)])


# ---------------------------------------------------------------------------------------------
# The engine end to end, HC.jl's calls answered by the native tracker

def _rows(nos):
    with (ROOT / "configs" / "table-3.1-published.tsv").open() as fh:
        rows = [{k: int(v) for k, v in r.items()} for r in csv.DictReader(fh, delimiter="\t")]
    return [pytest.param(r, id=f"row{r['no']}") for r in rows if r["no"] in nos]


@pytest.mark.parametrize("method", ["polyhedral", "monodromy"])
@pytest.mark.parametrize("row", _rows({1, 4, 10, 13}))
def test_engine_end_to_end_without_julia(row, method):
    net = Network.uniform(row["d"], row["dx"], row["dy"])
    inst = random_instance(net, seed=5)
    backend = NativeBackend(diverged=7, terminated=0)
    raw = JuliaEngine(method=method, backend=backend).solve(inst, np.random.default_rng(5))
    assert len(raw.points) == row["NC"]
    torus = sum(1 for i in raw.pattern_of if raw.patterns[i].mask.all() and not raw.patterns[i].is_origin)
    assert torus == row["NCstar"]
    assert raw.failed == {} and len(raw.singular) == 0
    # every point carries the zero pattern of its exact zeros
    for w, i in zip(raw.points, raw.pattern_of):
        np.testing.assert_array_equal(w != 0, raw.patterns[i].mask)
    F = GradientSystem(net).evaluate(raw.points, Parameters.from_instance(inst))
    assert np.abs(F).max() < 1e-8
    kinds = {c[0] for c in backend.calls}
    assert kinds == ({"polyhedral", "track"} if method == "polyhedral" else {"monodromy", "track"})


def test_engine_through_solve_reports_failed_polyhedral_paths(monkeypatch):
    from linnet_cli import engines, solver as solve_mod
    net = Network.uniform(1, 1, 1)
    backend = NativeBackend(diverged=3, terminated=2)
    monkeypatch.setattr(engines, "get_engine", lambda name: JuliaEngine(backend=backend))
    res = solve_mod.solve(random_instance(net, seed=0), engine="julia", seed=0)
    assert res.engine == "julia" and res.n_complex == 5 and res.n_torus == 4
    assert res.failed_paths == {"terminated_max_steps": 2}
    assert any("failed" in w for w in res.warnings)


def test_generic_solve_feeds_table_rows():
    net = Network.uniform(2, 1, 2)
    eng = JuliaEngine(backend=NativeBackend())
    g = eng.generic_solve(net, 1, np.random.default_rng(0))
    facts = g.to_dict()
    assert facts["n_complex"] == 33 and facts["n_torus"] == 16 and facts["failed"] == {}
    assert facts["diverged"] == 5 and facts["homotopycontinuation"] == "2.99.0"
    raws = eng.track_instances(g, [random_instance(net, seed=s) for s in range(3)])
    assert [len(r.points) for r in raws] == [33, 33, 33]


def test_monodromy_method_counts_paths_leaving_the_torus():
    class Leaky(NativeBackend):
        def monodromy(self, *args):
            out = super().monodromy(*args)
            out.batch.points[0, 0] = 0                      # one endpoint acquired a zero coordinate
            return out

    net = Network.uniform(1, 1, 1)
    g = JuliaEngine(method="monodromy", backend=Leaky()).generic_solve(net, 1, np.random.default_rng(0))
    assert g.failed.get(LEFT_TORUS) == 1


def test_mixed_volume_conventions_and_marshalling():
    backend = NativeBackend()
    eng = JuliaEngine(backend=backend)
    assert eng.mixed_volume([]) == 1
    assert eng.mixed_volume([np.array([[1, 1]]), np.array([[0, 0], [1, 2]])]) == 0
    assert backend.calls == []
    # simplices of degrees 1 and 2: Bézout's 2; repeated points are dropped before Julia sees them
    tri = np.array([[0, 0], [1, 0], [0, 1], [1, 0]])
    tri2 = np.array([[0, 0], [2, 0], [0, 2], [1, 1]])
    assert eng.mixed_volume([tri, tri2]) == 2
    assert backend.calls[-1] == ("mixed_volume", (7, 2), (3, 4))
    rng = np.random.default_rng(0)
    sups = [rng.integers(0, 3, size=(4, 3)) for _ in range(3)]
    assert eng.mixed_volume(sups) == _mixed_volume_reference([np.unique(s, axis=0) for s in sups])


# ---------------------------------------------------------------------------------------------
# Availability, registry, no juliacall at import

def test_available_without_juliacall_gives_the_install_hint(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "juliacall" else real(name, *a))
    ok, why = JuliaEngine().available()
    assert not ok and why.startswith("juliacall is not installed") and "pip install 'linnet-cli[julia]'" in why
    with pytest.raises(EngineUnavailable) as exc:
        get_engine("julia")
    msg = str(exc.value)
    assert "pip install 'linnet-cli[julia]'" in msg and "\n" not in msg


def test_available_with_juliacall_does_not_start_julia(monkeypatch):
    real = importlib.util.find_spec
    spec = importlib.machinery.ModuleSpec("juliacall", None)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: spec if name == "juliacall" else real(name, *a))
    real_version = importlib.metadata.version
    monkeypatch.setattr(importlib.metadata, "version",
                        lambda name: "0.9.99" if name == "juliacall" else real_version(name))
    ok, why = JuliaEngine(threads=2).available()
    assert ok and "juliacall 0.9.99" in why and "first use" in why and "2 thread" in why
    assert "juliacall" not in sys.modules


def test_import_does_not_import_juliacall():
    code = ("import sys; import linnet_cli.engines.julia as j; from linnet_cli.engines import engine_status;"
            "j.JuliaEngine().available(); engine_status();"
            "print(sorted(m for m in ('juliacall', 'juliapkg') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


def test_engine_options_are_checked(monkeypatch):
    with pytest.raises(InputError, match="method"):
        JuliaEngine(method="newton")
    with pytest.raises(InputError, match="thread"):
        JuliaEngine(threads=0)
    monkeypatch.setenv("LINNET_JULIA_THREADS", "4")
    monkeypatch.setenv("LINNET_JULIA_METHOD", "Monodromy")
    eng = JuliaEngine()
    assert (eng.threads, eng.method) == (4, "monodromy")
    monkeypatch.setenv("LINNET_JULIA_THREADS", "many")
    with pytest.raises(InputError, match="LINNET_JULIA_THREADS"):
        JuliaEngine()


def test_engine_spec_options_reach_the_julia_engine(monkeypatch):
    from linnet_cli.engines import EngineSpec
    monkeypatch.setattr(JuliaEngine, "available", lambda self: (True, "fake"))
    eng = get_engine(EngineSpec("julia", threads=3, method="monodromy"))
    assert isinstance(eng, JuliaEngine) and (eng.threads, eng.method) == (3, "monodromy")
    assert get_engine("julia").method == "polyhedral"
    for spec in (EngineSpec("native", threads=2), EngineSpec("native", method="monodromy")):
        with pytest.raises(InputError, match="engine=julia only"):
            get_engine(spec)
    with pytest.raises(InputError, match="unknown engine"):
        get_engine(EngineSpec("hc"))


def _fake_julia(monkeypatch, backend) -> None:
    """Make `--engine julia` use ``backend`` instead of Julia (everything else is the real engine)."""
    from linnet_cli import engines
    real = engines.get_engine

    def fake(spec):
        name = spec if isinstance(spec, str) else spec.name
        if name != "julia":
            return real(spec)
        threads = None if isinstance(spec, str) else spec.threads
        method = None if isinstance(spec, str) else spec.method
        return JuliaEngine(threads=threads, method=method, backend=backend)
    monkeypatch.setattr(engines, "get_engine", fake)


def test_bounds_with_engine_julia_computes_mixed_volumes_through_the_backend(monkeypatch):
    from click.testing import CliRunner

    from linnet_cli.cli.main import cli
    backend = NativeBackend()
    _fake_julia(monkeypatch, backend)
    args = ["bounds", "--d", "1", "--dx", "1..2", "--dy", "1", "--format", "json"]
    ours = CliRunner().invoke(cli, args + ["--engine", "julia"])
    native = CliRunner().invoke(cli, args)
    assert ours.exit_code == native.exit_code == 0, ours.output
    assert json.loads(ours.output) == json.loads(native.output)
    assert [r["BKK"] for r in json.loads(ours.output)] == [5, 9]
    # two mixed volumes (C^N and torus) per shape, all computed by the backend, none read from a cache
    assert sum(c[0] == "mixed_volume" for c in backend.calls) == 4


def test_the_julia_engine_offers_its_mixed_volume_to_bounds_row(monkeypatch):
    from linnet_cli import engines
    from linnet_cli.checks.bounds import bounds_row
    backend = NativeBackend()
    _fake_julia(monkeypatch, backend)
    row = bounds_row(Network.uniform(1, 2, 1), 1, mixed_volume=engines.mixed_volume_for("julia"))
    assert row.BKK == 9 and sum(c[0] == "mixed_volume" for c in backend.calls) == 2


def test_table_with_engine_julia_runs_in_one_process(monkeypatch, tmp_path):
    """--engine julia defaults to one job (every process would start its own Julia); the fake backend
    exists in this process only, so the row can only come out right when it is computed here."""
    from click.testing import CliRunner

    from linnet_cli.cli.main import cli
    backend = NativeBackend()
    _fake_julia(monkeypatch, backend)
    res = CliRunner().invoke(cli, ["table", "--engine", "julia", "--threads", "2", "--julia-method", "polyhedral",
                                   "--d", "1", "--dx", "1", "--dy", "1", "--samples", "3", "--format", "json",
                                   "--seed", "5", "-q"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["engine"] == "julia"
    row = out["rows"][0]
    assert (row["N_C"], row["N_C_star"], row["BKK"], row["failed_paths"]) == (5, 4, 5, 0)
    assert {c[0] for c in backend.calls} == {"polyhedral", "track", "mixed_volume"}


def test_wheel_ships_the_julia_half(tmp_path):
    """A built wheel holds linnet.jl, the Julia Project.toml and juliapkg.json (so that `--engine julia`
    works from a regular install, not only from a checkout)."""
    import zipfile
    out = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(ROOT)],
                         capture_output=True, text=True)
    if out.returncode and ("No matching distribution" in out.stderr or "Could not find a version" in out.stderr):
        pytest.skip("the build backend (setuptools) cannot be installed here")
    assert out.returncode == 0, out.stderr
    wheel, = tmp_path.glob("linnet_cli-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"linnet_cli/julia/linnet.jl", "linnet_cli/julia/Project.toml", "linnet_cli/juliapkg.json",
            "linnet_cli/configs/table-3.1.toml", "linnet_cli/configs/distributions.toml"} <= names


def test_julia_start_up_goes_through_one_function(monkeypatch, tmp_path):
    """_julia() with a stand-in juliacall: signal handling and threads set before juliapkg resolves and
    before the import, linnet.jl included once, the LinnetHC module returned."""
    included, env_seen = [], []
    fake = types.ModuleType("juliacall")

    class Main:
        LinnetHC = object()

        @staticmethod
        def include(path):
            included.append(path)

    fake.Main = Main
    keys = ("PYTHON_JULIACALL_HANDLE_SIGNALS", "PYTHON_JULIACALL_THREADS")
    monkeypatch.setattr(jl_engine, "_ensure_juliapkg_deps", lambda: env_seen.append([os.environ.get(k) for k in keys]))
    for k in keys:
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setattr(jl_engine, "_MODULE", None)
    monkeypatch.setitem(sys.modules, "juliacall", fake)
    mod = jl_engine._julia(threads=3)
    assert mod is Main.LinnetHC and jl_engine._julia() is mod
    assert included == [str(ROOT / "julia" / "linnet.jl")]
    assert env_seen == [["yes", "3"]]

    # a user's own settings win
    monkeypatch.setattr(jl_engine, "_MODULE", None)
    monkeypatch.setenv("PYTHON_JULIACALL_HANDLE_SIGNALS", "no")
    monkeypatch.setenv("PYTHON_JULIACALL_THREADS", "1")
    jl_engine._julia(threads=8)
    assert env_seen[-1] == ["no", "1"]

    # linnet.jl located through LINNET_JULIA_DIR
    monkeypatch.setattr(jl_engine, "_MODULE", None)
    (tmp_path / "linnet.jl").write_text("module LinnetHC end\n")
    monkeypatch.setenv("LINNET_JULIA_DIR", str(tmp_path))
    jl_engine._julia()
    assert included[-1] == str(tmp_path / "linnet.jl")


def test_juliapkg_requirements_added_only_when_not_found(monkeypatch):
    added, files = [], []
    fake_pkg, fake_deps = types.ModuleType("juliapkg"), types.ModuleType("juliapkg.deps")
    fake_pkg.add = lambda name, uuid, version=None: added.append((name, uuid, version))
    fake_deps.deps_files = lambda: list(files)
    fake_pkg.deps = fake_deps
    monkeypatch.setitem(sys.modules, "juliapkg", fake_pkg)
    monkeypatch.setitem(sys.modules, "juliapkg.deps", fake_deps)
    ours = os.path.normcase(os.path.normpath(str(ROOT / "linnet_cli" / "juliapkg.json")))
    files.append(ours)
    jl_engine._ensure_juliapkg_deps()
    assert added == []
    files.clear()
    jl_engine._ensure_juliapkg_deps()
    spec = _juliapkg()["packages"]
    assert added == [(n, p["uuid"], p["version"]) for n, p in spec.items()]


def test_hc_backend_marshals_numpy_arguments(monkeypatch):
    """What HCBackend hands to linnet.jl: contiguous int64 / complex128 arrays and plain scalars."""
    seen = {}

    class FakeLinnetHC:
        def solve_polyhedral(self, widths, m, p0, seed, threading):
            seen["polyhedral"] = (widths, m, p0, seed, threading)
            return (np.zeros((2, 4), complex), ["success", "at_infinity"], np.array([False, False]))

        def track_parameters(self, widths, m, starts, p0, targets, seed, threading, conservative):
            seen["track"] = (starts, targets, conservative)
            K, T = len(starts), len(targets)
            return (np.ones((K * T, 4), complex), ["success"] * (K * T), np.zeros(K * T, bool))

        def monodromy_torus(self, widths, m, w0, p0, seed, threading, stall):
            seen["monodromy"] = (w0, stall)
            return (np.ones((1, 4), complex), ["success"], [False], "heuristic_stop", 12, 1)

        def mixed_volume_of(self, points, counts):
            seen["mv"] = (points, counts)
            return 7

        def versions(self):
            return ("1.10.5", "2.15.0", 2)

    monkeypatch.setattr(jl_engine, "_MODULE", FakeLinnetHC())
    be = jl_engine.HCBackend(threads=2)
    p0 = pack_parameters(np.ones((1, 1)), np.ones((1, 1)), np.ones(4))
    b = be.polyhedral((1, 2, 1), 1, p0, 5)
    widths, m, p, seed, threading = seen["polyhedral"]
    assert widths.dtype == np.int64 and widths.tolist() == [1, 2, 1] and type(m) is int and type(seed) is int
    assert p.dtype == np.complex128 and p.ndim == 1 and threading is True
    assert list(b.codes) == ["success", "at_infinity"]
    b = be.track((1, 2, 1), 1, np.zeros((3, 4)), p0, np.stack([p0, p0]), 5, conservative=True)
    starts, targets, conservative = seen["track"]
    assert starts.dtype == np.complex128 and starts.flags["C_CONTIGUOUS"] and targets.shape == (2, 6)
    assert conservative is True and len(b) == 6
    out = be.monodromy((1, 2, 1), 1, np.ones(4), p0, 5, 10)
    assert out.return_code == "heuristic_stop" and (out.loops, out.failed_loops) == (12, 1) and len(out.batch) == 1
    assert be.mixed_volume(np.zeros((4, 2), int), np.array([2, 2])) == 7
    assert seen["mv"][0].dtype == np.int64 and seen["mv"][1].dtype == np.int64
    assert be.versions() == ("1.10.5", "2.15.0", 2)
    assert jl_engine.HCBackend(threads=1).threading is False


# ---------------------------------------------------------------------------------------------
# The Julia environment files

def _project() -> dict:
    return tomllib.loads((ROOT / "julia" / "Project.toml").read_text())


def _juliapkg() -> dict:
    return json.loads((ROOT / "linnet_cli" / "juliapkg.json").read_text())


def test_project_toml_and_juliapkg_json_agree():
    proj, pkg = _project(), _juliapkg()
    assert set(proj["deps"]) == set(pkg["packages"]) == {"HomotopyContinuation", "PythonCall"}
    for name, spec in pkg["packages"].items():
        assert proj["deps"][name] == spec["uuid"]
        assert proj["compat"][name] == spec["version"]
    assert proj["compat"]["julia"] == pkg["julia"]
    assert set(proj["compat"]) == set(proj["deps"]) | {"julia"}
    assert proj["deps"]["HomotopyContinuation"] == "f213a82b-91d6-5c5d-acf7-10f1c761b327"
    assert proj["deps"]["PythonCall"] == "6099a3de-0909-46bc-b1f4-468b9a2dfc0d"
    assert jl_engine.juliapkg_file() == ROOT / "linnet_cli" / "juliapkg.json"
    assert jl_engine.julia_dir() == ROOT / "julia"


def test_python_and_julia_version_bounds_agree():
    """PythonCall's Julia version is pinned by juliacall: the lower bound of the pyproject's juliacall
    requirement must be admitted by the PythonCall compat entry."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    req = next(r for r in pyproject["project"]["optional-dependencies"]["julia"] if r.startswith("juliacall"))
    lower = req.split(">=", 1)[1].split(",")[0].strip()
    assert _juliapkg()["packages"]["PythonCall"]["version"] == lower
    # PythonCall is thread-safe from 0.9.22 on, and the engine runs Julia threads (--threads)
    assert tuple(map(int, lower.split("."))) >= (0, 9, 22)


# ---------------------------------------------------------------------------------------------
# With Julia (skipped here: juliacall is not installed)

julia = pytest.mark.skipif(not HAS_JULIACALL, reason="juliacall is not installed (pip install 'linnet-cli[julia]')")


@pytest.mark.julia
@julia
@pytest.mark.parametrize("row", _rows(set(range(1, 15))))
def test_julia_engine_matches_native_on_table_3_1(row):
    from linnet_cli import solve
    net = Network.uniform(row["d"], row["dx"], row["dy"])
    inst = random_instance(net, seed=11)
    ours, native = solve(inst, engine="julia", seed=11), solve(inst, engine="native", seed=11)
    assert (ours.n_complex, ours.n_torus) == (native.n_complex, native.n_torus) == (row["NC"], row["NCstar"])
    assert ours.singular_endpoints == 0 and ours.n_real == native.n_real
    # diverging polyhedral paths are expected and not failures; no endpoint may be rejected
    assert not {"duplicate_endpoint", "zero_set_not_a_pattern"} & set(ours.failed_paths)


@pytest.mark.julia
@julia
@pytest.mark.parametrize("row", _rows({1, 5, 10, 14}))
def test_julia_monodromy_method_matches_native(row):
    net = Network.uniform(row["d"], row["dx"], row["dy"])
    raw = JuliaEngine(method="monodromy").solve(random_instance(net, seed=3), np.random.default_rng(3))
    torus = sum(1 for i in raw.pattern_of if raw.patterns[i].mask.all() and not raw.patterns[i].is_origin)
    assert (len(raw.points), torus) == (row["NC"], row["NCstar"])
    assert set(raw.failed) <= {"monodromy"}       # failed loop paths are made up for by the stop rule


@pytest.mark.julia
@julia
@pytest.mark.parametrize("row", _rows({1, 5, 9, 13, 14}))
def test_julia_mixed_volume_matches_native_bkk(row):
    net = Network.uniform(row["d"], row["dx"], row["dy"])
    ours = bkk_bounds(net, 1, JuliaEngine().mixed_volume)
    assert ours == bkk_bounds(net) and ours[0] == row["BKK"]


@pytest.mark.julia
@julia
def test_julia_engine_through_the_cli():
    from click.testing import CliRunner

    from linnet_cli.cli.main import cli
    res = CliRunner().invoke(cli, ["solve", "--engine", "julia", "--d", "2", "--dx", "2", "--dy", "2", "--seed", "1",
                                   "--format", "json", "-q"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert (out["engine"], out["n_complex"], out["n_torus"], out["bounds"]["BKK"]) == ("julia", 33, 16, 1089)
    res = CliRunner().invoke(cli, ["bounds", "--engine", "julia", "--d", "2", "--dx", "2", "--dy", "2",
                                   "--format", "json"])
    assert res.exit_code == 0 and json.loads(res.output)[0]["BKK"] == 1089
