"""Write one file atomically: all of it or nothing, never half a file.

The text goes to a temporary file in the same directory, is flushed to disk and then
takes the final name in one step: ``os.link`` when an existing file must not be
replaced (it fails if the name exists, even if the file appeared a moment ago),
``os.replace`` when it may. A symbolic link at the final name is replaced, not
followed, so a write never lands outside the output directory.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, text: str, *, replace: bool) -> bool:
    """Write ``text`` to ``path``; False (nothing written) if it exists and not ``replace``.

    Raises :class:`OSError` when the directory cannot be written.
    """
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(text.encode("utf-8"))
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        if replace:
            os.replace(temporary, path)
            return True
        return _link(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def _link(temporary: str, path: Path) -> bool:
    try:
        os.link(temporary, path)
    except FileExistsError:
        return False
    except OSError:  # no hard links here (some network and FAT file systems)
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
        except FileExistsError:
            return False
        os.replace(temporary, path)
    return True
