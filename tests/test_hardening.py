"""Hostile but fair input: every case ends in a result or one `Error:` line, never a traceback,
a wrong answer with exit 0, a lost or corrupt file, or rows of another run."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import numpy as np
import pytest

from linnet_cli.model import instance as instance_mod
from linnet_cli.checks.bounds import cached_bkk
from linnet_cli.model.network import Network
from cli_helpers import LINNET, error_line, restore_sigint, run

@pytest.mark.parametrize("command", [["solve"], ["table", "--d", "1"], ["emit"]])
def test_negative_seed(command):
    assert "--seed" in error_line(run(*command, "--seed", "-1"))


def test_bounds_print_big_integers_exactly():
    res = run("bounds", "--d", "10", "--dx", "2", "--dy", "2", "--no-bkk", "--format", "csv")
    assert res.exit_code == 0, res.output
    header, row = res.stdout.strip().splitlines()
    rec = dict(zip(header.split(","), row.split(",")))
    assert int(rec["CBB"]) == 3 ** 40 and int(rec["N"]) == 40 and rec["BKK"] == ""
    res = run("bounds", "--d", "10", "--dx", "2", "--dy", "2", "--no-bkk", "--format", "json")
    assert json.loads(res.stdout)[0]["CBB"] == 3 ** 40
    res = run("bounds", "--d", "10", "--dx", "2", "--dy", "2", "--no-bkk", "--format", "latex")
    assert f"{3 ** 40:,}" in res.stdout            # a table for a paper: every digit, with separators


def test_huge_values_in_an_instance(tmp_path):
    path = tmp_path / "big.json"
    path.write_text(json.dumps({"X": [[1e300], [1.0]], "Y": [[1.0], [2.0]],
                                "Lambda": [[[0.3, 0.4], [0.5, 0.6]], [[0.7, 0.8], [0.9, 0.1]]]}))
    assert "magnitude" in error_line(run("solve", "--data", str(path), "--no-bkk"))


def test_badly_scaled_instance_is_warned_about(tmp_path):
    path = tmp_path / "scaled.json"
    path.write_text(json.dumps({"X": [[1e9]], "Y": [[1.0]], "Lambda": [[[0.3]], [[0.7]]]}))
    res = run("solve", "--data", str(path), "--no-bkk", "--seed", "1")
    assert res.exit_code == 0 and "badly scaled" in res.stderr


def test_markup_and_escape_in_a_title(tmp_path):
    config = tmp_path / "t.toml"
    config.write_text('title = "bad [/x] \\u001b[31m red"\nsamples = 2\n[sweep]\nd = "1"\ndx = "1"\ndy = "1"\n')
    res = run("table", str(config), "--no-bkk", "--jobs", "1")
    assert res.exit_code == 0, res.output
    assert "bad [/x] \\x1b[31m red" in res.stdout and "\x1b" not in res.stdout


def test_corrupt_bkk_cache_entries_are_recomputed(tmp_path, monkeypatch):
    monkeypatch.setenv("LINNET_CACHE_DIR", str(tmp_path))
    net = Network((1, 1, 1))
    for entry in ([999, 5], "abc", [5, "x"], [True, 1], [4, 5], [-1, -2], {"a": 1}):
        (tmp_path / "bkk.json").write_text(json.dumps({"1,1,1|m=1": entry}))
        assert cached_bkk(net, 1) == (5, 4)           # Table 3.1, row 1
        assert json.loads((tmp_path / "bkk.json").read_text())["1,1,1|m=1"] == [5, 4]
    (tmp_path / "bkk.json").write_text("[not a cache")
    assert cached_bkk(net, 1) == (5, 4)


def test_empty_widths_is_an_error():
    assert "--widths" in error_line(run("solve", "--widths", "", "--no-bkk"))
    assert "--widths" in error_line(run("emit", "--widths", ""))


def test_no_symmetry_warning_for_width_one(tmp_path):
    path = tmp_path / "eq.json"
    path.write_text(json.dumps({"X": [[1.0]], "Y": [[0.5]], "Lambda": [[[0.5]], [[0.5]]]}))
    res = run("solve", "--data", str(path), "--no-bkk", "--seed", "1")
    assert res.exit_code == 0 and "symmetry" not in res.stderr


def test_negative_lambda_is_warned_about(tmp_path):
    path = tmp_path / "neg.json"
    path.write_text(json.dumps({"X": [[1.0]], "Y": [[0.5]], "Lambda": [[[-0.5]], [[0.3]]]}))
    res = run("solve", "--data", str(path), "--no-bkk", "--seed", "1", "--format", "json")
    assert res.exit_code == 0
    assert "negative" in res.stderr and "unbounded below" in res.stderr
    assert all(s["kind"] != "global minimum" for s in json.loads(res.stdout)["solutions"])


def test_oversized_data_files_are_refused_before_parsing(tmp_path):
    big = tmp_path / "big.json"
    with big.open("wb") as fh:                  # a sparse file: its size is what is checked
        fh.truncate(instance_mod.MAX_DATA_FILE_BYTES + 1)
    t0 = time.perf_counter()
    assert "bytes" in error_line(run("solve", "--data", str(big), "--no-bkk"))
    wide = tmp_path / "wide.json"
    wide.write_text(json.dumps({"X": [[1.0]] * 65, "Y": [[1.0]], "Lambda": [[[1.0] * 65], [[1.0]]]}))
    assert "at most 64 rows" in error_line(run("solve", "--data", str(wide), "--no-bkk"))
    assert time.perf_counter() - t0 < 5


def test_strict_instance_files(tmp_path):
    X, Y = np.ones((2, 1)), np.ones((2, 1))
    lone = tmp_path / "lone.npz"                 # an H = 1 instance that lost its Lambda2
    np.savez(lone, X=X, Y=Y, Lambda1=np.full((2, 2), 0.5))
    assert "--H 0" in error_line(run("solve", "--data", str(lone), "--no-bkk"))
    res = run("solve", "--data", str(lone), "--H", "0", "--no-bkk", "--seed", "1", "--format", "json")
    assert res.exit_code == 0 and json.loads(res.stdout)["n_complex"] == 1
    gap = tmp_path / "gap.npz"
    np.savez(gap, X=X, Y=Y, Lambda1=np.full((2, 2), 0.5), Lambda3=np.full((2, 2), 0.5))
    assert "no Lambda2" in error_line(run("solve", "--data", str(gap), "--no-bkk"))
    extra = tmp_path / "extra.npz"
    np.savez(extra, X=X, Y=Y, Lambda1=np.full((2, 2), 0.5), Lambda2=np.full((2, 2), 0.5), W=np.ones(3))
    assert "unknown array(s) W" in error_line(run("solve", "--data", str(extra), "--no-bkk"))
    single = tmp_path / "single.json"
    single.write_text(json.dumps({"X": [[1.0]], "Y": [[1.0]], "Lambda": [[[0.5]]]}))
    assert "--H 0" in error_line(run("solve", "--data", str(single), "--no-bkk"))
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps({"X": [[1.0]], "Y": [[1.0]], "Lambda": [[[0.5]], [[0.5]]], "Lambda3": 1}))
    assert "unknown key(s) 'Lambda3'" in error_line(run("solve", "--data", str(keys), "--no-bkk"))
    widths = tmp_path / "widths.json"
    widths.write_text(json.dumps({"X": [[1.0]], "Y": [[1.0]], "Lambda": [[[0.5]], [[0.5]]], "widths": [1, 2, 1]}))
    assert "says widths 1,2,1" in error_line(run("solve", "--data", str(widths), "--no-bkk"))


def test_drawn_seed_is_in_csv_and_on_stderr():
    res = run("solve", "--d", "1", "--dx", "1", "--dy", "1", "--no-bkk", "--format", "csv")
    assert res.exit_code == 0
    seed = int(res.stderr.split("seed ", 1)[1].split()[0])
    lines = res.stdout.strip().splitlines()
    col = lines[0].split(",").index("seed")
    assert all(int(ln.split(",")[col]) == seed for ln in lines[1:])
    again = run("solve", "--d", "1", "--dx", "1", "--dy", "1", "--no-bkk", "--format", "csv", "--seed", str(seed))
    assert again.stdout == res.stdout and again.stderr == ""
    for fmt in ("markdown", "latex"):
        res = run("solve", "--d", "1", "--dx", "1", "--dy", "1", "--no-bkk", "--format", fmt)
        seed = res.stderr.split("seed ", 1)[1].split()[0]
        assert "seed" in res.stdout and seed in res.stdout


def _table(tmp_path, *extra: str):
    return run("table", "--d", "1", "--dx", "1..2", "--dy", "1", "--samples", "3", "--no-bkk", "--jobs", "1",
               *extra)


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_resume_only_from_the_same_run(tmp_path, fmt):
    out = tmp_path / f"t.{fmt}"
    assert _table(tmp_path, "--seed", "11", "--format", fmt, "-o", str(out)).exit_code == 0
    line = error_line(_table(tmp_path, "--seed", "12", "--resume", str(out), "--format", fmt, "-o", str(out)))
    assert "made with seed 11, this run uses seed 12" in line and "--seed 11" in line
    assert "samples" in error_line(run("table", "--d", "1", "--dx", "1..2", "--dy", "1", "--samples", "4",
                                       "--no-bkk", "--seed", "11", "--resume", str(out)))
    assert "distribution" in error_line(_table(tmp_path, "--seed", "11", "--distribution", "positive",
                                               "--resume", str(out)))
    res = _table(tmp_path, "--seed", "11", "--resume", str(out), "--format", fmt, "-o", str(out))
    assert res.exit_code == 0 and "resumed 2 finished row(s)" in res.stderr
    config = tmp_path / "c.toml"
    config.write_text('title = "Other"\nsamples = 3\nseed = 11\n[sweep]\nd = "1"\ndx = "1..2"\ndy = "1"\n')
    assert "config" in error_line(run("table", str(config), "--no-bkk", "--resume", str(out)))


def test_resume_from_a_file_without_run_columns(tmp_path):
    old = tmp_path / "old.csv"
    old.write_text("d,dx,dy,H,m,N,CBB,N_C,N_C_star,max_N_R,samples,widths\n1,1,1,1,1,2,9,5,4,3,3,\"1,1,1\"\n")
    assert "cannot resume" in error_line(_table(tmp_path, "--resume", str(old)))


def _interrupt(args: list[str], after: float, cwd) -> subprocess.CompletedProcess:
    """Run linnet in its own process group and press Ctrl-C (SIGINT to the group) after ``after`` s."""
    proc = subprocess.Popen(LINNET + args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=restore_sigint,
                            start_new_session=True)
    time.sleep(after)
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(args, proc.returncode, out, err)


def test_ctrl_c_in_a_parallel_table_keeps_rows_without_tracebacks(tmp_path):
    out = tmp_path / "t.csv"
    # rows with H = 2 and d = 3 take minutes: the run is still going when Ctrl-C comes
    args = ["table", "--d", "1..3", "--dx", "1..2", "--dy", "1..2", "--H", "1..2", "--samples", "100", "--no-bkk",
            "--jobs", "2", "--seed", "5", "--format", "csv", "-o", str(out)]
    res = _interrupt(args, 12.0, tmp_path)
    assert res.returncode == 130, res.stderr
    assert "Traceback" not in res.stderr and "KeyboardInterrupt" not in res.stderr
    done = int(res.stderr.split("Aborted: ", 1)[1].split()[0])
    if done:
        assert f"--resume {out}" in res.stderr
        assert len(out.read_text().strip().splitlines()) == 1 + done
    else:       # the largest rows come first: none may be finished yet, and then nothing is written
        assert "nothing was written" in res.stderr and not out.exists()
    ps = subprocess.run(["pgrep", "-f", str(out)], capture_output=True, text=True)
    assert ps.stdout.strip() == ""          # no worker left running


def test_ctrl_c_in_a_solve(tmp_path):
    res = _interrupt(["solve", "--widths", "3,3,3,3", "--no-bkk", "--seed", "1"], 6.0, tmp_path)   # ~30 s
    assert res.returncode == 130, res.stderr
    assert "Traceback" not in res.stderr and "Aborted" in res.stderr
