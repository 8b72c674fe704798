"""Bounds columns of Table 3.1: N, CBB, B_C, B_C* (BKK is in test_mixed_volume.py)."""
import os
import resource
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from click.testing import CliRunner

import linnet_cli.checks.mixed_volume as mvmod
from cli_helpers import restore_sigint
from linnet_cli.checks.bounds import (bezout, bkk_memory, bounds_row, cached_bkk, check_bkk_memory,
                                      one_layer_bounds, support_points_bound)
from linnet_cli.cli.main import cli
from linnet_cli.errors import InputError
from linnet_cli.model.network import Network
from linnet_cli.model.symbolic import generic_supports


def test_table_3_1_bound_columns(table31):
    for r in table31:
        row = bounds_row(Network.uniform(r["d"], r["dx"], r["dy"]), 1, bkk=False)
        assert (row.N, row.CBB, row.B_C, row.B_C_star) == (r["N"], r["CBB"], r["BC"], r["BCstar"]), r["no"]


def test_one_layer_bounds_only_where_proved():
    assert one_layer_bounds(Network.uniform(2, 2, 2, H=2), 1) == (None, None)
    assert one_layer_bounds(Network.uniform(2, 2, 2), 2) == (None, None)
    assert one_layer_bounds(Network((2, 3, 2)), 1) == (9 ** 3, 8 ** 3)
    assert bezout(Network.uniform(1, 1, 1, H=2)) == 5 ** 3


# ---------------------------------------------------------------- BKK: memory, progress, Ctrl-C


@pytest.mark.parametrize("widths,m", [((1, 1, 1), 1), ((2, 3, 2), 2), ((2, 2, 2, 2), 1), ((2, 3, 1, 2), 2),
                                      ((3, 2), 1)])
def test_support_points_bound_holds(widths, m):
    net = Network(widths)
    points = sum(len(s) for s in generic_supports(net, m))
    assert points <= support_points_bound(net, m) < 4 * points + 100


def test_bkk_of_a_huge_shape_is_refused_before_any_work(monkeypatch, tmp_path):
    monkeypatch.setenv("LINNET_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(mvmod, "bkk_bounds", lambda *a, **k: pytest.fail("work started"))
    huge = Network.uniform(64, 64, 64)
    assert bkk_memory(huge) > 2 ** 50
    with pytest.raises(InputError, match="bkk=False"):
        cached_bkk(huge, 1)
    check_bkk_memory(Network.uniform(3, 3, 3))  # fits


def test_bounds_row_reports_bkk_progress_once(monkeypatch, tmp_path):
    monkeypatch.setenv("LINNET_CACHE_DIR", str(tmp_path))
    seen: list[tuple[str, float]] = []
    row = bounds_row(Network.uniform(2, 2, 2), 1, progress=lambda which, f: seen.append((which, f)))
    assert (row.BKK, row.BKK_torus) == (1089, 1024)
    assert [w for w, _ in seen] == sorted(w for w, _ in seen)  # BKK first, then BKK*
    assert {w: f for w, f in seen} == {"BKK": 1.0, "BKK*": 1.0}
    seen.clear()
    assert bounds_row(Network.uniform(2, 2, 2), 1, progress=lambda *a: seen.append(a)).BKK == 1089
    assert seen == []  # cached


def _cli(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_cli_bounds_refuses_a_shape_beyond_memory():
    res = _cli("bounds", "--d", "64", "--dx", "64", "--dy", "64")
    assert res.exit_code == 2 and "Traceback" not in res.output
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: the BKK bound of d=64 dx=64 dy=64"), lines


def test_cli_bounds_ctrl_c_aborts_with_130(monkeypatch, tmp_path):
    monkeypatch.setenv("LINNET_CACHE_DIR", str(tmp_path))

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(mvmod, "mixed_volume", interrupted)
    res = _cli("bounds", "--d", "2", "--dx", "1..2", "--dy", "2", "-q")
    assert res.exit_code == 130
    assert res.stderr.strip() == "Aborted: nothing was written." and "Traceback" not in res.output


def _linnet(args: list[str], env: dict[str, str], **kw) -> subprocess.Popen:
    code = "import sys; from linnet_cli.cli.main import main; sys.argv[0] = 'linnet'; main()"
    kw.setdefault("preexec_fn", restore_sigint)
    return subprocess.Popen([sys.executable, "-c", code, *args], env={**os.environ, **env},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def test_sigint_during_a_mixed_volume_ends_promptly(tmp_path):
    mvmod.mixed_volume([np.array([[0, 0], [1, 0], [0, 1]])] * 2)  # the kernels are compiled (cached)
    proc = _linnet(["bounds", "--d", "3", "--dx", "3", "--dy", "3"], {"LINNET_CACHE_DIR": str(tmp_path)})
    time.sleep(4)  # inside the mixed volume with the origin, which takes minutes
    assert proc.poll() is None
    t = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert time.perf_counter() - t < 3
    assert proc.returncode == 130 and "Traceback" not in err
    assert err.strip().splitlines()[-1] == "Aborted: nothing was written." and out == ""


def test_bkk_refused_under_a_memory_cap(tmp_path):
    """Under a 3 GiB address-space cap, a shape whose BKK columns may need about 3.2 GiB is refused
    before the work starts (without the cap it would be attempted)."""
    net = Network.uniform(4, 14, 14)
    cap = 3 * 2 ** 30
    assert 0.8 * cap < bkk_memory(net) < 8 * 2 ** 30

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    proc = _linnet(["bounds", "--d", "4", "--dx", "14", "--dy", "14"], {"LINNET_CACHE_DIR": str(tmp_path)},
                   preexec_fn=limit)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and out == ""
    assert err.startswith("Error: the BKK bound of d=4 dx=14 dy=14") and "--no-bkk" in err
    assert len(err.strip().splitlines()) == 1
