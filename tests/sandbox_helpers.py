"""Helpers for the sandbox tests: valid employer files, and a diff of live vs files."""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.providers.base import LiveEmployer
from mijnloket_gitops.tier import derive_tier, tier_rank

AK_POOL = ("a.de.vries@kantoor.example", "b.jansen@kantoor.example", "c.peters@kantoor.example")


def employer_yaml(catalog: Catalog, rng: random.Random, index: int) -> str:
    """A valid employer file with a random but consistent set of products."""
    employer_id = uuid.UUID(int=rng.getrandbits(128), version=4)
    status = rng.choice(["signed", "signed", "signed", "requested", "none"])
    portal = catalog.portal
    if status == "signed":
        extras = [p for p in catalog.products if portal in catalog.products[p].requires]
        products = catalog.with_prerequisites({portal, *rng.sample(extras, rng.randint(0, 5))})
    else:
        support = [p for p, v in catalog.products.items() if v.tier == "none" and not v.excludes]
        products = set(rng.sample(support, rng.randint(0, 2)))
    lines = [
        "version: 1",
        f"employer_id: {employer_id}",
        f"name: Werkgever {index:04d} B.V.",
        "addendum:",
        f"  status: {status}",
    ]
    if status == "signed":
        lines += ["  signed_on: 2025-01-15", f'  ticket: "LKT-{10000 + index}"']
    tier = derive_tier(catalog, products).tier
    if tier:
        lines.append(f"tier: {tier}")
    lines.append("products:" if products else "products: []")
    lines += [f"  - {p}" for p in catalog.sort(products)]
    right = next(iter(catalog.rights))
    users = [
        (rng.choice(AK_POOL), "ak-gebruiker"),
        (f"hr{index}@werkgever.example", "werkgevergebruiker"),
    ]
    lines.append("users:")
    for login, kind in users:
        rights = f"[{right}]" if tier and rng.random() < 0.6 else "[]"
        lines += [f"  - login: {login}", f"    type: {kind}", f"    rights: {rights}"]
    return "\n".join(lines) + "\n"


def write_employers(directory: Path, catalog: Catalog, count: int, seed: int) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    for index in range(count):
        (directory / f"werkgever-{index:04d}.yaml").write_text(
            employer_yaml(catalog, rng, index), encoding="utf-8"
        )


@dataclass
class Diff:
    """What a plan from live to the files would do, counted independently of the planner."""

    touched: int = 0
    activations: int = 0
    deactivations: int = 0
    grants: int = 0
    revokes: int = 0
    upgrades: int = 0
    active: int = 0
    """Known live product activations of the managed employers (the guard's base)."""
    problems: list[str] = field(default_factory=list)


def diff(catalog: Catalog, files: Sequence[EmployerFile], live: dict[str, LiveEmployer]) -> Diff:
    result = Diff()
    for employer in files:
        state = live[employer.employer_id]
        known = {p for p in state.products if p in catalog.products}
        desired = set(employer.products)
        result.active += len(known)
        wanted = {(u.login.casefold(), r) for u in employer.users for r in u.rights}
        held = {(k, r) for k, u in state.users.items() for r in u.rights}
        activate, deactivate = desired - known, known - desired
        grants, revokes = wanted - held, held - wanted
        result.activations += len(activate)
        result.deactivations += len(deactivate)
        result.grants += len(grants)
        result.revokes += len(revokes)
        result.touched += bool(activate or deactivate or grants or revokes)
        before = tier_rank(derive_tier(catalog, known).tier)
        after = tier_rank(derive_tier(catalog, desired).tier)
        result.upgrades += after > before
        name = employer.name
        if after < before:
            result.problems.append(f"{name}: tier downgrade")
        if catalog.portal in deactivate:
            result.problems.append(f"{name}: MijnLoket removal")
        if state.portal_available != (employer.addendum.status == "signed"):
            result.problems.append(f"{name}: portal_available differs from the addendum")
        for user in employer.users:
            if state.user(user.login) is None:
                result.problems.append(f"{name}: user {user.login} missing live")
    return result
