"""The monthly cost in rendered plans (issue 15): only when the plan has ``cost``.

Plans made without ``pricing:`` have no ``cost`` section and every function here
returns nothing for them, so no renderer mentions money.
"""

from __future__ import annotations

from mijnloket_gitops.cost import format_money
from mijnloket_gitops.plan.render.common import Data


def employer_cost(plan: Data, employer: Data) -> Data | None:
    cost = plan.get("cost")
    if not cost:
        return None
    found: Data | None = cost["employers"].get(employer["employer_id"])
    return found


def employer_cost_text(plan: Data, employer: Data, arrow: str = "->") -> str | None:
    """``€60.00 -> €95.00 per month (+€35.00)``, or None when unchanged or not priced."""
    found = employer_cost(plan, employer)
    if found is None or found["delta"] == 0:
        return None
    currency = plan["cost"]["currency"]
    return (
        f"{format_money(found['before'], currency)} {arrow} "
        f"{format_money(found['after'], currency)} per month "
        f"({format_money(found['delta'], currency, sign=True)})"
    )


def tier_price_text(plan: Data, employer: Data) -> str | None:
    """``+€35.00 per month for the tier``, for a tier change in a priced plan."""
    found = employer_cost(plan, employer)
    if found is None:
        return None
    currency = plan["cost"]["currency"]
    return f"{format_money(found['tier_delta'], currency, sign=True)} per month for the tier"


def total_cost_text(plan: Data, arrow: str = "->") -> str | None:
    """``Monthly cost: €1,000.00 -> €1,035.00 (+€35.00)``; None without pricing."""
    cost = plan.get("cost")
    if not cost:
        return None
    currency = cost["currency"]
    if cost["delta"] == 0:
        return f"Monthly cost: {format_money(cost['after'], currency)} (unchanged)"
    return (
        f"Monthly cost: {format_money(cost['before'], currency)} {arrow} "
        f"{format_money(cost['after'], currency)} "
        f"({format_money(cost['delta'], currency, sign=True)} per month)"
    )
