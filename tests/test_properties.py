"""Property-based tests (hypothesis): option values, widths strings, data files and table
definitions never end in a traceback, and the exit code is always 0, 2 or 130."""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linnet_cli.cli.main import cli
from linnet_cli.model.network import parse_range, parse_widths
from linnet_cli.errors import InputError

#: Few examples with a generous deadline: each may run a (tiny) solve.
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SOLVES = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_clean(res) -> None:
    """Exit code 0, 2 or 130; an error is one `Error:` line, never a traceback."""
    assert res.exit_code in (0, 2, 130), (res.exit_code, res.output, res.exception)
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert "Traceback" not in res.output
    if res.exit_code == 2:
        lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
        assert lines and lines[-1].startswith("Error: "), res.stderr


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


numbers = st.one_of(st.integers(-3, 70), st.sampled_from(["0", "-1", "1e3", "x", "", " 2", "1..", "..2", "2..1",
                                                          "1..3", "1,2", "99999999999999999999", "1.5"]))
widths_text = st.one_of(
    st.lists(st.integers(-1, 70), min_size=0, max_size=6).map(lambda v: ",".join(map(str, v))),
    st.text(alphabet="0123456789,.- x", max_size=12))


@FAST
@given(widths_text)
def test_widths_parser(text):
    try:
        net = parse_widths(text)
    except InputError:
        return
    assert len(net.widths) >= 3 and all(1 <= w <= 64 for w in net.widths)


@FAST
@given(st.text(alphabet="0123456789,.- ", max_size=14), st.sampled_from(["d", "dx", "dy", "H", "m"]))
def test_range_parser(text, name):
    try:
        vals = parse_range(text, name)
    except InputError:
        return
    assert vals == sorted(set(vals)) and len(vals) >= 1


@FAST
@given(d=numbers, dx=numbers, dy=numbers, H=numbers, m=numbers, widths=st.one_of(st.none(), widths_text),
       fmt=st.sampled_from(["csv", "json", "table", "markdown", "latex", "xml"]))
def test_bounds_options(d, dx, dy, H, m, widths, fmt):
    args = ["bounds", "--no-bkk", "--format", fmt]
    for name, v in (("--d", d), ("--dx", dx), ("--dy", dy), ("--H", H), ("--m", m)):
        args += [name, str(v)]
    if widths is not None:
        args += ["--widths", widths]
    assert_clean(run(*args))


small = st.one_of(st.integers(-1, 3), st.sampled_from(["x", "", "1..2", "-5", "65", "1e2"]))


@SOLVES
@given(d=small, dx=small, dy=small, H=st.one_of(st.integers(-1, 2), st.just("x")), m=small,
       seed=st.one_of(st.none(), st.integers(-3, 2 ** 70)),
       extra=st.sampled_from([[], ["--verify-patterns"], ["--format", "csv"], ["--rational"], ["--certify"],
                              ["--distribution", "nope"], ["--engine", "nope"], ["--show-solutions"]]))
def test_solve_options(d, dx, dy, H, m, seed, extra):
    args = ["solve", "--no-bkk", "-q", "--d", str(d), "--dx", str(dx), "--dy", str(dy), "--H", str(H), "--m", str(m),
            *extra]
    if seed is not None:
        args += ["--seed", str(seed)]
    assert_clean(run(*args))


matrix = st.lists(st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=64),
                                     st.integers(-5, 5), st.sampled_from(["3/7", "x", "1/0", None, True])),
                           min_size=0, max_size=3), min_size=0, max_size=3)
json_instances = st.one_of(
    st.dictionaries(st.sampled_from(["X", "Y", "Lambda", "widths", "seed", "other"]),
                    st.one_of(matrix, st.lists(matrix, max_size=3), st.integers(), st.text(max_size=3)),
                    max_size=5),
    st.lists(st.integers(), max_size=2), st.text(max_size=5))


@SOLVES
@given(json_instances)
def test_json_data_files(obj):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "inst.json"
        path.write_text(json.dumps(obj))
        assert_clean(run("solve", "--data", str(path), "--no-bkk", "-q", "--seed", "1"))


arrays = st.lists(st.integers(0, 3), min_size=0, max_size=3).flatmap(
    lambda shape: st.sampled_from([np.ones(shape), np.full(shape, np.nan), np.zeros(shape, dtype=complex) + 1j,
                                   np.array(["a"] * int(np.prod(shape))).reshape(shape), np.full(shape, 0.5)]))


@SOLVES
@given(st.dictionaries(st.sampled_from(["X", "Y", "Lambda1", "Lambda2", "Lambda3", "W"]), arrays, max_size=5),
       st.sampled_from([[], ["--H", "0"], ["--d", "1"]]))
def test_npz_data_files(arrs, extra):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "inst.npz"
        np.savez(path, **arrs)
        assert_clean(run("solve", "--data", str(path), "--no-bkk", "-q", "--seed", "1", *extra))


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return "{ " + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + " }"


scalars = st.one_of(st.integers(-2, 3), st.sampled_from(["1", "1..2", "x", "0", "", "2..1", "65"]), st.booleans())
row = st.dictionaries(st.sampled_from(["d", "dx", "dy", "H", "m", "widths", "zz"]),
                      st.one_of(st.integers(0, 2), st.sampled_from(["1", "x", "1,1,1", "2,0,2"])), max_size=4)
configs = st.fixed_dictionaries({}, optional={
    "title": st.text(max_size=8), "samples": st.one_of(st.integers(-1, 2), st.just("many")),
    "seed": st.integers(-2, 5), "distribution": st.sampled_from(["default", "positive", "nope"]),
    "engine": st.sampled_from(["native", "nope"]),
    "published": st.sampled_from(["table-3.1-published.tsv", "nope.tsv"]),
    "histograms": st.lists(row, max_size=2), "rows": st.lists(row, max_size=2),
    "sweep": st.dictionaries(st.sampled_from(["d", "dx", "dy", "H", "m", "zz"]), scalars, max_size=4),
    "bogus": st.integers()})


def _toml(conf: dict) -> str:
    top = [f"{k} = {_toml_value(v)}" for k, v in conf.items() if k not in ("sweep", "rows")]
    if "rows" in conf:
        top.append(f"rows = {_toml_value(conf['rows'])}")
    text = "\n".join(top) + "\n"
    if "sweep" in conf:
        text += "[sweep]\n" + "".join(f"{k} = {_toml_value(v)}\n" for k, v in conf["sweep"].items())
    return text


@SOLVES
@given(configs)
def test_table_definitions(conf):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.toml"
        path.write_text(_toml(conf))
        assert_clean(run("table", str(path), "--no-bkk", "-q", "--jobs", "1", "--samples", "1", "--format", "csv"))
