"""Safety guards: one flag each, shares against the whole portfolio, a minimum count,
--force listing what it overrode. Written to kill mutants of plan/safety.py: every
boundary is tested on both sides."""

from __future__ import annotations

from dataclasses import replace

import pytest

from mijnloket_gitops.catalog import builtin_catalog
from mijnloket_gitops.config import OwnershipConfig, SafetyConfig
from mijnloket_gitops.plan.model import (
    PERSONAL_DATA_FLAG,
    UNVERIFIED_FLAG,
    EmployerPlan,
    GuardViolation,
    Plan,
    PlannedStep,
    RemovedEmployer,
)
from mijnloket_gitops.plan.safety import (
    FORCE,
    GUARD_FLAGS,
    Overrides,
    Portfolio,
    check_guards,
    settle,
)
from mijnloket_gitops.providers.base import Action, EmployerSummary, Step

CATALOG = builtin_catalog()
RIGHT = "Raadplegen MijnLoket e-mailadres"
PRODUCTS = ["Workflow editor", "Preboarding", "Verlofregistratie", "Verlofregeling"]
LOOSE = SafetyConfig(
    max_deactivation_share=1,
    max_revocation_share=1,
    max_employer_share=None,
    min_count_for_shares=0,
    free_changes=0,
)

BIG = Portfolio(100, 100, 100)
NONE = Overrides()
DEFAULT_OWNERSHIP = OwnershipConfig()


def eid(index: int) -> str:
    return f"00000000-0000-4000-8000-{index:012d}"


def employer(
    index: int,
    *,
    deactivate: int = 0,
    revoke: int = 0,
    activate: int = 0,
    tier: tuple[str | None, str | None] = (None, None),
    portal_off: bool = False,
) -> EmployerPlan:
    steps = [Step(eid(index), Action.DEACTIVATE, product=p) for p in PRODUCTS[:deactivate]]
    steps += [Step(eid(index), Action.ACTIVATE, product=p) for p in PRODUCTS[:activate]]
    steps += [
        Step(eid(index), Action.REVOKE, right=RIGHT, login=f"u{n}@x.example") for n in range(revoke)
    ]
    if portal_off:
        steps.append(Step(eid(index), Action.DEACTIVATE, product=CATALOG.portal))
    return EmployerPlan(
        eid(index),
        f"Werkgever {index}",
        f"employers/{index}.yaml",
        tuple(PlannedStep(s) for s in steps),
        tier[0],  # type: ignore[arg-type]
        tier[1],  # type: ignore[arg-type]
    )


def guards(
    plan: Plan,
    safety: SafetyConfig = LOOSE,
    portfolio: Portfolio = BIG,
    overrides: Overrides = NONE,
    ownership: OwnershipConfig = DEFAULT_OWNERSHIP,
) -> list[str]:
    standing, _ = check_guards(plan, CATALOG, safety, ownership, overrides, portfolio)
    return [v.guard for v in standing]


def test_deactivation_share_boundary_is_inclusive() -> None:
    safety = SafetyConfig(max_deactivation_share=0.1, min_count_for_shares=0, free_changes=0)
    at_limit = Plan((employer(1, deactivate=2),))
    over = Plan((employer(1, deactivate=3),))
    assert guards(at_limit, safety, Portfolio(100, 20, 100)) == []
    assert guards(over, safety, Portfolio(100, 20, 100)) == ["max-deactivation-share"]


def test_below_the_minimum_count_more_than_free_changes_fire() -> None:
    """Issue 22: where a share means little, a small number does (was: never fire)."""
    safety = SafetyConfig(max_deactivation_share=0.1, min_count_for_shares=10, free_changes=1)
    plan = Plan((employer(1, deactivate=2),))
    assert guards(plan, safety, Portfolio(100, 10, 100)) == ["max-deactivation-share"]
    assert guards(plan, safety, Portfolio(100, 9, 100)) == ["max-deactivation-share"]
    assert guards(Plan((employer(1, deactivate=1),)), safety, Portfolio(100, 9, 100)) == []


def test_share_of_an_empty_base_counts_as_everything() -> None:
    safety = SafetyConfig(
        max_deactivation_share=0.5,
        max_employer_share=None,
        min_count_for_shares=0,
        free_changes=0,
    )
    assert guards(Plan((employer(1, deactivate=1),)), safety, Portfolio(1, 0, 0)) == [
        "max-deactivation-share"
    ]
    assert guards(Plan((employer(1),)), safety, Portfolio(1, 0, 0)) == []


