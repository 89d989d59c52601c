"""Import: read live employers through a provider and write one canonical file each.

The flow, with no printing (the CLI reports the :class:`ImportResult`):

1. which employers: every live one, or the ids asked for (an id that does not exist
   live is an error and nothing is written);
2. their live state, in batches so that a progress bar can move;
3. a :class:`~.draft.Draft` per employer, named by :mod:`.naming` (an employer that
   already has a file under the output directory keeps that file's path);
4. each file written atomically; an existing file only with ``force`` (keeping its
   addendum evidence) or ``update`` (refreshed from live state, keeping all live state
   cannot know: :mod:`.update`), never with ``dry_run``. With ``missing``, employers
   that have a file are left alone.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from pydantic import ValidationError

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.errors import MijnloketError
from mijnloket_gitops.evidence import AddendumChange
from mijnloket_gitops.files.canonical import Comments, FormatError, render_new
from mijnloket_gitops.onboard.draft import Draft, draft_employer
from mijnloket_gitops.onboard.evidence import ImportEvidence, into_data, into_draft, resolve
from mijnloket_gitops.onboard.existing import Existing, scan
from mijnloket_gitops.onboard.naming import Named, assign_names
from mijnloket_gitops.onboard.update import UpdateError, keep_evidence, read_existing, refresh
from mijnloket_gitops.onboard.write import write_atomic
from mijnloket_gitops.plan.build import Progress, read_live
from mijnloket_gitops.providers.base import LiveEmployer, Provider

SCHEMA_FILE = Path("schemas") / "employer.schema.json"
IMPORTED = "Imported from live state by `mijnloket-gitops import`; review it, then commit."


class Outcome(StrEnum):
    WRITTEN = "written"
    OVERWRITTEN = "overwritten"
    EXISTS = "exists"
    """Not written: the file exists and import was not forced."""
    FAILED = "failed"
    UPDATED = "updated"
    """Refreshed from live state (``update``)."""
    UNCHANGED = "unchanged"
    """``update``: the file already says what live state says."""
    SKIPPED = "skipped"
    """Left alone on purpose: it has a file (``missing``), or has none (``update``)."""


@dataclass(frozen=True)
class ImportOptions:
    output_dir: Path
    schema: Path
    """The employer schema, for the modeline (written relative to each file)."""
    employer_ids: tuple[str, ...] = ()
    """Empty: every live employer."""
    dry_run: bool = False
    force: bool = False
    missing: bool = False
    """Write files only for employers that have none; leave the others alone."""
    update: bool = False
    """Refresh existing files from live state (with ``missing``, also write new ones)."""
    evidence: ImportEvidence | None = None
    """``--evidence``: the addendum of the employers in this sheet, filled in."""


@dataclass(frozen=True)
class ImportedFile:
    """What happened (or, in a dry run, would happen) to one employer's file."""

    path: Path
    employer_id: str
    name: str
    outcome: Outcome
    draft: Draft | None = None
    error: str | None = None
    diff: str = ""
    """``update``: the unified diff of the file (empty when unchanged or new)."""
    evidence: str = ""
    """What ``--evidence`` put into the file, with the sheet's line (empty: nothing)."""

    @property
    def unknown_products(self) -> tuple[str, ...]:
        return self.draft.unknown_products if self.draft else ()

    @property
    def evidence_gaps(self) -> int:
        return len(self.draft.evidence_gaps) if self.draft else 0

    @property
    def addendum_unknown(self) -> bool:
        """A new file whose addendum status live state could not tell (MijnLoket off)."""
        return bool(self.draft and self.draft.addendum_unknown and self.outcome in _NEW)


_NEW = (Outcome.WRITTEN, Outcome.OVERWRITTEN)
"""Outcomes that write a file from a fresh draft (with its evidence gaps)."""


@dataclass(frozen=True)
class ImportResult:
    files: tuple[ImportedFile, ...]
    dry_run: bool

    def count(self, *outcomes: Outcome) -> int:
        return sum(1 for f in self.files if f.outcome in outcomes)

    @property
    def unknown_products(self) -> int:
        return sum(len(f.unknown_products) for f in self.files)

    @property
    def evidence_gaps(self) -> int:
        return sum(f.evidence_gaps for f in self.files if f.outcome in _NEW)

    @property
    def gap_files(self) -> int:
        return sum(1 for f in self.files if f.evidence_gaps and f.outcome in _NEW)

    @property
    def addendum_unknown(self) -> int:
        return sum(1 for f in self.files if f.addendum_unknown)

    @property
    def ok(self) -> bool:
        return not self.count(Outcome.EXISTS, Outcome.FAILED)


def select(provider: Provider, options: ImportOptions) -> list[str]:
    """The ids to import: the ones asked for (once each), or every live employer."""
    if not options.employer_ids:
        return [s.employer_id for s in provider.list_employers()]
    return list({i.lower(): i for i in options.employer_ids}.values())


def _missing(wanted: Sequence[str], live: dict[str, LiveEmployer], target: str) -> None:
    found = {i.lower() for i in live}
    missing = [i for i in wanted if i.lower() not in found]
    if missing:
        raise MijnloketError(
            f"no employer with id {', '.join(missing)} in {target}; nothing was imported"
        )


def modeline(schema: Path, directory: Path) -> str:
    """The yaml-language-server modeline for a file in ``directory``."""
    try:
        where = Path(os.path.relpath(schema.resolve(), directory.resolve())).as_posix()
    except ValueError:  # another drive (Windows)
        where = schema.resolve().as_uri()
    return f"yaml-language-server: $schema={where}"


