"""The cost estimate: counts from the shape, memory from the machine, refusal before any work."""
from __future__ import annotations

import resource
import select
import subprocess
import sys
import time

import pytest

from linnet_cli import cost
from linnet_cli.model.patterns import pattern_groups
from linnet_cli.errors import InputError
from linnet_cli.export import duration_text
from linnet_cli.model.instance import random_instance
from linnet_cli.model.network import Network
from linnet_cli.model.patterns import dead_neuron_patterns
from linnet_cli import solve
from cli_helpers import LINNET, error_line, run

@pytest.mark.parametrize("widths", [(2, 2, 2), (1, 3, 2), (2, 2, 3, 1), (1, 2, 1, 2, 1), (3, 1, 2)])
def test_counts_match_the_enumeration(widths):
    net = Network(widths)
    assert cost.n_patterns(net) == len(dead_neuron_patterns(net)) + 1
    assert cost.n_sub_networks(net) == len(pattern_groups(net))


@pytest.mark.parametrize("widths,at_least,n_c", [
    ((2, 2, 2), 9, 33),      # all active (4 points per orbit) + two one-neuron patterns (2 each) + origin
    ((1, 2, 1), 5, 9),       # d > d_y: the full network carries nothing (N_C* = 0), the 1-neuron ones do
    ((3, 2, 3), 9, 73),
])
def test_points_at_least_is_a_lower_bound(widths, at_least, n_c):
    net = Network(widths)
    assert cost.points_at_least(net, 1) == at_least
    assert solve(random_instance(net, seed=2), seed=2).n_complex == n_c >= at_least


def test_estimate_and_refusal_with_a_small_budget(monkeypatch):
    est = cost.solve_estimate(Network((2, 2, 2)), 1, fmt="json")
    assert est.N == 8 and est.patterns == 4 and est.sub_networks == 2 and est.orbit == 4 and est.points == 9
    assert est.bytes == sum(est.parts.values()) > 0 and "json output" in est.parts
    assert cost.check(est) == []
    monkeypatch.setattr(cost, "available_memory", lambda: cost.Budget(1000, "the 1000 bytes here", 1000, "x"))
    with pytest.raises(InputError, match="more than the 1000 bytes here.*force=True"):
        cost.check(est)
    assert "running anyway (forced)" in cost.check(est, force=True)[0]
    with pytest.raises(InputError, match="found 1,000 critical points"):
        cost.check_points(1000, 8, "json", False)


