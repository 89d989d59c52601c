"""Tie each row of an evidence sheet to one employer, by id or by file name."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from mijnloket_gitops.evidence.fill import AddendumChange
from mijnloket_gitops.evidence.sheet import EvidenceRow, SheetProblem
from mijnloket_gitops.files.model import UUID_PATTERN

_UUID = re.compile(UUID_PATTERN)


def _names(path: Path, root: Path) -> set[str]:
    """What a row may call the file at ``path``: its name, its stem, its path below
    ``root`` (with and without the suffix), folded."""
    names = {path.name, path.stem}
    try:
        below = path.resolve().relative_to(root.resolve())
    except ValueError:
        below = None
    if below is not None:
        names |= {below.as_posix(), below.with_suffix("").as_posix()}
    return {n.casefold() for n in names}


def resolve_rows(
    sheet: Path,
    rows: Sequence[EvidenceRow],
    employers: Sequence[tuple[Path, str]],
    root: Path,
    where: str,
) -> tuple[dict[str, AddendumChange], list[SheetProblem]]:
    """The change per employer id (folded), or a problem per row that names no employer,
    or more than one, among ``employers`` (``(file, employer_id)``); ``where`` says
    where they were looked for, for messages."""
    by_id: dict[str, str] = {}
    by_name: dict[str, list[str]] = {}
    for path, employer_id in employers:
        by_id[employer_id.casefold()] = employer_id
        for name in _names(path, root):
            by_name.setdefault(name, []).append(employer_id)
    changes: dict[str, AddendumChange] = {}
    problems: list[SheetProblem] = []
    lines: dict[str, int] = {}
    for row in rows:
        key = row.employer.casefold()
        if _UUID.match(row.employer):
            found = [by_id[key]] if key in by_id else []
        else:
            found = sorted(set(by_name.get(key.removeprefix("./"), [])))
        if not found:
            what = "id" if _UUID.match(row.employer) else "file"
            problems.append(
                SheetProblem(sheet, row.line, f"no employer with {what} {row.employer} in {where}")
            )
            continue
        if len(found) > 1:
            problems.append(
                SheetProblem(
                    sheet,
                    row.line,
                    f"{row.employer} names {len(found)} files in {where}; write the path "
                    "below the repository or the employer id",
                )
            )
            continue
        employer_id = found[0].casefold()
        if employer_id in lines:
            problems.append(
                SheetProblem(
                    sheet, row.line, f"{row.employer} is the employer of line {lines[employer_id]}"
                )
            )
            continue
        lines[employer_id] = row.line
        changes[employer_id] = AddendumChange(
            row.status, row.signed_on, row.ticket, f"{sheet.name}:{row.line}"
        )
    return changes, problems
