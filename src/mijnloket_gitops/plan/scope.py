"""Which employer files a command works on: all of them, --target, --changed-since.

An invalid file blocks only itself: it is left out of the valid files (``all``) and
listed in ``invalid``; ``plan`` plans the rest and exits 1, ``apply`` refuses while
a file in its scope (``invalid_in_scope``) is invalid. The employer ids an invalid
file names (read from its text where its shape is broken) still count as managed, so
such an employer is never reported as unmanaged.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mijnloket_gitops.config import Settings
from mijnloket_gitops.errors import MijnloketError, StalePlanError
from mijnloket_gitops.gitutil import changed_files
from mijnloket_gitops.plan.build import no_cyclic_gc
from mijnloket_gitops.plan.desired import Desired, InScope
from mijnloket_gitops.plan.managed import Managed, text_counts
from mijnloket_gitops.plan.ownership import ids_in_text
from mijnloket_gitops.plan.safety import Portfolio
from mijnloket_gitops.plan.workers import Planned
from mijnloket_gitops.validate.discovery import discover
from mijnloket_gitops.validate.runner import ValidationResult, WorkerTask, validate_paths


@dataclass(frozen=True)
class Repository:
    """Every valid employer file of the repository and the ones in scope."""

    validation: ValidationResult
    in_scope: Sequence[Desired]
    """The valid employer files in scope (an :class:`InScope`: modelled when read)."""
    invalid: list[str] = field(default_factory=list)
    """Paths of files with errors, in validation order."""
    invalid_in_scope: list[str] = field(default_factory=list)
    invalid_ids: frozenset[str] = frozenset()
    """Employer ids (lower case) that invalid files name, where they can be read."""
    scope: dict[str, Any] = field(default_factory=lambda: {"kind": "all"})
    """What was asked for, as recorded in the plan's ``meta.scope``."""
    managed: Managed = field(default_factory=lambda: Managed(frozenset()))
    """The whole managed portfolio, for the share guards and the unmanaged list."""
    planned: dict[str, Planned] = field(default_factory=dict)
    """What the validation workers answered for valid files (a ``task`` of
    :func:`load_repository`), by path: ``plan`` passes the worker plans to
    ``make_plan``."""


