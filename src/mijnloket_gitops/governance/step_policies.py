"""``on: step`` policies on a plan (issue 23): each planned step must satisfy them.

A step that breaks one (or on which one cannot be evaluated) is a refusal of the
plan: a :class:`~mijnloket_gitops.plan.model.GuardViolation` with guard
``policy:<id>``, so ``plan`` exits 3 and ``apply`` refuses, as for the safety guards.
Only ``--force`` overrides it (recorded with the overridden guards).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.governance.policies import PolicyConfig, employer_input, evaluate_all
from mijnloket_gitops.plan.model import EmployerPlan, GuardViolation, PlannedStep

FORCE = "--force"


def step_input(employer: EmployerPlan, planned: PlannedStep) -> dict[str, Any]:
    """What ``step`` holds: the step as the JSON plan shows it (``action``,
    ``product``, ``right``, ``login``, ``user_type``, ``flags``, ``manual``, ...), plus
    the employer's ``tier_before``, ``tier_after`` and ``tier_change`` ("upgrade",
    "downgrade" or null)."""
    return {
        **planned.data,
        "tier_before": employer.tier_before,
        "tier_after": employer.tier_after,
        "tier_change": employer.tier_change,
    }


def _subject(planned: PlannedStep) -> str:
    return f"{planned.step.action} {planned.step.subject}"


def step_violations(
    policies: Sequence[PolicyConfig],
    changed: Sequence[EmployerPlan],
    files: dict[str, EmployerFile],
    force: bool,
) -> tuple[list[GuardViolation], list[GuardViolation]]:
    """(refusals, refusals ``--force`` overrode) of the step policies on the steps of
    ``changed``; ``files`` gives each employer's file by lower-case id."""
    rules = [p for p in policies if p.on == "step"]
    found: list[GuardViolation] = []
    for employer in changed if rules else ():
        desired = files.get(employer.employer_id.lower())
        data = desired.model_dump(mode="json", exclude_unset=True) if desired else {}
        employer_data = employer_input(data)
        for planned in employer.steps:
            inputs = {"employer": employer_data, "step": step_input(employer, planned)}
            for policy, outcome in zip(rules, evaluate_all(rules, inputs), strict=True):
                if outcome.passed:
                    continue
                why = policy.message
                if outcome.error is not None:
                    why = f"policy could not be evaluated: {outcome.error}"
                message = f"{employer.name}: {_subject(planned)}: {why}"
                found.append(
                    GuardViolation(f"policy:{policy.id}", message, FORCE, employer.employer_id)
                )
    if force:
        return [], [GuardViolation(v.guard, v.message, v.flag, v.employer_id, FORCE) for v in found]
    return found, []
