"""Edit many files with a pool of worker processes (each file's edit is independent).

The same choices as ``validate``'s pool: forked workers start with everything
imported; below ``PARALLEL_THRESHOLD`` files, or on one CPU, the edit runs here.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.edit.request import EditRequest
from mijnloket_gitops.edit.single import FileEdit, edit_file
from mijnloket_gitops.files.model import EmployerFile

PARALLEL_THRESHOLD = 300
MAX_WORKERS = 8
CHUNK_FILES = 100


@dataclass(frozen=True)
class Job:
    """Everything a worker needs besides the files (picklable)."""

    catalog: Catalog
    request: EditRequest
    require_tier: bool
    today: dt.date
    prices: Mapping[str, float]

    def run(self, path: str, employer: EmployerFile) -> FileEdit:
        return edit_file(
            path, employer, self.catalog, self.request, self.require_tier, self.today,
            self.prices.get,
        )  # fmt: skip


_job: Job | None = None


def _start(job: Job) -> None:
    global _job
    _job = job


def _chunk(items: list[tuple[str, EmployerFile]]) -> list[FileEdit]:
    assert _job is not None, "the pool initializer sets the job"
    return [_job.run(path, employer) for path, employer in items]


def _workers() -> int:
    count = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return min(count or 1, MAX_WORKERS)


def _context() -> Any:
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


def run_all(job: Job, items: Sequence[tuple[str, EmployerFile]]) -> Iterator[FileEdit]:
    """The edit of every item, in order."""
    workers = _workers()
    if len(items) < PARALLEL_THRESHOLD or workers < 2:
        for path, employer in items:
            yield job.run(path, employer)
        return
    from concurrent.futures import ProcessPoolExecutor

    size = max(1, min(CHUNK_FILES, len(items) // (workers * 4)))
    chunks = [list(items[i : i + size]) for i in range(0, len(items), size)]
    collecting = gc.isenabled()
    gc.disable()  # results are acyclic; scanning them as they arrive only costs time
    try:
        with ProcessPoolExecutor(
            workers, mp_context=_context(), initializer=_start, initargs=(job,)
        ) as pool:
            for edits in pool.map(_chunk, chunks):
                yield from edits
    finally:
        if collecting:
            gc.enable()
