"""What a solve or a table will cost, estimated before the work starts, and the machine's memory.

The counts that make a job heavy are known from the shape alone (docs/design.md §2–§4):

* dead-neuron zero patterns: Π_l (2^{n_l} − 1), plus the origin;
* distinct sub-networks (one monodromy each): Π_l n_l;
* sign orbits: a torus point of a sub-network with k active hidden neurons comes with its 2^k sign
  images, and ``symmetry.sign_vectors`` materializes the (2^k, N) signs of the full network;
* critical points: a pattern whose sub-network map Φ is dominant carries at least one orbit, so
  N_C ≥ 1 + Σ over such patterns of 2^k. Whether Φ is dominant is the monodromy's rank test at
  random complex data, one SVD per distinct sub-network (skipped when the patterns alone cannot fit).

Memory is the sum of array and object sizes per pattern, point and output format, with constants
measured on CPython 3.11 / numpy 2 (``tracemalloc``); every figure is a lower estimate (at least one
orbit per dominant pattern), so a job that is refused cannot fit, and a job that is accepted may
still need more (its true N_C is known only after the solve; :func:`check_points` checks again then).
"""
from __future__ import annotations

import os
import resource
from dataclasses import dataclass
from math import comb, prod
from pathlib import Path

from .errors import InputError, opt
from .export import duration_text
from .model.network import Network

#: Bytes of one ZeroPattern with its cached mask and coordinates: 600 + 12 N (measured 1062 at N = 48).
PATTERN_BYTES, PATTERN_BYTES_PER_WEIGHT = 600, 12
#: Bytes of one classified critical point kept in a result (CriticalPoint, its loss, its row of the
#: points array): 450 + 16 N (measured 476 at N = 9, 1698 at N = 84).
POINT_BYTES, POINT_BYTES_PER_WEIGHT = 450, 16
#: Bytes per point and weight while an engine builds its points (tracked endpoints, sign-orbit
#: expansion, embedding in C^N and stacking: four complex copies).
ENGINE_BYTES_PER_WEIGHT = 64
#: Peak bytes per point while writing it: JSON (dicts, then the text) 1500 + 600 N (measured 6.9 kB at
#: N = 9, 46 kB at N = 84); csv, markdown and latex go through a DataFrame: 2000 + 380 N; the
#: terminal table lists no points (except --show-solutions, counted like csv).
OUTPUT_BYTES = {"json": (1500, 600), "frame": (2000, 380), "table": (0, 0)}
#: Bytes of one table row spec (RowSpec, Network and its cached layout): measured 609.
ROW_BYTES = 700
#: Bytes per subspace of the exhaustive zero-pattern check (2^N subsets as int64 with masks).
VERIFY_BYTES_PER_SUBSPACE = 25
#: Resident memory of one extra worker process of ``linnet table --jobs`` (Python, numpy, numba):
#: 42–58 MB measured (``/usr/bin/time``) for small solves, doubled for margin.
PROCESS_BYTES = 100 * 2 ** 20
#: Instances of a table row tracked per batch at most (see :func:`instance_batch`).
MAX_INSTANCE_BATCH = 25
#: Share of the available memory one batch of a table row may use.
BATCH_SHARE = 0.25
#: Seconds per sub-network for its monodromy, at least: whole ``linnet solve`` commands on Table 3.1's
#: shapes, two or three sub-networks each, take 0.5–1 s with start-up and the trace tests (the README's
#: measured figures), hence 0.2 s as the lower estimate.
MONODROMY_SECONDS = 0.2
#: The monodromy's work grows with the data. With m data points the data span k = min(d_x, m)
#: dimensions and the critical points are those of the network with input width k: d_x enters only through
#: k (widths 3,2,3 have 2537 points for m = 3 and for m = 50), and the counts are symmetric in k and d_y
#: (3,2,2 with m = 3 and 2,2,3 with m = 2 have 705 points; 3,3,2 with m = 3 and 2,3,3 with m = 2, 8,825).
#: Their number, and the loops and paths that find them, grow about exponentially in
#: :func:`data_degree`; a network with k = 1 or d_y = 1 (rank-one data) has few, whatever its widths. The
#: monodromy of the whole network is estimated as ``DATA_SECONDS · 2^(DATA_BITS · (degree − DATA_DEGREE))``,
#: below every solve measured on a 2-core machine (``linnet solve --no-bkk --seed 1``, wall
#: seconds with the machine idle unless said otherwise; degree in brackets): widths 2,2,2 m = 2: 0.9 [2];
#: 3,2,3 m = 2, 3, 50: 4.7, 35, 55 [3, 4, 4] (with seed 2, m = 3 tracks a third of seed 1's 75,887 paths);
#: 2,2,3 m = 2 and 3,2,2 m = 3: 8.1, 9.0 on the loaded machine [3]; 2,3,2 m = 2: 4.2 CPU [4]; 3,3,3
#: m = 2: 38 (68 CPU) [6], m = 3: not done after 1,100 CPU seconds [8]; 2,3,3 m = 2 and 3,3,2 m = 3 (the
#: point count of 3,3,3 m = 2): 113, 129 on the loaded machine [6]. Widths 3,3,3, 2,3,3 and 3,3,2 with
#: m = 1 take 1–2 s [0]. It is calibrated on one hidden layer; deeper networks can need more (2,2,2,2 with
#: m = 2 [3] tracked 150,219 paths in 147 s on the loaded machine).
DATA_SECONDS = 25.0
DATA_DEGREE = 6
DATA_BITS = 1.7
#: The exponent is capped (a shape this far out is refused or warned about anyway), so that the
#: estimate stays a finite float.
MAX_DATA_BITS = 200.0
#: Seconds per critical point and weight to classify it (measured 2.2e-5 s per point at N = 9,
#: 8.3e-5 s at N = 24).
CLASSIFY_SECONDS_PER_WEIGHT = 3e-6
#: Jobs estimated to run longer than this get a warning with the estimate.
LONG_RUN_SECONDS = 60.0
#: Distinct sub-networks whose dominance is tested at most for the estimate (each test is one SVD);
#: beyond this, patterns and sign orbits decide alone.
MAX_DOMINANCE_TESTS = 4096


