"""linnet table: definitions, a small table end to end, resume, plots and bad configs."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from linnet_cli.cli.main import cli
from linnet_cli.errors import InputError
from linnet_cli.studies.table import RowSpec, compute_row, load_table_spec, reproduced, run_table
from linnet_cli.model.network import Network


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_table_3_1_definition():
    spec = load_table_spec()
    assert len(spec.rows) == 26 and spec.samples == 100
    assert [(r.network.d, r.network.dx, r.network.dy) for r in spec.rows][:4] == [(1, 1, 1), (1, 2, 1), (1, 3, 1), (1, 1, 2)]
    assert spec.rows[-1].network.widths == (2, 3, 3)            # row 26: d = 3, dx = 2, dy = 3
    assert len(spec.published) == 26
    assert spec.histograms == ["2,3,3|m=1"]


def test_row_results_do_not_depend_on_jobs_or_order():
    spec = load_table_spec()
    spec.rows = [RowSpec(Network.uniform(1, 1, 2), 1), RowSpec(Network.uniform(2, 1, 1), 1)]
    spec.samples = 6
    one = run_table(spec, jobs=1, bkk=False)
    two = run_table(spec, jobs=2, bkk=False)
    strip = lambda rs: [(r.N_C, r.N_C_star, r.max_N_R, r.N_R_histogram) for r in rs]  # noqa: E731
    assert strip(one.results) == strip(two.results)
    assert [r.N_C for r in one.results] == [9, 9]
    ok, total = reproduced(one.results, spec)
    assert ok == total == 12                                      # N, CBB, B_C, B_C*, N_C, N_C* per row


def test_compute_row_counts_and_histogram():
    r = compute_row(RowSpec(Network.uniform(2, 2, 2), 1), samples=10, seed=3, bkk=False)
    assert (r.N_C, r.N_C_star, r.samples) == (33, 16, 10)
    assert sum(r.N_R_histogram.values()) == 10 and r.max_N_R == max(r.N_R_histogram)
    assert r.failed_paths == 0 and r.N_C_mismatch_instances == 0
    # the instance with the most real points is certified: every point, every real one
    assert (r.certified_N_C, r.certified_N_C_star, r.certified_max_N_R) == (33, 16, r.max_N_R)
    # here N_R runs 5, 5, 1, 3, 1, 9, ...: the certified instance is the one with 9, not the first with 5
    r = compute_row(RowSpec(Network.uniform(2, 1, 2), 1), samples=10, seed=1, bkk=False)
    assert (r.max_N_R, r.certified_max_N_R, r.certified_N_C) == (9, 9, 33)


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
    assert csv.exit_code == 0 and csv.stdout.splitlines()[0].startswith("d,dx,dy,H,m,N,CBB,BKK,BKK_torus,B_C,B_C_star,N_C")


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


def test_resume_keeps_finished_rows(tmp_path):
    part = tmp_path / "part.csv"
    first = run("table", "--d", "1", "--dx", "1", "--dy", "1", "--samples", "4", "--format", "csv", "-o", str(part),
                "--no-bkk", "-q")
    assert first.exit_code == 0
    text = part.read_text()
    # mark the finished row so that resuming visibly keeps it instead of recomputing it
    header, row = text.splitlines()[:2]
    cols = header.split(",")
    vals = row.split(",")
    vals[cols.index("seconds")] = "123.0"
    part.write_text(header + "\n" + ",".join(vals) + "\n")
    res = run("table", "--d", "1", "--dx", "1", "--dy", "1..2", "--samples", "4", "--resume", str(part),
              "--format", "json", "--no-bkk", "-q")
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)["rows"]
    assert [r["seconds"] for r in rows][0] == 123.0 and rows[1]["dy"] == 2 and rows[1]["seconds"] < 100


def test_plot_png(tmp_path):
    pytest.importorskip("matplotlib")
    png = tmp_path / "h.png"
    res = run("table", "--d", "1..2", "--dx", "1", "--dy", "2", "--samples", "5", "--no-bkk", "-q", "--plot", str(png))
    assert res.exit_code == 0, res.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000


@pytest.mark.parametrize("content,message", [
    ('title = "x"\nfoo = 1\n[sweep]\nd = "1"\n', "unknown key"),
    ('[sweep]\nd = "3..1"\n', "empty range"),
    ('[sweep]\nd = "a"\n', "d: expected an integer"),
    ('[sweep]\nd = "1"\nbar = 2\n', "unknown key"),
    ('samples = 0\n[sweep]\nd = "1"\n', "samples"),
    ('seed = -1\n[sweep]\nd = "1"\n', "seed"),
    ('title = "x"\n', "no rows"),
    ('[[rows]]\nd = 1\n', "missing key"),
    ('[[rows]]\nd = 1\ndx = 1\ndy = 1\nzzz = 2\n', "unknown key"),
    ('[[rows]]\nd = 1\ndx = 1\ndy = 1\nm = "x"\n', "must be integers"),
    ('[[rows]]\nwidths = "1,1,1"\nm = "x"\n', "must be integers"),
    ('[sweep\n', "not valid TOML"),
    ('published = "nope.tsv"\n[sweep]\nd = "1"\n', "published"),
])
def test_bad_configs(tmp_path, content, message):
    path = tmp_path / "t.toml"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        load_table_spec(path)
    res = run("table", str(path))
    assert res.exit_code == 2 and message.split()[0] in res.stderr and "Traceback" not in res.output


def test_bad_table_options(tmp_path):
    for args, msg in ((["--samples", "0"], "samples"), (["--jobs", "0"], "jobs"), (["--resume", str(tmp_path / "x.csv")], "no such file"),
                      (["--d", "1", str(tmp_path / "a.toml")], "not both"), (["--engine", "julia", "--d", "1"], "julia"),
                      (["--distribution", "nope", "--d", "1"], "unknown distribution")):
        res = run("table", *args)
        assert res.exit_code == 2, (args, res.output)
        assert msg in res.stderr and "Traceback" not in res.output


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
