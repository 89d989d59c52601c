"""The shapes every read relies on (A1-A3, A6, A7) and the helpers all parsers share:
an opaque id (A17), a field read strictly, a shape that breaks an assumption."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mijnloket_gitops.catalog import UserType
from mijnloket_gitops.errors import ProviderError

CONTRACT = "docs/loket-api-contract.md"

OpaqueId = str | int
"""A17: the id of a right or a module, opaque. Every id in the artefacts is a UUID
string (n8n: the rights PATCH example ``"id": "b14acd0d-..."``; Mockoon: every
resource); none is ever a number there. The tool never interprets one: it keeps the
JSON value Loket sent (a number only where a Loket, such as the emulator's older
worlds, sends numbers) and sends it back unchanged; ids are compared as text."""

RightId = OpaqueId
"""A right's id as Loket gives it (A17)."""


def id_text(value: OpaqueId) -> str:
    """A17: an id as text, for comparing and for messages."""
    return str(value).lower()


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
    """A1: ``GET /providers`` is a list envelope holding exactly one ``{"id", "name"}``.

    Evidence: n8n "Provider: get" (older description); Mockoon ``GET /providers``."""
    if len(items) != 1:
        raise _broken("A1", f"/providers with {len(items)} providers", items[:3])
    item = items[0]
    provider_id = _field(item, "id", (str, int), "A1", "/providers")
    name = item.get("name")
    return ProviderRef(str(provider_id), name if isinstance(name, str) else "")


MODULE_FLAGS = ("isEnabled", "enabled", "isActive", "active")
"""A2: keys that may tell whether a listed module is switched on, in the order read."""


def parse_module(item: object) -> str | None:
    """A2: an item of ``/modules`` is ``{"id": <A17 id>, "name": <display name>}``.

    Evidence: n8n "Employer: get modules" (the operation; its item shape is not
    shown anywhere, so the field names are assumed and ``loket check`` reports them).

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

    Evidence: n8n "Employer user: get all", example ``"userName": "User42"``: a login is
    whatever ``userName`` says, not necessarily an e-mail address. Returns ``(user id,
    login)``.
    """
    user_id = _field(item, "id", str, "A3", "a user of /users")
    login = _field(item, "userName", str, "A3", "a user of /users")
    return user_id, login


PROVIDER_USER_TYPE: UserType = "ak-gebruiker"
"""A6: in the older description ak-gebruikers (provider users) cannot be listed, nor
their rights read or changed; where the provider-user capabilities are available
(A12, A13) they are read and changed like werkgevergebruikers. Evidence: n8n (no
provider-user operation); the listing's ``/providers/{providerId}/users`` operations."""

LIVE_USER_TYPE: UserType = "werkgevergebruiker"
"""A3/A6: every user ``/users`` lists is a werkgevergebruiker. Evidence: n8n "Employer
user: get all" (the operation lists the employer's users)."""

PORTAL_ALWAYS_AVAILABLE = True
"""A7: whether MijnLoket is offered (addendum processed) cannot be read; reported as
offered until a PATCH of the modules is refused for it (A8). The manual step for
MijnLoket tells the person what to do when MijnLoket is not in the list of products.
Evidence: none shows the addendum's state (Loket's help pages: MijnLoket appears in
Beheer → Werkgever → Producten only after the addendum is signed)."""
