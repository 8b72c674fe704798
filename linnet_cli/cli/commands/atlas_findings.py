"""``linnet atlas check`` and ``linnet atlas report``: what an atlas says about the conjectures, in the
terminal (:func:`linnet_cli.atlas.conjectures.check_conjectures`) and as a page that works offline
(:func:`linnet_cli.atlas.page.write_report`). The ``atlas`` group adds both commands."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any
from collections.abc import Sequence

import click

if TYPE_CHECKING:
    from ...atlas.conjectures import ConjectureReport

__all__ = ["check", "report", "conjecture_options", "reports_json", "reports_markdown", "reports_view"]

#: Formats of ``linnet atlas check``.
CHECK_FORMATS = ("table", "json", "markdown")


def conjecture_options(f: Any) -> Any:
    """--conjectures FILE (repeatable) and --no-shipped."""
    f = click.option("--no-shipped", is_flag=True,
                     help="Leave out linnet's own conjectures (configs/conjectures.toml): check only those of "
                          "--conjectures.")(f)
    return click.option("--conjectures", "files", metavar="FILE", multiple=True,
                        help="A TOML file of conjectures, added to linnet's own (one of the same name replaces "
                             "it); repeatable. Format: README, Checking conjectures.")(f)


def _load(directory: str, files: Sequence[str], no_shipped: bool) -> tuple[Any, list[ConjectureReport]]:
    """The atlas of ``directory`` and the reports of the conjectures asked for (files read before the atlas,
    so that a bad file is said at once)."""
    from ...atlas.conjectures import check_conjectures, load_conjectures
    from ...atlas.dataset import load_atlas
    conjectures = load_conjectures(*files, shipped=not no_shipped)
    frame = load_atlas(directory)
    meta = frame.attrs.get("atlas") or {}
    if meta.get("complete") is False:     # a run interrupted, or still going: say so before any verdict
        click.echo(f"note: the atlas {directory} is unfinished: its files hold {len(frame):,} of its "
                   f"{meta.get('rows_in_budget') or 0:,} rows (`linnet atlas run` continues it); what follows "
                   "speaks of these rows only", err=True)
    return frame, check_conjectures(frame, conjectures)


def _skipped(r: ConjectureReport) -> str:
    return "; ".join(f"{why}: {n:,}" for why, n in r.skipped.items()) or "none"


#: Colours of the verdicts in the terminal.
VERDICT_COLOURS = {"holds": "green", "fails": "red", "untested": "yellow"}


def reports_view(reports: Sequence[ConjectureReport], directory: str) -> list:
    """The reports as rich renderables: a table of the verdicts and their counts (rows, and for an
    invariance also the groups of rows), then each conjecture's claims, scope, skipped rows by reason and
    first counterexamples. Long texts are under the table, where they have the terminal's width: at 80
    columns every word is whole."""
    from rich import box
    from rich.console import Group
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    from ..render import fmt, plain
    table = Table(title=plain(f"Conjectures on the atlas {directory}"), box=box.SIMPLE_HEAVY, caption_justify="left",
                  caption="Rows of each scope: checked (verified, with every value the claims need), where it "
                          "holds or fails, skipped (why: below); for an invariance also its groups of rows.")
    for head in ("conjecture", "verdict", "in scope", "checked", "hold", "fail", "skipped"):
        table.add_column(head, justify="left" if head in ("conjecture", "verdict") else "right")
    for r in reports:
        table.add_row(Text.assemble(plain(r.name), style="bold"),
                      Text(r.verdict, style=VERDICT_COLOURS[r.verdict]), fmt(r.rows_in_scope), fmt(r.rows_checked),
                      fmt(r.rows_held), fmt(r.rows_failed), fmt(r.rows_skipped))
        if r.groups_tested is not None:
            table.add_row(Text("  groups", style="dim"), "", "", fmt(r.groups_tested), fmt(r.groups_held),
                          fmt(r.groups_failed), "")
    parts: list = [table]
    for r in reports:
        title = Text.assemble(plain(r.name), ": ", style="bold")
        title.append(r.verdict, style=VERDICT_COLOURS[r.verdict])
        facts = Table.grid(padding=(0, 2))
        facts.add_column(style="dim", no_wrap=True)
        facts.add_column()
        facts.add_row("claims", Text("\n").join(plain(c) for c in r.claims))
        facts.add_row("scope", plain(r.scope or "every row"))
        facts.add_row("skipped", Text("\n").join(plain(f"{why}: {n:,}") for why, n in r.skipped.items()) or "none")
        block: list = [Text(), title, Padding(facts, (0, 0, 0, 2), expand=False)]
        if r.counterexamples:
            ex = Table(title=plain(r.counterexamples_heading().capitalize() + ":"), title_justify="left",
                       box=box.SIMPLE)
            for col in ("widths", "m", "claim", "observed", "predicted"):
                # a count too long for its column goes on the next line, never cut off
                ex.add_column(col, justify="left" if col in ("widths", "claim") else "right",
                              overflow="fold" if col in ("observed", "predicted") else "ellipsis")
            for e in r.counterexamples:
                ex.add_row(e.widths, fmt(e.m), plain(e.claim), fmt(e.observed), fmt(e.predicted))
            block.append(Padding(ex, (0, 0, 0, 2), expand=False))
        parts.append(Group(*block))
    return parts


def reports_json(reports: Sequence[ConjectureReport], directory: str) -> str:
    """The reports as JSON (schema ``linnet.atlas-check/1``)."""
    from ...export import json_text
    return json_text({"schema": "linnet.atlas-check/1", "atlas": directory,
                      "conjectures": [r.to_dict() for r in reports]})


def reports_markdown(reports: Sequence[ConjectureReport], directory: str) -> str:
    """The reports as a markdown table (rows, and for an invariance its groups of rows too), then each
    failure's counterexamples."""
    from ...export import markdown_escape as esc, thousands

    def count(rows: int, groups: int | None) -> str:
        return thousands(rows) + (f"<br>{thousands(groups)} groups" if groups is not None else "")
    lines = [f"**Conjectures on the atlas {esc(directory)}**", "",
             "| conjecture | claims | scope | verdict | in scope | checked | hold | fail | skipped |",
             "|---|---|---|---|--:|--:|--:|--:|---|"]
    for r in reports:
        claims = "<br>".join(f"`{c}`" for c in r.claims)
        lines.append(f"| {esc(r.name)} | {claims} | {('`' + r.scope + '`') if r.scope else 'every row'} | "
                     f"{r.verdict} | {thousands(r.rows_in_scope)} | {count(r.rows_checked, r.groups_tested)} | "
                     f"{count(r.rows_held, r.groups_held)} | {count(r.rows_failed, r.groups_failed)} | "
                     f"{esc(_skipped(r))} |")
    for r in reports:
        if r.counterexamples:
            lines += ["", f"Counterexamples to *{esc(r.name)}* ({r.counterexamples_heading()}):", "",
                      "| widths | m | claim | observed | predicted |", "|---|--:|---|--:|--:|"]
            lines += [f"| {e.widths} | {e.m} | `{e.claim}` | {thousands(e.observed)} | {thousands(e.predicted)} |"
                      for e in r.counterexamples]
    return "\n".join(lines) + "\n"


