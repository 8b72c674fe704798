"""Conjectures about the atlas (linnet_cli/atlas/conjectures.py) and the commands `linnet atlas check` and
`linnet atlas report` (linnet_cli/cli/commands/atlas_findings.py), on an atlas of computed counts: Table
3.1's 26 rows (as published, which linnet reproduces), rows with m = 2, 3 of one hidden layer computed by
`linnet table`, rows of two and three hidden layers computed by `linnet atlas run` (N ≤ 6), d = d_x = d_y = 4
(1,921 points), one disputed and one unverified row.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from cli_helpers import error_line
from linnet_cli.atlas import conjectures as cj
from linnet_cli.errors import InputError

ROOT = Path(__file__).resolve().parent.parent

#: (widths, m, N_C, N_C*) with m = 2, 3, computed by `linnet table --d 1..2 --dx 1..3 --dy 1..3 --m 1..3`
#: (every row verified by the trace test).
COMPUTED = [("1,1,1", 2, 5, 4), ("1,1,1", 3, 5, 4), ("2,1,1", 2, 9, 8), ("2,1,1", 3, 9, 8), ("3,1,1", 2, 9, 8),
            ("3,1,1", 3, 13, 12), ("1,1,2", 2, 9, 8), ("1,1,2", 3, 9, 8), ("2,1,2", 2, 17, 16), ("2,1,2", 3, 17, 16),
            ("3,1,2", 2, 17, 16), ("3,1,2", 3, 25, 24), ("1,1,3", 2, 13, 12), ("1,1,3", 3, 13, 12),
            ("2,1,3", 2, 25, 24), ("2,1,3", 3, 25, 24), ("3,1,3", 2, 25, 24), ("3,1,3", 3, 37, 36),
            ("1,2,1", 2, 9, 0), ("1,2,1", 3, 9, 0), ("2,2,1", 2, 33, 16), ("2,2,1", 3, 33, 16), ("3,2,1", 2, 33, 16),
            ("3,2,1", 3, 73, 48), ("1,2,2", 2, 33, 16), ("1,2,2", 3, 33, 16), ("2,2,2", 2, 225, 192),
            ("2,2,2", 3, 225, 192), ("3,2,2", 2, 225, 192), ("3,2,2", 3, 705, 656), ("1,2,3", 2, 73, 48),
            ("1,2,3", 3, 73, 48), ("2,2,3", 2, 705, 656), ("2,2,3", 3, 705, 656), ("3,2,3", 2, 705, 656),
            ("3,2,3", 3, 2537, 2464)]

#: (widths, m, N_C, N_C*) of two and three hidden layers, m ≤ 3, computed by an atlas run with N ≤ 6 and seeds 1, 2
#: (every row verified by the trace test).
DEEP = [("1,1,1,1", 1, 17, 16), ("1,1,1,1", 2, 17, 16), ("1,1,1,1", 3, 17, 16), ("1,1,1,2", 1, 33, 32),
        ("1,1,1,2", 2, 33, 32), ("1,1,1,2", 3, 33, 32), ("2,1,1,1", 1, 17, 16), ("2,1,1,1", 2, 33, 32),
        ("2,1,1,1", 3, 33, 32), ("1,1,1,1,1", 1, 49, 48), ("1,1,1,1,1", 2, 49, 48), ("1,1,1,1,1", 3, 49, 48),
        ("1,1,1,3", 1, 49, 48), ("1,1,1,3", 2, 49, 48), ("1,1,1,3", 3, 49, 48), ("1,1,2,1", 1, 33, 0),
        ("1,1,2,1", 2, 33, 0), ("1,1,2,1", 3, 33, 0), ("1,2,1,1", 1, 33, 0), ("1,2,1,1", 2, 33, 0),
        ("1,2,1,1", 3, 33, 0), ("2,1,1,2", 1, 33, 32), ("2,1,1,2", 2, 81, 80), ("2,1,1,2", 3, 81, 80),
        ("3,1,1,1", 1, 17, 16), ("3,1,1,1", 2, 33, 32), ("3,1,1,1", 3, 49, 48), ("1,1,1,1,2", 1, 97, 96),
        ("1,1,1,1,2", 2, 97, 96), ("1,1,1,1,2", 3, 97, 96), ("2,1,1,1,1", 1, 49, 48), ("2,1,1,1,1", 2, 97, 96),
        ("2,1,1,1,1", 3, 97, 96), ("1,1,1,4", 1, 65, 64), ("1,1,1,4", 2, 65, 64), ("1,1,1,4", 3, 65, 64),
        ("1,2,1,2", 1, 65, 0), ("1,2,1,2", 2, 65, 0), ("1,2,1,2", 3, 65, 0), ("2,1,1,3", 1, 49, 48),
        ("2,1,1,3", 2, 129, 128), ("2,1,1,3", 3, 129, 128), ("2,1,2,1", 1, 33, 0), ("2,1,2,1", 2, 65, 0),
        ("2,1,2,1", 3, 65, 0), ("3,1,1,2", 1, 33, 32), ("3,1,1,2", 2, 81, 80), ("3,1,1,2", 3, 129, 128),
        ("4,1,1,1", 1, 17, 16), ("4,1,1,1", 2, 33, 32), ("4,1,1,1", 3, 49, 48), ("1,1,1,1,3", 1, 145, 144),
        ("1,1,1,1,3", 2, 145, 144), ("1,1,1,1,3", 3, 145, 144), ("1,1,1,2,1", 1, 97, 0), ("1,1,1,2,1", 2, 97, 0),
        ("1,1,1,2,1", 3, 97, 0), ("1,1,2,1,1", 1, 97, 0), ("1,1,2,1,1", 2, 97, 0), ("1,1,2,1,1", 3, 97, 0),
        ("1,2,1,1,1", 1, 97, 0), ("1,2,1,1,1", 2, 97, 0), ("1,2,1,1,1", 3, 97, 0), ("2,1,1,1,2", 1, 97, 96),
        ("2,1,1,1,2", 2, 257, 256), ("2,1,1,1,2", 3, 257, 256), ("3,1,1,1,1", 1, 49, 48), ("3,1,1,1,1", 2, 97, 96),
        ("3,1,1,1,1", 3, 145, 144)]


def _published(name: str) -> list[tuple[str, int, int, int, int | None]]:
    """(widths, m, N_C, N_C*, BKK) of a shipped table of published values."""
    with (ROOT / "configs" / name).open() as fh:
        rows = [{k: int(v) for k, v in r.items()} for r in csv.DictReader(fh, delimiter="\t")]
    return [(",".join(map(str, [r["dx"], *[r["d"]] * r.get("H", 1), r["dy"]])), r.get("m", 1), r["NC"], r["NCstar"],
             r["BKK"]) for r in rows]


def atlas_records() -> list[dict]:
    """Rows of the test atlas, in the columns of linnet_cli.atlas.dataset."""
    from linnet_cli.atlas.dataset import COLUMNS
    from linnet_cli.checks.bounds import bezout, one_layer_bounds
    from linnet_cli.model.network import Network
    rows = _published("table-3.1-published.tsv")
    rows += [(w, m, a, b, None) for w, m, a, b in COMPUTED + DEEP] + [("4,4,4", 1, 1921, 256, None)]
    out = []
    for widths, m, nc, ns, bkk in rows + [("2,3,2", 2, None, None, None), ("3,3,3", 1, 245, 64, None)]:
        net = Network(tuple(int(w) for w in widths.split(",")))
        b_c, b_cs = one_layer_bounds(net, m)
        status = {("2,3,2", 2): "disputed", ("3,3,3", 1): "not verified"}.get((widths, m), "verified")
        completeness = "not verified" if status != "verified" else "trace test"
        rec = {c: None for c in COLUMNS}
        rec.update(widths=widths, dx=net.dx, hidden=",".join(map(str, net.hidden)), dy=net.dy, H=net.H, N=net.N, m=m,
                   spot_check=m > net.dx, status=status, N_C=nc, N_C_star=ns, completeness=completeness,
                   why={"disputed": "the seeds' counts differ", "not verified": "monodromy reached its loop limit"}
                   .get(status, ""), seeds="1", N_C_by_seed="" if nc is None else str(nc),
                   N_C_star_by_seed="" if ns is None else str(ns), completeness_by_seed=completeness,
                   failed_paths=0, paths_tracked=0, seconds=0.0, patterns="{}", CBB=bezout(net), BKK=bkk,
                   B_C=b_c, B_C_star=b_cs, real_samples=0, N_R_histogram="", linnet_version="test", engine="native")
        out.append(rec)
    return out


def make_atlas(directory: Path) -> Path:
    """Write the test atlas into ``directory`` (as `linnet atlas run` writes one) and return it."""
    from linnet_cli.atlas.budget import AtlasBudget
    from linnet_cli.atlas.dataset import AtlasDirectory, Settings
    atlas = AtlasDirectory.open(directory, Settings(AtlasBudget(max_N=16), seeds=(1,)))
    try:
        atlas.rows.update({(rec["widths"], rec["m"]): rec for rec in atlas_records()})   # checked as written
        atlas.write(complete=True, seconds=12.5)
    finally:
        atlas.close(complete=True)
    return directory


@pytest.fixture(scope="module")
def atlas_dir(tmp_path_factory) -> Path:
    return make_atlas(tmp_path_factory.mktemp("atlas") / "atlas")


@pytest.fixture(scope="module")
def frame(atlas_dir):
    from linnet_cli.atlas.dataset import load_atlas
    return load_atlas(atlas_dir)


@pytest.fixture(scope="module")
def reports(frame):
    return {r.name: r for r in cj.check_conjectures(frame)}


# ------------------------------------------------------------------------------------------ the language

@pytest.mark.parametrize("text,value", [
    ("binomial(dy, d) * 4^d", 48),                  # ^ is a power, above *: C(3, 2)·4² (not (3·4)²)
    ("binomial(dy, d) * 4**d", 48),
    ("Sum(binomial(d, r) * binomial(dy, r) * 4^r, (r, 0, min(d, dy)))", 73),
    ("Product(w1 + k, (k, 1, 2))", 12),
    ("max(dx, m) + N // 4 - abs(1 - m) + factorial(3)", 2 + 2 - 0 + 6),
    ("d_x + d_y", 5),
])
def test_expressions_have_their_exact_value(text, value):
    expr = cj.parse_expression(text)
    assert cj._evaluate(expr, cj.row_values((2, 2, 3), 1)) == value


@pytest.mark.parametrize("text,words", [
    ("foo + 1", "unknown name 'foo'"),
    ("N_C.real", "attributes (a.b) not allowed"),
    ("__import__('os').system('true')", "attributes (a.b) not allowed"),
    ("__import__('os')", "unknown function '__import__'"),
    ("(lambda: 1)()", "lambda not allowed"),
    ("widths[0]", "subscripts (a[b]) not allowed"),
    ("'text'", "'text' is not a number"),
    ("N_C = 5", "write == for equality"),
    ("4 * r", "r is a summation index"),
    ("Sum(q, (q, 0, 3))", "write Sum(term, (r, lo, hi))"),
    ("binomial(d)", "binomial takes 2 argument(s), not 1"),
    ("min", "min is a function"),
    ("sympy.core", "attributes (a.b) not allowed"),
    ("d @ d", "the operator MatMult is not allowed"),
    ("binomial(3, 1 < 2)", "1 < 2 is a truth value where a number is needed"),
    ("1 + (N_C > 2)", "N_C > 2 is a truth value where a number is needed"),
    ("-(1 < 2)", "1 < 2 is a truth value where a number is needed"),
    ("min(1, True)", "True is a truth value where a number is needed"),
    ("Sum(r, (r, 0, d < 2))", "d < 2 is a truth value where a number is needed"),
    ("(N_C <= 2) < 3", "N_C <= 2 is a truth value where a number is needed"),
    ("H == 1 and 2", "2 is a number where a truth value is needed"),
    ("not m", "m is a number where a truth value is needed"),
])
def test_anything_outside_the_language_is_one_input_error(text, words):
    with pytest.raises(InputError) as info:
        cj.parse_expression(text, "claim 1")
    assert words in str(info.value) and str(info.value).startswith("claim 1: ")


def test_d_and_the_widths_by_position_are_defined_only_where_they_exist():
    values = cj.row_values((2, 3, 1, 2), 1)
    assert values["d"] is None and (values["w1"], values["w2"], values["w3"]) == (3, 1, 2) and "w4" not in values
    assert cj.row_values((2, 3, 3, 2), 1)["d"] == 3


# ------------------------------------------------------------------------------------------ the file

def test_the_shipped_file_loads_in_its_order():
    got = [(c.kind, c.name) for c in cj.load_conjectures()]
    assert got[0] == ("conjecture", "one hidden layer, one data point")
    assert ("invariance", "min(d_x, m) rule") in got and ("invariance", "reversal") in got


@pytest.mark.parametrize("text,words", [
    ("[[conjecture]\nname = 'x'", "not valid TOML"),
    ("[[guess]]\nname = 'x'", "unknown table(s) guess"),
    ("[[conjecture]]\nname = 'x'\nstatement = 's'", "missing claims"),
    ("[[conjecture]]\nname = 'x'\nstatement = 's'\nclaims = ['N_C == 1']\ncolour = 'red'", "unknown key(s) colour"),
    ("[[conjecture]]\nname = 'x'\nstatement = 's'\nclaims = ['N_C + 1']", "a claim is one comparison"),
    ("[[conjecture]]\nname = 'x'\nstatement = 's'\nclaims = ['N_C == nope']", "unknown name 'nope'"),
    ("[[conjecture]]\nname = 'x'\nstatement = 's'\nscope = 'H + 1'\nclaims = ['N_C == 1']", "is not a condition"),
    ("[[conjecture]]\nname = 'x'\nstatement = 's'\nclaims = []", "claims must be a non-empty list"),
    ("[[invariance]]\nname = 'x'\nstatement = 's'\nkey = ['dy']\ncolumns = ['NC']", "unknown column(s) NC"),
    ("[[invariance]]\nname = 'x'\nstatement = 's'\nkey = ['m == 1']\ncolumns = ['N_C']", "a key is a value"),
    ("[[conjecture]]\nname = 'x'\nstatement = 's'\nclaims = ['N_C == 1']\n"
     "[[conjecture]]\nname = 'x'\nstatement = 't'\nclaims = ['N_C == 2']", "the name is used twice"),
])
def test_a_malformed_file_is_one_input_error(tmp_path, text, words):
    path = tmp_path / "mine.toml"
    path.write_text(text)
    with pytest.raises(InputError) as info:
        cj.load_conjectures(path)
    assert words in str(info.value) and str(path) in str(info.value)


def test_a_file_adds_conjectures_and_replaces_those_of_its_names(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text("[[conjecture]]\nname = 'Bézout bound'\nstatement = 'stricter'\nclaims = ['N_C < CBB']\n"
                    "[[conjecture]]\nname = 'new'\nstatement = 's'\nclaims = ['N_C >= 1']\n")
    shipped = [c.name for c in cj.load_conjectures()]
    both = cj.load_conjectures(path)
    assert [c.name for c in both] == shipped + ["new"]
    replaced = next(c for c in both if c.name == "Bézout bound")
    assert isinstance(replaced, cj.Conjecture) and replaced.claims[0].op == "<" and replaced.source == str(path)
    assert [c.name for c in cj.load_conjectures(path, shipped=False)] == ["Bézout bound", "new"]
    with pytest.raises(InputError, match="cannot read conjectures file"):
        cj.load_conjectures(tmp_path / "missing.toml")


# ------------------------------------------------------------------------------------------ the verdicts

def test_the_one_layer_formulas_hold_on_every_verified_row_with_m_1(reports):
    r = reports["one hidden layer, one data point"]
    # Table 3.1's 26 rows and d = d_x = d_y = 4 (1,921 and 256); 3,3,3 is not verified, so not checked
    assert (r.verdict, r.rows_in_scope, r.rows_checked, r.rows_held) == ("holds", 28, 27, 27)
    assert r.skipped == {"not verified": 1} and not r.counterexamples


def test_the_bounds_hold_where_they_apply(reports):
    assert reports["thesis bounds B_C, B_C*"].rows_checked == 27
    bez = reports["Bézout bound"]
    assert (bez.verdict, bez.rows_checked) == ("holds", 26 + len(COMPUTED) + len(DEEP) + 1)
    assert bez.skipped == {"disputed": 1, "not verified": 1}
    bkk = reports["BKK bounds"]   # the test atlas has BKK (published) but no BKK*: nothing to check
    assert bkk.verdict == "untested" and bkk.skipped == {"BKK_torus is empty": 26, "BKK is empty": len(COMPUTED)
                                                         + len(DEEP) + 1, "disputed": 1, "not verified": 1}


def test_a_false_conjecture_fails_with_its_first_counterexamples(frame):
    false = cj.read_conjectures("[[conjecture]]\nname = 'guess'\nstatement = 's'\nscope = 'H == 1'\n"
                                "claims = ['N_C == 2^N + 1']", "mine.toml")
    (r,) = cj.check_conjectures(frame, false)
    rows = frame[(frame["H"] == 1) & (frame["status"] == "verified")]
    wrong = [(w, int(m), int(nc)) for w, m, nc, n in zip(rows["widths"], rows["m"], rows["N_C"], rows["N"])
             if nc != 2 ** n + 1]
    assert r.verdict == "fails" and r.rows_failed == len(wrong) and r.rows_held == len(rows) - len(wrong) > 0
    assert len(r.counterexamples) == cj.MAX_COUNTEREXAMPLES
    first = r.counterexamples[0]
    assert (first.widths, first.m, first.observed) == wrong[0] and first.predicted == 2 ** frame.loc[
        (frame["widths"] == first.widths) & (frame["m"] == first.m), "N"].iloc[0] + 1


def test_the_min_dx_m_rule_holds_on_the_groups_it_can_test(reports, frame):
    r = reports["min(d_x, m) rule"]
    ok = frame[frame["status"] == "verified"]
    keys = {}
    for w, h, dy, dx, m in zip(ok["widths"], ok["hidden"], ok["dy"], ok["dx"], ok["m"]):
        keys.setdefault((h, dy, min(dx, m)), []).append(w)
    groups = [g for g in keys.values() if len(g) > 1]
    assert (r.verdict, r.groups_tested, r.groups_held) == ("holds", len(groups), len(groups))
    assert r.rows_checked == sum(map(len, groups))


def test_reversal_fails_below_the_wider_end_and_holds_with_m_at_least_both_ends(reports):
    r = reports["reversal"]
    assert r.verdict == "fails"
    pairs = {(e.widths, e.m, e.claim.split(" as on ")[1]) for e in r.counterexamples}
    assert ("2,1,1", 1, "1,1,2 m=1") in pairs or ("1,1,2", 1, "2,1,1 m=1") in pairs   # 5 against 9 points
    full = reports["reversal, m at least both ends"]
    assert full.verdict == "holds" and full.groups_tested and full.groups_tested >= 8


def test_unequal_hidden_widths_have_no_d(frame):
    import pandas as pd
    row = pd.DataFrame({"widths": ["2,3,1,2"], "m": [1], "status": ["verified"], "N_C": [5]})
    (r,) = cj.check_conjectures(row, cj.read_conjectures(
        "[[conjecture]]\nname = 'd'\nstatement = 's'\nclaims = ['N_C >= d']", "mine.toml"))
    assert r.verdict == "untested" and r.skipped == {"d is undefined (the hidden widths differ)": 1}


def test_a_frame_without_the_columns_is_refused():
    import pandas as pd
    with pytest.raises(InputError, match="no column status"):
        cj.check_conjectures(pd.DataFrame({"widths": ["1,1,1"], "m": [1]}))


# ------------------------------------------------------------------------------------------ the commands

def _group() -> click.Group:
    """`linnet atlas` with the two commands (the group of linnet_cli/cli/commands/atlas.py adds them)."""
    from linnet_cli.cli.commands.atlas_findings import check, report
    from linnet_cli.cli.main import LinnetGroup
    return LinnetGroup(name="atlas", commands={"check": check, "report": report})


def atlas_cli(*args: str):
    return CliRunner().invoke(_group(), list(args))


def test_check_prints_the_verdicts_and_the_counterexamples(atlas_dir):
    res = atlas_cli("check", str(atlas_dir))
    assert res.exit_code == 0, res.output
    assert "one hidden layer, one data point: holds" in res.stdout and "reversal: fails" in res.stdout
    assert "counterexamples:" in res.stdout


def _reversal_counterexamples(frame) -> int:
    """The rows and columns that differ from the first row of their group (widths up to reversal, m)."""
    groups: dict = {}
    for rec in frame[frame["status"] == "verified"].to_dict("records"):
        widths = tuple(int(w) for w in rec["widths"].split(","))
        groups.setdefault((min(widths, widths[::-1]), rec["m"]), []).append(rec)
    return sum(rec[col] != members[0][col] for members in groups.values() for rec in members[1:]
               for col in ("N_C", "N_C_star"))


def test_check_at_80_columns_says_what_it_shows_with_every_word_whole(atlas_dir, reports, frame):
    """COLUMNS=80: no line is longer, no word is cut (every word of every name, claim, scope and reason is
    there whole); an invariance's groups are under its rows (tested, holding, failing), and the heading of
    the counterexamples counts counterexamples (rows and columns), not the rows that fail."""
    import re
    res = CliRunner().invoke(_group(), ["check", str(atlas_dir)], env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    assert max(len(line) for line in res.stdout.splitlines()) <= 80 and "…" not in res.stdout
    words = set(res.stdout.split())
    for r in reports.values():
        for text in [r.name, r.scope, *r.claims, *(f"{why}: {n:,}" for why, n in r.skipped.items())]:
            assert set(text.split()) <= words, text
    invariances = [r for r in reports.values() if r.kind == "invariance"]
    assert len(invariances) == 3
    for r in invariances:
        assert r.groups_tested is not None and r.groups_held is not None
        assert re.search(rf"^ +groups +{r.groups_tested:,} +{r.groups_held:,} +{r.groups_tested - r.groups_held:,} *$",
                         res.stdout, re.M), r.name
    rev = reports["reversal"]
    assert rev.n_counterexamples == _reversal_counterexamples(frame) != rev.rows_failed
    assert f"The first {cj.MAX_COUNTEREXAMPLES} of {rev.n_counterexamples:,} counterexamples:" in res.stdout


def test_a_report_prints_its_verdict(reports):
    rev = reports["reversal"]
    assert rev.groups_tested is not None and rev.groups_held is not None
    assert str(rev) == (f"reversal: fails on {rev.rows_failed:,} of {rev.rows_checked:,} rows checked "
                        f"({rev.groups_tested - rev.groups_held:,} of {rev.groups_tested:,} groups); "
                        f"{rev.rows_skipped:,} skipped")
    assert str(reports["one hidden layer, one data point"]) == ("one hidden layer, one data point: holds on 27 of 27 "
                                                                "rows checked; 1 skipped")
    bkk = reports["BKK bounds"]
    assert str(bkk) == f"BKK bounds: untested, no row checked; {bkk.rows_in_scope:,} skipped"


def test_check_as_json_and_markdown(atlas_dir, tmp_path):
    out = tmp_path / "check.json"
    assert atlas_cli("check", str(atlas_dir), "--format", "json", "-o", str(out)).exit_code == 0
    data = json.loads(out.read_text())
    by_name = {c["name"]: c for c in data["conjectures"]}
    assert data["schema"] == "linnet.atlas-check/1" and by_name["reversal"]["verdict"] == "fails"
    assert by_name["one hidden layer, one data point"]["rows_held"] == 27
    md = atlas_cli("check", str(atlas_dir), "--format", "markdown")
    assert md.exit_code == 0 and "| one hidden layer, one data point |" in md.stdout
    rev = by_name["reversal"]
    assert f"Counterexamples to *reversal* (the first 5 of {rev['n_counterexamples']:,} counterexamples):" in md.stdout
    assert f"| {rev['rows_held']:,}<br>{rev['groups_held']:,} groups |" in md.stdout


@pytest.mark.parametrize("fmt", ["table", "json", "markdown"])
def test_check_says_what_it_wrote(atlas_dir, tmp_path, fmt):
    """-o FILE: one line on stderr, as `linnet atlas report` says what it wrote; nothing on stdout."""
    out = tmp_path / f"check.{fmt}"
    res = atlas_cli("check", str(atlas_dir), "--format", fmt, "-o", str(out))
    assert res.exit_code == 0, res.output
    assert res.stdout == "" and res.stderr == f"wrote {out} ({out.stat().st_size:,} bytes)\n"
    to_stdout = atlas_cli("check", str(atlas_dir), "--format", "json", "-o", "-")
    assert to_stdout.stderr == "" and json.loads(to_stdout.stdout)["schema"] == "linnet.atlas-check/1"


def test_check_with_a_file_of_ones_own(atlas_dir, tmp_path):
    mine = tmp_path / "mine.toml"
    mine.write_text("[[conjecture]]\nname = 'at least the origin'\nstatement = 's'\nclaims = ['N_C >= 1']\n")
    res = atlas_cli("check", str(atlas_dir), "--conjectures", str(mine), "--no-shipped", "--format", "json")
    (only,) = json.loads(res.stdout)["conjectures"]
    assert only["name"] == "at least the origin" and only["verdict"] == "holds" and only["source"] == str(mine)


@pytest.mark.parametrize("content,words", [
    (None, "not a linnet atlas"),
    ("[[conjecture]\n", "not valid TOML"),
    ("[[conjecture]]\nname = 'x'\nstatement = 's'\nclaims = ['N_C == __class__']", "unknown name '__class__'"),
    ("[[conjecture]]\nname = 'x'\nstatement = 's'\nclaims = ['N_C == N_C.bit_length()']", "attributes"),
    ("[[conjecture]]\nname = 'x'\nstatement = 's'\nclaims = ['N_C <= binomial(3, 1 < 2)']", "1 < 2 is a truth value"),
    ("[[conjecture]]\nname = 'x'\nstatement = 's'\nclaims = ['(N_C <= 2) < 3']", "N_C <= 2 is a truth value"),
])
def test_check_bad_input_is_one_error_line(atlas_dir, tmp_path, content, words):
    args = ["check", str(tmp_path / "no-atlas")] if content is None else ["check", str(atlas_dir)]
    if content is not None:
        (tmp_path / "bad.toml").write_text(content)
        args += ["--conjectures", str(tmp_path / "bad.toml")]
    assert words in error_line(atlas_cli(*args))


def test_the_atlas_commands_name_their_argument_directory():
    """One name for the atlas directory, in every command's help and in the README."""
    import re

    from cli_helpers import run
    for command in ("run", "check", "report"):
        res = run("atlas", command, "--help")
        assert res.exit_code == 0 and f"atlas {command} [OPTIONS] DIRECTORY\n" in res.stdout
        assert not re.search(r"\bDIR\b", res.stdout), command
    assert "Missing argument 'DIRECTORY'" in error_line(run("atlas", "check"))
    assert not re.search(r"\bDIR\b", (ROOT / "README.md").read_text())


