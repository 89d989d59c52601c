"""Write the edited files: each atomically (``fmt``'s writer), many at a time.

Each write ends in an fsync, which waits for the disk (about 3 ms here); threads let
those waits overlap and the filesystem commit them together, so thousands of files
do not queue one by one. Files are handed over as soon as they are edited, so the
writing overlaps the editing. A file that cannot be written is reported with its
reason; the others are still written.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType

from mijnloket_gitops.fmt import write_text

THREADS = 16


def write_one(path: str, text: str) -> str | None:
    """Write ``text`` to ``path``; None, or why it could not be written."""
    try:
        write_text(Path(path), text)
    except OSError as error:
        return f"{path}: cannot write: {error.strerror or error}"
    return None


class Writer:
    """Writes files in the background; :meth:`results` waits for all of them."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(THREADS, thread_name_prefix="edit-write")
        self._pending: dict[str, Future[str | None]] = {}

    def submit(self, path: str, text: str) -> None:
        self._pending[path] = self._pool.submit(write_one, path, text)

    def results(self) -> dict[str, str | None]:
        """Per path submitted: None when written, else why not."""
        return {path: future.result() for path, future in self._pending.items()}

    def __enter__(self) -> Writer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._pool.shutdown(wait=True)  # never leave a write half done
