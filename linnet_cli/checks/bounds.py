"""Bounds on the number of critical points: Bézout, BKK (mixed volume) and the thesis's B_C, B_C*."""
from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, dataclass, replace
from pathlib import Path
import time
from typing import TYPE_CHECKING, TypeGuard

from ..export import duration_text
from ..model.network import Network, widths_text
from ..progress import PartProgress, Progress

if TYPE_CHECKING:
    from .mixed_volume import MixedVolumeFunction

#: Bytes per term of the exact symbolic expansion that yields the supports (a dict entry, its
#: monomial tuple and a Fraction): used to refuse shapes whose expansion cannot fit in memory.
SYMBOLIC_BYTES_PER_TERM = 400

#: Machine-readable column names of a bounds row, in order.
BOUND_COLUMNS = ("d", "dx", "dy", "H", "m", "N", "CBB", "BKK", "BKK_torus", "B_C", "B_C_star")


def bezout(network: Network) -> int:
    """Classical Bézout bound (2H+1)^N: every equation has degree 2H+1."""
    return (2 * network.H + 1) ** network.N


def one_layer_bounds(network: Network, m: int) -> tuple[int | None, int | None]:
    """(B_C, B_C*) = ((1 + 4 d_y)^d, (4 d_y)^d), the thesis's bounds for one hidden layer of width d and one
    data point (A. Bharadwaj, "Critical Points of Deep Linear Networks in C^N", thesis, San Francisco
    State University; docs/design.md §10), proved for H = 1, m = 1 only; (None, None) elsewhere."""
    if network.H != 1 or m != 1:
        return None, None
    d, dy = network.widths[1], network.dy
    return (1 + 4 * dy) ** d, (4 * dy) ** d


def support_points_bound(network: Network, m: int = 1) -> int:
    """Upper bound on the number of monomials in all equations of the gradient system, from the
    shape alone (for any m): with P = the product of the widths (the paths through the network) and
    P_w the paths through weight w, the equation of w has at most P_w·P + P_w + 1 monomials (a path
    through w times any path, a path through w, w itself), (H + 1)(P² + P) + N in all."""
    P = 1
    for w in network.widths:
        P *= w
    return (network.H + 1) * (P * P + P) + network.N


def bkk_memory(network: Network, m: int = 1, threads: int | None = None) -> int:
    """Bytes the BKK columns of a shape may need: the symbolic expansion, then the mixed volume."""
    from .mixed_volume import default_threads, mixed_volume_memory
    points = support_points_bound(network, m)
    nonzeros = (2 * network.H + 1) * points  # a monomial of degree 2H + 1 has that many variables at most
    return (SYMBOLIC_BYTES_PER_TERM * points
            + mixed_volume_memory(network.N, points, nonzeros, threads or default_threads()))


def check_bkk_memory(network: Network, m: int = 1) -> None:
    """Refuse (InputError) a shape whose BKK columns cannot be computed in the memory available."""
    from ..errors import InputError, opt
    from .mixed_volume import memory_limit
    need = bkk_memory(network, m)
    limit = memory_limit()
    if limit is not None and need > limit:
        raise InputError(f"the BKK bound of {network.label()} m={m} (N = {network.N}) would need about "
                         f"{need / 2 ** 30:.3g} GiB of memory, more than the {limit / 2 ** 30:.3g} GiB "
                         f"this run may use; use {opt('no_bkk')} to skip it")


def _cache_file() -> Path:
    root = os.environ.get("LINNET_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "linnet")
    return Path(root) / "bkk.json"


#: A solve's summary computes the BKK bound itself only for shapes this small (a fraction of a second,
#: once the mixed-volume code is compiled); for larger ones it shows the cached value, if any, so that no
#: solve waits on a mixed volume (d = d_x = d_y = 3 takes minutes). `linnet bounds` computes and caches it.
CHEAP_BKK_N = 10


def valid_bkk(entry: object, network: Network) -> TypeGuard[list[int]]:
    """Whether a cached entry can be a shape's (BKK, BKK torus): two integers with
    0 ≤ BKK torus ≤ BKK ≤ CBB (adding the origin to the supports can only raise the mixed volume,
    and the mixed volume never exceeds the Bézout number). Anything else is recomputed."""
    if not isinstance(entry, list) or len(entry) != 2:
        return False
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in entry):
        return False
    return 0 <= entry[1] <= entry[0] <= bezout(network)


