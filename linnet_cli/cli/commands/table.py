"""``linnet table``: Table 3.1, another table definition, or a sweep of shapes (:func:`linnet_cli.run_table`)."""
from __future__ import annotations

import os
import sys

import click

from .. import terminal
from .options import (EngineRequest, Shape, check_files, common_options, engine_options, force_option, output_options,
                      shape_options)


@click.command()
@click.argument("config", required=False, type=click.Path(dir_okay=False))
@shape_options(ranges=True)
@click.option("--samples", type=click.IntRange(1, 100_000), default=None,
              help="Random real instances per row for max N_R. [default: from the config, 100]")
@click.option("--distribution", default=None, help="Named distribution of the instances (configs/distributions.toml).")
@engine_options(None)
@click.option("--jobs", type=click.IntRange(1, 256), default=None,
              help="Parallel processes (with --scheduler local: workers). "
                   "[default: all cores; 1 with --engine julia, which uses --threads]")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="Run on a Dask cluster: its scheduler's address (tcp://host:8786), or 'local' for a cluster "
                   "of --jobs worker processes here. Needs: pip install 'linnet-cli[dask]'.")
@click.option("--bkk/--no-bkk", default=True, show_default=True, help="Compute the BKK columns (mixed volumes).")
@click.option("--resume", metavar="FILE", default=None, help="Keep the rows of an earlier run's csv/json output.")
@click.option("--plot", metavar="FILE.png", default=None,
              help="Draw the N_R histograms of every row to FILE, in the format its suffix names "
                   "(.png, .pdf, .svg, ...).")
@click.option("--histograms", type=click.Choice(["config", "all", "none"]), default="config", show_default=True,
              help="Which rows' N_R histograms to print in the terminal.")
@click.option("--preset", type=click.Choice(["3.1", "3.2"]), default=None,
              help="A table shipped with linnet: the thesis's Table 3.1 or 3.2 (found wherever linnet is "
                   "installed, unlike a CONFIG path). [default: 3.1 when no CONFIG or shape is given]")
@click.option("--columns", metavar="LIST", default=None,
              help="Columns of the table, markdown and latex formats: names such as N_C,N_C_star,max_N_R,failed "
                   "(the shape is always shown), or 'all'. [default: the thesis's columns; in the terminal those "
                   "that fit its width, and linnet's own where a row needs attention]")
@click.option("--certify", is_flag=True, help="Prove every critical point of every instance (Krawczyk).")
@click.option("--search", "search", type=click.IntRange(0, 10_000_000), default=0, metavar="BUDGET",
              help="Per row, also search real instances for more real points (about BUDGET candidates, "
                   "as `linnet maxreal`). [default: 0, no search]")
