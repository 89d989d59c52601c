"""Drift apart from change (issue 22), as Terraform's "changed outside Terraform".

A completed full apply verified that live state was what the files asked; its journal
keeps those facts (:mod:`mijnloket_gitops.apply.last_apply`). A step of a later plan
exists because live state and the files differ on one fact. If the last apply left
that fact the way the step wants it, live state moved since: the step restores what
someone changed in Loket (**drift**). Otherwise the files changed (**change**). The
plan's ``drift`` section (present after a completed full apply) lists the drift steps;
``plan --refresh-only`` shows only them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.plan.model import Plan, PlannedStep
from mijnloket_gitops.providers.base import Action


def desired_facts(employer: EmployerFile) -> list[str]:
    """What a file asks for, as sorted fact strings: ``product\\tNAME`` and
    ``right\\tLOGIN\\tRIGHT`` (login case-folded)."""
    found = {f"product\t{p}" for p in employer.products}
    found |= {f"right\t{u.login.casefold()}\t{r}" for u in employer.users for r in u.rights}
    return sorted(found)


def _fact(planned: PlannedStep) -> tuple[str, bool]:
    step = planned.step
    if step.product is not None:
        return f"product\t{step.product}", step.action == Action.ACTIVATE
    login = (step.login or "").casefold()
    return f"right\t{login}\t{step.right}", step.action == Action.GRANT


def drift_keys(plan: Plan, last_facts: Mapping[str, list[str]]) -> list[str]:
    """Keys of the steps that restore a fact the last apply left as the step wants it."""
    keys: list[str] = []
    for employer in plan.changed:
        then = last_facts.get(employer.employer_id.lower())
        if then is None:  # not managed by the last apply: everything is change
            continue
        held = set(then)
        for planned in employer.steps:
            fact, wanted = _fact(planned)
            if (fact in held) is wanted:
                keys.append(planned.key)
    return keys


def with_drift(plan: Plan, last_facts: Mapping[str, list[str]], since: str) -> Plan:
    """``plan`` with its ``drift`` section."""
    return replace(plan, drift={"since": since, "steps": drift_keys(plan, last_facts)})


def only_drift(plan: Plan) -> Plan:
    """``plan`` with only its drift steps (``plan --refresh-only``): what changed in
    Loket since the last apply. Without a drift section (no completed full apply),
    nothing is known to be drift."""
    keys = set((plan.drift or {}).get("steps", ()))
    employers = tuple(
        replace(e, steps=tuple(s for s in e.steps if s.key in keys)) for e in plan.employers
    )
    employers = tuple(replace(e, takes_over=False) for e in employers)  # file changes
    return replace(plan, employers=employers, violations=(), overridden=(), removed=())
