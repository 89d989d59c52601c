"""Which employer files a command works on: all of them, --target, --changed-since."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from mijnloket_gitops.config import Settings
from mijnloket_gitops.errors import MijnloketError
from mijnloket_gitops.gitutil import changed_files
from mijnloket_gitops.plan.build import Desired
from mijnloket_gitops.validate.runner import ValidationResult, validate_paths


@dataclass(frozen=True)
class Repository:
    """Every valid employer file of the repository and the ones in scope."""

    validation: ValidationResult
    all: list[Desired]
    in_scope: list[Desired]


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
    everything = result.employers
    scope = everything
    if targets:
        wanted = {t.lower() for t in targets}
        known = {e.employer_id.lower() for _, e in everything}
        unknown = sorted(wanted - known)
        if unknown and not result.errors:
            raise MijnloketError(
                "no employer file has employer_id "
                + ", ".join(unknown)
                + "; --target takes the employer_id from a file"
            )
        scope = [d for d in scope if d[1].employer_id.lower() in wanted]
    if changed_since:
        changed = changed_files(settings.root, changed_since)
        scope = [d for d in scope if Path(d[0]).resolve() in changed]
    return Repository(result, everything, scope)
