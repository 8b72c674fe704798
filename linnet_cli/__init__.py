"""linnet: all critical points of regularized linear networks, by numerical algebraic geometry.

The library behind the ``linnet`` command::

    >>> import linnet_cli as ln
    >>> res = ln.solve(ln.Network.uniform(d=1, dx=2, dy=1), seed=3)
    >>> res.n_complex, res.n_torus, res.n_failed
    (5, 4, 0)

Names are imported on first use, so that ``import linnet_cli`` (and ``linnet --help``) stays fast.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: Public name -> the module that defines it.
_WHERE = {
    "Network": "network",
    "Instance": "instance", "random_instance": "instance", "load_instance": "instance",
    "save_instance": "instance",
    "solve": "solver", "SolveResult": "result", "CriticalPoint": "classify", "Kind": "classify",
    "bounds_row": "bounds", "BoundsRow": "bounds",
    "certify_result": "certify", "certify_points": "certify", "Certification": "certify",
    "verify_patterns": "patterns", "PatternCheck": "patterns", "exact_counts": "exact", "ExactCounts": "exact",
    "load_table_spec": "table", "run_table": "table", "TableSpec": "table", "TableRun": "table",
    "RowSpec": "table", "RowResult": "table",
    "Completeness": "completeness", "Status": "completeness",
    "EngineSpec": "engines", "MonodromyOptions": "monodromy", "TrackerOptions": "tracker",
    "InputError": "errors",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'linnet_cli' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:
    from .bounds import BoundsRow, bounds_row
    from .certify import Certification, certify_points, certify_result
    from .classify import CriticalPoint, Kind
    from .completeness import Completeness, Status
    from .engines import EngineSpec
    from .errors import InputError
    from .exact import ExactCounts, exact_counts
    from .instance import Instance, load_instance, random_instance, save_instance
    from .monodromy import MonodromyOptions
    from .network import Network
    from .patterns import PatternCheck, verify_patterns
    from .result import SolveResult
    from .solver import solve
    from .table import RowResult, RowSpec, TableRun, TableSpec, load_table_spec, run_table
    from .tracker import TrackerOptions
