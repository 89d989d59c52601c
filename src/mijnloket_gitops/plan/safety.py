"""Safety guards: refuse plans that change too much or do something drastic.

Each guard returns a :class:`GuardViolation` naming the numbers and the flag that
overrides it. ``--force`` overrides them all (and apply records that it did).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.config import SafetyConfig
from mijnloket_gitops.plan.model import UNVERIFIED_FLAG, GuardViolation, Plan
from mijnloket_gitops.providers.base import Action, LiveEmployer


@dataclass(frozen=True)
class Overrides:
    """What the user allowed on the command line."""

    allow_downgrade: bool = False
    allow_mijnloket_removal: bool = False
    force: bool = False


def _share(part: int, whole: int) -> float:
    return part / whole if whole else (1.0 if part else 0.0)


def portfolio_violations(
    plan: Plan,
    live: Mapping[str, LiveEmployer],
    catalog: Catalog,
    safety: SafetyConfig,
    managed_total: int,
) -> list[GuardViolation]:
    """Too many deactivations, or too many employers touched."""
    found: list[GuardViolation] = []
    deactivations = plan.summary["deactivate"]
    active = sum(
        len([p for p in live[e.employer_id].products if p in catalog.products])
        for e in plan.employers
        if e.employer_id in live
    )
    share = _share(deactivations, active)
    if deactivations and share > safety.max_deactivation_share:
        found.append(
            GuardViolation(
                "max-deactivation-share",
                f"the plan deactivates {deactivations} of {active} live product activations"
                f" ({share:.0%}); the limit is {safety.max_deactivation_share:.0%}"
                " (safety.max_deactivation_share)",
                "--force",
            )
        )
    if safety.max_deactivations is not None and deactivations > safety.max_deactivations:
        found.append(
            GuardViolation(
                "max-deactivations",
                f"the plan deactivates {deactivations} products; the limit is "
                f"{safety.max_deactivations} (safety.max_deactivations)",
                "--force",
            )
        )
    # Unverified steps restate the file for rights Loket cannot show (idempotent PATCHes
    # in every plan); counting them would trip this guard on every plan.
    touched = sum(1 for e in plan.changed if any(UNVERIFIED_FLAG not in s.flags for s in e.steps))
    if safety.max_employer_share is not None:
        employer_share = _share(touched, managed_total)
        if touched and employer_share > safety.max_employer_share:
            found.append(
                GuardViolation(
                    "max-employer-share",
                    f"the plan changes {touched} of {managed_total} managed employers"
                    f" ({employer_share:.0%}); the limit is {safety.max_employer_share:.0%}"
                    " (safety.max_employer_share)",
                    "--force",
                )
            )
    return found


def operation_violations(plan: Plan, catalog: Catalog) -> list[GuardViolation]:
    """Tier downgrades and switching the portal off, per employer."""
    found: list[GuardViolation] = []
    for employer in plan.changed:
        if employer.tier_change == "downgrade" and employer.tier_after is not None:
            found.append(
                GuardViolation(
                    "tier-downgrade",
                    f"{employer.name}: tier goes down from {employer.tier_before} to "
                    f"{employer.tier_after}",
                    "--allow-downgrade",
                    employer.employer_id,
                )
            )
        for planned in employer.steps:
            step = planned.step
            if step.action == Action.DEACTIVATE and step.product == catalog.portal:
                found.append(
                    GuardViolation(
                        "mijnloket-removal",
                        f"{employer.name}: {catalog.portal} is switched off; its employees lose"
                        " the portal",
                        "--allow-mijnloket-removal",
                        employer.employer_id,
                    )
                )
    return found


def check_guards(
    plan: Plan,
    live: Mapping[str, LiveEmployer],
    catalog: Catalog,
    safety: SafetyConfig,
    overrides: Overrides,
    managed_total: int,
) -> tuple[GuardViolation, ...]:
    """The violations that still stand after the user's overrides."""
    if overrides.force:
        return ()
    allowed = {
        "--allow-downgrade": overrides.allow_downgrade,
        "--allow-mijnloket-removal": overrides.allow_mijnloket_removal,
    }
    found = portfolio_violations(plan, live, catalog, safety, managed_total)
    found += operation_violations(plan, catalog)
    return tuple(v for v in found if not allowed.get(v.flag, False))
