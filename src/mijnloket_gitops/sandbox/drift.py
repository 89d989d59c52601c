"""Kinds of drift the seed puts between an employer file and its live state.

Each kind changes a working copy of one employer's live state so that the first plan
has something to show, or answers None when it does not fit the employer. Every kind
keeps the live state realistic and the plan safe: live dependencies stay consistent,
the plan never lowers the tier and never switches MijnLoket off.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from mijnloket_gitops.catalog import Catalog, Tier, UserType
from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.tier import derive_tier, tier_rank


@dataclass
class LiveDraft:
    """A mutable draft of one employer's live state, starting equal to its file."""

    file: EmployerFile
    products: set[str]
    rights: dict[str, set[str]]
    """Rights held, by login as the file spells it (extra users included)."""
    types: dict[str, UserType]
    drift: list[str] = field(default_factory=list)

    @classmethod
    def from_file(cls, employer: EmployerFile) -> LiveDraft:
        return cls(
            employer,
            set(employer.products),
            {u.login: set(u.rights) for u in employer.users},
            {u.login: u.type for u in employer.users},
        )

    def desired_rights(self, login: str) -> set[str]:
        for user in self.file.users:
            if user.login == login:
                return set(user.rights)
        return set()


Drift = Callable[[Catalog, LiveDraft, random.Random], str | None]


def consistent(catalog: Catalog, products: Collection[str]) -> bool:
    """Every product's requirements are met and no two products exclude each other."""
    for name in products:
        product = catalog.products.get(name)
        if product is None:
            continue
        if any(r not in products for r in product.requires):
            return False
        if any(not set(group) & set(products) for group in product.requires_one_of):
            return False
        if any(x in products for x in product.excludes):
            return False
    return True


def _tier(catalog: Catalog, products: Collection[str]) -> Tier | None:
    return derive_tier(catalog, products).tier


def safe(catalog: Catalog, draft: LiveDraft, products: Collection[str]) -> bool:
    """Planning from ``products`` to the file neither lowers the tier nor removes the portal."""
    desired = draft.file.products
    if catalog.portal in products and catalog.portal not in desired:
        return False
    return tier_rank(_tier(catalog, products)) <= tier_rank(_tier(catalog, desired))


def _acceptable(catalog: Catalog, draft: LiveDraft, products: set[str]) -> bool:
    return consistent(catalog, products) and safe(catalog, draft, products)


def tier_upgrade(tier: Tier) -> Drift:
    """Live lacks the products that make the file's tier ``tier``: the plan upgrades."""

    def drift(catalog: Catalog, draft: LiveDraft, rng: random.Random) -> str | None:
        if _tier(catalog, draft.file.products) != tier:
            return None
        top = {
            p for p in draft.products if p in catalog.products and catalog.products[p].tier == tier
        }
        remaining = draft.products - top
        if not top or not _acceptable(catalog, draft, remaining):
            return None
        lower = _tier(catalog, remaining)
        if tier_rank(lower) >= tier_rank(tier):
            return None
        draft.products = remaining
        names = ", ".join(catalog.sort(top))
        them = "it" if len(top) == 1 else "them"
        return f"live lacks {names}: the plan activates {them} and upgrades {lower} → {tier}"

    return drift


def activation(catalog: Catalog, draft: LiveDraft, rng: random.Random) -> str | None:
    """Live lacks one product of the file that nothing else needs; the tier stays."""
    tier = _tier(catalog, draft.products)
    candidates = [
        p
        for p in catalog.sort(draft.products & set(draft.file.products))
        if p != catalog.portal
        and _acceptable(catalog, draft, draft.products - {p})
        and _tier(catalog, draft.products - {p}) == tier
    ]
    if not candidates:
        return None
    product = rng.choice(candidates)
    draft.products.discard(product)
    return f"live lacks {product}: the plan activates it"


def grant(catalog: Catalog, draft: LiveDraft, rng: random.Random) -> str | None:
    """Live lacks one right the file gives."""
    held = [(login, r) for login in sorted(draft.rights) for r in sorted(draft.rights[login])]
    wanted = [(login, r) for login, r in held if r in draft.desired_rights(login)]
    if not wanted:
        return None
    login, right = rng.choice(wanted)
    draft.rights[login].discard(right)
    return f"live lacks {right} for {login}: the plan grants it"


def _domain(draft: LiveDraft) -> str:
    for login, kind in sorted(draft.types.items()):
        if kind == "werkgevergebruiker" and "@" in login:
            return login.rsplit("@", 1)[1]
    slug = re.sub(r"[^a-z0-9]+", "-", draft.file.name.casefold()).strip("-")
    return f"{slug or 'werkgever'}.example"


def revoke(catalog: Catalog, draft: LiveDraft, rng: random.Random) -> str | None:
    """One more user holds a right live than the file says: the plan revokes it."""
    rights = [
        r for r in sorted(catalog.rights) if set(catalog.rights[r].requires) <= draft.products
    ]
    if not rights:
        return None
    right = rng.choice(rights)
    allowed = catalog.rights[right].user_types
    # Not a user the file gives the right: that would undo a grant drift on the same
    # user and report both "live lacks it" and "holds it live".
    holders = [
        login
        for login in sorted(draft.rights)
        if draft.types[login] in allowed
        and right not in draft.rights[login]
        and right not in draft.desired_rights(login)
    ]
    if holders:
        login = rng.choice(holders)
    elif "werkgevergebruiker" in allowed:
        login = f"salarisadministratie@{_domain(draft)}"
        draft.types[login] = "werkgevergebruiker"
        draft.rights[login] = set()
    else:  # pragma: no cover - only with a catalog override
        return None
    draft.rights[login].add(right)
    return f"{login} holds {right} live, the file does not say so: the plan revokes it"


def deactivation(catalog: Catalog, draft: LiveDraft, rng: random.Random) -> str | None:
    """Live has one product more than the file, without changing the tier."""
    tier = _tier(catalog, draft.products)
    candidates = [
        p
        for p in catalog.products
        if p not in draft.products
        and p not in draft.file.products
        and catalog.products[p].gate is None
        and _acceptable(catalog, draft, draft.products | {p})
        and _tier(catalog, draft.products | {p}) == tier
    ]
    if not candidates:
        return None
    product = rng.choice(candidates)
    draft.products.add(product)
    return f"live has {product}, the file does not: the plan deactivates it"
