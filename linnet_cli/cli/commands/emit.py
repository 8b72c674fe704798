"""``linnet emit``: the gradient system of an instance, written for other tools (:mod:`linnet_cli.checks.systems`)."""
from __future__ import annotations

from typing import Any

import click

from .. import terminal
from .options import Shape, check_files, common_options, pick_seed, shape_options


@click.command()
@shape_options(ranges=False)
@click.option("--data", type=click.Path(dir_okay=False), default=None,
              help="Instance file (.npz or .json); its values are converted to exact rationals.")
@click.option("--format", "fmt", type=click.Choice(["text", "julia", "phc", "singular", "msolve", "json"]),
              default="text", show_default=True, help="Target format.")
@click.option("--prime", type=int, default=None,
              help="Work over the prime field GF(p) (singular, msolve): much faster, generic with high probability.")
@click.option("--output", "-o", metavar="FILE", default=None, help="Write to FILE instead of stdout.")
@common_options
def emit(shape: Shape, data, fmt, prime, output, seed, quiet) -> None:
    """Write the gradient system of an instance for other tools.

    Random instances are drawn as exact rationals (denominators ≤ 100), the same ones as
    `linnet solve --rational --seed S`, so exact tools see exactly the instance linnet solves.

    \b
    Examples:
      linnet emit --d 2 --dx 2 --dy 2 --format singular | Singular -q
      linnet emit --d 2 --dx 2 --dy 2 --format phc -o system.phc && phc -b system.phc out.txt
      linnet emit --widths 2,3,1,2 --format julia -o solve.jl
    """
    from ...checks.systems import system_text
    from ...export import write_text
    check_files([("--output", output)], [("--data", data)])
    given, seed = seed, pick_seed(seed)
    inst = shape.instance(data, seed, rational=True)
    terminal.warn(quiet, inst.genericity_warnings())
    kwargs: dict[str, Any] = {} if prime is None else {"prime": prime}
    write_text(system_text(inst, fmt, **kwargs), output)
    terminal.show_drawn_seed(given, seed, quiet)
