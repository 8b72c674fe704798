"""The ``linnet`` command line: a thin click layer over the library.

Heavy modules (numpy, pandas, rich tables, engines) are imported inside the commands so that
``linnet --help`` answers at once. User errors print one line and exit with code 2.
"""
from __future__ import annotations

import os
import sys
import time
from typing import Any, Callable

import click

FORMATS = ("table", "csv", "json", "markdown", "latex")


def _shape_options(ranges: bool) -> Callable:
    """--d --dx --dy --H --m --widths (ranges like 1..3 allowed when ``ranges``)."""
    kind = "value or range (1..3, 1,2,5)" if ranges else "value"

    def deco(f: Callable) -> Callable:
        opts = [
            click.option("--d", "d", metavar="INT" if not ranges else "RANGE",
                         help=f"Width of every hidden layer ({kind}).{'' if ranges else ' [default: 2]'}"),
            click.option("--dx", metavar="INT" if not ranges else "RANGE", help=f"Input dimension d_x ({kind})."),
            click.option("--dy", metavar="INT" if not ranges else "RANGE", help=f"Output dimension d_y ({kind})."),
            click.option("--H", "H", metavar="INT" if not ranges else "RANGE", help=f"Number of hidden layers ({kind}). [default: 1]"),
            click.option("--m", "m", metavar="INT" if not ranges else "RANGE", help=f"Number of data points ({kind}). [default: 1]"),
            click.option("--widths", metavar="DX,N1,...,DY", multiple=ranges,
                         help="Unequal widths instead of --d/--dx/--dy/--H" + (" (repeatable)." if ranges else ".")),
        ]
        for o in reversed(opts):
            f = o(f)
        return f
    return deco


def _common_options(f: Callable) -> Callable:
    f = click.option("-q", "--quiet", is_flag=True, help="No progress bars and no warnings on stderr.")(f)
    f = click.option("--seed", type=click.IntRange(min=0), default=None,
                     help="Random seed (instance and solver); a random one is drawn and shown when omitted.")(f)
    return f


def _force_option(f: Callable) -> Callable:
    return click.option("--force", is_flag=True,
                        help="Run even when the estimated memory exceeds what this machine has (see README, Limits).")(f)


def _output_options(f: Callable) -> Callable:
    f = click.option("--output", "-o", metavar="FILE", default=None, help="Write the result to FILE instead of stdout.")(f)
    f = click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
                     help="Output format.")(f)
    return f


def _engine_options(default: str | None) -> Callable:
    """--engine, and the julia engine's --threads and --julia-method."""
    shown = "" if default else " [default: native, or the config's]"

    def deco(f: Callable) -> Callable:
        f = click.option("--julia-method", type=click.Choice(["polyhedral", "monodromy"]), default=None,
                         help="julia engine: polyhedral start system (the thesis's method) or monodromy per "
                              "sub-network at the generic parameters. [default: polyhedral]")(f)
        f = click.option("--threads", type=click.IntRange(1, 1024), default=None,
                         help="julia engine: Julia threads (fixed when Julia starts). [default: 1]")(f)
        f = click.option("--engine", default=default, show_default=bool(default),
                         help="Engine: native or julia (HomotopyContinuation.jl)." + shown)(f)
        f = click.option("--max-loops", type=click.IntRange(1, 1_000_000), default=None,
                         help="native engine: monodromy loops at most per sub-network; reaching the limit is "
                              "reported. [default: 200]")(f)
        f = click.option("--trace-test/--no-trace-test", default=True, show_default=True,
                         help="native engine: check every monodromy solution set for completeness with a trace "
                              "test (it also decides when monodromy stops).")(f)
        return f
    return deco


def _engine(engine: str | None, threads: int | None, method: str | None, fallback: str = "native",
            trace_test: bool = True, max_loops: int | None = None) -> tuple[Any, Any]:
    """(EngineSpec, engine) the engine options ask for: fails fast when it cannot be used here."""
    from .engines import EngineSpec, get_engine
    monodromy = None
    if max_loops is not None:
        from .monodromy import MonodromyOptions
        monodromy = MonodromyOptions(max_loops=max_loops)
    spec = EngineSpec(engine or fallback, threads, method, trace_test, monodromy)
    return spec, get_engine(spec)


