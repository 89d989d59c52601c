"""Perform a plan's steps in order, journal each one, then verify against live state.

A step runs only when the provider can perform it, it is not blocked, nothing it
waits on is left undone, and no earlier step of the same employer failed (its
dependents would be wrong); other employers carry on. Steps are idempotent, so an
apply interrupted at any point (even by SIGKILL) converges when run again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from mijnloket_gitops.apply.journal import Journal
from mijnloket_gitops.errors import ProviderError
from mijnloket_gitops.plan.model import UNVERIFIED_FLAG, Plan, PlannedStep
from mijnloket_gitops.providers.base import ManualStepError, Provider


class Outcome(StrEnum):
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"
    MANUAL = "manual"
    BLOCKED = "blocked"


@dataclass(frozen=True)
class StepResult:
    employer: str
    planned: PlannedStep
    outcome: Outcome
    detail: str = ""
    verified_by: str | None = None
    """How the provider read the write back (issue 20); None: nothing read it back."""

    @property
    def unverified(self) -> bool:
        """Done, planned as unverified (Loket cannot show it), and read back by nothing."""
        return (
            self.outcome == Outcome.DONE
            and UNVERIFIED_FLAG in self.planned.flags
            and self.verified_by is None
        )


OnResult = Callable[[StepResult], None]

_MAKES_TRUE = {"activate": True, "grant": True, "deactivate": False, "revoke": False}


def _state(planned: PlannedStep, done: bool) -> dict[str, str]:
    """The step's fact before and after, as the journal records it."""
    on = _MAKES_TRUE[str(planned.step.action)]
    word = ("active", "inactive") if planned.step.product else ("held", "not held")
    before = word[1] if on else word[0]
    after = (word[0] if on else word[1]) if done else before
    return {"before": before, "after": after}


def _decide(planned: PlannedStep, failed: str | None, undone: dict[str, str]) -> StepResult | None:
    """The outcome of a step that will not be performed, or None to perform it."""
    if planned.blocked:
        return StepResult("", planned, Outcome.BLOCKED, planned.blocked)
    if planned.manual:
        return StepResult("", planned, Outcome.MANUAL, "a person performs this in Loket.nl")
    if failed:
        return StepResult("", planned, Outcome.SKIPPED, f"an earlier step failed: {failed}")
    waiting = [undone[k] for k in planned.waits_on if k in undone]
    if waiting:
        return StepResult("", planned, Outcome.SKIPPED, f"waits on: {waiting[0]}")
    return None


def execute(
    plan: Plan, provider: Provider, journal: Journal, on_result: OnResult | None = None
) -> list[StepResult]:
    """Perform ``plan`` step by step; returns every step's outcome in order."""
    results: list[StepResult] = []
    journal.record("apply-started", steps=len(plan.steps), provider=provider.name)
    for employer in plan.changed:
        failed: str | None = None
        undone: dict[str, str] = {}
        for planned in employer.steps:
            step = planned.step
            label = f"{step.action} {step.subject}"
            result = _decide(planned, failed, undone)
            if result is None:
                journal.record("started", step, flags=planned.flags)
                try:
                    provider.perform(step)
                except ManualStepError as error:  # refused: a person does it (work order)
                    result = StepResult("", planned, Outcome.MANUAL, str(error))
                except ProviderError as error:
                    failed = label
                    result = StepResult("", planned, Outcome.FAILED, str(error))
                else:
                    result = StepResult("", planned, Outcome.DONE)
            done = result.outcome == Outcome.DONE
            how = provider.verified_by(step) if done else None
            result = StepResult(employer.name, result.planned, result.outcome, result.detail, how)
            if not done:
                undone[planned.key] = label
            # a write read back after all (the PATCH answer carried the rights) is no
            # longer unverified (issue 20)
            flags = tuple(f for f in planned.flags if not (how and f == UNVERIFIED_FLAG))
            journal.record(
                str(result.outcome),
                step,
                detail=result.detail,
                # flags such as "unverified" (rights Loket cannot show; issue 10)
                flags=flags,
                # how the write was read back (issue 20); absent: nothing could read it
                **({"verified_by": how} if how else {}),
                **_state(planned, done),
            )
            results.append(result)
            if on_result:
                on_result(result)
    return results
