"""Errors linnet raises on purpose, in the library's own words; the CLI names the options they mention
by its flags and maps each kind to an exit code.

:class:`LinnetError` is the base of them all; each kind says whose the problem is:

* :class:`InputError` (also a ``ValueError``): bad input from the user: a shape, a file, an option;
* :class:`EngineUnavailable` (also a ``RuntimeError``): an engine that cannot be used on this machine
  (the julia engine without juliacall, or a Julia that does not start);
* :class:`PeerError` (also a ``RuntimeError``): a peer tool (Singular, msolve, PHCpack) that is
  missing, failed, timed out or wrote output that cannot be read; :mod:`linnet_cli.checks.peers`
  has its subclasses;
* :class:`NumericalFailure` (also an ``ArithmeticError``): a computation that failed numerically
  (linear algebra on values too badly scaled for double precision).

A message that names one of the caller's options (a setting, an input file, a remedy such as forcing a
run) does so through :func:`opt`, never by a command-line flag. ``str(exc)`` names each option by its
neutral name (:data:`OPTION_NAMES`: ``instance file``, ``force=True``, ``d=3``), while
:func:`cli_message` names it by the flag the caller passes for its key (``--data``, ``--force``,
``--d 3``): the CLI prints that line and exits with the code of the error's kind
(:data:`linnet_cli.cli.main.EXIT_CODES`).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping

#: The options library messages name (keys of :func:`opt`) with their neutral names: keyword arguments
#: of the library where it has them, else what the option is. A key not listed is its own name.
OPTION_NAMES: dict[str, str] = {
    "data": "instance file",
    "save_instance": "instance file to write",
    "output": "output file",
    "plot": "plot file",
    "resume": "run to resume",
    "d": "d", "dx": "dx", "dy": "dy", "H": "H", "m": "m", "widths": "widths",
    "seed": "seed", "distribution": "distribution", "samples": "samples",
    "engine": "engine",
    "threads": "threads",
    "julia_method": "method",
    "table_jobs": "run_table(jobs=…)",
    "scheduler": "scheduler",
    "prime": "prime",
    "no_bkk": "bkk=False",
    "force": "force=True",
    "allow_negative": "allow_negative=True",
    "verify_patterns": "verify_patterns",
    "format": "format",
    "target": "target",
    "columns": "columns",
    "preset": "preset",
    "max_N": "max_N", "max_H": "max_H", "max_width": "max_width", "seeds": "seeds",
    "real_samples": "real_samples",
}

_SEP, _VALUE = "\x1e", "\x1f"
_REF = re.compile(f"{_SEP}([^{_SEP}{_VALUE}]*)(?:{_VALUE}([^{_SEP}]*))?{_SEP}")


def opt(key: str, value: object = None) -> str:
    """A reference to the option ``key`` (with its value, when the message quotes one) inside an
    :class:`LinnetError` message; rendered by :func:`neutral_message` or :func:`cli_message`."""
    return f"{_SEP}{key}{_SEP}" if value is None else f"{_SEP}{key}{_VALUE}{value}{_SEP}"


def _render(template: str, name: Callable[[str, str | None], str]) -> str:
    return _REF.sub(lambda mt: name(mt.group(1), mt.group(2)), template)


def neutral_message(template: str) -> str:
    """The message with every option by its neutral name, and a value as ``name=value``."""
    def name(key: str, value: str | None) -> str:
        text = OPTION_NAMES.get(key, key)
        return text if value is None else f"{text}={value}"
    return _render(template, name)


def options_in(template: str) -> list[str]:
    """The keys of the options a message names, in order."""
    return [mt.group(1) for mt in _REF.finditer(template)]


class LinnetError(Exception):
    """Base of the errors linnet raises on purpose (see the module docstring for its kinds).

    ``str(exc)`` is the neutral message. ``template`` keeps the references made by :func:`opt`;
    ``option`` is the key of the first option the message names (the one it is about or the remedy it
    proposes: ``data``, ``no_bkk``, ``force`` …; see :data:`OPTION_NAMES`), None when it names none, and
    ``options`` all of them in order.
    """

    def __init__(self, message: str) -> None:
        self.template = message
        self.options = options_in(message)
        self.option = self.options[0] if self.options else None
        super().__init__(neutral_message(message))

    def __reduce__(self):
        # worker processes (table --jobs, Dask) send errors back pickled: keep the references
        return type(self), (self.template,)


class InputError(LinnetError, ValueError):
    """Bad input from the user (shape, file, option); never a bug in linnet."""


class EngineUnavailable(LinnetError, RuntimeError):
    """An engine cannot be used on this machine: the julia engine without juliacall or linnet.jl, or a
    Julia that does not start. The input is fine; the machine lacks something."""


class PeerError(LinnetError, RuntimeError):
    """A peer tool (Singular, msolve, PHCpack, gfan) is missing, failed, timed out, or wrote output that
    cannot be read."""


class NumericalFailure(LinnetError, ArithmeticError):
    """A computation failed numerically: linear algebra on values too badly scaled for double precision."""


def cli_message(exc: BaseException, flags: Mapping[str, str]) -> str:
    """The error as the command line says it: every option by its flag from ``flags`` (option key →
    flag text, e.g. ``data`` → ``--data``) followed by its value, if any (``--d 3``); an option without
    a flag there is named as in ``str(exc)``. Any other exception: its text."""
    template = getattr(exc, "template", None)
    if template is None:
        return str(exc)

    def name(key: str, value: str | None) -> str:
        if key not in flags:
            return neutral_message(opt(key, value))
        return flags[key] if value is None else f"{flags[key]} {value}"
    return _render(template, name)
