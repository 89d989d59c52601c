"""When each employer's addendum became ``requested``, from git history.

One ``git log`` over the employer folder lists, newest first, the commits whose diff
adds or removes a ``status: requested`` line, with the files they touched. For a file
that says ``requested`` now, the newest such commit is the one that wrote the line:
the date the request was recorded. A file that is not committed yet has no date.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Iterable
from pathlib import Path

_PATTERN = r"^\s*status:\s*[\"']?requested"
MAX_PATHS = 2000


def requested_since(root: Path, folder: Path, paths: Iterable[str]) -> dict[str, dt.date]:
    """The commit date of the line that made each of ``paths`` ``requested``.

    ``paths`` are files under ``folder``; a path without a commit (or outside git)
    is left out. Never raises: without git the answer is empty.
    """
    wanted = {Path(p).resolve() for p in paths}
    if not wanted:
        return {}
    # Naming the files keeps git from diffing the rest of the folder (much faster when
    # few addenda are requested); a very long list would not fit a command line.
    pathspec = sorted(str(p) for p in wanted) if len(wanted) <= MAX_PATHS else [str(folder)]
    try:
        top = _git(root, "rev-parse", "--show-toplevel").strip()
        log = _git(root, "log", "--format=@%cs", "--name-only", "-G", _PATTERN, "--", *pathspec)
    except (OSError, subprocess.CalledProcessError):
        return {}
    found: dict[str, dt.date] = {}
    date: dt.date | None = None
    for line in log.splitlines():
        if line.startswith("@"):
            date = dt.date.fromisoformat(line[1:])
        elif line and date is not None:
            path = (Path(top) / line).resolve()
            if path in wanted and str(path) not in found:
                found[str(path)] = date
    return found


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=True, timeout=120
    )
    return done.stdout
