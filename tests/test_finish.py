"""Fit and finish: the distribution's name and metadata, the shipped presets, output that fits an
80-column terminal and a paper, one number format, self-explaining completeness, and the small
frictions of the command line (bare ``linnet``, defaults in --help, --plot checked before the work)."""
from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from linnet_cli.cli.main import cli

ROOT = Path(__file__).resolve().parent.parent


def run80(*args: str, **kw):
    """The command line as an 80-column terminal would have it (rich reads COLUMNS)."""
    return CliRunner().invoke(cli, list(args), env={"COLUMNS": "80"}, **kw)


# -- the distribution ---------------------------------------------------------------------------------

def test_distribution_is_linnet_cli_with_an_spdx_license():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert meta["name"] == "linnet-cli"
    assert meta["license"] == "MIT" and meta["license-files"] == ["LICENSE"]
    assert meta["scripts"] == {"linnet": "linnet_cli.cli.main:main"}
    assert "MIT License" in (ROOT / "LICENSE").read_text()
    # no project.urls without a real address to give
    assert all(not u.startswith(("http://example", "https://example")) for u in meta.get("urls", {}).values())


def test_citation_cites_the_thesis_and_the_paper():
    text = (ROOT / "CITATION.cff").read_text()
    assert text.startswith("cff-version: 1.2.0")
    assert "Critical Points of Deep Linear Networks in C^N" in text and "San Francisco State University" in text
    assert "Complex Critical Points of Deep Linear Neural Networks" in text and "2301.12651" in text
    yaml = pytest.importorskip("yaml")
    cff = yaml.safe_load(text)
    assert {"message", "title", "authors", "type"} <= set(cff) and len(cff["references"]) == 2
    readme = (ROOT / "README.md").read_text()
    assert "Critical Points of Deep Linear Networks in C^N" in readme and "arXiv:2301.12651" in readme


def test_version_and_install_hints_name_the_distribution():
    res = CliRunner().invoke(cli, ["--version"])
    assert res.exit_code == 0 and res.output.startswith("linnet, version ")
    wrong = re.compile(r"""['"]linnet\[""")
    for path in [ROOT / "README.md", *sorted((ROOT / "linnet_cli").rglob("*.py"))]:
        assert not wrong.search(path.read_text()), f"{path}: pip install 'linnet[...]' names another package"


def _build_wheel(tmp_path: Path) -> Path:
    from importlib.metadata import version
    major = int(version("setuptools").split(".")[0]) if _has("setuptools") else 0
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)]
    if major >= 77:        # the build backend pyproject.toml asks for is here: no download
        cmd.insert(5, "--no-build-isolation")
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path)
    unreachable = r"(?i)could not find a version|no matching distribution|network"
    if proc.returncode != 0 and re.search(unreachable, proc.stderr):
        pytest.skip("the build backend (setuptools >= 77) cannot be fetched here")
    assert proc.returncode == 0, proc.stderr
    assert "deprecat" not in (proc.stdout + proc.stderr).lower(), proc.stderr
    return next(tmp_path.glob("linnet_cli-*.whl"))


def _has(module: str) -> bool:
    import importlib.util
    return importlib.util.find_spec(module) is not None


