"""Errors in the library's words, and the command line's rendering of them (cli_message).

Every InputError that names an option is raised here through the library, and its command-line
rendering is compared with the line the command line has always printed. The kinds of error
(LinnetError and its subclasses) reach the command line as one line and the exit code of their kind.
"""
from __future__ import annotations

import json
import pickle
from types import SimpleNamespace

import pytest

from linnet_cli.errors import OPTION_NAMES, InputError, cli_message, opt

#: The flags of the command line, by option key (what `linnet` passes to cli_message).
FLAGS = {"data": "--data", "save_instance": "--save-instance", "output": "--output", "plot": "--plot",
         "resume": "--resume", "d": "--d", "dx": "--dx", "dy": "--dy", "H": "--H", "m": "--m",
         "widths": "--widths", "seed": "--seed", "distribution": "--distribution", "samples": "--samples",
         "engine": "--engine", "threads": "--threads", "julia_method": "--julia-method",
         "table_jobs": "`linnet table --jobs`", "scheduler": "--scheduler", "prime": "--prime",
         "no_bkk": "--no-bkk", "force": "--force", "allow_negative": "--allow-negative",
         "verify_patterns": "--verify-patterns", "format": "--format", "target": "--target",
         "columns": "--columns", "preset": "--preset", "max_N": "--max-N", "max_H": "--max-H",
         "max_width": "--max-width", "seeds": "--seeds", "real_samples": "--real-samples"}


def raised(fn, *args, **kwargs) -> InputError:
    with pytest.raises(InputError) as err:
        fn(*args, **kwargs)
    return err.value


def test_flags_cover_every_option_name():
    assert set(FLAGS) == set(OPTION_NAMES)


def test_references_render_neutral_and_for_the_command_line():
    exc = InputError(f"{opt('data')}: cannot read x; give {opt('H', 0)} or {opt('force')} ({opt('CONFIG')})")
    assert str(exc) == "instance file: cannot read x; give H=0 or force=True (CONFIG)"
    assert cli_message(exc, FLAGS) == "--data: cannot read x; give --H 0 or --force (CONFIG)"
    assert (exc.option, exc.options) == ("data", ["data", "H", "force", "CONFIG"])
    assert cli_message(exc, {}) == str(exc)
    plain = InputError("no option here")
    assert plain.option is None and cli_message(plain, FLAGS) == str(plain) == "no option here"
    assert cli_message(ValueError("other"), FLAGS) == "other"


def test_references_survive_pickling():
    """Errors of worker processes (table --jobs, Dask) come back pickled."""
    exc = pickle.loads(pickle.dumps(InputError(f"{opt('resume')}: no such file: x.csv")))
    assert cli_message(exc, FLAGS) == "--resume: no such file: x.csv"
    assert str(exc) == "run to resume: no such file: x.csv"


def _instance_errors(tmp_path):
    from linnet_cli.model.instance import check_instance_suffix, load_instance, random_instance
    from linnet_cli.model.network import MAX_DATA, Network
    one = tmp_path / "one.json"
    one.write_text(json.dumps({"X": [[1.0]], "Y": [[1.0]], "Lambda": [[[1.0]]]}))
    return [
        (raised(load_instance, tmp_path / "nope.json"), f"--data: no such file: {tmp_path / 'nope.json'}"),
        (raised(load_instance, one), f"--data: {one} has a single Lambda, i.e. a network with no hidden layer "
         "(H = 0); give --H 0 if that is meant, else add the missing Lambda2, ... (one per layer)"),
        (raised(random_instance, Network((1, 1, 1)), m=0),
         f"--m (number of data points) must be between 1 and {MAX_DATA}, got 0"),
        (raised(check_instance_suffix, "x.txt"),
         "--save-instance: cannot save an instance as '.txt' (use .npz or .json)"),
    ]


def _network_errors():
    from linnet_cli.model.network import Network, check_shape_options, parse_range, single_value
    net = Network((2, 2, 2))
    label = "the data file, which is for widths 2,2,2"
    return [
        (raised(check_shape_options, net, None, "3", None, None, None), f"--dx 3 disagrees with {label}"),
        (raised(check_shape_options, net, "3", None, None, None, None), f"--d 3 disagrees with {label}"),
        (raised(check_shape_options, net, None, None, None, None, "2,3,2"), f"--widths 2,3,2 disagrees with {label}"),
        (raised(parse_range, "x", "d"), "--d: expected an integer, a range like 1..3 or a list like 1,2,5; got 'x'"),
        (raised(single_value, "1..2", "m", 1), "--m: this command takes one value, got the range '1..2'"),
    ]


