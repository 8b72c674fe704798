"""Input and saved state that linnet must check before trusting: instance files read by their headers
first, irregular files, subnormal entries, table runs to resume, BKK cache entries, numba's cache, Dask
addresses, search targets and plot files. Each bad input gives one `Error:` line and exit code 2."""
from __future__ import annotations

import io
import json
import os
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from cli_helpers import error_line, run
from linnet_cli.errors import InputError
from linnet_cli.model.instance import load_instance


# --- instance files ------------------------------------------------------------------------------

def _npz_declaring(path: Path, shapes: dict[str, tuple[int, ...]]) -> None:
    """An .npz whose members declare ``shapes`` in their .npy headers but hold no data: what a
    compressed bomb looks like until it is decompressed."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, shape in shapes.items():
            head = io.BytesIO()
            np.lib.format.write_array_header_1_0(head, {"descr": "<f8", "fortran_order": False, "shape": shape})
            zf.writestr(f"{name}.npy", head.getvalue())


def test_an_npz_is_refused_by_its_headers_before_any_array_is_read(tmp_path, monkeypatch):
    bomb = tmp_path / "bomb.npz"
    _npz_declaring(bomb, {"X": (2, 200_000_000), "Y": (1, 1), "Lambda1": (1, 2), "Lambda2": (1, 1)})

    def no_reading(*args, **kwargs):
        raise AssertionError("an array was read")
    monkeypatch.setattr(np.lib.format, "read_array", no_reading)
    monkeypatch.setattr(np, "load", no_reading)
    t0 = time.perf_counter()
    with pytest.raises(InputError, match=r"array X is 2 × 200,000,000: at most 64 rows and 10,000 columns"):
        load_instance(bomb)
    assert time.perf_counter() - t0 < 1
    line = error_line(run("solve", "--data", str(bomb), "--no-bkk"))
    assert "array X is 2 × 200,000,000" in line and "refused before reading it" in line


def test_npz_headers_of_other_kinds(tmp_path):
    cube = tmp_path / "cube.npz"
    _npz_declaring(cube, {"X": (1, 1, 1), "Y": (1, 1), "Lambda1": (1, 1), "Lambda2": (1, 1)})
    with pytest.raises(InputError, match=r"array X has shape \(1, 1, 1\), not a matrix"):
        load_instance(cube)
    wide = tmp_path / "wide.npz"
    _npz_declaring(wide, {"X": (1, 1), "Y": (1, 1), "Lambda1": (65, 1), "Lambda2": (1, 65)})
    with pytest.raises(InputError, match="array Lambda1 is 65 × 1"):
        load_instance(wide)
    text = tmp_path / "text.npz"
    np.savez(text, X=np.array([["a"]]), Y=np.ones((1, 1)), Lambda1=np.ones((1, 1)), Lambda2=np.ones((1, 1)))
    with pytest.raises(InputError, match=r"array X is not numeric \(dtype <U1\)"):
        load_instance(text)
    raw = tmp_path / "raw.npz"
    with zipfile.ZipFile(raw, "w") as zf:
        for name in ("X", "Y", "Lambda1", "Lambda2"):
            zf.writestr(f"{name}.npy", b"not an array")
    with pytest.raises(InputError, match="X.npy is not a .npy array"):
        load_instance(raw)
    good = tmp_path / "good.npz"   # 1-D arrays are rows, as before
    np.savez(good, X=np.array([0.5, -0.2]), Y=np.array([0.3, 0.1]), Lambda1=np.array([[0.2]]),
             Lambda2=np.array([[0.7]]))
    assert load_instance(good).X.shape == (1, 2)


def test_an_npy_file_named_npz_is_said_to_be_one(tmp_path):
    fake = tmp_path / "inst.npz"
    with open(fake, "wb") as fh:
        np.save(fh, np.ones((2, 2)))
    line = error_line(run("solve", "--data", str(fake), "--no-bkk"))
    assert "not an .npz archive (it looks like a .npy file" in line
    assert "context manager" not in line


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_or_a_device_is_not_a_regular_file(tmp_path):
    fifo = tmp_path / "inst.json"
    os.mkfifo(fifo)
    t0 = time.perf_counter()
    line = error_line(run("solve", "--data", str(fifo), "--no-bkk"))   # opening it would block forever
    assert line == f"Error: --data: {fifo} is not a regular file (it is a FIFO (named pipe))"
    assert time.perf_counter() - t0 < 10
    if os.path.exists("/dev/zero"):
        line = error_line(run("solve", "--data", "/dev/zero", "--no-bkk"))
        assert line == "Error: --data: /dev/zero is not a regular file (it is a character device)"
    assert "no such file" in error_line(run("solve", "--data", str(tmp_path / "none.json"), "--no-bkk"))


def _instance(x00) -> dict:
    return {"X": [[x00, 0.5]], "Y": [[0.3, 0.7]], "Lambda": [[[0.2]], [[0.4]]]}


def test_subnormal_entries_are_refused_without_a_raw_warning(tmp_path):
    for name, value, shown in (("sub.json", 1e-320, "1e-320"), ("frac.json", "1/1" + "0" * 400, "1/1000")):
        path = tmp_path / name
        path.write_text(json.dumps(_instance(value)))
        res = run("solve", "--data", str(path), "--no-bkk")
        line = error_line(res)
        assert "RuntimeWarning" not in res.output and "instance.py" not in res.output
        assert line.startswith(f"Error: --data: X has an entry {shown}") and "smallest normal double" in line
    npz = tmp_path / "sub.npz"
    np.savez(npz, X=np.array([[1e-320, 0.5]]), Y=np.array([[0.3, 0.7]]), Lambda1=np.array([[0.2]]),
             Lambda2=np.array([[0.4]]))
    with pytest.raises(InputError, match="X has an entry 1e-320, below the smallest normal double"):
        load_instance(npz)
    huge = tmp_path / "huge.json"
    huge.write_text(json.dumps(_instance("1e400")))
    assert "X has entries of magnitude above 1e+100" in error_line(run("solve", "--data", str(huge), "--no-bkk"))


def test_a_span_beyond_double_precision_is_warned_about_honestly():
    import warnings

    from linnet_cli.model.instance import Instance
    from linnet_cli.model.network import Network
    inst = Instance(Network((1, 1, 1)), np.array([[1e-300, 1e50]]), np.array([[1.0, 1.0]]),
                    (np.array([[0.2]]), np.array([[0.4]])))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        found = inst.genericity_warnings()
    assert any("span more than 1.8e+308" in w for w in found)


# --- Dask scheduler addresses ----------------------------------------------------------------------

def _free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_http_server_is_not_a_dask_scheduler(tmp_path):
    pytest.importorskip("distributed")
    import subprocess
    import sys
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                              cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import socket
        for _ in range(100):   # until it listens
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        t0 = time.perf_counter()
        line = error_line(run("table", "--d", "1", "--dx", "1", "--dy", "1", "--samples", "2", "--no-bkk",
                              "--scheduler", f"tcp://127.0.0.1:{port}"))
        assert line.startswith(f"Error: tcp://127.0.0.1:{port} is not a Dask scheduler")
        assert "allocate" not in line
        assert time.perf_counter() - t0 < 15
    finally:
        server.terminate()
        server.wait()


def test_a_server_that_greets_otherwise_is_refused_at_once():
    pytest.importorskip("distributed")
    import socket
    import threading
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def banner() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")
            time.sleep(1)
    threading.Thread(target=banner, daemon=True).start()
    try:
        t0 = time.perf_counter()
        line = error_line(run("table", "--d", "1", "--dx", "1", "--dy", "1", "--samples", "2", "--no-bkk",
                              "--scheduler", f"tcp://127.0.0.1:{port}"))
        assert line == (f"Error: tcp://127.0.0.1:{port} is not a Dask scheduler (its answer is not Dask's, "
                        "it sent 'SSH-2.0-')")
        assert time.perf_counter() - t0 < 3
    finally:
        listener.close()


# --- numba's cache ---------------------------------------------------------------------------------

KERNEL = '''
from linnet_cli.homotopy.jit import njit


@njit(cache=True)
def add_one(x):
    return x + 1
'''


def _run_kernel(tmp_path: Path):
    import subprocess
    import sys
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": os.pathsep.join(
        [str(tmp_path), str(Path(__file__).resolve().parent.parent), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-c", "import kernel; print(kernel.add_one(41))"], env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("suffix", [".nbi", ".nbc"])
def test_a_truncated_numba_cache_file_is_rebuilt_once(tmp_path, suffix):
    (tmp_path / "kernel.py").write_text(KERNEL)
    first = _run_kernel(tmp_path)
    assert first.returncode == 0 and first.stdout.strip() == "42", first.stderr
    files = sorted((tmp_path / "cache").rglob(f"*{suffix}"))
    assert files
    files[0].write_bytes(files[0].read_bytes()[:20])          # a killed write, a full disk
    again = _run_kernel(tmp_path)
    assert again.returncode == 0 and again.stdout.strip() == "42", again.stderr
    lines = again.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("linnet: numba's cache of compiled code was unreadable")
    assert "kernel.add_one" in lines[0] and "rebuilt" in lines[0] and "Traceback" not in again.stderr
    third = _run_kernel(tmp_path)                               # rebuilt: loaded from the cache, silently
    assert third.returncode == 0 and third.stdout.strip() == "42" and third.stderr == ""


def test_cold_cache_says_whether_numba_has_the_current_source_compiled(tmp_path):
    """cold_cache (whether a child process should compile the tracker) is True before the first
    compilation, False after it, and True again once the source changes; with ``wanted``, it asks for
    the compilations that test accepts (one of the tracker's two)."""
    import subprocess
    import sys
    (tmp_path / "kernel.py").write_text(KERNEL)
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": os.pathsep.join(
        [str(tmp_path), str(Path(__file__).resolve().parent.parent), os.environ.get("PYTHONPATH", "")])}

    def cold(wanted: str = "None") -> str:
        code = ("import kernel; from numba import types; from linnet_cli.homotopy.jit import cold_cache; "
                f"print(cold_cache(kernel.add_one, {wanted}))")
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()
    assert cold() == "True"
    assert _run_kernel(tmp_path).stdout.strip() == "42"
    assert cold() == "False"
    # one compilation wanted: the cache holds add_one for an int64, not for a float64
    assert cold("lambda args: args == (types.int64,)") == "False"
    assert cold("lambda args: args == (types.float64,)") == "True"
    (tmp_path / "kernel.py").write_text(KERNEL + "\n# edited\n")
    assert cold() == "True"
    from linnet_cli.homotopy.jit import cold_cache
    assert cold_cache(lambda: None) is False                            # not cached on disk at all