def test_report_writes_the_page_and_its_script(atlas_dir, tmp_path, reports):
    site = tmp_path / "site"
    res = atlas_cli("report", str(atlas_dir), "-o", str(site))
    assert res.exit_code == 0, res.output
    page = (site / "index.html").read_text()
    assert (site / "assets" / "plotly.min.js").stat().st_size > 1_000_000
    assert '<script src="assets/plotly.min.js">' in page and "1,921" in page
    rev = reports["reversal"]     # its groups that hold and fail, and how many counterexamples are shown
    assert f"Counterexamples (the first 5 of {rev.n_counterexamples:,} counterexamples):" in page
    assert f"{rev.rows_held:,}<br><small>{rev.groups_held:,} groups</small>" in page
    # nothing to load from elsewhere: no script, style sheet or image from an address
    import re
    assert not re.search(r"""<(script|link|img|iframe)[^>]+(src|href)=["']?(https?:)?//""", page)


def test_report_without_its_libraries_says_how_to_install_them(atlas_dir, tmp_path, monkeypatch):
    import importlib.util
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "plotly" else real(name, *a))
    line = error_line(atlas_cli("report", str(atlas_dir), "-o", str(tmp_path / "site")))
    assert "plotly" in line and "pip install 'linnet-cli[atlas]'" in line
    assert not (tmp_path / "site").exists()