def _file_errors(tmp_path):
    from linnet_cli.output_files import check_outputs
    from linnet_cli.studies.run import read_partial, resumable_rows
    same = str(tmp_path / "a.json")
    partial = SimpleNamespace(path="p.csv", rows=[SimpleNamespace(samples=4)],
                              runs=[{"seed": 1, "distribution": "default", "config": "t"}])
    spec = SimpleNamespace(seed=2, distribution="default", title="t", samples=4)
    return [
        (raised(check_outputs, [("output", same)], [("data", same)]),
         f"--output {same} is the --data input file: writing it would destroy the input (choose another output file)"),
        (raised(check_outputs, [("--output", same), ("--plot", same)], []),
         f"--output and --plot name the same file {same}: give two different files"),
        (raised(read_partial, tmp_path / "x.csv"), f"--resume: no such file: {tmp_path / 'x.csv'}"),
        (raised(resumable_rows, partial, spec),
         "--resume: p.csv was made with seed 1, this run uses seed 2; run with --seed 1 to continue it, "
         "or drop --resume"),
    ]


def _engine_and_limit_errors(monkeypatch):
    import linnet_cli.studies.maxreal as mr
    import linnet_cli.checks.mixed_volume as mvmod
    from linnet_cli import cost
    from linnet_cli.checks.bounds import check_bkk_memory
    from linnet_cli.studies.cluster import _check_address
    from linnet_cli.checks.systems import MAX_PRIME, _check_prime
    from linnet_cli.engines import EngineSpec, get_engine
    from linnet_cli.model.network import MAX_DATA, Network
    from linnet_cli.model.patterns import MAX_VERIFY_N, check_verifiable
    monkeypatch.setattr(mvmod, "memory_limit", lambda: 2 ** 30)
    monkeypatch.setattr(cost, "available_memory", lambda: cost.Budget(1000, "the 1000 bytes here", 1000, "x"))
    law = {"X": {"law": "normal"}, "Y": {"law": "normal"}, "Lambda": {"law": "uniform", "low": -2.0, "high": -1.0}}
    monkeypatch.setattr(mr, "load_distribution", lambda name: law)
    est = cost.solve_estimate(Network((2, 2, 2)), 1, fmt="json")
    big, huge = Network.uniform(4, 4, 4), Network.uniform(64, 64, 64)
    points = raised(cost.check_points, 1000, 8, "json", False)
    bkk = raised(check_bkk_memory, huge)
    address = raised(_check_address, "nowhere")
    return [
        (raised(get_engine, EngineSpec("native", threads=2)),
         "--threads and --julia-method apply to --engine julia only (the native engine runs rows in parallel with "
         "`linnet table --jobs`)"),
        (raised(cost.check, est), f"{est.describe()} — more than the 1000 bytes here. Refused before starting; "
         "give --force to try anyway"),
        (points, str(points).split(". Give")[0] + ". Give --force to try anyway (--format table lists no points)"),
        (bkk, str(bkk).split("; use")[0] + "; use --no-bkk to skip it"),
        (address,
         "--scheduler 'nowhere' is not a scheduler address" + str(address).split("is not a scheduler address")[1]),
        (raised(check_verifiable, big), f"--verify-patterns is exhaustive over 2^N subspaces; N = {big.N} exceeds "
         f"{MAX_VERIFY_N}"),
        (raised(_check_prime, "x"), "--prime: expected an integer, got 'x'"),
        (raised(_check_prime, 4), f"--prime: expected a prime between 3 and {MAX_PRIME} (e.g. 32003), got 4"),
        (raised(mr.search_space, Network((1, 1, 1)), distribution="neg"),
         "distribution 'neg' draws no positive Lambda: use --allow-negative"),
        (raised(mr.max_real, Network((1, 1, 1)), 0),
         f"--m (number of data points) must be between 1 and {MAX_DATA}, got 0"),
    ]


def test_every_command_line_message_is_rebuilt(tmp_path, monkeypatch):
    cases = (_instance_errors(tmp_path) + _network_errors() + _file_errors(tmp_path)
             + _engine_and_limit_errors(monkeypatch))
    for exc, line in cases:
        text = cli_message(exc, FLAGS)
        assert "\x1e" not in text + str(exc) and "\x1f" not in text + str(exc)
        assert not any(flag in str(exc) for flag in ("--data", "--force", "--no-bkk", "--engine", "--resume"))
        if line is not None:
            assert text == line, (text, line)


# ---------------------------------------------------------------------------------------------
# Kinds of error and their exit codes

TINY = ("--d", "1", "--dx", "1", "--dy", "1", "--seed", "1", "--no-bkk", "-q")


