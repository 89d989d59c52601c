"""Run many small jobs on a bounded thread pool, where a job may start further jobs.

Reading an employer is a handful of requests, some of which depend on others (a
user's rights need the user list first). Scheduling single requests rather than whole
employers keeps every worker busy until the batch is done, so throughput grows with
the concurrency instead of stalling on the slowest employer of each batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait

Job = Callable[[], "Iterable[Job]"]
"""A unit of work; it returns the jobs it makes possible (often none)."""


def run_jobs(pool: Executor, jobs: Iterable[Job]) -> None:
    """Run ``jobs`` and every job they start; re-raise the first failure.

    On a failure, jobs not yet started are cancelled and the running ones finish
    before the exception propagates.
    """
    pending: set[Future[Iterable[Job]]] = {pool.submit(job) for job in jobs}
    try:
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                pending |= {pool.submit(job) for job in future.result()}
    except BaseException:
        for future in pending:
            future.cancel()
        wait(pending)
        raise
