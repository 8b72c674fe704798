"""linnet table end to end: small tables through the command, their outputs, plots, searches and bad
options. (Definitions: test_spec.py; rows: test_compute.py; runs and resume: test_run.py.)"""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from linnet_cli.cli.main import cli


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_small_table_through_the_cli(tmp_path):
    out = tmp_path / "t.json"
    res = run("table", "--d", "1..2", "--dx", "1", "--dy", "1", "--samples", "5", "--jobs", "1",
              "--format", "json", "-o", str(out), "-q")
    assert res.exit_code == 0, res.output
    obj = json.loads(out.read_text())
    assert obj["schema"] == "linnet.table/1" and obj["complete"] is True
    rows = obj["rows"]
    assert [(r["d"], r["N_C"], r["N_C_star"]) for r in rows] == [(1, 5, 4), (2, 9, 0)]
    assert rows[0]["BKK"] == 5 and rows[0]["published_BKK"] == 5 and rows[1]["published_N_C"] == 9
    for key in ("max_N_R", "samples", "failed_paths", "seconds", "N_R_histogram", "B_C", "B_C_star"):
        assert key in rows[0]
    assert obj["reproduced"] == obj["compared"] == 14
    csv = run("table", "--d", "1", "--dx", "1", "--dy", "1..2", "--samples", "3", "--format", "csv", "--no-bkk")
    assert csv.exit_code == 0
    assert csv.stdout.splitlines()[0].startswith("d,dx,dy,H,m,N,CBB,BKK,BKK_torus,B_C,B_C_star,N_C")


def test_table_terminal_output_and_histogram():
    res = run("table", "--d", "2", "--dx", "2", "--dy", "2", "--samples", "4", "--no-bkk", "-q")
    assert res.exit_code == 0, res.output
    assert "33 ✓" in res.stdout and "N_R over 4 instances" in res.stdout
    assert "published values reproduced" in res.stdout


def test_h2_and_m2_rows():
    res = run("table", "--widths", "1,1,1,1", "--m", "1..2", "--samples", "3", "--no-bkk", "--format", "json", "-q")
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)["rows"]
    assert [(r["H"], r["m"], r["N_C"]) for r in rows] == [(2, 1, 17), (2, 2, 17)]


def test_plot_png(tmp_path):
    pytest.importorskip("matplotlib")
    png = tmp_path / "h.png"
    res = run("table", "--d", "1..2", "--dx", "1", "--dy", "2", "--samples", "5", "--no-bkk", "-q", "--plot", str(png))
    assert res.exit_code == 0, res.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000


def test_bad_table_options(tmp_path):
    for args, msg in ((["--samples", "0"], "samples"), (["--jobs", "0"], "jobs"),
                      (["--resume", str(tmp_path / "x.csv")], "no such file"),
                      (["--d", "1", str(tmp_path / "a.toml")], "not both"),
                      (["--distribution", "nope", "--d", "1"], "unknown distribution")):
        res = run("table", *args)
        assert res.exit_code == 2, (args, res.output)
        assert msg in res.stderr and "Traceback" not in res.output
    # an engine that cannot be used here is not bad input: exit code 3, one line
    res = run("table", "--engine", "julia", "--d", "1")
    assert res.exit_code in (0, 3), res.output
    if res.exit_code == 3:
        assert "julia" in res.stderr and "Traceback" not in res.output


def test_parity_ticks():
    from linnet_cli.cli.plot import MAX_TICKS, parity_ticks
    for n_c in (1, 2, 5, 9, 17, 33, 245, 641, 977, 1000):
        ticks = parity_ticks(n_c)
        assert ticks[-1] == n_c and all(t % 2 == n_c % 2 for t in ticks), n_c
        assert ticks == sorted(set(ticks)) and len(ticks) <= MAX_TICKS + 1 and ticks[0] == n_c % 2


def test_search_rows_plot_and_resume(tmp_path):
    pytest.importorskip("matplotlib")
    png, out = tmp_path / "h.png", tmp_path / "t.csv"
    res = run("table", "--widths", "1,1,1,1", "--samples", "4", "--search", "8", "--jobs", "1", "--format", "csv",
              "-o", str(out), "--plot", str(png), "-q")
    assert res.exit_code == 0, res.output
    import csv
    r = next(csv.DictReader(out.read_text().splitlines()))
    assert r["published_N_C"] == "16" and r["audit_N_C"] == "mismatch"          # Table 3.2 row 1, from a sweep
    assert int(r["search_max_N_R"]) >= int(r["max_N_R"]) and int(r["search_candidates"]) >= 8
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # rows without a search are computed again when a search is asked for
    plain = tmp_path / "p.csv"
    assert run("table", "--widths", "1,1,1,1", "--samples", "4", "--format", "csv", "-o", str(plain), "-q",
               "--no-bkk").exit_code == 0
    again = run("table", "--widths", "1,1,1,1", "--samples", "4", "--search", "8", "--resume", str(plain), "-q",
                "--no-bkk", "--format", "json")
    assert again.exit_code == 0 and json.loads(again.stdout)["rows"][0]["search_max_N_R"] is not None
