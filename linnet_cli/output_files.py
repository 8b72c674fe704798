"""Files linnet writes: checked before any work, written atomically, never over an input.

A result that took an hour must not be lost to a missing directory found only at the end, and a
write that fails halfway (full disk, file size limit) must not leave a truncated file in place of
the previous one. So every output path is checked up front, and every file is written to a
temporary file in the same directory, then renamed over the target (a rename within one directory
is atomic on POSIX file systems: readers see the old file or the new one, never a mix).

Not every path names a file to replace. A symbolic link (or a chain of them) is followed and its
final target replaced, so that the link stays a link. A character or block device, a FIFO, a socket
and a descriptor of this process (``/dev/stdout``, ``/dev/fd/N``) are written in place: renaming a
file over ``/dev/null`` would replace the device. Standard output is written through
:func:`write_stdout`, which checks every write; files that must never replace anything (the rows an
unfinished table keeps) get a fresh name from :func:`write_new_file`.
"""
from __future__ import annotations

import errno
import io
import os
import stat
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from collections.abc import Iterator, Sequence

from .errors import InputError, opt

#: Links followed at most when resolving an output path (as the kernel's limit on a path's links).
MAX_LINKS = 40


class StdoutError(Exception):
    """Standard output could not be written (a full disk, a file size limit, a closed pipe)."""

    def __init__(self, err: int | None, strerror: str) -> None:
        self.errno = err
        self.strerror = strerror
        super().__init__(f"cannot write standard output: {strerror}")

    @property
    def broken_pipe(self) -> bool:
        """The reader went away (``linnet ... | head``): not an error to report."""
        return self.errno == errno.EPIPE


@dataclass(frozen=True)
class Target:
    """Where a write to an output path goes.

    ``path`` is the file to replace (the path given, or the end of its chain of links) or, when
    ``direct``, the path to open and write in place (a device, a FIFO, a socket); ``fd`` is a
    descriptor of this process that the path names (``/dev/stdout``, ``/dev/fd/N``), written
    through (a duplicate of it), never reopened."""

    path: Path
    direct: bool = False
    fd: int | None = None


def _descriptor_dirs() -> set[str]:
    dirs = set()
    for d in ("/proc/self/fd", "/proc/thread-self/fd", "/dev/fd"):
        try:
            dirs.add(os.path.realpath(d))
        except OSError:
            pass
    return dirs


def _descriptor(path: str, dirs: set[str]) -> int | None:
    """The descriptor of this process that ``path`` names (``/dev/stdout``, ``/dev/fd/1``,
    ``/proc/self/fd/1``), else None."""
    full = os.path.abspath(path)
    std = {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}
    if full in std:
        return std[full]
    parent, name = os.path.split(full)
    if name.isdigit():
        try:
            if os.path.realpath(parent) in dirs:
                return int(name)
        except OSError:
            pass
    return None


def output_target(path: str | Path, option: str = "output") -> Target:
    """Where writing ``path`` goes (see :class:`Target`). A chain of links is followed link by link: a
    link to ``/dev/stdout`` is standard output, a link to a device is that device, and a link to a
    regular file (or to nothing yet) is replaced at its end. InputError for a loop of links."""
    p = Path(path)
    dirs = _descriptor_dirs()
    hop = str(p)
    for _ in range(MAX_LINKS):
        fd = _descriptor(hop, dirs)
        if fd is not None:
            return Target(p, True, fd)
        if not os.path.islink(hop):
            break
        try:
            hop = os.path.join(os.path.dirname(hop), os.readlink(hop))
        except OSError:
            break
    else:
        raise InputError(f"{opt(option)}: cannot write {p}: {os.strerror(errno.ELOOP)}")
    try:
        mode = os.stat(p).st_mode
    except FileNotFoundError:      # no file yet, or a link to a file not written yet
        mode = None
    except NotADirectoryError:
        mode = None                # a file where a directory should be: check_writable names it
    except OSError as exc:
        raise InputError(f"{opt(option)}: cannot write {p}: {exc.strerror or exc}") from None
    if mode is not None and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        return Target(p, True)     # a device, a FIFO or a socket: written in place
    return Target(Path(os.path.realpath(p)) if os.path.islink(p) else p)


