"""Write the edited files: each atomically (``fmt``'s writer), several at a time.

Each write ends in an fsync; threads let those waits overlap (the work is system
calls, which release the GIL), so thousands of files do not queue on the disk one
by one. A file that cannot be written is reported with its reason; the others are
still written.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mijnloket_gitops.fmt import write_text

THREADS = 8


def _write(item: tuple[str, str]) -> str | None:
    path, text = item
    try:
        write_text(Path(path), text)
    except OSError as error:
        return f"{path}: cannot write: {error.strerror or error}"
    return None


def write_all(files: Sequence[tuple[str, str]]) -> list[str]:
    """Write every ``(path, text)``; the errors, one message per file not written."""
    if len(files) < 2:
        return [e for e in map(_write, files) if e]
    with ThreadPoolExecutor(THREADS) as pool:
        return [e for e in pool.map(_write, files) if e]
