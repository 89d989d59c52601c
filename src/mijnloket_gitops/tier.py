"""Derive the MijnLoket tier from the active products.

The tier is never chosen: it is the highest tier effect among the active products,
and only while the portal product (MijnLoket) itself is active.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from mijnloket_gitops.catalog import TIER_RANK, Catalog, Tier


@dataclass(frozen=True)
class TierResult:
    """The derived tier and the products that raise it above Start."""

    tier: Tier | None
    reasons: tuple[tuple[str, Tier], ...]

    def because(self) -> str:
        """The products that set the tier, for messages: "X (plus), Y (pro)"."""
        if not self.reasons:
            return "only Start products are active"
        return ", ".join(f"{name} ({tier})" for name, tier in self.reasons)


def derive_tier(catalog: Catalog, products: Collection[str]) -> TierResult:
    """The tier that ``products`` imply, or ``None`` while the portal is off."""
    if catalog.portal not in products:
        return TierResult(None, ())
    # Every product above Start is a reason; the tier is the highest of them, whatever
    # order the catalog lists products in (``catalog.tiers`` rises), Start if none.
    above_start: dict[str, Tier] = {
        tier: tier for tier in catalog.tiers if TIER_RANK[tier] > TIER_RANK["start"]
    }
    raising = {
        name: above_start[product.tier]
        for name in set(products)
        if (product := catalog.products.get(name)) is not None and product.tier in above_start
    }
    # only the few products that raise the tier are sorted (planning 50k employers
    # derives 100k tiers)
    reasons = tuple((name, raising[name]) for name in catalog.sort(raising))
    present = set(raising.values())
    highest: Tier = next((tier for tier in reversed(catalog.tiers) if tier in present), "start")
    return TierResult(highest, reasons)


def tier_rank(tier: str | None) -> int:
    """Order of tiers for comparisons: no tier < start < plus < pro."""
    return TIER_RANK[tier or "none"]
