"""The atlas as a web page that works offline: ``linnet atlas report DIRECTORY -o SITE``.

SITE gets ``index.html`` and ``assets/plotly.min.js``; nothing is fetched from the network when the page
is opened from disk. The table is DataTables through itables (sort by a column, search, and a search
row under the header: one box per column, ``H`` equal to 2 for instance), its script and styles inlined
in the page (about 1 MB: a module script cannot be loaded from a ``file:`` address, so it is inlined
as itables does for notebooks); the plots are plotly figures drawn by ``plotly.min.js`` (4.8 MB, one
file beside the page, loaded by an ordinary script tag, which a ``file:`` page may do); the page is a
jinja2 template (``templates/report.html.j2``). Why these libraries: docs/design.md, *The atlas*.

The libraries are the optional extra ``atlas`` (``pip install 'linnet-cli[atlas]'``); without them
:func:`write_report` stops with one line that says so, before writing anything.
"""
from __future__ import annotations

import importlib.util
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from collections.abc import Sequence

from ..errors import InputError, opt

if TYPE_CHECKING:
    import pandas as pd

    from .conjectures import ConjectureReport

__all__ = ["INSTALL_HINT", "PAGE_LIBRARIES", "TABLE_COLUMNS", "PLOTLY_ASSET", "require_page_libraries",
           "table_frame", "figures", "page_html", "write_report"]

#: How to get the page's libraries.
INSTALL_HINT = "pip install 'linnet-cli[atlas]'"
#: The libraries the page is made with (import names).
PAGE_LIBRARIES = ("itables", "plotly", "jinja2")
#: Columns of the page's table, in order (those the atlas has); the rest are in atlas.csv and atlas.parquet.
TABLE_COLUMNS = ("widths", "H", "m", "dx", "hidden", "dy", "N", "status", "completeness", "N_C", "N_C_star",
                 "B_C", "B_C_star", "BKK", "BKK_torus", "CBB", "max_N_R", "real_samples", "failed_paths",
                 "paths_tracked", "seconds", "spot_check", "why")
#: Columns shown as text (never read as numbers by the table: ``2,2,2`` is not two thousand and twenty-two).
TEXT_COLUMNS = ("widths", "hidden", "status", "completeness", "spot_check", "why")
#: Where plotly's script goes, relative to index.html.
PLOTLY_ASSET = "assets/plotly.min.js"
#: Colours of the hidden-layer counts (plotly's default sequence), and of the completeness labels.
H_COLOURS = ("#636efa", "#ef553b", "#00cc96", "#ab63fa", "#ffa15a", "#19d3f3", "#ff6692", "#b6e880")


def require_page_libraries() -> None:
    """InputError naming the missing libraries and how to install them, unless all of
    :data:`PAGE_LIBRARIES` can be imported (checked without importing them)."""
    missing = [m for m in PAGE_LIBRARIES if importlib.util.find_spec(m) is None]
    if missing:
        raise InputError(f"the atlas report page needs {', '.join(missing)}, not installed: {INSTALL_HINT}")


def _cell(v: Any, column: str) -> str:
    """A table cell as people read it: counts with thousands separators, seconds to 3 digits, '' when empty."""
    import pandas as pd
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, bool) or column in TEXT_COLUMNS:
        return {True: "yes", False: "no"}.get(v, str(v)) if isinstance(v, bool) else str(v)
    if isinstance(v, float) and not v.is_integer():
        return f"{v:.3g}" if column == "seconds" else f"{v:g}"
    try:
        return f"{int(v):,}"
    except (TypeError, ValueError):
        return str(v)


