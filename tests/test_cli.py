"""The command line through click's CliRunner: outputs, formats and every kind of bad input."""
from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest
from click.testing import CliRunner

from linnet_cli.cli.main import cli
from linnet_cli.model.instance import random_instance, save_instance
from linnet_cli.model.network import Network


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def one_line_error(res, code: int = 2) -> str:
    assert res.exit_code == code, res.output
    assert "Traceback" not in res.output
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), res.stderr
    return lines[0]


def test_help_lists_commands_with_examples():
    res = run("--help")
    assert res.exit_code == 0
    for cmd in ("solve", "bounds", "table", "emit", "engines"):
        if cmd == "table":
            continue
        assert cmd in res.output
    for cmd in ("solve", "bounds", "emit", "engines"):
        sub = run(cmd, "--help")
        assert sub.exit_code == 0 and "Example" in sub.output


def test_solve_default_table_output():
    res = run("solve", "--d", "2", "--dx", "2", "--dy", "2", "--seed", "3", "--no-bkk", "-q")
    assert res.exit_code == 0, res.output
    for text in ("N_C (complex)", "33", "Zero patterns", "global minimum", "failed paths"):
        assert text in res.output


def test_solve_json_schema():
    res = run("solve", "--d", "2", "--dx", "1", "--dy", "2", "--seed", "4", "--no-bkk", "--format", "json")
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    for key in ("n_complex", "n_torus", "n_real", "n_failed", "n_local_minima", "paths_tracked", "seed",
                "engine", "solutions", "patterns", "warnings", "bounds", "schema"):
        assert key in d
    assert (d["n_complex"], d["n_torus"], d["seed"], d["engine"]) == (33, 16, 4, "native")
    assert len(d["solutions"]) == 33
    s = d["solutions"][0]
    assert set(s) >= {"coordinates", "pattern", "real", "loss", "morse_index", "kind"}
    assert len(s["coordinates"]) == 6 and all(len(v) == 2 for v in s["coordinates"].values())
    assert sum(p["count"] for p in d["patterns"]) == 33
    assert d["bounds"]["B_C"] == 81 and d["bounds"]["CBB"] == 729


def test_solve_csv_and_output_file(tmp_path):
    out = tmp_path / "pts.csv"
    res = run("solve", "--d", "1", "--dx", "1", "--dy", "1", "--seed", "1", "--no-bkk", "--format", "csv",
              "-o", str(out))
    assert res.exit_code == 0, res.output
    lines = out.read_text().splitlines()
    assert len(lines) == 1 + 5 and "w1_1_1_re" in lines[0]


def test_solve_with_data_file_and_verify(tmp_path):
    inst = random_instance(Network((2, 3, 1, 2)), m=2, seed=2)
    path = tmp_path / "inst.npz"
    save_instance(inst, path)
    res = run("solve", "--data", str(path), "--verify-patterns", "--no-bkk", "--seed", "1", "--format", "json")
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["widths"] == [2, 3, 1, 2] and d["m"] == 2
    assert d["pattern_check"]["confirmed"] is True


def test_solve_save_instance_roundtrip(tmp_path):
    path = tmp_path / "i.json"
    a = run("solve", "--d", "1", "--dx", "2", "--dy", "2", "--seed", "9", "--no-bkk", "--format", "json",
            "--save-instance", str(path))
    b = run("solve", "--data", str(path), "--seed", "9", "--no-bkk", "--format", "json")
    ja, jb = json.loads(a.stdout), json.loads(b.stdout)
    assert ja["n_real"] == jb["n_real"] and ja["n_complex"] == jb["n_complex"] == 9


def test_bounds_single_shape_json():
    res = run("bounds", "--d", "2", "--dx", "2", "--dy", "2", "--no-bkk", "--format", "json")
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert rows == [{"d": 2, "dx": 2, "dy": 2, "H": 1, "m": 1, "N": 8, "CBB": 6561, "BKK": None,
                     "BKK_torus": None, "B_C": 81, "B_C_star": 64}]


