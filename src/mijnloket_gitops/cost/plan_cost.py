"""What a plan does to the monthly bill: per employer before and after, and in total.

The result is the plan's ``cost`` section (``docs/plan-format.md``): after is what
the employer files cost, before what live state costs now. Live state is not kept
after planning (at 50,000 employers it would cost more memory than the plan), and
it need not be: the plan's product steps are exactly the difference between the
catalog products live and in the file, so live = file - activations + deactivations.
Products the catalog does not know have no price.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.config import PricingConfig, Settings
from mijnloket_gitops.cost import as_number, monthly_cost
from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.plan.model import Plan
from mijnloket_gitops.providers.base import Action


def with_cost(settings: Settings, desired: Sequence[tuple[str, EmployerFile]], plan: Plan) -> Plan:
    """``plan`` with its cost delta where ``pricing:`` is configured, else as it is:
    without prices nothing about money is said."""
    if settings.config.pricing is None:
        return plan
    cost = plan_cost(settings.config.pricing, settings.catalog, desired, plan)
    return dataclasses.replace(plan, cost=cost)


def plan_cost(
    pricing: PricingConfig,
    catalog: Catalog,
    desired: Sequence[tuple[str, EmployerFile]],
    plan: Plan,
) -> dict[str, Any]:
    """The ``cost`` section of ``plan``, made from the files in ``desired``."""
    files = {e.employer_id: e for _, e in desired}
    employers: dict[str, Any] = {}
    total_before = total_after = Decimal(0)
    for planned in plan.employers:
        employer = files.get(planned.employer_id)
        if employer is None:
            continue
        after_products = set(employer.products)
        on = {s.step.product for s in planned.steps if s.step.action == Action.ACTIVATE}
        off = {s.step.product for s in planned.steps if s.step.action == Action.DEACTIVATE}
        before_products = (after_products - on) | {p for p in off if p is not None}
        before = monthly_cost(pricing, catalog, employer.employer_id, before_products)
        after = monthly_cost(pricing, catalog, employer.employer_id, after_products)
        total_before += before.total
        total_after += after.total
        employers[employer.employer_id] = {
            "before": as_number(before.total),
            "after": as_number(after.total),
            "delta": as_number(after.total - before.total),
            "tier_delta": as_number(after.tier - before.tier),
            "employees": after.employees,
        }
    return {
        "currency": pricing.currency,
        "period": "month",
        "before": as_number(total_before),
        "after": as_number(total_after),
        "delta": as_number(total_after - total_before),
        "employers": employers,
    }