def _out_console(output: str | None = None):
    """Console for results: the terminal, a wide page when piped, or a recording for --output FILE."""
    from rich.console import Console
    if output not in (None, "-"):
        return Console(record=True, width=160, file=open(os.devnull, "w"))
    con = Console()
    return con if con.is_terminal else Console(width=160)


def _err_console():
    from rich.console import Console
    return Console(stderr=True)


def _warn(quiet: bool, messages: list[str]) -> None:
    if quiet or not messages:
        return
    from rich.markup import escape
    con = _err_console()
    for m in messages:
        con.print(f"[yellow]warning:[/yellow] {escape(m)}", highlight=False)


def _announce_compilation(quiet: bool, engine: str) -> None:
    """One line on stderr when the native engine's tracker is compiled (a cold numba cache: once per machine)."""
    if quiet or engine != "native":
        return
    from .tracker import on_compile
    on_compile(lambda message: click.echo(message, err=True))


class LazyProgress:
    """A rich progress bar on stderr that appears only when the work lasts more than a second, and
    only on a terminal (a log file gets no bar, and no blank line where it was)."""

    DELAY = 1.0

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet or not sys.stderr.isatty()
        self.t0 = time.perf_counter()
        self.progress = None
        self.task = None

    def __call__(self, description: str, completed: float, total: float | None) -> None:
        if self.quiet or time.perf_counter() - self.t0 < self.DELAY:
            return
        if self.progress is None:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
            self.progress = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                                     TimeElapsedColumn(), console=_err_console(), transient=True)
            self.progress.start()
            self.task = self.progress.add_task(description, total=total)
        self.progress.update(self.task, description=description, completed=completed, total=total)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()


def _seed(seed: int | None) -> int:
    """The seed given, or a drawn one (see :func:`_show_drawn_seed`)."""
    if seed is not None:
        return seed
    from .instance import draw_seed
    return draw_seed()


def _show_drawn_seed(given: int | None, seed: int, quiet: bool) -> None:
    """A drawn seed goes to stderr once the input is accepted, so that the run can be repeated."""
    if given is None and not quiet:
        click.echo(f"seed {seed} (drawn; repeat this run with --seed {seed})", err=True)


def _check_files(outputs: list[tuple[str, str | None]], inputs: list[tuple[str, str | None]]) -> None:
    from .output_files import check_outputs
    check_outputs(outputs, inputs)


def _network(d, dx, dy, H, widths):
    """The network the shape options ask for (default d = d_x = d_y = 2, H = 1)."""
    from .errors import InputError
    from .network import Network, check_shape_options, parse_widths, single_value
    if widths is not None and any(v is not None for v in (d, H)):
        raise InputError("--widths replaces --d and --H: give one or the other")
    if widths is not None:
        net = parse_widths(widths)
        check_shape_options(net, None, dx, dy, None, None, source=f"--widths {widths}")
        return net
    return Network.uniform(single_value(d, "d", 2), single_value(dx, "dx", 2), single_value(dy, "dy", 2),
                           single_value(H, "H", 1))


def _instance(d, dx, dy, H, m, widths, data, seed: int, rational: bool = False, distribution: str = "default"):
    """The instance asked for: from --data (the shape options given must agree with it), or drawn at
    random for the shape options."""
    from .errors import InputError
    from .instance import load_instance, random_instance
    from .network import check_shape_options, single_value
    if data is not None:
        if widths is not None and any(v is not None for v in (d, H)):
            raise InputError("--widths replaces --d and --H: give one or the other")
        inst = load_instance(data, no_hidden_layer=single_value(H, "H", 1) == 0)
        check_shape_options(inst.network, d, dx, dy, H, widths)
        if m is not None and single_value(m, "m", 1) != inst.m:
            raise InputError(f"--m {m} disagrees with the data file, which has m = {inst.m} data points")
        return inst
    return random_instance(_network(d, dx, dy, H, widths), m=single_value(m, "m", 1), seed=seed,
                           distribution=distribution, rational=rational)


