"""The ``linnet`` command line: a click group over the library, one module per command in
:mod:`linnet_cli.cli.commands` (options, one library call, rendering through :mod:`linnet_cli.cli.terminal`).

Heavy modules (numpy, pandas, rich tables, engines) are imported inside the commands so that
``linnet --help`` answers at once. linnet's own errors (:class:`~linnet_cli.errors.LinnetError`) print
one line and exit with the code of their kind (:data:`EXIT_CODES`): 2 for user errors, and so does an
output that cannot be written: a file (``Error: --output: cannot write ...``) or standard output
(``Error: cannot write standard output: File too large``, also for a full disk); a reader of standard
output that goes away (``linnet ... | head``) ends the command quietly. Ctrl-C exits with code 130.
"""
from __future__ import annotations

import errno
import gc
import signal
import sys
from typing import Any, NoReturn
from collections.abc import Sequence

import click

from ..errors import EngineUnavailable, InputError, LinnetError, NumericalFailure, PeerError
from .commands.atlas import atlas
from .commands.bounds import bounds
from .commands.emit import emit
from .commands.engines import engines
from .commands.maxreal import maxreal
from .commands.options import FullHelpGroup
from .commands.solve import solve
from .commands.table import table

#: The terms every command's output uses, for ``linnet --help`` (the README opens with the same list).
GLOSSARY = """\b
Terms:
  N_C           complex critical points (isolated, in C^N; N = number of weights)
  N_C*          those on the torus (C*)^N: no weight is zero
  N_R           real critical points of a real instance; max N_R: the most over the instances sampled
  CBB           classical Bézout bound (2H+1)^N on N_C
  BKK           mixed volume of the Newton polytopes with the origin added: bounds N_C;
                BKK* (without the origin) bounds N_C*
  B_C, B_C*     the thesis's bounds (1+4d_y)^d on N_C and (4d_y)^d on N_C*, proved for H = 1, m = 1
\b
Completeness of a count, strongest first:
  proven        certified points (Krawczyk) meet a proven bound, or H = 0 (a linear solve)
  exact         N_C and N_C* equal msolve's Gröbner-basis counts (--exact)
  trace test    every sub-network's monodromy set passed a trace test, no path to the instance failed
  rank test     no sub-network has torus solutions (its map is not dominant)
  parameter     special data: reached from a generic solution set that passed its trace or rank
  homotopy      tests, every path ending at a classified point or at infinity
  not verified  none of these; the reason is given
"""


#: Exit code of each kind of library error (:mod:`linnet_cli.errors`); the first kind that matches
#: counts. The epilog of ``linnet --help`` and the README list them.
EXIT_CODES: tuple[tuple[type[LinnetError], int], ...] = (
    (InputError, 2), (EngineUnavailable, 3), (PeerError, 3), (NumericalFailure, 4))

#: Exit code of a library error of no kind listed in :data:`EXIT_CODES` (none is raised today).
OTHER_ERROR_CODE = 1


def exit_code(exc: BaseException) -> int:
    """The exit code of a library error (:data:`EXIT_CODES`)."""
    return next((code for kind, code in EXIT_CODES if isinstance(exc, kind)), OTHER_ERROR_CODE)


