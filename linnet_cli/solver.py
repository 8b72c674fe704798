"""Library entry point: all critical points of one instance, classified, and the checks a user asks for."""
from __future__ import annotations

import dataclasses
import time
from typing import TYPE_CHECKING, Any
from collections.abc import Callable

import numpy as np

from .checks.bounds import BoundsRow
from .checks.completeness import Completeness, Status, overall, special
from .model.classify import classify
from .engines import EngineSpec, mixed_volume_for
from .engines.base import Engine, Progress, RawSolutions
from .errors import NumericalFailure
from .model.instance import Instance, draw_seed, random_instance
from .model.network import Network
from .result import SolveResult

if TYPE_CHECKING:
    from .homotopy.monodromy import MonodromyOptions
    from .homotopy.tracker import TrackerOptions


def solver_for(network: Network, engine: str | EngineSpec) -> Engine:
    """The engine that solves ``network``: the one asked for, except for networks with no hidden
    layer, whose single critical point is a linear solve (:mod:`linnet_cli.engines.least_squares`)."""
    if network.H == 0:
        from .engines.least_squares import LeastSquares
        return LeastSquares()
    from .engines import get_engine
    return get_engine(engine)


def engine_spec(engine: str | EngineSpec = "native", trace_test: bool | None = None,
                monodromy: MonodromyOptions | None = None, tracker: TrackerOptions | None = None) -> EngineSpec:
    """An engine by name (or a spec) with the options given here set on it (None: keep the spec's)."""
    spec = EngineSpec(engine) if isinstance(engine, str) else engine
    changes: dict[str, Any] = {k: v for k, v in (("trace_test", trace_test), ("monodromy", monodromy),
                                                  ("tracker", tracker)) if v is not None}
    return dataclasses.replace(spec, **changes) if changes else spec


def check_request(network: Network, verify_patterns: bool = False, exact: bool = False) -> None:
    """Refuse at once the checks that cannot be done for ``network`` here: the zero-pattern check is for
    small networks only, the exact counts need a small network (InputError) and msolve (PeerError)."""
    if verify_patterns:
        from .model.patterns import check_verifiable
        check_verifiable(network)
    if exact:
        from .checks.exact import check_exact_possible
        check_exact_possible(network.N)


def solve(problem: Instance | Network, engine: str | EngineSpec = "native", seed: int | None = None,
          progress: Progress | None = None, bounds: BoundsRow | None = None,
          before_classify: Callable[[RawSolutions], None] | None = None, *, m: int = 1,
          distribution: str = "default", certify: bool = False, verify_patterns: bool = False,
          exact: bool = False, bkk: bool | None = None, trace_test: bool | None = None,
          monodromy: MonodromyOptions | None = None, tracker: TrackerOptions | None = None,
          force: bool = False) -> SolveResult:
    """Find and classify every isolated complex critical point of an instance.

    Parameters
    ----------
    problem : an :class:`~linnet_cli.model.instance.Instance`, or a :class:`~linnet_cli.model.network.Network`, for
        which a random instance with ``m`` data points is drawn from ``distribution`` with ``seed``.
    engine : ``"native"`` (default) or ``"julia"``, or an :class:`~linnet_cli.engines.EngineSpec`.
    seed : drives the instance drawn and the engine's random choices (start pairs, loops); the counts
        do not depend on it. None draws one, recorded in the result.
    certify : prove every point with Krawczyk's test (:mod:`linnet_cli.checks.certify`), in ``certification``.
    verify_patterns : check exhaustively that only dead-neuron zero patterns carry critical points
        (``pattern_check``; small networks only).
    exact : count N_C and N_C* with msolve over a prime field and compare (``exact``; small networks).
    bounds : the shape's bounds, when already computed; else they are computed here, the BKK columns
        when ``bkk`` (None: when cached or cheap).
    trace_test, monodromy, tracker : options of the native engine (see
        :class:`~linnet_cli.homotopy.monodromy.MonodromyOptions`, :class:`~linnet_cli.homotopy.tracker.TrackerOptions`).
    progress : called with (description, completed, total).
    before_classify : sees the engine's points first (a front end can check there that classifying and
        writing them fits in memory, now that their number is known).
    force : skip the cost estimate. Without it, a solve whose estimated memory exceeds what this machine
        has is refused (InputError) before any work, as on the command line (:mod:`linnet_cli.cost`),
        and one estimated to run long gets a RuntimeWarning with the estimate.

    Every argument is checked before any work: a wrong type (``seed='1'``, ``m=2.5``, ``certify='no'``)
    is an InputError naming it, never converted.

    Returns
    -------
    SolveResult : the points with their classification, path statistics, warnings and completeness.

    Raises
    ------
    InputError : an argument, the instance or a check asked for is not what this takes.
    EngineUnavailable : the engine cannot be used on this machine (the julia engine without Julia).
    PeerError : ``exact`` without msolve, or msolve failed.
    NumericalFailure : the linear algebra failed on the instance (values too badly scaled).

    Examples
    --------
    >>> from linnet_cli import Network, solve
    >>> res = solve(Network.uniform(d=1, dx=1, dy=1), seed=1)
    >>> res.n_complex, res.n_torus, res.n_failed
    (5, 4, 0)
    """
    _check_arguments(problem, engine, seed, progress, bounds, before_classify, m, distribution, certify,
                     verify_patterns, exact, bkk, trace_test, monodromy, tracker, force)
    spec = engine_spec(engine, trace_test, monodromy, tracker)
    seed = draw_seed() if seed is None and isinstance(problem, Network) else seed
    instance = (random_instance(problem, m=m, seed=seed, distribution=distribution)
                if isinstance(problem, Network) else problem)
    network = instance.network
    check_request(network, verify_patterns, exact)
    eng = solver_for(network, spec)
    if bounds is None:
        eng.prepare()   # e.g. compiling, while the bounds are computed
        from .checks.bounds import bkk_progress, bounds_row
        # the engine's own mixed volume, if it offers one; linnet's for H = 0 (a linear solve, no engine)
        bounds = bounds_row(network, instance.m, bkk=bkk,
                            mixed_volume=None if network.H == 0 else mixed_volume_for(spec),
                            progress=None if progress is None else bkk_progress(progress, f"bounds {network.label()}"))
    t0 = time.perf_counter()
    try:
        raw = eng.solve(instance, np.random.default_rng(seed), progress)
    except np.linalg.LinAlgError as exc:
        raise NumericalFailure(f"the solver's linear algebra failed on this instance ({exc}): its values are "
                               "probably too badly scaled for double precision; rescale X, Y and Λ") from None
    if before_classify is not None:
        before_classify(raw)
    result = _result(instance, eng, seed, raw, bounds, time.perf_counter() - t0)
    if bounds is not None:   # counts above the cached BKK bounds expose a damaged cache entry
        from .checks.bounds import confirm_bkk
        result.bounds = confirm_bkk(bounds, result.n_complex, result.n_torus)
    if verify_patterns:
        from .model.patterns import verify_patterns as check_patterns
        result.pattern_check = check_patterns(network, instance.m, np.random.default_rng(seed))
        if not result.pattern_check.confirmed:
            result.warnings.append(result.pattern_check.message())
    if certify:
        _certify(result)
    if exact:
        add_exact_counts(result)
    return result


