"""The published values: the one map of their columns, the shipped tables' files, and their readers."""
from __future__ import annotations

from pathlib import Path

from linnet_cli.model.network import Network
from linnet_cli.studies.audit import audit_columns
from linnet_cli.studies.published import (EXACT_COLUMNS, PRESETS, PUBLISHED_COLUMNS, SAMPLED_COLUMN, all_published,
                                          published_max_real, read_published, shipped_published)
from linnet_cli.studies.run import TableRun
from linnet_cli.studies.spec import load_table_spec

ROOT = Path(__file__).resolve().parent.parent


def test_shipped_published_tables():
    titles = [t for t, _ in shipped_published()]
    assert titles == ["Table 3.1 (H = 1, m = 1)", "Table 3.2 (H = 2, m = 1)"]
    pubs = all_published()
    assert len(pubs) == 26 + 12
    assert pubs["1,1,1,1|m=1"]["NC"] == 16 and pubs["1,3,3,1|m=1"]["maxNR"] == 312


def test_table_3_2_definition_matches_its_published_rows():
    spec = load_table_spec(ROOT / "configs" / "table-3.2.toml")
    assert [r.key for r in spec.rows] == list(spec.published)
    assert all(r.network.H == 2 and r.m == 1 for r in spec.rows) and spec.rows[-1].network.widths == (1, 3, 3, 1)
    ref = [line.split("\t") for line in (ROOT / "configs" / "table-3.2-published.tsv").read_text().splitlines()]
    assert ref[0] == ["no", "d", "dx", "dy", "H", "m", "N", "CBB", "BKK", "NC", "NCstar", "maxNR"] and len(ref) == 13


def test_one_map_of_the_published_columns():
    assert list(PUBLISHED_COLUMNS) == ["N", "CBB", "BKK", "B_C", "B_C_star", "N_C", "N_C_star", "max_N_R"]
    assert EXACT_COLUMNS == tuple(c for c in PUBLISHED_COLUMNS if c != SAMPLED_COLUMN) and SAMPLED_COLUMN == "max_N_R"
    columns = TableRun(load_table_spec(), []).columns()
    assert [c for c in columns if c.startswith("published_")] == [f"published_{c}" for c in PUBLISHED_COLUMNS]
    assert list(audit_columns({}))[:-1] == [f"audit_{c}" for c in PUBLISHED_COLUMNS]
    published_files = {t for t, _ in shipped_published()}
    assert len(published_files) == len(PRESETS)


def test_the_published_max_of_a_shape():
    assert published_max_real(Network.uniform(2, 1, 1), 1) == (4, "Table 3.1 (H = 1, m = 1)")    # row 10
    assert published_max_real(Network((1, 1, 1, 2)), 1) == (9, "Table 3.2 (H = 2, m = 1)")
    assert published_max_real(Network.uniform(2, 1, 1), 2) == (None, None)
    assert read_published("d\tdx\tdy\tH\tm\tNC\n1\t1\t1\t2\t2\t17\n") == \
        {"1,1,1,1|m=2": {"d": 1, "dx": 1, "dy": 1, "H": 2, "m": 2, "NC": 17}}