@dataclass
class Budget:
    """Memory a job may use in all its processes together and in one process, each with what limits it."""

    total: int
    total_limit: str
    per_process: int
    per_process_limit: str


def _meminfo(key: str) -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _read_int(path: str) -> int | None:
    try:
        text = Path(path).read_text().strip()
        return None if text == "max" else int(text)
    except (OSError, ValueError):
        return None


def _vm_size() -> int:
    """Virtual memory this process already maps (what RLIMIT_AS counts)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def available_memory() -> Budget:
    """Memory available to this job: the machine's available memory (/proc/meminfo, else
    os.sysconf), capped by a cgroup memory limit when one is set, and per process by the
    address-space limit (RLIMIT_AS, ``ulimit -v``) when one is set."""
    avail = _meminfo("MemAvailable")
    if avail is None:
        try:
            avail = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            avail = 2 ** 62
    limit = f"the {human_bytes(avail)} available on this machine"
    for cap_file, used_file in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                                ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                                 "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        cap = _read_int(cap_file)
        if cap is not None and cap < 2 ** 60:
            free = max(0, cap - (_read_int(used_file) or 0))
            if free < avail:
                avail, limit = free, f"the {human_bytes(free)} left under the cgroup memory limit of {human_bytes(cap)}"
            break
    per_process, per_limit = avail, limit
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY:
        free = max(0, soft - _vm_size())
        if free < per_process:
            per_process = free
            per_limit = f"the {human_bytes(free)} left under the address-space limit (ulimit -v) of {human_bytes(soft)}"
    return Budget(avail, limit, per_process, per_limit)


def human_bytes(n: int | float) -> str:
    """1.5 GiB, 320 MiB, ...; astronomically large counts as a power of ten."""
    n = int(n)
    if n >= 2 ** 50:
        return f"{float(n):.1e} bytes" if n < 10 ** 300 else f"about 10^{len(str(n)) - 1} bytes"
    for unit, size in (("TiB", 2 ** 40), ("GiB", 2 ** 30), ("MiB", 2 ** 20), ("KiB", 2 ** 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} bytes"


def human_count(n: int) -> str:
    """12,345 for readable counts; 1.1e+15 or 10^314 for astronomical ones."""
    if n < 10 ** 12:
        return f"{n:,}"
    return f"{float(n):.1e}" if n < 10 ** 300 else f"about 10^{len(str(n)) - 1}"


def n_patterns(network: Network) -> int:
    """Dead-neuron zero patterns (every hidden layer nonempty) plus the origin (one for H = 0)."""
    return prod(2 ** n - 1 for n in network.hidden) + 1 if network.hidden else 1


def n_sub_networks(network: Network) -> int:
    """Distinct sub-networks (widths of the active neurons), one monodromy each."""
    return prod(network.hidden)


def dominant_shapes(network: Network, m: int) -> list[tuple[int, ...]] | None:
    """Hidden widths (s_1, ..., s_H) of the sub-networks whose map Φ is dominant (they carry torus
    critical points for generic Λ), by the monodromy's rank test at random complex data; None when
    there are more than MAX_DOMINANCE_TESTS of them."""
    import itertools

    import numpy as np

    from .model.gradient import GradientSystem
    from .homotopy.monodromy import free_start_pair, is_dominant
    if n_sub_networks(network) > MAX_DOMINANCE_TESTS:
        return None
    rng = np.random.default_rng(0)
    X = rng.normal(size=(network.dx, m)) + 1j * rng.normal(size=(network.dx, m))
    Y = rng.normal(size=(network.dy, m)) + 1j * rng.normal(size=(network.dy, m))
    out = []
    for s in itertools.product(*(range(1, n + 1) for n in network.hidden)):
        system = GradientSystem(Network((network.dx, *s, network.dy)))
        w0, lam0 = free_start_pair(system, X, Y, rng)
        if is_dominant(system, X, Y, w0, lam0):
            out.append(s)
    return out


def data_degree(network: Network, m: int) -> int:
    """How much the data make a solve's monodromy grow (see :data:`DATA_BITS`): Σ (a − 1)(b − 1) over
    consecutive widths of the network with its input width cut to k = min(d_x, m) — (n_1 − 1)(k + d_y − 2)
    for one hidden layer, symmetric in k and d_y as the counts are; 0 when k = 1 or d_y = 1 (rank-one
    data: few critical points whatever the widths) or without hidden layer."""
    k = min(network.dx, m)
    if not network.H or k == 1 or network.dy == 1:
        return 0
    widths = (k, *network.hidden, network.dy)
    return sum((a - 1) * (b - 1) for a, b in zip(widths, widths[1:]))


def monodromy_seconds(network: Network, m: int) -> float:
    """Seconds the monodromies of a solve take, at least about: MONODROMY_SECONDS for each sub-network,
    and the work the data add to the whole network's (:data:`DATA_BITS`; none for rank-one data)."""
    if not network.H:
        return 0.0
    seconds = n_sub_networks(network) * MONODROMY_SECONDS
    degree = data_degree(network, m)
    if degree:
        seconds += DATA_SECONDS * 2.0 ** min(MAX_DATA_BITS, DATA_BITS * (degree - DATA_DEGREE))
    return seconds