@click.command()
@click.argument("directory")
@conjecture_options
@click.option("--format", "fmt", type=click.Choice(CHECK_FORMATS), default="table", show_default=True,
              help="Output format.")
@click.option("--output", "-o", metavar="FILE", default=None, help="Write the result to FILE instead of stdout.")
def check(directory: str, files: tuple[str, ...], no_shipped: bool, fmt: str, output: str | None) -> None:
    """Check conjectures against an atlas: where each holds, and its first counterexamples.

    DIRECTORY is an atlas (linnet atlas run). The conjectures are linnet's own
    (configs/conjectures.toml: the H = 1, m = 1 formulas for N_C and N_C*, the
    bounds, the min(d_x, m) rule, reversal of the widths) and those of
    --conjectures FILE. Only verified rows are checked; the others are counted
    as skipped. The exit code is 0 whether the conjectures hold or not.

    \b
    Examples:
      linnet atlas check atlas/
      linnet atlas check atlas/ --conjectures mine.toml --format json -o check.json
      linnet atlas check atlas/ --conjectures mine.toml --no-shipped --format markdown
    """
    from ...export import write_text
    from ...output_files import check_outputs
    check_outputs([("output", output)], [("conjectures", f) for f in files])
    frame, reports = _load(directory, files, no_shipped)
    del frame
    if fmt == "table":
        from .. import terminal
        terminal.show(reports_view(reports, directory), output)
    elif fmt == "json":
        write_text(reports_json(reports, directory), output)
    else:
        write_text(reports_markdown(reports, directory), output)
    if output not in (None, "-"):     # as `linnet atlas report` says what it wrote, on stderr
        click.echo(f"wrote {output} ({Path(output).stat().st_size:,} bytes)", err=True)


@click.command()
@click.argument("directory")
@click.option("--output", "-o", "site", metavar="SITE", required=True,
              help="The directory to write the page into (index.html and assets/; created if missing).")
@conjecture_options
@click.option("--title", default="linnet atlas", show_default=True, help="The page's title.")
def report(directory: str, site: str, files: tuple[str, ...], no_shipped: bool, title: str) -> None:
    """Write the atlas DIRECTORY as a web page that works offline: SITE/index.html.

    The page has the atlas as a table to sort and filter, plots (N_C and N_C*
    against N by H, the share of torus points, completeness, time per shape),
    the conjectures with their counterexamples (as linnet atlas check), and the
    run's metadata. Open it from disk: it fetches nothing from the network.
    Needs: pip install 'linnet-cli[atlas]'.

    \b
    Examples:
      linnet atlas report atlas/ -o site
      linnet atlas report atlas/ -o site --conjectures mine.toml
    """
    from ...atlas.page import check_site, require_page_libraries, write_report
    require_page_libraries()
    check_site(site)
    frame, reports = _load(directory, files, no_shipped)
    index = write_report(frame, site, reports, frame.attrs.get("atlas"), title)
    click.echo(f"wrote {index} ({index.stat().st_size:,} bytes) and {index.parent / 'assets'}", err=True)
