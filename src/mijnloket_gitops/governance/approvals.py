"""``approvals:`` in ``mijnloket-gitops.yaml``: who must approve a plan, by what it does.

GitHub's CODEOWNERS routes a review by the files a pull request touches; a payroll
bureau routes it by what the change does: a tier change is a price change for sales,
a grant of a personal-data right is for the privacy officer, switching MijnLoket off
is for the account manager. Each approval names a plan flag (:data:`FLAGS`) and its
reviewers; the plan lists the approvals it needs (``approvals`` in its JSON form) and
``github check-approvals`` fails until each has an approving review.

Default (issue 23): when an approval is named ``privacy``, a bulk grant of
personal-data rights (at :data:`BULK_EMPLOYERS` or more employers) needs it, whatever
its ``when`` says. Without ``approvals:`` nothing is required.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.governance.approval_config import ApprovalConfig, Flag
from mijnloket_gitops.plan.model import PERSONAL_DATA_FLAG, Plan
from mijnloket_gitops.providers.base import Action

PRIVACY = "privacy"
BULK_EMPLOYERS = 2
"""Personal-data grants at this many employers or more are a bulk grant."""
SHOWN = 5
"""Reasons listed per flag before "and N more"."""


def plan_flags(plan: Plan, catalog: Catalog) -> dict[Flag, list[str]]:
    """The flags the plan raises, each with what raises it (one line per employer)."""
    flags: dict[Flag, list[str]] = {}
    for employer in plan.changed:
        who = f"{employer.name} ({employer.employer_id})"
        if employer.tier_change:
            text = (
                f"{who}: tier {employer.tier_before or 'none'} -> {employer.tier_after or 'none'}"
            )
            flags.setdefault("tier_change", []).append(text)
        grants = [
            s.step.subject
            for s in employer.steps
            if s.step.action == Action.GRANT and PERSONAL_DATA_FLAG in s.flags
        ]
        if grants:
            flags.setdefault("personal_data_grant", []).append(f"{who}: grant {', '.join(grants)}")
        if any(
            s.step.action == Action.DEACTIVATE and s.step.product == catalog.portal
            for s in employer.steps
        ):
            flags.setdefault("mijnloket_removal", []).append(f"{who}: MijnLoket off")
    for employer in plan.employers:
        if employer.takes_over:
            flags.setdefault("takeover", []).append(
                f"{employer.name} ({employer.employer_id}): no file managed it at the base ref"
            )
    if plan.cost is not None and plan.cost.get("delta", 0) > 0:
        flags["cost_increase"] = [f"the monthly cost rises by {plan.cost['delta']:.2f}"]
    return flags


def required(
    approvals: Sequence[ApprovalConfig], flags: dict[Flag, list[str]]
) -> list[dict[str, Any]]:
    """The approvals ``flags`` require, in configuration order, each with its reasons."""
    needed = []
    for approval in approvals:
        reasons = list(flags.get(approval.when, ()))
        grants = flags.get("personal_data_grant", [])
        if (
            approval.name == PRIVACY
            and len(grants) >= BULK_EMPLOYERS
            and approval.when != ("personal_data_grant")
        ):
            reasons.append(f"bulk grant of personal-data rights at {len(grants)} employers")
            reasons += grants
        if not reasons:
            continue
        shown = reasons[:SHOWN]
        if len(reasons) > SHOWN:
            shown.append(f"and {len(reasons) - SHOWN} more")
        needed.append(
            {
                "name": approval.name,
                "when": approval.when,
                "reviewers": list(approval.reviewers),
                "reasons": shown,
            }
        )
    return needed


def with_approvals(approvals: Sequence[ApprovalConfig], catalog: Catalog, plan: Plan) -> Plan:
    """``plan`` with the approvals it needs; as it is without ``approvals:``. Call it
    after the cost is added (``cost_increase`` reads it)."""
    if not approvals:
        return plan
    needed = required(approvals, plan_flags(plan, catalog))
    return dataclasses.replace(plan, approvals=tuple(needed))
