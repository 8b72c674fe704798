"""The atlas's core: the shapes of a budget, a small atlas solved and checked against ``linnet solve`` and
the published tables, the same rows in one process, in worker processes and on a local Dask cluster, a
run interrupted and continued, disputed rows, exact counts for unverified ones, the dataset's files and
every kind of bad input."""
from __future__ import annotations

import json
import shutil
import sys

import pandas as pd
import pytest

from cli_helpers import LINNET, error_line, restore_sigint, run
from linnet_cli.atlas import dataset, sweep
from linnet_cli.atlas.budget import SPOT_CHECK_MAX_N, AtlasBudget
from linnet_cli.atlas.dataset import COLUMNS, SCHEMA, load_atlas
from linnet_cli.atlas.sweep import run_atlas
from linnet_cli.checks.completeness import Status
from linnet_cli.checks.peers import find_msolve
from linnet_cli.errors import InputError
from linnet_cli.studies import cluster
from linnet_cli.studies.published import PUBLISHED_COLUMNS, all_published

needs_dask = pytest.mark.skipif(not cluster.dask_status()[0],
                                reason="Dask is not installed (pip install 'linnet-cli[dask]')")

#: The budget most tests solve: every shape with N <= 3 (13 rows with the spot checks), about a second.
SMALL = AtlasBudget(max_N=3)


def stop_after(rows: int):
    """A progress callback that presses Ctrl-C once ``rows`` rows are done."""
    def progress(description, done, total):
        if done == rows:
            raise KeyboardInterrupt
    return progress


def _same_rows(a, b) -> bool:
    """Two atlases hold the same rows, but for the time they took."""
    return a.drop(columns=["seconds"]).equals(b.drop(columns=["seconds"]))


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """SMALL solved in this process."""
    path = tmp_path_factory.mktemp("atlas") / "small"
    return run_atlas(path, SMALL, jobs=1)


@pytest.fixture(scope="module")
def six(tmp_path_factory):
    """Every shape with N <= 6, m = 1, in two processes: Table 3.1's first rows and Table 3.2's are among them."""
    path = tmp_path_factory.mktemp("atlas") / "six"
    return run_atlas(path, AtlasBudget(max_N=6, m=(1,), spot_checks=False), jobs=2)


# the budget

def test_budget_counts_the_shapes_within_n_weights():
    twelve = AtlasBudget(max_N=12)
    rows = twelve.rows()
    plain = [r for r in rows if r.m <= r.network.dx]
    assert (len(twelve.shapes()), len(plain)) == (404, 857)
    sixteen = AtlasBudget(max_N=16)
    assert len(sixteen.shapes()) == 1023
    assert len([r for r in sixteen.rows() if r.m <= r.network.dx]) == 2300
    # deterministic order: N, H, widths, m
    keys = [(r.network.N, r.network.H, r.network.widths, r.m) for r in rows]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert all(1 <= r.network.H <= 3 and r.network.N <= 12 for r in rows)
    assert all(r.m <= 3 for r in plain)


def test_spot_checks_are_m_past_dx_on_the_smallest_shapes():
    rows = AtlasBudget(max_N=12).rows()
    spots = [r for r in rows if r.m > r.network.dx]
    assert spots and all(r.network.N <= SPOT_CHECK_MAX_N and r.network.dx <= 3 for r in spots)
    assert {r.m - r.network.dx for r in spots} == {1, 2}
    # each spot check has its row m = d_x in the atlas to be compared with
    keys = {r.key for r in rows}
    assert all(r.network.key(r.network.dx) in keys for r in spots)
    assert len(spots) == 174 and len(AtlasBudget(max_N=12, spot_checks=False).rows()) == 857


def test_budget_options_narrow_the_shapes():
    narrow = AtlasBudget(max_N=12, max_H=1, max_width=2, m=(1,))
    assert all(r.network.H == 1 and max(r.network.widths) <= 2 for r in narrow.rows())
    assert {r.m for r in narrow.rows() if r.m <= r.network.dx} == {1}
    assert [n.text for n in AtlasBudget(max_N=3).shapes()] == ["1,1,1", "1,1,2", "2,1,1", "1,1,1,1"]
    assert AtlasBudget.from_dict(narrow.to_dict()) == narrow


