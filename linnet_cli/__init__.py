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
    "Network": "model.network",
    "Instance": "model.instance", "random_instance": "model.instance", "load_instance": "model.instance",
    "save_instance": "model.instance",
    "solve": "solver", "SolveResult": "result", "CriticalPoint": "model.classify", "Kind": "model.classify",
    "bounds_row": "checks.bounds", "BoundsRow": "checks.bounds",
    "certify_result": "checks.certify", "certify_points": "checks.certify", "Certification": "checks.certify",
    "system_text": "checks.systems",
    "verify_patterns": "model.patterns", "PatternCheck": "model.patterns", "exact_counts": "checks.exact", "ExactCounts": "checks.exact",
    "load_table_spec": "studies.spec", "run_table": "studies.run", "TableSpec": "studies.spec", "TableRun": "studies.run",
    "RowSpec": "studies.rows", "RowResult": "studies.compute",
    "Completeness": "checks.completeness", "Status": "checks.completeness",
    "max_real": "studies.maxreal", "load_preset": "studies.spec", "table_paper": "cli.paper",
    "EngineSpec": "engines", "get_engine": "engines", "MonodromyOptions": "homotopy.monodromy", "TrackerOptions": "homotopy.tracker",
    "LinnetError": "errors", "InputError": "errors", "EngineUnavailable": "errors", "PeerError": "errors",
    "NumericalFailure": "errors",
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
    from .checks.bounds import BoundsRow, bounds_row
    from .checks.certify import Certification, certify_points, certify_result
    from .model.classify import CriticalPoint, Kind
    from .checks.completeness import Completeness, Status
    from .cli.paper import table_paper
    from .engines import EngineSpec, get_engine
    from .errors import EngineUnavailable, InputError, LinnetError, NumericalFailure, PeerError
    from .checks.exact import ExactCounts, exact_counts
    from .model.instance import Instance, load_instance, random_instance, save_instance
    from .homotopy.monodromy import MonodromyOptions
    from .model.network import Network
    from .model.patterns import PatternCheck, verify_patterns
    from .checks.systems import system_text
    from .result import SolveResult
    from .solver import solve
    from .studies.compute import RowResult
    from .studies.rows import RowSpec
    from .studies.maxreal import max_real
    from .studies.run import TableRun, run_table
    from .studies.spec import load_preset
    from .studies.spec import TableSpec, load_table_spec
    from .homotopy.tracker import TrackerOptions