def test_the_wheel_ships_the_presets_and_the_license(tmp_path):
    wheel = _build_wheel(tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    for f in ("table-3.1.toml", "table-3.2.toml", "table-3.1-published.tsv", "table-3.2-published.tsv",
              "distributions.toml"):
        assert f"linnet_cli/configs/{f}" in names, f
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    meta = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "Name: linnet-cli" in meta and "License-Expression: MIT" in meta


# -- presets -------------------------------------------------------------------------------------------

def test_presets_load_the_shipped_tables_wherever_linnet_runs(tmp_path, monkeypatch):
    from linnet_cli.studies.spec import load_preset
    monkeypatch.chdir(tmp_path)          # no configs/ here
    spec = load_preset("3.2")
    assert spec.title == "Table 3.2 (H = 2, m = 1)" and len(spec.rows) == 12 and len(spec.published) == 12
    assert load_preset("3.1").title == "Table 3.1 (H = 1, m = 1)"
    res = CliRunner().invoke(cli, ["table", "configs/table-3.2.toml"])
    assert res.exit_code == 2 and "--preset 3.2" in res.stderr
    res = CliRunner().invoke(cli, ["table", "--preset", "3.2", "--d", "2"])
    assert res.exit_code == 2 and "--preset" in res.stderr
    assert "--preset [3.1|3.2]" in CliRunner().invoke(cli, ["table", "--help"]).output


# -- a table that fits 80 columns ----------------------------------------------------------------------

#: linnet's BKK* (mixed volume without the origin) of Table 3.1's rows (`linnet bounds`).
BKK_TORUS_31 = [4, 8, 12, 8, 32, 72, 12, 72, 244, 16, 64, 144, 64, 1024, 5184, 144, 5184, 59536, 64, 512, 1728, 512,
                32768, 373248, 1728, 373248]


def _table31_run(samples: int = 100):
    """A run of Table 3.1 built from the published values (nothing computed), with linnet's max N_R of
    seed 31 in rows 10 (5: the published 4 is impossible) and 26 (15: sampling)."""
    from linnet_cli.checks.bounds import BoundsRow
    from linnet_cli.studies.compute import RowResult
    from linnet_cli.studies.run import TableRun
    from linnet_cli.studies.spec import load_preset
    spec = load_preset("3.1")
    rows = []
    with (ROOT / "configs" / "table-3.1-published.tsv").open() as fh:
        for p in csv.DictReader(fh, delimiter="\t"):
            p = {k: int(v) for k, v in p.items()}
            max_nr = {10: 5, 26: 15}.get(p["no"], p["maxNR"])
            torus = BKK_TORUS_31[p["no"] - 1]
            b = BoundsRow(p["d"], p["dx"], p["dy"], 1, 1, p["N"], p["CBB"], p["BKK"], torus, p["BC"], p["BCstar"],
                          (p["dx"],) + (p["d"],) + (p["dy"],))
            rows.append(RowResult(b, p["NC"], p["NCstar"], max_nr, samples, 0, 1.0, {max_nr: samples}, 0, 0, 0, 10,
                                  completeness="trace test"))
    return spec, TableRun(spec, rows)


def _numbers_of(text: str) -> set[str]:
    return set(re.findall(r"\d[\d,]*", text))


def test_table_31_at_80_columns_cuts_no_number(tmp_path):
    spec, run = _table31_run()
    saved = tmp_path / "t.json"
    saved.write_text(json.dumps(run.to_dict()))
    res = run80("table", "--resume", str(saved), "--histograms", "none", "-q")
    assert res.exit_code == 0, res.output
    out = res.stdout
    assert "…" not in out and max(len(line) for line in out.splitlines()) <= 80
    lines = out.splitlines()
    for k, r in enumerate(run.results, 1):
        line = next(ln for ln in lines if re.match(rf"\s*{k}\s+{r.d}\s+{r.dx}\s+{r.dy}\s", ln))
        for v in (r.N_C, r.N_C_star, r.N, r.BKK, r.B_C, r.B_C_star):
            assert f"{v:,}" in _numbers_of(line), (k, v, line)
    assert "5 (4 ‼)" in out and "15 (27 ~)" in out
    # CBB (14,348,907 ✓ is the widest cell) gives way first, and the caption says so
    assert "Hidden to fit the width: CBB" in " ".join(out.split()) and "--columns all" in out


def test_columns_all_and_a_choice(tmp_path):
    spec, run = _table31_run()
    saved = tmp_path / "t.json"
    saved.write_text(json.dumps(run.to_dict()))
    res = run80("table", "--resume", str(saved), "--histograms", "none", "-q", "--columns", "all")
    assert res.exit_code == 0 and "…" not in res.stdout
    assert max(len(line) for line in res.stdout.splitlines()) <= 80
    assert "14,348,907 ✓" in res.stdout and "Hidden" not in res.stdout      # split over several tables
    res = run80("table", "--resume", str(saved), "--histograms", "none", "-q", "--columns", "N_C,max N_R")
    head = next(ln for ln in res.stdout.splitlines() if ln.lstrip().startswith("#"))
    assert head.split() == ["#", "d", "dx", "dy", "N_C", "max", "N_R"]
    res = run80("table", "--resume", str(saved), "--columns", "nope")
    assert res.exit_code == 2 and "unknown column 'nope'" in res.stderr
    res = run80("table", "--resume", str(saved), "--columns", "N_C", "--format", "csv")
    assert res.exit_code == 2 and "csv and json always hold every column" in res.stderr


def test_bounds_at_80_columns_cuts_no_number():
    from linnet_cli.checks.bounds import bounds_row
    from linnet_cli.studies.spec import load_preset
    res = run80("bounds", "-q")
    assert res.exit_code == 0, res.output
    assert "…" not in res.stdout and max(len(line) for line in res.stdout.splitlines()) <= 80
    printed = _numbers_of(res.stdout)
    for row in load_preset("3.1").rows:
        b = bounds_row(row.network, bkk=False)
        for v in (b.N, b.CBB, b.B_C, b.B_C_star):
            assert f"{v:,}" in printed


def test_show_solutions_wraps_coordinates_instead_of_cutting_them():
    import linnet_cli as ln
    from rich.console import Console

    from linnet_cli.cli.render import _coordinate, solve_view
    res = ln.solve(ln.Network.uniform(d=2, dx=2, dy=2), seed=1)
    con = Console(width=80, record=True, file=io.StringIO())
    con.print(solve_view(res, show_solutions=True))
    text = con.export_text()
    assert "…" not in text and max(len(line) for line in text.splitlines()) <= 80
    tokens = set(re.findall(r"(w\d+_\d+_\d+)=(\S+)", text))
    names = res.instance.network.variable_names()
    for p in res.points:
        for n, v in zip(names, p.w):
            assert (n, _coordinate(v, p.is_real)) in tokens


# -- one number format ---------------------------------------------------------------------------------

def test_counts_get_separators_seeds_and_csv_do_not():
    import linnet_cli as ln
    from rich.console import Console

    from linnet_cli.cli.render import fmt, solve_summary
    assert (fmt(59049), fmt(531441), fmt(2097153), fmt(999)) == ("59,049", "531,441", "2,097,153", "999")
    res = ln.solve(ln.Network.uniform(d=2, dx=2, dy=2), seed=2077345833)
    con = Console(width=100, record=True, file=io.StringIO())
    con.print(solve_summary(res))
    panel = con.export_text()
    assert "2077345833" in panel and "2,077,345,833" not in panel
    assert "6,561" in panel and "1,089" in panel
    frame_csv = res.to_frame().to_csv(index=False)
    rows = list(csv.DictReader(frame_csv.splitlines()))
    morse = [r["morse_index"] for r in rows]
    assert all(m == "" or re.fullmatch(r"\d+", m) for m in morse) and "2" in morse
    assert str(res.to_frame()["morse_index"].dtype) == "Int64"
    assert all(r["seed"] == "2077345833" for r in rows)


def test_drawn_seed_is_the_same_on_stderr_and_in_the_panel():
    res = CliRunner().invoke(cli, ["solve", "--d", "1", "--dx", "1", "--dy", "1"])
    seed = re.search(r"seed (\d+) \(drawn", res.stderr).group(1)
    assert re.search(rf"seed\s+{seed}\b", res.stdout)


# -- completeness --------------------------------------------------------------------------------------

def test_completeness_gives_residual_tolerance_and_margins():
    from linnet_cli.homotopy import trace_test
    from linnet_cli.checks.completeness import DETECT_REQUIRED
    assert DETECT_REQUIRED == trace_test.DETECT_MARGIN
    res = CliRunner().invoke(cli, ["solve", "--d", "2", "--dx", "2", "--dy", "2", "--seed", "1", "--format", "json"])
    c = json.loads(res.stdout)["completeness"]
    t = c["trace_test"]
    assert t["passed"] == t["tested"] >= 1
    assert t["residual"] < t["tolerance"]
    assert t["residual_below_tolerance"] == pytest.approx(t["tolerance"] / t["residual"])
    assert t["detection_margin"] >= t["detection_required"] == DETECT_REQUIRED
    for part in c["parts"]:
        if part["status"] == "trace test":
            assert {"residual", "tolerance", "residual_below_tolerance", "detection_margin"} <= set(part)
            assert part["residual"] <= part["tolerance"] and part["detection_margin"] >= DETECT_REQUIRED
    res = run80("solve", "--d", "2", "--dx", "2", "--dy", "2", "--seed", "1")
    panel = " ".join(res.stdout.split())
    assert "passed on" in panel and "tolerance" in panel and "needed" in panel and "below" in panel


# -- paper formats -------------------------------------------------------------------------------------

def test_latex_table_is_booktabs_with_the_thesis_names_and_notes():
    from linnet_cli.cli.paper import table_paper
    spec, run = _table31_run()
    tex = table_paper(run).latex()
    for rule in (r"\toprule", r"\midrule", r"\bottomrule"):
        assert tex.count(rule) == 1
    assert r"$N_{\mathbb{C}}$" in tex and r"$N_{\mathbb{C}^*}$" in tex and r"$B_{\mathbb{C}}$" in tex
    assert "14,348,907" in tex and "$^{a}$" in tex and "$^{b}$" in tex and "impossible" in tex
    head = tex.split(r"\toprule")[1].split(r"\midrule")[0]
    assert "spurious" not in head and "failed" not in head      # the thesis's columns only
    md = table_paper(run).markdown()
    assert "| N_C\\* |" in md and "[^a]:" in md and "15[^b]" in md


def test_latex_table_compiles(tmp_path):
    if not shutil.which("pdflatex"):
        pytest.skip("pdflatex is not installed (apt-get install texlive-latex-base texlive-latex-recommended)")
    from linnet_cli.cli.paper import table_paper
    spec, run = _table31_run()
    (tmp_path / "t.tex").write_text(table_paper(run).latex())
    (tmp_path / "doc.tex").write_text("\\documentclass{article}\n\\usepackage{booktabs}\n\\usepackage{amssymb}\n"
                                      "\\begin{document}\n\\input{t.tex}\n\\end{document}\n")
    proc = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert (tmp_path / "doc.pdf").exists() and "Overfull" not in proc.stdout


def test_bounds_markdown_and_latex(tmp_path):
    res = CliRunner().invoke(cli, ["bounds", "--d", "1..2", "--dx", "1", "--dy", "1", "--no-bkk", "--format", "latex"])
    assert res.exit_code == 0 and r"\toprule" in res.stdout and r"$B_{\mathbb{C}^*}$" in res.stdout
    res = CliRunner().invoke(cli, ["bounds", "--d", "3", "--dx", "3", "--dy", "3", "--no-bkk", "--format", "markdown"])
    assert "| 387,420,489 |" in res.stdout and "| d_x |" in res.stdout


# -- small frictions -----------------------------------------------------------------------------------

def test_bare_linnet_prints_its_help_with_the_glossary():
    res = CliRunner().invoke(cli, [])
    assert res.exit_code == 0 and "Usage: " in res.output and "Error" not in res.output
    for term in ("N_C*", "N_R", "CBB", "BKK", "B_C, B_C*", "trace test", "rank test", "not verified", "proven"):
        assert term in res.output
    assert "..." not in res.output.split("Commands:")[1].split("Terms:")[0]


def test_help_gives_defaults():
    out = CliRunner().invoke(cli, ["solve", "--help"], terminal_width=200).output
    for opt in ("--d", "--dx", "--dy"):
        assert re.search(rf"{opt} INT\s+.*\[default: 2\]", out), opt
    assert "(value)" not in out
    out = CliRunner().invoke(cli, ["bounds", "--help"], terminal_width=200).output
    assert re.search(r"--dx RANGE\s+.*\[default: 1\.\.3\]", out)


def test_no_hidden_layer_gets_its_bkk_bound():
    res = CliRunner().invoke(cli, ["solve", "--H", "0", "--d", "2", "--dx", "2", "--dy", "2", "--seed", "1",
                                   "--format", "json"])
    assert json.loads(res.stdout)["bounds"]["BKK"] == 1


def test_plot_without_matplotlib_is_refused_before_the_work(monkeypatch, tmp_path):
    import importlib.util

    from linnet_cli.studies import run as table_mod
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "matplotlib" else real(name, *a))
    monkeypatch.setattr(table_mod, "run_table", lambda *a, **k: pytest.fail("the table was computed"))
    res = CliRunner().invoke(cli, ["table", "--d", "1", "--dx", "1", "--dy", "1", "--plot", str(tmp_path / "h.png")])
    assert res.exit_code == 2 and "needs matplotlib" in res.stderr and "linnet-cli[plot]" in res.stderr


def test_plot_has_a_legend_and_fits_each_panel(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    import matplotlib.figure

    from linnet_cli.cli import plot
    spec, run = _table31_run()
    seen = {}
    real = matplotlib.figure.Figure.savefig

    def keep(fig, *a, **k):
        seen["fig"] = fig
        return real(fig, *a, **k)
    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", keep)
    plot.plot_histograms(run.results, tmp_path / "h.png", spec.title, spec.histograms, spec.published)
    fig = seen["fig"]
    assert fig.legends and "published max N_R" in [t.get_text() for t in fig.legends[0].get_texts()]
    row26 = fig.axes[25]
    assert row26.get_xlim()[1] < 40          # fitted to 27 (published), not to N_C = 245
    texts = [t for t in row26.texts if t.get_text().startswith("published")]
    assert texts and texts[0].get_position()[1] > max(p.get_height() for p in row26.patches) / row26.get_ylim()[1]
    assert (tmp_path / "h.png").stat().st_size > 10_000