def test_report_refuses_a_file_as_its_site(atlas_dir, tmp_path):
    (tmp_path / "taken").write_text("x")
    assert "is a file" in error_line(atlas_cli("report", str(atlas_dir), "-o", str(tmp_path / "taken")))


def test_a_power_too_large_to_compute_is_refused_or_skipped(frame):
    """A constant power past MAX_POWER_BITS is refused when read (it would take the machine's memory and
    hours); a power that a row's values make that large skips the row, saying why."""
    with pytest.raises(InputError, match=f"more than {cj.MAX_POWER_BITS:,} bits"):
        cj.read_conjectures("[[conjecture]]\nname = 'huge'\nstatement = 's'\nclaims = ['N_C <= 10 ** 10 ** 10']",
                            "mine.toml")
    rows = cj.read_conjectures("[[conjecture]]\nname = 'rows'\nstatement = 's'\n"
                               "claims = ['N_C <= 2 ^ (CBB * 10 ** 5)']", "mine.toml")
    (r,) = cj.check_conjectures(frame, rows)
    small = frame[(frame["status"] == "verified") & (frame["CBB"] * 10 ** 5 <= cj.MAX_POWER_BITS)]
    assert r.rows_checked == len(small) < len(frame) and any("has a power past" in why for why in r.skipped)


