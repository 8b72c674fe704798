"""The HomotopyContinuation.jl engine: path tracking delegated to HC.jl v2 through juliacall.
(One concept over 600 lines: one engine behind the engine interface, with its Julia start-up and
endpoint reading.)

Every critical point at generic complex parameters p0 = (X0, Y0, Λ0) is found in one of two ways:

``polyhedral`` (default)
    the thesis's method, ``solve(F; target_parameters = p0, start_system = :polyhedral)``: one path
    per unit of the BKK bound (mixed volume with the origin added), independent of linnet's
    zero-pattern theory. Each solution's dead-neuron pattern is read off its (near-)zero
    coordinates; a solution whose zero set is no dead-neuron pattern is reported and not counted.
``monodromy``
    as the native engine does: for each distinct dead-neuron sub-network, ``monodromy_solve`` from
    a free start pair (W0, Φ(W0)), then one parameter homotopy per pattern to its own Λ0 entries.

Instances are then reached by parameter homotopies from p0, all instances in one call
(``solve(F, sols; start_parameters = p0, target_parameters = [p1, p2, ...])``). The Julia half is
``julia/linnet.jl`` (module ``LinnetHC``).

juliacall is imported on first use only (its first import downloads Julia and the Julia packages):
every call into Julia goes through :func:`_julia`, behind :class:`HCBackend`. Everything else here —
marshalling of arguments, conversion of HC.jl's answers, zero patterns, counting — is plain Python
and is tested without Julia by handing :class:`JuliaEngine` another backend.

Julia environment: juliapkg (used by juliacall) reads ``linnet_cli/juliapkg.json``, found next to the
installed package; ``julia/Project.toml`` declares the same packages and bounds for running
``julia/linnet.jl`` directly (``julia --project=julia``).
"""
from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import threading as _threading
from collections import defaultdict
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Protocol
from collections.abc import Sequence

import numpy as np

from ..errors import EngineUnavailable, InputError
from ..model.gradient import GradientSystem
from ..model.instance import Instance
from ..homotopy.monodromy import free_start_pair, is_dominant
from ..model.network import Network, widths_text
from ..model.patterns import ZeroPattern, origin_pattern, pattern_groups
from ..homotopy.return_code import ReturnCode
from ..homotopy.unique_points import duplicates
from ..progress import Progress
from .base import GenericSolution, RawSolutions

INSTALL_HINT = ("install it with `pip install 'linnet-cli[julia]'`; the first run then downloads Julia and "
                "HomotopyContinuation.jl and compiles them (expect minutes)")

#: Ways to solve at generic parameters (see the module docstring); the first is the default.
METHODS = ("polyhedral", "monodromy")

#: Environment variables giving the defaults of :class:`JuliaEngine` (the CLI builds it without
#: arguments), and the directory holding linnet.jl when it is not found next to the package.
THREADS_ENV, METHOD_ENV, SOURCE_ENV = "LINNET_JULIA_THREADS", "LINNET_JULIA_METHOD", "LINNET_JULIA_DIR"

#: A coordinate counts as zero when |w_k| ≤ ZERO_TOL · max(1, ‖w‖). HC.jl refines endpoints to about
#: 1e-14 relative accuracy and coordinates that vanish on a solution's zero pattern stay at that level,
#: while the nonzero coordinates of critical points of generic instances are nowhere near 1e-8
#: (the same threshold as the N_C* line of the `julia` export format).
ZERO_TOL = 1e-8

#: Loops in a row without a new solution before monodromy stops: twice HC.jl's default of 5
#: (cheap for these small systems, and an early stop on a slowly mixing cover is less likely).
MONODROMY_STALL_LOOPS = 10

# ---------------------------------------------------------------------------------------------
# Marshalling: the parameter layout shared with julia/linnet.jl