# --- the BKK cache -------------------------------------------------------------------------------

def test_a_cached_bkk_entry_below_the_counts_found_is_recomputed(tmp_path, monkeypatch, capsys):
    from linnet_cli import solve
    from linnet_cli.model.network import Network
    monkeypatch.setenv("LINNET_CACHE_DIR", str(tmp_path))
    cache = tmp_path / "bkk.json"
    cache.write_text(json.dumps({"2,2,2|m=1": [7, 3]}))            # valid-looking, but below N_C = 33
    res = solve(Network.uniform(2, 2, 2), seed=1)
    assert (res.n_complex, res.n_torus) == (33, 16)
    assert (res.bounds.BKK, res.bounds.BKK_torus) == (1089, 1024)
    err = [ln for ln in capsys.readouterr().err.splitlines() if "BKK" in ln]   # (a cold numba cache may say more)
    assert len(err) == 1 and "cached BKK bounds of d=2 dx=2 dy=2 m=1 (BKK 7, BKK* 3) cannot be right" in err[0]
    assert "N_C = 33" in err[0] and "recomputed and replaced" in err[0]
    assert json.loads(cache.read_text())["2,2,2|m=1"] == [1089, 1024]
    again = solve(Network.uniform(2, 2, 2), seed=1)                 # the replaced entry is right: silence
    assert again.bounds.BKK == 1089 and "BKK" not in capsys.readouterr().err


