"""Compute the steps that take one employer from its live state to its file.

Pure functions of (catalog, desired file, live state, what the provider can do):
no I/O, so every plan can be checked and tested in isolation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from mijnloket_gitops.catalog import Catalog, Tier, UserType
from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.files.model import User as DesiredUser
from mijnloket_gitops.plan.model import (
    HELD_BY_FILE,
    PERSONAL_DATA_FLAG,
    UNVERIFIED_FLAG,
    EmployerPlan,
    PlannedStep,
)
from mijnloket_gitops.plan.ordering import order_steps
from mijnloket_gitops.providers.base import Action, LiveEmployer, Step
from mijnloket_gitops.tier import derive_tier, tier_rank
from mijnloket_gitops.words import article

WAITS_ON_BLOCKED = "waits on a blocked step"
"""How a step blocked only because a step it waits on is blocked says so."""

CanPerform = Callable[[Step], bool]
Observes = Callable[[UserType], bool]


def _everything(user_type: UserType) -> bool:
    return True


def _loose_key(name: str) -> tuple[str, ...]:
    return tuple(word.casefold() for word in name.split())


def _loose_names(catalog: Catalog, live: LiveEmployer) -> dict[str, str]:
    """Live names that differ from a catalog name only by case or whitespace, mapped
    to that name: read as that product (so it is never planned as an activation) and
    reported, rather than taken for an unknown product."""
    others = [p for p in live.products if p not in catalog.products]
    if not others:  # the usual case: building the key map per employer cost 40% of planning
        return {}
    by_key = {_loose_key(name): name for name in catalog.products}
    return {p: by_key[_loose_key(p)] for p in others if _loose_key(p) in by_key}


def _known_live(catalog: Catalog, live: LiveEmployer) -> set[str]:
    known = {p for p in live.products if p in catalog.products}
    return known | set(_loose_names(catalog, live).values())


def _product_steps(catalog: Catalog, employer: EmployerFile, live: LiveEmployer) -> list[Step]:
    desired = set(employer.products)
    known_live = _known_live(catalog, live)
    steps = [Step(employer.employer_id, Action.ACTIVATE, product=p) for p in desired - known_live]
    steps += [
        Step(employer.employer_id, Action.DEACTIVATE, product=p) for p in known_live - desired
    ]
    return steps


def unread_rights_note(user_type: UserType) -> str:
    """The note on an employer whose users of ``user_type`` have rights that cannot be
    read: the same for every such employer, and nothing a person can do about it."""
    return (
        f"the rights of {user_type}s could not be read (Loket.nl does not offer that);"
        " their rights steps are sent as they are in the file and marked unverified, and"
        " users the file does not name are left alone"
    )


def _unchecked(
    catalog: Catalog, employer: EmployerFile, live: LiveEmployer, observes: Observes
) -> list[str]:
    notes = [
        f"{user.login} ({user.type}) should hold {right}; the provider cannot see the rights"
        f" of {article(user.type)}, so check this by hand"
        for user in employer.users
        if not observes(user.type)
        for right in user.rights
        if right in catalog.rights
    ]
    notes += [
        unread_rights_note(user_type)
        for user_type in sorted(live.rights_unread)
        if any(u.type == user_type for u in employer.users)
    ]
    notes += [
        f"live product {name!r} differs from the catalog's {known!r} only in case or"
        f" spacing; read as {known!r}"
        for name, known in sorted(_loose_names(catalog, live).items())
    ]
    return notes


def _right_steps(
    catalog: Catalog, employer: EmployerFile, live: LiveEmployer, observes: Observes
) -> list[Step]:
    steps: list[Step] = []
    wanted: dict[str, set[str]] = {}
    for user in employer.users:
        if not observes(user.type):
            continue
        rights = {r for r in user.rights if r in catalog.rights}
        wanted[user.login.casefold()] = rights
        held = live.user(user.login)
        if user.type in live.rights_unread:
            steps += _unread_right_steps(
                catalog, employer.employer_id, user, rights, exists=held is not None
            )
            continue
        for right in rights - (held.rights if held else frozenset()):
            steps.append(
                Step(
                    employer.employer_id,
                    Action.GRANT,
                    right=right,
                    login=user.login,
                    user_type=user.type,
                )
            )
    for folded, held_user in live.users.items():
        for right in held_user.rights:
            if right in catalog.rights and right not in wanted.get(folded, set()):
                steps.append(
                    Step(
                        employer.employer_id,
                        Action.REVOKE,
                        right=right,
                        login=held_user.login,
                        user_type=held_user.type,
                    )
                )
    return steps


def _unread_right_steps(
    catalog: Catalog, employer_id: str, user: DesiredUser, rights: set[str], *, exists: bool
) -> list[Step]:
    """Every right this user type can hold, set explicitly as the file says: a grant
    for the rights listed, a revoke for the others while the user exists (PATCH with
    ``isEnabled`` true or false is idempotent, so sending what may already hold is
    safe)."""
    return [
        Step(
            employer_id,
            Action.GRANT if name in rights else Action.REVOKE,
            right=name,
            login=user.login,
            user_type=user.type,
        )
        for name, right in catalog.rights.items()
        if user.type in right.user_types and (exists or name in rights)
    ]


def _waits_on(catalog: Catalog, step: Step, by_key: dict[tuple[Action, str], Step]) -> list[str]:
    """Keys of the steps in this plan that ``step`` must wait for."""
    if step.product is not None:  # activate or deactivate
        if step.action == Action.ACTIVATE:
            needs = catalog.prerequisites(step.product)
            return [
                by_key[(Action.ACTIVATE, n)].key for n in needs if (Action.ACTIVATE, n) in by_key
            ]
        # a deactivation waits for the products that need it to go off first
        return [
            s.key
            for (action, name), s in by_key.items()
            if action == Action.DEACTIVATE and step.product in catalog.prerequisites(name)
        ]
    if step.action == Action.GRANT and step.right in catalog.rights:
        needs = catalog.rights[step.right].requires
        return [by_key[(Action.ACTIVATE, n)].key for n in needs if (Action.ACTIVATE, n) in by_key]
    return []


def _blocked(
    catalog: Catalog, step: Step, employer: EmployerFile, live: LiveEmployer, manual: bool
) -> str | None:
    """Why ``step`` cannot happen now, judged on its own."""
    if employer.addendum.evidence == "pending":
        # Onboarding: the file is under review but not yet complete; read-only until then.
        return f"{HELD_BY_FILE}: planned but not applied until signed_on and ticket are filled in"
    product = catalog.products.get(step.product or "")
    if step.action == Action.ACTIVATE and product and product.gate and not live.portal_available:
        ticket = employer.addendum.ticket
        return (
            f"Loket does not offer {step.product} for this employer yet: the signed addendum"
            f" has not been processed{f' (ticket {ticket})' if ticket else ''}"
        )
    if step.action == Action.GRANT and not manual:
        user = live.user(step.login or "")
        if user is None:
            return f"user {step.login} does not exist in Loket for this employer; create it first"
        if user.type != step.user_type:
            return (
                f"user {step.login} is {article(user.type)} in Loket but the file says"
                f" {step.user_type};"
                " correct the file"
            )
    return None


def _tier_reasons(
    catalog: Catalog, before: Iterable[str], after: Iterable[str], lower: Tier | None
) -> tuple[tuple[str, Tier], ...]:
    changed = set(before) ^ set(after)
    reasons: list[tuple[str, Tier]] = []
    for name in catalog.sort(changed):
        product = catalog.products.get(name)
        if product and product.tier != "none" and tier_rank(product.tier) > tier_rank(lower):
            reasons.append((name, product.tier))
    return tuple(reasons)


def plan_employer(
    catalog: Catalog,
    path: str,
    employer: EmployerFile,
    live: LiveEmployer,
    can_perform: CanPerform,
    observes: Observes = _everything,
) -> EmployerPlan:
    """The ordered steps for one employer, with manual, blocked and waits-on marked."""
    steps = order_steps(
        catalog,
        _product_steps(catalog, employer, live) + _right_steps(catalog, employer, live, observes),
    )
    by_key = {(s.action, s.product): s for s in steps if s.product is not None}
    planned: list[PlannedStep] = []
    blocked_keys: dict[str, str] = {}
    for step in steps:
        manual = not can_perform(step)
        waits = tuple(_waits_on(catalog, step, by_key))
        reason = _blocked(catalog, step, employer, live, manual)
        if reason is None:
            waiting_for = [blocked_keys[k] for k in waits if k in blocked_keys]
            if waiting_for:
                reason = f"{WAITS_ON_BLOCKED}: {waiting_for[0]}"
        if reason is not None:
            blocked_keys[step.key] = f"{step.action} {step.subject}"
        right = catalog.rights.get(step.right or "")
        flags: tuple[str, ...] = (
            (PERSONAL_DATA_FLAG,)
            if step.action == Action.GRANT and right and (right.personal_data)
            else ()
        )
        if step.user_type is not None and step.user_type in live.rights_unread:
            flags += (UNVERIFIED_FLAG,)
        planned.append(PlannedStep(step, manual, reason, waits, flags))
    known_live = _known_live(catalog, live)
    loose = _loose_names(catalog, live)
    before = derive_tier(catalog, known_live).tier
    after = derive_tier(catalog, employer.products).tier
    lower = min(before, after, key=tier_rank)
    return EmployerPlan(
        employer_id=employer.employer_id,
        name=live.name,
        file_name=employer.name,
        path=path,
        steps=tuple(planned),
        tier_before=before,
        tier_after=after,
        tier_reasons=_tier_reasons(catalog, known_live, employer.products, lower)
        if before != after
        else (),
        unknown_live_products=tuple(
            sorted(p for p in live.products if p not in catalog.products and p not in loose)
        ),
        unchecked=tuple(_unchecked(catalog, employer, live, observes)),
    )
