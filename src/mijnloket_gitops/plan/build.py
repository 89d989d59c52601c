"""Make a plan: read live state for the employer files in scope and diff them.

This is the one place that talks to a provider while planning; everything it
computes comes from the pure functions in :mod:`planner` and :mod:`safety`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from mijnloket_gitops import __version__
from mijnloket_gitops.config import Settings
from mijnloket_gitops.errors import MijnloketError
from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.gitutil import head_commit
from mijnloket_gitops.plan.model import Plan, ReadFailure
from mijnloket_gitops.plan.planner import plan_employer
from mijnloket_gitops.plan.safety import Overrides, check_guards
from mijnloket_gitops.plan.saved import desired_hash, fingerprint
from mijnloket_gitops.providers.base import (
    EmployerSummary,
    LiveEmployer,
    PartialReadError,
    Provider,
)

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


def _missing_live(desired: Sequence[Desired], live: dict[str, LiveEmployer], target: str) -> str:
    lines = [
        f"{path}: employer {employer.employer_id} ({employer.name}) does not exist in {target}"
        for path, employer in desired
        if employer.employer_id not in live
    ]
    return "\n".join(lines)


def make_plan(
    settings: Settings,
    provider: Provider,
    desired: Sequence[Desired],
    *,
    managed_total: int,
    overrides: Overrides | None = None,
    progress: Progress | None = None,
    list_unmanaged: bool = True,
) -> PlanResult:
    """Plan ``desired`` (the files in scope) against ``provider``.

    ``managed_total`` is the number of employer files in the whole repository, the
    base of the employer-share guard. Raises MijnloketError naming every file whose
    employer does not exist live.
    """
    catalog = settings.catalog
    failures: dict[str, str] = {}
    try:
        live = read_live(provider, [e.employer_id for _, e in desired], progress)
    except PartialReadError as partial:  # plan the others; the plan lists these
        live, failures = partial.live, partial.failures
    failed = tuple(
        ReadFailure(employer.employer_id, employer.name, path, failures[employer.employer_id])
        for path, employer in desired
        if employer.employer_id in failures
    )
    desired = [(path, e) for path, e in desired if e.employer_id not in failures]
    missing = _missing_live(desired, live, provider.target)
    if missing:
        raise MijnloketError(
            f"employer files name employers that do not exist live:\n{missing}\n"
            "Check the employer_id, or remove the file if the employer left."
        )
    employers = tuple(
        plan_employer(
            catalog,
            path,
            employer,
            live[employer.employer_id],
            provider.can_perform,
            provider.observes,
        )
        for path, employer in desired
    )
    unmanaged: tuple[EmployerSummary, ...] = ()
    if list_unmanaged:
        managed = {e.employer_id for _, e in desired}
        unmanaged = tuple(
            s
            for s in sorted(provider.list_employers(), key=lambda s: s.name.casefold())
            if s.employer_id not in managed
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
    }
    plan = Plan(employers, unmanaged, provider.name, meta, failed=failed)
    violations = check_guards(
        plan, live, catalog, settings.config.safety, overrides or Overrides(), managed_total
    )
    return PlanResult(replace(plan, violations=violations), live)