def test_every_kind_is_a_linnet_error_and_keeps_its_old_bases():
    import linnet_cli as ln
    from linnet_cli.checks import peers
    from linnet_cli.errors import EngineUnavailable, LinnetError, NumericalFailure, PeerError
    assert (ln.LinnetError, ln.InputError, ln.EngineUnavailable, ln.PeerError, ln.NumericalFailure) == (
        LinnetError, InputError, EngineUnavailable, PeerError, NumericalFailure)
    assert issubclass(InputError, ValueError) and issubclass(PeerError, RuntimeError)
    assert issubclass(EngineUnavailable, RuntimeError) and issubclass(NumericalFailure, ArithmeticError)
    for kind in (InputError, EngineUnavailable, PeerError, NumericalFailure, peers.PeerTimeout,
                 peers.NotZeroDimensional):
        assert issubclass(kind, LinnetError)
    assert peers.PeerError is PeerError and not issubclass(PeerError, InputError)


@pytest.mark.parametrize("kind", ["InputError", "EngineUnavailable", "PeerError", "NumericalFailure"])
def test_every_kind_keeps_its_option_references_through_pickling(kind):
    import linnet_cli.errors as errors
    exc = pickle.loads(pickle.dumps(getattr(errors, kind)(f"{opt('engine', 'julia')} failed")))
    assert type(exc).__name__ == kind and cli_message(exc, FLAGS) == "--engine julia failed"
    assert str(exc) == "engine=julia failed"


def test_exit_codes_by_kind():
    from linnet_cli.checks import peers
    from linnet_cli.cli.main import exit_code
    from linnet_cli.errors import EngineUnavailable, LinnetError, NumericalFailure, PeerError
    codes = {kind: exit_code(kind("x")) for kind in (InputError, EngineUnavailable, PeerError, peers.PeerTimeout,
                                                     peers.NotZeroDimensional, NumericalFailure, LinnetError)}
    assert codes == {InputError: 2, EngineUnavailable: 3, PeerError: 3, peers.PeerTimeout: 3,
                     peers.NotZeroDimensional: 3, NumericalFailure: 4, LinnetError: 1}


def test_input_error_exits_with_code_2():
    from cli_helpers import error_line, run
    assert error_line(run("solve", "--d", "0", "--dx", "1", "--dy", "1"), 2).startswith("Error: --d")


def test_an_engine_not_available_here_exits_with_code_3(monkeypatch):
    import importlib.util

    from cli_helpers import error_line, run
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "juliacall" else real(name, *a))
    for args in (("solve", "--engine", "julia", *TINY), ("bounds", "--engine", "julia", "--d", "1", "--dx", "1",
                                                         "--dy", "1")):
        line = error_line(run(*args), 3)
        assert line.startswith("Error: --engine julia is not available: juliacall is not installed"), line


def test_a_peer_tool_missing_or_failing_exits_with_code_3(monkeypatch):
    from cli_helpers import error_line, run
    from linnet_cli.checks import peers
    monkeypatch.setattr(peers, "find_msolve", lambda: None)
    line = error_line(run("solve", *TINY, "--exact"), 3)
    assert line.startswith("Error: exact counts need msolve, which is not installed here"), line

    monkeypatch.setattr(peers, "find_msolve", lambda: "/bin/true")

    def failing(*args, **kwargs):
        raise peers.PeerError("msolve failed with exit code 1: boom")
    monkeypatch.setattr(peers, "msolve_counts", failing)
    assert error_line(run("solve", *TINY, "--exact"), 3) == "Error: msolve failed: msolve failed with exit code 1: boom"

    def slow(*args, **kwargs):
        raise peers.PeerTimeout("msolve: no answer within 1 s")
    monkeypatch.setattr(peers, "msolve_counts", slow)
    line = error_line(run("solve", *TINY, "--exact"), 3)
    assert line.startswith("Error: msolve did not finish within") and "no exact counts for this shape" in line


def test_a_numerical_failure_exits_with_code_4(monkeypatch):
    import numpy as np

    from cli_helpers import error_line, run
    from linnet_cli.engines.native import NativeEngine

    def singular(self, *args, **kwargs):
        raise np.linalg.LinAlgError("Singular matrix")
    monkeypatch.setattr(NativeEngine, "solve", singular)
    line = error_line(run("solve", *TINY), 4)
    assert line.startswith("Error: the solver's linear algebra failed on this instance (Singular matrix)"), line


def test_the_exit_codes_are_listed_in_the_help_and_the_readme():
    from pathlib import Path

    from cli_helpers import run
    from linnet_cli.cli.main import EXIT_CODES
    helptext = " ".join(run("--help").output.split())
    readme = " ".join((Path(__file__).resolve().parents[1] / "README.md").read_text().split())
    for code in sorted({code for _, code in EXIT_CODES}):
        assert f"; {code} " in helptext and f", {code} " in readme, code
    assert "3 an engine or peer tool" in helptext and "4 a numerical failure" in helptext