def _check_arguments(problem: object, engine: object, seed: object, progress: object, bounds: object,
                     before_classify: object, m: object, distribution: object, certify: object,
                     verify_patterns: object, exact: object, bkk: object, trace_test: object, monodromy: object,
                     tracker: object, force: object) -> None:
    """Refuse (InputError) the arguments of :func:`solve` that are not what it takes, before any work,
    then the checks that cannot be done and a job that cannot fit in memory (unless ``force``); warn
    (RuntimeWarning) about a job estimated to run long."""
    import warnings

    from . import cost
    from .homotopy.monodromy import MonodromyOptions
    from .model.network import MAX_DATA
    from .homotopy.tracker import TrackerOptions
    from .validate import flag, function, instance_of, integer, optional_flag
    instance_of(problem, "problem", (Network, Instance), "a Network or an Instance")
    instance_of(engine, "engine", (str, EngineSpec), "an engine name (native, julia) or an EngineSpec")
    if seed is not None:
        integer(seed, "seed", low=0)
    n_data = integer(m, "m", low=1, high=MAX_DATA, what="number of data points")
    instance_of(distribution, "distribution", str, "the name of a distribution")
    for name, value in (("certify", certify), ("verify_patterns", verify_patterns), ("exact", exact),
                        ("force", force)):
        flag(value, name)
    optional_flag(bkk, "bkk")
    optional_flag(trace_test, "trace_test")
    instance_of(monodromy, "monodromy", MonodromyOptions, "a MonodromyOptions", none=True)
    instance_of(tracker, "tracker", TrackerOptions, "a TrackerOptions", none=True)
    instance_of(bounds, "bounds", BoundsRow, "a BoundsRow", none=True)
    function(progress, "progress")
    function(before_classify, "before_classify")
    assert isinstance(problem, (Network, Instance))   # instance_of refused anything else
    network, n_data = (problem, n_data) if isinstance(problem, Network) else (problem.network, problem.m)
    check_request(network, bool(verify_patterns), bool(exact))
    if not force:
        for message in cost.check(cost.solve_estimate(network, n_data, verify_patterns=bool(verify_patterns))):
            warnings.warn(message, RuntimeWarning, stacklevel=3)