def test_a_misspelt_key_names_the_text_keys_too():
    with pytest.raises(InputError, match="unknown name 'hiden'.*a key may also be widths, hidden, widths_up_"):
        cj.read_conjectures("[[invariance]]\nname = 'k'\nstatement = 's'\nkey = ['hiden', 'dy']\n"
                            "columns = ['N_C']", "mine.toml")


def _rlimit_memory() -> None:
    """In the child: at most 4 GB of address space, so that a guard that fails ends in MemoryError, not swap."""
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (4 * 2**30, resource.RLIM_INFINITY))


def test_a_power_in_a_sums_term_is_judged_at_every_index(atlas_dir, tmp_path):
    """A power inside a Sum or Product whose exponent grows with the index (10^(10^r) up to r = N) is
    judged term by term before sympy computes it: the rows that make it too large are skipped, saying
    why, within seconds (unguarded, sympy computes 10^(10^N) for good). Run in a process of its own,
    with a time limit, so that a guard that fails ends the test instead of hanging it."""
    import subprocess

    from cli_helpers import LINNET
    mine = tmp_path / "sums.toml"
    mine.write_text("[[conjecture]]\nname = 'tower'\nstatement = 's'\nclaims = ['N_C <= Sum(10^(10^r), (r, 0, N))']\n"
                    "[[conjecture]]\nname = 'steps'\nstatement = 's'\n"
                    "claims = ['N_C <= Product(2^(10^7*r), (r, 0, d))']\n")
    proc = subprocess.run(LINNET + ["atlas", "check", str(atlas_dir), "--conjectures", str(mine), "--no-shipped",
                                    "--format", "json"], capture_output=True, text=True, timeout=120,
                          preexec_fn=_rlimit_memory)
    assert proc.returncode == 0, proc.stderr
    tower, steps = json.loads(proc.stdout)["conjectures"]
    too_large = {why: n for why, n in tower["skipped"].items() if "has a power past 1,000,000 bits" in why}
    # 10^(10^r) has 3.3 million bits from r = 6 on: rows with N >= 6 are skipped, the others checked
    assert list(too_large) == ["N_C <= Sum(10^(10^r), (r, 0, N)) has a power past 1,000,000 bits (10**(10**r))"]
    assert tower["rows_checked"] > 0 and tower["verdict"] == "holds"
    assert set(steps["skipped"]) >= {"N_C <= Product(2^(10^7*r), (r, 0, d)) has a power past 1,000,000 bits "
                                     "(2**(10000000*r))"} and steps["verdict"] == "untested"


