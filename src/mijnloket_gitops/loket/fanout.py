"""Run many small jobs on a fixed set of threads, where a job may start further jobs.

Reading an employer is a handful of requests, some of which depend on others (a
user's rights need the user list first). Scheduling single requests rather than whole
employers keeps every worker busy until the batch is done, so throughput grows with
the concurrency instead of stalling on the slowest employer of each batch.

A worker that finishes a job queues the jobs it started itself, and the thread that
asked waits only for the whole run: no future per job and no round trip through the
waiting thread, whose wake-ups would compete with the workers for the interpreter
lock (one request costs a few hundred microseconds of CPU; ``benchmarks/plan.py``).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Self

Job = Callable[[], "Iterable[Job]"]
"""A unit of work; it returns the jobs it makes possible (often none)."""


class Cancelled(Exception):
    """Why the jobs of a run that was interrupted are skipped (never raised)."""


class _Run:
    """The jobs of one :meth:`Workers.run` call: how many are left, the first failure."""

    def __init__(self, jobs: queue.SimpleQueue[tuple[_Run, Job] | None]) -> None:
        self._jobs = jobs
        self._lock = threading.Lock()
        self._pending = 1  # the submitting thread's own share, see release()
        self._finished = threading.Event()
        self.error: BaseException | None = None

    def submit(self, job: Job) -> None:
        with self._lock:
            self._pending += 1
        self._jobs.put((self, job))

    def execute(self, job: Job) -> None:
        """Run ``job`` and queue what it starts; skipped once the run has failed."""
        if self.error is None:
            try:
                for follow_up in job():
                    self.submit(follow_up)
            except BaseException as error:
                self.fail(error)
        self.release()

    def release(self) -> None:
        """One job (or the submitting thread) is done; the last one ends the run."""
        with self._lock:
            self._pending -= 1
            if self._pending == 0:
                self._finished.set()

    def fail(self, error: BaseException) -> None:
        with self._lock:
            if self.error is None:
                self.error = error

    def wait(self) -> None:
        self._finished.wait()


class Workers:
    """``count`` threads taking jobs from one queue, started at once, until closed."""

    def __init__(self, count: int, name: str = "loket") -> None:
        if count < 1:
            raise ValueError("a worker pool needs at least one thread")
        self._jobs: queue.SimpleQueue[tuple[_Run, Job] | None] = queue.SimpleQueue()
        self._threads = [
            threading.Thread(target=self._work, name=f"{name}-{n}", daemon=True)
            for n in range(count)
        ]
        for thread in self._threads:
            thread.start()

    def _work(self) -> None:
        while (item := self._jobs.get()) is not None:
            run, job = item
            run.execute(job)

    def run(self, jobs: Iterable[Job]) -> None:
        """Run ``jobs`` and every job they start; re-raise the first failure.

        On a failure, jobs not yet started are skipped and the running ones finish
        before the exception propagates; the same when the waiting thread is
        interrupted (KeyboardInterrupt).
        """
        run = _Run(self._jobs)
        try:
            try:
                for job in jobs:
                    run.submit(job)
            finally:
                run.release()
            run.wait()
        except BaseException:
            run.fail(Cancelled())
            run.wait()
            raise
        if run.error is not None:
            raise run.error

    def close(self) -> None:
        """Stop the threads once the queued jobs are done; wait for them."""
        for _ in self._threads:
            self._jobs.put(None)
        for thread in self._threads:
            thread.join()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