def _read_cache() -> dict:
    try:
        cache = json.loads(_cache_file().read_text())
    except (OSError, ValueError):
        return {}
    return cache if isinstance(cache, dict) else {}


def _cached_value(cache: dict, network: Network, m: int) -> tuple[int, int] | None:
    """The cached (BKK, BKK torus) of a shape, when present and valid."""
    entry = cache.get(network.key(m))
    return (entry[0], entry[1]) if valid_bkk(entry, network) else None


def cached_bkk_value(network: Network, m: int, cache: dict | None = None) -> tuple[int, int] | None:
    """The cached (BKK, BKK torus) of a shape when the cache holds a valid entry, else None (nothing
    is computed). ``cache``: the cache's entries when already read."""
    return _cached_value(_read_cache() if cache is None else cache, network, m)


def read_bkk_cache() -> dict:
    """Every entry of the BKK cache (empty when there is none or it cannot be read)."""
    return _read_cache()


def cached_bkk(network: Network, m: int, progress: PartProgress | None = None) -> tuple[int, int]:
    """(BKK, BKK torus) of a shape: computed by mixed volume once, then read from a small JSON cache
    (``$LINNET_CACHE_DIR`` or ``~/.cache/linnet``). Mixed volumes depend only on the shape, so caching
    them is exact; the N = 15 rows take seconds to compute, N = 18 minutes. A cache entry that is not
    a valid pair of bounds (a corrupt or edited file) is ignored, recomputed and replaced, and a line on
    stderr says so. A shape whose mixed volumes cannot fit in memory is refused (InputError) before
    any work."""
    cache = _read_cache()
    hit = _cached_value(cache, network, m)
    if hit is not None:
        return hit
    entry = cache.get(network.key(m))
    if entry is not None:
        _say(f"the cached BKK bounds {json.dumps(entry)[:40]} of {network.label()} m={m} are not two integers "
             f"with 0 ≤ BKK* ≤ BKK ≤ CBB = {bezout(network)}: discarded, recomputed and replaced in {_cache_file()}")
    return _compute_and_cache(network, m, cache, progress)


def _say(text: str) -> None:
    """One line on stderr about the BKK cache."""
    sys.stderr.write(f"linnet: {text}\n")


def _compute_and_cache(network: Network, m: int, cache: dict, progress: PartProgress | None) -> tuple[int, int]:
    """Compute a shape's (BKK, BKK torus) and write it into the cache (``cache``: the file's entries)."""
    from ..errors import InputError
    from .mixed_volume import bkk_bounds
    from ..output_files import write_text_atomic
    path = _cache_file()
    key = network.key(m)
    check_bkk_memory(network, m)
    value = bkk_bounds(network, m, progress=progress)
    cache[key] = [int(value[0]), int(value[1])]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(json.dumps(cache, indent=0, sort_keys=True), path, "BKK cache")
    except (OSError, InputError):
        pass  # an unwritable cache only costs time
    return value


def confirm_bkk(bounds: BoundsRow, n_complex: int, n_torus: int,
                progress: PartProgress | None = None) -> BoundsRow:
    """``bounds`` checked against counts a solve found: BKK bounds the isolated critical points in C^N
    and BKK* those on the torus, for any data, so N_C > BKK or N_C* > BKK* means that one of the two is
    wrong. When the bounds are the cache's entry (an edited or damaged cache file), the entry is
    discarded, recomputed and replaced, and a line on stderr says so; the bounds returned are the
    recomputed ones. Otherwise (bounds not from the cache, or the counts within them) ``bounds``."""
    if bounds.BKK is None or bounds.BKK_torus is None:
        return bounds
    if n_complex <= bounds.BKK and n_torus <= bounds.BKK_torus:
        return bounds
    network = Network(bounds.widths)
    cache = _read_cache()
    if _cached_value(cache, network, bounds.m) != (bounds.BKK, bounds.BKK_torus):
        return bounds
    found = (f"N_C = {n_complex} critical points were found" if n_complex > bounds.BKK
             else f"N_C* = {n_torus} critical points on the torus were found")
    _say(f"the cached BKK bounds of {network.label()} m={bounds.m} (BKK {bounds.BKK}, BKK* {bounds.BKK_torus}) "
         f"cannot be right: {found}; discarded, recomputed and replaced in {_cache_file()}")
    cache.pop(network.key(bounds.m), None)
    mv, mv_t = _compute_and_cache(network, bounds.m, cache, progress)
    return replace(bounds, BKK=mv, BKK_torus=mv_t)


