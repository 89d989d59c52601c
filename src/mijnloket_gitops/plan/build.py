"""Make a plan: read live state for the employer files in scope and diff them.

This is the one place that talks to a provider while planning; everything it
computes comes from the pure functions in :mod:`planner` and :mod:`safety`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from mijnloket_gitops import __version__
from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.config import Settings
from mijnloket_gitops.errors import MijnloketError
from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.gitutil import head_commit
from mijnloket_gitops.plan.identity import identity_problems
from mijnloket_gitops.plan.model import Plan, RemovedEmployer
from mijnloket_gitops.plan.ownership import Base
from mijnloket_gitops.plan.planner import plan_employer
from mijnloket_gitops.plan.safety import Overrides, Portfolio, check_guards
from mijnloket_gitops.plan.saved import desired_hash, fingerprint
from mijnloket_gitops.providers.base import EmployerSummary, LiveEmployer, Provider

Desired = tuple[str, EmployerFile]
"""An employer file's path and its parsed content."""

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
    """Live state of ``ids``, read in batches so a progress bar can move."""
    live: dict[str, LiveEmployer] = {}
    for start in range(0, len(ids), READ_BATCH):
        batch = ids[start : start + READ_BATCH]
        live.update(provider.read_employers(batch))
        if progress:
            progress(len(batch))
    return live


def _missing_live(desired: Sequence[Desired], live: dict[str, LiveEmployer], target: str) -> str:
    lines = [
        f"{path}: employer {employer.employer_id} ({employer.name}) does not exist in {target}"
        for path, employer in desired
        if employer.employer_id not in live
    ]
    return "\n".join(lines)


def _portfolio(
    catalog: Catalog,
    desired: Sequence[Desired],
    managed: Sequence[Desired],
    live: Mapping[str, LiveEmployer],
) -> Portfolio:
    """The whole managed portfolio: live state in scope, the files outside it."""
    in_scope = {e.employer_id for _, e in desired}
    activations = grants = 0
    for _, employer in managed:
        if employer.employer_id in in_scope:
            state = live[employer.employer_id]
            activations += sum(1 for p in state.products if p in catalog.products)
            grants += sum(1 for u in state.users.values() for r in u.rights if r in catalog.rights)
        else:
            activations += len(employer.products)
            grants += sum(len(u.rights) for u in employer.users)
    return Portfolio(len(managed), activations, grants)


def _ownership(
    provider: Provider,
    managed: Sequence[Desired],
    base: Base | None,
    policy: str,
    invalid_ids: Collection[str],
) -> tuple[tuple[EmployerSummary, ...], tuple[RemovedEmployer, ...]]:
    """Live employers without a file, split into the newly unmanaged (their file was
    removed since ``base``) and the rest (empty when the policy is ``ignore``).
    ``invalid_ids`` are named by invalid files: managed, though not planned."""
    ids = {e.employer_id.lower() for _, e in managed} | set(invalid_ids)
    removed: list[RemovedEmployer] = []
    unmanaged: list[EmployerSummary] = []
    for summary in sorted(provider.list_employers(), key=lambda s: s.name.casefold()):
        key = summary.employer_id.lower()
        if key in ids:
            continue
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
    managed: Sequence[Desired] | None = None,
    overrides: Overrides | None = None,
    progress: Progress | None = None,
    list_unmanaged: bool = True,
    base: Base | None = None,
    scope: Mapping[str, Any] | None = None,
    invalid_ids: Collection[str] = (),
) -> PlanResult:
    """Plan ``desired`` (the files in scope) against ``provider``.

    ``managed`` is every valid employer file of the repository (default: ``desired``):
    the base of the share guards and of what counts as unmanaged. ``base`` holds the
    files at the base ref, for "newly unmanaged" and "takes over management".
    Raises MijnloketError naming every file whose employer does not exist live or is
    another company than the file names (:mod:`identity`).
    """
    with _no_cyclic_gc():
        return _make_plan(
            settings,
            provider,
            desired,
            managed,
            overrides,
            progress,
            list_unmanaged,
            base,
            scope,
            invalid_ids,
        )


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Planning allocates a few small objects per employer and makes no reference
    cycles; at 50,000 employers the cyclic collector would spend half the CPU re-walking
    them. Reference counting still frees everything."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _make_plan(
    settings: Settings,
    provider: Provider,
    desired: Sequence[Desired],
    managed: Sequence[Desired] | None,
    overrides: Overrides | None,
    progress: Progress | None,
    list_unmanaged: bool,
    base: Base | None,
    scope: Mapping[str, Any] | None,
    invalid_ids: Collection[str],
) -> PlanResult:
    catalog = settings.catalog
    managed = desired if managed is None else managed
    live = read_live(provider, [e.employer_id for _, e in desired], progress)
    missing = _missing_live(desired, live, provider.target)
    if missing:
        raise MijnloketError(
            f"employer files name employers that do not exist live:\n{missing}\n"
            "Check the employer_id, or remove the file if the employer left."
        )
    wrong = identity_problems(desired, live)
    if wrong:
        raise MijnloketError(
            "employer files do not name the company Loket has under their employer_id;"
            " nothing was planned:\n" + "\n".join(f"  - {w}" for w in wrong)
        )
    employers = tuple(
        replace(
            plan_employer(
                catalog,
                path,
                employer,
                live[employer.employer_id],
                provider.can_perform,
                provider.observes,
            ),
            takes_over=base is not None and employer.employer_id.lower() not in base.managed,
        )
        for path, employer in desired
    )
    unmanaged: tuple[EmployerSummary, ...] = ()
    removed: tuple[RemovedEmployer, ...] = ()
    if list_unmanaged:
        unmanaged, removed = _ownership(
            provider, managed, base, settings.config.ownership.unmanaged, invalid_ids
        )
    hashes = {employer.employer_id: desired_hash(employer) for _, employer in desired}
    meta = {
        "tool_version": __version__,
        "catalog_version": catalog.catalog_version,
        "catalog_fingerprint": catalog.fingerprint,
        "desired_fingerprint": fingerprint(hashes),
        "desired_hashes": hashes,
        "live_fingerprint": fingerprint({i: live[i].data for i in sorted(live)}),
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "git_commit": head_commit(settings.root),
        "provider_target": provider.target,
        "web_ui_path": catalog.web_ui_path,
        "base_ref": base.ref if base is not None else None,
        "scope": dict(scope) if scope is not None else {"kind": "all"},
    }
    plan = Plan(employers, unmanaged, provider.name, meta, removed=removed)
    violations, overridden = check_guards(
        plan,
        catalog,
        settings.config.safety,
        settings.config.ownership,
        overrides or Overrides(),
        _portfolio(catalog, desired, managed, live),
    )
    return PlanResult(replace(plan, violations=violations, overridden=overridden), live)
