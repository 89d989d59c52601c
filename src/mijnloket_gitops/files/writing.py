"""Writing files: each atomically, many at a time.

A file is replaced by writing a temporary file beside it, syncing it to disk and
renaming it over the old one, so a crash leaves the old file or the new one, never an
empty or half-written one. Each sync waits for the disk (about 3 ms here); the
:class:`Writer`'s threads let those waits overlap and the filesystem commit them
together, so thousands of files do not queue one by one. A file that cannot be
written is reported with its reason; the others are still written.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType

THREADS = 16


def write_text(path: Path, text: str) -> None:
    """Replace the file's content atomically (temporary file, then rename), keeping its
    permissions; a symbolic link is followed, not replaced. Raises :class:`OSError`."""
    status = os.lstat(path)
    if stat.S_ISLNK(status.st_mode):
        path = path.resolve()
        status = os.stat(path)
    # (os calls on descriptors, not file objects and pathlib: fmt writes tens of
    # thousands of files, and these calls are most of the time not spent waiting.)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        try:
            data = text.encode("utf-8")
            while data:
                data = data[os.write(handle, data) :]
            os.fchmod(handle, stat.S_IMODE(status.st_mode))
            os.fsync(handle)
        finally:
            os.close(handle)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def write_one(path: str, text: str) -> str | None:
    """Write ``text`` to ``path``; None, or why it could not be written
    (``cannot write: ...``)."""
    try:
        write_text(Path(path), text)
    except OSError as error:
        return f"cannot write: {error.strerror or error}"
    return None


class Writer:
    """Writes files in the background; :meth:`results` waits for all of them."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(THREADS, thread_name_prefix="file-write")
        self._pending: dict[str, Future[str | None]] = {}

    def submit(self, path: str, text: str) -> None:
        self._pending[path] = self._pool.submit(write_one, path, text)

    def results(self) -> dict[str, str | None]:
        """Per path submitted: None when written, else why not (``cannot write: ...``)."""
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
