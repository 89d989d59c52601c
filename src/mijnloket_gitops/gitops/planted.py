"""Guards against what a checkout may have planted where the action writes: a
committed plan file (reported as if this run wrote it) or a symlink that redirects
the plan elsewhere."""

from __future__ import annotations

import shutil
from pathlib import Path

from mijnloket_gitops.errors import MijnloketError


class PlantedLinkError(MijnloketError):
    """The plan path goes through a symlink in the checkout: nothing is run (exit 1)."""


def clear(*paths: Path) -> None:
    """Remove what a checkout may have planted where this run writes its results."""
    for path in paths:
        if path.is_symlink() or path.is_file():
            path.unlink()
        elif path.is_dir():
            shutil.rmtree(path)


def refuse_links(plan: Path, workdir: Path) -> None:
    """A checkout may commit ``mijnloket-plan`` as a symlink to elsewhere: the plan
    is never written (or a file removed) through a link inside the working directory."""
    for folder in plan.parents:
        if folder == workdir or workdir not in folder.parents:
            return
        if folder.is_symlink():
            raise PlantedLinkError(
                f"plan-file {plan} goes through the symbolic link {folder} in the working "
                "directory; nothing was run. Save the plan under $RUNNER_TEMP"
            )
