"""Make a plan: read live state for the employer files in scope and diff them.

The files are read and planned by :mod:`batches` (taking what the validation workers
planned already, :mod:`workers`); this module adds the ownership lists, the meta and
the guards. Everything computed comes from the pure functions in :mod:`planner` and
:mod:`safety`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mijnloket_gitops import __version__
from mijnloket_gitops.config import Settings
from mijnloket_gitops.gitutil import head_commit
from mijnloket_gitops.governance import clock
from mijnloket_gitops.governance.step_policies import step_violations
from mijnloket_gitops.governance.window_check import check_overrides, window_blocks
from mijnloket_gitops.plan.batches import READ_BATCH, plan_batches
from mijnloket_gitops.plan.batches import Progress as Progress  # onboard imports it from here
from mijnloket_gitops.plan.desired import Desired, paths_of
from mijnloket_gitops.plan.managed import Managed
from mijnloket_gitops.plan.model import Plan, RemovedEmployer
from mijnloket_gitops.plan.ownership import Base
from mijnloket_gitops.plan.safety import Overrides, Portfolio, check_guards
from mijnloket_gitops.plan.saved import desired_hash, fingerprint
from mijnloket_gitops.plan.workers import Planned
from mijnloket_gitops.providers.base import (
    EmployerSummary,
    LiveEmployer,
    PartialReadError,
    Provider,
)


@dataclass(frozen=True)
class PlanResult:
    """A plan and the live state it was computed from."""

    plan: Plan
    live: dict[str, LiveEmployer]


def read_live(
    provider: Provider, ids: Sequence[str], progress: Progress | None = None
) -> dict[str, LiveEmployer]:
    """Live state of ``ids``, read in batches so a progress bar can move.

    Raises :class:`PartialReadError` with every employer that could be read when some
    could not (after reading all batches).
    """
    live: dict[str, LiveEmployer] = {}
    failures: dict[str, str] = {}
    provider.prepare(ids)
    for start in range(0, len(ids), READ_BATCH):
        batch = ids[start : start + READ_BATCH]
        try:
            live.update(provider.read_employers(batch))
        except PartialReadError as partial:
            live.update(partial.live)
            failures.update(partial.failures)
        if progress:
            progress(len(batch))
    if failures:
        raise PartialReadError(live, failures)
    return live


def _ownership(
    provider: Provider,
    managed: Managed,
    base: Base | None,
    policy: str,
    invalid_ids: Collection[str],
    root: Path | None = None,
) -> tuple[tuple[EmployerSummary, ...], tuple[RemovedEmployer, ...]]:
    """Live employers without a file, split into the newly unmanaged (their file was
    removed since ``base``) and the rest (empty when the policy is ``ignore``).
    ``invalid_ids`` are named by invalid files: managed, though not planned. A base
    file still at its path under ``root`` was not removed: it names another employer
    now, and is marked so."""
    ids = managed.ids | set(invalid_ids)
    removed: list[RemovedEmployer] = []
    unmanaged: list[EmployerSummary] = []
    outside = [s for s in provider.list_employers() if s.employer_id.lower() not in ids]
    for summary in sorted(outside, key=lambda s: s.name.casefold()):
        key = summary.employer_id.lower()
        if base is not None and key in base.managed:
            path = base.managed[key]
            kept = root is not None and (root / path).is_file()  # its id changed, not removed
            removed.append(RemovedEmployer(summary.employer_id, summary.name, path, kept))
        elif policy != "ignore":
            unmanaged.append(summary)
    return tuple(unmanaged), tuple(removed)


def make_plan(
    settings: Settings,
    provider: Provider,
    desired: Sequence[Desired],
    *,
    managed: Managed | None = None,
    overrides: Overrides | None = None,
    progress: Progress | None = None,
    list_unmanaged: bool = True,
    base: Base | None = None,
    scope: Mapping[str, Any] | None = None,
    invalid_ids: Collection[str] = (),
    keep_live: bool = True,
    planned: Mapping[str, Planned] | None = None,
    serial: tuple[int, str] | None = None,
) -> PlanResult:
    """Plan ``desired`` (the files in scope) against ``provider``.

    ``managed`` is the whole managed portfolio (default: ``desired`` alone): the base
    of the share guards and of what counts as unmanaged. ``base`` holds the files at
    the base ref, for "newly unmanaged" and "takes over management". Live state is
    read and planned in batches; it is kept in the result only with ``keep_live`` (a
    saved plan or apply needs it). ``planned`` holds employers the validation workers
    planned already (``Repository.planned``), by path: used as they are (with their
    live state only where they carry it); every other file is read and planned here.
    ``serial`` is the target's lineage serial and when it was read (before live state;
    :mod:`mijnloket_gitops.apply.lineage`), recorded as ``meta.serial`` and
    ``meta.serial_read_at`` when given.
    A file whose employer does not exist live, or is another company than the file
    names, is not planned and is listed in ``Plan.blocked``; the others are planned.
    """
    with no_cyclic_gc():
        return _make_plan(
            settings,
            provider,
            desired,
            managed or Managed(frozenset(e.employer_id.lower() for _, e in desired)),
            overrides or Overrides(),
            progress,
            list_unmanaged=list_unmanaged,
            base=base,
            scope=scope,
            invalid_ids=invalid_ids,
            keep_live=keep_live,
            planned=planned or {},
            serial=serial,
        )


@contextlib.contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Planning allocates a few small objects per employer and makes no reference
    cycles; at 50,000 employers the cyclic collector would spend half the CPU re-walking
    them. Reference counting still frees everything. Loading the repository's files
    (:mod:`scope`) runs under it too.

    Switching the collector back on would make its next pass walk every object
    allocated meanwhile (0.4 s for 10,000 files' models), and later passes again, so
    those objects are frozen first: the collector leaves them alone from then on.
    Reference counting still frees them; only a reference cycle made meanwhile would
    stay until the process ends, which for the one-shot ``plan`` and ``apply``
    commands (the only callers) is moments later."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.enable()


def _hashes(
    desired: Sequence[Desired], known: Mapping[str, tuple[str, str]]
) -> Iterator[tuple[str, str]]:
    """(employer id, desired hash) of every file in scope, in order: also of one whose
    employer could not be read."""
    for index, path in enumerate(paths_of(desired)):
        found = known.get(path)
        if found is None:
            employer = desired[index][1]
            found = (employer.employer_id, desired_hash(employer))
        yield found


def _make_plan(
    settings: Settings,
    provider: Provider,
    desired: Sequence[Desired],
    managed: Managed,
    overrides: Overrides,
    progress: Progress | None,
    *,
    list_unmanaged: bool,
    base: Base | None,
    scope: Mapping[str, Any] | None,
    invalid_ids: Collection[str],
    keep_live: bool,
    planned: Mapping[str, Planned],
    serial: tuple[int, str] | None = None,
) -> PlanResult:
    catalog = settings.catalog
    digest = hashlib.sha256()
    # a partial scope reads shared users (ak-gebruikers) only where its files name them
    partial = scope is not None and scope.get("kind", "all") != "all"
    named = sorted({u.login for _, e in desired for u in e.users}) if partial else None
    found = plan_batches(
        catalog, provider, desired, base, progress, keep_live, digest, planned, named
    )
    unmanaged: tuple[EmployerSummary, ...] = ()
    removed: tuple[RemovedEmployer, ...] = ()
    # issue 20: a partial scope without a base (e.g. --target) needs no list of every
    # live employer (the unmanaged ones are the whole portfolio's business)
    if list_unmanaged and (not partial or base is not None):
        unmanaged, removed = _ownership(
            provider, managed, base, settings.config.ownership.unmanaged, invalid_ids,
            settings.root,
        )  # fmt: skip
    hashes = dict(_hashes(desired, found.hashes))
    meta = {
        "tool_version": __version__,
        "catalog_version": catalog.catalog_version,
        "catalog_fingerprint": catalog.fingerprint,
        "desired_fingerprint": fingerprint(hashes),
        "desired_hashes": hashes,
        "live_fingerprint": digest.hexdigest(),
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "git_commit": head_commit(settings.root),
        "provider_target": provider.target,
        "web_ui_path": catalog.web_ui_path,
        "base_ref": base.ref if base is not None else None,
        "scope": dict(scope) if scope is not None else {"kind": "all"},
        "overrides": overrides.flags,  # issue 22: bound to the plan, shown in review
    }
    if serial is not None:  # issue 22: plan lineage
        meta["serial"], meta["serial_read_at"] = serial
    if base is not None and base.last_apply is not None:  # issue 22
        meta["last_apply"] = base.last_apply
    plan = Plan(
        tuple(found.employers),
        unmanaged,
        provider.name,
        meta,
        removed=removed,
        failed=tuple(found.failed),
        blocked=tuple(found.blocked),
    )
    outside = managed.outside
    portfolio = Portfolio(
        outside.employers + len(desired),
        outside.activations + found.activations,
        outside.grants + found.grants,
    )
    violations, overridden = check_guards(
        plan, catalog, settings.config.safety, settings.config.ownership, overrides, portfolio
    )
    if settings.config.policies:  # issue 23: step policies refuse like guards
        files = {e.employer_id.lower(): e for _, e in desired}
        refused, forced = step_violations(
            settings.config.policies, plan.changed, files, overrides.force
        )
        violations, overridden = (*violations, *refused), (*overridden, *forced)
    plan = replace(plan, violations=violations, overridden=overridden)
    if settings.windows:  # issue 23: change windows, at the time the plan is made
        check_overrides(settings.windows, overrides.windows)
        changed = [(e.employer_id, e.name, e.path) for e in plan.changed]
        blocks = window_blocks(
            settings.windows, changed, desired, settings.root, overrides.windows, clock.now()
        )
        plan = replace(plan, blocked_by_window=blocks)
    return PlanResult(plan, found.live)
