"""PNG histograms of N_R per row (``linnet table --plot``); matplotlib is an optional extra."""
from __future__ import annotations

import math
from pathlib import Path

from .errors import InputError
from .output_files import atomic_open


def plot_histograms(results: list, path: str | Path, title: str, highlight: list[str] | None = None) -> None:
    """One bar chart of the distribution of N_R per row, in a grid; rows in ``highlight`` stand out."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        raise InputError("--plot needs matplotlib: pip install 'linnet[plot]'") from None
    n = len(results)
    cols = min(n, 6)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.0 * cols, 2.4 * rows), squeeze=False)
    for ax in axes.ravel()[n:]:
        ax.axis("off")
    for ax, r in zip(axes.ravel(), results):
        ks = sorted(r.N_R_histogram)
        color = "tab:red" if highlight and r.key in highlight else "tab:blue"
        ax.bar(ks, [r.N_R_histogram[k] for k in ks], width=1.2, color=color)
        label = f"d={r.d}, dx={r.dx}, dy={r.dy}" if r.d is not None else f"widths {r.widths}"
        if r.H != 1 or r.m != 1:
            label += f", H={r.H}, m={r.m}"
        ax.set_title(label, fontsize=9)
        ax.set_xlabel("N_R (real critical points)", fontsize=8)
        ax.set_ylabel("instances", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.suptitle(title)
    fig.tight_layout()
    try:
        with atomic_open(path, "--plot", binary=True) as fh:
            fig.savefig(fh, dpi=110, format="png")
    finally:
        plt.close(fig)
