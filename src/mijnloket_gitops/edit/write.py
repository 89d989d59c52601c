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

from mijnloket_gitops.edit.single import FileEdit
from mijnloket_gitops.fmt import write_text

THREADS = 8


def write_one(item: tuple[str, str]) -> str | None:
    """Write ``(path, text)``; None, or why it could not be written."""
    path, text = item
    try:
        write_text(Path(path), text)
    except OSError as error:
        return f"{path}: cannot write: {error.strerror or error}"
    return None


def write_each(files: Sequence[FileEdit]) -> list[str | None]:
    """Write every edited file's new text; per file None, or why it was not written."""
    items = [(f.path, f.text or "") for f in files]
    if len(items) < 2:
        return list(map(write_one, items))
    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(write_one, items))