def table_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The page's table: :data:`TABLE_COLUMNS` the atlas has, every cell text (see :func:`_cell`), rows
    by H, N and widths."""
    import pandas as pd
    cols = [c for c in TABLE_COLUMNS if c in frame.columns]
    order = [c for c in ("H", "N", "widths", "m") if c in frame.columns]
    data = frame.sort_values(order, kind="stable") if order else frame
    return pd.DataFrame({c: [_cell(v, c) for v in data[c].tolist()] for c in cols})


def _label(widths: Any, m: Any) -> str:
    return f"{widths} m={m}"


def _numbers(values: Sequence[Any]) -> list[float | None]:
    import pandas as pd
    out: list[float | None] = []
    for v in values:
        out.append(None if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else float(v))
    return out


@dataclass
class Figure:
    """One plot of the page: its title, what it shows (a sentence), and its HTML (a plotly div)."""

    key: str
    title: str
    caption: str
    html: str


def figures(frame: pd.DataFrame) -> list[Figure]:
    """The page's plots: N_C and N_C* against N by H (log scale), the share of torus points by shape,
    the completeness labels by H, and the time per shape."""
    import plotly.graph_objects as go

    def div(fig: Any, key: str) -> str:
        fig.update_layout(template="plotly_white", height=420, margin={"l": 60, "r": 20, "t": 30, "b": 60},
                          legend_title_text="H", showlegend=True)
        return str(fig.to_html(full_html=False, include_plotlyjs=False, div_id=f"plot-{key}", default_width="100%",
                               config={"displaylogo": False, "responsive": True}))

    out = []
    whole = {"dtick": 1} if "N" in frame and len(frame) and int(frame["N"].max()) <= 30 else {}   # N is whole
    hs = sorted(int(h) for h in frame["H"].dropna().unique()) if "H" in frame else []
    by_h = {h: frame[frame["H"] == h] for h in hs}

    for col, name in (("N_C", "N_C"), ("N_C_star", "N_C*")):
        if col not in frame or "N" not in frame:
            continue
        fig = go.Figure()
        hidden = 0
        for k, h in enumerate(hs):
            part = by_h[h]
            ys = _numbers(part[col].tolist())
            keep = [i for i, y in enumerate(ys) if y is not None and y > 0]
            hidden += sum(1 for y in ys if y is not None and y <= 0)
            labels = [_label(w, m) for w, m in zip(part["widths"], part["m"])]
            fig.add_trace(go.Scatter(x=[float(part["N"].iloc[i]) for i in keep], y=[ys[i] for i in keep],
                                     mode="markers", name=str(h), marker={"color": H_COLOURS[k % len(H_COLOURS)]},
                                     text=[labels[i] for i in keep],
                                     hovertemplate=f"%{{text}}<br>N = %{{x}}<br>{name} = %{{y:,}}<extra>H = {h}"
                                                   "</extra>"))
        fig.update_xaxes(title_text="N (weights)", **whole)
        fig.update_yaxes(title_text=name, type="log")
        note = f" Rows with {name} = 0 ({hidden}) have no place on a log scale and are left out." if hidden else ""
        out.append(Figure(col, f"{name} against N", f"{name} of every shape against its number of weights N, "
                          f"coloured by the number of hidden layers H (log scale).{note}", div(fig, col)))

    if {"N_C", "N_C_star", "widths", "m"} <= set(frame.columns):
        fig = go.Figure()
        for k, h in enumerate(hs):
            part = by_h[h].sort_values(["N", "widths", "m"], kind="stable") if "N" in frame else by_h[h]
            nc, ns = _numbers(part["N_C"].tolist()), _numbers(part["N_C_star"].tolist())
            pairs = [(_label(w, m), s / c) for w, m, c, s in zip(part["widths"], part["m"], nc, ns)
                     if c and s is not None]
            fig.add_trace(go.Bar(x=[p[0] for p in pairs], y=[p[1] for p in pairs], name=str(h),
                                 marker={"color": H_COLOURS[k % len(H_COLOURS)]},
                                 hovertemplate="%{x}<br>N_C*/N_C = %{y:.3f}<extra></extra>"))
        fig.update_xaxes(title_text="shape (widths, m), by N", type="category")
        fig.update_yaxes(title_text="N_C* / N_C", range=[0, 1])
        out.append(Figure("torus-share", "Share of torus points", "N_C*/N_C: the share of the critical points "
                          "with no zero weight, per shape, coloured by H.", div(fig, "torus-share")))

    if "completeness" in frame:
        fig = go.Figure()
        labels = sorted(str(c) for c in frame["completeness"].dropna().unique())
        for k, h in enumerate(hs):
            counts = by_h[h]["completeness"].astype(str).value_counts()
            fig.add_trace(go.Bar(x=labels, y=[int(counts.get(lab, 0)) for lab in labels], name=str(h),
                                 marker={"color": H_COLOURS[k % len(H_COLOURS)]},
                                 hovertemplate="%{x}: %{y} shapes<extra>H = " + str(h) + "</extra>"))
        fig.update_layout(barmode="stack")
        fig.update_xaxes(title_text="completeness")
        fig.update_yaxes(title_text="shapes")
        out.append(Figure("completeness", "How sure the counts are", "The number of shapes with each "
                          "completeness label (see README, Completeness), stacked by H.", div(fig, "completeness")))

    if {"seconds", "N"} <= set(frame.columns):
        fig = go.Figure()
        for k, h in enumerate(hs):
            part = by_h[h]
            secs = _numbers(part["seconds"].tolist())
            keep = [i for i, s in enumerate(secs) if s is not None and s > 0]
            labels = [_label(w, m) for w, m in zip(part["widths"], part["m"])]
            fig.add_trace(go.Scatter(x=[float(part["N"].iloc[i]) for i in keep], y=[secs[i] for i in keep],
                                     mode="markers", name=str(h), marker={"color": H_COLOURS[k % len(H_COLOURS)]},
                                     text=[labels[i] for i in keep],
                                     hovertemplate="%{text}<br>N = %{x}<br>%{y:.3g} s<extra></extra>"))
        fig.update_xaxes(title_text="N (weights)", **whole)
        fig.update_yaxes(title_text="seconds", type="log")
        out.append(Figure("seconds", "Time per shape", "The time each shape took (every seed, its checks "
                          "included), against N, coloured by H (log scale).", div(fig, "seconds")))
    return out


def _table_html(table: pd.DataFrame) -> tuple[str, str]:
    """(the inlined DataTables library, the table) for the page, both from itables, offline."""
    import itables
    from itables.javascript import generate_init_offline_itables_html
    numeric = [i for i, c in enumerate(table.columns) if c not in TEXT_COLUMNS]
    text = [i for i, c in enumerate(table.columns) if c in TEXT_COLUMNS]
    table_html = itables.to_html_datatable(
        table, table_id="atlas", connected=False, display_logo_when_loading=False, maxBytes=0, showIndex=False,
        # one table scrolled by its wrapper (the page's style), not scrollX: scrollX draws the header as a
        # table of its own, whose columns fell out of line with the body's under the row of search boxes
        classes="display nowrap compact cell-border", pageLength=25,
        lengthMenu=[10, 25, 100, 1000], allow_html=False,
        text_in_header_can_be_selected=False,     # a click anywhere on a header sorts, its text included
        layout={"topStart": "pageLength", "topEnd": "search", "bottomStart": "info", "bottomEnd": "paging"},
        columnDefs=[{"targets": numeric, "type": "num-fmt", "className": "dt-right"},
                    {"targets": text, "type": "string"}],
        columnControl=[{"target": 1, "content": ["search"]}])   # a row of search boxes under the headers
    return generate_init_offline_itables_html(itables.options.dt_bundle), table_html


#: The sidecar's entries the page shows, in order (atlas.json, written by ``linnet atlas run``); any other
#: entry follows, but the long list of ``columns`` (their meanings are in the dataset's documentation).
METADATA_FIRST = ("linnet_version", "created", "updated", "machine", "seconds", "rows", "rows_in_budget", "complete",
                  "seeds", "real_samples", "exact", "engine", "budget", "schema")


def _metadata(sidecar: dict[str, Any]) -> list[tuple[str, str]]:
    """The sidecar's entries as (name, text) for the page; the total time in words as well."""
    from ..export import duration_text
    keys = [k for k in METADATA_FIRST if k in sidecar] + [k for k in sidecar if k not in METADATA_FIRST
                                                          and k not in ("columns", "files")]

    def text(k: str, v: Any) -> str:
        if k == "seconds" and isinstance(v, (int, float)) and not isinstance(v, bool):
            return f"{v:,.1f} s in all" + (f" ({duration_text(float(v))})" if v >= 120 else "")
        if k == "machine" and isinstance(v, dict):
            return ", ".join(f"{a}: {b}" for a, b in v.items())
        if isinstance(v, (dict, list)):
            return json.dumps(v, sort_keys=True)
        if isinstance(v, int) and not isinstance(v, bool):
            return f"{v:,}"
        return str(v)
    return [(k, text(k, sidecar[k])) for k in keys]