def _ids_of(path: str, employer_id: str | None) -> set[str]:
    if employer_id is not None:
        return {employer_id.lower()}
    try:
        return ids_in_text(Path(path).read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return set()


def _models(result: ValidationResult, broken: set[str], planned: dict[str, Planned]) -> InScope:
    """The valid files, keeping one representation per file (at 50,000 files three
    copies cost hundreds of megabytes): a file a worker planned keeps the pickled data
    the worker sent and is modelled only if read (:class:`InScope`); any other file is
    modelled now and its plain data and pickled form are dropped. What a worker
    answered for a valid file goes into ``planned``."""
    found = InScope()
    for checked in result.files:
        extra, checked.extra = checked.extra, None
        if checked.path in broken or checked.employer_id is None:
            continue
        if isinstance(extra, Planned) and checked.packed is not None:
            planned[checked.path] = extra
            found.append(checked.path, checked.employer_id, checked.packed)
            checked.packed = None
            continue
        employer = checked.employer
        checked.packed = None
        checked.__dict__.pop("data", None)  # the cached plain data (functools.cached_property)
        if employer is not None:
            found.append(checked.path, employer.employer_id, employer)
    return found


def _read_text(path: str) -> str:
    # os-level reads: at 50,000 files the buffered text layers cost more than the reading
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return ""
    try:
        chunks = []
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
    except OSError:
        return ""
    finally:
        os.close(fd)
    return b"".join(chunks).decode("utf-8", errors="replace")


def load_repository(
    settings: Settings,
    *,
    targets: Collection[str] = (),
    changed_since: str | None = None,
    saved_plan: bool = False,
    task: WorkerTask | None = None,
) -> Repository:
    """Validate the repository's employer files and select the ones in scope.

    Without a scope every file is validated and modelled. With ``targets`` or
    ``changed_since`` only the files in scope are (plus any file sharing an
    employer_id with one, so duplicates are still found); every other file is read
    once for its employer_id and its counts (:mod:`managed`). Raises MijnloketError
    for a --target that no file has; with ``saved_plan`` (the targets are a saved
    plan's employers) StalePlanError. ``task`` is more work for the validation
    workers on each file (``plan``: :class:`~mijnloket_gitops.plan.workers.
    PlanInWorkers`); their answers for the valid files are in ``Repository.planned``.
    """
    # Building a model per file fills the heap with objects the cyclic collector would
    # walk again and again (half the parent's loading time at 10,000 files, and it
    # grows with the heap); none of them form cycles.
    with no_cyclic_gc():
        return _load(settings, targets, changed_since, saved_plan, task)


def _load(
    settings: Settings,
    targets: Collection[str],
    changed_since: str | None,
    saved_plan: bool,
    task: WorkerTask | None,
) -> Repository:
    directory = settings.root / settings.config.employers_dir
    wanted = {t.lower() for t in targets}
    if not targets and not changed_since:
        return _finish(
            settings,
            validate_paths(
                [directory],
                settings.catalog,
                require_tier=settings.config.require_tier,
                task=task,
                policies=settings.config.policies,  # issue 23
            ),
            None,
            set(),
            Managed(frozenset()),
            {"kind": "all"},
        )
    files, _ = discover([directory])
    changed = changed_files(settings.root, changed_since) if changed_since else None
    # One pass, each file's text read once and dropped: its ids, and, outside the scope,
    # its counts for the share guards (a file whose id cannot be read is in every scope)
    ids: dict[str, set[str]] = {}
    chosen: set[str] = set()
    employers = activations = grants = 0
    for path in files:
        text = _read_text(path)
        found = ids[path] = ids_in_text(text)
        if (not found or not wanted or found & wanted) and (
            changed is None or Path(path).resolve() in changed
        ):
            chosen.add(path)
            continue
        products, rights = text_counts(text)
        employers, activations, grants = employers + 1, activations + products, grants + rights
    chosen_ids = {i for p in chosen for i in ids[p]}
    partners = {p for p in files if p not in chosen and ids[p] & chosen_ids}
    if targets:
        known = {i for found in ids.values() for i in found}
        unknown = sorted(wanted - known)
        if unknown and saved_plan:
            raise StalePlanError(
                "the saved plan is stale; nothing was applied: no employer file has employer_id "
                + ", ".join(unknown)
                + " any more (was a file removed or its id changed?). Make a new plan."
            )
        if unknown:
            raise MijnloketError(
                "no employer file has employer_id "
                + ", ".join(unknown)
                + "; --target takes the employer_id from a file"
            )
    outside = Managed(
        frozenset(i for found in ids.values() for i in found),
        Portfolio(employers, activations, grants),
    )
    validation = (
        validate_paths(
            [Path(p) for p in files if p in chosen or p in partners],
            settings.catalog,
            require_tier=settings.config.require_tier,
            task=task,
            policies=settings.config.policies,  # issue 23
        )
        if chosen or partners
        else ValidationResult([], [])
    )
    meta: dict[str, Any] = {"kind": "target" if targets else "changed-since"}
    if targets:
        meta["targets"] = sorted(wanted)
    if changed_since:
        meta["changed_since"] = changed_since
    return _finish(settings, validation, wanted or None, chosen, outside, meta)


def _finish(
    settings: Settings,
    result: ValidationResult,
    wanted: set[str] | None,
    chosen: set[str],
    outside: Managed,
    meta: dict[str, Any],
) -> Repository:
    broken = {d.path for d in result.diagnostics if d.severity == "error"}
    invalid_ids: dict[str, set[str]] = {
        f.path: _ids_of(f.path, f.employer_id) for f in result.files if f.path in broken
    }
    invalid = [f.path for f in result.files if f.path in broken]
    invalid += sorted(broken - set(invalid))  # e.g. a file that could not be read
    planned: dict[str, Planned] = {}
    valid = _models(result, broken, planned)
    scoped = meta["kind"] != "all"
    in_scope = valid
    if scoped:
        in_scope = valid.select(
            [
                path in chosen and (wanted is None or employer_id.lower() in wanted)
                for path, employer_id in zip(valid.paths, valid.ids, strict=True)
            ]
        )
    # a file whose id cannot be read might be any employer: it is in every scope
    in_scope_invalid = [
        p
        for p in invalid
        if not scoped
        or (p in chosen and (wanted is None or not invalid_ids.get(p) or invalid_ids[p] & wanted))
    ]
    if scoped:
        modelled = {i.lower() for i in valid.ids}
        managed = Managed(outside.ids | modelled, outside.outside)
        meta["employers_managed"] = len(managed.ids)
    else:  # every valid file is in scope: none outside it to count
        managed = Managed(frozenset(i.lower() for i in valid.ids))
        meta["employers_managed"] = len(valid)
    meta["employers_in_scope"] = len(in_scope)
    return Repository(
        result,
        in_scope,
        invalid,
        in_scope_invalid,
        frozenset(i for ids in invalid_ids.values() for i in ids),
        meta,
        managed,
        planned,
    )
