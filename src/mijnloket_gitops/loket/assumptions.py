"""Every undocumented shape of Loket.nl's API the provider relies on, in one place.

Each function or constant here mirrors one numbered **Assumption** of
``docs/loket-api-contract.md`` (A1-A7). When Loket.nl's real answers turn out to
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


OBSERVED_USER_TYPES: frozenset[UserType] = frozenset({"werkgevergebruiker"})
"""A6: ak-gebruikers (provider users) cannot be listed, nor their rights read."""

AUTOMATIC_RIGHT_USER_TYPES: frozenset[UserType] = frozenset({"werkgevergebruiker"})
"""A6: only werkgevergebruikers' rights can be changed through the API."""

LIVE_USER_TYPE: UserType = "werkgevergebruiker"
"""A3/A6: every user ``/users`` lists is a werkgevergebruiker."""

PORTAL_ALWAYS_AVAILABLE = True
"""A7: whether MijnLoket is offered (addendum processed) cannot be read; reported as
offered. The manual step for MijnLoket tells the person what to do when MijnLoket is
not in the list of products."""
