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
    best = "start"
    raising: dict[str, Tier] = {}
    for name in set(products):
        product = catalog.products.get(name)
        if product is None or product.tier == "none":
            continue
        if TIER_RANK[product.tier] > TIER_RANK["start"]:
            raising[name] = product.tier
        if TIER_RANK[product.tier] > TIER_RANK[best]:
            best = product.tier
    # only the few products that raise the tier are sorted (planning 50k employers
    # derives 100k tiers)
    reasons = [(name, raising[name]) for name in catalog.sort(raising)]
    tier: Tier = best  # type: ignore[assignment]
    return TierResult(tier, tuple(reasons))


def tier_rank(tier: str | None) -> int:
    """Order of tiers for comparisons: no tier < start < plus < pro."""
    return TIER_RANK[tier or "none"]