@pytest.mark.parametrize("kwargs, message", [
    ({"max_N": 0}, "max_N"), ({"max_N": 12, "max_H": 0}, "max_H"), ({"max_N": 12, "m": (0,)}, "m"),
    ({"max_N": 12, "m": ()}, "m"), ({"max_N": 12, "max_width": 65}, "max_width"),
    ({"max_N": 12.5}, "max_N")])
def test_bad_budgets_are_refused(kwargs, message):
    with pytest.raises(InputError, match=message):
        AtlasBudget(**kwargs)


def test_a_bezout_bound_past_64_bits_is_an_empty_cell_and_exact_in_conjectures():
    """From N = 23 with H = 3, CBB = 7^N passes 2^63 - 1: the budget is accepted (atlas v3 has N <= 32),
    the dataset leaves the cell empty, and a row that holds any other value is refused."""
    from linnet_cli.atlas.conjectures import row_values
    from linnet_cli.checks.bounds import bezout
    from linnet_cli.model.network import Network
    assert len(AtlasBudget(max_N=32).shapes()) == 9443
    assert dataset.fitted(7 ** 22) == 7 ** 22 and dataset.fitted(7 ** 23) is None
    net = Network((1, 1, 1, 1, 20))
    assert net.N == 23 and bezout(net) == 7 ** 23 > 2 ** 63
    row = dict.fromkeys(COLUMNS)
    row.update(widths="1,1,1,1,20", dx=1, hidden="1,1,1", dy=20, H=3, N=23, m=1, spot_check=False,
               status="not verified", completeness="not verified", why="not solved", seeds="1", N_C_by_seed="",
               N_C_star_by_seed="", completeness_by_seed="not verified", failed_paths=0, paths_tracked=0,
               seconds=0.0, patterns="{}", real_samples=0, N_R_histogram="", linnet_version="0", engine="native")
    dataset.check_frame(dataset._one(row), "big")
    with pytest.raises(InputError, match="CBB is 5, but widths 1,1,1,1,20 with m = 1 give None"):
        dataset.check_frame(dataset._one({**row, "CBB": 5}), "big")
    assert row_values(net.widths, 1, row)["CBB"] == 7 ** 23
    assert row_values(net.widths, 1, {**row, "CBB": 5})["CBB"] == 7 ** 23   # from the shape, not the cell


def test_on_a_cluster_the_time_is_one_workers_and_no_reason_to_refuse():
    """Atlas v3 (N <= 32) takes years of one process: refused here, estimated in worker time on a cluster."""
    v3 = AtlasBudget(max_N=32)
    rows = v3.rows()
    with pytest.raises(InputError, match="more than the 7 days an atlas run may take"):
        v3.check(rows, 2, jobs=2)
    (message,) = v3.check(rows, 2, jobs=2, cluster=True)
    assert message.startswith(f"atlas of {len(rows):,} row(s) × 2 seed(s)")
    assert "of one worker's time: a cluster of K workers takes about 1/K of it" in message


def test_an_oversize_budget_is_refused_before_any_work(tmp_path):
    target = tmp_path / "big"
    with pytest.raises(InputError, match=r"will take at least about .* Refused before starting"):
        run_atlas(target, AtlasBudget(max_N=36, max_H=1))
    assert not target.exists()


# a small atlas, solved

