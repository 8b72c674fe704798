"""A table run: its rows do not depend on jobs or order, its comparison with the published values, and
resuming from what an earlier run wrote."""
from __future__ import annotations

import json

from click.testing import CliRunner

from linnet_cli.cli.main import cli
from linnet_cli.model.network import Network
from linnet_cli.studies.audit import reproduced
from linnet_cli.studies.rows import RowSpec
from linnet_cli.studies.run import run_table
from linnet_cli.studies.spec import load_table_spec


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


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
    assert one.reproduced() == two.reproduced() == (ok, total) and one.to_dict()["reproduced"] == ok


def test_parallel_rows_report_their_progress():
    spec = load_table_spec()
    spec.rows, spec.samples = [RowSpec(Network((1, 1, 1)), 1), RowSpec(Network((1, 2, 1)), 1)], 3
    seen: list[tuple[str, int, int]] = []
    done = run_table(spec, jobs=2, bkk=False, progress=lambda *p: seen.append(p))
    assert done.complete and [r.key for r in done.results] == ["1,1,1|m=1", "1,2,1|m=1"]
    assert {(key, n, total) for key, n, total in seen if n == total} == {("1,1,1|m=1", 3, 3), ("1,2,1|m=1", 3, 3)}


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
