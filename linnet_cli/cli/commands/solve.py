"""``linnet solve``: all critical points of one instance, classified (one call of :func:`linnet_cli.solve`)."""
from __future__ import annotations

import click

from .. import terminal
from .options import (EngineRequest, Shape, check_files, common_options, engine_options, force_option, output_options,
                      pick_seed, shape_options)


@click.command()
@shape_options(ranges=False)
@click.option("--data", type=click.Path(dir_okay=False), default=None,
              help="Instance file: .npz (X, Y, Lambda1, ...) or .json (X, Y, Lambda).")
@click.option("--distribution", default="default", show_default=True,
              help="Named distribution of random instances in configs/distributions.toml.")
@click.option("--rational", is_flag=True, help="Draw a rational instance (the one `linnet emit` writes for this seed).")
@engine_options("native")
@click.option("--verify-patterns", is_flag=True,
              help="Exhaustively check that only dead-neuron zero patterns carry solutions.")
@click.option("--show-solutions", is_flag=True, help="Print every critical point with its coordinates.")
@click.option("--bkk/--no-bkk", default=None,
              help="Compute the BKK bound for the summary. [default: when cached or cheap (N ≤ 10); "
                   "`linnet bounds` computes and caches it]")
@click.option("--save-instance", metavar="FILE", default=None, help="Also write the instance to FILE (.json or .npz).")
@click.option("--certify", is_flag=True, help="Prove every critical point with Krawczyk's test in ball arithmetic.")
@click.option("--exact", is_flag=True,
              help="Count N_C and N_C* exactly with msolve over a prime field and compare (small shapes only).")
@force_option
@common_options
@output_options
def solve(shape: Shape, data, distribution, rational, engine: EngineRequest, verify_patterns, show_solutions, bkk,
          save_instance, certify, exact, force, seed, quiet, fmt, output) -> None:
    """All complex critical points of one instance, classified.

    \b
    Examples:
      linnet solve --d 2 --dx 2 --dy 2
      linnet solve --d 3 --dx 2 --dy 3 --seed 7 --format json -o points.json
      linnet solve --widths 2,3,1,2 --m 2 --verify-patterns
      linnet solve --data instance.json --show-solutions
      linnet solve --d 3 --dx 2 --dy 3 --certify
      linnet solve --d 2 --dx 2 --dy 2 --engine julia --threads 2
    """
    from ... import cost
    from ...model.instance import save_instance as save
    from ...solver import check_request
    from ...solver import solve as run

    spec = engine.spec()
    check_files([("--output", output), ("--save-instance", save_instance)], [("--data", data)], save_instance)
    given, seed = seed, pick_seed(seed)
    inst = shape.instance(data, seed, rational, distribution)
    check_request(inst.network, verify_patterns, exact)
    estimate = cost.solve_estimate(inst.network, inst.m, fmt, show_solutions, verify_patterns)
    terminal.warn(quiet, cost.check(estimate, force))
    terminal.show_drawn_seed(given, seed, quiet)
    if save_instance:
        save(inst, save_instance)
    terminal.warn(quiet, inst.genericity_warnings())
    terminal.announce_compilation(quiet, spec.name)

    def check_points(raw) -> None:
        terminal.warn(quiet, cost.check_points(len(raw.points), inst.network.N, fmt, show_solutions, force))

    progress = terminal.LazyProgress(quiet)
    try:
        # force: the estimate was checked above (refused, or warned about with the output's cost too)
        result = run(inst, spec, seed, progress, before_classify=check_points, certify=certify,
                     verify_patterns=verify_patterns, exact=exact, bkk=bkk, force=True)
    finally:
        progress.close()
    terminal.warn(quiet, result.solve_warnings())

    def view() -> list:
        from ..render import solve_view
        check = result.pattern_check
        return [solve_view(result, show_solutions)] + ([check.message()] if check is not None else [])
    terminal.write_result(result, fmt, output, view)