def test_the_atlas_agrees_with_the_published_tables(six):
    frame = six.frame
    assert six.complete and len(frame) == 42 and six.statuses() == {"verified": 42, "disputed": 0, "not verified": 0}
    published = all_published()
    compared = 0
    for rec in frame.to_dict("records"):
        pub = published.get(f"{rec['widths']}|m={rec['m']}")
        if pub is None:
            continue
        for ours, theirs in PUBLISHED_COLUMNS.items():
            if theirs in pub and ours in rec and ours not in ("max_N_R",):
                value = rec[ours]
                if (rec["widths"], ours) == ("1,1,1,1", "N_C"):   # Table 3.2 row 1 publishes 16: an error (audit)
                    assert (value, pub[theirs]) == (17, 16)
                    continue
                assert value == pub[theirs], (rec["widths"], ours, value, pub[theirs])
                compared += 1
    assert compared >= 80     # 13 rows of Table 3.1 and 6 of Table 3.2 have N <= 6
    row = frame[frame.widths == "1,2,1"].iloc[0]       # d = 2 > d_y: no torus point, the rank test says
    assert (row.N_C, row.N_C_star, json.loads(row.patterns)) == (
        9, 0, {"origin": 1, "dead: layer 1 neuron 2": 4, "dead: layer 1 neuron 1": 4})


@pytest.mark.parametrize("widths", ["1,1,1", "2,1,2"])
def test_a_row_is_what_linnet_solve_finds_for_each_seed(six, widths):
    row = six.frame[six.frame.widths == widths].iloc[0]
    by_seed = []
    for seed in (1, 2):
        res = run("solve", "--widths", widths, "--m", "1", "--seed", str(seed), "--no-bkk", "--format", "json", "-q")
        assert res.exit_code == 0, res.output
        d = json.loads(res.stdout)
        by_seed.append((d["n_complex"], d["n_torus"]))
        assert {p["description"]: p["count"] for p in d["patterns"]} == json.loads(row.patterns)
    assert row.N_C_by_seed == ",".join(str(n) for n, _ in by_seed)
    assert row.N_C_star_by_seed == ",".join(str(t) for _, t in by_seed)
    assert (row.N_C, row.N_C_star) == by_seed[0] and row.seeds == "1,2" and row.status == "verified"


def test_the_dataset_has_the_schema_and_its_sidecar(small):
    frame = load_atlas(small.directory)
    assert list(frame.columns) == list(COLUMNS)
    assert {c: str(frame[c].dtype) for c, _, _ in SCHEMA} == {
        c: {"string": str(frame[c].dtype)}.get(t, t) for c, t, _ in SCHEMA}
    assert str(frame["N_C"].dtype) == "Int64" and frame["spot_check"].dtype == bool
    assert _same_rows(frame, small.frame)
    meta = frame.attrs["atlas"]
    assert meta["schema"] == "linnet.atlas/1" and meta["rows"] == meta["rows_in_budget"] == 13 and meta["complete"]
    assert meta["budget"] == SMALL.to_dict() and meta["seeds"] == [1, 2] and meta["machine"]["cpus"] >= 1
    assert sorted(p.name for p in small.directory.iterdir()) == ["atlas.csv", "atlas.json", "atlas.parquet"]
    spots = frame[frame.spot_check]
    assert [(w, int(m)) for w, m in zip(spots.widths, spots.m)] == [
        ("1,1,1", 2), ("1,1,1", 3), ("1,1,2", 2), ("1,1,2", 3), ("2,1,1", 3), ("2,1,1", 4), ("1,1,1,1", 2),
        ("1,1,1,1", 3)]
    # d_x enters only through min(d_x, m)
    assert set(frame[frame.widths == "1,1,1"].N_C) == {5}
    assert list(frame[frame.widths == "2,1,1"].N_C) == [5, 9, 9, 9]
    assert frame.max_N_R.isna().all() and (frame.real_samples == 0).all() and (frame.N_R_histogram == "").all()


def test_without_pyarrow_the_csv_is_read(small, monkeypatch):
    with_parquet = load_atlas(small.directory)
    monkeypatch.setitem(sys.modules, "pyarrow", None)      # import pyarrow now fails
    from_csv = load_atlas(small.directory)
    assert from_csv.equals(with_parquet)


# where the rows are computed, and stopping

