"""Table rows on a Dask cluster (``linnet table --scheduler``): the same row computation as
:func:`linnet_cli.studies.compute.compute_row`, cut into tasks.

Per row, one task does the bounds and the generic solve; its result stays on the cluster and the
row's instances go out in chunks, each a task tracked from it (Dask sends it to each worker that
needs it once, and recomputes it should the worker holding it die). Instance seeds come from the
row's seed as in :func:`~linnet_cli.studies.compute.compute_row`, and the tracked points do not depend on how
instances are batched, so every row equals the row of ``--jobs 1``. A task is retried once (an
exception, or on the local cluster a worker that died under it); a task that fails twice makes its
row a failed row, named with the reason, never a row with fewer instances.

``distributed`` is an optional dependency (``pip install 'linnet-cli[dask]'``), imported only here.
"""
from __future__ import annotations

import importlib.util
import logging
import socket
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..errors import InputError, opt
from ..progress import Progress
from .compute import (InstanceCounts, RowResult, RowGeneric, finish_row, instance_batches, solve_row_generic,
                      track_row_instances)
from .pool import ignore_ctrl_c
from .rows import RowSpec, instance_seeds

#: How to get the optional dependency.
INSTALL_HINT = "pip install 'linnet-cli[dask]'"
#: Seconds to wait for a scheduler to answer: a scheduler on another machine of a cluster answers in
#: well under a second, and a wrong address should fail at once instead of hanging.
CONNECT_SECONDS = 5
#: Retries of a failed task (Dask's ``retries``; on the local cluster also the worker deaths a task
#: may cause, the scheduler's ``allowed-failures``): a task that fails twice fails its row.
TASK_RETRIES = 1
#: A scheduler greets every connection with a handshake message at once: a length (8 bytes,
#: little-endian) then the message, a few hundred bytes. A first length above this is not Dask's (an
#: HTTP or SSH server's first bytes read as a length give exabytes, which Dask would try to allocate).
HANDSHAKE_BYTES = 1 << 20
#: Paths per chunk of instances, at least: a task costs a few milliseconds of scheduling, tracking
#: 2000 paths takes 0.1-0.5 s (0.08-0.22 ms a path in Table 3.1's rows, classification included).
CHUNK_PATHS = 2000
#: Priority of the instance chunks over the generic solves still waiting: rows finish one after
#: another (so that Ctrl-C keeps them) instead of all at the end.
CHUNK_PRIORITY = 1


def dask_status() -> tuple[bool, str]:
    """(installed, version or how to install), without importing Dask."""
    if importlib.util.find_spec("distributed") is None:
        return False, f"not installed: {INSTALL_HINT}"
    from importlib.metadata import version
    return True, f"distributed {version('distributed')}"


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise InputError(f"{opt('scheduler')} needs Dask's distributed scheduler, which is not installed: "
                         f"{INSTALL_HINT}") from None
    return distributed


def check_scheduler(engine: str, scheduler: Any = None) -> None:
    """Fail before any work when ``--scheduler`` cannot be used: Dask missing, an engine other than the
    native one (the julia engine's solutions live in its Julia process), or, given ``scheduler``, an
    address that is not a scheduler's or where no scheduler answers (before a run writes anything)."""
    _distributed()
    if engine != "native":
        raise InputError(f"{opt('scheduler')} runs the native engine only, not {opt('engine', engine)}")
    if isinstance(scheduler, str) and scheduler != "local":
        _check_address(scheduler)
        _check_scheduler_answers(scheduler)


