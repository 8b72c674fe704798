"""``linnet maxreal``: search real instances for the most real critical points (:mod:`linnet_cli.studies.maxreal`)."""
from __future__ import annotations

import sys

import click

from .. import terminal
from .options import (EngineRequest, Shape, check_files, common_options, engine_options, force_option, output_options,
                      pick_seed, shape_options)


@click.command()
@shape_options(ranges=False)
@click.option("--samples", type=click.IntRange(1, 100_000), default=100, show_default=True,
              help="Random instances sampled first (those of `linnet table` for the same seed); "
                   "the best start the search.")
@click.option("--budget", type=click.IntRange(0, 10_000_000), default=None,
              help="Candidate instances the search tracks (whole generations of chains × batch). [default: 1280]")
@click.option("--target", type=click.IntRange(1), default=None, help="Stop as soon as the record reaches this N_R.")
@click.option("--chains", type=click.IntRange(1, 256), default=None, help="Walkers of the search. [default: 4]")
@click.option("--batch", type=click.IntRange(1, 1024), default=None,
              help="Candidates per walker and generation, tracked in one batch. [default: 8]")
@click.option("--allow-negative", is_flag=True, help="Let Λ take any real value (default: Λ > 0, a coercive loss).")
@click.option("--distribution", default="default", show_default=True,
              help="Distribution of the sampled and restart instances; the search stays in its support.")
@engine_options("native")
@click.option("--jobs", type=click.IntRange(1, 256), default=None,
              help="Parallel processes. [default: all cores; 1 with --engine julia]; results do not depend on it")
@click.option("--certify", is_flag=True, help="Prove every critical point of the record instance (Krawczyk).")
@click.option("--save-instance", metavar="FILE", default=None,
              help="Write the record instance to FILE (.json or .npz).")
@force_option
@common_options
@output_options
def maxreal(shape: Shape, samples, budget, target, chains, batch, allow_negative, distribution, engine: EngineRequest,
            jobs, certify, save_instance, force, seed, quiet, fmt, output) -> None:
    """Search real instances for the most real critical points of a shape.

    Samples random instances as `linnet table` does, then walks from the best of them: each
    candidate instance (data and Λ moved within the distribution's support) is reached by a
    parameter homotopy from the generic complex solve (N_C paths, no new solve), and moves that
    raise N_R (or bring a conjugate pair of non-real points closer to the real subspace) are kept,
    with random restarts. The record is compared with N_C, the sampled maximum and the thesis's value.

    \b
    Examples:
      linnet maxreal --d 3 --dx 2 --dy 3 --seed 31
      linnet maxreal --d 3 --dx 2 --dy 3 --target 27 --certify --save-instance record.json
      linnet maxreal --d 2 --dx 1 --dy 2 --H 2 --budget 640 --format json -o search.json
      linnet solve --data record.json          # the record instance, solved afresh
    """
    from ... import cost
    from ...studies.maxreal import BATCH, BUDGET, CHAINS, max_real
    from ...studies.pool import default_jobs
    spec = engine.spec()
    check_files([("--output", output), ("--save-instance", save_instance)], [], save_instance)
    seed = pick_seed(seed)
    net = shape.network()
    terminal.warn(quiet, cost.check(cost.row_estimate(net, shape.m_value(), samples), force))
    jobs = 1 if spec.name == "julia" else (jobs or default_jobs(spec))
    progress = terminal.LazyProgress(quiet)
    try:
        result = max_real(net, shape.m_value(), samples=samples, budget=BUDGET if budget is None else budget, seed=seed,
                          distribution=distribution, allow_negative=allow_negative, engine=spec, jobs=jobs,
                          chains=chains or CHAINS, batch=batch or BATCH, target=target, certify=certify,
                          progress=progress, force=True)   # the estimate was checked above
    finally:
        progress.close()
    if save_instance:
        from ...model.instance import save_instance as save
        save(result.instance, save_instance)
    terminal.warn(quiet, result.warnings)

    def view() -> list:
        from ..render import maxreal_view
        return [maxreal_view(result)]
    terminal.write_result(result, fmt, output, view)
    if result.interrupted:
        click.echo("Interrupted: the record shown is the best found so far"
                   + (f" (saved in {save_instance})" if save_instance else ""), err=True)
        sys.exit(130)
