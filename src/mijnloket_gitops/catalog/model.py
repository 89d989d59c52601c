"""The product and rights catalog as typed values.

The catalog's content is data (``builtin.yaml`` next to this module, extended or
overridden by a configuration repository); this module only gives it a shape and
answers questions about it. Nothing here names a product.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Iterable
from functools import cached_property
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Tier = Literal["start", "plus", "pro"]
TierEffect = Literal["none", "start", "plus", "pro"]
UserType = Literal["ak-gebruiker", "werkgevergebruiker"]
Severity = Literal["error", "warning"]

TIER_RANK: dict[str, int] = {"none": 0, "start": 1, "plus": 2, "pro": 3}


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Product(_Frozen):
    """One product as Loket lists it under Beheer → Werkgever → Producten."""

    name: str
    tier: TierEffect = Field("none", description="Tier effect while the product is active.")
    requires: tuple[str, ...] = Field((), description="Products that must all be active too.")
    requires_one_of: tuple[Annotated[tuple[str, ...], Field(min_length=1)], ...] = Field(
        (),
        description="Groups of products; one of each group must be active (no group is empty:"
        " an empty one could never be met).",
    )
    excludes: tuple[str, ...] = Field((), description="Products that cannot be active with it.")
    gate: Literal["addendum"] | None = Field(
        None, description="A precondition outside the product list."
    )
    dependency_severity: Severity = Field(
        "error", description="Severity of a missing dependency of this product."
    )
    source: str = Field("configuration", description="Where the rule comes from.")
    note: str = Field("", description="Why, in a sentence.")


class Right(_Frozen):
    """A right ("recht") that users can hold for an employer."""

    name: str
    user_types: tuple[UserType, ...]
    requires: tuple[str, ...] = ()
    personal_data: bool = False
    source: str = "configuration"
    note: str = ""


class Catalog(_Frozen):
    """The products and rights the tool knows, in their canonical order."""

    catalog_version: int
    portal: str
    tiers: tuple[Tier, ...]
    start_features: tuple[str, ...]
    web_ui_path: str
    products: dict[str, Product]
    rights: dict[str, Right]

    @cached_property
    def order(self) -> dict[str, int]:
        """Position of each product in catalog order (unknown names sort last)."""
        return {name: i for i, name in enumerate(self.products)}

    @cached_property
    def fingerprint(self) -> str:
        """A short hash of the catalog's content, recorded in saved plans."""
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    def with_prerequisites(self, names: Iterable[str], pick: int = 0) -> set[str]:
        """``names`` plus every product they need, transitively.

        From a ``requires_one_of`` group none of whose members is present, the member
        at index ``pick`` (modulo the group's size) is added.
        """
        result = set(names)
        while True:
            before = len(result)
            for name in sorted(result):
                product = self.products[name]
                result.update(product.requires)
                for group in product.requires_one_of:
                    if not result.intersection(group):
                        result.add(group[pick % len(group)])
            if len(result) == before:
                return result

    @cached_property
    def depths(self) -> dict[str, int]:
        """Length of each product's longest chain of prerequisites (0: needs nothing)."""
        result: dict[str, int] = {}

        def depth(name: str, seen: frozenset[str]) -> int:
            if name in result:
                return result[name]
            if name in seen:  # a cycle in an overridden catalog: stop counting
                return 0
            needs = [n for n in self.prerequisites(name) if n in self.products]
            result[name] = 1 + max((depth(n, seen | {name}) for n in needs), default=-1)
            return result[name]

        for name in self.products:
            depth(name, frozenset())
        return result

    def sort(self, names: Iterable[str]) -> list[str]:
        """``names`` in catalog order; unknown names last, alphabetically."""
        last = len(self.products)
        return sorted(names, key=lambda n: (self.order.get(n, last), n))

    def closest(self, name: str) -> str | None:
        """The catalog product name most like ``name``, for "did you mean" hints."""
        folded = {n.casefold(): n for n in self.products}
        if name.casefold() in folded:
            return folded[name.casefold()]
        match = difflib.get_close_matches(name.casefold(), folded, n=1, cutoff=0.6)
        return folded[match[0]] if match else None

    def closest_right(self, name: str) -> str | None:
        """The rights catalog name most like ``name``."""
        folded = {n.casefold(): n for n in self.rights}
        match = difflib.get_close_matches(name.casefold(), folded, n=1, cutoff=0.6)
        return folded[match[0]] if match else None

    def prerequisites(self, name: str) -> tuple[str, ...]:
        """Every product that ``name`` may need before it: requires and one-of groups."""
        product = self.products.get(name)
        if product is None:
            return ()
        grouped = [n for group in product.requires_one_of for n in group]
        return (*product.requires, *grouped)