@contextmanager
def connect(scheduler: Any, workers: int) -> Iterator[Any]:
    """A ``distributed.Client``: the one given, a new ``LocalCluster`` of ``workers`` processes for
    ``"local"``, or a connection to the scheduler at an address (closed afterwards)."""
    distributed = _distributed()
    if not isinstance(scheduler, str):
        yield scheduler
        return
    cluster = None
    if scheduler == "local":
        import dask
        # allowed-failures is read when the scheduler starts; one task thread and so one tracker
        # thread per worker process (set by the tasks), no dashboard (its port may be taken)
        with dask.config.set({"distributed.scheduler.allowed-failures": TASK_RETRIES}):
            cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                               host="127.0.0.1", dashboard_address=None,
                                               silence_logs=logging.CRITICAL)
        client = distributed.Client(cluster)
        _workers_ignore_ctrl_c(client)
    else:
        _check_address(scheduler)
        _check_scheduler_answers(scheduler)
        try:
            client = distributed.Client(scheduler, timeout=CONNECT_SECONDS)
        except OSError as exc:
            raise InputError(f"cannot reach the Dask scheduler at {scheduler!r}: {exc}") from None
        except (MemoryError, ValueError, TypeError, EOFError) as exc:   # it answered, not in Dask's protocol
            raise InputError(f"{scheduler} is not a Dask scheduler (its answer is not Dask's: "
                             f"{type(exc).__name__})") from None
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _check_address(address: str) -> None:
    """An InputError unless ``address`` is a scheduler address by Dask's rules (checked before a Client
    is made: one made from a malformed address hangs for seconds when it is closed)."""
    from distributed.comm import registry
    from distributed.comm.addressing import parse_address, parse_host_port
    try:
        scheme, location = parse_address(address)
        registry.get_backend(scheme)
        if scheme in ("tcp", "tls", "ws", "wss"):
            port = parse_host_port(location)[1]
            if not 0 < port < 2 ** 16:
                raise ValueError(f"no port {port}")
    except (ValueError, TypeError) as exc:
        raise InputError(f"{opt('scheduler', repr(address))} is not a scheduler address ({exc}): give one like "
                         "tcp://host:8786, or 'local'") from None


def _check_scheduler_answers(address: str) -> None:
    """An InputError unless a Dask scheduler answers at a tcp address: within CONNECT_SECONDS it must
    send the length of its handshake message, as every scheduler does on a new connection. Another
    server (HTTP, which waits for a request; SSH, which sends a banner) is named as not a scheduler
    instead of Dask reading its bytes as a message length and trying to allocate exabytes, or waiting
    for good. Other schemes (tls, ws, ...) are left to Dask."""
    from distributed.comm.addressing import parse_address, parse_host_port
    scheme, location = parse_address(address)
    if scheme != "tcp":
        return
    host, port = parse_host_port(location)
    deadline = time.monotonic() + CONNECT_SECONDS
    try:
        sock = socket.create_connection((host, port), timeout=CONNECT_SECONDS)
    except OSError as exc:
        raise InputError(f"cannot reach the Dask scheduler at {address!r}: {exc}") from None
    head, closed = b"", False
    try:
        with sock:
            while len(head) < 8 and not closed:
                sock.settimeout(max(0.01, deadline - time.monotonic()))
                chunk = sock.recv(8 - len(head))
                closed = not chunk
                head += chunk
    except OSError:   # a timeout included: the server stays silent
        pass
    if len(head) < 8:
        why = ("it closed the connection" if closed
               else f"no Dask handshake came within {CONNECT_SECONDS} s")
        raise InputError(f"{address} is not a Dask scheduler ({why})")
    (length,) = struct.unpack("<Q", head)
    if not 0 < length <= HANDSHAKE_BYTES:
        text = head.decode("ascii", "replace")
        shown = f", it sent {text!r}" if text.isprintable() else ""
        raise InputError(f"{address} is not a Dask scheduler (its answer is not Dask's{shown})")


def _workers_ignore_ctrl_c(client: Any) -> None:
    """Ctrl-C reaches the whole process group, local workers too, but stopping is the client's job (it
    closes the cluster): so the workers, and those a nanny restarts, ignore SIGINT instead of printing
    tracebacks, as those of a local pool do (:mod:`linnet_cli.studies.pool`). (Workers at an address are
    not ours: they keep their own handling.)"""
    from distributed import WorkerPlugin

    class IgnoreSigint(WorkerPlugin):
        def setup(self, worker: Any) -> None:
            ignore_ctrl_c()   # a worker's event loop runs in its main thread

    client.register_plugin(IgnoreSigint(), name="linnet-ignore-sigint")


def warm(client: Any) -> dict[str, float]:
    """Load or compile the path tracker, with its extended-precision compilation, on every worker of
    ``client`` (numba's cache is per machine: without this, the first task on each machine compiles,
    ~30 s); seconds per worker."""
    return client.run(_warm_worker)


def _warm_worker() -> float:
    from ..homotopy import tracker
    tracker.compile_all()
    return tracker.compile_seconds


