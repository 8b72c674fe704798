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
    "verify_patterns": "model.patterns", "PatternCheck": "model.patterns",
    "exact_counts": "checks.exact", "ExactCounts": "checks.exact",
    "load_table_spec": "studies.spec", "run_table": "studies.run",
    "TableSpec": "studies.spec", "TableRun": "studies.run",
    "RowSpec": "studies.rows", "RowResult": "studies.compute",
    "Completeness": "checks.completeness", "Status": "checks.completeness",
    "max_real": "studies.maxreal", "load_preset": "studies.spec", "table_paper": "cli.paper",
    "AtlasBudget": "atlas.budget", "run_atlas": "atlas.sweep", "AtlasRun": "atlas.sweep", "load_atlas": "atlas.dataset",
    "load_conjectures": "atlas.conjectures", "check_conjectures": "atlas.conjectures", "write_report": "atlas.page",
    "EngineSpec": "engines", "get_engine": "engines",
    "MonodromyOptions": "homotopy.monodromy", "TrackerOptions": "homotopy.tracker",
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


if TYPE_CHECKING:   # the public names as type checkers see them ("X as X": re-exported)
    from .atlas.budget import AtlasBudget as AtlasBudget
    from .atlas.conjectures import check_conjectures as check_conjectures, load_conjectures as load_conjectures
    from .atlas.dataset import load_atlas as load_atlas
    from .atlas.page import write_report as write_report
    from .atlas.sweep import AtlasRun as AtlasRun, run_atlas as run_atlas
    from .checks.bounds import BoundsRow as BoundsRow, bounds_row as bounds_row
    from .checks.certify import (Certification as Certification, certify_points as certify_points,
                                 certify_result as certify_result)
    from .model.classify import CriticalPoint as CriticalPoint, Kind as Kind
    from .checks.completeness import Completeness as Completeness, Status as Status
    from .cli.paper import table_paper as table_paper
    from .engines import EngineSpec as EngineSpec, get_engine as get_engine
    from .errors import (EngineUnavailable as EngineUnavailable, InputError as InputError, LinnetError as LinnetError,
                         NumericalFailure as NumericalFailure, PeerError as PeerError)
    from .checks.exact import ExactCounts as ExactCounts, exact_counts as exact_counts
    from .model.instance import (Instance as Instance, load_instance as load_instance,
                                 random_instance as random_instance, save_instance as save_instance)
    from .homotopy.monodromy import MonodromyOptions as MonodromyOptions
    from .model.network import Network as Network
    from .model.patterns import PatternCheck as PatternCheck, verify_patterns as verify_patterns
    from .checks.systems import system_text as system_text
    from .result import SolveResult as SolveResult
    from .solver import solve as solve
    from .studies.compute import RowResult as RowResult
    from .studies.rows import RowSpec as RowSpec
    from .studies.maxreal import max_real as max_real
    from .studies.run import TableRun as TableRun, run_table as run_table
    from .studies.spec import load_preset as load_preset
    from .studies.spec import TableSpec as TableSpec, load_table_spec as load_table_spec
    from .homotopy.tracker import TrackerOptions as TrackerOptions