def test_the_torus_count_exposes_a_cached_entry_too(tmp_path, monkeypatch):
    from linnet_cli.model.network import Network
    from linnet_cli.studies.compute import solve_row_generic
    from linnet_cli.studies.rows import RowSpec
    from linnet_cli.solver import solver_for
    monkeypatch.setenv("LINNET_CACHE_DIR", str(tmp_path))
    (tmp_path / "bkk.json").write_text(json.dumps({"1,1,1|m=1": [5, 3]}))   # BKK* 3 < N_C* = 4
    net = Network((1, 1, 1))
    start = solve_row_generic(RowSpec(net, 1), 0, solver_for(net, "native"))
    assert (start.bounds.BKK, start.bounds.BKK_torus) == (5, 4)
    assert json.loads((tmp_path / "bkk.json").read_text())["1,1,1|m=1"] == [5, 4]


def test_an_invalid_cached_bkk_entry_is_said_to_be_replaced(tmp_path, monkeypatch):
    monkeypatch.setenv("LINNET_CACHE_DIR", str(tmp_path))
    (tmp_path / "bkk.json").write_text(json.dumps({"1,1,1|m=1": [999, 5]}))   # above CBB = 9
    res = run("bounds", "--d", "1", "--dx", "1", "--dy", "1", "--format", "csv")
    assert res.exit_code == 0
    assert "the cached BKK bounds [999, 5] of d=1 dx=1 dy=1 m=1 are not two integers" in res.stderr
    assert res.stdout.splitlines()[1].split(",")[7:9] == ["5", "4"]


