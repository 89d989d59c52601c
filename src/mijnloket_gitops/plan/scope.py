"""Which employer files a command works on: all of them, --target, --changed-since.

An invalid file blocks only itself: it is left out of the valid files (``all``) and
listed in ``invalid``; ``plan`` plans the rest and exits 1, ``apply`` refuses while
a file in its scope (``invalid_in_scope``) is invalid. The employer ids an invalid
file names (read from its text where its shape is broken) still count as managed, so
such an employer is never reported as unmanaged.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mijnloket_gitops.config import Settings
from mijnloket_gitops.errors import MijnloketError
from mijnloket_gitops.gitutil import changed_files
from mijnloket_gitops.plan.build import Desired
from mijnloket_gitops.plan.ownership import ids_in_text
from mijnloket_gitops.validate.runner import ValidationResult, validate_paths


@dataclass(frozen=True)
class Repository:
    """Every valid employer file of the repository and the ones in scope."""

    validation: ValidationResult
    all: list[Desired]
    """Every valid employer file."""
    in_scope: list[Desired]
    """The valid employer files in scope."""
    invalid: list[str] = field(default_factory=list)
    """Paths of files with errors, in validation order."""
    invalid_in_scope: list[str] = field(default_factory=list)
    invalid_ids: frozenset[str] = frozenset()
    """Employer ids (lower case) that invalid files name, where they can be read."""
    scope: dict[str, Any] = field(default_factory=lambda: {"kind": "all"})
    """What was asked for, as recorded in the plan's ``meta.scope``."""


def _ids_of(path: str, employer_id: str | None) -> set[str]:
    if employer_id is not None:
        return {employer_id.lower()}
    try:
        return ids_in_text(Path(path).read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return set()


def _models(result: ValidationResult, broken: set[str]) -> list[Desired]:
    """The valid files as models, keeping one representation per file: once the model
    is built, the file's plain data and its pickled form are dropped (at 50,000 files
    three copies cost hundreds of megabytes)."""
    found: list[Desired] = []
    for checked in result.files:
        if checked.path in broken:
            continue
        employer = checked.employer
        checked.packed = None
        checked.__dict__.pop("data", None)  # the cached plain data (functools.cached_property)
        if employer is not None:
            found.append((checked.path, employer))
    return found


def load_repository(
    settings: Settings,
    *,
    targets: Collection[str] = (),
    changed_since: str | None = None,
) -> Repository:
    """Validate the repository's employer files and select the ones in scope.

    Raises MijnloketError for a --target that no file has.
    """
    result = validate_paths(
        [settings.root / settings.config.employers_dir],
        settings.catalog,
        require_tier=settings.config.require_tier,
    )
    broken = {d.path for d in result.diagnostics if d.severity == "error"}
    invalid_ids: dict[str, set[str]] = {
        f.path: _ids_of(f.path, f.employer_id) for f in result.files if f.path in broken
    }
    invalid = [f.path for f in result.files if f.path in broken]
    invalid += sorted(broken - set(invalid))  # e.g. a file that could not be read
    everything = _models(result, broken)
    scope = everything
    in_scope_invalid = list(invalid)
    meta: dict[str, Any] = {"kind": "all"}
    if targets:
        wanted = {t.lower() for t in targets}
        known = {e.employer_id.lower() for _, e in everything}
        known |= {i for ids in invalid_ids.values() for i in ids}
        unknown = sorted(wanted - known)
        if unknown:
            raise MijnloketError(
                "no employer file has employer_id "
                + ", ".join(unknown)
                + "; --target takes the employer_id from a file"
            )
        scope = [d for d in scope if d[1].employer_id.lower() in wanted]
        # a file whose id cannot be read might be any employer: it is in every scope
        in_scope_invalid = [p for p in invalid if not invalid_ids.get(p) or invalid_ids[p] & wanted]
        meta = {"kind": "target", "targets": sorted(wanted)}
    if changed_since:
        changed = changed_files(settings.root, changed_since)
        scope = [d for d in scope if Path(d[0]).resolve() in changed]
        in_scope_invalid = [p for p in in_scope_invalid if Path(p).resolve() in changed]
        meta = {**meta, "kind": "target" if targets else "changed-since"}
        meta["changed_since"] = changed_since
    meta["employers_in_scope"] = len(scope)
    meta["employers_managed"] = len(everything)
    return Repository(
        result,
        everything,
        scope,
        invalid,
        in_scope_invalid,
        frozenset(i for ids in invalid_ids.values() for i in ids),
        meta,
    )