def test_worker_processes_give_the_rows_of_one_process(small, tmp_path):
    assert _same_rows(run_atlas(tmp_path / "two", SMALL, jobs=2).frame, small.frame)


@needs_dask
def test_a_local_dask_cluster_gives_the_rows_of_one_process(small, tmp_path):
    res = run("atlas", "run", str(tmp_path / "dask"), "--max-N", "3", "--scheduler", "local", "--jobs", "2", "-q")
    assert res.exit_code == 0, res.output
    assert "13 of 13 rows (13 verified" in res.stdout
    assert _same_rows(load_atlas(tmp_path / "dask"), small.frame)


def test_an_interrupted_run_keeps_its_rows_and_a_rerun_finishes_it(small, tmp_path):
    target = tmp_path / "stopped"
    stopped = run_atlas(target, SMALL, progress=stop_after(4))
    assert stopped.interrupted and not stopped.complete and len(stopped.frame) == 4
    kept = load_atlas(target)
    assert len(kept) == 4 and kept.attrs["atlas"]["complete"] is False
    assert (target / dataset.LOG).exists()        # the rows being added, kept until the atlas is complete
    res = run("atlas", "run", str(target), "--max-N", "3", "--jobs", "1", "-q")
    assert res.exit_code == 0, res.output
    assert "this run computed 9" in res.stdout and "4 were there" in res.stdout
    assert _same_rows(load_atlas(target), small.frame) and not (target / dataset.LOG).exists()


@pytest.mark.parametrize("cheapest_first", [False, True])
def test_a_run_takes_the_costliest_rows_first_or_the_cheapest(small, tmp_path, monkeypatch, cheapest_first):
    """By default the costliest rows come first (parallel jobs finish together); cheapest first, a run
    stopped early has finished the most rows. The rows are the same either way. (The estimate is made
    finer here: at N <= 3 it gives most rows the same cost.)"""
    from linnet_cli import cost
    from linnet_cli.model.network import Network
    monkeypatch.setattr(cost, "monodromy_seconds", lambda net, m: net.N + m / 10 + len(net.widths) / 100)
    order: list[float] = []

    def progress(description, done, total):          # "atlas 3/13 rows · 1,1,2 m=1 · ..."
        widths, m = description.split(" · ")[1].split()[:2]
        order.append(cost.monodromy_seconds(Network(tuple(int(w) for w in widths.split(","))), int(m[2:])))
    res = run_atlas(tmp_path / "ordered", SMALL, progress=progress, cheapest_first=cheapest_first, force=True)
    assert len(order) == 13 and len(set(order)) > 5
    assert order == sorted(order, reverse=not cheapest_first)
    assert _same_rows(res.frame, small.frame)


def test_cheapest_first_on_the_command_line_and_as_a_flag(small, tmp_path):
    res = run("atlas", "run", str(tmp_path / "cheap"), "--max-N", "3", "--cheapest-first", "--jobs", "1", "-q")
    assert res.exit_code == 0, res.output
    assert _same_rows(load_atlas(tmp_path / "cheap"), small.frame)
    with pytest.raises(InputError, match="cheapest_first"):
        run_atlas(tmp_path / "never", SMALL, cheapest_first="yes")
    assert not (tmp_path / "never").exists()


def test_check_and_report_say_when_the_atlas_is_unfinished(small, tmp_path):
    target = tmp_path / "stopped"
    run_atlas(target, SMALL, progress=stop_after(4))
    res = run("atlas", "check", str(target))
    assert res.exit_code == 0, res.output
    assert f"note: the atlas {target} is unfinished: its files hold 4 of its 13 rows" in res.stderr
    assert "unfinished" not in run("atlas", "check", str(small.directory)).stderr


