"""Finding the configuration repository from where the user stands, as git and
pre-commit do: the nearest folder from the current directory up that holds
``mijnloket-gitops.yaml``; failing that, the root of the git repository around it.
"""

from __future__ import annotations

import os
from pathlib import Path

from mijnloket_gitops.config import CONFIG_NAME


def find_repository(start: Path) -> Path | None:
    """The configuration repository holding the folder ``start`` (absolute), or None.

    The walk stops at a git root: a configuration file above the git repository the
    user works in belongs to another project.
    """
    here = start.absolute()
    while True:
        if (here / CONFIG_NAME).is_file():
            return here
        if (here / ".git").exists():
            return here
        if here.parent == here:
            return None
        here = here.parent


def shown(path: Path, cwd: Path) -> Path:
    """``path`` relative to ``cwd`` where that is shorter ("." or "..", as git shows
    paths), so that diagnostics name files the way the user would type them."""
    try:
        relative = Path(os.path.relpath(path, cwd))
    except ValueError:  # another drive on Windows
        return path
    return relative if len(str(relative)) <= len(str(path)) else path
