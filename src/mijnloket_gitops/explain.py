"""Explain an employer's derived tier: which products set it and what each requires.

A product never activates what it requires: the file must list it too (validate
reports missing-dependency otherwise), so the word is "requires", not "pulls in".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.config import PricingConfig
from mijnloket_gitops.cost import as_number, format_money, monthly_cost
from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.tier import derive_tier
from mijnloket_gitops.visible import printable


@dataclass(frozen=True)
class Explanation:
    """Why an employer has the tier it has; ``data`` is the JSON form."""

    data: dict[str, Any]


def explain_employer(
    catalog: Catalog, employer: EmployerFile, path: str, pricing: PricingConfig | None = None
) -> Explanation:
    derived = derive_tier(catalog, employer.products)
    listed = set(employer.products)
    products = []
    for name in catalog.sort(listed):
        product = catalog.products.get(name)
        if product is None:
            products.append({"product": name, "known": False})
            continue
        products.append(
            {
                "product": name,
                "known": True,
                "tier_effect": product.tier,
                "requires": list(product.requires),
                "requires_one_of": [
                    {"options": list(group), "chosen": [n for n in group if n in listed]}
                    for group in product.requires_one_of
                ],
            }
        )
    data: dict[str, Any] = {}
    if pricing is not None:  # issue 15: the monthly cost, only with pricing
        cost = monthly_cost(pricing, catalog, employer.employer_id, employer.products)
        data["cost"] = {
            "currency": pricing.currency,
            "monthly": as_number(cost.total),
            "tier": as_number(cost.tier),
            "products": as_number(cost.products),
            "employees": cost.employees,
        }
    return Explanation(
        {
            "path": path,
            "employer_id": employer.employer_id,
            "name": employer.name,
            "tier": derived.tier,
            "tier_written": employer.tier,
            "reasons": [{"product": p, "tier": t} for p, t in derived.reasons],
            "start_features": list(catalog.start_features) if derived.tier else [],
            "products": products,
            **data,
        }
    )


def render_explanation(explanation: Explanation) -> str:
    """The text form, for a terminal: names and paths come from files, so any control
    character in them is spelled out rather than sent to the terminal."""
    return printable_lines(_render(explanation.data))


def printable_lines(text: str) -> str:
    return "\n".join(printable(line) for line in text.split("\n"))


def _render(d: dict[str, Any]) -> str:
    lines = [f"{d['name']} ({d['employer_id']})  {d['path']}"]
    if d["tier"] is None:
        lines.append("  tier: none (MijnLoket is off)")
    else:
        lines.append(f"  tier: {d['tier']}")
        if d["reasons"]:
            for reason in d["reasons"]:
                lines.append(f"    raised to {reason['tier']} by {reason['product']}")
        else:
            lines.append("    only Start products are active")
        lines.append("  included in Start: " + ", ".join(d["start_features"]))
        if d["tier_written"] != d["tier"]:
            lines.append(f"  the file says tier: {d['tier_written'] or '(nothing)'}")
    if "cost" in d:  # issue 15
        lines.append("  " + _cost_line(d["cost"]))
    for product in d["products"]:
        if not product["known"]:
            lines.append(f"  {product['product']}: not in the catalog")
            continue
        needs = list(product["requires"])
        needs += [
            (" or ".join(g["chosen"]) if g["chosen"] else "one of " + " / ".join(g["options"]))
            for g in product["requires_one_of"]
        ]
        if needs:
            lines.append(f"  {product['product']} requires: {', '.join(needs)}")
    return "\n".join(lines) + "\n"


def _cost_line(cost: dict[str, Any]) -> str:
    currency = cost["currency"]
    people = "" if cost["employees"] is None else f"; {cost['employees']} employees"
    return (
        f"monthly cost: {format_money(cost['monthly'], currency)} (tier "
        f"{format_money(cost['tier'], currency)}, products "
        f"{format_money(cost['products'], currency)}{people})"
    )
