"""``linnet bounds``: Bézout, BKK and the thesis's bounds for shapes (:func:`linnet_cli.bounds_row` per shape)."""
from __future__ import annotations

import click

from .. import terminal
from .options import Shape, check_files, output_options, shape_options


@click.command()
@shape_options(ranges=True)
@click.option("--bkk/--no-bkk", default=True, show_default=True, help="Compute the BKK columns (mixed volumes).")
@click.option("--engine", default="native", show_default=True,
              help="Who computes the mixed volumes: native (linnet's own, cached) or julia (HomotopyContinuation.jl).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.option("--columns", metavar="LIST", default=None,
              help="Columns of the table, markdown and latex formats: names such as N,BKK,B_C (the shape is "
                   "always shown), or 'all'. [default: every column that fits the terminal; in markdown and "
                   "latex all]")
@output_options
def bounds(shape: Shape, bkk, engine, quiet, columns, fmt, output) -> None:
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
      linnet bounds --format latex -o bounds.tex
    """
    from ...checks.bounds import BOUND_COLUMNS, bkk_progress, bounds_records, bounds_row
    from ..columns import BOUNDS_COLUMNS, parse_columns
    from ...engines import EngineSpec, mixed_volume_for
    from ...errors import InputError, opt
    from ...export import frame_to_text, integer_frame, write_text
    from ...model.network import parse_range
    from ...studies.spec import load_table_spec

    mixed_volume = mixed_volume_for(EngineSpec(engine))
    cols = parse_columns(columns, BOUNDS_COLUMNS)
    if cols is not None and fmt in ("csv", "json"):
        raise InputError(f"{opt('columns')} chooses the columns of the table, markdown and latex formats; "
                         "csv and json always hold every column")
    check_files([("--output", output)])
    shape.widths_alone(strict=True)
    if shape.widths or any(v is not None for v in (shape.d, shape.dx, shape.dy, shape.H)):
        todo = [(r.network, r.m) for r in shape.rows()]
    else:  # the shapes of Table 3.1
        todo = [(r.network, mm) for r in load_table_spec().rows for mm in parse_range(shape.m or "1", "m")]
    progress = terminal.LazyProgress(quiet)
    rows = []
    try:
        for k, (net, mm) in enumerate(todo):
            label = f"bounds {net.label()} m={mm}"
            progress(label, round(100 * k / len(todo)), 100)     # percent of the shapes, as bkk_progress
            rows.append(bounds_row(net, mm, bkk=bkk, mixed_volume=mixed_volume,
                                   progress=bkk_progress(progress, label, k, len(todo))))
    except KeyboardInterrupt:   # "Aborted", exit code 130
        if bkk and rows:
            click.echo(f"{len(rows)} of {len(todo)} shapes were done; their BKK values are cached.", err=True)
        raise click.exceptions.Abort() from None
    finally:
        progress.close()
    if fmt == "table":
        from ..render import bounds_view
        terminal.show([bounds_view(rows, cols)], output)
        return
    if fmt in ("markdown", "latex"):
        from ..paper import bounds_paper
        write_text(bounds_paper(rows, cols).text(fmt), output)
        return
    records, keys = bounds_records(rows)
    write_text(frame_to_text(integer_frame(records, keys, list(BOUND_COLUMNS)), fmt, records), output)
