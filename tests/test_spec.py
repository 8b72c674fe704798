"""Table definitions: Table 3.1 and the presets, sweeps over the published tables, and bad configs."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from linnet_cli.cli.main import cli
from linnet_cli.errors import InputError
from linnet_cli.studies.rows import sweep_rows
from linnet_cli.studies.spec import load_preset, load_table_spec


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_table_3_1_definition():
    spec = load_table_spec()
    assert len(spec.rows) == 26 and spec.samples == 100
    assert [(r.network.d, r.network.dx, r.network.dy) for r in spec.rows][:4] == \
        [(1, 1, 1), (1, 2, 1), (1, 3, 1), (1, 1, 2)]
    assert spec.rows[-1].network.widths == (2, 3, 3)            # row 26: d = 3, dx = 2, dy = 3
    assert len(spec.published) == 26
    assert spec.histograms == ["2,3,3|m=1"]


def test_presets_and_sweeps_over_the_published_tables():
    assert [r.key for r in load_preset("3.1").rows] == [r.key for r in load_table_spec().rows]
    with pytest.raises(InputError, match="unknown preset; known: 3.1, 3.2"):
        load_preset("3.3")
    sweep = load_table_spec().sweep(sweep_rows("1", "1", "1", H="1..2"))
    assert sweep.title == "Sweep" and sweep.histograms == ["1,1,1,1|m=1"]
    assert sweep.published["1,1,1|m=1"]["NC"] == 5 and sweep.published["1,1,1,1|m=1"]["NC"] == 16   # 3.1 and 3.2


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
