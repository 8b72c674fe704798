"""linnet table on a Dask cluster: the rows of --jobs 1, worker deaths, failed tasks, Ctrl-C and resume,
bad scheduler addresses, and a clear error without Dask."""
from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from cli_helpers import LINNET, error_line, restore_sigint, run
from linnet_cli.studies import cluster
from linnet_cli.homotopy import tracker
from linnet_cli.errors import InputError
from linnet_cli.studies.rows import sweep_rows
from linnet_cli.studies.run import run_table
from linnet_cli.studies.spec import load_table_spec

needs_dask = pytest.mark.skipif(not cluster.dask_status()[0],
                                reason="Dask is not installed (pip install 'linnet-cli[dask]')")

#: A small sweep (H = 1..2, m = 1..2) whose rows take well under a second each.
SWEEP = ["--d", "1", "--dx", "1..2", "--dy", "1", "--H", "1..2", "--m", "1..2"]


def _rows(path) -> list[dict]:
    """A csv table's rows without the time column (the one value that differs between runs)."""
    return [{k: v for k, v in r.items() if k != "seconds"} for r in csv.DictReader(path.open())]


def _same(a, b) -> bool:
    strip = lambda rs: [{k: v for k, v in r.to_dict().items() if k != "seconds"} for r in rs]  # noqa: E731
    return strip(a) == strip(b)


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of a few instances, so that every row is spread over several tasks."""
    monkeypatch.setattr(cluster, "CHUNK_PATHS", 20)


@pytest.fixture
def tracker_threads():
    """Tasks of an in-process worker set this process's tracker threads: restore the default after."""
    yield
    tracker.set_threads(None)


@needs_dask
def test_local_cluster_gives_the_rows_of_one_job(tmp_path, small_chunks):
    one, dask = tmp_path / "one.csv", tmp_path / "dask.json"
    common = [*SWEEP, "--samples", "6", "--no-bkk", "--seed", "3", "-q"]
    assert run("table", *common, "--jobs", "1", "--format", "csv", "-o", str(one)).exit_code == 0
    res = run("table", *common, "--scheduler", "local", "--jobs", "2", "--format", "json", "-o", str(dask))
    assert res.exit_code == 0, res.output
    obj = json.loads(dask.read_text())
    assert obj["complete"] is True and obj["failed_rows"] == []
    rows = _rows(one)
    assert [(r["widths"], r["m"], r["N_C"], r["N_C_star"]) for r in rows] == [
        ("1,1,1", "1", "5", "4"), ("1,1,1", "2", "5", "4"), ("2,1,1", "1", "5", "4"), ("2,1,1", "2", "9", "8"),
        ("1,1,1,1", "1", "17", "16"), ("1,1,1,1", "2", "17", "16"), ("2,1,1,1", "1", "17", "16"),
        ("2,1,1,1", "2", "33", "32")]
    theirs = [{k: ("" if v is None else str(v)) for k, v in r.items() if k != "seconds"} for r in obj["rows"]]
    assert theirs == rows


@needs_dask
def test_a_killed_worker_and_an_interrupted_run(small_chunks):
    spec = load_table_spec()
    spec.rows, spec.samples = sweep_rows("1..2", "1..2", "1", "1..2", "1"), 8
    reference = run_table(spec, jobs=1, bkk=False)
    with cluster.connect("local", 2) as client:
        pids = client.run(os.getpid)
        seconds = cluster.warm(client)                # loads the tracker from this machine's cache
        assert sorted(seconds) == sorted(pids) and all(0 < s < 60 for s in seconds.values())
        killed: list[int] = []

        def kill_one(key: str, done: int, total: int) -> None:
            if not killed:                       # mid-sweep: the first chunk is back, the rest is not
                killed.append(pids[sorted(pids)[0]])
                os.kill(killed[0], signal.SIGKILL)

        survived = run_table(spec, bkk=False, progress=kill_one, scheduler=client)
        assert killed and killed[0] not in client.run(os.getpid).values()    # a new worker took its place
        assert not survived.failed and not survived.interrupted
        assert _same(survived.results, reference.results)

        def interrupt(key: str, done: int, total: int) -> None:
            if done == total:                    # Ctrl-C once a row is finished
                raise KeyboardInterrupt

        part = run_table(spec, bkk=False, progress=interrupt, scheduler=client)
        assert part.interrupted and 1 <= len(part.results) < len(spec.rows)
        rest = run_table(spec, bkk=False, previous=part.results, scheduler=client)
        assert rest.resumed == len(part.results) and not rest.interrupted
        assert _same(rest.results, reference.results)


@needs_dask
def test_a_task_that_fails_twice_is_reported_in_its_row(tmp_path, monkeypatch, tracker_threads):
    from distributed import LocalCluster
    calls: list[str] = []
    real = cluster.track_row_instances

    def broken(start, *args, **kwargs):
        if start.row.key == "1,2,1|m=1":
            calls.append(start.row.key)
            raise RuntimeError("no such luck")
        return real(start, *args, **kwargs)

    monkeypatch.setattr(cluster, "track_row_instances", broken)
    out = tmp_path / "t.json"
    args = ["table", "--widths", "1,1,1", "--widths", "1,2,1", "--samples", "4", "--no-bkk", "--seed", "2",
            "--format", "json", "-o", str(out)]
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as local:
        res = run(*args, "--scheduler", local.scheduler_address)
        assert res.exit_code == 1, res.output
        assert len(calls) == 2                                        # tried, retried once, given up
        assert ("Failed: row 1,2,1 m=1 was not computed: its task failed twice: RuntimeError: no such luck"
                in res.stderr)
        assert f"Incomplete: 1 of 2 rows finished and kept in {out}; continue with --resume {out}" in res.stderr
        obj = json.loads(out.read_text())
        assert obj["complete"] is False and [r["widths"] for r in obj["rows"]] == ["1,1,1"]
        why = "its task failed twice: RuntimeError: no such luck"
        assert obj["failed_rows"] == [{"row": "1,2,1|m=1", "error": why}]
        monkeypatch.setattr(cluster, "track_row_instances", real)
        again = run(*args, "--resume", str(out), "--scheduler", local.scheduler_address)
    assert again.exit_code == 0, again.output
    obj = json.loads(out.read_text())
    assert obj["complete"] is True and [(r["widths"], r["N_C"]) for r in obj["rows"]] == [("1,1,1", 5), ("1,2,1", 9)]


