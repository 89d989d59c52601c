"""Which files a run reads: employer files under the paths given, any depth.

Hidden folders are skipped; symbolic links are followed only while they stay inside
the repository (the nearest folder holding ``.git`` or ``mijnloket-gitops.yaml``) and
out of hidden folders such as ``.mijnloket/``, where the token store lives.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mijnloket_gitops.validate.diagnostics import Diagnostic, diagnostic

YAML_SUFFIXES = (".yaml", ".yml")


def is_employer_name(name: str) -> bool:
    """``*.yaml`` or ``*.yml`` in any case (``UPPER.YAML`` was skipped without a word)."""
    return name.lower().endswith(YAML_SUFFIXES)


@dataclass
class _Walk:
    """What :func:`_walk` found below one folder."""

    files: list[str] = field(default_factory=list)
    """Employer files (and special files named like one: reading reports those)."""
    links: set[str] = field(default_factory=set)
    """Which of ``files`` are symbolic links."""
    folder_links: list[str] = field(default_factory=list)
    """Symbolic links to folders: the caller follows them if they stay in the repository."""
    problems: list[Diagnostic] = field(default_factory=list)
    """Folders that could not be listed."""


def _walk(root: str) -> _Walk:
    """Employer files below ``root``, skipping hidden files and folders, in path order.

    Built on ``os.scandir`` rather than ``Path.rglob`` and returning strings: on
    10,000 files that saves a ``stat`` and a ``Path`` parse per file, about a tenth
    of a run. Nothing is skipped silently: every symlink named like an employer file
    is listed (a broken one or a loop is reported when read), so is a FIFO or device
    named like one (reading refuses it, saying what it is), a linked folder is handed
    back to be followed or refused, and a folder that cannot be listed is a problem.
    """
    prefix = "" if root == "." else root if root.endswith(os.sep) else root + os.sep
    walk = _Walk()
    folders = [(root, prefix)]
    while folders:
        folder, here = folders.pop()
        try:
            with os.scandir(folder) as entries:
                listed = list(entries)
        except OSError as error:
            walk.problems.append(_unlistable(here.rstrip(os.sep) or folder, error))
            continue
        for entry in listed:
            name = entry.name
            if name.startswith("."):
                continue
            shown = here + name
            try:
                if entry.is_dir(follow_symlinks=False):
                    folders.append((entry.path, shown + os.sep))
                elif entry.is_symlink():
                    if _links_to_folder(entry):
                        walk.folder_links.append(shown)
                    elif is_employer_name(name):
                        walk.links.add(shown)
                        walk.files.append(shown)
                elif is_employer_name(name):
                    walk.files.append(shown)
            except OSError as error:
                walk.problems.append(_unlistable(shown, error))
    walk.files.sort(key=lambda p: p.split(os.sep))  # the order of sorted(Path(p) ...)
    return walk


def _links_to_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # a loop or a broken link: reading it (if named like a file) says so
        return False


def _unlistable(folder: str, error: OSError) -> Diagnostic:
    return diagnostic(
        folder,
        "file-read",
        f"cannot list this folder: {error.strerror or error}; its files were not checked",
        hint="make the folder readable, or move employer files out of it",
    )


REPOSITORY_MARKERS = (".git", "mijnloket-gitops.yaml")


def _repository(start: str) -> str:
    """The real path of the repository that holds the folder ``start`` (absolute).

    That is the nearest folder from ``start`` up with ``.git`` or a configuration
    file; failing that, the current directory if it holds ``start``, else ``start``.
    The search starts above the path given, so that a symbolic link to a folder
    cannot bring its own repository along.
    """
    here = start
    while True:
        if any(os.path.lexists(os.path.join(here, m)) for m in REPOSITORY_MARKERS):
            return os.path.realpath(here)
        parent = os.path.dirname(here)
        if parent == here:
            break
        here = parent
    cwd = os.getcwd()
    inside = start == cwd or start.startswith(cwd.rstrip(os.sep) + os.sep)
    return os.path.realpath(cwd if inside else start)


def _escapes(path: str, root: str) -> Diagnostic | None:
    """A ``file-read`` diagnostic if ``path`` leads, through a symbolic link, outside the
    repository ``root`` or into a hidden folder (where the token store lives)."""
    real = os.path.realpath(path)
    if real == os.path.abspath(path):
        return None  # no link on the way
    relative = os.path.relpath(real, root).split(os.sep)
    if relative[0] == os.pardir:
        message = f"not read: it is a symbolic link to {real}, outside the repository {root}"
        hint = "copy the file into the repository, or link to a file inside it"
    elif any(part.startswith(".") for part in relative if part != os.curdir):
        message = f"not read: it is a symbolic link into a hidden folder ({real})"
        hint = "hidden folders hold git's and mijnloket-gitops' own data, never employer files"
    else:
        return None
    return diagnostic(path, "file-read", message, hint=hint)


def discover(paths: Sequence[Path]) -> tuple[list[str], list[Diagnostic]]:
    """Employer files under ``paths`` (any depth), sorted, plus diagnostics for folders
    without files (``no-files``), for folders that cannot be listed and for symbolic
    links that lead outside the repository or into a hidden folder (``file-read``;
    they are not read). Linked folders inside the repository are walked, once.

    Files are returned as strings, the way diagnostics show them; a file reached twice
    (named twice, through ``..`` or a link) is returned once, by its first name.
    """
    found: list[str] = []
    problems: list[Diagnostic] = []
    roots: dict[str, str] = {}
    for path in paths:
        above = os.path.dirname(os.path.abspath(path))
        root = roots.get(above) or roots.setdefault(above, _repository(above))
        if not path.is_dir():
            escape = _escapes(str(path), root)
            if escape is None:
                found.append(str(path))
            else:
                problems.append(escape)
            continue
        escape = _escapes(str(path), root)
        if escape is not None:
            problems.append(escape)
            continue
        here: list[str] = []
        walked: set[str] = set()  # real paths of the folders walked: a link loop ends
        pending = [str(path)]
        while pending:
            folder = pending.pop()
            escape = _escapes(folder, root)
            if escape is not None:
                problems.append(escape)
                continue
            real = os.path.realpath(folder)
            if real in walked:
                continue
            walked.add(real)
            walk = _walk(folder)
            problems += walk.problems
            for link in walk.links:
                escape = _escapes(link, root)
                if escape is not None:
                    problems.append(escape)
                    walk.files.remove(link)
            here.extend(walk.files)
            pending.extend(reversed(walk.folder_links))
        if not here:
            problems.append(
                diagnostic(
                    str(path),
                    "no-files",
                    f"no employer files (*.yaml, *.yml) in {path}",
                    hint="add a file per employer, or point at the right directory",
                )
            )
        found.extend(here)
    return _once(found), problems


def _once(found: list[str]) -> list[str]:
    """``found`` without a second name for a file already listed: same device and inode
    (one ``stat`` call, far cheaper than ``realpath`` on 100,000 files). A name that
    cannot be stat'ed is kept; reading it reports why."""
    seen: set[object] = set()
    unique: list[str] = []
    for shown in found:
        try:
            info = os.stat(shown)
            identity: object = (info.st_dev, info.st_ino)
        except OSError:
            identity = shown
        if identity not in seen:
            seen.add(identity)
            unique.append(shown)
    return unique
