"""Library entry point: all critical points of one instance, classified."""
from __future__ import annotations

import time
from typing import Callable

import numpy as np

from .bounds import BoundsRow
from .completeness import Completeness, Status, overall
from .classify import classify
from .engines import EngineSpec
from .engines.base import Engine, Progress, RawSolutions
from .errors import InputError
from .instance import Instance
from .network import Network
from .result import SolveResult


def solver_for(network: Network, engine: str | EngineSpec) -> Engine:
    """The engine that solves ``network``: the one asked for, except for networks with no hidden
    layer, whose single critical point is a linear solve (:mod:`linnet_cli.least_squares`)."""
    if network.H == 0:
        from .least_squares import LeastSquares
        return LeastSquares()
    from .engines import get_engine     # looked up at call time (tests substitute engines)
    return get_engine(engine)


def solve(instance: Instance, engine: str | EngineSpec = "native", seed: int | None = None,
          progress: Progress | None = None, bounds: BoundsRow | None = None,
          before_classify: Callable[[RawSolutions], None] | None = None) -> SolveResult:
    """Find and classify every isolated complex critical point of ``instance``.

    ``seed`` drives the engine's random choices (start pair, monodromy loops); the counts do not
    depend on it. Non-generic instances are reported in ``warnings``, failed paths in ``failed_paths``.
    ``before_classify`` sees the engine's points first (the CLI checks there that classifying and
    writing them fits in memory, now that their number is known).
    """
    eng = solver_for(instance.network, engine)
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    try:
        raw = eng.solve(instance, rng, progress)
    except np.linalg.LinAlgError as exc:
        raise InputError(f"the solver's linear algebra failed on this instance ({exc}): its values are "
                         "probably too badly scaled for double precision; rescale X, Y and Λ") from None
    if before_classify is not None:
        before_classify(raw)
    points = classify(instance, raw.points, [raw.patterns[i] for i in raw.pattern_of])
    warnings = instance.genericity_warnings() + list(raw.notes)
    n_sing = 0 if raw.singular is None else len(raw.singular)
    if n_sing:
        warnings.append(f"{n_sing} path(s) ended at singular endpoints: they are not counted as isolated "
                        "critical points (the instance may not be generic)")
    if raw.failed:
        warnings.append(f"{sum(raw.failed.values())} path(s) to the instance failed ({', '.join(f'{k}: {v}' for k, v in sorted(raw.failed.items()))}): "
                        "counts are lower bounds")
    if bounds is not None and bounds.B_C is not None and len(points) > bounds.B_C:
        warnings.append(f"found {len(points)} critical points, more than the bound B_C = {bounds.B_C}: "
                        "some endpoints may be spurious")
    n_failed = sum(raw.failed.values())
    if raw.exact:
        evidence = Completeness([], Status.PROVEN, ["found by a linear solve: nothing can be missed"])
    elif raw.completeness is None:
        evidence = Completeness([], Status.NOT_VERIFIED, [f"the {eng.name} engine gives no completeness evidence"])
    else:
        evidence = overall(raw.completeness, n_failed)
    return SolveResult(instance, eng.name, seed, points, raw.patterns, raw.paths_tracked, dict(raw.failed),
                       n_sing, time.perf_counter() - t0, bounds, warnings,
                       monodromy_failed_loops=raw.monodromy_failed_loops, completeness=evidence)