# --- runs to resume --------------------------------------------------------------------------------

TINY = ("--d", "1", "--dx", "1", "--dy", "1", "--samples", "3", "--seed", "3", "--jobs", "1")


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory) -> dict[str, str]:
    """A one-row run's csv and json output (d = d_x = d_y = 1: N_C = 5 = B_C, N_C* = 4)."""
    out = tmp_path_factory.mktemp("run")
    texts = {}
    for fmt in ("csv", "json"):
        path = out / f"t.{fmt}"
        assert run("table", *TINY, "--format", fmt, "-o", str(path), "-q").exit_code == 0
        texts[fmt] = path.read_text()
    return texts


def _edited_csv(text: str, **cells: str) -> str:
    import csv
    rows = list(csv.reader(text.splitlines()))
    for col, value in cells.items():
        rows[1][rows[0].index(col)] = value
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def test_a_resumed_row_above_a_proven_bound_is_refused(tmp_path, finished_run):
    path = tmp_path / "t.csv"
    path.write_text(finished_run["csv"])
    assert run("table", *TINY, "--resume", str(path), "-q").exit_code == 0     # the run as written resumes
    path.write_text(_edited_csv(finished_run["csv"], N_C="999"))
    line = error_line(run("table", *TINY, "--resume", str(path)))
    assert line == (f"Error: --resume: {path}, line 2: N_C = 999 is above the proven bound B_C = 5 for "
                    "d=1 dx=1 dy=1 m=1: no linnet run writes such a row")
    obj = json.loads(finished_run["json"])
    obj["rows"][0]["N_C"] = 999
    path = tmp_path / "t.json"
    path.write_text(json.dumps(obj))
    assert f"{path}, row 1: N_C = 999 is above the proven bound B_C = 5" in error_line(
        run("table", *TINY, "--resume", str(path)))