def points_at_least(network: Network, m: int) -> int:
    """A lower bound on N_C for generic Λ: one sign orbit per pattern whose sub-network is dominant,
    plus the origin (the origin alone when there are too many sub-networks to test)."""
    if network.H == 0:
        return 1
    shapes = dominant_shapes(network, m)
    if shapes is None:
        return 1
    return 1 + sum(prod(comb(n, k) for n, k in zip(network.hidden, s)) * 2 ** sum(s) for s in shapes)


@dataclass
class Estimate:
    """The cost of a job, at least: counts, memory (bytes, by part) and time (seconds)."""

    what: str
    N: int
    patterns: int
    sub_networks: int
    orbit: int
    points: int
    parts: dict[str, int]
    seconds: float
    #: bytes of the parts that live in other processes (parallel table rows)
    elsewhere: int = 0

    @property
    def bytes(self) -> int:
        return sum(self.parts.values())

    def describe(self) -> str:
        counts = (f"N = {self.N} weights, {human_count(self.patterns)} zero patterns, "
                  f"{human_count(self.sub_networks)} sub-networks, sign orbits of {human_count(self.orbit)} points, "
                  f"at least {human_count(self.points)} critical points")
        parts = ", ".join(f"{k} {human_bytes(v)}" for k, v in self.parts.items() if v)
        return f"{self.what} needs at least {human_bytes(self.bytes)} of memory ({parts}; {counts})"