def test_bounds_csv_columns_and_undefined_cells():
    res = run("bounds", "--d", "1", "--dx", "1", "--dy", "1", "--H", "1..2", "--m", "1..2", "--no-bkk",
              "--format", "csv")
    assert res.exit_code == 0, res.output
    lines = res.stdout.strip().splitlines()
    assert lines[0] == "d,dx,dy,H,m,N,CBB,BKK,BKK_torus,B_C,B_C_star"
    assert len(lines) == 5
    assert lines[1] == "1,1,1,1,1,2,9,,,5,4"
    assert lines[2].endswith(",,,,") and lines[3].startswith("1,1,1,2,1,3,125,")


def test_bounds_widths_and_markdown_latex():
    res = run("bounds", "--widths", "2,3,1,2", "--no-bkk", "--format", "markdown")
    assert res.exit_code == 0 and "| widths | H | N | CBB | BKK | BKK\\* | B_C | B_C\\* |" in res.stdout
    assert "| 2,3,1,2 | 2 | 11 | 48,828,125 | — | — | — | — |" in res.stdout
    tex = run("bounds", "--d", "1", "--dx", "1", "--dy", "1", "--no-bkk", "--format", "latex")
    assert r"\begin{tabular}" in tex.stdout and r"\toprule" in tex.stdout and r"$B_{\mathbb{C}^*}$" in tex.stdout


def test_bounds_table_output():
    res = run("bounds", "--d", "1..2", "--dx", "1", "--dy", "1..2", "--no-bkk")
    assert res.exit_code == 0
    assert "B_C*" in res.output and "—" in res.output


def test_engines_command():
    res = run("engines")
    assert res.exit_code == 0 and "native" in res.output and "julia" in res.output
    if importlib.util.find_spec("juliacall") is None:      # the install hint, brackets and all
        assert "linnet-cli[julia]" in " ".join(res.output.replace("│", " ").split())


def test_user_text_is_not_read_as_markup(tmp_path):
    path = tmp_path / "run[x]" / "inst.json"
    path.parent.mkdir()
    save_instance(random_instance(Network.uniform(1, 1, 1), seed=1), path)
    res = run("solve", "--data", str(path), "--no-bkk", "--seed", "1")
    assert res.exit_code == 0 and "run[x]" in res.stdout


def test_emit_formats():
    for fmt in ("text", "julia", "phc", "singular", "msolve", "json"):
        res = run("emit", "--d", "1", "--dx", "1", "--dy", "1", "--seed", "1", "--format", fmt)
        assert res.exit_code == 0, (fmt, res.output)
        assert "w1_1_1" in res.stdout


@pytest.mark.parametrize("args,message", [
    (["solve", "--d", "0"], "positive"),
    (["solve", "--d", "100"], "too large"),
    (["solve", "--d", "abc"], "--d"),
    (["solve", "--d", "1..3"], "one value"),
    (["solve", "--H", "-1"], "H"),
    (["solve", "--H", "40"], "hidden layers"),
    (["solve", "--m", "0"], "--m"),
    (["solve", "--m", "100000"], "--m"),
    (["solve", "--widths", "2,x,2"], "--widths"),
    (["solve", "--widths", "2,2"], "--widths"),
    (["solve", "--widths", "2,2,2", "--d", "2"], "--widths"),
    (["solve", "--engine", "nope"], "unknown engine"),
    (["solve", "--threads", "2"], "--engine julia only"),
    (["solve", "--julia-method", "monodromy"], "--engine julia only"),
    (["solve", "--threads", "0"], "--threads"),
    (["solve", "--julia-method", "newton"], "--julia-method"),
    (["table", "--threads", "2", "--d", "1"], "--engine julia only"),
    (["bounds", "--engine", "nope"], "unknown engine"),
    (["solve", "--data", "/nonexistent/file.npz"], "no such file"),
    (["solve", "--distribution", "nope"], "unknown distribution"),
    (["solve", "--format", "xml"], "xml"),
    (["solve", "--bogus"], "--bogus"),
    (["bounds", "--d", "3..1"], "empty range"),
    (["bounds", "--widths", "2,0,2"], "positive"),
    (["emit", "--format", "maple"], "maple"),
    (["emit", "--d", "1", "--dx", "1", "--dy", "1", "--format", "singular", "--prime", "12"], "prime"),
    (["solve", "--d", "1", "--output", "/nonexistent/dir/out.txt", "--no-bkk"], "cannot write"),
])
def test_bad_input_one_line_exit_2(args, message):
    line = one_line_error(run(*args))
    assert message in line


