"""An employer file drafted from live state: the data, and comments for what live cannot say.

Live state tells which products are on and who holds which rights. It cannot tell
when the addendum was signed or under which ticket, whether an addendum was
requested where MijnLoket is off, the rights of users the provider cannot see, or
what a product the catalog does not know means. Each of those becomes a comment in
the file rather than a guess; the addendum evidence becomes commented ``null`` values and
``evidence: pending``, which ``validate`` reports as a warning and which keeps apply
away from the employer until a person fills the evidence in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import get_args

from mijnloket_gitops.catalog import Catalog, UserType
from mijnloket_gitops.evidence.prompts import EVIDENCE_FIELDS, EVIDENCE_GAP
from mijnloket_gitops.files.comments import Comments
from mijnloket_gitops.files.model import Addendum, EmployerFile, User
from mijnloket_gitops.files.positions import PathKey
from mijnloket_gitops.providers.base import LiveEmployer
from mijnloket_gitops.tier import derive_tier

SIGNED = "MijnLoket is active live, so the addendum was signed"
NO_ADDENDUM = [
    "MijnLoket is off live; live state cannot tell whether an addendum was requested.",
    "If it was, write: status: requested",
]

Observes = Callable[[UserType], bool]


@dataclass(frozen=True)
class Draft:
    """The file to write for one live employer, and what it leaves open."""

    employer: EmployerFile
    comments: Comments
    unknown_products: tuple[str, ...] = ()
    """Live products the catalog does not know: in a comment, not in ``products``."""
    unknown_rights: tuple[tuple[str, str], ...] = ()
    """(login, right) pairs live that the rights catalog does not know: in a comment."""
    evidence_gaps: tuple[PathKey, ...] = ()
    """Fields written as commented ``null``s for a person to fill in."""
    unobserved: tuple[UserType, ...] = field(default=())
    """User types whose rights the provider cannot read."""
    addendum_unknown: bool = False
    """MijnLoket is off live, so live state cannot say whether an addendum was
    requested: the file says ``status: none`` with a comment for a person to check."""


def _users(
    live: LiveEmployer, catalog: Catalog, unobserved: tuple[UserType, ...]
) -> tuple[list[User], list[tuple[str, str]]]:
    """Every live user whose rights were read, with or without rights, so that a later
    ``edit --to werkgevergebruiker`` finds them all; users whose rights could not be read
    are left to :func:`_users_comment` (listed with ``rights: []`` they would be planned
    as revocations of every right on every run)."""
    users: list[User] = []
    unknown: list[tuple[str, str]] = []
    for _, user in sorted(live.users.items()):
        if user.type in unobserved:
            continue
        rights = [r for r in catalog.rights if r in user.rights]
        unknown += [(user.login, r) for r in sorted(user.rights) if r not in catalog.rights]
        users.append(User(login=user.login, type=user.type, rights=rights))
    users.sort(key=lambda u: (u.login.casefold(), u.login))
    return users, unknown


def _products_comment(unknown: tuple[str, ...]) -> list[str]:
    return [
        "",
        "Live in Loket but not in the catalog, so not listed here (plan leaves them alone):",
        *(f"  - {name}" for name in unknown),
        "To manage them, add them under catalog.products in mijnloket-gitops.yaml.",
    ]


def _users_comment(
    unobserved: tuple[UserType, ...],
    unknown: list[tuple[str, str]],
    provider: str,
    live: LiveEmployer,
) -> list[str]:
    lines: list[str] = []
    for kind in unobserved:
        lines.append(
            f"Rights of {kind}s could not be read: the {provider} provider cannot see them."
            f" Add the {kind}s who hold rights here by hand."
        )
        seen = sorted((u.login for u in live.users.values() if u.type == kind), key=str.casefold)
        if seen:
            lines.append(f"{kind.capitalize()}s live in Loket for this employer:")
            lines += [f"  - {login}" for login in seen]
    if unknown:
        lines.append("Live rights that are not in the rights catalog, so not listed here:")
        lines += [f"  - {right} ({login})" for login, right in unknown]
    return ["", *lines] if lines else []


def draft_employer(
    live: LiveEmployer, catalog: Catalog, observes: Observes, provider: str
) -> Draft:
    """The employer file for ``live``. Raises pydantic's ValidationError for an id that
    is not a UUID (an employer file cannot name it)."""
    comments = Comments()
    known = catalog.sort(p for p in live.products if p in catalog.products)
    unknown = tuple(sorted(p for p in live.products if p not in catalog.products))
    gaps: tuple[PathKey, ...] = ()
    if catalog.portal in live.products:
        addendum = Addendum(status="signed", evidence="pending")
        comments.eol[("addendum", "status")] = SIGNED
        gaps = tuple(("addendum", name) for name in EVIDENCE_FIELDS)
        comments.before[gaps[0]] = list(EVIDENCE_GAP)
        comments.eol.update({("addendum", k): v for k, v in EVIDENCE_FIELDS.items()})
    else:
        addendum = Addendum(status="none")
        comments.before[("addendum", "status")] = NO_ADDENDUM
    unobserved = tuple(
        kind for kind in get_args(UserType) if not observes(kind) or kind in live.rights_unread
    )
    users, unknown_rights = _users(live, catalog, unobserved)
    name = live.name.strip()
    if not name:
        comments.eol[("name",)] = "Loket has no company name for this employer"
    employer = EmployerFile(
        version=1,
        employer_id=live.employer_id,
        name=name or live.employer_id,
        addendum=addendum,
        tier=derive_tier(catalog, known).tier,
        products=known,
        users=users,
    )
    if unknown:
        comments.before[("products",)] = _products_comment(unknown)
    about_users = _users_comment(unobserved, unknown_rights, provider, live)
    if about_users:
        comments.before[("users",)] = about_users
    return Draft(
        employer,
        comments,
        unknown,
        tuple(unknown_rights),
        gaps,
        unobserved,
        addendum_unknown=catalog.portal not in live.products,
    )
