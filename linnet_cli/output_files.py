"""Files linnet writes: checked before any work, written atomically, never over an input.

A result that took an hour must not be lost to a missing directory found only at the end, and a
write that fails halfway (full disk, file size limit) must not leave a truncated file in place of
the previous one. So every output path is checked up front, and every file is written to a
temporary file in the same directory, then renamed over the target (a rename within one directory
is atomic on POSIX file systems: readers see the old file or the new one, never a mix).
"""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator, Sequence

from .errors import InputError, opt


def check_writable(path: str | Path, option: str) -> None:
    """Raise InputError unless ``path`` can be written: its directory exists and is writable, and it
    is not a directory or an unwritable file. Nothing is created or truncated."""
    p = Path(path)
    parent = p.parent if str(p.parent) else Path(".")
    if p.is_dir():
        raise InputError(f"{opt(option)}: {p} is a directory")
    if not parent.is_dir():
        raise InputError(f"{opt(option)}: cannot write {p}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"{opt(option)}: cannot write {p}: directory {parent} is not writable")
    if p.exists() and not os.access(p, os.W_OK):
        raise InputError(f"{opt(option)}: cannot write {p}: the file is not writable")


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name the same file (also through links, or when neither exists yet)."""
    pa, pb = Path(a), Path(b)
    try:
        if pa.exists() and pb.exists():
            return os.path.samefile(pa, pb)
    except OSError:
        pass
    return pa.resolve() == pb.resolve()


def check_outputs(outputs: Sequence[tuple[str, str | None]], inputs: Sequence[tuple[str, str | None]]) -> None:
    """Check every (option, path) output before the work starts: writable, not one of the inputs
    (an input overwritten by a result is lost), and no two outputs the same file. Paths that are
    None or '-' (standard output) are skipped."""
    given = [(o, p) for o, p in outputs if p not in (None, "-")]
    for option, path in given:
        check_writable(path, option)
        for in_option, in_path in inputs:
            if in_path not in (None, "-") and same_file(path, in_path):
                raise InputError(f"{opt(option)} {path} is the {opt(in_option)} input file: writing it would destroy "
                                 "the input (choose another output file)")
    for i, (option, path) in enumerate(given):
        for other, other_path in given[i + 1:]:
            if same_file(path, other_path):
                raise InputError(f"{opt(option)} and {opt(other)} name the same file {path}: give two different files")


@contextmanager
def atomic_open(path: str | Path, option: str = "output", binary: bool = False) -> Iterator[IO]:
    """Open a temporary file next to ``path`` for writing; on success it replaces ``path`` atomically,
    on any failure it is removed and ``path`` is left as it was. OS errors become InputError."""
    p = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent if str(p.parent) else ".")
    except OSError as exc:
        raise InputError(f"{opt(option)}: cannot write {p}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb" if binary else "w", encoding=None if binary else "utf-8") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        mode = os.stat(p).st_mode & 0o7777 if p.exists() else 0o666 & ~_umask()
        os.chmod(tmp, mode)
        os.replace(tmp, p)
    except OSError as exc:
        _remove(tmp)
        raise InputError(f"{opt(option)}: cannot write {p}: {exc.strerror or exc}") from None
    except BaseException:
        _remove(tmp)
        raise


def write_text_atomic(text: str, path: str | Path, option: str = "output") -> None:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_open`)."""
    with atomic_open(path, option) as fh:
        fh.write(text)


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
