"""The path tracker: loops return to their start, return codes are honest."""
import numpy as np

from linnet_cli.model.gradient import GradientSystem, Parameters
from linnet_cli.homotopy.monodromy import free_start_pair
from linnet_cli.model.network import Network
from linnet_cli.homotopy.tracker import ParameterHomotopy, ReturnCode, Tracker


def _setup(widths=(2, 2, 3), seed=0):
    net = Network(widths)
    rng = np.random.default_rng(seed)
    X, Y = rng.normal(size=(net.dx, 1)), rng.normal(size=(net.dy, 1))
    gs = GradientSystem(net)
    return net, gs, X, Y, rng


def test_there_and_back_again():
    net, gs, X, Y, rng = _setup()
    w0, lam0 = free_start_pair(gs, X, Y, rng)
    lam1 = rng.normal(size=net.N) + 1j * rng.normal(size=net.N)
    there = Tracker(ParameterHomotopy(gs, (X, Y, lam0), (X, Y, lam1))).track(w0[None])
    assert there.success.all()
    F = gs.evaluate(there.x, Parameters.from_data(X, Y, lam1))
    assert np.abs(F).max() < 1e-10
    back = Tracker(ParameterHomotopy(gs, (X, Y, lam1), (X, Y, lam0))).track(there.x)
    assert back.success.all()
    assert np.allclose(back.x[0], w0, atol=1e-10)
    r = back[0]
    assert r.is_success and r.t == 1.0 and r.steps > 0 and r.accuracy < 1e-11 and r.cond < 1e10


def test_per_path_parameters():
    net, gs, X, Y, rng = _setup()
    W = rng.normal(size=(5, net.N)) + 1j * rng.normal(size=(5, net.N))
    p = Parameters.from_data(X, Y, np.zeros(net.N))
    lam_start = -gs.data_part(W, p.A, p.B) / W           # one Λ per path
    target = rng.normal(size=net.N) + 1j * rng.normal(size=net.N)
    res = Tracker(ParameterHomotopy(gs, (X, Y, lam_start), (X, Y, target))).track(W)
    assert res.success.all()
    assert np.abs(gs.evaluate(res.x, Parameters.from_data(X, Y, target))).max() < 1e-10


def test_paths_to_a_degenerate_target_are_not_reported_as_success():
    # Λ = 0: without regularization the critical points of a linear network are not isolated
    net, gs, X, Y, rng = _setup((1, 1, 1))
    w0, lam0 = free_start_pair(gs, X, Y, rng)
    res = Tracker(ParameterHomotopy(gs, (X, Y, lam0), (X, Y, np.zeros(net.N)))).track(w0[None])
    assert res.codes[0] != ReturnCode.SUCCESS
    assert sum(res.code_counts().values()) == 1


def test_monodromy_survives_a_round_in_which_every_path_fails(first_monodromy_round_fails):
    """The first round's fresh start paths all fail (as near a branch point): monodromy must go on
    with new start pairs, not crash on an empty set of endpoints, and still find every orbit."""
    from linnet_cli.homotopy import monodromy

    net = Network.uniform(2, 2, 2)
    rng = np.random.default_rng(0)
    sol = monodromy.monodromy_solve(net, rng.normal(size=(2, 1)), rng.normal(size=(2, 1)), rng)
    assert sol.count == 16 and sol.failed_paths["monodromy"] >= monodromy.MonodromyOptions().fresh_starts


def test_a_constant_path_takes_one_step():
    """The origin solves the system for every parameter: its path does not move (no Taylor term at all)."""
    net, gs, X, Y, rng = _setup((1, 1, 1))
    lam0 = rng.normal(size=net.N) + 1j * rng.normal(size=net.N)
    res = Tracker(ParameterHomotopy(gs, (X, Y, lam0), (X, Y, rng.uniform(size=net.N)))).track(np.zeros((1, net.N)))
    assert res.codes[0] == ReturnCode.SUCCESS and res.steps[0] == 1 and np.all(res.x == 0)


def test_threads_do_not_change_results():
    from linnet_cli.homotopy import tracker
    net, gs, X, Y, rng = _setup((2, 3, 2))
    W = rng.normal(size=(40, net.N)) + 1j * rng.normal(size=(40, net.N))
    p = Parameters.from_data(X, Y, np.zeros(net.N))
    lam_start = -gs.data_part(W, p.A, p.B) / W
    target = rng.normal(size=net.N) + 1j * rng.normal(size=net.N)
    out = []
    for threads in (1, 2):
        tracker.set_threads(threads)
        res = Tracker(ParameterHomotopy(gs, (X, Y, lam_start), (X, Y, target))).track(W)
        out.append((res.x, res.codes, res.steps))
    tracker.set_threads(None)
    assert np.array_equal(out[0][0], out[1][0], equal_nan=True) and np.array_equal(out[0][2], out[1][2])
    assert list(out[0][1]) == list(out[1][1])


def test_careful_settings_are_stricter():
    from linnet_cli.homotopy.tracker import TrackerOptions
    o, c = TrackerOptions(), TrackerOptions().careful()
    assert c.beta_tau < o.beta_tau and c.beta_omega > o.beta_omega and c.max_step < o.max_step
    assert c.careful().beta_tau < c.beta_tau