def page_html(frame: pd.DataFrame, reports: Sequence[ConjectureReport], sidecar: dict[str, Any] | None = None,
              title: str = "linnet atlas") -> str:
    """The page (index.html) for an atlas, its conjecture reports and its sidecar metadata; it loads
    plotly from :data:`PLOTLY_ASSET`."""
    require_page_libraries()
    import jinja2
    from importlib.metadata import PackageNotFoundError, version
    env = jinja2.Environment(loader=jinja2.PackageLoader("linnet_cli.atlas", "templates"),
                             autoescape=jinja2.select_autoescape(["html", "j2"]), undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True)
    dt_library, table = _table_html(table_frame(frame))
    try:
        made_with = version("linnet-cli")
    except PackageNotFoundError:
        made_with = "unknown"
    counts = {"rows": len(frame), "verified": int((frame["status"] == "verified").sum()) if "status" in frame else 0}
    hs = frame["H"].value_counts().sort_index() if "H" in frame else None
    return env.get_template("report.html.j2").render(
        title=title, plotly_src=PLOTLY_ASSET, dt_library=dt_library, table=table, figures=figures(frame),
        reports=list(reports), metadata=_metadata(sidecar or {}), counts=counts,
        by_h=[(int(h), int(n)) for h, n in zip(hs.index.tolist(), hs.tolist())] if hs is not None else [],
        made_with=made_with, fmt=_fmt)


