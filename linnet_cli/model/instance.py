"""Instances of the problem: data X (d_x × m), Y (d_y × m) and one regularization constant per weight.

Random instances follow a distribution from ``configs/distributions.toml``; user instances come from
``.npz`` or ``.json`` files. Exact rational values are kept when known so that exact tools
(Singular, msolve) see precisely the instance linnet solves.
"""
from __future__ import annotations

import json
import stat
import tomllib
import zipfile
from dataclasses import dataclass, field
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, opt
from .network import MAX_DATA, MAX_HIDDEN, MAX_WIDTH, Network, widths_text

#: Denominator bound of rational instances for exact tools: small random integers make
#: non-generic instances (docs/design.md §8), numerators and denominators up to ~100 are generic enough.
RATIONAL_MAX_DENOMINATOR = 100
#: Largest |entry| of X, Y and Λ: X Xᵀ sums up to MAX_DATA squares, and the gradient multiplies
#: such sums by products of weights; beyond 1e100 these overflow double precision (1.8e308) or leave
#: no meaningful digits, and the solver's linear algebra breaks down.
MAX_ABS_ENTRY = 1e100
#: Nonzero entries whose magnitudes span more than this ratio make the system badly scaled: paths
#: fail, and at 1e20 the rank test of the monodromy misreads the map Φ (a count of 1 instead of 33
#: for d = d_x = d_y = 2). Such instances are warned about.
BADLY_SCALED_RATIO = 1e6
#: Most numbers an instance file can hold within the limits: X and Y of MAX_WIDTH × MAX_DATA, and
#: MAX_HIDDEN + 1 matrices Λ of MAX_WIDTH × MAX_WIDTH.
MAX_FILE_NUMBERS = 2 * MAX_WIDTH * MAX_DATA + (MAX_HIDDEN + 1) * MAX_WIDTH ** 2
#: Largest instance file read: 32 bytes per number covers the longest float repr (24 characters),
#: separators and the indentation `linnet solve --save-instance` writes; a larger file cannot be a
#: valid instance and is refused before it is parsed (parsing takes seconds and gigabytes).
MAX_DATA_FILE_BYTES = 32 * MAX_FILE_NUMBERS
#: Keys of a .json instance (``widths`` and ``seed`` are written by ``--save-instance``).
JSON_KEYS = ("X", "Y", "Lambda", "widths", "seed")
#: The first bytes of every .npy file (an .npz archive holds one per array).
NPY_MAGIC = b"\x93NUMPY"
#: Smallest positive normal double: a nonzero entry below it (a subnormal, or one that rounds to 0)
#: has lost its precision, and the solver's arithmetic on it overflows or divides by zero.
SMALLEST_NORMAL = float(np.finfo(float).tiny)