def test_ctrl_c_on_the_command_line_keeps_the_finished_rows(tmp_path):
    import os
    import re
    import signal
    import subprocess
    import time
    target = tmp_path / "stopped"
    proc = subprocess.Popen(LINNET + ["atlas", "run", str(target), "--max-N", "4", "--jobs", "2", "-q"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=restore_sigint,
                            start_new_session=True)
    deadline = time.monotonic() + 60
    log = target / dataset.LOG
    while not (log.exists() and log.read_text().count("\n") >= 3) and proc.poll() is None:
        assert time.monotonic() < deadline, "no row finished within a minute"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)      # Ctrl-C reaches the whole process group, workers too
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    found = re.search(rf"Aborted: (\d+) of 38 rows finished and kept in {target}; run the same command again", err)
    assert found, err
    assert len(load_atlas(target)) == int(found.group(1)) >= 3


def test_a_row_cut_short_in_the_log_is_computed_again(small, tmp_path):
    target = tmp_path / "crashed"
    run_atlas(target, SMALL, progress=stop_after(2))
    log = target / dataset.LOG
    lines = log.read_text().splitlines(keepends=True)
    log.write_text(lines[0] + lines[1][:40])        # a crash while the second row was being written
    (target / dataset.PARQUET).unlink()
    (target / dataset.CSV).unlink()
    again = run_atlas(target, SMALL, progress=stop_after(3))        # rows appended after the cut-short one
    assert again.resumed == 1 and again.computed == 2
    assert len(log.read_text().splitlines()) == 3
    done = run_atlas(target, SMALL)
    assert done.resumed == 3 and done.computed == 10 and _same_rows(done.frame, small.frame)


def test_a_directory_in_use_is_refused(tmp_path):
    settings = dataset.Settings(SMALL)
    first = dataset.AtlasDirectory.open(tmp_path / "busy", settings)
    try:
        with pytest.raises(InputError, match="another linnet run is writing it"):
            dataset.AtlasDirectory.open(tmp_path / "busy", settings)
    finally:
        first.close(complete=False)


# what the seeds say

def test_seeds_that_disagree_dispute_the_row(tmp_path, monkeypatch):
    real = sweep.solve_seed

    def second_seed_finds_more(row, seed, bounds, exact=True):
        out = real(row, seed, bounds, exact)
        if seed == 2:
            out.N_C += 2
            out.patterns["all active"] += 2
        return out
    monkeypatch.setattr(sweep, "solve_seed", second_seed_finds_more)
    frame = run_atlas(tmp_path / "disputed", AtlasBudget(max_N=2, spot_checks=False)).frame
    row = frame.iloc[0]
    assert (row.widths, row.status, row.N_C_by_seed) == ("1,1,1", "disputed", "5,7")
    assert row.N_C is pd.NA and row.N_C_star is pd.NA
    assert "the seeds disagree on N_C: 5 (seed 1), 7 (seed 2)" in row.why
    assert "all active: 4 vs 6" in row.why


@pytest.fixture
def without_trace_test(monkeypatch):
    """Every solve runs without its trace test: its counts are then not verified."""
    from linnet_cli import solver
    real = solver.solve
    monkeypatch.setattr(solver, "solve", lambda *a, **k: real(*a, **k, trace_test=False))


needs_msolve = pytest.mark.skipif(find_msolve() is None,
                                  reason="msolve is not installed (pip install 'linnet-cli[crosscheck]')")


@needs_msolve
def test_an_unverified_count_is_settled_by_exact_counts(tmp_path, without_trace_test):
    row = run_atlas(tmp_path / "exact", AtlasBudget(max_N=2, spot_checks=False)).frame.iloc[0]
    assert (row.status, row.completeness, row.completeness_by_seed, row.N_C) == ("verified", "exact", "exact,exact", 5)


@needs_msolve
def _shifted_exact_counts(monkeypatch, shift: int) -> None:
    """msolve's counts, moved by ``shift``: a stand-in for a solve that lost points (exact counts above
    the solve's) or for a contradiction (below)."""
    from linnet_cli.checks import exact
    real = exact.exact_counts

    def shifted(instance, timeout=exact.EXACT_TIMEOUT):
        c = real(instance, timeout)
        return exact.ExactCounts(c.n_complex + shift, c.n_torus + shift, c.prime, c.seconds)
    monkeypatch.setattr(exact, "exact_counts", shifted)