def _fmt(v: Any) -> str:
    """A count in the page's text: thousands separators; anything else as it is."""
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    return str(v)


def _plotly_js() -> bytes:
    import plotly
    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"plotly's script {path} cannot be read ({exc.strerror}): reinstall plotly, "
                         f"{INSTALL_HINT}") from None


def check_site(site: str | Path) -> Path:
    """Refuse (InputError) a SITE that cannot be written: a file, or a directory whose parent is missing."""
    p = Path(site)
    if p.exists() and not p.is_dir():
        raise InputError(f"{opt('output')} {p} is a file, not a directory for the page")
    parent = p.parent if str(p.parent) else Path(".")
    if not p.exists() and not parent.is_dir():
        raise InputError(f"{opt('output')} {p}: its directory {parent} does not exist")
    if p.exists() and not os.access(p, os.W_OK):
        raise InputError(f"{opt('output')} {p}: the directory is not writable")
    return p


def write_report(frame: pd.DataFrame, site: str | Path, reports: Sequence[ConjectureReport] | None = None,
                 sidecar: dict[str, Any] | None = None, title: str = "linnet atlas") -> Path:
    """Write the atlas's page into the directory ``site`` (created if missing) and return the path of its
    index.html. ``reports``: the conjecture reports to show (default: the shipped conjectures checked
    against ``frame``); ``sidecar``: the atlas's metadata (atlas.json). Every file is written atomically,
    the script first and index.html last, so that a page is never there without its script."""
    from ..output_files import atomic_open, write_text_atomic
    require_page_libraries()
    p = check_site(site)
    if reports is None:
        from .conjectures import check_conjectures
        reports = check_conjectures(frame)
    text = page_html(frame, reports, sidecar, title)
    script = _plotly_js()
    try:
        (p / "assets").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{opt('output')}: cannot make {p / 'assets'}: {exc.strerror}") from None
    with atomic_open(p / PLOTLY_ASSET, binary=True) as fh:
        fh.write(script)
    write_text_atomic(text, p / "index.html")
    return p / "index.html"
