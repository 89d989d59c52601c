"""What an output directory already holds: which employers have a file, which names are used.

An employer that already has a file (found by ``employer_id``, at any depth) keeps
that file: import never writes a second file for it. A file whose ``employer_id``
cannot be read still counts as existing when import would write to its path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mijnloket_gitops.files.loader import load_bytes
from mijnloket_gitops.validate.discovery import discover, is_employer_name


@dataclass(frozen=True)
class Existing:
    """Employer files found in an output directory."""

    by_employer: dict[str, Path] = field(default_factory=dict)
    """The (first) file of each employer, by folded employer id."""
    taken: frozenset[str] = frozenset()
    """Folded stems of the directory's own files that name an employer."""

    def file_of(self, employer_id: str) -> Path | None:
        return self.by_employer.get(employer_id.lower())


def _employer_id(path: str) -> str | None:
    try:
        with open(path, "rb") as stream:
            raw = stream.read()
    except OSError:
        return None
    doc = load_bytes(raw)
    data = doc.data if doc.readable else None
    employer_id = data.get("employer_id") if isinstance(data, dict) else None
    return employer_id if isinstance(employer_id, str) and employer_id else None


def scan(directory: Path) -> Existing:
    """The employer files under ``directory`` (none when it does not exist)."""
    if not directory.is_dir():
        return Existing()
    files, _ = discover([directory])
    by_employer: dict[str, Path] = {}
    taken: set[str] = set()
    for name in files:
        path = Path(name)
        employer_id = _employer_id(name)
        if employer_id is None:
            continue
        by_employer.setdefault(employer_id.lower(), path)
        if path.parent == directory and is_employer_name(path.name):
            taken.add(path.name.rsplit(".", 1)[0].casefold())
    return Existing(by_employer, frozenset(taken))