@pytest.mark.parametrize("cells, problem", [
    ({"N_C_star": "6"}, "N_C* = 6 is above the proven bound B_C* = 4"),
    ({"max_N_R": "7", "N_R_histogram": "7:3"}, "max N_R = 7 is above N_C = 5"),
    ({"N_R_histogram": "1:1;3:1"}, "its N_R histogram counts 2 instances, not samples = 3"),
    ({"max_N_R": "1"}, "max N_R = 1, but its N_R histogram's largest N_R is 3"),
    ({"N": "3"}, "N = 3, but widths 1,1,1 give N = 2"),
    ({"BKK_torus": "6"}, "BKK = 5 and BKK* = 6 are not bounds with BKK* ≤ BKK ≤ CBB = 9"),
    ({"N_C": "5.5"}, "N_C is '5.5', not a non-negative integer"),
    ({"N_C": "-1"}, "N_C is '-1', not a non-negative integer"),
    ({"samples": ""}, "samples is empty"),
    ({"widths": "None"}, "widths 'None' are not a network's widths"),
    ({"N_R_histogram": "many"}, "N_R_histogram 'many' is not a histogram"),
])
def test_resumed_rows_are_checked_column_by_column(tmp_path, finished_run, cells, problem):
    from linnet_cli.studies.run import read_partial
    path = tmp_path / "t.csv"
    path.write_text(_edited_csv(finished_run["csv"], **cells))
    with pytest.raises(InputError, match="line 2: " + problem.replace("*", r"\*").replace("(", r"\(")):
        read_partial(path)


def test_resumed_bkk_columns_must_be_the_cached_mixed_volumes(tmp_path, finished_run, monkeypatch):
    from linnet_cli.studies.run import read_partial
    monkeypatch.setenv("LINNET_CACHE_DIR", str(tmp_path))
    path = tmp_path / "t.csv"
    path.write_text(_edited_csv(finished_run["csv"], BKK="6"))
    assert read_partial(path).rows[0].BKK == 6                        # nothing known to contradict it
    (tmp_path / "bkk.json").write_text(json.dumps({"1,1,1|m=1": [5, 4]}))
    with pytest.raises(InputError, match=r"line 2: BKK = 6, BKK\* = 4, but the mixed volumes of d=1 dx=1 dy=1 m=1 "
                                         "are 5 and 4"):
        read_partial(path)


def test_a_short_row_or_a_garbage_file_is_named(tmp_path, finished_run):
    header, row = finished_run["csv"].splitlines()[:2]
    short = tmp_path / "short.csv"
    short.write_text(f"{header}\n{row}\n1,1,1,1,1\n")
    line = error_line(run("table", *TINY, "--resume", str(short)))
    assert f"{short}, line 3: 5 fields, the header has {len(header.split(','))}" in line and "cut short" in line
    assert "invalid literal" not in line
    for name, text in (("garbage.csv", "this is not a table\n"), ("empty.csv", ""),
                       ("garbage.json", '{"rows": []}'), ("list.json", "[1, 2]")):
        path = tmp_path / name
        path.write_text(text)
        line = error_line(run("table", *TINY, "--resume", str(path)))
        assert line.startswith(f"Error: --resume: {path} is not a linnet table partial file"), line
    header_only = tmp_path / "none.csv"        # a run stopped before its first row: nothing to keep, no error
    header_only.write_text(header + "\n")
    assert run("table", *TINY, "--resume", str(header_only), "-q").exit_code == 0


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_to_resume_from_is_not_read(tmp_path):
    fifo = tmp_path / "t.csv"
    os.mkfifo(fifo)
    assert error_line(run("table", *TINY, "--resume", str(fifo))) == (
        f"Error: --resume: {fifo} is not a regular file (it is a FIFO (named pipe))")


# --- table definitions -----------------------------------------------------------------------------

@pytest.mark.parametrize("value, said", [('"nothing"', "not a string ('nothing')"),
                                         ("{d = 1, dx = 1, dy = 1}", "not a table"),
                                         ("3", "not an integer (3)")])