@pytest.mark.parametrize("claim,words", [
    ("N_C <= Sum(2^(10^7*r), (r, 0, 5))", "the Sum has a power past 1,000,000 bits (2**(10000000*r))"),
    ("N_C <= Sum(Sum(10^(10^s), (s, 0, r)), (r, 0, 9))", "the Sum has a power past 1,000,000 bits (10**(10**s))"),
    ("N_C <= Product(2^(10^4), (r, 1, 200))", "the Product has a product past 1,000,000 bits"),
    ("N_C <= Sum(r, (r, 1, 10^12))", "the Sum has more than 1,000 terms to add or multiply"),
    ("N_C <= Product(factorial(1000*r), (r, 1, 30))", "the Product has a product past 1,000,000 bits"),
])
def test_a_constant_sum_too_large_to_compute_is_refused_when_read(claim, words):
    with pytest.raises(InputError) as info:
        cj.read_conjectures(f"[[conjecture]]\nname = 'big'\nstatement = 's'\nclaims = ['{claim}']", "mine.toml")
    assert words in str(info.value) and claim in str(info.value)


def test_sizes_too_large_skip_rows_in_claims_scopes_and_keys(frame):
    """Too many terms, a power too large in a scope or a key: the row is skipped, saying why (no traceback)."""
    got = cj.check_conjectures(frame, cj.read_conjectures(
        "[[conjecture]]\nname = 'terms'\nstatement = 's'\nclaims = ['N_C <= Sum(1, (r, 1, CBB))']\n"
        "[[conjecture]]\nname = 'scope'\nstatement = 's'\nscope = '2^(CBB * 10^5) > 1'\nclaims = ['N_C >= 0']\n"
        "[[invariance]]\nname = 'key'\nstatement = 's'\nkey = ['2^(CBB * 10^5)']\ncolumns = ['N_C']\n", "mine.toml"))
    terms, scope, key = got
    verified = frame[frame["status"] == "verified"]
    assert terms.rows_checked == int((verified["CBB"] <= cj.MAX_TERMS).sum()) > 0
    assert terms.skipped["N_C <= Sum(1, (r, 1, CBB)) has more than 1,000 terms to add or multiply "
                         "(Sum(1, (r, 1, CBB)))"] == int((verified["CBB"] > cj.MAX_TERMS).sum())
    big = int((frame["CBB"] * 10 ** 5 > cj.MAX_POWER_BITS).sum())
    assert scope.skipped["its scope has a power past 1,000,000 bits (2**(100000*CBB))"] == big
    assert scope.rows_in_scope == scope.rows_checked + scope.rows_skipped
    assert key.skipped["its key has a power past 1,000,000 bits (2**(100000*CBB))"] == int(
        (verified["CBB"] * 10 ** 5 > cj.MAX_POWER_BITS).sum())


