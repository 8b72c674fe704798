"""PNG histograms of N_R per row (``linnet table --plot``); matplotlib is an optional extra."""
from __future__ import annotations

import math
from pathlib import Path

from .errors import InputError, opt
from .output_files import atomic_open

#: Ticks per panel at most: N_R takes every value of N_C's parity up to N_C, too many to label them all.
MAX_TICKS = 7


def parity_ticks(n_complex: int) -> list[int]:
    """Tick positions for an axis of N_R from 0 to N_C: values of N_C's parity (the only ones N_R takes for
    real data), evenly spaced, N_C included."""
    lo = n_complex % 2
    step = 2 * max(1, math.ceil((n_complex - lo) / 2 / (MAX_TICKS - 1)))
    ticks = list(range(lo, n_complex + 1, step))
    if ticks[-1] != n_complex and n_complex - ticks[-1] < step / 2:
        ticks[-1] = n_complex
    elif ticks[-1] != n_complex:
        ticks.append(n_complex)
    return ticks


def plot_histograms(results: list, path: str | Path, title: str, highlight: list[str] | None = None,
                    published: dict[str, dict[str, int]] | None = None) -> None:
    """One bar chart of the distribution of N_R per row, in a grid, on an axis from 0 to N_C; the published
    max N_R (dashed) and the search's record (solid) are marked; rows in ``highlight`` stand out."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise InputError(f"{opt('plot')} needs matplotlib: pip install 'linnet-cli[plot]'") from None
    n = len(results)
    cols = min(n, 6)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.0 * cols, 2.4 * rows), squeeze=False)
    for ax in axes.ravel()[n:]:
        ax.axis("off")
    for ax, r in zip(axes.ravel(), results):
        ks = sorted(r.N_R_histogram)
        color = "tab:red" if highlight and r.key in highlight else "tab:blue"
        ax.bar(ks, [r.N_R_histogram[k] for k in ks], width=max(1.2, r.N_C / 120), color=color)
        pub = (published or {}).get(r.key, {}).get("maxNR")
        # the published value's label left of its line, the search's right of its own: both stay legible
        marks = [(pub, "--", "black", f"published {pub}", "right")]
        if r.search_max_N_R is not None:
            marks.append((r.search_max_N_R, "-", "tab:green", f"search {r.search_max_N_R}", "left"))
        for x, style, c, text, side in marks:
            if x is None:
                continue
            ax.axvline(x, linestyle=style, color=c, linewidth=1)
            ax.text(x, 0.97, text, transform=ax.get_xaxis_transform(), rotation=90, va="top", ha=side,
                    fontsize=7, color=c, bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1})
        label = f"d={r.d}, dx={r.dx}, dy={r.dy}" if r.d is not None else f"widths {r.widths}"
        if r.H != 1 or r.m != 1:
            label += f", H={r.H}, m={r.m}"
        ax.set_title(f"{label} (N_C = {r.N_C})", fontsize=9)
        ax.set_xlabel("N_R (real critical points)", fontsize=8)
        ax.set_ylabel("instances", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.set_xlim(-1, r.N_C + 1)
        ax.set_xticks(parity_ticks(r.N_C))
    fig.suptitle(title)
    fig.tight_layout()
    try:
        with atomic_open(path, "plot", binary=True) as fh:
            fig.savefig(fh, dpi=110, format="png")
    finally:
        plt.close(fig)
