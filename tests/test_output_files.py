"""Output files: checked before the work, written atomically, never over an input."""
from __future__ import annotations

import json
import os
import resource
import subprocess
import time

import pytest

from linnet_cli.errors import InputError
from linnet_cli.instance import random_instance, save_instance
from linnet_cli.network import Network
from linnet_cli.output_files import atomic_open, check_outputs, write_text_atomic
from cli_helpers import LINNET, error_line, run


def test_failed_write_keeps_the_previous_file(tmp_path):
    target = tmp_path / "k.json"
    target.write_text("previous")
    with pytest.raises(RuntimeError):
        with atomic_open(target) as fh:
            fh.write("half of a new fi")
            raise RuntimeError("disk full")
    assert target.read_text() == "previous"
    assert os.listdir(tmp_path) == ["k.json"]          # no temporary file left behind
    write_text_atomic("new", target)
    assert target.read_text() == "new" and os.listdir(tmp_path) == ["k.json"]


def test_check_outputs(tmp_path):
    data = tmp_path / "inst.json"
    data.write_text("{}")
    with pytest.raises(InputError, match="destroy the input"):
        check_outputs([("--output", str(data))], [("--data", str(data))])
    with pytest.raises(InputError, match="does not exist"):
        check_outputs([("--output", str(tmp_path / "missing" / "t.csv"))], [])
    with pytest.raises(InputError, match="is a directory"):
        check_outputs([("--output", str(tmp_path))], [])
    with pytest.raises(InputError, match="same file"):
        check_outputs([("--output", str(tmp_path / "a")), ("--plot", str(tmp_path / "a"))], [])
    check_outputs([("--output", str(tmp_path / "new.csv")), ("--plot", None)], [("--data", str(data))])
    assert not (tmp_path / "new.csv").exists()     # checking creates nothing


def test_output_equal_to_data_is_refused_and_the_input_kept(tmp_path):
    data = tmp_path / "inst.json"
    save_instance(random_instance(Network.uniform(1, 1, 1), seed=1), data)
    before = data.read_text()
    assert "--data" in error_line(run("solve", "--data", str(data), "-o", str(data), "--format", "json", "--no-bkk"))
    assert "--data" in error_line(run("solve", "--data", str(data), "--save-instance", str(data), "--no-bkk"))
    assert "--data" in error_line(run("emit", "--data", str(data), "-o", str(data)))
    assert data.read_text() == before


def test_table_output_in_a_missing_directory_is_refused_before_any_row():
    t0 = time.perf_counter()
    line = error_line(run("table", "--d", "1", "--dx", "1..2", "--dy", "1", "--samples", "5", "--no-bkk",
                          "-o", "/missing/dir/t.csv", "--format", "csv"))
    assert "does not exist" in line
    assert time.perf_counter() - t0 < 5        # no row was computed


def test_save_instance_errors_before_the_solve(tmp_path):
    assert "does not exist" in error_line(run("solve", "--d", "1", "--dx", "1", "--dy", "1", "--no-bkk",
                                              "--save-instance", "/missing/x.json"))
    assert ".txt" in error_line(run("solve", "--d", "1", "--dx", "1", "--dy", "1", "--no-bkk",
                                    "--save-instance", str(tmp_path / "x.txt")))
    assert not (tmp_path / "x.txt").exists()
    assert "--plot" in error_line(run("table", "--d", "1", "--dx", "1", "--dy", "1", "--samples", "2",
                                      "--no-bkk", "--plot", "/missing/p.png"))


def test_file_size_limit_leaves_no_truncated_output(tmp_path):
    """RLIMIT_FSIZE makes the write fail halfway (EFBIG): the previous file stays whole."""
    target = tmp_path / "k.json"
    previous = json.dumps({"previous": "result"})
    target.write_text(previous)

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))

    proc = subprocess.run(LINNET + ["solve", "--d", "1", "--dx", "1", "--dy", "1",
                           "--no-bkk", "--seed", "1", "--format", "json", "-o", str(target)],
                          preexec_fn=limit, capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "Error: --output: cannot write" in proc.stderr and "File too large" in proc.stderr
    assert target.read_text() == previous
    assert sorted(os.listdir(tmp_path)) == ["k.json"]
    # without the limit the same command writes the whole file
    proc = subprocess.run(LINNET + ["solve", "--d", "1", "--dx", "1", "--dy", "1",
                           "--no-bkk", "--seed", "1", "--format", "json", "-o", str(target)],
                          capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(target.read_text())["n_complex"] == 5


def test_json_text_is_json_with_one_line_per_point():
    import json

    from linnet_cli.export import json_text
    obj = {"n": 3, "bounds": {"B_C": 81, "BKK": None}, "rows": [[1, 2], [3.5, -4]],
           "solutions": [{"index": 0, "coordinates": {"w1_1_1": [0.5, -1e-300], "w2_1_1": [1e300, 0.0]}}],
           "empty": [], "nested": [[[1]]], "text": "a \"quoted\"\nline", "flag": True}
    text = json_text(obj)
    assert json.loads(text) == obj
    lines = text.splitlines()
    assert ' "bounds": {"B_C": 81, "BKK": null},' in lines
    assert '   "coordinates": {"w1_1_1": [0.5, -1e-300], "w2_1_1": [1e+300, 0.0]}' in lines
    assert '  [1, 2],' in lines
