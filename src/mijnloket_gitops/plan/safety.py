"""Safety guards: refuse plans that change too much or do something drastic.

Each guard has its own flag that overrides it (``GUARD_FLAGS``), so overriding one
never lets another through; ``--force`` overrides them all and the plan lists every
guard it overrode. Share guards compare with the whole managed portfolio
(:class:`Portfolio`), not with the employers in the run's scope, so a change is judged
the same under ``--target`` as in a full plan; below ``safety.min_count_for_shares``
they do not fire (a handful of employers cannot be protected by a percentage), but
the absolute limits and the MijnLoket-removal guard always do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.config import OwnershipConfig, SafetyConfig
from mijnloket_gitops.plan.model import (
    PERSONAL_DATA_FLAG,
    UNVERIFIED_FLAG,
    GuardViolation,
    Plan,
)
from mijnloket_gitops.plan.ownership import since
from mijnloket_gitops.providers.base import Action

FORCE = "--force"
GUARD_FLAGS: dict[str, str] = {
    "max-deactivation-share": "--allow-mass-deactivation",
    "max-deactivations": "--allow-mass-deactivation",
    "max-revocation-share": "--allow-mass-revocation",
    "max-revocations": "--allow-mass-revocation",
    "max-employer-share": "--allow-employer-share",
    "tier-downgrade": "--allow-downgrade",
    "mijnloket-removal": "--allow-mijnloket-removal",
    "max-personal-data-grants": "--allow-personal-data-grants",  # issue 22
    "unmanaged-employers": FORCE,
    "removed-files": FORCE,
}
"""Every guard and the one flag that overrides it (besides ``--force``)."""


@dataclass(frozen=True)
class Overrides:
    """The override flags given on the command line."""

    allowed: frozenset[str] = frozenset()
    """Flags such as ``--allow-downgrade``."""
    force: bool = False
    windows: frozenset[str] = frozenset()
    """Change windows lifted by ``--override-window NAME`` (issue 23; ``--force`` never
    lifts a window)."""

    @property
    def flags(self) -> list[str]:
        """Every flag given, sorted (``--force`` included): how a saved plan records
        them (``meta.overrides``), so that apply accepts exactly these (issue 22)."""
        return sorted(self.allowed | ({FORCE} if self.force else set()))

    @classmethod
    def from_flags(cls, flags: Iterable[str]) -> Overrides:
        """The inverse of :attr:`flags`."""
        given = set(flags)
        return cls(frozenset(given - {FORCE}), FORCE in given)


@dataclass(frozen=True)
class Portfolio:
    """What the share guards compare with: the whole managed portfolio.

    Employers in scope count with their live state, the others with their files
    (which live state matches once they are applied).
    """

    employers: int
    activations: int
    """Known product activations."""
    grants: int
    """Rights held by users, counted per user and right."""


def _violation(guard: str, message: str, employer_id: str | None = None) -> GuardViolation:
    return GuardViolation(guard, message, GUARD_FLAGS[guard], employer_id)


def _share(
    guard: str,
    count: int,
    base: int,
    limit: float | None,
    safety: SafetyConfig,
    text: str,
    *,
    free: int | None = None,
) -> list[GuardViolation]:
    """``text`` is "deactivates {count} of {base} product activations"-like wording.

    With ``free`` given (issue 22), up to ``free`` changes never fire it, and below
    ``safety.min_count_for_shares``, where a share means little (3 of the 4 products of
    a one-employer repository), more than ``free`` do; without it, the guard is silent
    there."""
    if limit is None or count == 0 or (free is not None and count <= free):
        return []
    if base < safety.min_count_for_shares:
        if free is None:
            return []
        key = guard.replace("-", "_")
        return [
            _violation(
                guard,
                f"the plan {text}; in a portfolio this small (below"
                f" safety.min_count_for_shares, {safety.min_count_for_shares}) more than"
                f" {free} need the flag (safety.free_changes)",
            )
        ]
    share = count / base if base else 1.0
    if share <= limit:
        return []
    key = guard.replace("-", "_")
    return [
        _violation(guard, f"the plan {text} ({share:.0%}); the limit is {limit:.0%} (safety.{key})")
    ]


def _absolute(guard: str, count: int, limit: int | None, text: str) -> list[GuardViolation]:
    if limit is None or count <= limit:
        return []
    key = guard.replace("-", "_")
    return [_violation(guard, f"the plan {text}; the limit is {limit} (safety.{key})")]


def portfolio_violations(
    plan: Plan,
    safety: SafetyConfig,
    portfolio: Portfolio,
    offboarded: frozenset[str] = frozenset(),
) -> list[GuardViolation]:
    """Too many deactivations or revocations, or too many employers touched; the
    deactivations of ``offboarded`` employers (MijnLoket switched off) do not count."""
    # issue 22: an offboarding (MijnLoket switched off) is guarded per employer by
    # mijnloket-removal: its deactivations do not also need the mass flag
    deactivations = sum(
        e.count(Action.DEACTIVATE) for e in plan.changed if e.employer_id not in offboarded
    )
    # issue 10: unverified steps restate the files for rights Loket cannot show (an
    # idempotent PATCH in every plan); counted, they would trip these guards every time
    revocations = sum(
        1 for s in plan.steps if s.step.action == Action.REVOKE and UNVERIFIED_FLAG not in s.flags
    )
    touched = sum(1 for e in plan.changed if any(UNVERIFIED_FLAG not in s.flags for s in e.steps))
    found = _share(
        "max-deactivation-share",
        deactivations,
        portfolio.activations,
        safety.max_deactivation_share,
        safety,
        f"deactivates {deactivations} of {portfolio.activations} managed product activations",
        free=safety.free_changes,
    )
    found += _absolute(
        "max-deactivations",
        deactivations,
        safety.max_deactivations,
        f"deactivates {deactivations} products",
    )
    found += _share(
        "max-revocation-share",
        revocations,
        portfolio.grants,
        safety.max_revocation_share,
        safety,
        f"revokes {revocations} of {portfolio.grants} rights held in the managed portfolio",
        free=safety.free_changes,
    )
    found += _absolute(
        "max-revocations", revocations, safety.max_revocations, f"revokes {revocations} rights"
    )
    found += _share(
        "max-employer-share",
        touched,
        portfolio.employers,
        safety.max_employer_share,
        safety,
        f"changes {touched} of {portfolio.employers} managed employers",
    )
    grants = sum(  # issue 22: personal data granted in bulk
        1
        for s in plan.steps
        if s.step.action == Action.GRANT
        and PERSONAL_DATA_FLAG in s.flags
        and UNVERIFIED_FLAG not in s.flags
    )
    found += _absolute(
        "max-personal-data-grants",
        grants,
        safety.max_personal_data_grants,
        f"grants personal-data rights {grants} times",
    )
    return found


def offboarded(plan: Plan, catalog: Catalog) -> frozenset[str]:
    """Employers whose MijnLoket the plan switches off."""
    return frozenset(
        e.employer_id
        for e in plan.changed
        if any(
            s.step.action == Action.DEACTIVATE and s.step.product == catalog.portal for s in e.steps
        )
    )


def operation_violations(plan: Plan, catalog: Catalog) -> list[GuardViolation]:
    """Tier downgrades and switching the portal off, per employer; always checked."""
    found: list[GuardViolation] = []
    for employer in plan.changed:
        if employer.tier_change == "downgrade" and employer.tier_after is not None:
            found.append(
                _violation(
                    "tier-downgrade",
                    f"{employer.name}: tier goes down from {employer.tier_before} to "
                    f"{employer.tier_after}",
                    employer.employer_id,
                )
            )
        for planned in employer.steps:
            step = planned.step
            if step.action == Action.DEACTIVATE and step.product == catalog.portal:
                found.append(
                    _violation(
                        "mijnloket-removal",
                        f"{employer.name}: {catalog.portal} is switched off; its employees lose"
                        " the portal",
                        employer.employer_id,
                    )
                )
    return found


def ownership_violations(plan: Plan, ownership: OwnershipConfig) -> list[GuardViolation]:
    """The repository's ownership policy, where it says ``error`` or ``refuse``."""
    found: list[GuardViolation] = []
    if ownership.unmanaged == "error" and plan.unmanaged:
        found.append(
            _violation(
                "unmanaged-employers",
                f"{len(plan.unmanaged)} live employers have no file and ownership.unmanaged is"
                " error; add a file for each (`mijnloket-gitops import --employer ID`)",
            )
        )
    if ownership.removed == "refuse" and plan.removed:
        found.append(
            _violation(
                "removed-files",
                f"the files of {len(plan.removed)} employers were removed since"
                f" {since(plan.meta)} and ownership.removed is refuse; restore them,"
                " or offboard with a file that lists no products",
            )
        )
    return found


def settle(
    found: Iterable[GuardViolation], overrides: Overrides
) -> tuple[tuple[GuardViolation, ...], tuple[GuardViolation, ...]]:
    """Split ``found`` into the violations that stand and those overridden (each with
    the flag that overrode it in ``overridden_by``)."""
    standing: list[GuardViolation] = []
    overridden: list[GuardViolation] = []
    for violation in found:
        if violation.flag != FORCE and violation.flag in overrides.allowed:
            overridden.append(replace(violation, overridden_by=violation.flag))
        elif overrides.force:
            overridden.append(replace(violation, overridden_by=FORCE))
        else:
            standing.append(violation)
    return tuple(standing), tuple(overridden)


def check_guards(
    plan: Plan,
    catalog: Catalog,
    safety: SafetyConfig,
    ownership: OwnershipConfig,
    overrides: Overrides,
    portfolio: Portfolio,
) -> tuple[tuple[GuardViolation, ...], tuple[GuardViolation, ...]]:
    """The violations that stand after the user's overrides, and those overridden."""
    found = portfolio_violations(plan, safety, portfolio, offboarded(plan, catalog))
    found += operation_violations(plan, catalog)
    found += ownership_violations(plan, ownership)
    return settle(found, overrides)