def test_absolute_deactivation_limit() -> None:
    assert guards(Plan((employer(1, deactivate=2),)), SafetyConfig(max_deactivations=2)) == []
    found = guards(Plan((employer(1, deactivate=3),)), SafetyConfig(max_deactivations=2))
    assert found == ["max-deactivations"]
    unlimited = LOOSE.model_copy(update={"max_deactivations": None})
    assert guards(Plan((employer(1, deactivate=4),)), unlimited) == []


def test_revocation_guards() -> None:
    safety = SafetyConfig(max_revocation_share=0.25, min_count_for_shares=4, free_changes=1)
    assert guards(Plan((employer(1, revoke=1),)), safety, Portfolio(100, 100, 4)) == []
    assert guards(Plan((employer(1, revoke=2),)), safety, Portfolio(100, 100, 4)) == [
        "max-revocation-share"
    ]
    below = guards(Plan((employer(1, revoke=2),)), safety, Portfolio(100, 100, 3))
    assert below == ["max-revocation-share"]  # issue 22: more than free_changes
    counted = SafetyConfig(max_revocations=1, max_revocation_share=1)
    assert guards(Plan((employer(1, revoke=1),)), counted) == []
    assert guards(Plan((employer(1, revoke=2),)), counted) == ["max-revocations"]


def test_employer_share_against_the_whole_portfolio() -> None:
    safety = SafetyConfig(max_employer_share=0.5, min_count_for_shares=2)
    two = Plan((employer(1, activate=1), employer(2, activate=1)))
    assert guards(two, safety, Portfolio(4, 100, 100)) == []
    assert guards(two, safety, Portfolio(3, 100, 100)) == ["max-employer-share"]
    assert guards(two, safety, Portfolio(1, 100, 100)) == []  # below the minimum
    off = SafetyConfig(max_employer_share=None, min_count_for_shares=0, free_changes=0)
    assert guards(two, off, Portfolio(2, 100, 100)) == []
    unchanged = Plan((employer(1), employer(2)))
    assert (
        guards(
            unchanged, SafetyConfig(max_employer_share=0, min_count_for_shares=0, free_changes=0)
        )
        == []
    )


def _with_unverified_grant(plan: EmployerPlan) -> EmployerPlan:
    grant = Step(plan.employer_id, Action.GRANT, right=RIGHT, login="u@x.example")
    flagged = PlannedStep(grant, flags=(UNVERIFIED_FLAG,))
    return replace(plan, steps=(*plan.steps, flagged))


def test_an_employer_with_a_change_and_an_unverified_grant_counts_as_touched() -> None:
    """Unverified steps alone do not touch an employer (issue 10), but a real change
    beside one does: a surviving mutant (``all`` for ``any``) missed such employers."""
    safety = SafetyConfig(max_employer_share=0.5, min_count_for_shares=2)
    mixed = Plan((_with_unverified_grant(employer(1, activate=1)), employer(2, activate=1)))
    assert guards(mixed, safety, Portfolio(3, 100, 100)) == ["max-employer-share"]
    only_unverified = Plan((_with_unverified_grant(employer(1)), employer(2, activate=1)))
    assert guards(only_unverified, safety, Portfolio(3, 100, 100)) == []


def test_one_employer_repository_can_grant_but_not_lose_mijnloket_silently() -> None:
    one = Portfolio(1, 5, 1)
    grant = Plan((employer(1, activate=1),))
    assert guards(grant, SafetyConfig(), one) == []
    off = Plan((employer(1, deactivate=4, portal_off=True, tier=("start", None)),))
    assert guards(off, SafetyConfig(), one) == ["mijnloket-removal"]


def test_downgrade_guard_only_for_a_lower_tier_that_stays_on() -> None:
    down = Plan((employer(1, deactivate=1, tier=("pro", "plus")),))
    assert guards(down) == ["tier-downgrade"]
    up = Plan((employer(1, activate=1, tier=("plus", "pro")),))
    assert guards(up) == []
    unchanged_steps = Plan((employer(1, tier=("pro", "plus")),))
    assert guards(unchanged_steps) == []  # no steps: not in plan.changed