def test_exact_counts_above_an_unverified_solve_are_taken(tmp_path, without_trace_test, monkeypatch):
    """An unverified solve's counts are lower bounds: where msolve counts more (the solve lost a point),
    the seed takes msolve's counts, and why says what the solve had found."""
    _shifted_exact_counts(monkeypatch, +1)
    row = run_atlas(tmp_path / "exact", AtlasBudget(max_N=2, spot_checks=False)).frame.iloc[0]
    assert row.status == "verified" and row.completeness == Status.EXACT.value
    assert (row.N_C, row.N_C_star, row.N_C_by_seed) == (6, 5, "6,6")
    assert ("seed 1: the solve N_C = 5, N_C* = 4 (0 failed path(s); " in row.why
            and "are lower bounds; msolve over GF(1073741789) counts N_C = 6, N_C* = 5 on the instance" in row.why)
    assert json.loads(row.patterns) == {}          # no seed's pattern table is known to be complete


def test_exact_counts_below_a_solve_dispute_the_row(tmp_path, without_trace_test, monkeypatch):
    _shifted_exact_counts(monkeypatch, -1)
    row = run_atlas(tmp_path / "exact", AtlasBudget(max_N=2, spot_checks=False)).frame.iloc[0]
    assert row.status == "disputed" and row.completeness == Status.NOT_VERIFIED.value
    assert "seed 1: msolve over GF(1073741789) finds N_C = 4, N_C* = 3, the solve N_C = 5, N_C* = 4" in row.why


def test_without_exact_counts_an_unverified_row_says_why(tmp_path, without_trace_test):
    row = run_atlas(tmp_path / "plain", AtlasBudget(max_N=2, spot_checks=False), exact=False).frame.iloc[0]
    assert (row.status, row.completeness, row.N_C) == ("not verified", "not verified", 5)
    assert row.why.startswith("seed 1: ") and "exact counts were not asked for" in row.why


def test_real_samples_count_real_points(tmp_path):
    row = run_atlas(tmp_path / "real", AtlasBudget(max_N=2, spot_checks=False), real_samples=6).frame.iloc[0]
    hist = dict(tuple(int(x) for x in part.split(":")) for part in row.N_R_histogram.split(";"))
    assert row.real_samples == 6 and sum(hist.values()) == 6 and row.max_N_R == max(hist)
    assert all(n % 2 == 1 and n <= 5 for n in hist)    # N_R ≡ N_C = 5 (mod 2): non-real points pair up


# bad input, through the command line

@pytest.mark.parametrize("args, message", [
    (["--m", "0"], "--m: '0' is too small"),
    (["--m", "x"], "--m: expected an integer"),
    (["--max-N", "0"], "--max-N"),
    (["--max-N", "-3"], "--max-N"),
    (["--max-H", "0"], "--max-H"),
    (["--seeds", "0..100"], "--seeds: '0..100' names more than 100 values"),
    (["--seeds", "a"], "--seeds: expected an integer"),
    (["--seeds", "-1"], "--seeds"),
    (["--real-samples", "-1"], "--real-samples"),
    (["--max-N", "36", "--max-H", "1"], "Refused before starting; give --force"),
    (["--scheduler", "tcp://127.0.0.1:1", "--jobs", "2"], "--jobs sets the workers of --scheduler local"),
    (["--seeds", "1,1"], "--seeds: '1,1' names a seed more than once"),
    (["--max-N", "3", "--m", "5"], "--m: no row fits: m runs up to a shape's d_x, and the widest d_x of this budget"),
    (["--max-N", "1"], "--max-N 1: no network fits"),
    (["--seeds", "1..3,2"], "names a seed more than once"),
    (["--max-N", "3", "--scheduler", "foo://bar"], "is not a scheduler address"),
    (["--max-N", "3", "--scheduler", "tcp://127.0.0.1:1"], "cannot reach the Dask scheduler"),
])
def test_bad_options_are_one_error_line(tmp_path, args, message):
    target = tmp_path / "never"
    line = error_line(run("atlas", "run", str(target), *args))
    assert message in line
    assert not target.exists()


