"""Engines that find critical points, behind one small interface (:class:`base.Engine`).

``native`` (default) is linnet's own engine (a numba-compiled path tracker, no Julia); ``julia``
delegates path tracking to HomotopyContinuation.jl through juliacall and is imported only when asked for.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from ..errors import EngineUnavailable, InputError, opt
from .base import Engine

if TYPE_CHECKING:
    from ..checks.mixed_volume import MixedVolumeFunction
    from ..homotopy.monodromy import MonodromyOptions
    from ..homotopy.tracker import TrackerOptions

#: Engine names, default first.
ENGINES = ("native", "julia")


@dataclass(frozen=True)
class EngineSpec:
    """An engine by name with its options; picklable, so that `linnet table --jobs` can build the
    engine in every worker process. ``threads`` and ``method`` are options of the julia engine
    (Julia threads; ``polyhedral`` or ``monodromy`` at the generic parameters); None means the
    engine's default."""

    name: str = "native"
    threads: int | None = None
    method: str | None = None
    #: native engine: check every monodromy set with a trace test (:mod:`linnet_cli.homotopy.trace_test`)
    trace_test: bool = True
    #: native engine: settings of the monodromy search and of the path tracker (None: the defaults)
    monodromy: MonodromyOptions | None = None
    tracker: TrackerOptions | None = None

    def __post_init__(self) -> None:
        """Refuse (InputError) options of the wrong type at once; names and methods are checked by
        :func:`get_engine`, which knows which engines this machine has."""
        from ..validate import flag, instance_of, integer
        instance_of(self.name, "engine", str, "an engine name (" + ", ".join(ENGINES) + ")")
        if self.threads is not None:
            object.__setattr__(self, "threads", integer(self.threads, "threads", low=1, high=1024))
        instance_of(self.method, "julia_method", str, "a method name (polyhedral, monodromy)", none=True)
        object.__setattr__(self, "trace_test", flag(self.trace_test, "trace_test"))
        if self.monodromy is not None:
            from ..homotopy.monodromy import MonodromyOptions
            instance_of(self.monodromy, "monodromy", MonodromyOptions, "a MonodromyOptions")
        if self.tracker is not None:
            from ..homotopy.tracker import TrackerOptions
            instance_of(self.tracker, "tracker", TrackerOptions, "a TrackerOptions")


def get_engine(spec: str | EngineSpec) -> Engine:
    """The engine ``spec`` names, ready to use: EngineUnavailable when it cannot be used on this machine,
    InputError when the name is unknown or an option does not apply to it."""
    if isinstance(spec, str):
        spec = EngineSpec(spec)
    if spec.name == "native":
        if spec.threads is not None or spec.method is not None:
            raise InputError(f"{opt('threads')} and {opt('julia_method')} apply to {opt('engine', 'julia')} only "
                             f"(the native engine runs rows in parallel with {opt('table_jobs')})")
        from .native import NativeEngine
        return NativeEngine(spec.trace_test, spec.monodromy, spec.tracker)
    if spec.name == "julia":
        if spec.monodromy is not None or spec.tracker is not None:
            raise InputError("monodromy and tracker options apply to the native engine only "
                             "(HomotopyContinuation.jl has its own)")
        from .julia import JuliaEngine
        engine = JuliaEngine(threads=spec.threads, method=spec.method)
        ok, why = engine.available()
        if not ok:
            raise EngineUnavailable(f"{opt('engine', 'julia')} is not available: {why}")
        return engine
    raise InputError(f"unknown engine {spec.name!r}; choose one of: {', '.join(ENGINES)}")


def mixed_volume_for(spec: str | EngineSpec) -> MixedVolumeFunction | None:
    """What computes the BKK bounds for the engine ``spec`` names (:func:`linnet_cli.bounds_row`'s
    ``mixed_volume``): the julia engine offers HomotopyContinuation.jl's (MixedSubdivisions.jl, computed
    afresh); None for the native engine, whose bounds are linnet's own (cached per shape). Raises as
    :func:`get_engine` does when the engine cannot be used."""
    engine = get_engine(spec)
    if (spec if isinstance(spec, str) else spec.name) != "julia":
        return None
    from .julia import JuliaEngine
    return cast(JuliaEngine, engine).mixed_volume


def engine_status() -> list[tuple[str, bool, str]]:
    """(name, available, version or reason) for every engine, without starting Julia."""
    out = []
    for name in ENGINES:
        if name == "native":
            from .native import NativeEngine
            ok, why = NativeEngine().available()
        else:
            from .julia import JuliaEngine
            ok, why = JuliaEngine().available()
        out.append((name, ok, why))
    return out
