"""``edit``: the same change to many employer files, as a value.

:func:`edit_files` reads each selected file, applies the operations to its data and
comments (:mod:`.operations`), writes the result through the canonical writer that
``fmt`` uses, and checks the new text as ``validate`` would; nothing is written
here. Operations run in a fixed order per file: deactivate, activate, revoke, grant.

``--wave K/M`` puts every employer in one of M waves by a hash of its employer_id,
so an employer stays in its wave however the selection or the portfolio changes;
``--limit N`` keeps the first N employers (by path) that the edit changes.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.edit import operations as ops
from mijnloket_gitops.edit.draft import Draft
from mijnloket_gitops.errors import MijnloketError
from mijnloket_gitops.files.canonical import FormatError, check_same_data, render
from mijnloket_gitops.files.comments import extract_comments
from mijnloket_gitops.files.loader import load_text
from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.files.reading import decode, read_file
from mijnloket_gitops.validate.rules import FILE_RULES, FileContext


class EditError(MijnloketError):
    """The edit asked for cannot be made at all (an unknown product, a bad --wave)."""


@dataclass(frozen=True)
class EditRequest:
    """What to change; every name is an exact catalog name."""

    activate: tuple[str, ...] = ()
    deactivate: tuple[str, ...] = ()
    cascade: bool = False
    grant: tuple[str, ...] = ()
    revoke: tuple[str, ...] = ()
    to: tuple[str, ...] = ()
    choose: tuple[str, ...] = ()
    limit: int | None = None
    wave: tuple[int, int] | None = None

    def check(self, catalog: Catalog, user_types: Sequence[str]) -> None:
        """Raise :class:`EditError` for a request no file could satisfy."""
        if not (self.activate or self.deactivate or self.grant or self.revoke):
            raise EditError("nothing to do: give --activate, --deactivate, --grant or --revoke")
        for name in (*self.activate, *self.deactivate, *self.choose):
            if name not in catalog.products:
                closest = catalog.closest(name)
                hint = f"; did you mean {closest!r}?" if closest else ""
                raise EditError(f"unknown product {name!r}{hint}")
        for name in (*self.grant, *self.revoke):
            if name not in catalog.rights:
                closest = catalog.closest_right(name)
                hint = f"; did you mean {closest!r}?" if closest else ""
                raise EditError(f"unknown right {name!r}{hint}")
        if (self.grant or self.revoke) and not self.to:
            raise EditError("--grant and --revoke need --to USER_TYPE or --to LOGIN")
        if self.to and not (self.grant or self.revoke):
            raise EditError("--to only goes with --grant or --revoke")
        for right in self.grant:
            for kind in self.to:
                if kind in user_types and kind not in catalog.rights[right].user_types:
                    allowed = ", ".join(catalog.rights[right].user_types)
                    raise EditError(f"a {kind} cannot hold {right!r} (only: {allowed})")
        if set(self.activate) & set(self.deactivate):
            raise EditError("a product cannot be activated and deactivated in one edit")
        if self.limit is not None and self.limit < 1:
            raise EditError("--limit must be at least 1")
        if self.wave is not None and not 1 <= self.wave[0] <= self.wave[1]:
            raise EditError("--wave K/M needs 1 <= K <= M")


def parse_wave(text: str) -> tuple[int, int]:
    """``"1/4"`` as ``(1, 4)``; raises :class:`EditError` otherwise."""
    head, _, tail = text.partition("/")
    if not (head.isdigit() and tail.isdigit()) or not 1 <= int(head) <= int(tail):
        raise EditError(f"--wave {text!r}: write K/M with 1 <= K <= M, e.g. 1/4")
    return int(head), int(tail)


def wave_of(employer_id: str, waves: int) -> int:
    """The wave (1..waves) of an employer: a hash of its id, stable across runs."""
    digest = hashlib.sha256(employer_id.lower().encode()).hexdigest()
    return int(digest[:12], 16) % waves + 1


@dataclass(frozen=True)
class FileEdit:
    """One selected file: what the edit does to it, or why it does nothing."""

    path: str
    employer_id: str
    name: str
    original: str
    text: str | None = None
    """The new content; None when the file stays as it is."""
    notes: tuple[str, ...] = ()
    refusal: str | None = None
    dropped: tuple[str, ...] = ()
    """Comments that were on removed lines (a removed product's own comment)."""
    held_back: bool = False
    """Would change, but ``--limit`` left it for a later batch."""

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


@dataclass(frozen=True)
class EditRun:
    """Every selected file of one ``edit``."""

    files: list[FileEdit] = field(default_factory=list)
    outside_wave: int = 0

    def with_status(self, status: str) -> list[FileEdit]:
        return [f for f in self.files if f.status == status]


def edit_files(
    selected: Sequence[tuple[str, EmployerFile]],
    catalog: Catalog,
    request: EditRequest,
    *,
    require_tier: bool = True,
    today: dt.date | None = None,
    price_of: ops.PriceOf = lambda _: None,
) -> EditRun:
    """The edit of every selected ``(path, employer)``, in path order; writes nothing."""
    today = today or dt.date.today()
    chosen = sorted(selected, key=lambda item: item[0])
    outside = 0
    if request.wave is not None:
        wave, waves = request.wave
        kept = [(p, e) for p, e in chosen if wave_of(e.employer_id, waves) == wave]
        outside, chosen = len(chosen) - len(kept), kept
    edits: list[FileEdit] = []
    changed = 0
    for path, employer in chosen:
        result = edit_file(path, employer, catalog, request, require_tier, today, price_of)
        if result.text is not None and result.refusal is None:
            changed += 1
            if request.limit is not None and changed > request.limit:
                result = FileEdit(**{**result.__dict__, "held_back": True})
        edits.append(result)
    return EditRun(edits, outside)


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
    refusal = _apply(draft, catalog, request, price_of)
    if refusal is not None:
        return _refused(base, refusal.reason)
    if not draft.notes:
        return base
    try:
        new = render(draft.data, catalog, draft.comments)
        check_same_data(draft.data, new, catalog)
    except FormatError as error:
        return _refused(base, str(error))
    problems = check_text(path, new, catalog, require_tier, today)
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
    draft: Draft, catalog: Catalog, request: EditRequest, price_of: ops.PriceOf
) -> ops.Refusal | None:
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
    path: str, text: str, catalog: Catalog, require_tier: bool, today: dt.date
) -> list[str]:
    """The errors ``validate`` would report for ``text`` on its own, as messages."""
    doc = load_text(text)
    if doc.problems:
        return [p.message for p in doc.problems]
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
