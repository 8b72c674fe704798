"""Checks of the library's arguments: each names the argument, says what it must be, and never coerces.

A count (a width, a seed, a number of loops) is an ``int`` or a numpy integer, never a bool, a float or
a string; a setting (a step size, a tolerance) is a finite real number, never a bool or a string; a
switch is a bool (or a numpy bool). Anything else is an :class:`~linnet_cli.errors.InputError` naming
the argument, so that ``seed='1'``, ``d=2.5``, ``d=True`` or ``certify='no'`` fail at once instead of
becoming something the caller did not ask for.
"""
from __future__ import annotations

import math
import numbers
from typing import Any

from .errors import InputError, opt


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool) or (type(value).__module__ == "numpy" and type(value).__name__ in ("bool", "bool_"))


def _got(value: Any) -> str:
    text = repr(value)
    text = text if len(text) <= 60 else text[:57] + "..."
    return f"{text} (a bool)" if _is_bool(value) else text


def is_integer(value: Any) -> bool:
    """Whether ``value`` is an integer: an int or a numpy integer, not a bool."""
    return isinstance(value, numbers.Integral) and not _is_bool(value)


def _label(name: str, what: str, owner: str) -> str:
    return (f"{owner} " if owner else "") + opt(name) + (f" ({what})" if what else "")


def integer(value: Any, name: str, low: int | None = None, high: int | None = None, what: str = "",
            owner: str = "") -> int:
    """``value`` as an int, when it is an integer in [low, high]; else InputError naming ``name``
    (an option key, see :func:`linnet_cli.errors.opt`), after ``owner`` (``monodromy option``) and
    before ``what`` it counts, when given."""
    label = _label(name, what, owner)
    if not is_integer(value):
        raise InputError(f"{label} must be an integer, got {_got(value)}")
    v = int(value)
    if low is not None and high is not None and not low <= v <= high:
        raise InputError(f"{label} must be between {low} and {high}, got {v}")
    if low is not None and v < low:
        bound = "a positive integer" if low == 1 else "a non-negative integer" if low == 0 else f"at least {low}"
        raise InputError(f"{label} must be {bound}, got {v}")
    if high is not None and v > high:
        raise InputError(f"{label} must be at most {high}, got {v}")
    return v


def real(value: Any, name: str, owner: str = "") -> float:
    """``value`` as a float, when it is a finite real number (an int, a float or a numpy number, not a
    bool); else InputError naming ``name`` (after ``owner``). Ranges are the caller's (each has its own
    reason)."""
    label = _label(name, "", owner)
    if not isinstance(value, numbers.Real) or _is_bool(value):
        raise InputError(f"{label} must be a real number, got {_got(value)}")
    v = float(value)
    if not math.isfinite(v):
        raise InputError(f"{label} must be finite, got {v}")
    return v


def flag(value: Any, name: str) -> bool:
    """``value`` as a bool, when it is one (or a numpy bool); else InputError naming ``name``
    (``certify='no'`` must not certify)."""
    if not _is_bool(value):
        raise InputError(f"{opt(name)} must be True or False, got {_got(value)}")
    return bool(value)


def optional_flag(value: Any, name: str) -> bool | None:
    """None, or a bool as :func:`flag`."""
    return None if value is None else flag(value, name)


def instance_of(value: Any, name: str, types: type | tuple[type, ...], what: str, none: bool = False) -> Any:
    """``value`` itself when it is one of ``types`` (or None, when ``none``); else InputError naming
    ``name`` and ``what`` it must be."""
    if (none and value is None) or isinstance(value, types):
        return value
    raise InputError(f"{opt(name)} must be {what}{' or None' if none else ''}, got {_got(value)}")


def function(value: Any, name: str) -> Any:
    """None, or a callable; else InputError naming ``name``."""
    if value is None or callable(value):
        return value
    raise InputError(f"{opt(name)} must be a function or None, got {_got(value)}")
