"""The few git questions the tool asks."""

from __future__ import annotations

import subprocess
from pathlib import Path

from mijnloket_gitops.errors import MijnloketError


def _git(root: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise MijnloketError("git is not installed, but --changed-since needs it") from None
    if done.returncode != 0:
        raise MijnloketError(f"git {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


def changed_files(root: Path, ref: str) -> set[Path]:
    """Files changed since ``ref`` (committed, staged, unstaged or untracked)."""
    top = Path(_git(root, "rev-parse", "--show-toplevel").strip())
    names = _git(root, "diff", "--name-only", ref, "--").splitlines()
    names += _git(root, "ls-files", "--others", "--exclude-standard", "--full-name").splitlines()
    others = {top / n for n in names}
    return {p.resolve() for p in others}


def head_commit(root: Path) -> str | None:
    """The commit checked out in ``root``, or None outside git."""
    try:
        return _git(root, "rev-parse", "HEAD").strip()
    except MijnloketError:
        return None


def dirty_tree(root: Path) -> bool | None:
    """Whether ``root``'s working tree has uncommitted changes; None outside git."""
    try:
        return bool(_git(root, "status", "--porcelain", "--", ".").strip())
    except MijnloketError:
        return None
