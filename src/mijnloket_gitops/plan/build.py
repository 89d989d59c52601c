"""Make a plan: read live state for the employer files in scope and diff them.

This is the one place that talks to a provider while planning; everything it
computes comes from the pure functions in :mod:`planner` and :mod:`safety`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from mijnloket_gitops import __version__
from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.config import Settings
from mijnloket_gitops.errors import MijnloketError
from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.gitutil import head_commit
from mijnloket_gitops.plan.desired import Desired, paths_of
from mijnloket_gitops.plan.identity import identity_problems
from mijnloket_gitops.plan.managed import Managed
from mijnloket_gitops.plan.model import EmployerPlan, Plan, ReadFailure, RemovedEmployer
from mijnloket_gitops.plan.ownership import Base
from mijnloket_gitops.plan.safety import Overrides, Portfolio, check_guards
from mijnloket_gitops.plan.saved import desired_hash, fingerprint
from mijnloket_gitops.plan.workers import Planned, plan_one
from mijnloket_gitops.providers.base import (
    EmployerSummary,
    LiveEmployer,
    PartialReadError,
    Provider,
)

Progress = Callable[[int], None]
"""Called with the number of employers whose live state was just read."""

READ_BATCH = 50


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


def _missing(path: str, employer: EmployerFile, target: str) -> str:
    return f"{path}: employer {employer.employer_id} ({employer.name}) does not exist in {target}"


def _ownership(
    provider: Provider,
    managed: Managed,
    base: Base | None,
    policy: str,
    invalid_ids: Collection[str],
) -> tuple[tuple[EmployerSummary, ...], tuple[RemovedEmployer, ...]]:
    """Live employers without a file, split into the newly unmanaged (their file was
    removed since ``base``) and the rest (empty when the policy is ``ignore``).
    ``invalid_ids`` are named by invalid files: managed, though not planned."""
    ids = managed.ids | set(invalid_ids)
    removed: list[RemovedEmployer] = []
    unmanaged: list[EmployerSummary] = []
    outside = [s for s in provider.list_employers() if s.employer_id.lower() not in ids]
    for summary in sorted(outside, key=lambda s: s.name.casefold()):
        key = summary.employer_id.lower()
        if base is not None and key in base.managed:
            removed.append(RemovedEmployer(summary.employer_id, summary.name, base.managed[key]))
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
) -> PlanResult:
    """Plan ``desired`` (the files in scope) against ``provider``.

    ``managed`` is the whole managed portfolio (default: ``desired`` alone): the base
    of the share guards and of what counts as unmanaged. ``base`` holds the files at
    the base ref, for "newly unmanaged" and "takes over management". Live state is
    read and planned in batches; it is kept in the result only with ``keep_live`` (a
    saved plan or apply needs it). ``planned`` holds employers the validation workers
    planned already (``Repository.planned``), by path: used as they are (with their
    live state only where they carry it); every other file is read and planned here.
    Raises MijnloketError naming every file whose employer does not exist live or is
    another company than the file names.
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


@dataclass
class _Batches:
    """What planning collects batch by batch, so live state need not be kept."""

    employers: list[EmployerPlan] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    activations: int = 0
    grants: int = 0
    live: dict[str, LiveEmployer] = field(default_factory=dict)
    failed: list[ReadFailure] = field(default_factory=list)
    """Employers that could not be read: not planned, listed (exit code 1)."""
    hashes: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Each planned file's employer id and desired hash, by path."""


def _plan_batches(
    catalog: Catalog,
    provider: Provider,
    desired: Sequence[Desired],
    base: Base | None,
    progress: Progress | None,
    keep_live: bool,
    digest: Any,
    ready: Mapping[str, Planned],
) -> _Batches:
    found = _Batches()
    paths = paths_of(desired)  # an InScope's files are modelled only where read
    # what the workers planned is used as it is; the rest is read and planned here
    usable = {p: done for p, done in ready.items() if not keep_live or done.live is not None}
    rest = [i for i, path in enumerate(paths) if path not in usable]
    provider.prepare([desired[i][1].employer_id for i in rest])  # e.g. bulk reads of the scope
    for start in range(0, len(paths), READ_BATCH):
        indices = range(start, min(start + READ_BATCH, len(paths)))
        todo = [desired[i] for i in indices if paths[i] not in usable]
        live: dict[str, LiveEmployer] = {}
        try:
            if todo:
                live = provider.read_employers([e.employer_id for _, e in todo])
        except PartialReadError as partial:  # plan the others; the plan lists these
            live = partial.live
            found.failed += [
                ReadFailure(e.employer_id, e.name, p, partial.failures[e.employer_id])
                for p, e in todo
                if e.employer_id in partial.failures
            ]
            todo = [(p, e) for p, e in todo if e.employer_id not in partial.failures]
        if progress:
            progress(len(indices))
        found.problems += [
            _missing(p, e, provider.target) for p, e in todo if e.employer_id not in live
        ]
        found.wrong += identity_problems(todo, live)
        if found.problems or found.wrong:
            continue  # keep reading: every such file is reported at once
        read = dict(todo)
        for path in (paths[i] for i in indices):
            done = usable.get(path)
            if done is None:
                employer = read.get(path)
                if employer is None:
                    continue  # could not be read: listed in ``failed``
                state = live[employer.employer_id]
                done = plan_one(catalog, provider, path, employer, state, keep_live=keep_live)
            planned = done.plan
            if base is not None and planned.employer_id.lower() not in base.managed:
                planned = replace(planned, takes_over=True)
            found.employers.append(planned)
            found.activations += done.activations
            found.grants += done.grants
            found.hashes[path] = (planned.employer_id, done.desired_hash)
            digest.update(done.live_json)
            if keep_live and done.live is not None:
                found.live[planned.employer_id] = done.live
    return found


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
) -> PlanResult:
    catalog = settings.catalog
    digest = hashlib.sha256()
    found = _plan_batches(catalog, provider, desired, base, progress, keep_live, digest, planned)
    if found.problems:
        raise MijnloketError(
            "employer files name employers that do not exist live:\n"
            + "\n".join(found.problems)
            + "\nCheck the employer_id, or remove the file if the employer left."
        )
    if found.wrong:
        raise MijnloketError(
            "employer files do not name the company Loket has under their employer_id;"
            " nothing was planned:\n" + "\n".join(f"  - {w}" for w in found.wrong)
        )
    unmanaged: tuple[EmployerSummary, ...] = ()
    removed: tuple[RemovedEmployer, ...] = ()
    if list_unmanaged:
        unmanaged, removed = _ownership(
            provider, managed, base, settings.config.ownership.unmanaged, invalid_ids
        )
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
    }
    plan = Plan(
        tuple(found.employers),
        unmanaged,
        provider.name,
        meta,
        removed=removed,
        failed=tuple(found.failed),
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
    return PlanResult(replace(plan, violations=violations, overridden=overridden), found.live)
