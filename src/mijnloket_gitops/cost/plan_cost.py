"""What a plan does to the monthly bill: per employer before and after, and in total.

The result is the plan's ``cost`` section (``docs/plan-format.md``): before is what
live state costs now, after what the employer files cost once the plan is applied.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.config import PricingConfig
from mijnloket_gitops.cost import as_number, monthly_cost
from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.providers.base import LiveEmployer


def plan_cost(
    pricing: PricingConfig,
    catalog: Catalog,
    desired: Sequence[tuple[str, EmployerFile]],
    live: Mapping[str, LiveEmployer],
) -> dict[str, Any]:
    """The ``cost`` section of a plan over ``desired`` against ``live``."""
    employers: dict[str, Any] = {}
    total_before = total_after = Decimal(0)
    for _, employer in desired:
        state = live.get(employer.employer_id)
        known = [p for p in (state.products if state else ()) if p in catalog.products]
        before = monthly_cost(pricing, catalog, employer.employer_id, known)
        after = monthly_cost(pricing, catalog, employer.employer_id, employer.products)
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
