"""The product and rights catalog: packaged data plus a repository's overrides."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from mijnloket_gitops.catalog.model import (
    TIER_RANK,
    Catalog,
    Product,
    Right,
    Severity,
    Tier,
    TierEffect,
    UserType,
)
from mijnloket_gitops.errors import ConfigError
from mijnloket_gitops.files.loader import load_text

__all__ = [
    "TIER_RANK",
    "Catalog",
    "CatalogReferenceError",
    "Product",
    "Right",
    "Severity",
    "Tier",
    "TierEffect",
    "UserType",
    "builtin_catalog",
    "extend_catalog",
]


@cache
def builtin_catalog() -> Catalog:
    """The catalog shipped with the tool (``builtin.yaml``)."""
    text = resources.files(__package__).joinpath("builtin.yaml").read_text("utf-8")
    doc = load_text(text)
    if doc.problems:  # pragma: no cover - guarded by the test suite
        raise ConfigError(f"packaged catalog is broken: {doc.problems[0].message}")
    data: dict[str, Any] = dict(doc.data)
    data["products"] = {n: {"name": n, **(f or {})} for n, f in data["products"].items()}
    data["rights"] = {n: {"name": n, **(f or {})} for n, f in data["rights"].items()}
    return Catalog.model_validate(data)


def extend_catalog(
    base: Catalog,
    products: Mapping[str, Mapping[str, Any]],
    rights: Mapping[str, Mapping[str, Any]],
) -> Catalog:
    """``base`` with products and rights added or partly overridden, by name.

    A name already in the catalog keeps every field the override does not give; a new
    name starts from the defaults. Raises :class:`ConfigError` when the result refers
    to a product that does not exist.
    """
    merged_products = {n: p.model_dump() for n, p in base.products.items()}
    for name, fields in products.items():
        merged_products[name] = {**merged_products.get(name, {"name": name}), **fields}
    merged_rights = {n: r.model_dump() for n, r in base.rights.items()}
    for name, fields in rights.items():
        merged_rights[name] = {**merged_rights.get(name, {"name": name}), **fields}
    catalog = Catalog.model_validate(
        {**base.model_dump(), "products": merged_products, "rights": merged_rights}
    )
    _check_references(catalog)
    return catalog


class CatalogReferenceError(ConfigError):
    """A catalog entry refers to a product that does not exist."""

    def __init__(self, kind: str, entry: str, missing: str) -> None:
        self.kind = kind
        self.entry = entry
        super().__init__(f"catalog {kind[:-1]} {entry!r} refers to unknown product {missing!r}")


def _check_references(catalog: Catalog) -> None:
    for product in catalog.products.values():
        names = [*product.requires, *product.excludes]
        names += [n for group in product.requires_one_of for n in group]
        for name in names:
            if name not in catalog.products:
                raise CatalogReferenceError("products", product.name, name)
    for right in catalog.rights.values():
        for name in right.requires:
            if name not in catalog.products:
                raise CatalogReferenceError("rights", right.name, name)
