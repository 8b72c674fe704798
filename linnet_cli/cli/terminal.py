"""What the command line shows: consoles, warnings, a progress bar that appears only for long work, and
results written as a rich view, JSON or a frame (to the terminal or to a file, atomically; every write to
standard output checked).

Everything here is about the terminal; the library never prints (its warnings are strings on results).
"""
from __future__ import annotations

import os
import sys
import time
from typing import TYPE_CHECKING, Any
from collections.abc import Callable

import click

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID


def out_console(output: str | None = None):
    """Console for results, rendering into a string (its ``file``, written out by :func:`show`): a
    recording 160 columns wide for --output FILE, else what the terminal shows (its width and colours),
    or a page 160 columns wide when standard output is not a terminal."""
    import io

    from rich.console import Console
    if output not in (None, "-"):
        return Console(record=True, width=160, file=io.StringIO())
    term = Console()
    if term.is_terminal:
        # rich types color_system as any str, though it is one of the names Console takes
        return Console(file=io.StringIO(), force_terminal=True, color_system=term.color_system,  # type: ignore[arg-type]
                       width=term.width)
    # piped: a page 160 columns wide, or the width the environment asks for (COLUMNS=80 linnet table | less)
    columns = os.environ.get("COLUMNS", "")
    return Console(file=io.StringIO(), width=int(columns) if columns.isdigit() and int(columns) > 0 else 160)


def err_console():
    """Console on stderr (progress, warnings, notes)."""
    from rich.console import Console
    return Console(stderr=True)


def warn(quiet: bool, messages: list[str]) -> None:
    """Each message as one "warning:" line on stderr (none with --quiet)."""
    if quiet or not messages:
        return
    from rich.markup import escape
    con = err_console()
    for m in messages:
        con.print(f"[yellow]warning:[/yellow] {escape(m)}", highlight=False)


def announce_compilation(quiet: bool, engine: str) -> None:
    """One line on stderr when the native engine's tracker is compiled (a cold numba cache: once per machine)."""
    if quiet or engine != "native":
        return
    from ..homotopy.tracker import on_compile
    on_compile(lambda message: click.echo(message, err=True))


def show_drawn_seed(given: int | None, seed: int, quiet: bool) -> None:
    """A drawn seed goes to stderr once the input is accepted, so that the run can be repeated."""
    if given is None and not quiet:
        click.echo(f"seed {seed} (drawn; repeat this run with --seed {seed})", err=True)


class LazyProgress:
    """A rich progress bar on stderr that appears only when the work lasts more than a second, and
    only on a terminal (a log file gets no bar, and no blank line where it was). It is a
    :class:`~linnet_cli.progress.Progress` callback; a total of None (the work's size not known yet)
    shows a moving indeterminate bar and no count."""

    DELAY = 1.0

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet or not sys.stderr.isatty()
        self.t0 = time.perf_counter()
        self.progress: Progress | None = None
        self.task: TaskID | None = None

    def __call__(self, description: str, completed: float, total: float | None) -> None:
        if self.quiet or time.perf_counter() - self.t0 < self.DELAY:
            return
        if self.progress is None or self.task is None:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
            self.progress = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[count]}"),
                                     TimeElapsedColumn(), console=err_console(), transient=True)
            self.progress.start()
            self.task = self.progress.add_task(description, total=total, count="")
        count = "" if total is None else f"{completed}/{total}"
        self.progress.update(self.task, description=description, completed=completed, total=total, count=count)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()


def show(parts: list, output: str | None) -> None:
    """Print rich renderables to the terminal, or to the file ``output`` as text. The terminal's text
    is rendered first and written in one checked write (:func:`linnet_cli.output_files.write_stdout`):
    a failed write is an error, never a table cut short in silence."""
    from ..export import write_text
    from ..output_files import write_stdout
    con = out_console(output)
    for part in parts:
        con.print(part)
    if output not in (None, "-"):
        write_text(con.export_text(), output)
    else:
        write_stdout(con.file.getvalue())


def write_result(result: Any, fmt: str, output: str | None, view: Callable[[], list],
                 paper: Callable[[str], str] | None = None) -> None:
    """Write a result: ``view()`` (rich renderables) for the table format, else ``result.to_dict()`` as
    json, ``paper(fmt)`` (a table for a paper) as markdown or latex when given, else ``result.to_frame()``
    as csv, markdown or latex."""
    from ..export import frame_to_text, json_text, write_text
    if fmt == "table":
        show(view(), output)
    elif fmt == "json":
        write_text(json_text(result.to_dict()), output)
    elif paper is not None and fmt in ("markdown", "latex"):
        write_text(paper(fmt), output)
    else:
        write_text(frame_to_text(result.to_frame(), fmt), output)
