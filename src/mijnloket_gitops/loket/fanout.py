"""Run many small jobs on a bounded thread pool, where a job may start further jobs.

Reading an employer is a handful of requests, some of which depend on others (a
user's rights need the user list first). Scheduling single requests rather than whole
employers keeps every worker busy until the batch is done, so throughput grows with
the concurrency instead of stalling on the slowest employer of each batch.
"""

from __future__ import annotations

import queue
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, Future, wait

Job = Callable[[], "Iterable[Job]"]
"""A unit of work; it returns the jobs it makes possible (often none)."""


def run_jobs(pool: Executor, jobs: Iterable[Job]) -> None:
    """Run ``jobs`` and every job they start; re-raise the first failure.

    Finished jobs are handed back through a queue (constant work per job, however
    many are pending). On a failure, jobs not yet started are cancelled and the
    running ones finish before the exception propagates.
    """
    finished: queue.SimpleQueue[Future[Iterable[Job]]] = queue.SimpleQueue()
    pending: set[Future[Iterable[Job]]] = set()

    def submit(job: Job) -> None:
        future = pool.submit(job)
        pending.add(future)
        future.add_done_callback(finished.put)

    try:
        for job in jobs:
            submit(job)
        while pending:
            future = finished.get()
            pending.discard(future)
            for follow_up in future.result():
                submit(follow_up)
    except BaseException:
        for future in pending:
            future.cancel()
        wait(pending)
        raise
