"""Shared fixtures: the published Table 3.1 (read only to compare computed values with)."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from linnet_cli.model.instance import Instance, random_instance
from linnet_cli.model.network import Network

ROOT = Path(__file__).resolve().parent.parent
PUBLISHED = ROOT / "configs" / "table-3.1-published.tsv"


def published_rows() -> list[dict[str, int]]:
    with PUBLISHED.open() as fh:
        return [{k: int(v) for k, v in row.items()} for row in csv.DictReader(fh, delimiter="\t")]


@pytest.fixture(scope="session")
def table31() -> list[dict[str, int]]:
    return published_rows()


@pytest.fixture(autouse=True, scope="session")
def _private_bkk_cache(tmp_path_factory):
    """Tests compute mixed volumes afresh instead of reading a user's BKK cache."""
    import os
    os.environ["LINNET_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))


@pytest.fixture
def first_monodromy_round_fails(monkeypatch):
    """Every path of monodromy's first batch (its first fresh start pairs) ends as failed, as near a
    branch point."""
    from linnet_cli.homotopy import monodromy
    from linnet_cli.homotopy.return_code import ReturnCode

    real = monodromy.Tracker
    calls = {"n": 0}

    class FirstRoundFails(real):
        def track(self, start, retrack=True):
            res = super().track(start, retrack)
            calls["n"] += 1
            if calls["n"] == 1:
                res.codes[:] = ReturnCode.STEP_TOO_SMALL
            return res

    monkeypatch.setattr(monodromy, "Tracker", FirstRoundFails)


@pytest.fixture(scope="module")
def rational_instance() -> Instance:
    return random_instance(Network.uniform(2, 2, 2), m=1, seed=5, rational=True)