def test_address_space_limit_is_seen():
    code = ("import resource; from linnet_cli import cost; "
            "resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, resource.RLIM_INFINITY)); "
            "b = cost.available_memory(); print(b.per_process, b.per_process_limit)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120).stdout
    per_process, limit = out.split(" ", 1)
    assert 0 < int(per_process) < 3 * 2 ** 30 and "ulimit -v" in limit


def test_human_readable_sizes():
    assert cost.human_bytes(1536) == "1.5 KiB"
    assert cost.human_bytes(3 * 2 ** 30) == "3.0 GiB"
    assert cost.human_bytes(10 ** 400) == "about 10^400 bytes"
    assert cost.human_count(12345) == "12,345" and cost.human_count(2 ** 50) == "1.1e+15"


@pytest.mark.parametrize("args,what", [
    (["solve", "--d", "50", "--no-bkk"], "1.1e+15 zero patterns"),
    (["solve", "--d", "64", "--no-bkk"], "zero patterns"),
    (["solve", "--widths", "2,2,2,2,2,2,2,2,2,2,2,2", "--no-bkk"], "1,024 sub-networks"),
    (["table", "--d", "1..64", "--dx", "1..64", "--dy", "1..64", "--H", "1..16", "--no-bkk"], "4,194,304 row(s)"),
])
def test_too_large_jobs_are_refused_at_once(args, what):
    t0 = time.perf_counter()
    line = error_line(run(*args))
    assert what in line and "memory" in line and "--force" in line and "available" in line
    assert time.perf_counter() - t0 < 30      # refused before any solve (the dominance tests take seconds)


def test_verify_patterns_beyond_its_limit_is_refused_before_the_solve():
    t0 = time.perf_counter()
    assert "N = 21 exceeds 20" in error_line(run("solve", "--d", "3", "--dx", "3", "--dy", "4", "--no-bkk",
                                                 "--verify-patterns"))
    assert time.perf_counter() - t0 < 5


def test_a_run_too_large_for_a_memory_cap_is_refused_before_work():
    """Under an address-space limit (setrlimit in a subprocess) a solve whose points cannot fit is
    refused at once, naming the limit; without the cap the same shape passes the estimate."""
    args = ["solve", "--widths", "2,2,2,2,2,2,2,2,2", "--no-bkk", "--seed", "1", "--format", "json"]
    est = cost.solve_estimate(Network((2,) * 9), 1, fmt="json")
    assert est.bytes > 3 * 2 ** 30           # at least 802,817 points of 32 weights

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (3 * 2 ** 30, resource.RLIM_INFINITY))

    t0 = time.perf_counter()
    proc = subprocess.run(LINNET + args, preexec_fn=cap, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "MemoryError" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: ")
    assert "address-space limit (ulimit -v)" in lines[0] and "--force" in lines[0]
    assert time.perf_counter() - t0 < 60


def test_long_runs_are_warned_about_with_the_estimate(monkeypatch):
    monkeypatch.setattr(cost, "available_memory", lambda: cost.Budget(2 ** 40, "1 TiB", 2 ** 40, "1 TiB"))
    est = cost.solve_estimate(Network((2,) * 9), 1)
    assert est.sub_networks == 128 and est.points == 802_817
    warnings = cost.check(est)
    assert len(warnings) == 1 and "will take at least about" in warnings[0] and "802,817" in warnings[0]
    assert cost.check(cost.solve_estimate(Network((2, 2, 2)), 1)) == []


# --- the time estimate follows the data: k = min(d_x, m) data dimensions --------------------------------

#: Solves measured on a 2-core machine (widths, m, seconds of `linnet solve --no-bkk`, the
#: lowest of the runs tried; see cost.DATA_BITS): the estimate stays below each.
MEASURED = [((2, 2, 2), 2, 0.9), ((3, 2, 3), 2, 4.7), ((3, 2, 3), 3, 28), ((3, 2, 3), 50, 55),
            ((2, 2, 3), 2, 8.1), ((3, 2, 2), 3, 9.0), ((2, 3, 2), 2, 4.2), ((3, 3, 3), 2, 38), ((2, 3, 3), 2, 113),
            ((3, 3, 2), 3, 129), ((3, 3, 3), 3, 1100)]


@pytest.mark.parametrize("widths,m,seconds", MEASURED)
def test_the_time_estimate_stays_below_the_measured_solves(widths, m, seconds):
    assert cost.solve_estimate(Network(widths), m).seconds <= seconds


@pytest.mark.parametrize("m", [3, 100, 10_000])
def test_a_solve_with_many_data_points_is_warned_about(m):
    """3,3,3 with m = 3 runs for more than 20 minutes: its estimate says so, whatever m ≥ 3 (d_x = 3)."""
    warnings = cost.check(cost.solve_estimate(Network((3, 3, 3)), m))
    assert len(warnings) == 1 and "will take at least about" in warnings[0] and f"m={m}" in warnings[0]


def test_the_time_estimate_depends_on_m_through_min_dx_m_only():
    seconds = [cost.solve_estimate(Network((3, 3, 3)), m).seconds for m in (1, 2, 3, 4, 50)]
    assert seconds[0] < seconds[1] < seconds[2] == seconds[3] == seconds[4]
    assert seconds[1] < cost.LONG_RUN_SECONDS            # 38 s measured: no warning
    for m in (1, 2):
        assert cost.check(cost.solve_estimate(Network((3, 3, 3)), m)) == []
    assert cost.monodromy_seconds(Network((3, 2, 3)), 3) == cost.monodromy_seconds(Network((5, 2, 3)), 3)
    # the counts are symmetric in k and d_y (8,825 points both), and so is the estimate
    assert cost.monodromy_seconds(Network((3, 3, 2)), 3) == cost.monodromy_seconds(Network((2, 3, 3)), 2)


def test_rank_one_data_add_nothing_to_the_estimate():
    for widths, m in (((1, 13, 1), 1), ((4, 4, 4), 1), ((7, 1, 7), 7), ((5, 3, 1), 5), ((1,) * 18, 1)):
        assert cost.data_degree(Network(widths), m) == 0
    assert cost.check(cost.solve_estimate(Network((4, 4, 4)), 1)) == []


def test_far_shapes_get_a_finite_estimate():
    est = cost.solve_estimate(Network((40, 40, 40)), 40)
    assert est.seconds < float("inf") and duration_text(est.seconds).endswith("days")


def test_durations_read_in_words():
    assert [duration_text(s) for s in (40, 119, 720, 5 * 3600, 3.5 * 86400)] == [
        "40 s", "119 s", "12 minutes", "5 hours", "3.5 days"]


def test_the_solve_command_warns_before_a_long_solve_with_many_data_points():
    """`linnet solve --d 3 --dx 3 --dy 3 --m 3` ran for minutes without a word; now the estimate is on
    stderr before the work starts (the solve is stopped once the warning is seen)."""
    proc = subprocess.Popen(LINNET + ["solve", "--d", "3", "--dx", "3", "--dy", "3", "--m", "3", "--no-bkk",
                                      "--seed", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        ready, _, _ = select.select([proc.stderr], [], [], 120)
        assert ready, "nothing on stderr within 120 s"
        line = proc.stderr.readline()
        assert "warning:" in line and "will take at least about" in line and "m=3" in line, line
    finally:
        proc.kill()
        proc.wait()
