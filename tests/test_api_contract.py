"""The library's contract: it refuses what the command line refuses (the cost estimate, before any work,
unless ``force=True``), and its entry points and option dataclasses check their arguments, naming the
one that is wrong, instead of failing somewhere inside or converting it silently."""
from __future__ import annotations

import resource
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest

import linnet_cli as ln
from linnet_cli import cost
from cli_helpers import LINNET

SMALL = ln.Network.uniform(d=2, dx=2, dy=2)


@pytest.fixture
def tiny_memory(monkeypatch):
    """A machine with 1000 bytes available: every job is too large for it."""
    monkeypatch.setattr(cost, "available_memory", lambda: cost.Budget(1000, "the 1000 bytes here", 1000, "x"))


def _capped(limit: int):
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, resource.RLIM_INFINITY))
    return cap


def _python(code: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """``code`` in a fresh interpreter under a 3 GiB address-space cap (a job that is not refused ends
    in MemoryError there instead of taking the machine's memory)."""
    return subprocess.run([sys.executable, "-c", code], preexec_fn=_capped(3 * 2 ** 30), capture_output=True,
                          text=True, timeout=timeout)


def _error_line(proc: subprocess.CompletedProcess) -> str:
    """The single `Error:` line of a linnet process that ended with exit code 2."""
    assert proc.returncode == 2, proc.stderr[-2000:]
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), proc.stderr[-2000:]
    return lines[0]


# --- A. the cost refusal of the command line, in the library ----------------------------------------

def test_solve_refuses_a_shape_too_large_before_any_work():
    t0 = time.perf_counter()
    proc = _python("import linnet_cli as ln\n"
                   "try:\n"
                   "    ln.solve(ln.Network.uniform(d=50, dx=2, dy=2), seed=1)\n"
                   "except ln.InputError as exc:\n"
                   "    print('refused:', exc)\n")
    assert proc.stdout.startswith("refused:"), proc.stderr[-2000:]
    assert "1.1e+15 zero patterns" in proc.stdout and "force=True" in proc.stdout
    assert time.perf_counter() - t0 < 60


def test_solve_refusal_and_force(tiny_memory):
    with pytest.raises(ln.InputError, match="more than the 1000 bytes here.*force=True"):
        ln.solve(SMALL, seed=1)
    assert ln.solve(SMALL, seed=1, force=True).n_complex == 33


