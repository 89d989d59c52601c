"""Explain an employer's derived tier: which products set it and what each requires.

A product never activates what it requires: the file must list it too (validate
reports missing-dependency otherwise), so the word is "requires", not "pulls in".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.tier import derive_tier
from mijnloket_gitops.visible import printable


@dataclass(frozen=True)
class Explanation:
    """Why an employer has the tier it has; ``data`` is the JSON form."""

    data: dict[str, Any]


def explain_employer(catalog: Catalog, employer: EmployerFile, path: str) -> Explanation:
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
