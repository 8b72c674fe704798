"""Helpers of the command-line tests: CliRunner calls, one-line errors, a fresh linnet process."""
from __future__ import annotations

import signal
import sys

from click.testing import CliRunner

from linnet_cli.cli.main import cli

#: The command line in a fresh process (limits set with setrlimit, signals, apply to it alone).
LINNET = [sys.executable, "-c", "from linnet_cli.cli.main import main; main()"]


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def error_line(res, code: int = 2) -> str:
    """The single `Error:` line of a run that failed with exit code ``code`` (2: bad input; no traceback,
    nothing else)."""
    assert res.exit_code == code, res.output
    assert "Traceback" not in res.output
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), res.stderr
    return lines[0]


def restore_sigint() -> None:
    """For child processes that a test interrupts: Ctrl-C's default action back. A suite started in the
    background from a script (``make test &``) runs with SIGINT ignored, and children inherit that."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