def _render(draft: Draft, path: Path, options: ImportOptions, catalog: Catalog) -> str:
    header = [modeline(options.schema, path.parent), "#", IMPORTED]
    return render_new(
        draft.employer, catalog, comments=dataclasses.replace(draft.comments, header=header)
    )


def _rewrite(
    item: ImportedFile, options: ImportOptions, catalog: Catalog, change: AddendumChange | None
) -> ImportedFile:
    """``update`` or ``force`` of an existing file; FAILED (nothing written) if it does not
    read, or if the result would not be a faithful file."""
    assert item.draft is not None
    try:
        old = item.path.read_text(encoding="utf-8")
        doc = read_existing(old)
        data: object
        comments: Comments
        if options.update:
            data, comments = refresh(doc, old, item.draft, catalog)
        else:
            data, comments = keep_evidence(doc, item.draft)
            header = [modeline(options.schema, item.path.parent), "#", IMPORTED]
            comments = dataclasses.replace(comments, header=header)
        assert isinstance(data, dict)
        if change is not None:
            into_data(data, comments, change)
        text = render_new(data, catalog, comments=comments)
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        return dataclasses.replace(item, outcome=Outcome.FAILED, error=f"cannot read: {reason}")
    except (UpdateError, FormatError, ValueError) as error:
        return dataclasses.replace(item, outcome=Outcome.FAILED, error=f"not updated: {error}")
    if options.update and text == old:
        return dataclasses.replace(item, outcome=Outcome.UNCHANGED)
    shown = item.path.as_posix()
    diff = "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True), text.splitlines(keepends=True), shown, shown
        )
    )
    outcome = Outcome.UPDATED if options.update else Outcome.OVERWRITTEN
    written = _write(dataclasses.replace(item, diff=diff), text, options, replace=True)
    return (
        written
        if written.outcome == Outcome.FAILED
        else dataclasses.replace(written, outcome=outcome)
    )


def _write(
    item: ImportedFile, text: str, options: ImportOptions, *, replace: bool = False
) -> ImportedFile:
    exists = item.path.exists() or item.path.is_symlink()
    if exists and not (options.force or replace):
        return dataclasses.replace(item, outcome=Outcome.EXISTS)
    outcome = Outcome.OVERWRITTEN if exists else Outcome.WRITTEN
    if options.dry_run:
        return dataclasses.replace(item, outcome=outcome)
    try:
        item.path.parent.mkdir(parents=True, exist_ok=True)
        if not write_atomic(item.path, text, replace=options.force or replace):
            return dataclasses.replace(item, outcome=Outcome.EXISTS)
    except OSError as error:
        reason = f"cannot write: {error.strerror or error}"
        return dataclasses.replace(item, outcome=Outcome.FAILED, error=reason)
    return dataclasses.replace(item, outcome=outcome)


def _drafts(
    live: dict[str, LiveEmployer], catalog: Catalog, provider: Provider
) -> tuple[dict[str, Draft], dict[str, str]]:
    drafts: dict[str, Draft] = {}
    errors: dict[str, str] = {}
    for employer_id, state in live.items():
        try:
            drafts[employer_id] = draft_employer(state, catalog, provider.observes, provider.name)
        except ValidationError as error:
            detail = "; ".join(str(e["msg"]) for e in error.errors())
            errors[employer_id] = f"cannot be written as an employer file: {detail}"
    return drafts, errors


def _paths(live: dict[str, LiveEmployer], existing: Existing, directory: Path) -> dict[str, Path]:
    paths = {i: p for i in live if (p := existing.file_of(i)) is not None}
    fresh = [Named(i, e.name) for i, e in live.items() if i not in paths]
    names = assign_names(fresh, existing.taken)
    paths.update({i: directory / name for i, name in names.items()})
    return paths


def import_employers(
    provider: Provider,
    catalog: Catalog,
    options: ImportOptions,
    ids: Sequence[str],
    progress: Progress | None = None,
) -> ImportResult:
    """Import the employers ``ids`` (from :func:`select`) from ``provider``.

    Raises MijnloketError, writing nothing, when an asked-for id does not exist live.
    """
    live = read_live(provider, ids, progress)
    if options.employer_ids:
        _missing(ids, live, provider.target)
    drafts, errors = _drafts(live, catalog, provider)
    paths = _paths(live, scan(options.output_dir), options.output_dir)
    changes = resolve(options.evidence, paths, provider.target) if options.evidence else {}
    files: list[ImportedFile] = []
    for employer_id in sorted(live, key=lambda i: (paths[i].as_posix(), i)):
        state, draft = live[employer_id], drafts.get(employer_id)
        change = changes.get(employer_id)
        if draft is not None and change is not None:
            draft = into_draft(draft, change)
        item = ImportedFile(
            paths[employer_id],
            employer_id,
            state.name,
            Outcome.FAILED,
            draft,
            evidence=f"{change.describe()} ({change.source})" if change else "",
        )
        if draft is None:
            files.append(dataclasses.replace(item, error=errors[employer_id]))
            continue
        exists = item.path.exists() or item.path.is_symlink()
        if (exists and options.missing and not options.update) or (
            not exists and options.update and not options.missing
        ):
            files.append(dataclasses.replace(item, outcome=Outcome.SKIPPED))
        elif exists and (options.update or options.force) and not item.path.is_symlink():
            files.append(_rewrite(item, options, catalog, change))
        else:
            files.append(_write(item, _render(draft, item.path, options, catalog), options))
    return ImportResult(tuple(files), options.dry_run)