@needs_dask
def test_a_row_whose_workers_die_twice_is_reported():
    from distributed import WorkerPlugin

    class DiesOnRow(WorkerPlugin):
        """Every worker (restarted ones too) exits when it tracks the instances of one row."""

        def setup(self, worker) -> None:
            import os

            from linnet_cli.studies import cluster as on_worker
            real = on_worker.track_row_instances

            def exits(start, *args, **kwargs):
                if start.row.key == "1,2,1|m=1":
                    os._exit(1)
                return real(start, *args, **kwargs)
            on_worker.track_row_instances = exits

    spec = load_table_spec()
    spec.rows, spec.samples = sweep_rows("1..2", "1", "1"), 3
    with cluster.connect("local", 2) as client:
        client.register_plugin(DiesOnRow())
        res = run_table(spec, bkk=False, scheduler=client)
    assert [r.widths for r in res.results] == ["1,1,1"]
    assert res.failed == {"1,2,1|m=1": "the workers running its task died twice (out of memory? see the workers' logs)"}


@needs_dask
def test_ctrl_c_stops_the_local_cluster_and_the_rows_resume(tmp_path):
    out = tmp_path / "t.csv"
    small = ["--widths", "1,1,1", "--widths", "1,2,1"]
    # the row 2,3,3,2 takes minutes: Ctrl-C comes while it is running, after the small rows are done
    args = ["table", "--widths", "2,3,3,2", *small, "--samples", "30", "--no-bkk", "--scheduler", "local",
            "--jobs", "2", "--seed", "5", "--format", "csv", "-o", str(out)]
    proc = subprocess.Popen(LINNET + args, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=restore_sigint,
                            start_new_session=True)
    time.sleep(12.0)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert f"Aborted: 2 of 3 rows finished and kept in {out}; continue with --resume {out}" in err
    assert [r["widths"] for r in _rows(out)] == ["1,1,1", "1,2,1"]
    assert _session_ends(proc.pid, within=10.0)     # no worker left running (multiprocessing's resource
                                                   # tracker ends a moment after linnet)
    res = run("table", *small, "--samples", "30", "--no-bkk", "--scheduler", "local", "--jobs", "1", "--seed", "5",
              "--resume", str(out), "--format", "csv")
    assert res.exit_code == 0 and "resumed 2 finished row(s)" in res.stderr


def _session_ends(session: int, within: float) -> bool:
    """Whether every process of a session (linnet's, started with its own) has ended, zombies aside,
    within ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        ps = subprocess.run(["ps", "-o", "stat=", "-g", str(session)], capture_output=True, text=True)
        if all(stat.startswith("Z") for stat in ps.stdout.split()):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)


@needs_dask
def test_unreachable_scheduler_fails_within_seconds():
    t0 = time.perf_counter()
    line = error_line(run("table", "--d", "1", "--dx", "1", "--dy", "1", "--scheduler", "tcp://127.0.0.1:1"))
    assert time.perf_counter() - t0 < cluster.CONNECT_SECONDS + 3
    assert line.startswith("Error: cannot reach the Dask scheduler at 'tcp://127.0.0.1:1'")


@needs_dask
@pytest.mark.parametrize("args,message", [
    (["--scheduler", "no-port"], "--scheduler 'no-port' is not a scheduler address (missing port number"),
    (["--scheduler", ""], "--scheduler '' is not a scheduler address"),
    (["--scheduler", "tcp://127.0.0.1:99999"], "(no port 99999)"),
    (["--scheduler", "http://127.0.0.1:8786"], "unknown address scheme 'http'"),
    (["--scheduler", "tcp://127.0.0.1:1", "--jobs", "2"], "--jobs sets the workers of --scheduler local"),
])
def test_bad_scheduler_options(args, message):
    assert message in error_line(run("table", "--d", "1", "--dx", "1", "--dy", "1", *args))


@needs_dask
def test_only_the_native_engine_runs_on_a_cluster():
    with pytest.raises(InputError, match="native engine only, not engine=julia"):
        cluster.check_scheduler("julia")


def test_without_dask_scheduler_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)        # import distributed now fails
    line = error_line(run("table", "--d", "1", "--dx", "1", "--dy", "1", "--scheduler", "local"))
    assert "pip install 'linnet-cli[dask]'" in line


def test_engines_shows_dask():
    res = run("engines")
    assert res.exit_code == 0
    text = " ".join(res.output.replace("│", " ").split())
    ok, why = cluster.dask_status()
    assert f"dask {'yes' if ok else 'no'}" in text
    assert ("distributed " if ok else "linnet-cli[dask]") in text
