"""Engines that find critical points, behind one small interface (:class:`base.Engine`).

``native`` (default) is linnet's own numpy engine; ``julia`` delegates path tracking to
HomotopyContinuation.jl through juliacall and is imported only when asked for.
"""
from __future__ import annotations

from ..errors import InputError
from .base import Engine

#: Engine names, default first.
ENGINES = ("native", "julia")


def get_engine(name: str) -> Engine:
    """The engine called ``name``, ready to use; a clear InputError when it cannot be used here."""
    if name == "native":
        from .native import NativeEngine
        return NativeEngine()
    if name == "julia":
        from .julia import JuliaEngine
        engine = JuliaEngine()
        ok, why = engine.available()
        if not ok:
            raise InputError(f"--engine julia is not available: {why}")
        return engine
    raise InputError(f"unknown engine {name!r}; choose one of: {', '.join(ENGINES)}")


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
