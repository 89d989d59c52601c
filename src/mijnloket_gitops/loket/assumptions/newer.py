"""Shapes of the newer listing of Loket's API (method, path and summary only; no
bodies): module switching (A8, A9), bulk reads (A10, A11), provider users (A12, A13)
and a user's authorization set (A18). Every one is assumed, to be verified on Loket's
acceptance environment first (``loket check``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mijnloket_gitops.errors import ProviderError
from mijnloket_gitops.loket.assumptions.base import OpaqueId, RightId, _broken, _field
from mijnloket_gitops.loket.assumptions.rights import (
    parse_authorizations,
    parse_right_states,
    rights_item,
)

MODULES_PATCH_UNAVAILABLE = frozenset({403, 404, 405})
"""A8: statuses of ``PATCH .../modules`` meaning "not for this caller": the step goes to
the work order, and module switching is taken as unavailable from then on. Evidence:
none (no artefact documents an error status); chosen so a refusal is never a failure."""

GATED_REFUSALS = frozenset({400, 409, 422})
"""A8: statuses with which Loket refuses to switch on a gated module (MijnLoket before
the addendum is processed); the step becomes manual with the addendum instruction.
Evidence: none (the listing shows no bodies or statuses); ``loket check`` reports them."""


def module_switch_body(module_id: OpaqueId, enabled: bool) -> dict[str, Any]:
    """A8: ``PATCH /providers/employers/{id}/modules`` takes
    ``{"modules": [{"id": <A17 module id>, "isEnabled": true|false}]}``, merge semantics.

    Evidence: the listing's "Enable or disable modules for an employer" (method and path
    only; the body is assumed). Verified after every PATCH by reading the modules (A2)."""
    return {"modules": [{"id": module_id, "isEnabled": enabled}]}


def parse_provider_modules(items: Iterable[object]) -> dict[str, OpaqueId]:
    """A9: ``GET /providers/{providerId}/modules`` lists ``{"id": <A17 id>, "name"}`` for
    every module the provider has; a module's id (for A8) is found by its name.

    Evidence: the listing's "modules of the provider" (method and path only)."""
    ids: dict[str, OpaqueId] = {}
    for item in items:
        name = _field(item, "name", str, "A9", "a module of /providers/{id}/modules")
        ids[name] = _field(item, "id", (str, int), "A9", "a module of /providers/{id}/modules")
    return ids


def parse_bulk_modules(items: Iterable[object]) -> dict[str, list[Any]]:
    """A10: ``GET /provider/providers/{providerId}/employers/modules`` lists one item per
    employer, ``{"employerId", "modules": [<A2 items>]}``. Returns the items by employer
    id (lower case). Evidence: the listing (method and path only)."""
    found: dict[str, list[Any]] = {}
    for item in items:
        employer_id = _field(item, "employerId", str, "A10", "an item of the bulk modules")
        modules = item.get("modules") if isinstance(item, Mapping) else None
        if not isinstance(modules, list):
            raise _broken("A10", "an item of the bulk modules", item)
        found.setdefault(employer_id.lower(), []).extend(modules)
    return found


def parse_bulk_users(items: Iterable[object]) -> dict[str, list[Any]]:
    """A11: ``GET /providers/{providerId}/employers/users`` lists one item per employer
    user, an A3 item plus ``"employerId"``. Returns the A3 items by employer id (lower
    case). Evidence: the listing (method and path only)."""
    found: dict[str, list[Any]] = {}
    for item in items:
        employer_id = _field(item, "employerId", str, "A11", "an item of the bulk users")
        found.setdefault(employer_id.lower(), []).append(item)
    return found


def parse_provider_user(item: object) -> tuple[str, str]:
    """A12: ``GET /providers/{providerId}/users`` lists ak-gebruikers as ``{"id",
    "userName"}``, like A3. Returns ``(user id, login)``. Evidence: the listing (method
    and path only)."""
    user_id = _field(item, "id", str, "A12", "a provider user")
    login = _field(item, "userName", str, "A12", "a provider user")
    return user_id, login


def parse_provider_user_rights(items: Iterable[object]) -> dict[str, frozenset[str]]:
    """A13: ``GET /providers/users/{userId}/authorizations`` lists, per employer the user
    works for, every right as ``{"employerId", "id", "description", "isEnabled"}``.
    Returns the enabled rights by employer id (lower case). Evidence: the listing
    (method and path only); the flag is read as in A4/A15."""
    held: dict[str, set[str]] = {}
    for item in items:
        employer_id = _field(item, "employerId", str, "A13", "a provider user's right")
        rights = held.setdefault(employer_id.lower(), set())
        rights.update(parse_authorizations([item]))
    return {k: frozenset(v) for k, v in held.items()}


def provider_rights_body(
    employer_id: str, right_id: RightId, description: str, enabled: bool, flags: tuple[str, ...]
) -> dict[str, Any]:
    """A13: the PATCH of a provider user's rights names the employer in each item; the
    flag(s) as in A15."""
    item = rights_item(right_id, description, enabled, flags)
    return {"authorizations": [{"employerId": employer_id, **item}]}


USER_SET_MISSING = frozenset({403, 404, 405, 501})
"""A18: statuses meaning the user's ``authorizationSet`` GET is not offered."""


def parse_user_authorization_set(body: object) -> dict[str, tuple[RightId, bool]] | None:
    """A18: ``GET /providers/employers/{employerId}/users/{userId}/authorizationSet``
    answers ``{"content": {"id", "description", "authorizations": [<A4 items>]}}``: the
    user's set with every right and its flag (A15).

    Evidence: the listing's "GET .../users/{userId}/authorizationSet" (method and path
    only; the body is assumed like A14's details with A4's flag). Used only to read a
    rights write back where nothing stronger is offered; None when the answer holds no
    such list (the write then stays unverified).
    """
    content = body.get("content") if isinstance(body, Mapping) else None
    listed = content.get("authorizations") if isinstance(content, Mapping) else None
    if not isinstance(listed, list):
        return None
    try:
        return parse_right_states(listed, "A18")
    except ProviderError:
        return None