def test_a_sweep_exclude_that_is_not_a_list_is_said_to_be_one(tmp_path, value, said):
    config = tmp_path / "t.toml"
    config.write_text(f'samples = 2\n[sweep]\nd = "1"\ndx = "1"\ndy = "1..2"\nexclude = {value}\n')
    line = error_line(run("table", str(config), "--no-bkk"))
    assert line.startswith(f"Error: {config}: sweep.exclude must be a list of rows") and said in line
    assert "unknown key" not in line
    config.write_text('samples = 2\n[sweep]\nd = "1"\ndx = "1"\ndy = "1..2"\nexclude = [{d = 1, dx = 1, dy = 1}, 5]\n')
    assert "sweep.exclude[2]: expected a table" in error_line(run("table", str(config), "--no-bkk"))
    config.write_text('samples = 2\n[sweep]\nd = "1"\ndx = "1"\ndy = "1..2"\nexclude = [{d = 1, dx = 1, dy = 1}]\n')
    res = run("table", str(config), "--no-bkk", "--format", "csv", "-q", "--jobs", "1")
    assert res.exit_code == 0 and [ln.split(",")[2] for ln in res.stdout.splitlines()[1:]] == ["2"]


# --- maxreal targets -------------------------------------------------------------------------------

def test_a_target_above_what_the_shape_has_is_refused():
    t0 = time.perf_counter()
    line = error_line(run("maxreal", "--d", "2", "--dx", "2", "--dy", "2", "--target", "100000"))
    assert line == ("Error: --target 100000 is above the proven bound B_C = 81, more critical points than any "
                    "instance of d=2 dx=2 dy=2 has, real or not")
    assert time.perf_counter() - t0 < 5                          # before any solve
    line = error_line(run("maxreal", "--d", "2", "--dx", "2", "--dy", "2", "--target", "34", "--samples", "2"))
    assert line.startswith("Error: --target 34 is above N_C = 33, the number of complex critical points of "
                           "d=2 dx=2 dy=2")
    line = error_line(run("maxreal", "--widths", "1,2,1,1", "--target", "1000000", "--samples", "2"))
    assert "is above CBB = " in line or "is above BKK = " in line  # H = 2: no proven B_C (BKK once cached)
    ok = run("maxreal", "--d", "1", "--dx", "1", "--dy", "1", "--target", "5", "--samples", "2", "--budget", "0",
             "--format", "json", "--jobs", "1")
    assert ok.exit_code == 0, ok.output


def test_max_real_refuses_the_target_as_a_library_call():
    from linnet_cli.studies.maxreal import max_real
    from linnet_cli.model.network import Network
    with pytest.raises(InputError, match=r"^target=6 is above the proven bound B_C = 5"):
        max_real(Network.uniform(1, 1, 1), target=6)


# --- plot files ------------------------------------------------------------------------------------

def test_a_plot_suffix_matplotlib_cannot_write_is_refused_before_any_work(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    import linnet_cli.studies.run as table_mod

    def no_work(*args, **kwargs):
        raise AssertionError("the table ran")
    monkeypatch.setattr(table_mod, "run_table", no_work)
    for name, said in (("out.txt", "matplotlib cannot write .txt files (formats: "),
                       ("out", "has no suffix to say its format")):
        line = error_line(run("table", *TINY, "--no-bkk", "--plot", str(tmp_path / name)))
        assert line.startswith(f"Error: --plot {tmp_path / name}") and said in line
        assert not (tmp_path / name).exists()


def test_a_plot_is_written_in_the_format_its_suffix_names(tmp_path):
    pytest.importorskip("matplotlib")
    magic = {"histograms.PDF": b"%PDF", "histograms.svg": b"<?xml", "histograms.png": b"\x89PNG"}
    for name, head in magic.items():
        res = run("table", *TINY, "--no-bkk", "-q", "--format", "csv", "--plot", str(tmp_path / name))
        assert res.exit_code == 0, res.output
        assert (tmp_path / name).read_bytes().startswith(head), name


def test_a_plot_without_matplotlib_is_refused_before_any_work(tmp_path, monkeypatch):
    import importlib.util

    import linnet_cli.studies.run as table_mod
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "matplotlib" else real(name, *a))
    monkeypatch.setattr(table_mod, "run_table", lambda *a, **k: pytest.fail("the table ran"))
    line = error_line(run("table", *TINY, "--no-bkk", "--plot", str(tmp_path / "h.png")))
    assert line.startswith("Error: --plot needs matplotlib")