def _result(instance: Instance, eng: Engine, seed: int | None, raw: RawSolutions, bounds: BoundsRow | None,
            seconds: float) -> SolveResult:
    """The classified points of an engine's raw solutions, with warnings and completeness."""
    points = classify(instance, raw.points, [raw.patterns[i] for i in raw.pattern_of])
    if raw.multiplicity is not None:
        for p, mult in zip(points, raw.multiplicity):
            p.multiplicity = int(mult)
    instance_warnings = instance.genericity_warnings()
    warnings = instance_warnings + list(raw.notes)
    n_sing = 0 if raw.singular is None else len(raw.singular)
    if raw.special:
        warnings += _special_notes(raw, points, instance)
    elif n_sing:
        warnings.append(f"{n_sing} path(s) ended at singular endpoints: they are not counted as isolated "
                        "critical points (the instance may not be generic)")
    n_failed = sum(raw.failed.values())
    if n_failed:
        codes = ", ".join(f"{k}: {v}" for k, v in sorted(raw.failed.items()))
        warnings.append(f"{n_failed} path(s) to the instance failed ({codes}): counts are lower bounds")
    if bounds is not None and bounds.B_C is not None and len(points) > bounds.B_C:
        warnings.append(f"found {len(points)} critical points, more than the bound B_C = {bounds.B_C}: "
                        "some endpoints may be spurious")
    if raw.exact:
        evidence = Completeness([], Status.PROVEN, ["found by a linear solve: nothing can be missed"])
    elif raw.completeness is None:
        evidence = Completeness([], Status.NOT_VERIFIED, [f"the {eng.name} engine gives no completeness evidence"])
    elif raw.special:
        evidence = special(raw.completeness, n_failed, raw.doubts)
    else:
        evidence = overall(raw.completeness, n_failed)
    return SolveResult(instance, eng.name, seed, points, raw.patterns, raw.paths_tracked, dict(raw.failed),
                       n_sing, seconds, bounds, warnings, monodromy_failed_loops=raw.monodromy_failed_loops,
                       completeness=evidence, n_instance_warnings=len(instance_warnings),
                       special_data=list(raw.special), diverged_paths=raw.diverged,
                       positive_dimensional=list(raw.positive_dimensional), extended_paths=raw.extended_paths,
                       endgame_paths=raw.endgame_paths)


def _special_notes(raw: RawSolutions, points: list, instance: Instance) -> list[str]:
    """What the solve of special data found besides the isolated points: its method, multiple points,
    paths to infinity and positive-dimensional solution sets."""
    out = [f"special data ({'; '.join(raw.special)}): the critical points are counted by the parameter "
           "homotopy from generic data, which finds every isolated one; dead-neuron patterns are not assumed"]
    from .model.generic_locus import near_features
    if near_features(instance):
        out.append("the data are only nearly special: critical points can have coordinates as small as the "
                   "data's near-zeros, which double precision tells from zero only down to about 1e-12 "
                   "(relative); zero patterns and N_C* may be misjudged there")
    multiple = [p.multiplicity for p in points if p.multiplicity > 1]
    if multiple:
        out.append(f"{len(multiple)} critical point(s) are multiple (multiplicities {sorted(multiple, reverse=True)}): "
                   "each is counted once in N_C")
    if raw.diverged and raw.doubts:
        out += raw.doubts
    elif raw.diverged:
        out.append(f"{raw.diverged} path(s) went to infinity: these data have fewer finite critical points than "
                   "generic data")
    if raw.positive_dimensional:
        paths = sum(c.paths for c in raw.positive_dimensional)
        corank = max(c.corank for c in raw.positive_dimensional)
        out.append(f"positive-dimensional solution sets: {len(raw.positive_dimensional)} endpoint(s) of {paths} "
                   f"path(s) lie on them (local dimension at most {corank}); their critical points are not "
                   "isolated and are not counted")
    return out


def _certify(result: SolveResult) -> None:
    """Prove every point of ``result`` (Krawczyk); a certified count that meets B_C makes it proven."""
    from .checks.certify import certify_result
    cert = result.certification = certify_result(result)
    if cert.n_uncertified:
        result.warnings.append(f"{cert.n_uncertified} critical point(s) could not be certified")
    if cert.proves_count and result.completeness is not None:
        result.completeness = result.completeness.with_evidence(proven=True)


def add_exact_counts(result: SolveResult) -> None:
    """Compare the counts of ``result`` with msolve's exact ones over a prime field (``result.exact``):
    equal counts make its completeness ``exact``, different ones ``not verified`` with a DISAGREEMENT
    warning. What ``solve(..., exact=True)`` does after the solve; the atlas does it only where a solve
    is not verified."""
    from .checks.exact import exact_counts
    counts = result.exact = exact_counts(result.instance)
    # msolve counts each point with its multiplicity
    n_c = sum(p.multiplicity for p in result.points)
    n_t = sum(p.multiplicity for p in result.torus())
    agree = counts.agrees(n_c, n_t, bool(result.positive_dimensional))
    if result.completeness is not None:
        result.completeness = result.completeness.with_evidence(exact=agree)
    if not agree:
        mine = ("positive-dimensional solution sets" if result.positive_dimensional
                else f"N_C = {n_c}, N_C* = {n_t} (with multiplicities)")
        theirs = ("a positive-dimensional solution set" if counts.positive_dimensional
                  else f"N_C = {counts.n_complex}, N_C* = {counts.n_torus}")
        result.warnings.append(f"DISAGREEMENT: linnet found {mine}; msolve over GF({counts.prime}) finds {theirs}")