def regular_file(path: str | Path, key: str) -> int:
    """The size of ``path``, an existing regular file (InputError naming option ``key`` otherwise: a
    FIFO, a device or a directory is said to be one, and never opened, so reading never blocks)."""
    p = Path(path)
    try:
        mode = p.stat()
    except FileNotFoundError:
        raise InputError(f"{opt(key)}: no such file: {p}") from None
    except OSError as exc:
        raise InputError(f"{opt(key)}: cannot read {p}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(mode.st_mode):
        kinds = [(stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                 (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")]
        kind = next((text for test, text in kinds if test(mode.st_mode)), "a special file")
        raise InputError(f"{opt(key)}: {p} is not a regular file (it is {kind})")
    return mode.st_size


def config_text(name: str) -> str:
    """Text of a file shipped in ``configs/``: installed as the package ``linnet_cli.configs``, or, when
    linnet runs from a plain checkout (not installed), the checkout's ``configs/`` folder."""
    try:
        return resources.files("linnet_cli.configs").joinpath(name).read_text()
    except (FileNotFoundError, ModuleNotFoundError):
        pass
    try:
        return (Path(__file__).resolve().parents[2] / "configs" / name).read_text()
    except OSError:
        raise InputError(f"configuration file {name!r} not found in linnet's configs/") from None


def load_distribution(name: str = "default", path: str | Path | None = None) -> dict[str, dict[str, Any]]:
    """The laws of X, Y and Lambda from a distributions TOML file (linnet's own by default)."""
    try:
        text = Path(path).read_text() if path is not None else config_text("distributions.toml")
        table = tomllib.loads(text)
    except OSError as exc:
        raise InputError(f"cannot read distributions file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"distributions file {path or 'distributions.toml'} is not valid TOML: {exc}") from None
    if name not in table:
        raise InputError(f"unknown distribution {name!r}; known: {', '.join(sorted(table))}")
    dist = table[name]
    for key in ("X", "Y", "Lambda"):
        if key not in dist:
            raise InputError(f"distribution {name!r} has no law for {key}")
    unknown = set(dist) - {"X", "Y", "Lambda"}
    if unknown:
        raise InputError(f"distribution {name!r}: unknown keys {', '.join(sorted(unknown))}")
    return dist


def _sample(rng: np.random.Generator, law: dict[str, Any], shape: tuple[int, ...], what: str) -> np.ndarray:
    kind = law.get("law")
    if kind == "normal":
        return rng.normal(float(law.get("mean", 0.0)), float(law.get("std", 1.0)), size=shape)
    if kind == "uniform":
        return rng.uniform(float(law.get("low", 0.0)), float(law.get("high", 1.0)), size=shape)
    raise InputError(f"law of {what}: unknown law {kind!r} (use 'normal' or 'uniform')")


@dataclass(frozen=True)
class Instance:
    """One problem instance: a network, data X and Y, and regularization matrices Λ_i."""

    network: Network
    X: np.ndarray
    Y: np.ndarray
    Lambda: tuple[np.ndarray, ...]
    seed: int | None = None
    source: str = "random"
    #: Exact rational values (X, Y, Λ_1, ...) when known, as object arrays of Fraction.
    exact: tuple[np.ndarray, ...] | None = field(default=None, repr=False, compare=False)

    def __repr__(self) -> str:
        seed = "" if self.seed is None else f", seed {self.seed}"
        return f"<Instance {self.network.label()} m={self.m}{seed}, {self.source}>"

    def __post_init__(self) -> None:
        net = self.network
        X, Y = np.asarray(self.X), np.asarray(self.Y)
        if X.ndim != 2 or X.shape[0] != net.dx:
            raise InputError(f"X must have shape (d_x, m) = ({net.dx}, m), got {X.shape}")
        if Y.ndim != 2 or Y.shape != (net.dy, X.shape[1]):
            raise InputError(f"Y must have shape (d_y, m) = ({net.dy}, {X.shape[1]}), got {Y.shape}")
        if X.shape[1] < 1 or X.shape[1] > MAX_DATA:
            raise InputError(f"number of data points m must be between 1 and {MAX_DATA}, got {X.shape[1]}")
        if len(self.Lambda) != net.n_layers:
            raise InputError(f"need {net.n_layers} regularization matrices (one per layer), got {len(self.Lambda)}")
        for i, (L, shape) in enumerate(zip(self.Lambda, net.shapes), start=1):
            if np.asarray(L).shape != shape:
                raise InputError(f"Lambda{i} must have the shape of W_{i}, {shape}, got {np.asarray(L).shape}")
        for name, arr in [("X", X), ("Y", Y)] + [(f"Lambda{i}", L) for i, L in enumerate(self.Lambda, 1)]:
            if not np.all(np.isfinite(arr)):
                raise InputError(f"{name} contains NaN or infinite entries")
            if np.any(np.abs(arr) > MAX_ABS_ENTRY):
                raise InputError(f"{name} has entries of magnitude above {MAX_ABS_ENTRY:.0e}, beyond what double "
                                 "precision can solve with; rescale the instance")

    @property
    def m(self) -> int:
        """Number of data points."""
        return self.X.shape[1]

    @property
    def lambda_flat(self) -> np.ndarray:
        """Λ as a vector of length N, in the weight layout of :class:`Network`."""
        return self.network.flatten([np.asarray(L) for L in self.Lambda])

    def exact_values(self) -> tuple[np.ndarray, ...]:
        """(X, Y, Λ_1, ..., Λ_{H+1}) as Fraction arrays: the known exact values or the floats' exact values."""
        if self.exact is not None:
            return self.exact
        return tuple(_to_fractions(a) for a in (self.X, self.Y, *self.Lambda))

    def genericity_warnings(self) -> list[str]:
        """Reasons why this instance is not generic (docs/design.md §1); empty when none is seen."""
        lam = self.lambda_flat
        out = []
        if np.any(lam == 0):
            out.append(f"{int(np.sum(lam == 0))} regularization constant(s) are zero: the regularization is not "
                       "generic, critical points may be non-isolated and counts may differ")
        if np.any(lam < 0):
            # a single weight w with Λ < 0 and every other weight 0 makes the data term constant for
            # H ≥ 1, so L → −∞ along it; for H = 0 the quadratic form decides
            bounded = self.network.H == 0 and np.all(np.linalg.eigvalsh(
                np.real(self.X @ self.X.T)[None] + np.real(self.Lambda[0])[:, None, :]
                * np.eye(self.network.dx)[None]) > 0)
            out.append(f"{int(np.sum(lam < 0))} regularization constant(s) are negative: "
                       + ("the loss is still convex" if bounded else
                          "the loss is unbounded below, so no critical point is a global minimum"))
        # equal constants keep the O(n) symmetry of a hidden layer of width n ≥ 2 (O(1) is finite)
        if lam.size > 1 and np.all(lam == lam[0]) and max(self.network.hidden, default=0) >= 2:
            out.append("all regularization constants are equal: the loss keeps a continuous orthogonal symmetry, "
                       "critical points are not isolated and counts are not those of generic Λ")
        mags = np.abs(np.concatenate([np.ravel(self.X), np.ravel(self.Y), lam]))
        mags = mags[mags > 0]
        if len(mags) and mags.max() > BADLY_SCALED_RATIO * mags.min():
            with np.errstate(over="ignore"):
                span = float(mags.max() / mags.min())
            span_text = f"{span:.1e}" if np.isfinite(span) else f"more than {np.finfo(float).max:.1e}"
            out.append(f"the nonzero entries of X, Y and Λ span {span_text} (more than "
                       f"{BADLY_SCALED_RATIO:.0e}): the system is badly scaled, paths may fail and counts may be "
                       "wrong; rescale the instance")
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data of the instance (the format read by :func:`load_instance`)."""
        return {"widths": list(self.network.widths), "X": self.X.tolist(), "Y": self.Y.tolist(),
                "Lambda": [np.asarray(L).tolist() for L in self.Lambda], "seed": self.seed}


def _to_fractions(a: np.ndarray) -> np.ndarray:
    flat = [Fraction(float(v)) for v in np.asarray(a, dtype=float).ravel()]
    return np.array(flat, dtype=object).reshape(np.shape(a))


def draw_seed() -> int:
    """A fresh random seed, for runs given none (results record it, so every run can be repeated)."""
    import secrets
    return secrets.randbelow(2 ** 31)


def random_instance(network: Network, m: int = 1, seed: int | None = None, distribution: str = "default",
                    distributions_file: str | Path | None = None, rational: bool = False) -> Instance:
    """Draw (X, Y, Λ) from a named distribution, reproducibly from ``seed``.

    Parameters
    ----------
    network : the shape; m : the number of data points.
    seed : the random seed (None: fresh randomness).
    distribution : a name in ``configs/distributions.toml`` (or in ``distributions_file``).
    rational : round every entry to the nearest fraction with denominator at most
        :data:`RATIONAL_MAX_DENOMINATOR` and keep the exact values (for Singular, msolve, PHCpack).

    Returns
    -------
    Instance : data X (d_x × m), Y (d_y × m) and one positive Λ per weight matrix (by default).

    >>> inst = random_instance(Network.uniform(d=2, dx=2, dy=2), m=3, seed=1)
    >>> inst.X.shape, inst.Y.shape, [lam.shape for lam in inst.Lambda]
    ((2, 3), (2, 3), [(2, 2), (2, 2)])
    """
    if not 1 <= int(m) <= MAX_DATA:
        raise InputError(f"{opt('m')} (number of data points) must be between 1 and {MAX_DATA}, got {m}")
    dist = load_distribution(distribution, distributions_file)
    rng = np.random.default_rng(seed)
    X = _sample(rng, dist["X"], (network.dx, m), "X")
    Y = _sample(rng, dist["Y"], (network.dy, m), "Y")
    Lam = tuple(_sample(rng, dist["Lambda"], s, "Lambda") for s in network.shapes)
    exact = None
    if rational:
        exact = tuple(_round_rational(a) for a in (X, Y, *Lam))
        X, Y = exact[0].astype(float), exact[1].astype(float)
        Lam = tuple(e.astype(float) for e in exact[2:])
    return Instance(network, X, Y, Lam, seed=seed, source=f"random ({distribution})", exact=exact)


def _round_rational(a: np.ndarray) -> np.ndarray:
    vals = []
    for v in a.ravel():
        f = Fraction(float(v)).limit_denominator(RATIONAL_MAX_DENOMINATOR)
        vals.append(f if f != 0 else Fraction(1, RATIONAL_MAX_DENOMINATOR))
    return np.array(vals, dtype=object).reshape(a.shape)


def _parse_entry(v: Any, where: str) -> Fraction:
    if isinstance(v, bool) or v is None:
        raise InputError(f"{where}: expected a number, got {v!r}")
    if isinstance(v, (int, float)):
        if isinstance(v, float) and not np.isfinite(v):
            raise InputError(f"{where} contains NaN or infinite entries")
        return Fraction(v)
    if isinstance(v, str):
        try:
            return Fraction(v.strip())
        except (ValueError, ZeroDivisionError):
            raise InputError(f"{where}: cannot read {v!r} as a number (use 1.5 or \"3/2\")") from None
    raise InputError(f"{where}: expected a number, got {type(v).__name__}")


def _matrix_from_json(obj: Any, where: str, max_columns: int) -> np.ndarray:
    if not isinstance(obj, list) or not obj or not all(isinstance(r, list) for r in obj):
        raise InputError(f"{where} must be a non-empty list of rows (a matrix)")
    if len({len(r) for r in obj}) != 1 or not obj[0]:
        raise InputError(f"{where}: all rows must have the same, non-zero length")
    # sizes first: converting millions of entries to exact fractions takes long
    if len(obj) > MAX_WIDTH or len(obj[0]) > max_columns:
        raise InputError(f"{where} is {len(obj)} × {len(obj[0])}: at most {MAX_WIDTH} rows and {max_columns} "
                         "columns are supported")
    return np.array([[_parse_entry(v, where) for v in row] for row in obj], dtype=object)


def _read_json(p: Path) -> tuple[list[np.ndarray], Any, Any]:
    """(matrices X, Y, Λ_1, ... as Fraction arrays, widths or None, seed or None) of a .json instance."""
    try:
        obj = json.loads(p.read_text())
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{opt('data')}: cannot read {p}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{opt('data')}: {p} is not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise InputError(f"{opt('data')}: {p} is nested too deeply to be an instance") from None
    if not isinstance(obj, dict):
        raise InputError(f"{opt('data')}: {p} must hold a JSON object with keys X, Y, Lambda")
    missing = [k for k in ("X", "Y", "Lambda") if k not in obj]
    if missing:
        raise InputError(f"{opt('data')}: {p} lacks key(s) {', '.join(missing)}")
    extra = sorted(set(obj) - set(JSON_KEYS))
    if extra:
        raise InputError(f"{opt('data')}: {p} has unknown key(s) {', '.join(map(repr, extra))} "
                         f"(an instance has {', '.join(JSON_KEYS)})")
    if not isinstance(obj["Lambda"], list) or not obj["Lambda"] or len(obj["Lambda"]) > MAX_HIDDEN + 1:
        raise InputError(f"{opt('data')}: {p}: Lambda must be a list of 1 to {MAX_HIDDEN + 1} matrices, layer 1 first")
    mats = [_matrix_from_json(obj["X"], "X", MAX_DATA), _matrix_from_json(obj["Y"], "Y", MAX_DATA)]
    mats += [_matrix_from_json(L, f"Lambda[{i}]", MAX_WIDTH) for i, L in enumerate(obj["Lambda"], 1)]
    widths = obj.get("widths")
    if widths is not None and not (isinstance(widths, list) and all(type(w) is int for w in widths)):
        raise InputError(f"{opt('data')}: {p}: widths must be a list of integers, got {widths!r}")
    return mats, widths, obj.get("seed")


def _npy_header(zf: zipfile.ZipFile, member: zipfile.ZipInfo, name: str, p: Path) -> tuple[tuple[int, ...], np.dtype]:
    """(shape, dtype) of an .npz member from its .npy header alone, nothing of its data read."""
    fmt = np.lib.format
    with zf.open(member) as fh:
        if fh.read(len(NPY_MAGIC)) != NPY_MAGIC:
            raise InputError(f"{opt('data')}: {p}: {member.filename} is not a .npy array")
        version = tuple(fh.read(2))
        if version == (1, 0):
            shape, _, dtype = fmt.read_array_header_1_0(fh)
        elif version == (2, 0):
            shape, _, dtype = fmt.read_array_header_2_0(fh)
        else:
            raise InputError(f"{opt('data')}: {p}: array {name} has .npy format version "
                             f"{'.'.join(map(str, version))}, not 1.0 or 2.0 (numpy.savez writes these)")
    return shape, dtype


def _check_npy_header(name: str, shape: tuple[int, ...], dtype: np.dtype, p: Path) -> None:
    """Refuse an array by its header: not numeric, not a matrix, or larger than any instance's."""
    if dtype.hasobject or dtype.fields is not None or not np.issubdtype(dtype, np.number):
        raise InputError(f"{opt('data')}: array {name} is not numeric (dtype {dtype})")
    if len(shape) > 2:
        raise InputError(f"{opt('data')}: {p}: array {name} has shape {shape}, not a matrix")
    rows, cols = (1, 1) if len(shape) == 0 else (1, shape[0]) if len(shape) == 1 else shape
    max_columns = MAX_DATA if name in ("X", "Y") else MAX_WIDTH
    if rows > MAX_WIDTH or cols > max_columns:
        raise InputError(f"{opt('data')}: {p}: array {name} is {rows:,} × {cols:,}: at most {MAX_WIDTH} rows and "
                         f"{max_columns:,} columns are supported (refused before reading it)")


def _read_npz(p: Path) -> list[np.ndarray]:
    """The arrays X, Y, Lambda1, ... of a .npz instance (exactly these: any other is an error).

    The archive's names and every array's .npy header (shape, dtype) are checked before any array is
    read: a small compressed file can declare gigabytes of zeros."""
    try:
        with open(p, "rb") as fh:
            head = fh.read(len(NPY_MAGIC))
    except OSError as exc:
        raise InputError(f"{opt('data')}: cannot read {p}: {exc.strerror or exc}") from None
    if not zipfile.is_zipfile(p):
        looks = ("it looks like a .npy file: write the arrays X, Y, Lambda1, ... with numpy.savez"
                 if head == NPY_MAGIC else "not a zip file")
        raise InputError(f"{opt('data')}: cannot read {p}: not an .npz archive ({looks})")
    try:
        with zipfile.ZipFile(p) as zf:
            members = {(i.filename[:-4] if i.filename.endswith(".npy") else i.filename): i for i in zf.infolist()}
            names = list(members)
            lams = sorted((n for n in names if n.startswith("Lambda") and n[6:].isdigit()), key=lambda n: int(n[6:]))
            extra = sorted(set(names) - {"X", "Y"} - set(lams))
            if extra:
                raise InputError(f"{opt('data')}: {p} has unknown array(s) {', '.join(extra)} "
                                 "(an instance has X, Y, Lambda1, Lambda2, ...)")
            missing = [k for k in ("X", "Y", "Lambda1") if k not in names]
            if missing:
                raise InputError(f"{opt('data')}: {p} lacks array(s) {', '.join(missing)}")
            expected = [f"Lambda{i}" for i in range(1, len(lams) + 1)]
            if lams != expected:
                gap = next(e for e, n in zip(expected, lams) if e != n)
                raise InputError(f"{opt('data')}: {p} has {', '.join(lams)} but no {gap}: the Lambda arrays must be "
                                 "Lambda1, Lambda2, ... without gaps")
            if len(lams) > MAX_HIDDEN + 1:
                raise InputError(f"{opt('data')}: {p} has {len(lams)} Lambda arrays: at most {MAX_HIDDEN + 1} "
                                 f"({MAX_HIDDEN} hidden layers) are supported")
            for n in ["X", "Y"] + lams:
                _check_npy_header(n, *_npy_header(zf, members[n], n, p), p)
            files = {}
            for n in ["X", "Y"] + lams:
                with zf.open(members[n]) as fh:
                    files[n] = np.lib.format.read_array(fh, allow_pickle=False)
    except InputError:
        raise
    except Exception as exc:  # numpy raises many types for corrupt archives
        raise InputError(f"{opt('data')}: cannot read {p} as .npz: {exc}") from None
    arrays = []
    for name in ["X", "Y"] + lams:
        a = files[name]
        if not np.issubdtype(a.dtype, np.number):
            raise InputError(f"{opt('data')}: array {name} is not numeric")
        if np.iscomplexobj(a):
            if np.any(a.imag != 0):
                raise InputError(f"{opt('data')}: array {name} is complex; instances must be real")
            a = a.real
        arrays.append(np.atleast_2d(np.asarray(a, dtype=float)) if a.ndim < 2 else np.asarray(a, dtype=float))
    return arrays


def _check_load_arguments(path: object, network: object, no_hidden_layer: object) -> None:
    """Refuse (InputError) arguments of :func:`load_instance` of the wrong type, naming them."""
    import os

    from ..validate import flag, instance_of
    instance_of(path, "data", (str, os.PathLike), "a file path (str or pathlib.Path)")
    instance_of(network, "network", Network, "a Network", none=True)
    flag(no_hidden_layer, "no_hidden_layer")


def load_instance(path: str | Path, network: Network | None = None, no_hidden_layer: bool = False) -> Instance:
    """Read an instance from ``.npz`` (X, Y, Lambda1, ...) or ``.json`` (X, Y, Lambda: list of matrices).

    The network is inferred from the array shapes; when ``network`` is given it must agree. Files are
    read strictly: an unknown key or array, or a gap in Lambda1, Lambda2, ..., is an error, and a
    file with a single Lambda (no hidden layer, H = 0) is accepted only when ``network`` or
    ``no_hidden_layer`` (the shape options) or the file's ``widths`` say H = 0 — a missing Lambda2
    is far likelier than a network without hidden layer.

    Parameters
    ----------
    path : a ``.npz`` or ``.json`` file, e.g. one written by :func:`save_instance`.
    network : the network the file must be for (None: inferred).
    no_hidden_layer : accept a file with a single Λ as a network without hidden layer.

    Returns
    -------
    Instance : the file's data and regularization; ``source`` names the file.

    >>> import tempfile, os
    >>> inst = random_instance(Network.uniform(d=2, dx=2, dy=2), seed=4)
    >>> path = os.path.join(tempfile.mkdtemp(), "instance.json")
    >>> save_instance(inst, path)
    >>> again = load_instance(path)
    >>> again.network == inst.network and bool((again.X == inst.X).all())
    True
    """
    _check_load_arguments(path, network, no_hidden_layer)
    p = Path(path)
    size = regular_file(p, "data")
    suffix = p.suffix.lower()
    if suffix not in (".json", ".npz"):
        raise InputError(f"{opt('data')}: unsupported file type {p.suffix!r} (use .npz or .json)")
    if size > MAX_DATA_FILE_BYTES:
        raise InputError(f"{opt('data')}: {p} has {size:,} bytes, more than any instance within the limits can take "
                         f"({MAX_DATA_FILE_BYTES:,} bytes: widths ≤ {MAX_WIDTH}, m ≤ {MAX_DATA}, "
                         f"H ≤ {MAX_HIDDEN})")
    exact: tuple[np.ndarray, ...] | None = None
    widths: Any = None
    seed: Any = None
    if suffix == ".json":
        mats, widths, seed = _read_json(p)
        exact = tuple(mats)
        arrays = [_exact_to_float(m, name) for m, name in zip(mats, _array_names(len(mats)))]
    else:
        arrays = _read_npz(p)
    for a, name in zip(arrays, _array_names(len(arrays))):
        _check_normal(a, name)
    X, Y, lams = arrays[0], arrays[1], arrays[2:]
    if X.ndim != 2 or Y.ndim != 2:
        raise InputError(f"{opt('data')}: X and Y must be matrices (d_x × m and d_y × m)")
    for name, a in [("X", X), ("Y", Y)] + [(f"Lambda{j}", L) for j, L in enumerate(lams, 1)]:
        if not np.all(np.isfinite(a)):
            raise InputError(f"{opt('data')}: {name} contains NaN or infinite entries")
    inferred = Network(tuple([X.shape[0]] + [L.shape[0] for L in lams[:-1]] + [Y.shape[0]]))
    for j, L in enumerate(lams, 1):
        if L.ndim != 2 or L.shape != inferred.shapes[j - 1]:
            raise InputError(f"{opt('data')}: Lambda{j} has shape {L.shape}, expected {inferred.shapes[j - 1]} "
                             f"for widths {inferred.text}")
    if widths is not None and tuple(widths) != inferred.widths:
        raise InputError(f"{opt('data')}: {p} says widths {widths_text(widths)} but its arrays are for widths "
                         f"{inferred.text}")
    if network is not None and network.widths != inferred.widths:
        raise InputError(f"{opt('data')}: the file is for widths {inferred.text} "
                         f"but the options ask for {network.text}")
    if inferred.H == 0 and network is None and widths is None and not no_hidden_layer:
        raise InputError(f"{opt('data')}: {p} has a single Lambda, i.e. a network with no hidden layer (H = 0); "
                         f"give {opt('H', 0)} if that is meant, else add the missing Lambda2, ... (one per layer)")
    return Instance(inferred, X, Y, tuple(lams), seed=seed if type(seed) is int else None,
                    source=str(p), exact=exact)


def _array_names(n: int) -> list[str]:
    return ["X", "Y"] + [f"Lambda{j}" for j in range(1, n - 1)]


def _exact_to_float(m: np.ndarray, name: str) -> np.ndarray:
    """The doubles of exact values; a nonzero value that rounds to 0 is refused as a subnormal would be
    (:func:`_check_normal`), one beyond the largest double as any entry above 1e100 is."""
    try:
        out = m.astype(float)
    except OverflowError:
        raise InputError(f"{opt('data')}: {name} has entries of magnitude above {MAX_ABS_ENTRY:.0e}, beyond what "
                         "double precision can solve with; rescale the instance") from None
    lost = (out == 0) & (m != 0)
    if np.any(lost):
        v = str(m[lost].flat[0])
        v = v if len(v) <= 40 else v[:37] + "…"
        raise InputError(f"{opt('data')}: {name} has an entry {v} that is 0 in double precision (below "
                         f"{SMALLEST_NORMAL:.3g}, the smallest normal double): rescale the instance, or write 0 if "
                         "it is meant to be zero")
    return out


def _check_normal(a: np.ndarray, name: str) -> None:
    """Refuse subnormal entries (nonzero, below the smallest normal double): they carry fewer digits
    than the double precision the solver relies on, and quotients of them overflow."""
    tiny = (a != 0) & (np.abs(a) < SMALLEST_NORMAL)
    if np.any(tiny):
        v = float(np.abs(a[tiny]).max())
        raise InputError(f"{opt('data')}: {name} has an entry {v:.3g}, below the smallest normal double "
                         f"({SMALLEST_NORMAL:.3g}): double precision cannot compute with it; rescale the instance, or "
                         "write 0 if it is meant to be zero")


def save_instance(instance: Instance, path: str | Path) -> None:
    """Write an instance as ``.npz`` or ``.json`` (readable by :func:`load_instance`)."""
    from ..export import json_text
    from ..output_files import atomic_open
    p = Path(path)
    check_instance_suffix(p)
    if p.suffix.lower() == ".json":
        with atomic_open(p, "save_instance") as fh:
            fh.write(json_text(instance.to_dict()))
    else:
        arrays: dict[str, Any] = {"X": instance.X, "Y": instance.Y}   # Any: no array is np.savez's allow_pickle
        arrays.update({f"Lambda{i}": L for i, L in enumerate(instance.Lambda, 1)})
        with atomic_open(p, "save_instance", binary=True) as fh:
            np.savez(fh, **arrays)


def check_instance_suffix(path: str | Path) -> None:
    """Instances are saved as .json or .npz; anything else is refused before any work."""
    if Path(path).suffix.lower() not in (".json", ".npz"):
        raise InputError(f"{opt('save_instance')}: cannot save an instance as {Path(path).suffix!r} "
                         "(use .npz or .json)")