def is_regular_output(path: str | Path | None) -> bool:
    """Whether ``path`` names a file that keeps what is written to it (not standard output, a device,
    a FIFO or a descriptor)."""
    if path in (None, "-"):
        return False
    try:
        return not output_target(path).direct
    except InputError:
        return False


def check_writable(path: str | Path, option: str) -> None:
    """Raise InputError unless ``path`` can be written: its directory exists and is writable, and it
    is not a directory or an unwritable file; for a link, the same of the file at its end; for a
    device, FIFO or socket, that it is writable; for a descriptor, that it is open for writing.
    Nothing is created, truncated or opened."""
    p = Path(path)
    target = output_target(p, option)
    if target.fd is not None:
        import fcntl
        try:
            flags = fcntl.fcntl(target.fd, fcntl.F_GETFL)
        except OSError:
            raise InputError(f"{opt(option)}: cannot write {p}: descriptor {target.fd} is not open") from None
        if flags & os.O_ACCMODE == os.O_RDONLY:
            raise InputError(f"{opt(option)}: cannot write {p}: descriptor {target.fd} is open for reading only")
        return
    if target.direct:
        if stat.S_ISSOCK(os.stat(p).st_mode):     # open() cannot write a socket: say so before the work
            raise InputError(f"{opt(option)}: cannot write {p}: it is a socket")
        if not os.access(p, os.W_OK):
            raise InputError(f"{opt(option)}: cannot write {p}: it is not writable")
        return
    q = target.path
    shown = f"{p} (a link to {q})" if q != p else str(p)
    parent = q.parent if str(q.parent) else Path(".")
    if q.is_dir():
        raise InputError(f"{opt(option)}: {shown} is a directory")
    if not parent.is_dir():
        raise InputError(f"{opt(option)}: cannot write {shown}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"{opt(option)}: cannot write {shown}: directory {parent} is not writable")
    if q.exists() and not os.access(q, os.W_OK):
        raise InputError(f"{opt(option)}: cannot write {shown}: the file is not writable")


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
    None or '-' (standard output) are skipped; so are the input and overlap checks for outputs written
    in place (a device, FIFO or descriptor destroys no file)."""
    given = [(o, p) for o, p in outputs if p not in (None, "-")]
    for option, path in given:
        check_writable(path, option)
    given = [(o, p) for o, p in given if not output_target(p, o).direct]
    for option, path in given:
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
    on any failure it is removed and ``path`` is left as it was. A link is kept: the file at the end of
    its chain is replaced (the temporary file is made in that file's directory). A device, FIFO, socket
    or descriptor is written in place instead. OS errors become InputError."""
    p = Path(path)
    target = output_target(p, option)
    if target.direct:
        with _direct_open(target, option, binary) as fh:
            yield fh
        return
    q = target.path
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{q.name}.", suffix=".tmp", dir=q.parent if str(q.parent) else ".")
    except OSError as exc:
        raise InputError(f"{opt(option)}: cannot write {p}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb" if binary else "w", encoding=None if binary else "utf-8") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        mode = os.stat(q).st_mode & 0o7777 if q.exists() else 0o666 & ~_umask()
        os.chmod(tmp, mode)
        os.replace(tmp, q)
    except OSError as exc:
        _remove(tmp)
        raise InputError(f"{opt(option)}: cannot write {p}: {exc.strerror or exc}") from None
    except BaseException:
        _remove(tmp)
        raise


@contextmanager
def _direct_open(target: Target, option: str, binary: bool) -> Iterator[IO]:
    """Write a device, FIFO, socket or descriptor in place (opening a FIFO waits for its reader)."""
    p = target.path
    try:
        if target.fd is not None:
            for stream in (sys.stdout, sys.stderr):
                if stream is not None:
                    stream.flush()     # what this process printed comes first
            fd = os.dup(target.fd)
        else:
            fd = os.open(p, os.O_WRONLY | os.O_CLOEXEC | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise InputError(f"{opt(option)}: cannot write {p}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb" if binary else "w", encoding=None if binary else "utf-8") as fh:
            yield fh
            fh.flush()
    except OSError as exc:
        raise InputError(f"{opt(option)}: cannot write {p}: {exc.strerror or exc}") from None


def write_text_atomic(text: str, path: str | Path, option: str = "output") -> None:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_open`)."""
    with atomic_open(path, option) as fh:
        fh.write(text)


def write_new_file(text: str, directory: str | Path, stem: str, suffix: str, option: str = "output") -> Path:
    """Write ``text`` to a file of ``directory`` named ``<stem>-<n><suffix>`` for the first n ≥ 1 whose
    name is free, and return its path. It never replaces a file, even one created meanwhile by another
    process: the complete file is hard-linked to the name, which fails if the name exists (where hard
    links are not supported, the name is claimed with O_EXCL and the complete file renamed onto it)."""
    d = Path(directory)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{stem}.", suffix=".tmp", dir=d)
    except OSError as exc:
        raise InputError(f"{opt(option)}: cannot write in {d}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        for n in range(1, 100_000):
            name = d / f"{stem}-{n}{suffix}"
            try:
                os.link(tmp, name)
                return name
            except FileExistsError:
                continue
            except OSError as exc:
                if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV, errno.EMLINK,
                                     errno.ENOSYS):
                    raise
            try:     # no hard links here: claim the name, then rename the complete file onto it
                os.close(os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            except FileExistsError:
                continue
            os.replace(tmp, name)
            return name
        raise InputError(f"{opt(option)}: cannot write in {d}: no free name {stem}-<n>{suffix}")
    except OSError as exc:
        raise InputError(f"{opt(option)}: cannot write in {d}: {exc.strerror or exc}") from None
    finally:
        _remove(tmp)


def write_stdout(text: str) -> None:
    """Write ``text`` to standard output and check that every byte went out: a short write followed
    by a failure (a file size limit, a full disk) raises :class:`StdoutError` instead of passing
    unnoticed. Python's own buffered standard output is flushed first and then bypassed."""
    out = sys.stdout
    if out is None:
        raise StdoutError(errno.EBADF, os.strerror(errno.EBADF))
    try:
        out.flush()
        try:
            fd = out.fileno()
        except (AttributeError, ValueError, io.UnsupportedOperation):
            fd = None
        if fd is None:      # not a descriptor (a test's capture): its own write and flush
            out.write(text)
            out.flush()
            return
        write_all(fd, text.encode(getattr(out, "encoding", None) or "utf-8", getattr(out, "errors", None) or "strict"))
    except OSError as exc:
        raise StdoutError(exc.errno, exc.strerror or str(exc)) from None


class _CheckedWriter(io.RawIOBase):
    """Standard output's descriptor for :func:`checked_stdout`: every write is written whole or raises
    :class:`StdoutError`; after a failure the rest is dropped (nothing more can reach the reader, and
    the interpreter's last flush must not fail again)."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self.fd = fd
        self.failed = False

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.fd

    def isatty(self) -> bool:
        return os.isatty(self.fd)

    def write(self, data) -> int:
        n = len(memoryview(data).cast("B"))
        if self.failed:
            return n
        try:
            write_all(self.fd, bytes(data))
        except OSError as exc:
            self.failed = True
            raise StdoutError(exc.errno, exc.strerror or str(exc)) from None
        return n


@contextmanager
def checked_stdout() -> Iterator[None]:
    """Within: ``sys.stdout`` writes through :class:`_CheckedWriter`, so that whatever prints (click's
    help, a stray message) fails with :class:`StdoutError` instead of losing output in silence (Python's
    own standard output can drop the rest of a buffer after a short write). Nothing changes when standard
    output is not a descriptor (a test's capture)."""
    old = sys.stdout
    try:
        fd = old.fileno()
        old.flush()
    except (AttributeError, ValueError, OSError):
        yield
        return
    sys.stdout = io.TextIOWrapper(io.BufferedWriter(_CheckedWriter(fd)), encoding=old.encoding,
                                  errors=old.errors, line_buffering=bool(old.line_buffering))
    try:
        yield
    finally:
        try:
            sys.stdout.flush()
        except StdoutError:
            pass
        sys.stdout = old


def write_all(fd: int, data: bytes) -> None:
    """``os.write`` until every byte of ``data`` is written (OSError when a write fails)."""
    view = memoryview(data)
    while view:
        try:
            n = os.write(fd, view)
        except BlockingIOError:     # a non-blocking descriptor: wait until it takes more
            import select
            select.select([], [fd], [])
            continue
        if n <= 0:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        view = view[n:]


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
