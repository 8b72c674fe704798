"""Worker processes for the studies, and the one way they handle Ctrl-C.

A table's rows (``linnet table --jobs``) and the search's candidate batches (``linnet maxreal --jobs``)
run in a :class:`WorkerPool` of local processes; a local Dask cluster's workers
(``--scheduler local``) follow the same rule. Ctrl-C reaches the whole process group, the workers too,
but stopping is the calling process's job: every worker ignores SIGINT (:func:`ignore_ctrl_c`) instead
of printing a traceback, and the calling process, where Ctrl-C raises KeyboardInterrupt, stops the
workers when it leaves the pool (what finished before is kept by the caller).

The workers are forked: what the set-up function gets travels without pickling. The path tracker's
thread pool is not inherited (it starts afresh in a forked process), and the cores are shared among the
workers: each gets ``cores // jobs`` tracker threads, so that ``jobs`` workers keep the cores busy and
no more. Results do not depend on the number of workers or threads.
"""
from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multiprocessing.queues import SimpleQueue

    from ..engines import EngineSpec

__all__ = ["POLL_SECONDS", "default_jobs", "ignore_ctrl_c", "tell_caller", "WorkerPool"]

#: Seconds between two looks at the workers' messages (progress) while waiting for results.
POLL_SECONDS = 0.2

#: In a worker: the queue its messages go to (None in the calling process, or without messages).
_MESSAGES: Any = None


def default_jobs(engine: EngineSpec) -> int:
    """Parallel processes for a study: every core; one for the julia engine (every process would start
    its own Julia, minutes on a first run; it uses Julia threads instead)."""
    return 1 if engine.name == "julia" else os.cpu_count() or 1


def ignore_ctrl_c() -> None:
    """Make this worker process ignore Ctrl-C (SIGINT): the calling process stops it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def tell_caller(*message: Any) -> None:
    """In a worker: send ``message`` to the calling process, which passes it to the pool's
    ``on_message`` while it waits for results (nothing is sent when the pool has no ``on_message``)."""
    if _MESSAGES is not None:
        _MESSAGES.put(message)


def _start_worker(messages: Any, threads: int, setup: Callable[..., None] | None, args: tuple) -> None:
    from ..homotopy.tracker import set_threads
    global _MESSAGES
    ignore_ctrl_c()
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})    # blocked while the worker was forked
    _MESSAGES = messages
    set_threads(threads)
    if setup is not None:
        setup(*args)


class WorkerPool:
    """``jobs`` worker processes running module-level functions for this process.

    ``setup(*setup_args)`` runs once in each worker as it starts (e.g. to keep an engine there);
    ``on_message`` receives in this process what the workers send with :func:`tell_caller`. Use it as a
    context manager, or call :meth:`close`: leaving it, normally or on Ctrl-C, stops the workers (work
    under way is dropped)."""

    def __init__(self, jobs: int, setup: Callable[..., None] | None = None, setup_args: tuple = (), *,
                 on_message: Callable[..., None] | None = None) -> None:
        import multiprocessing as mp
        self.jobs = jobs
        self._on_message = on_message
        # written by the worker itself (no feeder thread): a message sent before a result is there
        # when the result is
        self._messages: SimpleQueue[tuple[Any, ...]] | None = mp.SimpleQueue() if on_message is not None else None
        threads = max(1, (os.cpu_count() or 1) // jobs)
        # a worker ignores Ctrl-C from its first instant: SIGINT stays blocked while the workers are forked
        # (they inherit the mask and unblock it once they ignore it; a Ctrl-C meanwhile reaches this process
        # when it unblocks it here)
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            self._pool: Any = mp.Pool(jobs, initializer=_start_worker,
                                      initargs=(self._messages, threads, setup, setup_args))
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def as_completed(self, function: Callable[..., Any], calls: Iterable[tuple]) -> Iterator[tuple[int, Any]]:
        """(index, result) of ``function(*args)`` for every ``args`` of ``calls``, as each finishes. A
        worker's exception is raised here; Ctrl-C raises KeyboardInterrupt here (the results already
        given are the caller's to keep)."""
        pending = {self._pool.apply_async(function, args): k for k, args in enumerate(calls)}
        while pending:
            next(iter(pending)).wait(POLL_SECONDS)
            self._pass_messages()
            for res in [r for r in pending if r.ready()]:
                yield pending.pop(res), res.get()
        self._pass_messages()

    def map(self, function: Callable[..., Any], items: Sequence[Any]) -> list[Any]:
        """``[function(item) for item in items]``, the items spread over the workers."""
        out: list[Any] = [None] * len(items)
        for k, result in self.as_completed(function, [(item,) for item in items]):
            out[k] = result
        return out

    def _pass_messages(self) -> None:
        if self._messages is None or self._on_message is None:
            return
        while not self._messages.empty():
            self._on_message(*self._messages.get())

    def close(self) -> None:
        """Stop the workers (they ignore Ctrl-C: this is how they end), and wait until they have."""
        if self._pool is None:
            return
        self._pool.terminate()
        self._pool.join()
        self._pool = None
        if self._messages is not None:
            self._messages.close()