def test_a_rerun_with_a_budget_that_lacks_rows_or_other_seeds_is_refused(small):
    for args, budget in ((["--max-N", "2"], "max_N=2"), (["--max-N", "4", "--m", "1"], "max_N=4, max_H=3, m=1,")):
        line = error_line(run("atlas", "run", str(small.directory), *args, "-q"))
        assert "holds an atlas made with other settings: budget max_N=3" in line
        assert f"this run: {budget}" in line and "which lacks some of its rows" in line
    line = error_line(run("atlas", "run", str(small.directory), "--max-N", "3", "--seeds", "1", "-q"))
    assert "seeds 1,2 (this run: 1)" in line


def test_a_larger_budget_extends_an_atlas(small, tmp_path):
    """The rows of the smaller budget are kept, not solved again, and the atlas is the larger budget's."""
    grown = tmp_path / "grown"
    shutil.copytree(small.directory, grown)
    res = run_atlas(grown, AtlasBudget(max_N=4), jobs=1)
    assert res.resumed == len(small.frame) == 13 and res.computed == res.total - 13 > 0 and res.complete
    kept = res.frame.merge(small.frame, on=["widths", "m"], suffixes=("", "_small"))
    assert len(kept) == 13 and (kept.seconds == kept.seconds_small).all()   # not solved again
    meta = json.loads((grown / "atlas.json").read_text())
    assert meta["budget"]["max_N"] == 4 and meta["rows"] == meta["rows_in_budget"] == res.total and meta["complete"]
    fresh = run_atlas(tmp_path / "fresh", AtlasBudget(max_N=4), jobs=1)
    assert _same_rows(res.frame, fresh.frame)
    # and the grown atlas is continued with its new budget only
    line = error_line(run("atlas", "run", str(grown), "--max-N", "3", "-q"))
    assert "budget max_N=4" in line and "this run: max_N=3" in line


def test_a_directory_that_is_not_an_atlas_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    assert "not empty and not an atlas" in error_line(run("atlas", "run", str(tmp_path), "--max-N", "2", "-q"))
    assert "a file, not a directory" in error_line(run("atlas", "run", str(tmp_path / "notes.txt"), "--max-N", "2"))


@pytest.mark.parametrize("damage, message", [
    (lambda d: (d / "atlas.json").write_text("{"), "atlas.json: not JSON"),
    (lambda d: (d / "atlas.json").write_text('{"schema": "linnet.table/1"}'), "schema 'linnet.table/1'"),
    (lambda d: (d / "atlas.parquet").write_bytes(b"PAR1 not really"), "atlas.parquet: cannot be read"),
    (lambda d: (d / "atlas.json").unlink(), "no atlas.json"),
])
def test_a_damaged_atlas_is_refused_with_one_message(small, tmp_path, damage, message):
    import shutil
    copy = tmp_path / "copy"
    shutil.copytree(small.directory, copy)
    damage(copy)
    with pytest.raises(InputError, match="not a linnet atlas") as exc:
        load_atlas(copy)
    assert message in str(exc.value)
    assert message in error_line(run("atlas", "run", str(copy), "--max-N", "3", "-q"))   # nothing recomputed over it


def test_a_damaged_csv_row_is_named(small, tmp_path, monkeypatch):
    import shutil
    copy = tmp_path / "copy"
    shutil.copytree(small.directory, copy)
    text = (copy / "atlas.csv").read_text().replace(",verified,", ",sure,", 1)
    (copy / "atlas.csv").write_text(text)
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(InputError, match=r"atlas.csv: row 1 \(1,1,1 m=1\): status 'sure' is not one of"):
        load_atlas(copy)
    n_is_3 = text.replace(",sure,", ",verified,").replace('"1,1,1",1,1,1,1,2,', '"1,1,1",1,1,1,1,3,', 1)
    (copy / "atlas.csv").write_text(n_is_3)
    with pytest.raises(InputError, match="N is 3, but widths 1,1,1 with m = 1 give 2"):
        load_atlas(copy)