@force_option
@common_options
@output_options
def table(config, shape: Shape, samples, distribution, engine: EngineRequest, jobs, scheduler, bkk, resume, plot,
          histograms, preset, columns, certify, search, force, seed, quiet, fmt, output) -> None:
    """Regenerate Table 3.1 or 3.2, or any sweep of shapes, with sampled real counts.

    With no argument: Table 3.1 (--preset 3.1), every column computed and compared with the
    published value; --preset 3.2: Table 3.2. CONFIG is another table definition (TOML, see
    configs/table-3.1.toml in the sources); shape ranges build a sweep on the fly (the published
    values of Tables 3.1 and 3.2 are still shown where a row coincides with one of theirs). Every
    published value not reproduced is labelled impossible, sampling or mismatch (the audit).

    \b
    Examples:
      linnet table
      linnet table --d 1..2 --dx 1..2 --dy 1..2 --samples 20 --format csv -o sweep.csv
      linnet table --d 2 --dx 2 --dy 2 --H 1..2 --m 1..2
      linnet table --plot histograms.png --format json -o table.json
      linnet table --resume table.json -o table.json --format json
      linnet table --engine julia --threads 2 --samples 20
      linnet table --preset 3.2 --plot table-3.2.png
      linnet table --columns all
      linnet table --format latex -o table-3.1.tex
      linnet table --d 3 --dx 1..2 --dy 3 --search 320
      linnet table --scheduler tcp://head-node:8786 --format csv -o table.csv
    """
    from ... import cost
    from ...errors import InputError
    from ...output_files import StdoutError
    from ...studies.pool import default_jobs
    from ...studies.run import read_partial, resumable_rows, run_table
    from ...studies.spec import check_sweep, load_table_spec

    if config and shape.given:
        raise InputError("give a CONFIG file or shape options, not both")
    from ..columns import TABLE_COLUMNS, parse_columns
    from ...errors import opt
    from ...studies.published import PRESETS
    from ...studies.spec import load_preset
    if preset and (config or shape.given):
        raise InputError(f"{opt('preset')} is a whole table: give it, a CONFIG file or shape options, not two of them")
    cols = parse_columns(columns, TABLE_COLUMNS)
    if cols is not None and fmt in ("csv", "json"):
        raise InputError(f"{opt('columns')} chooses the columns of the table, markdown and latex formats; "
                         "csv and json always hold every column")
    if config and not os.path.isfile(config):
        shipped = {v: k for k, v in PRESETS.items()}.get(os.path.basename(config))
        raise InputError(f"table definition not found: {config}"
                         + (f" (the shipped one is {opt('preset', shipped)})" if shipped else
                            f" (the shipped tables: {', '.join(opt('preset', k) for k in PRESETS)})"))
    if plot:
        from ..plot import check_plot
        check_plot(plot)          # matplotlib there, and the format it writes: before the work, not after it
    check_files([("--output", output), ("--plot", plot)], [("CONFIG", config)])
    shape.widths_alone(strict=True)
    spec = load_preset(preset, force=force) if preset else load_table_spec(config, force=force)
    spec.samples = spec.samples if samples is None else samples
    if shape.given:
        if not shape.widths:   # refuse a sweep too large before building its rows
            check_sweep(shape.d or "1..3", shape.dx or "1..3", shape.dy or "1..3", shape.H or "1", shape.m or "1",
                        spec.samples, jobs or 1, force)
        spec = spec.sweep(shape.rows())
    spec.seed = spec.seed if seed is None else seed
    spec.distribution = distribution or spec.distribution
    spec.engine = engine.spec(spec.engine.name)
    if scheduler is not None:
        from ...studies.cluster import check_scheduler
        check_scheduler(spec.engine.name)
        if scheduler != "local" and jobs is not None:
            raise InputError("--jobs sets the workers of --scheduler local; a cluster at an address has its own")
    spec.check(search)
    previous = resumable_rows(read_partial(resume), spec) if resume else None
    jobs = jobs or default_jobs(spec.engine)
    todo = spec.pending(previous)
    if todo:
        terminal.warn(quiet, cost.check(cost.table_estimate(todo, spec.samples, jobs), force))
    rows_done = []

    def report(key: str, done: float, total: float | None) -> None:
        rows_done.extend([key] if total is not None and done >= total else [])
        progress(f"rows {len(rows_done)}/{len(spec.rows)} · {key.replace('|', ' ')} instances", done, total)

    terminal.announce_compilation(quiet, spec.engine.name)
    progress = terminal.LazyProgress(quiet)
    try:
        # force: the estimate was checked above (refused, or warned about)
        run = run_table(spec, jobs=jobs, bkk=bkk, previous=previous, progress=report, certify=certify, search=search,
                        scheduler=scheduler, force=True)
    finally:
        progress.close()
    if run.resumed and not quiet:
        terminal.err_console().print(f"resumed {run.resumed} finished row(s) from {resume}")
    closing = run.closing_line()

    from ..paper import table_paper

    def view() -> list:
        from ..render import audit_view, histogram_view, table_view
        keys = {"config": set(spec.histograms), "all": {r.key for r in run.results}, "none": set()}[histograms]
        return ([table_view(run, cols)] + [histogram_view(r) for r in run.results if r.key in keys]
                + [part for part in (audit_view(run), closing) if part])
    if not run.complete and not run.results:   # nothing to keep: nothing written, --output left as it was
        for key, why in run.failed.items():
            click.echo(f"Failed: row {key.replace('|', ' ')} was not computed: {why}", err=True)
        left = f" ({output} is as it was)" if output not in (None, "-") else ""
        click.echo(f"{'Aborted' if run.interrupted else 'Incomplete'}: 0 of {len(spec.rows)} rows finished; "
                   f"nothing was written{left}", err=True)
        sys.exit(130 if run.interrupted else 1)
    try:
        terminal.write_result(run, fmt, output, view, lambda f: table_paper(run, cols).text(f))
    except (InputError, StdoutError):   # the output cannot be written: its rows are kept for --resume
        _keep_rows(run, len(spec.rows))
        raise
    if closing and fmt != "table" and not quiet and output not in (None, "-"):
        click.echo(closing, err=True)
    if plot:
        from ..plot import plot_histograms
        plot_histograms(run.results, plot, spec.title, spec.histograms, spec.published)
    if not run.complete:
        target = run.keep_unfinished(output, fmt)
        for key, why in run.failed.items():
            click.echo(f"Failed: row {key.replace('|', ' ')} was not computed: {why}", err=True)
        click.echo(f"{'Aborted' if run.interrupted else 'Incomplete'}: {len(run.results)} of {len(spec.rows)} rows "
                   f"finished and kept in {target}; continue with --resume {target}", err=True)
        sys.exit(130 if run.interrupted else 1)


def _keep_rows(run, total: int) -> None:
    """The finished rows of a run whose output could not be written, in a new file to resume from (when
    even that cannot be written, the error about the output is all there is to say)."""
    from ...errors import InputError
    if not run.results:
        return
    try:
        target = run.keep_unfinished(None, "csv")
    except InputError:
        return
    click.echo(f"{len(run.results)} of {total} rows finished and kept in {target}; continue with --resume {target}",
               err=True)
