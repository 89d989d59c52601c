"""The changes ``edit`` makes to one employer file, as functions on a :class:`Draft`.

Each operation either changes the draft (and says what in ``draft.notes``) or
returns a :class:`Refusal` saying why this employer is left alone. What a product
needs, excludes or is gated by comes from the catalog; nothing here names a product.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.edit.draft import Draft
from mijnloket_gitops.tier import derive_tier

PriceOf = Callable[[str], float | None]
"""The monthly price of a product on its own, if the repository's pricing states it."""


@dataclass(frozen=True)
class Refusal:
    """Why an employer's file was not edited."""

    reason: str


@dataclass(frozen=True)
class Choice:
    """How a ``requires_one_of`` group was satisfied by ``--activate``."""

    product: str
    chosen: str
    why: str


def closure(
    catalog: Catalog,
    present: set[str],
    product: str,
    prefer: Sequence[str],
    price_of: PriceOf,
) -> tuple[list[str], list[Choice]]:
    """The products ``product`` adds to ``present`` (itself first) and the choices made.

    A ``requires_one_of`` group that ``present`` already satisfies is left alone;
    otherwise the member named in ``prefer`` is taken, else the cheapest member by
    ``price_of``, else the group's first member.
    """
    added: list[str] = []
    choices: list[Choice] = []
    queue = [product]
    while queue:
        name = queue.pop(0)
        if name in present or name in added:
            continue
        added.append(name)
        entry = catalog.products[name]
        queue.extend(entry.requires)
        for group in entry.requires_one_of:
            if set(group) & (present | set(added) | set(queue)):
                continue
            chosen, why = _choose(group, prefer, price_of)
            choices.append(Choice(name, chosen, why))
            queue.append(chosen)
    return catalog.sort(added), choices


def _choose(group: Sequence[str], prefer: Sequence[str], price_of: PriceOf) -> tuple[str, str]:
    for name in prefer:
        if name in group:
            return name, "as --choose says"
    prices = [(price, i) for i, n in enumerate(group) if (price := price_of(n)) is not None]
    if len(prices) == len(group):
        cheapest = group[min(prices)[1]]
        return cheapest, "the cheapest in pricing.products"
    return group[0], "the catalog's first choice; --choose picks another"


def activate(
    draft: Draft, catalog: Catalog, product: str, prefer: Sequence[str], price_of: PriceOf
) -> Refusal | None:
    products = draft.products()
    present = set(products)
    if product in present:
        return None
    added, choices = closure(catalog, present, product, prefer, price_of)
    after = present | set(added)
    for name in added:
        for other in catalog.products[name].excludes:
            if other in after:
                return Refusal(f"{name} cannot be active together with {other}")
    for name in present:
        for other in catalog.products[name].excludes:
            if other in added:
                return Refusal(f"{other} cannot be active together with {name}")
    status = draft.data["addendum"]["status"]
    gated = [n for n in added if catalog.products[n].gate == "addendum"]
    if gated and status != "signed":
        return Refusal(
            f"{product} needs {', '.join(gated)}, and the addendum is {status}, not signed"
        )
    products.extend(added)
    extra = [n for n in added if n != product]
    draft.notes.append(f"activate {product}" + (f" with {', '.join(extra)}" if extra else ""))
    for choice in choices:
        draft.notes.append(f"chose {choice.chosen} for {choice.product} ({choice.why})")
    sync_tier(draft, catalog)
    return None


def dependants(catalog: Catalog, present: Sequence[str], product: str) -> list[str]:
    """The listed products that stop being satisfied when ``product`` goes, transitively."""
    removing = {product}
    while True:
        remaining = set(present) - removing
        broken = {
            name
            for name in remaining
            if name in catalog.products
            and (
                removing & set(catalog.products[name].requires)
                or any(
                    not (set(group) & remaining) for group in catalog.products[name].requires_one_of
                )
            )
        }
        if not broken:
            return catalog.sort(removing - {product})
        removing |= broken


def deactivate(draft: Draft, catalog: Catalog, product: str, cascade: bool) -> Refusal | None:
    products = draft.products()
    if product not in products:
        return None
    also = dependants(catalog, products, product)
    going = {product, *also}
    held = [
        (user["login"], right)
        for user in draft.users()
        for right in user.get("rights") or []
        if right in catalog.rights and going & set(catalog.rights[right].requires)
    ]
    if (also or held) and not cascade:
        needs = [*also, *(f"{right} of {login}" for login, right in held)]
        return Refusal(f"{product} is needed by {', '.join(needs)}; --cascade removes them too")
    for index in sorted((i for i, n in enumerate(products) if n in going), reverse=True):
        draft.remove_item(("products",), index)
    draft.notes.append(
        f"deactivate {product}" + (f" and its dependants {', '.join(also)}" if also else "")
    )
    for login, right in held:
        _remove_right(draft, login, right)
        draft.notes.append(f"revoke {right} from {login} (it needs {product})")
    sync_tier(draft, catalog)
    return None


def _remove_right(draft: Draft, login: str, right: str) -> None:
    for u, user in enumerate(draft.users()):
        rights = user.get("rights") or []
        if user["login"] == login and right in rights:
            draft.remove_item(("users", u, "rights"), rights.index(right))


def sync_tier(draft: Draft, catalog: Catalog) -> None:
    """Write the tier the products now imply (and drop it while MijnLoket is off)."""
    tier = derive_tier(catalog, draft.products()).tier
    written = draft.data.get("tier")
    if tier is not None and written != tier:
        draft.data["tier"] = tier
        draft.notes.append(f"tier {written or 'none'} -> {tier}")
    elif tier is None and "tier" in draft.data:
        draft.remove_key((), "tier")
        draft.notes.append(f"tier {written} -> none (MijnLoket is off)")


def _targets(draft: Draft, to: Sequence[str]) -> list[tuple[int, dict[str, object], bool]]:
    """Users matched by ``to``: (index, user, matched by login rather than by type)."""
    logins = {t.casefold() for t in to}
    matched = []
    for index, user in enumerate(draft.users()):
        by_login = str(user["login"]).casefold() in logins
        if by_login or user["type"] in to:
            matched.append((index, user, by_login))
    return matched


def grant(draft: Draft, catalog: Catalog, right: str, to: Sequence[str]) -> Refusal | None:
    entry = catalog.rights[right]
    products = set(draft.data.get("products") or [])
    granted = []
    for _, user, by_login in _targets(draft, to):
        rights = user.get("rights")
        if isinstance(rights, list) and right in rights:
            continue
        if user["type"] not in entry.user_types:
            if by_login:
                return Refusal(f"{user['login']} is a {user['type']}, who cannot hold {right}")
            continue
        missing = [n for n in entry.requires if n not in products]
        if missing:
            return Refusal(f"{right} needs {', '.join(missing)}, which is not active")
        if not isinstance(rights, list):
            rights = user["rights"] = []
        rights.append(right)
        granted.append(str(user["login"]))
    if granted:
        draft.notes.append(f"grant {right} to {', '.join(granted)}")
    return None


def revoke(draft: Draft, right: str, to: Sequence[str]) -> None:
    revoked = []
    for _, user, _ in _targets(draft, to):
        if right in (user.get("rights") or []):  # type: ignore[operator]
            _remove_right(draft, str(user["login"]), right)
            revoked.append(str(user["login"]))
    if revoked:
        draft.notes.append(f"revoke {right} from {', '.join(revoked)}")
