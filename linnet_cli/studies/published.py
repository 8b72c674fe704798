"""The thesis's published values: the one map of the columns they are given for, and their readers.

Tables, the audit and the search all compare linnet's values with those of Tables 3.1 and 3.2; this
module is where the columns compared and the files that hold the values are named, once. It sits at
the bottom of ``studies/`` (it imports none of the others), so every study can read them.
"""
from __future__ import annotations

import csv
from typing import TypeAlias

from ..model.network import Network

__all__ = ["PRESETS", "PUBLISHED_COLUMNS", "SAMPLED_COLUMN", "EXACT_COLUMNS", "Published", "read_published",
           "shipped_published", "all_published", "published_max_real"]

#: The table definitions shipped with linnet (``linnet table --preset``), by the thesis's table number;
#: those that name a file of published values are compared with it.
PRESETS = {"3.1": "table-3.1.toml", "3.2": "table-3.2.toml"}
#: Columns with published values (linnet's column → column of the published TSV), in the table's order.
PUBLISHED_COLUMNS = {"N": "N", "CBB": "CBB", "BKK": "BKK", "B_C": "BC", "B_C_star": "BCstar", "N_C": "NC",
                     "N_C_star": "NCstar", "max_N_R": "maxNR"}
#: The one published column that is sampled, not exact: the largest real count of a sample of random
#: instances. It is shown next to linnet's, but a difference is sampling, not an error.
SAMPLED_COLUMN = "max_N_R"
#: The published columns that are exact values (counts and bounds): reproduced, or not.
EXACT_COLUMNS = tuple(c for c in PUBLISHED_COLUMNS if c != SAMPLED_COLUMN)

#: Published rows by row key (``Network.key(m)``), each the TSV's columns as integers.
Published: TypeAlias = dict[str, dict[str, int]]


def read_published(text: str) -> Published:
    """Published rows of a TSV (columns d, dx, dy, optional H and m, then the values) by row key.

    >>> read_published("d\\tdx\\tdy\\tNC\\n2\\t1\\t1\\t9\\n")
    {'1,2,1|m=1': {'d': 2, 'dx': 1, 'dy': 1, 'NC': 9}}
    """
    out = {}
    for rec in csv.DictReader(text.splitlines(), delimiter="\t"):
        vals = {k: int(v) for k, v in rec.items() if v not in (None, "")}
        out[Network.uniform(vals["d"], vals["dx"], vals["dy"], vals.get("H", 1)).key(vals.get("m", 1))] = vals
    return out


def shipped_published() -> list[tuple[str, Published]]:
    """(title, published rows by row key) of every shipped table definition that names published values."""
    import tomllib

    from ..model.instance import config_text
    out = []
    for fname in PRESETS.values():
        conf = tomllib.loads(config_text(fname))
        if "published" in conf:
            out.append((str(conf.get("title", fname)), read_published(config_text(str(conf["published"])))))
    return out


def all_published() -> Published:
    """Published rows of every shipped table, by row key (for sweeps built on the fly)."""
    out: Published = {}
    for _, rows in shipped_published():
        for key, row in rows.items():
            out.setdefault(key, row)
    return out


def published_max_real(network: Network, m: int) -> tuple[int | None, str | None]:
    """The thesis's max N_R for this shape and the table that publishes it (None when it has none)."""
    theirs = PUBLISHED_COLUMNS[SAMPLED_COLUMN]
    for title, rows in shipped_published():
        row = rows.get(network.key(m))
        if row is not None and theirs in row:
            return int(row[theirs]), title
    return None, None
