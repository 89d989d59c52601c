"""Monthly cost from the repository's ``pricing:``: per employer, and what a plan changes.

Amounts are :class:`~decimal.Decimal` while computed (cents add up exactly) and plain
numbers rounded to cents in a plan's JSON form. Without ``pricing:`` nothing here runs
and no output mentions money.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.config import PricingConfig
from mijnloket_gitops.tier import derive_tier

CENT = Decimal("0.01")
_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}


def _money(value: float) -> Decimal:
    return Decimal(str(value))


@dataclass(frozen=True)
class Cost:
    """One employer's monthly cost, split by where it comes from."""

    tier: Decimal
    """The tier's price, plus its per-employee price times the employee count."""
    products: Decimal
    """Every active product's price, plus its per-employee price times the count."""
    employees: int | None
    """The employee count from ``pricing.employees``; None when not given."""

    @property
    def total(self) -> Decimal:
        return self.tier + self.products


def monthly_cost(
    pricing: PricingConfig, catalog: Catalog, employer_id: str, products: Collection[str]
) -> Cost:
    """What an employer with ``products`` active costs per month."""
    tier = derive_tier(catalog, products).tier
    count = _employees(pricing, employer_id)
    per = pricing.per_employee
    people = Decimal(count or 0)
    tier_part = Decimal(0)
    if tier is not None:
        tier_part = _money(pricing.tiers.get(tier, 0)) + people * _money(per.tiers.get(tier, 0))
    product_part = sum(
        (
            _money(pricing.products.get(name, 0)) + people * _money(per.products.get(name, 0))
            for name in set(products)
        ),
        Decimal(0),
    )
    return Cost(tier_part, product_part, count)


def _employees(pricing: PricingConfig, employer_id: str) -> int | None:
    folded = employer_id.lower()
    for key, count in pricing.employees.items():
        if key.lower() == folded:
            return count
    return None


def as_number(amount: Decimal) -> float:
    """An amount for JSON: a number rounded to cents."""
    return float(amount.quantize(CENT))


def format_money(amount: Decimal | float, currency: str, *, sign: bool = False) -> str:
    """``€1,234.50``; with ``sign``, ``+€12.00`` / ``-€12.00`` / ``±€0.00``."""
    value = Decimal(str(amount)).quantize(CENT)
    symbol = _SYMBOLS.get(currency.upper())
    number = f"{abs(value):,.2f}"
    text = f"{symbol}{number}" if symbol else f"{currency} {number}"
    if value < 0:
        return f"-{text}"
    if sign:
        return f"+{text}" if value > 0 else f"±{text}"
    return text