def test_a_factorial_or_binomial_too_large_skips_its_rows(atlas_dir, tmp_path):
    """factorial and binomial of a row's values (CBB up to 1.9·10^15) are judged before sympy computes them,
    in Sums and Products at every value of the index: the rows that make them past MAX_POWER_BITS bits are
    skipped, saying why, within seconds (unguarded, factorial(CBB) and binomial(CBB^2, CBB) run for good or
    until memory runs out). In a process of its own, with a time and a memory limit."""
    import subprocess

    from cli_helpers import LINNET
    mine = tmp_path / "combinatorial.toml"
    claims = {"factorial": "N_C <= factorial(CBB)", "binomial": "N_C <= binomial(CBB^2, CBB)",
              "sum": "N_C <= Sum(factorial(10^r), (r, 0, N))",
              "product": "N_C <= Product(binomial(10^12, 10^(2*r)), (r, 0, d))"}
    mine.write_text("".join(f"[[conjecture]]\nname = '{name}'\nstatement = 's'\nclaims = ['{claim}']\n"
                            for name, claim in claims.items()))
    proc = subprocess.run(LINNET + ["atlas", "check", str(atlas_dir), "--conjectures", str(mine), "--no-shipped",
                                    "--format", "json"], capture_output=True, text=True, timeout=120,
                          preexec_fn=_rlimit_memory)
    assert proc.returncode == 0, proc.stderr
    got = {c["name"]: c for c in json.loads(proc.stdout)["conjectures"]}
    cbb = [rec["CBB"] for rec in atlas_records() if rec["status"] == "verified"]
    n = [rec["N"] for rec in atlas_records() if rec["status"] == "verified"]
    # log2(CBB!) passes a million bits between CBB = 59,049 (850,000 bits, computed) and 117,649 (1.8 million)
    assert got["factorial"]["skipped"]["N_C <= factorial(CBB) has a factorial past 1,000,000 bits "
                                       "(factorial(CBB))"] == sum(c > 10 ** 5 for c in cbb)
    # binomial(CBB^2, CBB) is at most CBB^(2 CBB): 561,000 bits at CBB = 19,683, 1.9 million at 59,049
    assert got["binomial"]["skipped"]["N_C <= binomial(CBB^2, CBB) has a binomial past 1,000,000 bits "
                                      "(binomial(CBB**2, CBB))"] == sum(c > 20_000 for c in cbb)
    # factorial(10^5) has 1.5 million bits: the rows with N >= 5 are skipped
    assert got["sum"]["skipped"]["N_C <= Sum(factorial(10^r), (r, 0, N)) has a factorial past 1,000,000 bits "
                                 "(factorial(10**r))"] == sum(k >= 5 for k in n)
    # binomial(10^12, 10^6) is at most 40 million bits: the rows with d >= 3 are skipped
    assert set(got["product"]["skipped"]) >= {"N_C <= Product(binomial(10^12, 10^(2*r)), (r, 0, d)) has a binomial "
                                              "past 1,000,000 bits (binomial(1000000000000, 10**(2*r)))"}
    assert all(c["verdict"] == "holds" and c["rows_checked"] > 0 for c in got.values())


