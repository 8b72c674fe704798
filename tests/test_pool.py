"""The studies' worker pool: results in order or as they finish, messages to the calling process, the
cores shared among the workers, and Ctrl-C: the workers ignore it, the caller gets it and stops them."""
from __future__ import annotations

import multiprocessing as mp
import os
import signal
import threading
import time

import pytest

from linnet_cli.engines import EngineSpec
from linnet_cli.homotopy import tracker
from linnet_cli.studies.pool import WorkerPool, default_jobs, tell_caller


def _square(x: int) -> int:
    return x * x


def _count_to(n: int) -> int:
    for k in range(1, n + 1):
        tell_caller("counted", k)
    return n


def _nap(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def _worker_state(_: object) -> tuple[bool, bool, int]:
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, set())
    return signal.getsignal(signal.SIGINT) == signal.SIG_IGN, signal.SIGINT in blocked, tracker._threads


def test_results_in_order_and_as_they_finish():
    with WorkerPool(2) as pool:
        assert pool.map(_square, list(range(7))) == [k * k for k in range(7)]
        assert sorted(pool.as_completed(_square, [(3,), (4,)])) == [(0, 9), (1, 16)]


def test_messages_reach_the_caller_before_the_result():
    seen: list[tuple] = []
    with WorkerPool(2, on_message=lambda *m: seen.append(m)) as pool:
        assert pool.map(_count_to, [3, 2]) == [3, 2]
    assert sorted(seen) == [("counted", 1), ("counted", 1), ("counted", 2), ("counted", 2), ("counted", 3)]


def test_workers_ignore_ctrl_c_and_share_the_cores():
    tracker.set_threads(2)           # the tracker's threads of this process are not the forked workers'
    try:
        with WorkerPool(2) as pool:
            states = pool.map(_worker_state, [0, 1])
    finally:
        tracker.set_threads(None)
    assert states == [(True, False, max(1, (os.cpu_count() or 1) // 2))] * 2
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, set())     # nor here, once they run
    assert default_jobs(EngineSpec("julia")) == 1 and default_jobs(EngineSpec()) == (os.cpu_count() or 1)


def test_ctrl_c_reaches_the_caller_and_the_pool_stops_its_workers():
    before = {p.pid for p in mp.active_children()}
    handler = signal.signal(signal.SIGINT, signal.default_int_handler)   # even in a suite run in the background
    try:
        with pytest.raises(KeyboardInterrupt):
            with WorkerPool(2) as pool:
                pids = set(pool.map(_nap, [1.0, 1.0]))         # one each: both workers have started
                workers = [p for p in mp.active_children() if p.pid not in before]
                assert len(workers) == 2 and pids == {p.pid for p in workers}
                for pid in pids:                              # Ctrl-C reaches the workers too: they go on
                    os.kill(pid, signal.SIGINT)
                assert set(pool.map(_nap, [0.5, 0.5])) <= pids
                threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT)).start()
                list(pool.as_completed(_nap, [(60,), (60,)]))
    finally:
        signal.signal(signal.SIGINT, handler)
    assert not any(p.is_alive() for p in workers)