def test_solve_warns_about_a_long_run(monkeypatch):
    monkeypatch.setattr(cost, "LONG_RUN_SECONDS", 0.0)
    with pytest.warns(RuntimeWarning, match="will take at least about"):
        ln.solve(ln.Network.uniform(d=1, dx=1, dy=1), seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ln.solve(ln.Network.uniform(d=1, dx=1, dy=1), seed=1, force=True)   # no estimate at all


def _one_row_spec():
    spec = ln.load_table_spec()
    spec.rows, spec.samples = spec.rows[:1], 2
    return spec


def test_run_table_refusal_and_force(tiny_memory):
    with pytest.raises(ln.InputError, match="table of 1 row.*force=True"):
        ln.run_table(_one_row_spec(), bkk=False)
    run = ln.run_table(_one_row_spec(), bkk=False, force=True)
    assert [r.N_C for r in run.results] == [5]


def test_max_real_refusal(tiny_memory):
    from linnet_cli.studies.maxreal import max_real
    with pytest.raises(ln.InputError, match="table row d=1 dx=1 dy=1.*force=True"):
        max_real(ln.Network((1, 1, 1)), samples=2, budget=0, seed=1)


def test_maxreal_command_refuses_and_has_force():
    line = _error_line(subprocess.run(LINNET + ["maxreal", "--d", "50"], capture_output=True, text=True,
                                      timeout=120, preexec_fn=_capped(3 * 2 ** 30)))
    assert "zero patterns" in line and "--force" in line


BIG_SWEEP = """title = "Too large"
samples = 10
[sweep]
d = "1..64"
dx = "1..64"
dy = "1..64"
H = "1..16"
"""


def test_a_toml_sweep_is_size_checked_before_its_rows_are_built(tmp_path):
    path = tmp_path / "big.toml"
    path.write_text(BIG_SWEEP)
    t0 = time.perf_counter()
    proc = _python("import linnet_cli as ln\n"
                   "try:\n"
                   f"    ln.load_table_spec({str(path)!r})\n"
                   "except ln.InputError as exc:\n"
                   "    print('refused:', exc)\n")
    assert proc.stdout.startswith("refused:"), proc.stderr[-2000:]
    assert "4,194,304 row(s)" in proc.stdout and "force=True" in proc.stdout
    assert time.perf_counter() - t0 < 60


def test_the_table_command_refuses_a_toml_sweep_too_large(tmp_path):
    path = tmp_path / "big.toml"
    path.write_text(BIG_SWEEP)
    t0 = time.perf_counter()
    proc = subprocess.run(LINNET + ["table", str(path), "--no-bkk"], capture_output=True, text=True, timeout=120,
                          preexec_fn=_capped(3 * 2 ** 30))
    line = _error_line(proc)
    assert "4,194,304 row(s)" in line and "--force" in line
    assert time.perf_counter() - t0 < 60


def test_a_small_toml_sweep_still_loads(tmp_path):
    path = tmp_path / "small.toml"
    path.write_text('title = "small"\n[sweep]\nd = "1..2"\ndx = "1"\ndy = "1..2"\n')
    assert len(ln.load_table_spec(path).rows) == 4


# --- B. arguments are checked, never converted ------------------------------------------------------

def _refused(call, *names: str) -> str:
    """The InputError ``call`` raises; its message names every one of ``names``."""
    with pytest.raises(ln.InputError) as info:
        call()
    message = str(info.value)
    for name in names:
        assert name in message, message
    return message


@pytest.mark.parametrize("kwargs,name", [
    (dict(seed="x"), "seed"),
    (dict(seed=1.5), "seed"),
    (dict(seed=True), "seed"),
    (dict(seed=-1), "seed"),
    (dict(seed=1, m="3"), "m"),
    (dict(seed=1, m=2.0), "m"),
    (dict(seed=1, m=True), "m"),
    (dict(seed=1, m=0), "m"),
    (dict(seed=1, certify="no"), "certify"),
    (dict(seed=1, verify_patterns=1), "verify_patterns"),
    (dict(seed=1, exact="yes"), "exact"),
    (dict(seed=1, bkk="no"), "bkk"),
    (dict(seed=1, trace_test=0), "trace_test"),
    (dict(seed=1, force="yes"), "force"),
    (dict(seed=1, engine=3), "engine"),
    (dict(seed=1, distribution=None), "distribution"),
    (dict(seed=1, monodromy={"max_loops": 3}), "monodromy"),
    (dict(seed=1, tracker=ln.MonodromyOptions()), "tracker"),
    (dict(seed=1, progress="bar"), "progress"),
])
def test_solve_checks_its_arguments(kwargs, name):
    _refused(lambda: ln.solve(SMALL, **kwargs), name)


def test_solve_needs_a_network_or_an_instance():
    _refused(lambda: ln.solve(None), "problem", "Network", "Instance")
    _refused(lambda: ln.solve((2, 2, 2)), "problem")


def test_solve_accepts_numpy_integers():
    res = ln.solve(ln.Network.uniform(d=np.int64(1), dx=np.int32(1), dy=np.uint8(1)), seed=np.int64(3),
                   m=np.int64(1), certify=np.bool_(False))
    assert res.n_complex == 5 and res.seed == 3


def test_load_instance_needs_a_path():
    _refused(lambda: ln.load_instance(None), "instance file", "path")
    _refused(lambda: ln.load_instance(3), "instance file")


@pytest.mark.parametrize("kwargs,name", [
    (dict(d=None, dx=2, dy=2), "d"),
    (dict(d=2.5, dx=2, dy=2), "d"),
    (dict(d=True, dx=2, dy=2), "d"),
    (dict(d="2", dx=2, dy=2), "d"),
    (dict(d=2, dx=2.0, dy=2), "dx"),
    (dict(d=2, dx=2, dy=False), "dy"),
    (dict(d=2, dx=2, dy=2, H=1.0), "H"),
])
def test_network_uniform_takes_integers_only(kwargs, name):
    _refused(lambda: ln.Network.uniform(**kwargs), name, "integer")


@pytest.mark.parametrize("widths", ["222", None, 3, (2, 2.5, 2), (2, True, 2), [2.0, 2.0, 2.0], b"222"])
def test_network_takes_a_sequence_of_integers_only(widths):
    _refused(lambda: ln.Network(widths), "widths")


def test_network_accepts_numpy_integers_and_arrays():
    assert ln.Network(np.array([2, 3, 2])).widths == (2, 3, 2)
    assert ln.Network([np.int64(2), 3, np.uint16(2)]) == ln.Network((2, 3, 2))
    assert type(ln.Network(np.array([2, 3, 2])).widths[0]) is int
    assert ln.Network.uniform(d=np.int64(2), dx=2, dy=2, H=np.int8(2)).widths == (2, 2, 2, 2)


@pytest.mark.parametrize("kwargs,name", [
    (dict(max_loops="x"), "max_loops"),
    (dict(max_loops=2.0), "max_loops"),
    (dict(max_loops=True), "max_loops"),
    (dict(max_loops=0), "max_loops"),
    (dict(stall_rounds=-1), "stall_rounds"),
    (dict(fresh_starts=None), "fresh_starts"),
    (dict(loop_scale="1"), "loop_scale"),
    (dict(loop_scale=0), "loop_scale"),
    (dict(loop_spread=(1e2, 1e-2)), "loop_spread"),
    (dict(loop_spread=1.0), "loop_spread"),
    (dict(unverified_loop_spread=(0.0, 1.0)), "unverified_loop_spread"),
])
def test_monodromy_options_are_checked(kwargs, name):
    _refused(lambda: ln.MonodromyOptions(**kwargs), name)


def test_monodromy_options_accept_numpy_integers():
    opts = ln.MonodromyOptions(max_loops=np.int64(7), loop_spread=[0.1, 10])
    assert opts.max_loops == 7 and type(opts.max_loops) is int and opts.loop_spread == (0.1, 10.0)
    hash(opts)


@pytest.mark.parametrize("kwargs,name,why", [
    (dict(a=-1), "a", "between 0 and 1"),
    (dict(a=0), "a", "between 0 and 1"),
    (dict(a=1.0), "a", "between 0 and 1"),
    (dict(a="0.1"), "a", "real number"),
    (dict(beta_omega=0), "beta_omega", "positive"),
    (dict(beta_tau=1.5), "beta_tau", "(0, 1]"),
    (dict(max_step=0), "max_step", "(0, 1]"),
    (dict(max_step=-0.5), "max_step", "(0, 1]"),
    (dict(min_step=0), "min_step", "positive"),
    (dict(min_step=0.5, max_step=0.1), "min_step", "smaller than"),
    (dict(max_steps=0), "max_steps", "positive"),
    (dict(max_steps=100.0), "max_steps", "integer"),
    (dict(max_steps=True), "max_steps", "integer"),
    (dict(refine_iterations=2.5), "refine_iterations", "integer"),
    (dict(divergence_norm=0.5), "divergence_norm", "greater than 1"),
    (dict(converged_tol=1e-6), "converged_tol", "track_tol"),
    (dict(refine_tol=-1e-14), "refine_tol", "(0, 1)"),
    (dict(singular_cond=float("nan")), "singular_cond", "finite"),
])
def test_tracker_options_are_checked_with_the_reason(kwargs, name, why):
    message = _refused(lambda: ln.TrackerOptions(**kwargs), name, why)
    assert message.startswith(f"tracker option {name} ")


def test_tracker_options_defaults_and_their_careful_retracks_are_valid():
    opts = ln.TrackerOptions(a=np.float64(0.2), max_steps=np.int32(100))
    assert opts.a == 0.2 and opts.max_steps == 100 and type(opts.max_steps) is int
    deepest = ln.TrackerOptions().careful().careful()
    assert deepest.max_step > deepest.min_step


def test_a_negative_contraction_is_refused_before_the_solve():
    """TrackerOptions(a=-1) used to be accepted and gave N_C = 1, not verified."""
    _refused(lambda: ln.solve(SMALL, seed=1, tracker=ln.TrackerOptions(a=-1)), "a")


@pytest.mark.parametrize("kwargs,name", [
    (dict(name=3), "engine"),
    (dict(threads=2.0), "threads"),
    (dict(threads=0), "threads"),
    (dict(trace_test="no"), "trace_test"),
    (dict(monodromy=3), "monodromy"),
    (dict(tracker={}), "tracker"),
])
def test_engine_spec_is_checked(kwargs, name):
    _refused(lambda: ln.EngineSpec(**kwargs), name)


def test_run_table_checks_its_arguments():
    _refused(lambda: ln.run_table(None), "spec", "TableSpec")
    _refused(lambda: ln.run_table(_one_row_spec(), jobs="2"), "jobs")
    _refused(lambda: ln.run_table(_one_row_spec(), jobs=0), "jobs")
    _refused(lambda: ln.run_table(_one_row_spec(), bkk="no"), "bkk")
    _refused(lambda: ln.run_table(_one_row_spec(), certify=1), "certify")
    _refused(lambda: ln.run_table(_one_row_spec(), search=-1), "search")
    _refused(lambda: ln.run_table(_one_row_spec(), previous="rows.csv"), "previous")
    spec = _one_row_spec()
    spec.samples = "10"
    _refused(lambda: ln.run_table(spec), "samples")
    spec = _one_row_spec()
    spec.seed = 1.5
    _refused(lambda: ln.run_table(spec), "seed")
    spec = _one_row_spec()
    spec.rows = [(1, 1, 1)]
    _refused(lambda: ln.run_table(spec), "rows")


@pytest.mark.parametrize("row", ['d = 2.5\ndx = 1\ndy = 1', 'd = true\ndx = 1\ndy = 1', 'd = "2"\ndx = 1\ndy = 1',
                                 'd = 1\ndx = 1\ndy = 1\nm = 1.5', 'widths = "1,1,1"\nm = true'])
def test_table_rows_take_integers_only(tmp_path, row):
    path = tmp_path / "rows.toml"
    path.write_text(f'title = "rows"\n[[rows]]\n{row}\n')
    _refused(lambda: ln.load_table_spec(path), "must be integers")


# --- the BKK progress moves, and says one thing ------------------------------------------------------

def test_a_mixed_volume_reports_while_it_splits_its_work(monkeypatch):
    """The breadth-first stages (before any fraction is known) report too: 4,4,4 spent them, and then
    hours below 1 %, with a bar frozen at 0."""
    from linnet_cli.checks import mixed_volume as mv
    real, calls = mv._run_units, []

    def spy(kern, lay, units, stage_hi, dtype, pool, nthreads, progress):
        calls.append((stage_hi, progress is not None))
        return real(kern, lay, units, stage_hi, dtype, pool, nthreads, progress)
    monkeypatch.setattr(mv, "_run_units", spy)
    seen: list[float] = []
    n = ln.Network.uniform(d=3, dx=2, dy=3)
    from linnet_cli.model.symbolic import generic_supports
    mv.mixed_volume([np.asarray(s) for s in generic_supports(n, 1)], progress=seen.append, threads=1)
    early = [reports for stage, reports in calls if stage < n.N]
    assert early and all(early)            # every breadth-first call reports
    assert seen == sorted(seen) and seen[0] == 0.0 and seen[-1] == 1.0


def test_bkk_progress_is_indeterminate_until_it_can_extrapolate_and_then_says_one_percentage():
    from linnet_cli.checks.bounds import EXTRAPOLATE_FROM, bkk_progress
    calls: list[tuple] = []
    report = bkk_progress(lambda *a: calls.append(a), "bounds d=4 dx=4 dy=4 m=1", 1, 2)
    report("BKK", 0.0)
    report("BKK", EXTRAPOLATE_FROM / 2)
    for description, _completed, total in calls:
        assert total is None and "(2 of 2): BKK, no estimate yet" in description and "%" not in description
    calls.clear()
    report("BKK", 0.5)        # shape 2 of 2, its first mixed volume half done: 62.5 % of the run
    report("BKK*", 0.5)       # 87.5 %
    report("BKK*", 1.0)
    assert [(c, t) for _, c, t in calls] == [(62, 100), (88, 100), (100, 100)]
    assert " left" in calls[0][0] and "BKK*" in calls[1][0] and "%" not in "".join(d for d, _, _ in calls)
    assert "left" not in calls[2][0]


def test_the_progress_bar_takes_an_unknown_total(monkeypatch):
    from linnet_cli.cli import terminal
    monkeypatch.setattr(terminal.sys.stderr, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(terminal.LazyProgress, "DELAY", 0.0)
    bar = terminal.LazyProgress(quiet=False)
    try:
        bar("bounds: BKK, no estimate yet", 0, None)
        task = bar.progress.tasks[0]
        assert task.total is None and task.fields["count"] == ""
        bar("bounds: BKK, 1 min left", 37, 100)
        assert task.total == 100 and task.fields["count"] == "37/100"
    finally:
        bar.close()