class LinnetGroup(FullHelpGroup):
    """click group whose errors are one line on stderr (exit codes: :data:`EXIT_CODES`), never a traceback."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> NoReturn:
        """Always standalone: an error is one line on stderr and the process exits with its code."""
        extra["complete_var"] = complete_var
        if not (sys.argv[1:] if args is None else list(args)):
            args = ["--help"]       # bare `linnet`: its help, exit code 0 (not a usage error)
        # bounds such as CBB = 3^N are exact integers, printed in full: Python refuses to print more than
        # 4,300 digits by default (a guard for parsing untrusted text; linnet's readers cap their input)
        sys.set_int_max_str_digits(0)
        # past a file size limit (ulimit -f) a write fails with EFBIG instead of the signal killing the process
        if hasattr(signal, "SIGXFSZ"):
            try:
                signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            except ValueError:      # not the main thread
                pass
        try:
            code = self._run(args, prog_name, extra)
        except SystemExit as exc:   # a command's own exit code (130 after Ctrl-C in a table, 1 ...)
            code = exc.code
        sys.exit(_flush_stdout(code))

    def _run(self, args: Any, prog_name: str | None, extra: dict) -> Any:
        from ..output_files import StdoutError
        try:
            rv = super().main(args=args, prog_name=prog_name or "linnet", standalone_mode=False, **extra)
        except LinnetError as exc:   # a neutral library error: name the flags it is about
            from ..errors import OPTION_NAMES, cli_message
            flags = {key: "--" + key.replace("_", "-") for key in OPTION_NAMES}
            flags.update(julia_method="--julia-method", table_jobs="`linnet table --jobs`")
            click.echo(f"Error: {cli_message(exc, flags)}", err=True)
            return exit_code(exc)
        except (click.exceptions.Abort, KeyboardInterrupt):   # Ctrl-C
            click.echo("Aborted: nothing was written.", err=True)
            return 130
        except click.ClickException as exc:
            click.echo(f"Error: {exc.format_message()}", err=True)
            return exc.exit_code
        except StdoutError as exc:
            return _stdout_failed(exc.errno, exc.strerror, 0)
        except BrokenPipeError:
            return _stdout_failed(errno.EPIPE, "", 0)
        return rv if isinstance(rv, int) else 0


def _flush_stdout(code: Any) -> Any:
    """Flush what is still buffered for standard output; a failure is reported as by :func:`_stdout_failed`."""
    from ..output_files import StdoutError
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except StdoutError as exc:
        return _stdout_failed(exc.errno, exc.strerror, code)
    except OSError as exc:
        return _stdout_failed(exc.errno, exc.strerror or str(exc), code)
    return code


def _stdout_failed(err: int | None, strerror: str, code: Any) -> Any:
    """Standard output could not be written: one ``Error:`` line and exit code 2 (a failing code already
    set is kept), or nothing when the reader went away (a closed pipe)."""
    if err == errno.EPIPE:
        return code
    click.echo(f"Error: cannot write standard output: {strerror}", err=True)
    return code if code not in (0, None) else 2


@click.group(cls=LinnetGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="linnet-cli", prog_name="linnet")
def cli() -> None:
    """linnet: all critical points of regularized linear networks, by numerical algebraic geometry.

    \b
    Examples:
      linnet solve --d 2 --dx 2 --dy 2      all critical points of one random instance
      linnet bounds                          Bézout, BKK and the thesis's bounds for Table 3.1's shapes
      linnet table                           regenerate Table 3.1 (--preset 3.2: Table 3.2)
      linnet maxreal --d 3 --dx 2 --dy 3     search real instances for the most real critical points
      linnet atlas run atlas-v1              solve every shape with N <= 12 weights into a dataset
      linnet emit --format singular          the gradient system for Singular, msolve, PHCpack, Julia

    \b
    Exit codes: 0 done; 1 a table or atlas with rows not computed; 2 bad input, or an
    output that cannot be written (a file, or standard output: a full disk, a
    file size limit); 3 an engine or peer tool that cannot be used here or
    failed (the julia engine without Julia, --exact without msolve, msolve
    failing); 4 a numerical failure (values too badly scaled for double
    precision); 130 Ctrl-C.
    """


for command in (solve, bounds, table, maxreal, atlas, emit, engines):
    cli.add_command(command)
cli.epilog = GLOSSARY


def main(argv: list[str] | None = None) -> None:
    """Console entry point: every write to standard output checked (see :func:`_stdout_failed`)."""
    from ..output_files import checked_stdout
    try:
        with checked_stdout():
            cli.main(args=argv, prog_name="linnet")
    finally:
        # the process ends here: its last garbage collection would walk every object that loading the
        # compiled kernels brought in (0.1 s of a 0.6 s solve); frozen objects are skipped
        gc.freeze()


if __name__ == "__main__":
    main()
