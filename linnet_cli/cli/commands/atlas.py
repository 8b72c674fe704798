"""``linnet atlas``: the map of every small architecture, solved and verified, as a dataset
(:func:`linnet_cli.atlas.sweep.run_atlas`, :func:`linnet_cli.atlas.dataset.load_atlas`)."""
from __future__ import annotations

import functools
import sys

import click

from .. import terminal
from .atlas_findings import check, report
from .options import FullHelpGroup, force_option

#: Rows needing attention (disputed, not verified) listed after a run at most; the dataset's ``why``
#: column has them all.
SHOWN_ROWS = 20


@click.group(cls=FullHelpGroup)
def atlas() -> None:
    """The atlas: every small network shape solved and verified, published as a dataset.

    \b
    Examples:
      linnet atlas run atlas-v1                        every shape with N <= 12, H <= 3
      linnet atlas run small --max-N 6 --jobs 2
      linnet atlas run big --max-N 16 --scheduler tcp://head-node:8786
    """


@atlas.command("run")
@click.argument("directory", type=click.Path())
@click.option("--max-N", "max_N", type=int, default=12, show_default=True,
              help="Weights at most: N = sum of w_i*w_(i+1) over consecutive widths.")
@click.option("--max-H", "max_H", type=int, default=3, show_default=True, help="Hidden layers at most.")
@click.option("--max-width", type=int, default=None, help="Every width at most this. [default: bounded by --max-N]")
@click.option("--m", "m", metavar="RANGE", default=None,
              help="Numbers of data points (1..3, 1,2), each up to a shape's d_x. [default: 1..3]")
@click.option("--seeds", default="1,2", show_default=True,
              help="Seeds: one random instance each per row; seeds that disagree dispute the row.")
@click.option("--real-samples", "real_samples", type=int, default=0, metavar="K",
              help="Also count the real critical points of K random real instances per row (max N_R and the "
                   "histogram). [default: 0, none]")
@click.option("--jobs", type=click.IntRange(1, 256), default=None,
              help="Parallel processes (with --scheduler local: workers). [default: all cores]")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="Run on a Dask cluster: its scheduler's address (tcp://host:8786), or 'local' for a cluster "
                   "of --jobs worker processes here. Needs: pip install 'linnet-cli[dask]'.")
@click.option("--exact/--no-exact", default=True, show_default=True,
              help="Settle counts that are not verified by msolve's exact counts (N <= 15, msolve installed).")
@click.option("--cheapest-first", is_flag=True,
              help="Solve the cheapest rows first, so that a run stopped after a while has finished the most "
                   "rows (an atlas grown over sittings). [default: the costliest first, so that parallel jobs "
                   "finish together]")
@functools.partial(force_option, also=", or the estimated time passes a week (a cluster at an address is told "
                   "the estimate in one worker's time instead)")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no warnings on stderr.")
def run(directory, max_N, max_H, max_width, m, seeds, real_samples, jobs, scheduler, exact, cheapest_first, force,
        quiet) -> None:
    """Solve every shape of a budget into the atlas directory DIRECTORY.

    Every network with 1..max-H hidden layers and at most max-N weights, with each m up to its d_x, plus
    spot checks with m > d_x on the smallest shapes, is solved on the random instance of every seed and
    kept as one row of atlas.parquet, atlas.csv and atlas.json (README, Atlas). Each finished row is
    kept at once: Ctrl-C loses none, and the same command again continues the run; a larger --max-N
    (or --max-H, --max-width, more --m) into the same directory extends the atlas.

    \b
    Examples:
      linnet atlas run atlas-v1
      linnet atlas run small --max-N 6 --m 1 --jobs 2
      linnet atlas run reals --max-N 8 --real-samples 100
      linnet atlas run big --max-N 16 --scheduler local --jobs 2
      linnet atlas run big --max-N 16 --cheapest-first
    """
    from ...atlas.budget import DEFAULT_M, AtlasBudget
    from ...atlas.sweep import ENGINE, check_arguments, parse_seeds, run_atlas
    from ...engines import EngineSpec
    from ...errors import InputError
    from ...model.network import parse_range
    from ...studies.pool import default_jobs

    budget = AtlasBudget(max_N, max_H, max_width, tuple(parse_range(m, "m")) if m is not None else DEFAULT_M)
    seed_values = parse_seeds(seeds)
    if scheduler is not None:
        from ...studies.cluster import check_scheduler
        if scheduler != "local" and jobs is not None:
            raise InputError("--jobs sets the workers of --scheduler local; a cluster at an address has its own")
        check_scheduler(ENGINE, scheduler)   # an address no scheduler answers at: before the estimate
    jobs = jobs or default_jobs(EngineSpec(ENGINE))
    check_arguments(directory, budget, seed_values, real_samples, exact, jobs, None, force, cheapest_first)
    terminal.warn(quiet, budget.check(budget.rows(), len(seed_values), real_samples, jobs, force,
                                      cluster=scheduler is not None and scheduler != "local"))
    terminal.announce_compilation(quiet, ENGINE)
    progress = terminal.LazyProgress(quiet)
    try:
        # force: the estimate was checked above (refused, or warned about)
        result = run_atlas(directory, budget, seed_values, real_samples, exact, jobs, scheduler, progress, force=True,
                           cheapest_first=cheapest_first)
    finally:
        progress.close()
    click.echo(result.summary())
    attention = result.frame[result.frame["status"] != "verified"]
    for rec in attention.head(SHOWN_ROWS).itertuples(index=False):
        click.echo(f"  {rec.status}: {rec.widths} m={rec.m}: {rec.why}")
    if len(attention) > SHOWN_ROWS:
        click.echo(f"  ... and {len(attention) - SHOWN_ROWS} more (the why column of {directory}/atlas.csv)")
    if not result.complete:
        for key, why in result.failed.items():
            click.echo(f"Failed: row {key.replace('|', ' ')} was not computed: {why}", err=True)
        click.echo(f"{'Aborted' if result.interrupted else 'Incomplete'}: {len(result.frame):,} of {result.total:,} "
                   f"rows finished and kept in {directory}; run the same command again to continue", err=True)
        sys.exit(130 if result.interrupted else 1)


# what an atlas says: its conjectures checked, and its page
atlas.add_command(check)
atlas.add_command(report)
