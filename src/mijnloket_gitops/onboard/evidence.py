"""``import --evidence``: a sheet's rows put into the files being imported.

Rows are tied to employers by id or by the file name import gives them (or the file
they already have), all before a file is written: a row that names no employer being
imported stops the import with every such row listed. A new file gets the addendum
the row says instead of the commented gap; an existing one (``--update``,
``--force``) gets it on top of what it keeps.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mijnloket_gitops.errors import MijnloketError
from mijnloket_gitops.evidence import AddendumChange, EvidenceRow, fill_addendum, resolve_rows
from mijnloket_gitops.evidence.fill import drop_import_prompts
from mijnloket_gitops.files.comments import Comments
from mijnloket_gitops.files.model import Addendum
from mijnloket_gitops.files.positions import PathKey
from mijnloket_gitops.onboard.draft import NO_ADDENDUM, Draft

_FIELDS = ("signed_on", "ticket", "evidence")


@dataclass(frozen=True)
class ImportEvidence:
    """A checked sheet (:func:`~mijnloket_gitops.evidence.read_sheet`) for import."""

    sheet: Path
    rows: tuple[EvidenceRow, ...]
    root: Path
    """The repository: a row may name a file by its path below it."""


def resolve(
    evidence: ImportEvidence, paths: Mapping[str, Path], target: str
) -> dict[str, AddendumChange]:
    """The change per employer id (as in ``paths``); raises MijnloketError, naming
    every row that names no employer of this import, so that nothing is written."""
    changes, problems = resolve_rows(
        evidence.sheet,
        evidence.rows,
        [(path, employer_id) for employer_id, path in paths.items()],
        evidence.root,
        f"this import from {target}",
    )
    if problems:
        lines = "\n".join(f"  {p}" for p in problems)
        raise MijnloketError(
            f"the evidence sheet names employers this import does not have:\n{lines}\n"
            "nothing was imported"
        )
    return {i: changes[i.casefold()] for i in paths if i.casefold() in changes}


def _without(comments: Comments, paths: list[PathKey]) -> None:
    for path in paths:
        comments.before.pop(path, None)
        comments.eol.pop(path, None)


def into_draft(draft: Draft, change: AddendumChange) -> Draft:
    """``draft`` with the addendum ``change`` says, and without the comments that asked
    for it."""
    comments = copy.deepcopy(draft.comments)
    if change.status == "signed":
        addendum = Addendum(status="signed", signed_on=change.signed_on, ticket=change.ticket)
        drop_import_prompts(comments)
    else:
        addendum = Addendum(status=change.status)
    _without(comments, [("addendum", f) for f in _FIELDS])
    if comments.before.get(("addendum", "status")) == NO_ADDENDUM:
        del comments.before[("addendum", "status")]
    employer = draft.employer.model_copy(update={"addendum": addendum})
    return dataclasses.replace(
        draft, employer=employer, comments=comments, evidence_gaps=(), addendum_unknown=False
    )


def into_data(data: dict[str, Any], comments: Comments, change: AddendumChange) -> None:
    """Put ``change`` into the data and comments of an existing file being rewritten."""

    def remove_key(parent: PathKey, key: str) -> None:
        container: Any = data
        for part in parent:
            container = container[part]
        del container[key]
        _without(comments, [(*parent, key)])

    fill_addendum(data, comments, change, remove_key)
