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
    """Whether ``root``'s tracked files have uncommitted changes (staged or not); None
    outside git. Untracked files (a saved plan, say) do not count (issue 22): they
    change nothing that was reviewed; :func:`untracked_files` lists them apart."""
    try:
        return bool(_git(root, "status", "--porcelain", "--untracked-files=no", "--", ".").strip())
    except MijnloketError:
        return None


def untracked_files(root: Path) -> list[str] | None:
    """Untracked files under ``root`` that are not ignored, relative to it; None outside
    git."""
    try:
        return _git(root, "ls-files", "--others", "--exclude-standard", "--", ".").splitlines()
    except MijnloketError:
        return None


def branch_changes(root: Path, branch_root: Path, pathspecs: list[str]) -> dict[str, str] | None:
    """What the branch checked out in ``branch_root`` changed since it left the branch
    checked out in ``root``: ``{path relative to root: status}``, the status ``A``
    (added), ``M`` (modified), ``T`` (type changed) or ``D`` (deleted), for files under
    ``pathspecs``. None when that cannot be told: either folder is not a git checkout,
    a checkout is shallow, or the two have no commit in common.

    The branch's commits are fetched from the sibling checkout on disk (no network, no
    credentials); nothing of the branch is run: git only reads its objects.
    """
    try:
        for checkout in (root, branch_root):  # a cut history gives no true fork point
            if _git(checkout, "rev-parse", "--is-shallow-repository").strip() != "false":
                return None
        top = Path(_git(branch_root, "rev-parse", "--show-toplevel").strip())
        head = _git(branch_root, "rev-parse", "HEAD").strip()
        _git(root, "fetch", "--quiet", "--no-tags", "--no-write-fetch-head", str(top), "HEAD")
        fork = _git(root, "merge-base", "HEAD", head).strip()
        listed = _git(
            root,
            "diff",
            "--relative",
            "--no-renames",
            "--no-ext-diff",
            "--name-status",
            "-z",
            fork,
            head,
            "--",
            *pathspecs,
        )
    except MijnloketError:
        return None
    fields = listed.split("\0")
    return {path: status[:1] for status, path in zip(fields[::2], fields[1::2], strict=False)}