@dataclass
class BoundsRow:
    """One shape's bounds; None where a value is not defined or not computed."""

    d: int | None
    dx: int
    dy: int
    H: int
    m: int
    N: int
    CBB: int
    BKK: int | None
    BKK_torus: int | None
    B_C: int | None
    B_C_star: int | None
    widths: tuple[int, ...] = ()

    def to_dict(self) -> dict:
        """The row with the documented column names (plus ``widths``)."""
        out = asdict(self)
        out["widths"] = list(self.widths)
        return out


def bounds_records(rows: list[BoundsRow]) -> tuple[list[dict], list[str]]:
    """Machine-readable records of bounds rows and their columns (:data:`BOUND_COLUMNS`, and ``widths``
    as text when some shape has unequal widths, d being undefined there)."""
    cols = list(BOUND_COLUMNS) + (["widths"] if any(r.d is None for r in rows) else [])
    recs = [{c: (widths_text(r.widths) if c == "widths" else getattr(r, c)) for c in cols} for r in rows]
    return recs, cols


def bounds_row(network: Network, m: int = 1, bkk: bool | None = True,
               mixed_volume: MixedVolumeFunction | None = None, progress: PartProgress | None = None) -> BoundsRow:
    """All bounds of one shape.

    Parameters
    ----------
    network, m : the shape and the number of data points.
    bkk : compute the BKK columns (mixed volumes); None: only when they are linnet's own and cached or
        cheap (see :data:`CHEAP_BKK_N`).
    mixed_volume : what computes the mixed volumes. None (or linnet's own
        :func:`~linnet_cli.checks.mixed_volume.mixed_volume`): linnet's, cached per shape; another function
        (such as the julia engine's, :func:`linnet_cli.engines.mixed_volume_for`) computes them afresh.
    progress : follows linnet's own mixed volumes: (which one, fraction done).

    Returns
    -------
    BoundsRow : N, CBB (Bézout), BKK and BKK* (None when not computed), and the thesis's B_C and B_C*
        (None unless H = 1 and m = 1, where they are proven).

    >>> row = bounds_row(Network.uniform(d=2, dx=2, dy=2), bkk=False)
    >>> row.N, row.CBB, row.B_C, row.B_C_star
    (8, 6561, 81, 64)
    """
    b_c, b_cs = one_layer_bounds(network, m)
    mv = mv_t = None
    if mixed_volume is not None:
        from . import mixed_volume as linnets
        if mixed_volume is linnets.mixed_volume:
            mixed_volume = None
    if bkk is None:
        bkk = mixed_volume is None and (network.N <= CHEAP_BKK_N
                                        or _cached_value(_read_cache(), network, m) is not None)
    if bkk and mixed_volume is None:
        mv, mv_t = cached_bkk(network, m, progress)
    elif bkk:
        from .mixed_volume import bkk_bounds
        mv, mv_t = bkk_bounds(network, m, mixed_volume)
    return BoundsRow(network.d, network.dx, network.dy, network.H, m, network.N, bezout(network),
                     mv, mv_t, b_c, b_cs, network.widths)


#: A mixed volume's time left is extrapolated from its elapsed time once this fraction of it is done;
#: before, its search trees have unfolded too little to say (4,4,4 stays below it for hours).
EXTRAPOLATE_FROM = 0.02


def bkk_progress(progress: Progress, label: str, k: int = 0, total: int = 1) -> PartProgress:
    """A BKK progress callback for shape ``k`` of ``total``, reported to ``progress`` in percent of all
    ``total`` shapes (each shape's two mixed volumes fill half of its share each); the description
    names the mixed volume running and its time left, extrapolated from its elapsed time. While too
    little of a mixed volume is done to extrapolate, the total reported is None (the size of the work
    is not known: an indeterminate bar, which still moves) and the description says so."""
    started: dict[str, float] = {}
    shape = f" ({k + 1} of {total})" if total > 1 else ""

    def report(which: str, fraction: float) -> None:
        t0 = started.setdefault(which, time.perf_counter())
        elapsed = time.perf_counter() - t0
        if fraction < EXTRAPOLATE_FROM:
            progress(f"{label}{shape}: {which}, no estimate yet", 0, None)
            return
        done = (k + (0.5 * fraction if which == "BKK" else 0.5 + 0.5 * fraction)) / total
        left = f", {duration_text(elapsed / fraction - elapsed)} left" if fraction < 1 else ""
        progress(f"{label}{shape}: {which}{left}", round(100 * done), 100)
    return report
