"""``linnet engines``: which engines (and Dask) can be used here, and why not."""
from __future__ import annotations

import click


@click.command()
def engines() -> None:
    """Which engines can be used here, their versions, and why not; and whether Dask is there for
    `linnet table --scheduler`.

    \b
    Example:
      linnet engines
    """
    from .. import terminal
    from ...studies.cluster import dask_status
    from ...engines import engine_status
    from ..render import engines_view
    dask, status = dask_status()
    status += " (linnet table --scheduler)" if dask else ""
    terminal.show([engines_view(engine_status() + [("dask", dask, status)])], None)
