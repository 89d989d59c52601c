"""Helpers for the sandbox tests: a diff of live vs files (the files: ``sandbox/synthetic.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.providers.base import LiveEmployer
from mijnloket_gitops.tier import derive_tier, tier_rank


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
