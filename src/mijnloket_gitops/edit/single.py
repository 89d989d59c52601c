"""One employer file's edit: read it, change data and comments, write it canonically.

The new text comes from the canonical writer ``fmt`` uses and is checked as
``validate`` would (and that it reads back as the edited data) before anyone writes it.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.edit import operations as ops
from mijnloket_gitops.edit.draft import Draft
from mijnloket_gitops.edit.request import EditRequest
from mijnloket_gitops.evidence.fill import fill_addendum
from mijnloket_gitops.files.canonical import FormatError, canonical_data, render, same_data
from mijnloket_gitops.files.comments import Comments, extract_comments
from mijnloket_gitops.files.loader import load_text
from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.files.reading import decode, read_file
from mijnloket_gitops.validate.rules import FILE_RULES, FileContext


@dataclass(frozen=True)
class FileEdit:
    """One selected file: what the edit does to it, or why it does nothing."""

    path: str
    employer_id: str
    name: str
    original: str
    """The file's text; read only for files the edit changes ("" otherwise)."""
    text: str | None = None
    """The new content; None when the file stays as it is."""
    notes: tuple[str, ...] = ()
    refusal: str | None = None
    dropped: tuple[str, ...] = ()
    """Comments that were on removed lines (a removed product's own comment)."""
    held_back: bool = False
    """Would change, but ``--limit`` left it for a later batch."""
    written: bool = False
    """The new text was written (``edit_files(write=True)``)."""
    write_error: str | None = None
    """Why the new text could not be written."""

    @property
    def status(self) -> str:
        if self.refusal is not None:
            return "refused"
        if self.held_back:
            return "held back"
        return "changed" if self.text is not None else "unchanged"

    def diff(self) -> str:
        if self.text is None or self.held_back:
            return ""
        before = self.original.splitlines(keepends=True)
        after = self.text.splitlines(keepends=True)
        name = Path(self.path).as_posix()
        return "".join(difflib.unified_diff(before, after, f"a/{name}", f"b/{name}"))


def edit_file(
    path: str,
    employer: EmployerFile,
    catalog: Catalog,
    request: EditRequest,
    require_tier: bool,
    today: dt.date,
    price_of: ops.PriceOf,
) -> FileEdit:
    """One file's edit (see :func:`edit_files`)."""
    base = FileEdit(path, employer.employer_id, employer.name, "")
    # First on the data alone: most unchanged or refused files need no reading, no
    # comments and no writer (the same operations decide the same way on the file).
    trial = Draft(employer.model_dump(mode="json"), Comments())
    refusal = _apply(trial, catalog, request, price_of, employer.employer_id)
    if refusal is not None:
        return _refused(base, refusal.reason)
    if not trial.notes:
        return base
    raw, problem = read_file(path)
    text, problem = decode(raw) if raw is not None else (None, problem)
    if text is None:
        return _refused(base, f"cannot read the file: {problem.message if problem else '?'}")
    base = FileEdit(path, employer.employer_id, employer.name, text)
    text = text.removeprefix("\ufeff")
    doc = load_text(text)
    if doc.problems or not isinstance(doc.data, dict):
        return _refused(base, "the file changed while edit ran; run edit again")
    draft = Draft(_unshared(doc.data), extract_comments(text, doc))
    refusal = _apply(draft, catalog, request, price_of, employer.employer_id)
    if refusal is not None:
        return _refused(base, refusal.reason)
    if not draft.notes:
        return base
    new = render(draft.data, catalog, draft.comments)
    problems = check_text(path, new, catalog, require_tier, today, draft.data)
    if problems:
        return _refused(base, "the edit would leave the file invalid: " + "; ".join(problems))
    return FileEdit(
        path,
        employer.employer_id,
        employer.name,
        base.original,
        new if new != base.original else None,
        tuple(draft.notes),
        None,
        tuple(draft.dropped),
    )


def _apply(
    draft: Draft, catalog: Catalog, request: EditRequest, price_of: ops.PriceOf, employer_id: str
) -> ops.Refusal | None:
    change = request.addendum_change(employer_id)
    if change is not None:
        # First: a product gated by the addendum can then be activated in the same edit.
        draft.notes += fill_addendum(draft.data, draft.comments, change, draft.remove_key)
    steps: list[Callable[[], ops.Refusal | None]] = [
        *(
            lambda p=p: ops.deactivate(draft, catalog, p, request.cascade)
            for p in request.deactivate
        ),
        *(
            lambda p=p: ops.activate(draft, catalog, p, request.choose, price_of)
            for p in request.activate
        ),
        *(lambda r=r: ops.revoke(draft, r, request.to) for r in request.revoke),
        *(lambda r=r: ops.grant(draft, catalog, r, request.to) for r in request.grant),
    ]
    for step in steps:
        refusal = step()
        if refusal is not None:
            return refusal
    return None


def check_text(
    path: str,
    text: str,
    catalog: Catalog,
    require_tier: bool,
    today: dt.date,
    data: Any = None,
) -> list[str]:
    """The errors ``validate`` would report for ``text`` on its own, as messages.

    With ``data``, also that ``text`` reads back as ``data`` (list order aside), as
    ``fmt`` checks its own output: one parse does both.
    """
    doc = load_text(text)
    if doc.problems:
        return [p.message for p in doc.problems]
    if data is not None and not same_data(doc.data, canonical_data(data, catalog)):
        return [FormatError("a value differs").args[0]]
    try:
        employer = EmployerFile.model_validate(doc.data)
    except ValidationError as error:
        return [str(e["msg"]) for e in error.errors()]
    context = FileContext(path, doc, employer, catalog, require_tier, today)
    return [
        f"[{d.rule}] {d.message}"
        for rule in FILE_RULES
        for d in rule(context)
        if d.severity == "error"
    ]


def _refused(base: FileEdit, reason: str) -> FileEdit:
    return FileEdit(base.path, base.employer_id, base.name, base.original, refusal=reason)


def _unshared(value: Any) -> Any:
    """A deep copy in which no two places share an object (YAML aliases do)."""
    if isinstance(value, dict):
        return {k: _unshared(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unshared(v) for v in value]
    return value