def pack_parameters(X: np.ndarray, Y: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """The HC.jl parameter vector of linnet.jl's ``gradient_system``: X row-major, Y row-major, then Λ
    in the flat weight order, as complex numbers."""
    parts = [np.asarray(a).reshape(-1) for a in (X, Y, lam)]
    return np.ascontiguousarray(np.concatenate(parts).astype(np.complex128))


def unpack_parameters(network: Network, m: int, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inverse of :func:`pack_parameters`: (X (d_x, m), Y (d_y, m), Λ (N,))."""
    p = np.asarray(p)
    nx, ny = network.dx * m, network.dy * m
    if p.shape != (nx + ny + network.N,):
        raise ValueError(f"expected {nx + ny + network.N} parameters for {network.label()}, m = {m}, got {p.shape}")
    return p[:nx].reshape(network.dx, m), p[nx:nx + ny].reshape(network.dy, m), p[nx + ny:]


def parameter_names(network: Network, m: int) -> list[str]:
    """Names of the parameters in order, as linnet.jl declares them (x_a_b, y_a_b, lam<l>_<r>_<c>)."""
    xs = [f"x_{a + 1}_{b + 1}" for a in range(network.dx) for b in range(m)]
    ys = [f"y_{a + 1}_{b + 1}" for a in range(network.dy) for b in range(m)]
    return xs + ys + ["lam" + name[1:] for name in network.variable_names()]


def _int_array(values: Sequence[int]) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(values, dtype=np.int64))


def _complex_matrix(a: np.ndarray, n: int) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(a, dtype=np.complex128).reshape(-1, n))


def _complex_vector(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(a, dtype=np.complex128).reshape(-1))


def _seed(base: int, k: int = 0) -> int:
    """A seed for HC.jl (a UInt32 there)."""
    return (int(base) + int(k)) % 2 ** 32


def prepare_supports(supports: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Validated supports ((T_k, n) integer exponent vectors, repeated points dropped) that fit Int32."""
    from ..checks.mixed_volume import prepare_supports as validated
    out = validated(supports)
    for k, a in enumerate(out):
        if np.abs(a).max() >= 2 ** 31:
            raise ValueError(f"support {k} has exponents beyond 32-bit integers (MixedSubdivisions.jl uses Int32)")
    return out


def stack_supports(supports: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(points, counts) for linnet.jl's ``mixed_volume_of``: the supports' rows stacked, and their lengths."""
    points = np.vstack([np.asarray(s, dtype=np.int64) for s in supports])
    return np.ascontiguousarray(points), _int_array([len(s) for s in supports])


# ---------------------------------------------------------------------------------------------
# HC.jl's answers as numpy

@dataclass
class PathBatch:
    """Endpoints of tracked paths as HC.jl reports them: points (K, N), return codes (K,: HC.jl's codes,
    read as :class:`ReturnCode` members) and whether each successful endpoint is singular (K,)."""

    points: np.ndarray
    codes: np.ndarray
    singular: np.ndarray

    def __post_init__(self) -> None:
        self.codes = np.array([ReturnCode.from_hc(str(c)) for c in np.asarray(self.codes, dtype=object).reshape(-1)],
                              dtype=object)
        self.singular = np.asarray(self.singular, dtype=bool).reshape(-1)
        if not (len(self.points) == len(self.codes) == len(self.singular)):
            raise ValueError(f"inconsistent path results: {len(self.points)} points, {len(self.codes)} return codes, "
                             f"{len(self.singular)} singular flags")

    @classmethod
    def from_julia(cls, out: Sequence[Any], n: int) -> PathBatch:
        """From linnet.jl's (X, codes, singular): X a K × n ComplexF64 matrix, codes strings, flags Bool."""
        points = np.array(out[0], dtype=np.complex128, order="C").reshape(-1, n)
        codes = np.array([str(c) for c in out[1]], dtype=object)
        singular = np.array(out[2], dtype=bool).reshape(-1)
        return cls(points, codes, singular)

    def __len__(self) -> int:
        return len(self.points)

    def take(self, idx: np.ndarray | slice) -> PathBatch:
        return PathBatch(self.points[idx], self.codes[idx], self.singular[idx])

    def put(self, idx: np.ndarray, other: PathBatch) -> None:
        """Replace the paths ``idx`` by ``other`` (retracked paths)."""
        self.points[idx], self.codes[idx], self.singular[idx] = other.points, other.codes, other.singular

    def blocks(self, size: int) -> list[PathBatch]:
        """Consecutive blocks of ``size`` paths (one per target of a many-target homotopy)."""
        if size == 0:
            return []
        if len(self) % size:
            raise ValueError(f"{len(self)} paths do not split into blocks of {size}")
        return [self.take(slice(k, k + size)) for k in range(0, len(self), size)]


@dataclass
class Endpoints:
    """The paths of a batch sorted by outcome: regular endpoints (with their path indices), singular
    endpoints, and the number of other paths per return code."""

    regular: np.ndarray
    index: np.ndarray
    singular: np.ndarray
    failed: dict[str, int]


def sort_endpoints(batch: PathBatch) -> Endpoints:
    """Regular = ``success`` and not singular; singular = ``success`` and singular; the rest by code
    (a success with a coordinate that is not finite as ``not_finite``)."""
    success = batch.codes == ReturnCode.SUCCESS
    finite = np.all(np.isfinite(batch.points), axis=-1) if len(batch) else np.zeros(0, bool)
    regular = success & ~batch.singular & finite
    singular = success & batch.singular & finite
    failed: dict[str, int] = defaultdict(int)
    for code, ok in zip(batch.codes, regular | singular):
        if not ok:
            failed[(ReturnCode.NOT_FINITE if code == ReturnCode.SUCCESS else code).value] += 1
    idx = np.flatnonzero(regular)
    return Endpoints(batch.points[idx], idx, batch.points[singular], dict(failed))


def zero_mask(points: np.ndarray, tol: float = ZERO_TOL) -> np.ndarray:
    """True where a coordinate of points (M, N) counts as zero (see :data:`ZERO_TOL`)."""
    points = np.asarray(points)
    if points.size == 0:
        return np.zeros(points.shape, bool)
    scale = np.maximum(1.0, np.linalg.norm(points, axis=-1))
    return np.abs(points) <= tol * scale[:, None]


def assign_patterns(points: np.ndarray, patterns: Sequence[ZeroPattern],
                    tol: float = ZERO_TOL) -> tuple[np.ndarray, np.ndarray]:
    """(points with their zero coordinates set to exactly 0, index into ``patterns`` or −1 when the zero
    set of a point is the zero set of no pattern)."""
    points = np.array(points, dtype=np.complex128, copy=True)
    zeros = zero_mask(points, tol)
    lookup = {(~p.mask).tobytes(): i for i, p in enumerate(patterns)}
    owner = np.array([lookup.get(z.tobytes(), -1) for z in zeros], dtype=int)
    points[zeros] = 0
    return points, owner


def _count(into: dict[str, int], more: dict[str, int]) -> None:
    for code, n in more.items():
        if n:
            into[code] = into.get(code, 0) + int(n)


def _describe_zero_sets(network: Network, points: np.ndarray, limit: int = 3) -> str:
    names = network.variable_names()
    sets = []
    for z in zero_mask(points)[:limit]:
        sets.append("{" + ", ".join(n for n, zero in zip(names, z) if zero) + "}")
    more = "" if len(points) <= limit else f" and {len(points) - limit} more"
    return "; ".join(sets) + more


# ---------------------------------------------------------------------------------------------
# The solutions at generic parameters

@dataclass
class JuliaGenericSolution(GenericSolution):
    """The julia engine's generic solve: all critical points found at generic complex parameters ``p0``,
    the start of parameter homotopies to instances. ``points`` includes the origin; ``pattern_of``
    indexes ``patterns``."""

    network: Network
    m: int
    method: str
    p0: np.ndarray
    points: np.ndarray
    pattern_of: np.ndarray
    patterns: list[ZeroPattern]
    seed: int
    paths_tracked: int = 0
    failed: dict[str, int] = field(default_factory=dict)
    diverged: int = 0
    singular: int = 0
    notes: list[str] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def n_complex(self) -> int:
        return len(self.points)

    @property
    def n_torus(self) -> int:
        return int(sum(1 for i in self.pattern_of if self.patterns[i].mask.all() and not self.patterns[i].is_origin))

    def details(self) -> dict:
        return {"method": self.method, "diverged": int(self.diverged), "singular": int(self.singular), **self.info}


def all_patterns(network: Network) -> tuple[dict[tuple[int, ...], list[ZeroPattern]], list[ZeroPattern]]:
    """The dead-neuron patterns grouped by sub-network, and the list [origin, patterns...] in the
    native engine's order (so that ``pattern_of`` means the same for both engines)."""
    groups = pattern_groups(network)
    return groups, [origin_pattern(network)] + [p for pats in groups.values() for p in pats]


# ---------------------------------------------------------------------------------------------
# The bridge to Julia

_LOCK = _threading.RLock()
_MODULE: Any = None


def julia_dir() -> Path | None:
    """The directory holding linnet.jl: ``$LINNET_JULIA_DIR`` when set (a modified copy), else the
    package data ``linnet_cli.julia`` (the checkout's ``julia/``, which wheels and editable installs
    map to that name)."""
    candidates = []
    if os.environ.get(SOURCE_ENV):
        candidates.append(Path(os.environ[SOURCE_ENV]))
    try:
        candidates.append(Path(str(resources.files("linnet_cli.julia"))))
    except (ModuleNotFoundError, TypeError, ValueError):
        pass
    for c in candidates:
        if (c / "linnet.jl").is_file():
            return c
    return None


def juliapkg_file() -> Path:
    """linnet_cli/juliapkg.json: the Julia packages juliapkg installs for this engine."""
    return Path(__file__).resolve().parents[1] / "juliapkg.json"


def _ensure_juliapkg_deps() -> None:
    """Make sure juliapkg sees linnet's Julia requirements before juliacall resolves them.

    juliapkg finds ``juliapkg.json`` in every directory on ``sys.path`` and its direct subdirectories
    (so in site-packages/linnet_cli/ for a regular install) and in setuptools editable installs. A
    juliapkg that does not find it (an older one with an editable install) gets the same packages added
    to the environment's own juliapkg.json through its public ``add``.
    """
    try:
        import juliapkg
        from juliapkg.deps import deps_files
    except ImportError:
        return
    ours = os.path.normcase(os.path.normpath(os.path.abspath(juliapkg_file())))
    try:
        if ours in set(deps_files()):
            return
        spec = json.loads(juliapkg_file().read_text())
        for name, pkg in spec.get("packages", {}).items():
            juliapkg.add(name, pkg["uuid"], version=pkg.get("version"))
    except (AttributeError, TypeError, OSError, ValueError):
        return


def _julia(threads: int = 1) -> Any:
    """The Julia module ``LinnetHC`` (julia/linnet.jl), starting Julia on the first call.

    The only place that imports juliacall. Before the import it sets, unless already set:
    PYTHON_JULIACALL_HANDLE_SIGNALS=yes (Julia's own signal handling, needed for multithreaded Julia
    code called from Python: PythonCall's FAQ) and PYTHON_JULIACALL_THREADS (1 by default). Both only
    take effect when Julia starts, i.e. on the first call in a process.
    """
    global _MODULE
    with _LOCK:
        if _MODULE is not None:
            return _MODULE
        src = julia_dir()
        if src is None:
            raise EngineUnavailable(f"julia/linnet.jl not found: set {SOURCE_ENV} to the directory holding linnet.jl")
        os.environ.setdefault("PYTHON_JULIACALL_HANDLE_SIGNALS", "yes")
        os.environ.setdefault("PYTHON_JULIACALL_THREADS", str(int(threads)))
        _ensure_juliapkg_deps()
        try:
            from juliacall import Main  # noqa: PLC0415 (first use only: this import starts Julia)
        except ImportError:
            raise
        except Exception as exc:  # juliapkg could not install Julia or the packages, or Julia did not start
            raise EngineUnavailable(f"starting Julia through juliacall failed ({type(exc).__name__}: {exc}); the "
                                    "first run needs network access to download Julia and "
                                    "HomotopyContinuation.jl") from exc
        Main.include(str(src / "linnet.jl"))
        _MODULE = Main.LinnetHC
        return _MODULE


@dataclass
class MonodromyOutcome:
    """What linnet.jl's ``monodromy_torus`` reports."""

    batch: PathBatch
    return_code: str
    loops: int
    failed_loops: int


class Backend(Protocol):
    """The calls :class:`JuliaEngine` makes; :class:`HCBackend` makes them in Julia."""

    def polyhedral(self, widths: tuple[int, ...], m: int, p0: np.ndarray, seed: int) -> PathBatch: ...

    def track(self, widths: tuple[int, ...], m: int, starts: np.ndarray, p0: np.ndarray, targets: np.ndarray,
              seed: int, conservative: bool = False) -> PathBatch: ...

    def monodromy(self, widths: tuple[int, ...], m: int, w0: np.ndarray, p0: np.ndarray, seed: int,
                  stall_loops: int) -> MonodromyOutcome: ...

    def mixed_volume(self, points: np.ndarray, counts: np.ndarray) -> int: ...

    def versions(self) -> tuple[str, str, int]: ...


class HCBackend:
    """:class:`Backend` in Julia: numpy arguments in, linnet.jl's tuples converted back to numpy.

    ``threads`` Julia threads are requested when Julia starts; HC.jl's own ``threading`` is switched on
    only for more than one thread: HC.jl has open reports of ``solve`` hanging with multiple threads on
    some CPUs (JuliaHomotopyContinuation/HomotopyContinuation.jl issue #594; the ``threading`` option
    of ``solve`` carries a warning since PR #607).
    """

    def __init__(self, threads: int = 1) -> None:
        self.threads = int(threads)

    @property
    def threading(self) -> bool:
        return self.threads > 1

    def _jl(self) -> Any:
        return _julia(self.threads)

    def polyhedral(self, widths, m, p0, seed):
        with _LOCK:
            out = self._jl().solve_polyhedral(_int_array(widths), int(m), _complex_vector(p0), int(seed),
                                              self.threading)
        return PathBatch.from_julia(out, Network(tuple(widths)).N)

    def track(self, widths, m, starts, p0, targets, seed, conservative=False):
        n = Network(tuple(widths)).N
        with _LOCK:
            out = self._jl().track_parameters(_int_array(widths), int(m), _complex_matrix(starts, n),
                                              _complex_vector(p0), _complex_matrix(targets, len(p0)), int(seed),
                                              self.threading, bool(conservative))
        return PathBatch.from_julia(out, n)

    def monodromy(self, widths, m, w0, p0, seed, stall_loops):
        n = Network(tuple(widths)).N
        with _LOCK:
            out = self._jl().monodromy_torus(_int_array(widths), int(m), _complex_vector(w0), _complex_vector(p0),
                                             int(seed), self.threading, int(stall_loops))
        return MonodromyOutcome(PathBatch.from_julia(out[:3], n), str(out[3]), int(out[4]), int(out[5]))

    def mixed_volume(self, points, counts):
        with _LOCK:
            return int(self._jl().mixed_volume_of(np.ascontiguousarray(points, dtype=np.int64),
                                                  _int_array(counts)))

    def versions(self):
        with _LOCK:
            out = self._jl().versions()
        return str(out[0]), str(out[1]), int(out[2])


# ---------------------------------------------------------------------------------------------
# The engine

def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return int(raw)
    except ValueError:
        raise InputError(f"{name} must be a positive integer, got {raw!r}") from None


class JuliaEngine:
    """Path tracking delegated to HomotopyContinuation.jl (see the module docstring).

    ``threads``: Julia threads (default ``$LINNET_JULIA_THREADS`` or 1); ``method``: ``polyhedral`` or
    ``monodromy`` (default ``$LINNET_JULIA_METHOD`` or ``polyhedral``); ``backend``: what makes the
    Julia calls (tests pass their own).
    """

    name = "julia"

    def __init__(self, threads: int | None = None, method: str | None = None, backend: Backend | None = None) -> None:
        self.threads = int(threads) if threads is not None else _env_int(THREADS_ENV, 1)
        if self.threads < 1:
            raise InputError(f"the julia engine needs at least one thread, got {self.threads}")
        self.method = (method or os.environ.get(METHOD_ENV) or METHODS[0]).strip().lower()
        if self.method not in METHODS:
            raise InputError(f"unknown julia engine method {self.method!r}; choose one of: {', '.join(METHODS)}")
        self._backend = backend

    @property
    def backend(self) -> Backend:
        if self._backend is None:
            self._backend = HCBackend(self.threads)
        return self._backend

    # -- availability (never imports juliacall, never starts Julia) --------------------------------

    def prepare(self) -> None:
        """Nothing: Julia is started by the first call that needs it."""

    def available(self) -> tuple[bool, str]:
        if self._backend is not None:
            return True, f"{type(self._backend).__name__} ({self.method})"
        if importlib.util.find_spec("juliacall") is None:
            return False, f"juliacall is not installed; {INSTALL_HINT}"
        if julia_dir() is None:
            return False, (f"julia/linnet.jl was not found next to the package; set {SOURCE_ENV} to the "
                           "directory of linnet's julia/ folder")
        try:
            version = importlib.metadata.version("juliacall")
        except importlib.metadata.PackageNotFoundError:
            version = "(unknown version)"
        return True, (f"juliacall {version} installed; Julia and HomotopyContinuation.jl start on first use "
                      f"(first run: download and compilation, minutes); {self.method}, {self.threads} thread(s)")

    # -- the engine interface --------------------------------------------------------------------

    def solve(self, instance: Instance, rng: np.random.Generator,
              progress: Progress | None = None) -> RawSolutions:
        """All solutions at generic complex parameters, then a parameter homotopy to the instance."""
        generic = self.generic_solve(instance.network, instance.m, rng, progress)
        raw = self.track_instances(generic, [instance], progress)[0]
        raw.paths_tracked += generic.paths_tracked
        generic_failed = dict(generic.failed)
        raw.monodromy_failed_loops = generic_failed.pop(ReturnCode.MONODROMY.value, 0)
        _count(raw.failed, generic_failed)
        return raw

    def generic_solve(self, network: Network, m: int, rng: np.random.Generator,
                      progress: Progress | None = None) -> JuliaGenericSolution:
        """Every critical point at random complex (X0, Y0, Λ0)."""
        def cn(*shape: int) -> np.ndarray:
            return (rng.normal(size=shape) + 1j * rng.normal(size=shape)) / np.sqrt(2)

        X0, Y0, lam0 = cn(network.dx, m), cn(network.dy, m), cn(network.N)
        seed = _seed(int(rng.integers(0, 2 ** 32)))
        if self.method == "polyhedral":
            generic = self._generic_polyhedral(network, m, X0, Y0, lam0, seed, progress)
        else:
            generic = self._generic_monodromy(network, m, X0, Y0, lam0, seed, rng, progress)
        if not any(generic.patterns[i].is_origin for i in generic.pattern_of):
            generic.notes.append("the origin, always a critical point, was not found at the generic parameters")
        versions = getattr(self.backend, "versions", None)
        if versions is not None:
            jv, hv, nt = versions()
            generic.info.update({"julia": jv, "homotopycontinuation": hv, "julia_threads": nt})
        return generic

    def _generic_polyhedral(self, network: Network, m: int, X0: np.ndarray, Y0: np.ndarray, lam0: np.ndarray,
                            seed: int, progress: Progress | None) -> JuliaGenericSolution:
        _, patterns = all_patterns(network)
        p0 = pack_parameters(X0, Y0, lam0)
        if progress is not None:
            progress("HomotopyContinuation.jl: polyhedral homotopy", 0, 1)
        batch = self.backend.polyhedral(network.widths, m, p0, seed)
        ends = sort_endpoints(batch)
        # from a polyhedral start system diverging paths are expected (the BKK bound exceeds the number of
        # solutions): reported, not counted as failures (in a parameter homotopy between generic
        # parameters every path must stay finite, so there they are failures)
        diverged = ends.failed.pop(ReturnCode.AT_INFINITY.value, 0)
        points, owner, failed, notes = self._accept(network, ends.regular, patterns, "at the generic parameters")
        _count(failed, ends.failed)
        generic = JuliaGenericSolution(network, m, "polyhedral", p0, points, owner, patterns, seed, len(batch),
                                       failed, diverged, len(ends.singular), notes)
        if len(ends.singular):
            generic.notes.append(f"{len(ends.singular)} path(s) ended at singular solutions at the generic parameters "
                               "(non-isolated or multiple): not counted")
        if progress is not None:
            progress("HomotopyContinuation.jl: polyhedral homotopy", 1, 1)
        return generic

    def _generic_monodromy(self, network: Network, m: int, X0: np.ndarray, Y0: np.ndarray, lam0: np.ndarray,
                           seed: int, rng: np.random.Generator, progress: Progress | None) -> JuliaGenericSolution:
        groups, patterns = all_patterns(network)
        pid = {p: i for i, p in enumerate(patterns)}
        p0 = pack_parameters(X0, Y0, lam0)
        generic = JuliaGenericSolution(network, m, "monodromy", p0, np.zeros((1, network.N), complex),
                                       np.zeros(1, int), patterns, seed)
        pts, owner = [generic.points], [generic.pattern_of]
        for k, (widths, pats) in enumerate(groups.items()):
            if progress is not None:
                progress(f"HomotopyContinuation.jl: monodromy {widths_text(widths)}", k, len(groups))
            sub = Network(widths)
            system = GradientSystem(sub)
            w0, lam_sub = free_start_pair(system, X0, Y0, rng)
            if not is_dominant(system, X0, Y0, w0, lam_sub):
                continue            # Φ is not dominant: this sub-network has no torus solutions
            p_sub = pack_parameters(X0, Y0, lam_sub)
            out = self.backend.monodromy(widths, m, w0, p_sub, _seed(seed, k), MONODROMY_STALL_LOOPS)
            generic.paths_tracked += out.loops
            _count(generic.failed, {ReturnCode.MONODROMY.value: out.failed_loops})
            if out.return_code not in ("heuristic_stop", "success"):
                generic.notes.append(f"monodromy for sub-network {widths_text(widths)} ended with "
                                   f"{out.return_code!r}: its count may be incomplete")
            ends = sort_endpoints(out.batch)
            _count(generic.failed, ends.failed)
            torus = self._torus_only(ends.regular, generic.failed)
            if not len(torus):
                continue
            targets = np.stack([pack_parameters(X0, Y0, lam0[p.coordinates]) for p in pats])
            batch = self.backend.track(widths, m, torus, p_sub, targets, _seed(seed, k))
            generic.paths_tracked += len(batch)
            for p, block in zip(pats, batch.blocks(len(torus))):
                e = sort_endpoints(block)
                _count(generic.failed, e.failed)
                found = self._torus_only(e.regular, generic.failed)
                pts.append(p.embed(found))
                owner.append(np.full(len(found), pid[p]))
        generic.points, generic.pattern_of = np.vstack(pts), np.concatenate(owner)
        if progress is not None:
            progress("HomotopyContinuation.jl: monodromy", len(groups), len(groups))
        return generic

    @staticmethod
    def _torus_only(points: np.ndarray, failed: dict[str, int]) -> np.ndarray:
        """Points with no zero coordinate and no repetition; the others are counted in ``failed``."""
        off = zero_mask(points).any(axis=-1) if len(points) else np.zeros(0, bool)
        _count(failed, {ReturnCode.LEFT_TORUS.value: int(off.sum())})
        points = points[~off]
        drop, _ = duplicates(points)
        _count(failed, {ReturnCode.DUPLICATE.value: len(drop)})
        return np.delete(points, drop, axis=0)

    @staticmethod
    def _accept(network: Network, regular: np.ndarray, patterns: list[ZeroPattern],
                where: str) -> tuple[np.ndarray, np.ndarray, dict[str, int], list[str]]:
        """Regular endpoints → (points, pattern_of, failed, notes): zero patterns assigned, endpoints whose
        zero set is no dead-neuron pattern and repeated endpoints rejected and counted."""
        failed: dict[str, int] = {}
        notes: list[str] = []
        points, owner = assign_patterns(regular, patterns)
        bad = owner < 0
        if bad.any():
            notes.append(f"{int(bad.sum())} solution(s) {where} have zero coordinates that form no dead-neuron "
                         f"pattern (zero sets {_describe_zero_sets(network, regular[bad])}): not counted; "
                         "the exhaustive zero-pattern check (verify_patterns) shows which zero sets carry solutions")
            _count(failed, {ReturnCode.NOT_A_PATTERN.value: int(bad.sum())})
        points, owner = points[~bad], owner[~bad]
        drop, _ = duplicates(points)
        if len(drop):
            notes.append(f"{len(drop)} endpoint(s) {where} repeated another one (path jumping): counted once")
            _count(failed, {ReturnCode.DUPLICATE.value: len(drop)})
            points, owner = np.delete(points, drop, axis=0), np.delete(owner, drop)
        return points, owner, failed, notes

    def track_instances(self, generic: JuliaGenericSolution, instances: Sequence[Instance],
                        progress: Progress | None = None) -> list[RawSolutions]:
        """Critical points of every instance by one parameter homotopy from ``generic`` to all of them.

        Endpoints of one instance that coincide (path jumping) are retracked with HC.jl's conservative
        tracker settings; those still coinciding are counted once and reported.
        """
        net, m = generic.network, generic.m
        for inst in instances:
            if inst.network != net or inst.m != m:
                raise InputError(f"instance of {inst.network.label()}, m = {inst.m} does not match the generic "
                                 f"solve of {net.label()}, m = {m}")
        if not instances:
            return []
        K = len(generic.points)
        targets = np.stack([pack_parameters(inst.X, inst.Y, inst.lambda_flat) for inst in instances])
        if progress is not None:
            progress("HomotopyContinuation.jl: parameter homotopy", 0, len(instances))
        if K:
            blocks = self.backend.track(net.widths, m, generic.points, generic.p0, targets, generic.seed).blocks(K)
        else:
            blocks = [PathBatch(np.zeros((0, net.N), complex), np.zeros(0, object), np.zeros(0, bool))
                      for _ in instances]
        if len(blocks) != len(instances):
            raise RuntimeError(f"HomotopyContinuation.jl tracked {len(blocks)} instance(s) of {len(instances)}")
        out = []
        for k, block in enumerate(blocks):
            tracked = K
            ends = sort_endpoints(block)
            _, cluster = duplicates(ends.regular)
            if len(cluster):
                which = ends.index[cluster]
                again = self.backend.track(net.widths, m, generic.points[which], generic.p0, targets[k:k + 1],
                                           _seed(generic.seed, 1 + k), conservative=True)
                block.put(which, again)
                tracked += len(which)
                ends = sort_endpoints(block)
            points, owner, failed, notes = self._accept(net, ends.regular, generic.patterns, "of the instance")
            _count(failed, ends.failed)
            raw = RawSolutions(points, owner, generic.patterns, tracked, failed, ends.singular,
                               list(generic.notes) + notes)
            out.append(raw)
            if progress is not None:
                progress("HomotopyContinuation.jl: parameter homotopy", k + 1, len(instances))
        return out

    # -- bounds (not part of the engine interface) ------------------------------------------------

    def mixed_volume(self, supports: Sequence[np.ndarray]) -> int:
        """Mixed volume of n supports in Z^n ((T_k, n) integer exponent vectors), by HC.jl's
        MixedSubdivisions.jl: the function this engine offers for the BKK bounds
        (:func:`linnet_cli.engines.mixed_volume_for`, ``bounds_row(mixed_volume=...)``). Same conventions
        as :func:`linnet_cli.checks.mixed_volume.mixed_volume`: no support gives 1, a support with a single
        point gives 0."""
        sups = prepare_supports(supports)
        if not sups:
            return 1
        if any(len(s) < 2 for s in sups):
            return 0
        points, counts = stack_supports(sups)
        return int(self.backend.mixed_volume(points, counts))
