"""One apply run: perform what can be performed, wait for people if asked, verify.

After each pass the live state is read again (a fresh plan) and compared with the
files. What remains is either done, waiting for a person (manual or blocked steps
and what depends on them), or a failure. With a wait budget the session polls live
state until the manual steps show up, then performs the automatic steps that
depended on them. A step that was not in the reviewed plan is never performed: if
live state changes under the session so that one appears, it stops (refused).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from mijnloket_gitops.apply.executor import OnResult, Outcome, StepResult, execute
from mijnloket_gitops.apply.journal import Journal
from mijnloket_gitops.errors import RefusedError
from mijnloket_gitops.plan.model import UNVERIFIED_FLAG, Plan
from mijnloket_gitops.providers.base import Provider

Replan = Callable[[], Plan]
"""Reads live state again and plans against the same files."""


def waiting_keys(plan: Plan) -> set[str]:
    """Keys of steps that wait for a person: manual, blocked, or after such a step.
    A step its own file holds back (``evidence: pending``) waits for no one."""
    waiting: set[str] = set()
    for planned in plan.steps:
        if planned.held:
            continue
        if planned.manual or planned.blocked or waiting.intersection(planned.waits_on):
            waiting.add(planned.key)
    return waiting


def without_unverified_done(plan: Plan, done: set[str]) -> Plan:
    """``plan`` less the unverified steps already performed in this session.

    An unverified step (a right Loket cannot show) reappears in every fresh plan; once
    it was sent, nothing more can be learnt about it, so it is not a difference.
    """
    employers = tuple(
        replace(
            e,
            steps=tuple(s for s in e.steps if not (UNVERIFIED_FLAG in s.flags and s.key in done)),
        )
        for e in plan.employers
    )
    return replace(plan, employers=employers)


@dataclass
class SessionResult:
    results: list[StepResult] = field(default_factory=list)
    remaining: Plan = field(default_factory=lambda: Plan(()))

    @property
    def failed(self) -> bool:
        return any(r.outcome == Outcome.FAILED for r in self.results)

    @property
    def waiting(self) -> bool:
        """Only steps that wait for a person remain (and nothing failed); steps held
        back by their own file are left out."""
        keys = {s.key for s in self.remaining.steps if not s.held}
        return bool(keys) and not self.failed and keys <= waiting_keys(self.remaining)


@dataclass(frozen=True)
class Session:
    provider: Provider
    journal: Journal
    replan: Replan
    on_result: OnResult | None = None
    on_wait: Callable[[Plan], None] | None = None
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    replan_some: Callable[[frozenset[str]], Plan] | None = None
    """Plans only the given employers; while waiting, only the employers with
    outstanding steps are read again (the others were verified already)."""

    def _again(self, remaining: Plan | None) -> Plan:
        """A fresh plan: of everything, or (while waiting) of ``remaining``'s employers."""
        if remaining is None or self.replan_some is None:
            return self.replan()
        ids = frozenset(e.employer_id for e in remaining.changed)
        fresh = {e.employer_id: e for e in self.replan_some(ids).employers}
        employers = tuple(fresh.get(e.employer_id, e) for e in remaining.employers)
        return replace(remaining, employers=employers)

    def _checked(self, plan: Plan, reviewed: set[str]) -> Plan:
        extra = [s for s in plan.steps if s.key not in reviewed]
        if extra:
            step = extra[0].step
            raise RefusedError(
                f"live state changed during the apply: it would now also {step.action}"
                f" {step.subject} for {extra[0].step.employer_id}, which was not in the plan;"
                " stopped. Make a new plan."
            )
        return plan

    def run(self, plan: Plan, *, wait_seconds: float = 0, interval: float = 10) -> SessionResult:
        """Apply ``plan``; with ``wait_seconds``, wait up to that long for manual steps."""
        reviewed = {s.key for s in plan.steps}
        deadline = self.clock() + wait_seconds
        outcome = SessionResult()
        current = plan
        scope: Plan | None = None
        while True:
            outcome.results += execute(current, self.provider, self.journal, self.on_result)
            done = {r.planned.key for r in outcome.results if r.outcome == Outcome.DONE}
            outcome.remaining = without_unverified_done(
                self._checked(self._again(scope), reviewed), done
            )
            self.journal.record("verified", remaining=len(outcome.remaining.steps))
            if not outcome.waiting or wait_seconds <= 0:
                return outcome
            pending = waiting_keys(outcome.remaining)
            while True:
                if self.clock() >= deadline:
                    self.journal.record("wait-timeout", remaining=len(outcome.remaining.steps))
                    return outcome
                if self.on_wait:
                    self.on_wait(outcome.remaining)
                self.sleep(min(interval, max(0.0, deadline - self.clock())))
                scope = outcome.remaining
                polled = without_unverified_done(self._checked(self._again(scope), reviewed), done)
                now_pending = waiting_keys(polled)
                if not polled.has_changes or now_pending != pending:
                    self.journal.record("manual-progress", remaining=len(polled.steps))
                    current = outcome.remaining = polled
                    break
            if not current.has_changes:
                return outcome