class LinnetGroup(click.Group):
    """click group whose errors are one line on stderr (exit code 2 for user errors), never a traceback."""

    def main(self, args: Any = None, prog_name: str | None = None, **extra: Any) -> Any:
        from .errors import InputError
        extra.pop("standalone_mode", None)
        try:
            rv = super().main(args=args, prog_name=prog_name or "linnet", standalone_mode=False, **extra)
        except InputError as exc:
            from .errors import OPTION_NAMES, cli_message
            flags = {key: "--" + key.replace("_", "-") for key in OPTION_NAMES}
            flags.update(julia_method="--julia-method", table_jobs="`linnet table --jobs`")
            click.echo(f"Error: {cli_message(exc, flags)}", err=True)
            sys.exit(2)
        except click.exceptions.Abort:   # click's form of Ctrl-C
            click.echo("Aborted: nothing was written.", err=True)
            sys.exit(130)
        except click.ClickException as exc:
            click.echo(f"Error: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("Aborted: nothing was written.", err=True)
            sys.exit(130)
        except BrokenPipeError:
            sys.exit(0)
        sys.exit(rv if isinstance(rv, int) else 0)


@click.group(cls=LinnetGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="linnet", prog_name="linnet")
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


@cli.command()
@_shape_options(ranges=False)
@click.option("--data", type=click.Path(dir_okay=False), default=None,
              help="Instance file: .npz (X, Y, Lambda1, ...) or .json (X, Y, Lambda).")
@click.option("--distribution", default="default", show_default=True,
              help="Named distribution of random instances in configs/distributions.toml.")
@click.option("--rational", is_flag=True, help="Draw a rational instance (the one `linnet emit` writes for this seed).")
@_engine_options("native")
@click.option("--verify-patterns", is_flag=True, help="Exhaustively check that only dead-neuron zero patterns carry solutions.")
@click.option("--show-solutions", is_flag=True, help="Print every critical point with its coordinates.")
@click.option("--bkk/--no-bkk", default=None,
              help="Compute the BKK bound for the summary. [default: when cached or cheap (N ≤ 10); "
                   "`linnet bounds` computes and caches it]")
@click.option("--save-instance", metavar="FILE", default=None, help="Also write the instance to FILE (.json or .npz).")
@click.option("--certify", is_flag=True, help="Prove every critical point with Krawczyk's test in ball arithmetic.")
@click.option("--exact", is_flag=True,
              help="Count N_C and N_C* exactly with msolve over a prime field and compare (small shapes only).")
@_force_option
@_common_options
@_output_options
def solve(d, dx, dy, H, m, widths, data, distribution, rational, engine, threads, julia_method, trace_test,
          max_loops, verify_patterns, show_solutions, bkk, save_instance, certify, exact, force, seed, quiet, fmt, output) -> None:
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
    from . import cost
    from .instance import check_instance_suffix
    from .instance import save_instance as save
    from .solver import check_request
    from .solver import solve as run

    spec, _ = _engine(engine, threads, julia_method, trace_test=trace_test, max_loops=max_loops)
    _check_files([("--output", output), ("--save-instance", save_instance)], [("--data", data)])
    if save_instance:
        check_instance_suffix(save_instance)
    given, seed = seed, _seed(seed)
    inst = _instance(d, dx, dy, H, m, widths, data, seed, rational, distribution)
    check_request(inst.network, verify_patterns, exact)
    _warn(quiet, cost.check(cost.solve_estimate(inst.network, inst.m, fmt, show_solutions, verify_patterns), force))
    _show_drawn_seed(given, seed, quiet)
    if save_instance:
        save(inst, save_instance)
    _warn(quiet, inst.genericity_warnings())
    _announce_compilation(quiet, spec.name)

    def check_points(raw) -> None:
        _warn(quiet, cost.check_points(len(raw.points), inst.network.N, fmt, show_solutions, force))

    progress = LazyProgress(quiet)
    try:
        result = run(inst, spec, seed, progress, before_classify=check_points, certify=certify,
                     verify_patterns=verify_patterns, exact=exact, bkk=bkk)
    finally:
        progress.close()
    _warn(quiet, result.solve_warnings())

    def view() -> list:
        from .render import solve_view
        check = result.pattern_check
        return [solve_view(result, show_solutions)] + ([check.message()] if check is not None else [])
    _emit(result, fmt, output, view)


def _emit(result: Any, fmt: str, output: str | None, view: Callable[[], list]) -> None:
    """Write a result: ``view()`` (rich renderables) for the table format, else ``result.to_dict()`` as
    json or ``result.to_frame()`` as csv, markdown or latex."""
    import json

    from .export import frame_to_text, write_text
    if fmt == "table":
        _show(view(), output)
    elif fmt == "json":
        write_text(json.dumps(result.to_dict(), indent=1), output)
    else:
        write_text(frame_to_text(result.to_frame(), fmt), output)


def _show(parts: list, output: str | None) -> None:
    """Print rich renderables to the terminal, or to the file ``output`` as text."""
    con = _out_console(output)
    for part in parts:
        con.print(part)
    if output not in (None, "-"):
        from .export import write_text
        write_text(con.export_text(), output)


@cli.command()
@_shape_options(ranges=True)
@click.option("--bkk/--no-bkk", default=True, show_default=True, help="Compute the BKK columns (mixed volumes).")
@click.option("--engine", default="native", show_default=True,
              help="Who computes the mixed volumes: native (linnet's own, cached) or julia (HomotopyContinuation.jl).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@_output_options
def bounds(d, dx, dy, H, m, widths, bkk, engine, quiet, fmt, output) -> None:
    """Bounds on the number of critical points: N, CBB, BKK, B_C, B_C*.

    With no options: the 26 shapes of Table 3.1 (H = 1, m = 1). Ranges not given
    default to 1..3 (d, dx, dy) and 1 (H, m).
    B_C and B_C* are the thesis's bounds, proved for H = 1, m = 1 only (— elsewhere).

    \b
    Examples:
      linnet bounds
      linnet bounds --d 1..3 --dx 1..3 --dy 1..3 --format csv
      linnet bounds --d 2 --dx 2 --dy 2 --H 1..2 --m 1..2
      linnet bounds --widths 2,3,1,2
      linnet bounds --d 2 --dx 2 --dy 2 --engine julia
    """
    from .bounds import BOUND_COLUMNS, bkk_progress, bounds_records, bounds_row
    from .export import frame_to_text, integer_frame, write_text
    from .network import parse_range
    from .table import load_table_spec, shape_rows

    _, eng = _engine(engine, None, None)
    _check_files([("--output", output)], [])
    _widths_alone(widths, d, dx, dy, H)
    if widths or any(v is not None for v in (d, dx, dy, H)):
        todo = [(r.network, r.m) for r in shape_rows(d, dx, dy, H, m, widths)]
    else:  # the shapes of Table 3.1
        todo = [(r.network, mm) for r in load_table_spec().rows for mm in parse_range(m or "1", "m")]
    progress = LazyProgress(quiet)
    rows = []
    interrupted = False
    try:
        for k, (net, mm) in enumerate(todo):
            label = f"bounds {net.label()} m={mm}"
            progress(label, 100 * k, 100 * len(todo))
            rows.append(bounds_row(net, mm, bkk=bkk, engine=eng, progress=bkk_progress(progress, label, k, len(todo))))
    except KeyboardInterrupt:
        interrupted = True
    finally:
        progress.close()
    if interrupted:  # "Aborted", exit code 130
        if bkk and rows:
            click.echo(f"{len(rows)} of {len(todo)} shapes were done; their BKK values are cached.", err=True)
        raise click.exceptions.Abort()
    if fmt == "table":
        from .render import bounds_view
        _show([bounds_view(rows)], output)
        return
    records, cols = bounds_records(rows)
    write_text(frame_to_text(integer_frame(records, cols, list(BOUND_COLUMNS)), fmt, records), output)


def _widths_alone(widths, d, dx, dy, H) -> None:
    """--widths replaces the other shape options."""
    if widths and any(v is not None for v in (d, dx, dy, H)):
        from .errors import InputError
        raise InputError("--widths replaces --d/--dx/--dy/--H: give one or the other")


#: Where an interrupted `linnet table` run saves its finished rows when --output is not csv/json.
PARTIAL_FILE = "linnet-table-partial.csv"


@cli.command()
@click.argument("config", required=False, type=click.Path(dir_okay=False))
@_shape_options(ranges=True)
@click.option("--samples", type=click.IntRange(1, 100_000), default=None,
              help="Random real instances per row for max N_R. [default: from the config, 100]")
@click.option("--distribution", default=None, help="Named distribution of the instances (configs/distributions.toml).")
@_engine_options(None)
@click.option("--jobs", type=click.IntRange(1, 256), default=None,
              help="Parallel processes (with --scheduler local: workers). "
                   "[default: all cores; 1 with --engine julia, which uses --threads]")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="Run on a Dask cluster: its scheduler's address (tcp://host:8786), or 'local' for a cluster "
                   "of --jobs worker processes here. Needs: pip install 'linnet[dask]'.")
@click.option("--bkk/--no-bkk", default=True, show_default=True, help="Compute the BKK columns (mixed volumes).")
@click.option("--resume", metavar="FILE", default=None, help="Keep the rows of an earlier run's csv/json output.")
@click.option("--plot", metavar="FILE.png", default=None, help="Draw the N_R histograms of every row to a PNG.")
@click.option("--histograms", type=click.Choice(["config", "all", "none"]), default="config", show_default=True,
              help="Which rows' N_R histograms to print in the terminal.")
@click.option("--certify", is_flag=True, help="Prove every critical point of every instance (Krawczyk).")
@click.option("--search", "search", type=click.IntRange(0, 10_000_000), default=0, metavar="BUDGET",
              help="Per row, also search real instances for more real points (about BUDGET candidates, "
                   "as `linnet maxreal`). [default: 0, no search]")
@_force_option
@_common_options
@_output_options
def table(config, d, dx, dy, H, m, widths, samples, distribution, engine, threads, julia_method, trace_test, max_loops, jobs,
          scheduler, bkk, resume, plot, histograms, certify, search, force, seed, quiet, fmt, output) -> None:
    """Regenerate Table 3.1, or any sweep of shapes, with sampled real counts.

    With no argument: Table 3.1 (configs/table-3.1.toml), every column computed and compared with
    the published value. CONFIG is another table definition (TOML), e.g. configs/table-3.2.toml;
    shape ranges build a sweep on the fly (the published values of Tables 3.1 and 3.2 are still
    shown where a row coincides with one of theirs). Every published value not reproduced is
    labelled impossible, sampling or mismatch (the audit).

    \b
    Examples:
      linnet table
      linnet table --d 1..2 --dx 1..2 --dy 1..2 --samples 20 --format csv -o sweep.csv
      linnet table --d 2 --dx 2 --dy 2 --H 1..2 --m 1..2
      linnet table --plot histograms.png --format json -o table.json
      linnet table --resume table.json -o table.json --format json
      linnet table --engine julia --threads 2 --samples 20
      linnet table configs/table-3.2.toml --plot table-3.2.png
      linnet table --d 3 --dx 1..2 --dy 3 --search 320
      linnet table --scheduler tcp://head-node:8786 --format csv -o table.csv
    """
    from . import cost
    from .errors import InputError
    from .table import (default_jobs, load_table_spec, read_partial, resumable_rows, run_table, shape_rows,
                        sweep_corner)

    sweep = any(v is not None for v in (d, dx, dy, H, m)) or bool(widths)
    if config and sweep:
        raise InputError("give a CONFIG file or shape options, not both")
    _check_files([("--output", output), ("--plot", plot)], [("CONFIG", config)])
    _widths_alone(widths, d, dx, dy, H)
    spec = load_table_spec(config)
    spec.samples = spec.samples if samples is None else samples
    if sweep:
        if not widths:   # refuse a sweep too large before building its rows
            corner, count = sweep_corner(d or "1..3", dx or "1..3", dy or "1..3", H or "1", m or "1")
            cost.check(cost.table_estimate([(corner.network, corner.m)], spec.samples, jobs or 1, count), force)
        spec = spec.sweep(shape_rows(d, dx, dy, H, m, widths))
    spec.seed = spec.seed if seed is None else seed
    spec.distribution = distribution or spec.distribution
    spec.engine, _ = _engine(engine, threads, julia_method, spec.engine.name, trace_test, max_loops)
    if scheduler is not None:
        from .cluster import check_scheduler
        check_scheduler(spec.engine.name)
        if scheduler != "local" and jobs is not None:
            raise InputError("--jobs sets the workers of --scheduler local; a cluster at an address has its own")
    spec.check(search)
    previous = resumable_rows(read_partial(resume), spec) if resume else None
    jobs = jobs or default_jobs(spec.engine)
    todo = spec.pending(previous)
    if todo:
        _warn(quiet, cost.check(cost.table_estimate(todo, spec.samples, jobs), force))
    state = {"rows": 0}

    def report(key: str, done: int, total: int) -> None:
        if done >= total:
            state["rows"] += 1
        progress(f"rows {state['rows']}/{len(spec.rows)} · {key.replace('|', ' ')} instances", done, total)

    _announce_compilation(quiet, spec.engine.name)
    progress = LazyProgress(quiet)
    try:
        run = run_table(spec, jobs=jobs, bkk=bkk, previous=previous, progress=report, certify=certify, search=search,
                        scheduler=scheduler)
    finally:
        progress.close()
    if run.resumed and not quiet:
        _err_console().print(f"resumed {run.resumed} finished row(s) from {resume}")
    closing = run.closing_line()

    def view() -> list:
        from .render import audit_view, histogram_view, table_view
        keys = {"config": set(spec.histograms), "all": {r.key for r in run.results}, "none": set()}[histograms]
        return ([table_view(run)] + [histogram_view(r) for r in run.results if r.key in keys]
                + [part for part in (audit_view(run), closing) if part])
    _emit(run, fmt, output, view)
    if closing and fmt != "table" and not quiet and output not in (None, "-"):
        click.echo(closing, err=True)
    if plot:
        from .plot import plot_histograms
        plot_histograms(run.results, plot, spec.title, spec.histograms, spec.published)
    if not run.complete:
        target = output if (output and fmt in ("csv", "json")) else PARTIAL_FILE
        if target == PARTIAL_FILE:
            from .export import write_text
            write_text(run.to_frame().to_csv(index=False), PARTIAL_FILE)
        for key, why in run.failed.items():
            click.echo(f"Failed: row {key.replace('|', ' ')} was not computed: {why}", err=True)
        click.echo(f"{'Aborted' if run.interrupted else 'Incomplete'}: {len(run.results)} of {len(spec.rows)} rows "
                   f"finished and kept in {target}; continue with --resume {target}", err=True)
        sys.exit(130 if run.interrupted else 1)


@cli.command()
@_shape_options(ranges=False)
@click.option("--samples", type=click.IntRange(1, 100_000), default=100, show_default=True,
              help="Random instances sampled first (those of `linnet table` for the same seed); the best start the search.")
@click.option("--budget", type=click.IntRange(0, 10_000_000), default=None,
              help="Candidate instances the search tracks (whole generations of chains × batch). [default: 1280]")
@click.option("--target", type=click.IntRange(1), default=None, help="Stop as soon as the record reaches this N_R.")
@click.option("--chains", type=click.IntRange(1, 256), default=None, help="Walkers of the search. [default: 4]")
@click.option("--batch", type=click.IntRange(1, 1024), default=None,
              help="Candidates per walker and generation, tracked in one batch. [default: 8]")
@click.option("--allow-negative", is_flag=True, help="Let Λ take any real value (default: Λ > 0, a coercive loss).")
@click.option("--distribution", default="default", show_default=True,
              help="Distribution of the sampled and restart instances; the search stays in its support.")
@_engine_options("native")
@click.option("--jobs", type=click.IntRange(1, 256), default=None,
              help="Parallel processes. [default: all cores; 1 with --engine julia]; results do not depend on it")
@click.option("--certify", is_flag=True, help="Prove every critical point of the record instance (Krawczyk).")
@click.option("--save-instance", metavar="FILE", default=None, help="Write the record instance to FILE (.json or .npz).")
@_common_options
@_output_options
def maxreal(d, dx, dy, H, m, widths, samples, budget, target, chains, batch, allow_negative, distribution, engine,
            threads, julia_method, trace_test, max_loops, jobs, certify, save_instance, seed, quiet, fmt, output) -> None:
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
    from .instance import check_instance_suffix
    from .maxreal import BATCH, BUDGET, CHAINS, max_real
    from .table import default_jobs
    from .network import single_value
    spec, _ = _engine(engine, threads, julia_method, trace_test=trace_test, max_loops=max_loops)
    _check_files([("--output", output), ("--save-instance", save_instance)], [])
    if save_instance:
        check_instance_suffix(save_instance)
    seed = _seed(seed)
    net = _network(d, dx, dy, H, widths)
    jobs = 1 if spec.name == "julia" else (jobs or default_jobs(spec))
    progress = LazyProgress(quiet)
    try:
        result = max_real(net, single_value(m, "m", 1), samples=samples, budget=BUDGET if budget is None else budget, seed=seed,
                          distribution=distribution, allow_negative=allow_negative, engine=spec, jobs=jobs,
                          chains=chains or CHAINS, batch=batch or BATCH, target=target, certify=certify,
                          progress=progress)
    finally:
        progress.close()
    if save_instance:
        from .instance import save_instance as save
        save(result.instance, save_instance)
    _warn(quiet, result.warnings)

    def view() -> list:
        from .render import maxreal_view
        return [maxreal_view(result)]
    _emit(result, fmt, output, view)
    if result.interrupted:
        click.echo("Interrupted: the record shown is the best found so far"
                   + (f" (saved in {save_instance})" if save_instance else ""), err=True)
        sys.exit(130)


@cli.command()
@_shape_options(ranges=False)
@click.option("--data", type=click.Path(dir_okay=False), default=None,
              help="Instance file (.npz or .json); its values are converted to exact rationals.")
@click.option("--format", "fmt", type=click.Choice(["text", "julia", "phc", "singular", "msolve", "json"]),
              default="text", show_default=True, help="Target format.")
@click.option("--prime", type=int, default=None,
              help="Work over the prime field GF(p) (singular, msolve): much faster, generic with high probability.")
@click.option("--output", "-o", metavar="FILE", default=None, help="Write to FILE instead of stdout.")
@_common_options
def emit(d, dx, dy, H, m, widths, data, fmt, prime, output, seed, quiet) -> None:
    """Write the gradient system of an instance for other tools.

    Random instances are drawn as exact rationals (denominators ≤ 100), the same ones as
    `linnet solve --rational --seed S`, so exact tools see exactly the instance linnet solves.

    \b
    Examples:
      linnet emit --d 2 --dx 2 --dy 2 --format singular | Singular -q
      linnet emit --d 2 --dx 2 --dy 2 --format phc -o system.phc && phc -b system.phc out.txt
      linnet emit --widths 2,3,1,2 --format julia -o solve.jl
    """
    from .emit import emit as write
    from .export import write_text
    _check_files([("--output", output)], [("--data", data)])
    given, seed = seed, _seed(seed)
    inst = _instance(d, dx, dy, H, m, widths, data, seed, rational=True)
    _warn(quiet, inst.genericity_warnings())
    kwargs: dict[str, Any] = {}
    if prime is not None:
        kwargs["prime"] = prime
    write_text(write(inst, fmt, **kwargs), output)
    _show_drawn_seed(given, seed, quiet)


@cli.command()
def engines() -> None:
    """Which engines can be used here, their versions, and why not; and whether Dask is there for
    `linnet table --scheduler`.

    \b
    Example:
      linnet engines
    """
    from rich.console import Console

    from .cluster import dask_status
    from .engines import engine_status
    from .render import engines_view
    Console().print(engines_view(engine_status() + [("dask", *dask_status())]))


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    cli.main(args=argv, prog_name="linnet")
