"""Import: read live employers through a provider and write one canonical file each.

The flow, with no printing (the CLI reports the :class:`ImportResult`):

1. which employers: every live one, or the ids asked for (an id that does not exist
   live is an error and nothing is written);
2. their live state, in batches so that a progress bar can move;
3. a :class:`~.draft.Draft` per employer, named by :mod:`.naming` (an employer that
   already has a file under the output directory keeps that file's path);
4. each file written atomically; an existing file only with ``force``, never with
   ``dry_run``.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from pydantic import ValidationError

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.errors import MijnloketError
from mijnloket_gitops.files.canonical import render_new
from mijnloket_gitops.onboard.draft import Draft, draft_employer
from mijnloket_gitops.onboard.existing import Existing, scan
from mijnloket_gitops.onboard.naming import Named, assign_names
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


@dataclass(frozen=True)
class ImportOptions:
    output_dir: Path
    schema: Path
    """The employer schema, for the modeline (written relative to each file)."""
    employer_ids: tuple[str, ...] = ()
    """Empty: every live employer."""
    dry_run: bool = False
    force: bool = False


@dataclass(frozen=True)
class ImportedFile:
    """What happened (or, in a dry run, would happen) to one employer's file."""

    path: Path
    employer_id: str
    name: str
    outcome: Outcome
    draft: Draft | None = None
    error: str | None = None

    @property
    def unknown_products(self) -> tuple[str, ...]:
        return self.draft.unknown_products if self.draft else ()

    @property
    def evidence_gaps(self) -> int:
        return len(self.draft.evidence_gaps) if self.draft else 0


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
        return sum(f.evidence_gaps for f in self.files if f.outcome != Outcome.EXISTS)

    @property
    def gap_files(self) -> int:
        return sum(1 for f in self.files if f.evidence_gaps and f.outcome != Outcome.EXISTS)

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


def _write(item: ImportedFile, text: str, options: ImportOptions) -> ImportedFile:
    exists = item.path.exists() or item.path.is_symlink()
    if exists and not options.force:
        return dataclasses.replace(item, outcome=Outcome.EXISTS)
    outcome = Outcome.OVERWRITTEN if exists else Outcome.WRITTEN
    if options.dry_run:
        return dataclasses.replace(item, outcome=outcome)
    try:
        item.path.parent.mkdir(parents=True, exist_ok=True)
        if not write_atomic(item.path, text, replace=options.force):
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
    files: list[ImportedFile] = []
    for employer_id in sorted(live, key=lambda i: (paths[i].as_posix(), i)):
        state, draft = live[employer_id], drafts.get(employer_id)
        item = ImportedFile(paths[employer_id], employer_id, state.name, Outcome.FAILED, draft)
        if draft is None:
            files.append(dataclasses.replace(item, error=errors[employer_id]))
            continue
        files.append(_write(item, _render(draft, item.path, options, catalog), options))
    return ImportResult(tuple(files), options.dry_run)
