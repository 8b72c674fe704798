"""Histograms of N_R per row (``linnet table --plot``), in the format the file's suffix names (PNG, PDF,
SVG, ...); matplotlib is an optional extra."""
from __future__ import annotations

import math
from pathlib import Path

from ..errors import InputError, opt
from ..output_files import atomic_open

#: Ticks per panel at most: N_R takes every value of N_C's parity up to N_C, too many to label them all.
MAX_TICKS = 7


def parity_ticks(n_complex: int, top: int | None = None) -> list[int]:
    """Tick positions for an axis of N_R from 0 to ``top`` (default N_C): values of N_C's parity (the only
    ones N_R takes for real data), evenly spaced, the last one ``top`` (raised to N_C's parity)."""
    lo = n_complex % 2
    end = n_complex if top is None else max(lo, top + (top - lo) % 2)
    step = 2 * max(1, math.ceil((end - lo) / 2 / (MAX_TICKS - 1)))
    ticks = list(range(lo, end + 1, step))
    if ticks[-1] != end and end - ticks[-1] < step / 2:
        ticks[-1] = end
    elif ticks[-1] != end:
        ticks.append(end)
    return ticks


def check_plot(path: str | Path) -> str:
    """The format of a plot file (its suffix, e.g. ``png``, ``pdf``, ``svg``), checked before any work:
    InputError when matplotlib is not installed, when the suffix names no format matplotlib writes
    (``.txt``), or when the file has no suffix. ``pgf`` also needs the TeX system matplotlib runs."""
    import importlib.util
    if importlib.util.find_spec("matplotlib") is None:   # a table takes minutes: say so before them
        raise InputError(f"{opt('plot')} needs matplotlib: pip install 'linnet-cli[plot]'")
    from matplotlib.backend_bases import FigureCanvasBase
    formats = FigureCanvasBase.get_supported_filetypes()
    suffix = Path(path).suffix.lower().lstrip(".")
    known = ", ".join(f".{f}" for f in sorted(formats))
    if not suffix:
        raise InputError(f"{opt('plot')} {path} has no suffix to say its format: name it e.g. histograms.png "
                         f"(formats: {known})")
    if suffix not in formats:
        raise InputError(f"{opt('plot')} {path}: matplotlib cannot write .{suffix} files (formats: {known})")
    if suffix == "pgf":
        import shutil

        import matplotlib
        tex = matplotlib.rcParams["pgf.texsystem"]
        if shutil.which(tex) is None:
            raise InputError(f"{opt('plot')} {path}: a .pgf plot needs {tex} (matplotlib's pgf.texsystem), which "
                             "is not installed; use .pdf or .svg")
    return suffix


def plot_histograms(results: list, path: str | Path, title: str, highlight: list[str] | None = None,
                    published: dict[str, dict[str, int]] | None = None) -> None:
    """One bar chart of the distribution of N_R per row, in a grid. Each panel's axis runs from 0 to the
    largest N_R it shows (sampled, published or found by the search; ticks on N_C's parity, N_C in the
    title), so that its bars use the panel's width; the published max N_R (dashed) and the search's record
    (solid) are marked, their values written in the headroom above the bars; rows in ``highlight`` stand
    out. A legend under the grid says what is what."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.artist import Artist
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch
    except ImportError:
        raise InputError(f"{opt('plot')} needs matplotlib: pip install 'linnet-cli[plot]'") from None
    n = len(results)
    cols = min(n, 6)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.0 * cols, 2.4 * rows + 0.6), squeeze=False)
    for ax in axes.ravel()[n:]:
        ax.axis("off")
    marked = {"highlight": False, "published": False, "search": False}
    for ax, r in zip(axes.ravel(), results):
        ks = sorted(r.N_R_histogram)
        lit = bool(highlight and r.key in highlight)
        marked["highlight"] |= lit
        color = "tab:red" if lit else "tab:blue"
        pub = (published or {}).get(r.key, {}).get("maxNR")
        shown = ks + [v for v in (pub, r.search_max_N_R) if v is not None]
        top = max(1, max(shown))
        ticks = parity_ticks(r.N_C, top)
        ax.bar(ks, [r.N_R_histogram[k] for k in ks], width=max(0.8, ticks[-1] / 60), color=color)
        ax.set_xlim(-1, ticks[-1] + 1)
        ax.set_xticks(ticks)
        peak = max(r.N_R_histogram.values())
        ax.set_ylim(0, peak * 1.45)     # headroom above the bars for the marks' values
        marks = [(pub, "--", "black", f"published {pub}", "published"),
                 (r.search_max_N_R, "-", "tab:green", f"search {r.search_max_N_R}", "search")]
        texts = []
        for x, style, c, text, kind in marks:
            if x is None:
                continue
            marked[kind] = True
            ax.axvline(x, linestyle=style, color=c, linewidth=1)
            texts.append((x, c, text))
        for i, (x, c, text) in enumerate(sorted(texts)):
            # in the headroom, on the side of its line with more room; two marks one above the other
            left = x > (ticks[-1] / 2)
            ax.text(x + (-0.01 if left else 0.01) * ticks[-1], 0.95 - 0.11 * i, text, fontsize=7, color=c,
                    transform=ax.get_xaxis_transform(), va="top", ha="right" if left else "left")
        label = f"d={r.d}, dx={r.dx}, dy={r.dy}" if r.d is not None else f"widths {r.widths}"
        if r.H != 1 or r.m != 1:
            label += f", H={r.H}, m={r.m}"
        ax.set_title(f"{label} (N_C = {r.N_C:,})", fontsize=9)
        ax.set_xlabel("N_R (real critical points)", fontsize=8)
        ax.set_ylabel("instances", fontsize=8)
        ax.tick_params(labelsize=7)
    handles: list[Artist] = [Patch(color="tab:blue", label="instances with N_R real critical points")]
    if marked["highlight"]:
        handles.append(Patch(color="tab:red", label="the same, rows the table definition highlights"))
    if marked["published"]:
        handles.append(Line2D([], [], color="black", linestyle="--", linewidth=1, label="published max N_R"))
    if marked["search"]:
        handles.append(Line2D([], [], color="tab:green", linewidth=1, label="max N_R found by the search"))
    fig.suptitle(title)
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.6 / (2.4 * rows + 0.6), 1, 1))
    try:
        with atomic_open(path, "plot", binary=True) as fh:
            fig.savefig(fh, dpi=110, format=check_plot(path))
    finally:
        plt.close(fig)
