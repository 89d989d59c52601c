"""Every undocumented shape of Loket.nl's API the provider relies on, in one place.

Each function or constant here mirrors one numbered **Assumption** of
``docs/loket-api-contract.md`` (A1-A13). When Loket.nl's real answers turn out to
differ, this module and that page change; nothing else in the provider parses an item
shape. A parser that meets an item of another shape raises
:class:`~mijnloket_gitops.errors.ProviderError` naming the assumption, so a change on
Loket's side shows up as a clear message rather than as a wrong plan.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from mijnloket_gitops.catalog import UserType
from mijnloket_gitops.errors import ProviderError

CONTRACT = "docs/loket-api-contract.md"

RightId = str | int
"""A right's id as Loket gives it; sent back unchanged in PATCH bodies."""


def _broken(assumption: str, what: str, item: object) -> ProviderError:
    shown = json.dumps(item, ensure_ascii=False, default=str)[:200]
    return ProviderError(
        f"Loket.nl answered {what} in a shape the tool does not expect "
        f"(Assumption {assumption} in {CONTRACT}): {shown}"
    )


def _field(
    item: object, key: str, kind: type | tuple[type, ...], assumption: str, what: str
) -> Any:
    if not isinstance(item, Mapping):
        raise _broken(assumption, what, item)
    value = item.get(key)
    if not isinstance(value, kind) or isinstance(value, bool) or value == "":
        raise _broken(assumption, what, item)
    return value


@dataclass(frozen=True)
class ProviderRef:
    """The caller's provider (administratiekantoor)."""

    provider_id: str
    name: str


def parse_provider(items: list[Any]) -> ProviderRef:
    """A1: ``GET /providers`` is a list envelope holding exactly one ``{"id", "name"}``."""
    if len(items) != 1:
        raise _broken("A1", f"/providers with {len(items)} providers", items[:3])
    item = items[0]
    provider_id = _field(item, "id", (str, int), "A1", "/providers")
    name = item.get("name")
    return ProviderRef(str(provider_id), name if isinstance(name, str) else "")


MODULE_FLAGS = ("isEnabled", "enabled", "isActive", "active")
"""A2: keys that may tell whether a listed module is switched on, in the order read."""


def parse_module(item: object) -> str | None:
    """A2: an item of ``/modules`` is ``{"id": <int>, "name": <display name>}``.

    The name is the catalog's product name, spelled exactly; a name the catalog does
    not know is passed on unchanged so the planner reports it. Without a flag, a
    listed module is enabled. An item carrying one of :data:`MODULE_FLAGS` is read by
    it: ``false`` returns None (listed but switched off). A flag that is not a
    boolean fails closed: reading it as "on" could plan wrong changes.
    """
    name: str = _field(item, "name", str, "A2", "a module of /modules")
    assert isinstance(item, Mapping)
    for flag in MODULE_FLAGS:
        if flag in item:
            value = item[flag]
            if not isinstance(value, bool):
                raise _broken("A2", f"a module whose {flag!r} is not true or false", item)
            return name if value else None
    return name


def parse_user(item: object) -> tuple[str, str]:
    """A3: an item of ``/users`` has ``"id"`` (a UUID) and ``"userName"`` (the login).

    Returns ``(user id, login)``.
    """
    user_id = _field(item, "id", str, "A3", "a user of /users")
    login = _field(item, "userName", str, "A3", "a user of /users")
    return user_id, login


AUTHORIZATIONS_GET_MISSING = frozenset({404, 405})
"""A4: statuses meaning ``GET .../users/{userId}/authorizations`` is not offered. The
provider then plans rights from the files, sends them by PATCH and marks them
unverified (the PATCH's merge semantics make an explicit ``isEnabled`` idempotent)."""


def parse_authorizations(items: Iterable[object]) -> frozenset[str]:
    """A4: ``GET .../authorizations`` lists ``{"id", "description", "isEnabled"}``.

    Returns the descriptions of the rights that are enabled; a description is the
    rights catalog's name of the right.
    """
    held: set[str] = set()
    for item in items:
        description = _field(item, "description", str, "A4", "an authorization")
        enabled = item.get("isEnabled") if isinstance(item, Mapping) else None
        if not isinstance(enabled, bool):
            raise _broken("A4", "an authorization", item)
        if enabled:
            held.add(description)
    return frozenset(held)


