"""Which employers the last completed full apply managed (issue 22).

A completed apply of the whole repository journals a ``managed`` event: every
employer id its files managed, with the file's path. Every later plan compares
ownership with it as well as with the base ref, so a file deleted since that apply is
"removed since the last apply" even after its deletion is committed (when a plan
against HEAD alone would call the employer plainly unmanaged).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mijnloket_gitops.apply.history import journal_files, read_events
from mijnloket_gitops.apply.journal import Journal
from mijnloket_gitops.plan.desired import Desired, paths_of
from mijnloket_gitops.plan.drift import desired_facts
from mijnloket_gitops.plan.ownership import Base, with_last_apply

MANAGED_EVENT = "managed"


def _relative(path: str, root: Path) -> str:
    """``path`` relative to the repository, as git names it (a base ref's paths)."""
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except (OSError, ValueError):
        return path


def record_managed(
    journal: Journal, desired: Sequence[Desired], scope_kind: str, root: Path
) -> None:
    """Journal what a completed apply managed; only a full apply (scope ``all``) does,
    as only it saw every file. Paths are relative to the repository ``root``."""
    if scope_kind != "all":
        return
    paths = [_relative(p, root) for p in paths_of(desired)]
    employers = {d[1].employer_id.lower(): path for d, path in zip(desired, paths, strict=True)}
    # verified at completion: live state was then what the files asked (drift compares)
    facts = {d[1].employer_id.lower(): desired_facts(d[1]) for d in desired}
    journal.record(MANAGED_EVENT, employers=employers, facts=facts)


@dataclass(frozen=True)
class LastApply:
    """The newest ``managed`` event for a target."""

    employers: dict[str, str]
    """Employer id (lower case) to the path of its file."""
    facts: dict[str, list[str]]
    """Employer id to its facts then (:func:`desired_facts`)."""
    time: str


def last_managed(directory: Path, target: str) -> LastApply | None:
    """The newest ``managed`` event for ``target``; None when no full apply completed."""
    for path in reversed(journal_files(directory)):
        try:
            if f'"{MANAGED_EVENT}"' not in path.read_text(encoding="utf-8", errors="replace"):
                continue
        except OSError:
            continue
        found = None
        for event in read_events(path):
            employers = event.get("employers")
            if (
                event.get("event") == MANAGED_EVENT
                and event.get("provider_target") == target
                and isinstance(employers, dict)
            ):
                facts = event.get("facts")
                found = LastApply(
                    {str(k): str(v) for k, v in employers.items()},
                    {str(k): list(v) for k, v in facts.items()} if isinstance(facts, dict) else {},
                    str(event.get("time")),
                )
        if found is not None:
            return found
    return None


def base_with_last_apply(base: Base | None, last: LastApply | None) -> Base | None:
    """``base`` plus what the last completed full apply (``last``) managed."""
    if last is None:
        return base
    return with_last_apply(base, last.employers, last.time)
