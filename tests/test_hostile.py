"""Hostile command lines, each run as its own linnet process under resource limits.

Every case states the exit code it must end with (2 for bad input and for an output that cannot be
written, 130 for Ctrl-C, 0 where the command must simply work), the one ``Error:`` line it must print
(or none), and that no file of the watched directory changes: each file is hashed before and after
(links by their target, devices and FIFOs by their kind), and the command runs in that directory, so
a stray file written there (a partial table, a temporary file left behind) is found as well.

Add a case by appending a :class:`Case` to :data:`CASES`. Paths in ``args`` are relative to the
watched directory; ``{out}`` is a directory outside it, for output a case is allowed to write.
"""
from __future__ import annotations

import hashlib
import os
import resource
import signal
import stat
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cli_helpers import LINNET

#: Address space of every process: far more than a tiny shape needs, far less than a runaway one would take.
ADDRESS_SPACE = 4 * 2 ** 30
TINY = ("--d", "1", "--dx", "1", "--dy", "1", "--seed", "1", "-q", "--no-bkk")
SOLVE = ("solve", *TINY)


@dataclass
class Case:
    """One hostile command line and what it must end with."""

    id: str
    args: tuple[str, ...]
    code: int
    error: str | None = None          # a substring of the one `Error:` line; None: no `Error:` line at all
    stdout: str = "pipe"              # "pipe", "full" (/dev/full), "file" (a file in {out}), "closed-pipe"
    fsize: int | None = None          # RLIMIT_FSIZE in bytes
    interrupt: float | None = None    # Ctrl-C (SIGINT to the process group) after this many seconds
    needs: tuple[str, ...] = field(default_factory=tuple)   # "root", "/dev/full"