def test_compilation_is_announced_when_slow(monkeypatch):
    """A cold numba cache compiles for seconds: the notice callback fires once compiling outlasts a second."""
    import time

    from linnet_cli.homotopy import tracker
    monkeypatch.setattr(tracker, "_compiled", tracker.threading.Event())
    monkeypatch.setattr(tracker, "COMPILE_NOTICE_AFTER", 0.05)
    monkeypatch.setattr(tracker, "_track_paths", lambda *a: time.sleep(0.3))
    heard = []
    tracker.on_compile(heard.append)
    try:
        tracker.ensure_compiled()
    finally:
        tracker.on_compile(None)
    assert heard == ["compiling the path tracker (once per machine)"]


def test_the_extended_precision_compilation_is_announced_too(monkeypatch):
    """Extended precision is compiled on a path's first need, about as long again as the tracker: a
    small solve that needs it would seem to hang without its own notice."""
    import time

    from linnet_cli.homotopy import tracker
    monkeypatch.setattr(tracker, "_compiled_extended", tracker.threading.Event())
    monkeypatch.setattr(tracker, "COMPILE_NOTICE_AFTER", 0.05)
    tracker.ensure_compiled()                                           # the double one: loaded already
    calls = []
    monkeypatch.setattr(tracker, "_track_paths", lambda *a: (calls.append(a[-1] is not None), time.sleep(0.3)))
    heard = []
    tracker.on_compile(heard.append)
    try:
        tracker.ensure_compiled(extended=True)
        tracker.ensure_compiled(extended=True)                          # once per process
    finally:
        tracker.on_compile(None)
    assert heard == ["compiling the path tracker's extended precision (once per machine)"] and calls == [True]


def test_a_path_that_needs_extended_precision_asks_for_its_compilation(monkeypatch):
    """The recorded path that needs extended precision (tests/data) goes through ensure_compiled(True)."""
    from pathlib import Path

    from linnet_cli.homotopy import tracker
    d = np.load(Path(__file__).parent / "data" / "extended_precision_path.npz")
    hom = ParameterHomotopy(GradientSystem(Network(tuple(int(v) for v in d["widths"]))),
                            (d["X0"], d["Y0"], d["L0"]), (d["X1"], d["Y1"], d["L1"]))
    asked = []
    real = tracker.ensure_compiled
    monkeypatch.setattr(tracker, "ensure_compiled", lambda extended=False: (asked.append(extended), real(extended)))
    res = Tracker(hom, torus=True).track(d["x0"][None])
    assert res.extended[0] and asked[0] is False and True in asked      # tracked in double, then retracked


def test_a_cold_tracker_compiles_in_child_processes_that_ensure_compiled_waits_for(monkeypatch, tmp_path):
    """On a cold cache the tracker's two compilations (double, extended precision) start at once in two
    child processes while this one computes the bounds; ensure_compiled(extended) then waits for the
    child of the compilation it needs before it loads (here each child only writes a file, late)."""
    import sys

    from numba import types

    from linnet_cli.homotopy import tracker
    code = f"import time; time.sleep(0.5); open({str(tmp_path)!r} + '/{{extended}}', 'w').close()"

    def fresh(cold) -> list:
        monkeypatch.setattr(tracker, "_compiled", tracker.threading.Event())
        monkeypatch.setattr(tracker, "_compiled_extended", tracker.threading.Event())
        monkeypatch.setattr(tracker, "_children", {})
        monkeypatch.setattr(tracker, "_CHILD_CODE", code)
        monkeypatch.setattr(tracker, "cold_cache", cold)
        seen: list = []
        monkeypatch.setattr(tracker, "_track_paths",
                            lambda *a: seen.append((a[-1] is not None, sorted(p.name for p in tmp_path.iterdir()))))
        return seen

    fresh(lambda f, wanted: False)                                      # a warm cache: no child
    tracker.compile_in_background()
    assert tracker._children == {}
    fresh(lambda f, wanted: True)
    monkeypatch.setattr(sys, "executable", "")                           # no interpreter to start: no child
    tracker.compile_in_background()
    assert tracker._children == {}
    monkeypatch.undo()
    plain, extended = (types.int64, types.none), (types.int64, types.int64)
    assert tracker._is_extended(extended) and not tracker._is_extended(plain)
    fresh(lambda f, wanted: not wanted(plain))                          # only the extended one is missing
    tracker.compile_in_background()
    assert list(tracker._children) == [True]
    tracker._children[True].wait()
    (tmp_path / "True").unlink()
    monkeypatch.undo()
    seen = fresh(lambda f, wanted: True)
    tracker.compile_in_background()
    children = dict(tracker._children)
    assert sorted(children) == [False, True] and all(c.poll() is None for c in children.values())  # both run
    tracker.compile_in_background()                                     # one child per compilation at most
    assert tracker._children == children
    tracker.ensure_compiled()
    assert children[False].returncode == 0 and seen[0][0] is False and "False" in seen[0][1]
    tracker.ensure_compiled(extended=True)
    assert children[True].returncode == 0 and seen[1] == (True, ["False", "True"]) and len(seen) == 2