@pytest.mark.parametrize("kind, column, value, message", [
    ("csv", "N_C", "abc", "column N_C holds 'abc', not a non-negative integer"),
    ("csv", "spot_check", "maybe", "column spot_check holds 'maybe', not True or False"),
    ("csv", "seconds", "slow", "column seconds holds 'slow', not a number"),
    ("csv", "trace_residual", "tiny", "column trace_residual holds 'tiny', not a number"),
    ("csv", "m", "", "column m is empty"),
    ("parquet", "N_C", "abc", "column N_C holds 'abc', not a non-negative integer"),
    ("parquet", "spot_check", "maybe", "column spot_check holds 'maybe', not True or False"),
    ("parquet", "seconds", "slow", "column seconds holds 'slow', not a number"),
    ("parquet", "m", "two", "column m holds 'two', not a non-negative integer"),
])
def test_a_damaged_cell_is_named_by_its_row_and_column(small, tmp_path, monkeypatch, kind, column, value, message):
    """A cell of atlas.csv or atlas.parquet edited to a value of another type: one Error line naming the
    file, the row (its number, widths and m; m=? when m is the empty cell) and the column, exit code 2."""
    import shutil
    copy = tmp_path / "copy"
    shutil.copytree(small.directory, copy)
    path = copy / f"atlas.{kind}"
    if kind == "csv":
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        monkeypatch.setitem(sys.modules, "pyarrow", None)       # the csv is read without pyarrow
    else:
        frame = pd.read_parquet(path)
        frame[column] = [None if pd.isna(v) else str(v) for v in frame[column]]   # a column of text
    widths, m = frame.loc[2, "widths"], frame.loc[2, "m"]
    frame.loc[2, column] = value
    if kind == "csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    row = f"row 3 ({widths} m={(value or '?') if column == 'm' else m})"
    assert error_line(run("atlas", "check", str(copy))) == f"Error: not a linnet atlas: {path}: {row}: {message}"


def test_a_parquet_file_that_cannot_be_read_is_said_in_full(small, tmp_path):
    import shutil
    copy = tmp_path / "copy"
    shutil.copytree(small.directory, copy)
    (copy / "atlas.parquet").write_bytes(b"not a parquet file, " * 20)
    try:
        pd.read_parquet(copy / "atlas.parquet")
    except Exception as exc:     # pyarrow's own text, whatever its version says
        why = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
    line = error_line(run("atlas", "check", str(copy)))
    assert line == f"Error: not a linnet atlas: {copy / 'atlas.parquet'}: cannot be read ({why})" and len(why) > 120


def test_the_readme_documents_the_schema():
    import re
    from pathlib import Path
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    documented = re.findall(r"^\| `(\w+)` \| (string|Int64|Float64|float64|bool) \| (.+) \|$", readme, re.M)
    assert [(c, t) for c, t, _ in documented] == [(c, t) for c, t, _ in SCHEMA]


def test_a_long_run_is_warned_about_once(tmp_path, monkeypatch):
    from linnet_cli import cost
    monkeypatch.setattr(cost, "LONG_RUN_SECONDS", 0.0)     # every budget is a long one
    one = AtlasBudget(max_N=2, spot_checks=False)
    with pytest.warns(RuntimeWarning, match=r"atlas of 1 row\(s\) × 2 seed\(s\) .* will take at least about"):
        run_atlas(tmp_path / "warned", one)
    res = run("atlas", "run", str(tmp_path / "cli"), "--max-N", "2", "--m", "1")
    assert res.exit_code == 0 and res.stderr.count("warning:") == 1
    assert "will take at least about" in " ".join(res.stderr.split())
    quiet = run("atlas", "run", str(tmp_path / "quiet"), "--max-N", "2", "--m", "1", "-q")
    assert quiet.exit_code == 0 and quiet.stderr == ""
