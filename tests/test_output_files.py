"""Output files: checked before the work, written atomically, never over an input; devices, FIFOs and
descriptors written through, links kept; standard output checked; unfinished tables kept in new files."""
from __future__ import annotations

import errno
import json
import os
import resource
import stat
import subprocess
import threading
import time

import pytest

from linnet_cli.errors import InputError
from linnet_cli.model.instance import random_instance, save_instance
from linnet_cli.model.network import Network
from linnet_cli.output_files import atomic_open, check_outputs, output_target, write_new_file, write_text_atomic
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


# ---- outputs that are not files to replace: devices, FIFOs, links, descriptors ----------------------------

SOLVE = ("solve", "--d", "1", "--dx", "1", "--dy", "1", "--seed", "1", "--no-bkk", "-q")


def _json_result(text: str) -> dict:
    obj = json.loads(text)
    assert obj["n_complex"] == 5
    return obj


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod needs root")
def test_a_character_device_is_written_through_not_replaced(tmp_path):
    dev = tmp_path / "null"
    os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))       # a /dev/null of our own
    check_outputs([("--output", str(dev))], [])
    for extra in (("--format", "json", "-o", str(dev)), ("-o", str(dev)), ("--save-instance", str(dev) + ".json")):
        res = run(*SOLVE, *extra)
        assert res.exit_code == 0, res.output
        assert stat.S_ISCHR(os.stat(dev).st_mode) and os.stat(dev).st_rdev == os.makedev(1, 3)
    os.unlink(str(dev) + ".json")
    assert os.listdir(tmp_path) == ["null"]                      # no temporary file left behind


def _read_fifo(path, into: list) -> threading.Thread:
    def read() -> None:
        with open(path) as fh:
            into.append(fh.read())
    t = threading.Thread(target=read, daemon=True)
    t.start()
    return t


def test_a_fifo_is_written_through(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    check_outputs([("--output", str(fifo))], [])                # checking does not open it (no reader yet)
    got: list[str] = []
    reader = _read_fifo(fifo, got)
    res = run(*SOLVE, "--format", "json", "-o", str(fifo))
    reader.join(30)
    assert res.exit_code == 0, res.output
    _json_result(got[0])
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and os.listdir(tmp_path) == ["pipe"]


def test_a_link_is_kept_and_its_target_replaced(tmp_path):
    elsewhere = tmp_path / "results"
    elsewhere.mkdir()
    real = elsewhere / "real.json"
    real.write_text("previous")
    real.chmod(0o640)
    (tmp_path / "link.json").symlink_to(real)
    (tmp_path / "chain.json").symlink_to("link.json")            # a chain: chain -> link -> results/real.json
    for name in ("link.json", "chain.json"):
        real.write_text("previous")
        res = run(*SOLVE, "--format", "json", "-o", str(tmp_path / name))
        assert res.exit_code == 0, res.output
        assert os.path.islink(tmp_path / "link.json") and os.readlink(tmp_path / "link.json") == str(real)
        assert os.readlink(tmp_path / "chain.json") == "link.json"
        _json_result(real.read_text())
        assert stat.S_IMODE(os.stat(real).st_mode) == 0o640          # the target's permissions kept
        assert sorted(os.listdir(tmp_path)) == ["chain.json", "link.json", "results"]
        assert os.listdir(elsewhere) == ["real.json"]
    # a link to a file not written yet: the file is made at the link's end
    (tmp_path / "new.csv").symlink_to(elsewhere / "new-target.csv")
    assert run(*SOLVE, "--format", "csv", "-o", str(tmp_path / "new.csv")).exit_code == 0
    assert os.path.islink(tmp_path / "new.csv") and (elsewhere / "new-target.csv").read_text().startswith("index,")


def test_a_failed_write_through_a_link_keeps_the_target(tmp_path):
    real = tmp_path / "real.json"
    real.write_text("previous")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    with pytest.raises(RuntimeError):
        with atomic_open(link) as fh:
            fh.write("half")
            raise RuntimeError("disk full")
    assert real.read_text() == "previous" and os.path.islink(link)
    assert sorted(os.listdir(tmp_path)) == ["link.json", "real.json"]


def test_links_and_descriptors_are_checked_at_their_end(tmp_path):
    (tmp_path / "dangling.json").symlink_to(tmp_path / "missing" / "x.json")
    with pytest.raises(InputError, match="does not exist"):
        check_outputs([("--output", str(tmp_path / "dangling.json"))], [])
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    with pytest.raises(InputError, match="symbolic links"):
        check_outputs([("--output", str(tmp_path / "a"))], [])
    (tmp_path / "dir-link").symlink_to(tmp_path)
    with pytest.raises(InputError, match="is a directory"):
        check_outputs([("--output", str(tmp_path / "dir-link"))], [])
    data = tmp_path / "inst.json"
    data.write_text("{}")
    (tmp_path / "to-data.json").symlink_to(data)
    with pytest.raises(InputError, match="destroy the input"):
        check_outputs([("--output", str(tmp_path / "to-data.json"))], [("--data", str(data))])
    fd = os.open(data, os.O_RDONLY)
    try:
        with pytest.raises(InputError, match="reading only"):
            check_outputs([("--output", f"/dev/fd/{fd}")], [])
    finally:
        os.close(fd)
    import socket
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(tmp_path / "sock"))
        with pytest.raises(InputError, match="is a socket"):
            check_outputs([("--output", str(tmp_path / "sock"))], [])
    finally:
        sock.close()
    assert output_target("/dev/stdout").fd == 1 and output_target("/proc/self/fd/2").fd == 2
    (tmp_path / "out").symlink_to("/dev/stdout")
    assert output_target(tmp_path / "out").fd == 1