@pytest.mark.parametrize("claim,words", [
    ("N_C <= factorial(10^7)", "factorial(10000000) has more than 1,000,000 bits"),
    ("N_C <= binomial(10^9, 5*10^8)", "binomial(1000000000, 500000000) has more than 1,000,000 bits"),
    ("N_C <= Sum(binomial(10^9, r*10^8), (r, 0, 5))",
     "the Sum has a binomial past 1,000,000 bits (binomial(1000000000, 100000000*r))"),
])
def test_a_constant_factorial_or_binomial_too_large_is_refused_when_read(tmp_path, claim, words):
    """Unguarded, sympy computes a factorial or binomial of numbers as the claim is read (for minutes or
    for good): in a process of its own, with a time limit, the claim is refused at once, in one line."""
    import subprocess

    from cli_helpers import LINNET
    mine = tmp_path / "big.toml"
    mine.write_text(f"[[conjecture]]\nname = 'big'\nstatement = 's'\nclaims = ['{claim}']\n")
    proc = subprocess.run(LINNET + ["atlas", "check", str(tmp_path / "no-atlas"), "--conjectures", str(mine)],
                          capture_output=True, text=True, timeout=60, preexec_fn=_rlimit_memory)
    lines = proc.stderr.splitlines()
    assert proc.returncode == 2 and len(lines) == 1 and lines[0].startswith("Error: "), proc.stderr
    assert words in lines[0] and claim in lines[0]


def test_ordinary_factorials_and_binomials_are_computed(reports):
    """The guard leaves ordinary sizes alone: factorial(12), binomials of the shipped conjectures
    (binomial(d, r), binomial(dy, d)), a factorial of 850,000 bits, a binomial of a large n and a small k."""
    values = cj.row_values((2, 3, 2), 1, {})
    assert values["CBB"] == 3 ** 12
    assert cj._evaluate(cj.parse_expression("factorial(12) + binomial(CBB, 4) + binomial(d, 2)"), values) == \
        479001600 + 3 ** 12 * (3 ** 12 - 1) * (3 ** 12 - 2) * (3 ** 12 - 3) // 24 + 3
    assert cj._evaluate(cj.parse_expression("binomial(10^12, 3)"), values) == 10 ** 12 * (10 ** 12 - 1) * (
        10 ** 12 - 2) // 6
    assert int(cj._evaluate(cj.parse_expression("factorial(59049)"), values)).bit_length() == 850_725
    shipped = [r for r in reports.values() if any("binomial" in claim for claim in r.claims)]
    assert shipped and all(r.rows_checked > 0 for r in shipped)
    assert not any("bits" in why or "terms" in why for r in reports.values() for why in r.skipped)