def test_each_guard_has_its_own_flag_and_force_overrides_all() -> None:
    safety = SafetyConfig(
        max_deactivation_share=0.01,
        max_deactivations=0,
        max_revocation_share=0.01,
        max_revocations=0,
        max_employer_share=0.01,
        min_count_for_shares=0,
        free_changes=0,
        max_personal_data_grants=0,
    )
    grant = PlannedStep(
        Step(eid(3), Action.GRANT, right=RIGHT, login="hr@x.example"), flags=(PERSONAL_DATA_FLAG,)
    )
    granting = replace(employer(3), steps=(grant,))
    plan = Plan(
        (
            employer(1, deactivate=1, revoke=1, tier=("pro", "plus")),
            employer(2, portal_off=True),
            granting,
        ),
        unmanaged=(EmployerSummary(eid(9), "Zonder Bestand"),),
        removed=(RemovedEmployer(eid(8), "Verwijderd", "employers/8.yaml"),),
    )
    strict = OwnershipConfig(unmanaged="error", removed="refuse")
    every = [
        "max-deactivation-share",
        "max-deactivations",
        "max-revocation-share",
        "max-revocations",
        "max-employer-share",
        "max-personal-data-grants",
        "tier-downgrade",
        "mijnloket-removal",
        "unmanaged-employers",
        "removed-files",
    ]
    assert guards(plan, safety, Portfolio(10, 10, 10), ownership=strict) == every
    assert sorted(every) == sorted(GUARD_FLAGS)
    for guard, flag in GUARD_FLAGS.items():
        if flag == FORCE:
            continue
        left = guards(plan, safety, Portfolio(10, 10, 10), Overrides(frozenset({flag})), strict)
        assert left == [g for g in every if GUARD_FLAGS[g] != flag], guard
    standing, overridden = check_guards(
        plan, CATALOG, safety, strict, Overrides(force=True), Portfolio(10, 10, 10)
    )
    assert standing == ()
    assert [v.guard for v in overridden] == every
    assert {v.overridden_by for v in overridden} == {FORCE}


def test_own_flag_is_named_before_force_when_both_are_given() -> None:
    violation = GuardViolation("tier-downgrade", "m", "--allow-downgrade", eid(1))
    standing, overridden = settle([violation], Overrides(frozenset({"--allow-downgrade"}), True))
    assert standing == () and overridden[0].overridden_by == "--allow-downgrade"
    # --force given as an "allowed" flag does not count; only Overrides.force does
    standing, _ = settle(
        [GuardViolation("removed-files", "m", FORCE)], Overrides(frozenset({FORCE}))
    )
    assert len(standing) == 1


def test_messages_name_numbers_limits_and_keys() -> None:
    safety = SafetyConfig(
        max_deactivation_share=0.1, max_deactivations=1, min_count_for_shares=0, free_changes=0
    )
    standing, _ = check_guards(
        Plan((employer(1, deactivate=3),)),
        CATALOG,
        safety,
        OwnershipConfig(),
        Overrides(),
        Portfolio(10, 20, 10),
    )
    share, count = standing
    assert "3 of 20 managed product activations (15%)" in share.message
    assert "limit is 10% (safety.max_deactivation_share)" in share.message
    assert share.flag == "--allow-mass-deactivation" and share.employer_id is None
    assert "deactivates 3 products; the limit is 1 (safety.max_deactivations)" in count.message


@pytest.mark.parametrize(
    ("policy", "expected"),
    [("warn", []), ("ignore", []), ("error", ["unmanaged-employers"])],
)
def test_unmanaged_policy(policy: str, expected: list[str]) -> None:
    plan = Plan((employer(1),), unmanaged=(EmployerSummary(eid(9), "X"),))
    ownership = OwnershipConfig.model_validate({"unmanaged": policy})
    assert guards(plan, ownership=ownership) == expected
    assert guards(Plan((employer(1),)), ownership=ownership) == []


def test_removed_policy() -> None:
    plan = Plan((employer(1),), removed=(RemovedEmployer(eid(8), "X", "employers/x.yaml"),))
    assert guards(plan) == []
    refuse = OwnershipConfig(removed="refuse")
    assert guards(plan, ownership=refuse) == ["removed-files"]
    assert guards(Plan((employer(1),)), ownership=refuse) == []


def test_every_guard_flag_is_a_command_line_option() -> None:
    from mijnloket_gitops.cli.common import GUARD_HELP

    assert set(GUARD_HELP) == {f for f in GUARD_FLAGS.values() if f != FORCE}
