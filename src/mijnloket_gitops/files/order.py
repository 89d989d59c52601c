"""The canonical order of an employer file's keys and lists (what ``fmt`` writes).

Keys in the order of the model's fields (:class:`EmployerFile`, :class:`Addendum`,
:class:`User`), keys the model does not know after those in their own order;
``products`` in catalog order, ``users`` by login (case-insensitive), each user's
``rights`` in rights-catalog order, names the catalog does not know last.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.files.model import Addendum, EmployerFile, User

Shape = tuple[str, ...]
"""A path with every list index replaced by ``*``: ``("users", "*", "rights")``."""

KEY_ORDER: dict[Shape, tuple[str, ...]] = {
    (): tuple(EmployerFile.model_fields),
    ("addendum",): tuple(Addendum.model_fields),
    ("users", "*"): tuple(User.model_fields),
}
KEY_NAMES = {shape: frozenset(names) for shape, names in KEY_ORDER.items()}


SortKey = Callable[[Any], Any]


def sort_keys(catalog: Catalog) -> dict[Shape, SortKey]:
    """The sort key of each list that has an order of its own, by its shape."""
    products = catalog.order
    rights = {name: i for i, name in enumerate(catalog.rights)}

    def by_product(item: Any) -> int:
        return products.get(item, len(products)) if isinstance(item, str) else len(products)

    def by_right(item: Any) -> int:
        return rights.get(item, len(rights)) if isinstance(item, str) else len(rights)

    def by_login(item: Any) -> tuple[int, str, str]:
        login = item.get("login") if isinstance(item, dict) else None
        return (0, login.casefold(), login) if isinstance(login, str) else (1, "", "")

    return {("products",): by_product, ("users",): by_login, ("users", "*", "rights"): by_right}


def key_order(mapping: dict[Any, Any], shape: Shape) -> list[Any]:
    """The keys of ``mapping`` (at ``shape``) in canonical order."""
    known = KEY_ORDER.get(shape)
    if known is None:
        return list(mapping)
    first = [k for k in known if k in mapping]
    if len(first) == len(mapping):
        return first
    names = KEY_NAMES[shape]
    return first + [k for k in mapping if not (isinstance(k, str) and k in names)]


def item_order(items: list[Any], shape: Shape, keys: Mapping[Shape, SortKey]) -> list[int]:
    """The indexes of ``items`` (at ``shape``) in canonical order (a stable sort)."""
    key = keys.get(shape)
    indexes = list(range(len(items)))
    return indexes if key is None else sorted(indexes, key=[key(x) for x in items].__getitem__)


def canonical_order(value: Any, shape: Shape, keys: Mapping[Shape, SortKey]) -> Any:
    """``value`` (at ``shape``) with its keys and lists in canonical order."""
    if isinstance(value, dict):
        return {
            k: canonical_order(value[k], (*shape, str(k)), keys) for k in key_order(value, shape)
        }
    if isinstance(value, list):
        return [
            canonical_order(value[i], (*shape, "*"), keys) for i in item_order(value, shape, keys)
        ]
    return value
