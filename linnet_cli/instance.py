"""Instances of the problem: data X (d_x × m), Y (d_y × m) and one regularization constant per weight.

Random instances follow a distribution from ``configs/distributions.toml``; user instances come from
``.npz`` or ``.json`` files. Exact rational values are kept when known so that exact tools
(Singular, msolve) see precisely the instance linnet solves.
"""
from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from .errors import InputError
from .network import MAX_DATA, Network

#: Denominator bound of rational instances for exact tools: small random integers make
#: non-generic instances (DESIGN §6), numerators and denominators up to ~100 are generic enough.
RATIONAL_MAX_DENOMINATOR = 100


def config_text(name: str) -> str:
    """Text of a file shipped in ``configs/``."""
    try:
        return resources.files("linnet_cli.configs").joinpath(name).read_text()
    except (FileNotFoundError, ModuleNotFoundError):
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
        """Reasons why this instance is not generic (DESIGN §1); empty when none is seen."""
        lam = self.lambda_flat
        out = []
        if np.any(lam == 0):
            out.append(f"{int(np.sum(lam == 0))} regularization constant(s) are zero: the regularization is not "
                       "generic, critical points may be non-isolated and counts may differ")
        if lam.size > 1 and np.all(lam == lam[0]):
            out.append("all regularization constants are equal: the loss keeps a continuous orthogonal symmetry, "
                       "critical points are not isolated and counts are not those of generic Λ")
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data of the instance (the format read by :func:`load_instance`)."""
        return {"widths": list(self.network.widths), "X": self.X.tolist(), "Y": self.Y.tolist(),
                "Lambda": [np.asarray(L).tolist() for L in self.Lambda], "seed": self.seed}


def _to_fractions(a: np.ndarray) -> np.ndarray:
    flat = [Fraction(float(v)) for v in np.asarray(a, dtype=float).ravel()]
    return np.array(flat, dtype=object).reshape(np.shape(a))


def random_instance(network: Network, m: int = 1, seed: int | None = None, distribution: str = "default",
                    distributions_file: str | Path | None = None, rational: bool = False) -> Instance:
    """Draw (X, Y, Λ) from a named distribution, reproducibly from ``seed``.

    With ``rational=True`` every entry is rounded to the nearest fraction with denominator at most
    :data:`RATIONAL_MAX_DENOMINATOR` and the exact values are kept (for Singular, msolve, PHCpack).
    """
    if not 1 <= int(m) <= MAX_DATA:
        raise InputError(f"--m (number of data points) must be between 1 and {MAX_DATA}, got {m}")
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


def _matrix_from_json(obj: Any, where: str) -> np.ndarray:
    if not isinstance(obj, list) or not obj or not all(isinstance(r, list) for r in obj):
        raise InputError(f"{where} must be a non-empty list of rows (a matrix)")
    if len({len(r) for r in obj}) != 1 or not obj[0]:
        raise InputError(f"{where}: all rows must have the same, non-zero length")
    return np.array([[_parse_entry(v, where) for v in row] for row in obj], dtype=object)


def load_instance(path: str | Path, network: Network | None = None) -> Instance:
    """Read an instance from ``.npz`` (X, Y, Lambda1, ...) or ``.json`` (X, Y, Lambda: list of matrices).

    The network is inferred from the array shapes; when ``network`` is given it must agree.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"--data: no such file: {p}")
    suffix = p.suffix.lower()
    exact: tuple[np.ndarray, ...] | None = None
    if suffix == ".json":
        try:
            obj = json.loads(p.read_text())
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"--data: cannot read {p}: {exc}") from None
        except json.JSONDecodeError as exc:
            raise InputError(f"--data: {p} is not valid JSON ({exc.msg} at line {exc.lineno})") from None
        if not isinstance(obj, dict):
            raise InputError(f"--data: {p} must hold a JSON object with keys X, Y, Lambda")
        missing = [k for k in ("X", "Y", "Lambda") if k not in obj]
        if missing:
            raise InputError(f"--data: {p} lacks key(s) {', '.join(missing)}")
        if not isinstance(obj["Lambda"], list) or not obj["Lambda"]:
            raise InputError(f"--data: {p}: Lambda must be a list of matrices, layer 1 first")
        mats = [_matrix_from_json(obj["X"], "X"), _matrix_from_json(obj["Y"], "Y")]
        mats += [_matrix_from_json(L, f"Lambda[{i}]") for i, L in enumerate(obj["Lambda"], 1)]
        exact = tuple(mats)
        arrays = [m.astype(float) for m in mats]
        seed = obj.get("seed")
    elif suffix == ".npz":
        try:
            with np.load(p, allow_pickle=False) as z:
                files = dict(z)
        except Exception as exc:  # numpy raises many types for corrupt archives
            raise InputError(f"--data: cannot read {p} as .npz: {exc}") from None
        missing = [k for k in ("X", "Y", "Lambda1") if k not in files]
        if missing:
            raise InputError(f"--data: {p} lacks array(s) {', '.join(missing)}")
        lams, i = [], 1
        while f"Lambda{i}" in files:
            lams.append(files[f"Lambda{i}"])
            i += 1
        arrays = []
        for name, a in [("X", files["X"]), ("Y", files["Y"])] + [(f"Lambda{j}", L) for j, L in enumerate(lams, 1)]:
            if not np.issubdtype(a.dtype, np.number):
                raise InputError(f"--data: array {name} is not numeric")
            if np.iscomplexobj(a):
                if np.any(a.imag != 0):
                    raise InputError(f"--data: array {name} is complex; instances must be real")
                a = a.real
            arrays.append(np.atleast_2d(np.asarray(a, dtype=float)) if a.ndim < 2 else np.asarray(a, dtype=float))
        seed = None
    else:
        raise InputError(f"--data: unsupported file type {p.suffix!r} (use .npz or .json)")
    X, Y, lams = arrays[0], arrays[1], arrays[2:]
    if X.ndim != 2 or Y.ndim != 2:
        raise InputError("--data: X and Y must be matrices (d_x × m and d_y × m)")
    for name, a in [("X", X), ("Y", Y)] + [(f"Lambda{j}", L) for j, L in enumerate(lams, 1)]:
        if not np.all(np.isfinite(a)):
            raise InputError(f"--data: {name} contains NaN or infinite entries")
    inferred = Network(tuple([X.shape[0]] + [L.shape[0] for L in lams[:-1]] + [Y.shape[0]]))
    for j, L in enumerate(lams, 1):
        if L.ndim != 2 or L.shape != inferred.shapes[j - 1]:
            raise InputError(f"--data: Lambda{j} has shape {L.shape}, expected {inferred.shapes[j - 1]} "
                             f"for widths {','.join(map(str, inferred.widths))}")
    if network is not None and network.widths != inferred.widths:
        raise InputError(f"--data: the file is for widths {','.join(map(str, inferred.widths))} "
                         f"but the options ask for {','.join(map(str, network.widths))}")
    return Instance(inferred, X, Y, tuple(lams), seed=seed if isinstance(seed, int) else None,
                    source=str(p), exact=exact)


def save_instance(instance: Instance, path: str | Path) -> None:
    """Write an instance as ``.npz`` or ``.json`` (readable by :func:`load_instance`)."""
    p = Path(path)
    if p.suffix.lower() == ".json":
        p.write_text(json.dumps(instance.to_dict(), indent=1))
    elif p.suffix.lower() == ".npz":
        arrays = {"X": instance.X, "Y": instance.Y}
        arrays.update({f"Lambda{i}": L for i, L in enumerate(instance.Lambda, 1)})
        np.savez(p, **arrays)
    else:
        raise InputError(f"cannot save an instance as {p.suffix!r} (use .npz or .json)")