def parse_authorization_sets(items: Iterable[object]) -> dict[str, set[RightId]]:
    """A5: authorization sets are ``{"id", "description", "authorizations": [...]}``.

    Each nested authorization is ``{"id", "description"}``. Returns every id seen for
    each description (a right normally has one id, listed in several sets).
    """
    ids: dict[str, set[RightId]] = {}
    for item in items:
        nested = item.get("authorizations") if isinstance(item, Mapping) else None
        if not isinstance(nested, list):
            raise _broken("A5", "an authorization set", item)
        for right in nested:
            description = _field(right, "description", str, "A5", "an authorization set")
            right_id: RightId = _field(right, "id", (str, int), "A5", "an authorization set")
            ids.setdefault(description, set()).add(right_id)
    return ids


PROVIDER_USER_TYPE: UserType = "ak-gebruiker"
"""A6: in the older description ak-gebruikers (provider users) cannot be listed, nor
their rights read or changed; where the provider-user capabilities are available
(A12, A13) they are read and changed like werkgevergebruikers."""

LIVE_USER_TYPE: UserType = "werkgevergebruiker"
"""A3/A6: every user ``/users`` lists is a werkgevergebruiker."""

PORTAL_ALWAYS_AVAILABLE = True
"""A7: whether MijnLoket is offered (addendum processed) cannot be read; reported as
offered until a PATCH of the modules is refused for it (A8). The manual step for
MijnLoket tells the person what to do when MijnLoket is not in the list of products."""


# The newer listing of Loket's API (method, path and summary only; no bodies): every
# shape below is assumed, to be verified on Loket's acceptance environment first.

MODULES_PATCH_UNAVAILABLE = frozenset({403, 404, 405})
"""A8: statuses of ``PATCH .../modules`` meaning "not for this caller": the step goes to
the work order, and module switching is taken as unavailable from then on."""

GATED_REFUSALS = frozenset({400, 409, 422})
"""A8: statuses with which Loket refuses to switch on a gated module (MijnLoket before
the addendum is processed); the step becomes manual with the addendum instruction."""


def module_switch_body(module_id: int, enabled: bool) -> dict[str, Any]:
    """A8: ``PATCH /providers/employers/{id}/modules`` takes
    ``{"modules": [{"id": <module id>, "isEnabled": true|false}]}``, merge semantics."""
    return {"modules": [{"id": module_id, "isEnabled": enabled}]}


def parse_provider_modules(items: Iterable[object]) -> dict[str, int]:
    """A9: ``GET /providers/{providerId}/modules`` lists ``{"id": <int>, "name"}`` for every
    module the provider has; a module's id (for A8) is found by its name."""
    ids: dict[str, int] = {}
    for item in items:
        name = _field(item, "name", str, "A9", "a module of /providers/{id}/modules")
        ids[name] = _field(item, "id", int, "A9", "a module of /providers/{id}/modules")
    return ids


def parse_bulk_modules(items: Iterable[object]) -> dict[str, list[Any]]:
    """A10: ``GET /provider/providers/{providerId}/employers/modules`` lists one item per
    employer, ``{"employerId", "modules": [<A2 items>]}``. Returns the items by employer
    id (lower case)."""
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
    case)."""
    found: dict[str, list[Any]] = {}
    for item in items:
        employer_id = _field(item, "employerId", str, "A11", "an item of the bulk users")
        found.setdefault(employer_id.lower(), []).append(item)
    return found


def parse_provider_user(item: object) -> tuple[str, str]:
    """A12: ``GET /providers/{providerId}/users`` lists ak-gebruikers as ``{"id",
    "userName"}``, like A3. Returns ``(user id, login)``."""
    user_id = _field(item, "id", str, "A12", "a provider user")
    login = _field(item, "userName", str, "A12", "a provider user")
    return user_id, login


def parse_provider_user_rights(items: Iterable[object]) -> dict[str, frozenset[str]]:
    """A13: ``GET /providers/users/{userId}/authorizations`` lists, per employer the user
    works for, every right as ``{"employerId", "id", "description", "isEnabled"}``.
    Returns the enabled rights by employer id (lower case)."""
    held: dict[str, set[str]] = {}
    for item in items:
        employer_id = _field(item, "employerId", str, "A13", "a provider user's right")
        rights = held.setdefault(employer_id.lower(), set())
        rights.update(parse_authorizations([item]))
    return {k: frozenset(v) for k, v in held.items()}


def provider_rights_body(
    employer_id: str, right_id: RightId, description: str, enabled: bool
) -> dict[str, Any]:
    """A13: the PATCH of a provider user's rights names the employer in each item."""
    item = {"employerId": employer_id, "id": right_id, "description": description}
    return {"authorizations": [{**item, "isEnabled": enabled}]}