@pytest.mark.skipif(importlib.util.find_spec("juliacall") is not None,
                    reason="juliacall is installed: the julia engine is available")
def test_an_engine_not_available_here_is_one_line_exit_3():
    assert "pip install 'linnet-cli[julia]'" in one_line_error(run("solve", "--engine", "julia"), 3)


def test_bad_data_files(tmp_path):
    bad_shape = tmp_path / "s.json"
    bad_shape.write_text(json.dumps({"X": [[1.0], [2.0]], "Y": [[1.0]], "Lambda": [[[0.3, 0.4]], [[0.5, 0.6]]]}))
    assert "Lambda2" in one_line_error(run("solve", "--data", str(bad_shape)))
    nan = tmp_path / "n.json"
    nan.write_text('{"X": [[NaN]], "Y": [[1.0]], "Lambda": [[[0.3]], [[0.5]]]}')
    assert "NaN" in one_line_error(run("solve", "--data", str(nan)))
    garbage = tmp_path / "g.json"
    garbage.write_bytes(b"\xff\xfe\x00garbage")
    assert "--data" in one_line_error(run("solve", "--data", str(garbage)))
    ok = tmp_path / "ok.json"
    ok.write_text(json.dumps({"X": [[1.0]], "Y": [[1.0]], "Lambda": [[[0.3]], [[0.5]]]}))
    assert "disagree" in one_line_error(run("solve", "--data", str(ok), "--m", "2"))
    assert "--d 2 disagrees" in one_line_error(run("solve", "--data", str(ok), "--d", "2"))


def test_non_generic_regularization_warns(tmp_path):
    path = tmp_path / "eq.json"
    path.write_text(json.dumps({"X": [[1.0], [0.5]], "Y": [[1.0], [-0.3]],
                                "Lambda": [[[0.5, 0.5], [0.5, 0.5]], [[0.5, 0.5], [0.5, 0.5]]]}))
    res = run("solve", "--data", str(path), "--seed", "1", "--no-bkk")
    assert res.exit_code == 0
    assert "warning:" in res.stderr and "equal" in res.stderr
    assert "Traceback" not in res.output
    zero = tmp_path / "z.npz"
    np.savez(zero, X=np.ones((1, 1)), Y=np.ones((1, 1)), Lambda1=np.zeros((1, 1)), Lambda2=np.ones((1, 1)))
    res = run("solve", "--data", str(zero), "--seed", "1", "--no-bkk")
    assert res.exit_code == 0 and "zero" in res.stderr








@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown", "latex"])
def test_bounds_of_thousands_of_digits_are_printed_in_full(fmt):
    """CBB = (2H + 1)^N = 33^2834 has 4,304 digits, past what Python prints by default."""
    res = CliRunner().invoke(cli, ["bounds", "--no-bkk", "--format", fmt, "--d", "13", "--dx", "1", "--dy", "22",
                                   "--H", "16"] + (["--columns", "all"] if fmt == "table" else []))
    assert res.exit_code == 0, res.output
    import sys
    sys.set_int_max_str_digits(0)
    # in full: csv and json as digits, the formats read by people with thousands separators (a number
    # wider than the terminal is folded over lines there, never cut)
    shown = str(33 ** 2834)
    text = res.output.replace("\n", "").replace("│", "").replace(" ", "")
    assert shown in (text if fmt in ("csv", "json") else text.replace(",", ""))