def _output_bytes(fmt: str, show_solutions: bool) -> tuple[int, int]:
    if fmt == "json":
        return OUTPUT_BYTES["json"]
    if fmt == "table" and not show_solutions:
        return OUTPUT_BYTES["table"]
    return OUTPUT_BYTES["frame"]


def points_bytes(points: int, N: int, fmt: str = "table", show_solutions: bool = False) -> dict[str, int]:
    """Memory, by part, to find, classify and write ``points`` critical points of N weights."""
    base, per_weight = _output_bytes(fmt, show_solutions)
    return {"engine": points * ENGINE_BYTES_PER_WEIGHT * N,
            "classification": points * (POINT_BYTES + POINT_BYTES_PER_WEIGHT * N),
            f"{fmt} output": points * (base + per_weight * N)}


def solve_estimate(network: Network, m: int, fmt: str = "table", show_solutions: bool = False,
                   verify_patterns: bool = False) -> Estimate:
    """The cost of ``linnet solve`` on this shape, at least."""
    N, P, k = network.N, n_patterns(network), sum(network.hidden)
    parts = {"zero patterns": P * (PATTERN_BYTES + PATTERN_BYTES_PER_WEIGHT * N),
             "sign orbits": 2 ** k * N * 8}
    if verify_patterns:
        parts["pattern check"] = 2 ** N * VERIFY_BYTES_PER_SUBSPACE
    # the dominance tests are not worth running when the patterns alone cannot fit
    points = 1 if sum(parts.values()) > available_memory().total else points_at_least(network, m)
    parts.update(points_bytes(points, N, fmt, show_solutions))
    seconds = monodromy_seconds(network, m) + points * CLASSIFY_SECONDS_PER_WEIGHT * N
    return Estimate(f"solve {network.label()}" + (f" m={m}" if m != 1 else ""), N, P,
                    n_sub_networks(network), 2 ** k, points, parts, seconds)


def instance_batch(n_complex: int, N: int, samples: int = MAX_INSTANCE_BATCH) -> int:
    """Instances of a table row to track together: up to MAX_INSTANCE_BATCH, fewer when their
    points would take more than BATCH_SHARE of the available memory."""
    per_instance = max(1, n_complex * (ENGINE_BYTES_PER_WEIGHT * N + POINT_BYTES + POINT_BYTES_PER_WEIGHT * N))
    fit = int(BATCH_SHARE * available_memory().per_process) // per_instance
    return max(1, min(MAX_INSTANCE_BATCH, samples, fit))