CASES = [
    # standard output that cannot take the output
    Case("stdout-dev-full", (*SOLVE, "--format", "json"), 2, "cannot write standard output: No space left on device",
         stdout="full", needs=("/dev/full",)),
    Case("stdout-dev-full-table", SOLVE, 2, "cannot write standard output: No space left on device",
         stdout="full", needs=("/dev/full",)),
    Case("stdout-dev-full-bounds", ("bounds", "--d", "1", "--dx", "1", "--dy", "1", "--no-bkk", "--format", "csv"), 2,
         "cannot write standard output: No space left on device", stdout="full", needs=("/dev/full",)),
    Case("stdout-dev-full-help", ("solve", "--help"), 2, "cannot write standard output: No space left on device",
         stdout="full", needs=("/dev/full",)),
    Case("dash-o-dev-stdout-full", (*SOLVE, "-o", "/dev/stdout"), 2, "--output: cannot write /dev/stdout",
         stdout="full", needs=("/dev/full",)),
    Case("stdout-ulimit-json", (*SOLVE, "--format", "json"), 2, "cannot write standard output: File too large",
         stdout="file", fsize=256),
    Case("stdout-ulimit-csv", (*SOLVE, "--format", "csv"), 2, "cannot write standard output: File too large",
         stdout="file", fsize=256),
    Case("stdout-ulimit-table", SOLVE, 2, "cannot write standard output: File too large", stdout="file", fsize=256),
    Case("stdout-ulimit-emit", ("emit", *TINY[:-1], "--format", "singular"), 2,
         "cannot write standard output: File too large", stdout="file", fsize=64),
    Case("stdout-closed-pipe", (*SOLVE, "--format", "json"), 0, stdout="closed-pipe"),
    # output files that cannot or must not be written
    Case("ulimit-output-file", (*SOLVE, "--format", "json", "-o", "existing.json"), 2,
         "--output: cannot write existing.json: File too large", fsize=256),
    Case("output-in-missing-directory", (*SOLVE, "-o", "missing/out.json"), 2, "does not exist"),
    Case("output-is-a-directory", (*SOLVE, "-o", "."), 2, "is a directory"),
    Case("output-onto-data", ("solve", "--data", "inst.json", "-q", "--no-bkk", "-o", "inst.json"), 2,
         "destroy the input"),
    Case("output-onto-data-through-link", ("solve", "--data", "inst.json", "-q", "--no-bkk", "-o", "to-inst.json"), 2,
         "destroy the input"),
    Case("save-instance-onto-data", ("solve", "--data", "inst.json", "-q", "--no-bkk", "--save-instance", "inst.json"),
         2, "destroy the input"),
    Case("emit-onto-data", ("emit", "--data", "inst.json", "-o", "inst.json"), 2, "destroy the input"),
    Case("output-and-plot-the-same", ("table", *TINY, "-o", "p.png", "--plot", "p.png"), 2, "same file"),
    Case("output-link-loop", (*SOLVE, "-o", "loop-a"), 2, "symbolic links"),
    Case("output-dangling-into-missing-directory", (*SOLVE, "-o", "dangling.json"), 2, "does not exist"),
    Case("output-read-only-file", (*SOLVE, "-o", "read-only.json"), 2, "not writable", needs=("non-root",)),
    Case("output-char-device", (*SOLVE, "--format", "json", "-o", "null"), 0, needs=("root",)),
    Case("output-char-device-table", (*SOLVE, "-o", "null"), 0, needs=("root",)),
    # malformed instance files
    Case("data-truncated-json", ("solve", "--data", "truncated.json", "-q"), 2, "not valid JSON"),
    Case("data-empty", ("solve", "--data", "empty.json", "-q"), 2, "not valid JSON"),
    Case("data-nan", ("solve", "--data", "nan.json", "-q"), 2, "NaN"),
    Case("data-wrong-shape", ("solve", "--data", "shape.json", "-q"), 2, "shape"),
    Case("data-not-an-object", ("solve", "--data", "list.json", "-q"), 2, "JSON object"),
    Case("data-junk-npz", ("solve", "--data", "junk.npz", "-q"), 2, "junk.npz"),
    Case("data-missing", ("solve", "--data", "missing.json", "-q"), 2, "missing.json"),
    Case("data-unknown-suffix", ("solve", "--data", "notes.txt", "-q"), 2, "'.txt'"),
    Case("emit-data-nan", ("emit", "--data", "nan.json"), 2, "NaN"),
    # table definitions and resume files
    Case("toml-syntax", ("table", "bad.toml", "-q", "--no-bkk"), 2, "not valid TOML"),
    Case("toml-unknown-key", ("table", "unknown.toml", "-q", "--no-bkk"), 2, "unknown key"),
    Case("toml-negative-samples", ("table", "samples.toml", "-q", "--no-bkk"), 2, "samples"),
    Case("toml-row-not-integer", ("table", "rows.toml", "-q", "--no-bkk"), 2, "integer"),
    Case("toml-sweep-not-a-table", ("table", "sweep.toml", "-q", "--no-bkk"), 2, "sweep"),
    Case("toml-binary", ("table", "junk.npz", "-q", "--no-bkk"), 2, "junk.npz"),
    Case("toml-missing", ("table", "missing.toml", "-q"), 2, "missing.toml"),
    Case("resume-junk", ("table", *TINY, "--resume", "junk.npz"), 2, "--resume"),
    Case("resume-instance-file", ("table", *TINY, "--resume", "inst.json"), 2, "--resume"),
    Case("resume-foreign-csv", ("table", *TINY, "--resume", "existing.csv"), 2, "--resume"),
    # widths, seeds, ranges
    Case("widths-empty-entry", ("solve", "--widths", "1,,2", "-q"), 2, "--widths"),
    Case("widths-zero", ("solve", "--widths", "1,0,1", "-q"), 2, "positive"),
    Case("widths-too-few", ("solve", "--widths", "1,2", "-q"), 2, "--widths"),
    Case("widths-huge", ("solve", "--widths", "1,100000,1", "-q"), 2, "too large"),
    Case("seed-negative", ("solve", "--seed", "-1", "-q"), 2, "--seed"),
    Case("seed-not-a-number", ("solve", "--seed", "abc", "-q"), 2, "--seed"),
    Case("d-zero", ("solve", "--d", "0", "-q"), 2, "--d"),
    Case("d-fraction", ("solve", "--d", "1.5", "-q"), 2, "--d"),
    Case("H-too-many", ("solve", "--H", "100", "-q"), 2, "--H"),
    Case("m-zero", ("solve", "--m", "0", "-q"), 2, "--m"),
    Case("range-backwards", ("table", "--d", "3..1", "-q"), 2, "--d"),
    Case("range-open", ("bounds", "--d", "1..", "-q"), 2, "--d"),
    Case("range-garbage", ("table", "--d", "1..x", "-q"), 2, "--d"),
    Case("range-enormous", ("table", "--d", "1..64", "--dx", "1..64", "--dy", "1..64", "--H", "1..16", "-q"), 2,
         "Refused"),
    Case("samples-zero", ("table", *TINY, "--samples", "0"), 2, "--samples"),
    Case("prime-not-prime", ("emit", *TINY[:-2], "--format", "msolve", "--prime", "4"), 2, "--prime"),
    # Ctrl-C: no row finished, so nothing is written (existing.csv stays as it was, no partial file appears)
    Case("ctrl-c-table-before-any-row", ("table", "--widths", "3,3,3,3", "--samples", "100", "--seed", "1", "-q",
                                         "--no-bkk", "--jobs", "1", "--format", "csv", "-o", "existing.csv"), 130,
         interrupt=2.0),
    Case("ctrl-c-solve", ("solve", "--widths", "3,3,3,3", "--seed", "1", "-q", "--no-bkk", "-o", "existing.json"),
         130, interrupt=2.0),
]