_threads_lock = threading.Lock()


def use_worker_threads() -> None:
    """The tracker's thread pool of this worker process: as many threads as the worker runs tasks, so
    that one task alone, or one per task thread, keeps the worker's cores busy and no more."""
    from distributed import get_worker

    from ..homotopy.tracker import set_threads
    with _threads_lock:
        set_threads(get_worker().state.nthreads)


def _engine(row: RowSpec, engine: Any) -> Any:
    from ..solver import solver_for
    return solver_for(row.network, engine)


def _generic_task(row: RowSpec, seed: int, engine: Any, bkk: bool) -> RowGeneric:
    use_worker_threads()
    return solve_row_generic(row, seed, _engine(row, engine), bkk)


def _chunk_task(start: RowGeneric, seeds: Any, engine: Any, distribution: str, certify: bool,
                first: int) -> InstanceCounts:
    use_worker_threads()
    return track_row_instances(start, seeds, _engine(start.row, engine), distribution, certify, first)


def why_failed(future: Any) -> str:
    """One line saying why a task failed (twice)."""
    if future.status == "cancelled":
        return "its task was cancelled on the cluster"
    exc = future.exception()
    if type(exc).__name__ == "KilledWorker":
        return "the workers running its task died twice (out of memory? see the workers' logs)"
    text = str(exc).strip().splitlines()
    return f"its task failed twice: {type(exc).__name__}" + (f": {text[0]}" if text else "")


class _Row:
    """A row in flight: its start once solved, its chunks, their counts."""

    def __init__(self, row: RowSpec) -> None:
        self.row = row
        self.start: RowGeneric | None = None
        self.counts = InstanceCounts()
        self.chunks = 0
        self.done = 0          # instances


def run_on_cluster(scheduler: Any, todo: list[RowSpec], args: tuple, workers: int,
                   finished: dict[str, RowResult], failed: dict[str, str], progress: Progress | None) -> None:
    """Compute the rows ``todo`` on a Dask cluster into ``finished`` (rows whose task failed twice go to
    ``failed``, with the reason). ``args`` as for :func:`~linnet_cli.studies.compute.compute_row` (samples,
    seed, distribution, engine, bkk, certify, search). On Ctrl-C the run's tasks are cancelled. A row's
    search for real points (``search`` > 0) runs here, after its instances came back."""
    samples, seed, distribution, engine, bkk, certify, search = args
    check_scheduler(engine.name)
    if not todo:
        return
    from distributed import as_completed
    with connect(scheduler, workers) as client:
        meta: dict[Any, tuple[_Row, tuple[int, int] | None]] = {}
        pending = as_completed()
        for row in todo:
            fut = client.submit(_generic_task, row, seed, engine, bkk, pure=False, retries=TASK_RETRIES)
            meta[fut] = (_Row(row), None)
            pending.add(fut)
        try:
            for fut in pending:
                state, chunk = meta.pop(fut)
                key = state.row.key
                if key in failed:
                    continue
                if fut.status != "finished":
                    failed[key] = why_failed(fut)
                    client.cancel([f for f, (s, _) in meta.items() if s is state])
                    continue
                if chunk is None:
                    state.start = fut.result()
                    n_c = max(1, state.start.generic.n_complex)
                    seeds = instance_seeds(seed, state.row, samples)
                    for lo, hi in instance_batches(state.start, samples, -(-CHUNK_PATHS // n_c)):
                        c = client.submit(_chunk_task, fut, seeds[lo:hi], engine, distribution, certify, lo,
                                          pure=False, retries=TASK_RETRIES, priority=CHUNK_PRIORITY)
                        meta[c] = (state, (lo, hi))
                        state.chunks += 1
                        pending.add(c)
                    continue
                state.counts.add(fut.result())
                state.done += chunk[1] - chunk[0]
                state.chunks -= 1
                if state.chunks == 0:
                    assert state.start is not None     # its chunks came from it
                    finished[key] = finish_row(state.start, state.counts, samples, certify,
                                               state.start.seconds + state.counts.seconds,
                                               _engine(state.row, engine), distribution, search, seed)
                if progress is not None:
                    progress(key, state.done, samples)
        finally:   # also on Ctrl-C: the cluster stops working on this run
            client.cancel(list(meta))