def row_estimate(network: Network, m: int, samples: int) -> Estimate:
    """The cost of one table row: a generic solve, then ``samples`` instances, a batch at a time."""
    est = solve_estimate(network, m)
    batch = instance_batch(est.points, est.N, samples)
    est.parts["instance batches"] = batch * est.points * ENGINE_BYTES_PER_WEIGHT * est.N
    est.seconds += samples * est.points * CLASSIFY_SECONDS_PER_WEIGHT * est.N
    est.what = f"table row {network.label()}" + (f" m={m}" if m != 1 else "")
    return est


def _size(row: tuple[Network, int]) -> tuple[int, int, int]:
    net, m = row
    return n_patterns(net), sum(net.hidden), net.N * m


def table_estimate(rows: list[tuple[Network, int]], samples: int, jobs: int, n_rows: int | None = None) -> Estimate:
    """The cost of a table: its largest rows, one in each of ``jobs`` processes, and the row list
    (``n_rows`` rows when ``rows`` holds only the largest corner of a sweep). Only the largest rows
    (by patterns, hidden neurons, weights) are estimated in full; the time counts every row's
    monodromies."""
    n_rows = len(rows) if n_rows is None else n_rows
    procs = max(1, min(jobs, n_rows))
    largest = sorted(rows, key=_size, reverse=True)[:procs + 2]
    ests = sorted((row_estimate(net, m, samples) for net, m in largest), key=lambda e: -e.bytes)
    top = ests[0]
    parts = dict(top.parts)
    parts["row list"] = n_rows * ROW_BYTES
    elsewhere = 0
    if procs > 1:
        elsewhere = sum(e.bytes for e in ests[1:procs]) + (procs - 1) * PROCESS_BYTES
        parts["parallel rows"] = elsewhere
    seconds = (sum(e.seconds for e in ests)
               + sum(monodromy_seconds(net, m) for net, m in rows) * (n_rows - len(ests)) / len(rows)
               ) / procs
    return Estimate(f"table of {n_rows:,} row(s), largest {top.what.removeprefix('table row ')}", top.N,
                    top.patterns, top.sub_networks, top.orbit, top.points, parts, seconds, elsewhere)


def check(estimate: Estimate, force: bool = False) -> list[str]:
    """Refuse (InputError) a job that cannot fit the available memory, unless ``force``; return
    warnings: an estimated long run, or a forced run past the limit."""
    budget = available_memory()
    over = None
    if estimate.bytes > budget.total:
        over = budget.total_limit
    elif estimate.bytes - estimate.elsewhere > budget.per_process:
        over = budget.per_process_limit
    warnings = []
    if over:
        message = f"{estimate.describe()} — more than {over}"
        if not force:
            raise InputError(f"{message}. Refused before starting; give {opt('force')} to try anyway")
        warnings.append(f"{message}; running anyway (forced)")
    if estimate.seconds > LONG_RUN_SECONDS:
        warnings.append(f"{estimate.what} will take at least about {duration_text(estimate.seconds)} "
                        f"({human_count(estimate.sub_networks)} sub-network(s) by monodromy, at least "
                        f"{human_count(estimate.points)} critical points per instance)")
    return warnings


def check_points(points: int, N: int, fmt: str, show_solutions: bool, force: bool = False) -> list[str]:
    """Once the engine has found ``points`` critical points (the count is exact now): refuse to
    classify and write them when that cannot fit, unless ``force``."""
    parts = points_bytes(points, N, fmt, show_solutions)
    parts.pop("engine")
    need = sum(parts.values())
    budget = available_memory()
    if need <= budget.per_process:
        return []
    message = (f"the solve found {points:,} critical points; classifying and writing them"
               f"{'' if fmt == 'table' else ' as ' + fmt} needs at least {human_bytes(need)}, more than "
               f"{budget.per_process_limit}")
    if not force:
        hint = f" ({opt('format', 'table')} lists no points)" if fmt != "table" or show_solutions else ""
        raise InputError(f"{message}. Give {opt('force')} to try anyway{hint}")
    return [f"{message}; continuing (forced)"]