def _populate(w: Path) -> None:
    """The watched directory: good and bad inputs, existing outputs, links, and a device when root."""
    from linnet_cli.model.instance import random_instance, save_instance
    from linnet_cli.model.network import Network
    save_instance(random_instance(Network.uniform(1, 1, 1), seed=1), w / "inst.json")
    files = {
        "truncated.json": '{"widths": [1, 1, 1], "X": [[1.0]], "Y": [[1.0]]',
        "empty.json": "",
        "nan.json": '{"widths": [1, 1, 1], "X": [[NaN]], "Y": [[1.0]], "Lambda": [[[0.1]], [[0.2]]]}',
        "shape.json": '{"widths": [1, 1, 1], "X": [[1.0, 2.0]], "Y": [[1.0]], "Lambda": [[[0.1]], [[0.2]]]}',
        "list.json": "[1, 2, 3]",
        "notes.txt": "not an instance",
        "bad.toml": 'title = "unterminated\n',
        "unknown.toml": "colour = 1\n",
        "samples.toml": 'samples = -1\n[sweep]\nd = "1"\n',
        "rows.toml": '[[rows]]\nd = "a"\ndx = 1\ndy = 1\n',
        "sweep.toml": "sweep = 3\n",
        "existing.json": '{"an earlier": "result"}\n',
        "existing.csv": "an,earlier\nrun's,rows\n",
        "read-only.json": "keep me\n",
    }
    for name, text in files.items():
        (w / name).write_text(text)
    (w / "junk.npz").write_bytes(bytes(range(256)) * 3)
    (w / "read-only.json").chmod(0o444)
    (w / "to-inst.json").symlink_to("inst.json")
    (w / "loop-a").symlink_to("loop-b")
    (w / "loop-b").symlink_to("loop-a")
    (w / "dangling.json").symlink_to("missing/x.json")
    if os.geteuid() == 0:
        os.mknod(w / "null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))


def _snapshot(w: Path) -> dict[str, tuple]:
    """Every entry under ``w``: a file by its content's hash and mode, a link by its target, anything else
    (a device, a FIFO) by its kind and device number. Nothing is followed or opened but regular files."""
    snap = {}
    for root, dirs, names in os.walk(w):
        for name in dirs + names:
            p = Path(root) / name
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                snap[str(p.relative_to(w))] = ("link", os.readlink(p))
            elif stat.S_ISREG(st.st_mode):
                snap[str(p.relative_to(w))] = ("file", st.st_mode, hashlib.sha256(p.read_bytes()).hexdigest())
            else:
                snap[str(p.relative_to(w))] = ("other", stat.S_IFMT(st.st_mode), st.st_rdev)
    return snap


def _limits(fsize: int | None):
    def apply() -> None:
        signal.signal(signal.SIGINT, signal.SIG_DFL)     # a suite started in the background ignores SIGINT
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
        if fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    return apply


def _run(case: Case, watched: Path, out: Path) -> subprocess.CompletedProcess:
    args = [a.replace("{out}", str(out)) for a in case.args]
    closers = []
    if case.stdout == "full":
        stdout = open("/dev/full", "wb")
        closers.append(stdout.close)
    elif case.stdout == "file":
        stdout = open(out / "stdout", "wb")
        closers.append(stdout.close)
    elif case.stdout == "closed-pipe":
        r, stdout = os.pipe()
        os.close(r)                                     # the reader is gone before the first write
        closers.append(lambda: os.close(stdout))
    else:
        stdout = subprocess.PIPE
    try:
        proc = subprocess.Popen(LINNET + args, cwd=watched, stdout=stdout, stderr=subprocess.PIPE, text=True,
                                preexec_fn=_limits(case.fsize), start_new_session=True)
        if case.interrupt is not None:
            time.sleep(case.interrupt)
            os.killpg(proc.pid, signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
    finally:
        for close in closers:
            close()
    return subprocess.CompletedProcess(args, proc.returncode, None, err)


def _skip_unless_possible(case: Case) -> None:
    if "/dev/full" in case.needs and not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    if "root" in case.needs and os.geteuid() != 0:
        pytest.skip("mknod needs root")
    if "non-root" in case.needs and os.geteuid() == 0:
        pytest.skip("root writes read-only files")


@pytest.fixture(scope="module")
def warm_cache():
    """One solve without limits first: compiling the tracker (a cold or stale numba cache) writes cache
    files, which a case's file size limit must not be the one to refuse."""
    subprocess.run(LINNET + list(SOLVE), capture_output=True, timeout=600)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_command(case: Case, tmp_path, warm_cache):
    _skip_unless_possible(case)
    watched, out = tmp_path / "watched", tmp_path / "out"
    watched.mkdir()
    out.mkdir()
    _populate(watched)
    before = _snapshot(watched)
    res = _run(case, watched, out)
    assert res.returncode == case.code, res.stderr
    assert "Traceback" not in res.stderr and "Exception ignored" not in res.stderr, res.stderr
    errors = [ln for ln in res.stderr.splitlines() if ln.startswith("Error:")]
    if case.error is None:
        assert errors == [], res.stderr
    else:
        assert len(errors) == 1 and case.error in errors[0], res.stderr
    assert _snapshot(watched) == before
