"""The ``linnet`` command line: a click group over the library, one module per command in
:mod:`linnet_cli.commands` (options, one library call, rendering through :mod:`linnet_cli.terminal`).

Heavy modules (numpy, pandas, rich tables, engines) are imported inside the commands so that
``linnet --help`` answers at once. User errors print one line and exit with code 2.
"""
from __future__ import annotations

import gc
import sys
from typing import Any

import click

from .commands.bounds import bounds
from .commands.emit import emit
from .commands.engines import engines
from .commands.maxreal import maxreal
from .commands.solve import solve
from .commands.table import table


class LinnetGroup(click.Group):
    """click group whose errors are one line on stderr (exit code 2 for user errors), never a traceback."""

    def main(self, args: Any = None, prog_name: str | None = None, **extra: Any) -> Any:
        from .errors import InputError
        extra.pop("standalone_mode", None)
        # bounds such as CBB = 3^N are exact integers, printed in full: Python refuses to print more than
        # 4,300 digits by default (a guard for parsing untrusted text; linnet's readers cap their input)
        sys.set_int_max_str_digits(0)
        try:
            rv = super().main(args=args, prog_name=prog_name or "linnet", standalone_mode=False, **extra)
        except InputError as exc:   # a neutral library error: name the flags it is about
            from .errors import OPTION_NAMES, cli_message
            flags = {key: "--" + key.replace("_", "-") for key in OPTION_NAMES}
            flags.update(julia_method="--julia-method", table_jobs="`linnet table --jobs`")
            click.echo(f"Error: {cli_message(exc, flags)}", err=True)
            sys.exit(2)
        except (click.exceptions.Abort, KeyboardInterrupt):   # Ctrl-C
            click.echo("Aborted: nothing was written.", err=True)
            sys.exit(130)
        except click.ClickException as exc:
            click.echo(f"Error: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except BrokenPipeError:
            sys.exit(0)
        sys.exit(rv if isinstance(rv, int) else 0)


@click.group(cls=LinnetGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="linnet-cli", prog_name="linnet")
def cli() -> None:
    """linnet: all critical points of regularized linear networks, by numerical algebraic geometry.

    \b
    Examples:
      linnet solve --d 2 --dx 2 --dy 2      all critical points of one random instance
      linnet bounds                          Bézout, BKK and the thesis's bounds for Table 3.1's shapes
      linnet table                           regenerate Table 3.1 (configs/table-3.2.toml: Table 3.2)
      linnet maxreal --d 3 --dx 2 --dy 3     search real instances for the most real critical points
      linnet emit --format singular          the gradient system for Singular, msolve, PHCpack, Julia
    """


for command in (solve, bounds, table, maxreal, emit, engines):
    cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    try:
        cli.main(args=argv, prog_name="linnet")
    finally:
        # the process ends here: its last garbage collection would walk every object that loading the
        # compiled kernels brought in (0.1 s of a 0.6 s solve); frozen objects are skipped
        gc.freeze()


if __name__ == "__main__":
    main()