def test_dev_stdout_writes_where_standard_output_goes(tmp_path):
    out = tmp_path / "out.json"
    with open(out, "w") as fh:
        proc = subprocess.run(LINNET + [*SOLVE, "--format", "json", "-o", "/dev/stdout"], stdout=fh,
                              stderr=subprocess.PIPE, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    _json_result(out.read_text())
    assert not os.path.islink(out) and sorted(os.listdir(tmp_path)) == ["out.json"]


# ---- standard output: every write checked -----------------------------------------------------------------

def _stdout_to(target, *args: str, fsize: int | None = None) -> subprocess.CompletedProcess:
    def limit() -> None:
        if fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    with open(target, "wb") as fh:
        return subprocess.run(LINNET + list(args), stdout=fh, stderr=subprocess.PIPE, text=True,
                              preexec_fn=limit, timeout=300)


def _only_error(proc, message: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr, proc.stderr
    assert [ln for ln in proc.stderr.splitlines() if ln.strip()] == [message], proc.stderr


@pytest.mark.parametrize("fmt", ["json", "csv", "table"])
def test_a_file_size_limit_on_standard_output_is_an_error(tmp_path, fmt):
    proc = _stdout_to(tmp_path / "out", *SOLVE, "--format", fmt, fsize=256)
    _only_error(proc, "Error: cannot write standard output: File too large")
    assert os.path.getsize(tmp_path / "out") == 256


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
def test_a_full_disk_on_standard_output_is_an_error():
    _only_error(_stdout_to("/dev/full", *SOLVE, "--format", "json"),
                "Error: cannot write standard output: No space left on device")
    _only_error(_stdout_to("/dev/full", *SOLVE), "Error: cannot write standard output: No space left on device")
    _only_error(_stdout_to("/dev/full", "--help"), "Error: cannot write standard output: No space left on device")
    _only_error(_stdout_to("/dev/full", *SOLVE, "-o", "/dev/stdout"),
                "Error: --output: cannot write /dev/stdout: No space left on device")
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_a_closed_pipe_ends_quietly():
    r, w = os.pipe()
    os.close(r)                        # the reader is gone before the first write
    try:
        proc = subprocess.run(LINNET + [*SOLVE, "--format", "json"], stdout=w, stderr=subprocess.PIPE, text=True,
                              timeout=300)
    finally:
        os.close(w)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr


# ---- unfinished tables: a new partial file per run, never one that exists --------------------------------

from linnet_cli.studies.compute import compute_row as _COMPUTE_ROW   # noqa: E402  (the function the tests wrap)

TABLE = ("table", "--d", "1", "--dx", "1..2", "--dy", "1", "--samples", "2", "--no-bkk", "--jobs", "1", "-q")


def _interrupted_after(monkeypatch, rows: int) -> None:
    """Ctrl-C once ``rows`` rows are finished (as the user would press it while the next row runs)."""
    from linnet_cli.studies import run as table_mod
    real, done = _COMPUTE_ROW, []

    def compute_row(*args, **kwargs):
        if len(done) >= rows:
            raise KeyboardInterrupt
        done.append(real(*args, **kwargs))
        return done[-1]
    monkeypatch.setattr(table_mod, "compute_row", compute_row)


def _aborted(res, kept: str | None, finished: int, total: int) -> None:
    assert res.exit_code == 130, res.output
    assert "Traceback" not in res.output
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    if kept is None:
        assert lines[-1].startswith(f"Aborted: 0 of {total} rows finished; nothing was written"), lines
    else:
        assert lines[-1] == (f"Aborted: {finished} of {total} rows finished and kept in {kept}; "
                             f"continue with --resume {kept}"), lines


def test_interrupted_tables_keep_their_rows_in_files_of_their_own(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "linnet-table-partial-seed3-1.csv").write_text("someone else's file")
    _interrupted_after(monkeypatch, 1)
    first = run(*TABLE, "--seed", "3")
    _aborted(first, "linnet-table-partial-seed3-2.csv", 1, 2)
    kept = (tmp_path / "linnet-table-partial-seed3-2.csv").read_bytes()
    assert len(kept.decode().strip().splitlines()) == 2                     # the header and the row
    _interrupted_after(monkeypatch, 1)
    other = run("table", "--d", "1", "--dx", "1", "--dy", "1..2", "--samples", "2", "--no-bkk", "--jobs", "1",
                "-q", "--seed", "3")                                       # another sweep, the same directory
    _aborted(other, "linnet-table-partial-seed3-3.csv", 1, 2)
    assert (tmp_path / "linnet-table-partial-seed3-2.csv").read_bytes() == kept
    assert (tmp_path / "linnet-table-partial-seed3-1.csv").read_text() == "someone else's file"
    _interrupted_after(monkeypatch, 0)
    _aborted(run(*TABLE, "--seed", "3"), None, 0, 2)                       # no row finished: no file at all
    assert sorted(os.listdir(tmp_path)) == [f"linnet-table-partial-seed3-{n}.csv" for n in (1, 2, 3)]
    monkeypatch.undo()
    monkeypatch.chdir(tmp_path)
    res = run(*TABLE, "--seed", "3", "--resume", "linnet-table-partial-seed3-2.csv", "--format", "csv")
    assert res.exit_code == 0, res.output
    assert len(res.stdout.strip().splitlines()) == 3


@pytest.mark.parametrize("fmt", ["csv", "json", "table"])
def test_ctrl_c_before_any_row_leaves_the_output_as_it_was(tmp_path, monkeypatch, fmt):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / f"t.{fmt}"
    out.write_text("an earlier run's rows")
    _interrupted_after(monkeypatch, 0)
    res = run(*TABLE, "--seed", "3", "--format", fmt, "-o", str(out))
    _aborted(res, None, 0, 2)
    assert f"({out} is as it was)" in res.stderr
    assert out.read_text() == "an earlier run's rows" and os.listdir(tmp_path) == [out.name]


def test_an_interrupted_table_written_to_a_fifo_keeps_its_rows_in_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[str] = []
    reader = _read_fifo(fifo, got)
    _interrupted_after(monkeypatch, 1)
    res = run(*TABLE, "--seed", "4", "--format", "csv", "-o", str(fifo))
    reader.join(30)
    _aborted(res, "linnet-table-partial-seed4-1.csv", 1, 2)                 # not "kept in pipe"
    assert got[0] == (tmp_path / "linnet-table-partial-seed4-1.csv").read_text()


def test_new_files_never_replace_one(tmp_path, monkeypatch):
    (tmp_path / "rows-1.csv").write_text("first")
    assert write_new_file("second", tmp_path, "rows", ".csv").name == "rows-2.csv"

    def no_links(src, dst):
        raise PermissionError(errno.EPERM, "Operation not permitted")
    monkeypatch.setattr(os, "link", no_links)                  # a file system without hard links
    assert write_new_file("third", tmp_path, "rows", ".csv").name == "rows-3.csv"
    assert [(tmp_path / f"rows-{n}.csv").read_text() for n in (1, 2, 3)] == ["first", "second", "third"]
    assert sorted(os.listdir(tmp_path)) == ["rows-1.csv", "rows-2.csv", "rows-3.csv"]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
def test_a_table_whose_output_cannot_be_written_keeps_its_rows(tmp_path):
    with open("/dev/full", "wb") as full:
        proc = subprocess.run(LINNET + [*TABLE, "--seed", "6", "--format", "csv"], stdout=full, stderr=subprocess.PIPE,
                              text=True, cwd=tmp_path, timeout=300)
    kept = "linnet-table-partial-seed6-1.csv"
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert [ln for ln in proc.stderr.splitlines() if ln.strip()] == [
        f"2 of 2 rows finished and kept in {kept}; continue with --resume {kept}",
        "Error: cannot write standard output: No space left on device"]
    res = run(*TABLE, "--seed", "6", "--format", "csv", "--resume", str(tmp_path / kept))
    assert res.exit_code == 0 and len(res.stdout.strip().splitlines()) == 3, res.output
