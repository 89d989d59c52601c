"""Every undocumented shape of Loket.nl's API the provider relies on, in one place.

Each function or constant here mirrors one numbered **Assumption** of
``docs/loket-api-contract.md`` (A1-A18), and its docstring names the evidence: an
artefact and its operation. The artefacts (``../shared/loket-api.md``) are the n8n
node n8n-code/n8n-nodes-loket (generated from an older OpenAPI description: "n8n"),
the Mockoon environment mock-apis/data/loketnl.json of mockoon/mock-samples
("Mockoon") and the newer listing of Loket's operations (method, path and summary
only: "listing"). Where the evidence is split, a setting chooses (A15:
``provider.rights_flag``), and ``mijnloket-gitops loket check`` proves the choice on
Loket's acceptance environment. When Loket.nl's real answers turn out to differ, this
module and that page change; nothing else in the provider parses an item shape. A
parser that meets an item of another shape raises
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


AUTHORIZATIONS_GET_MISSING = frozenset({404, 405, 501})
"""A4: statuses meaning ``GET .../users/{userId}/authorizations`` is not offered (the
published description marks it "not yet available"; no status is documented, 501 Not
Implemented says it plainly). The provider then plans rights from the files, sends
them by PATCH and marks them unverified. Any other failure (a 500) is a read failure
the plan reports, naming ``provider.capabilities.employer_user_rights_read``."""

RIGHTS_FLAG_SETTINGS = ("auto", "availableForEmployerUser", "isEnabled")
"""A15: the values of ``provider.rights_flag``."""
RIGHTS_FLAGS = ("availableForEmployerUser", "isEnabled")
"""A15: the flag of a rights item that says whether the right is held.

Evidence is split: the only example body of the rights PATCH (n8n, "Employer user:
update authorizations") is ``{"availableForEmployerUser": true, "description": ...,
"id": "<UUID>"}``; ``isEnabled`` appears only in that operation's prose. The PATCH
merges, so a flag Loket ignores changes nothing and is still answered 2xx. The
decision: with ``provider.rights_flag: auto`` and no profile that proved one flag
(``loket check --write``), every PATCH item carries both flags with the same value:
a Loket that ignores unknown fields applies the one it knows, one that rejects them
answers 4xx, which is loud. Every write is then read back (A4, A16); where nothing
can be read back the step is ``unverified`` in the plan, the journal and the work
order. A profile's proven flag, or the setting, sends that flag alone."""


def rights_flags(setting: str, proven: str | None) -> tuple[str, ...]:
    """A15: the flags a rights PATCH item carries for ``provider.rights_flag``."""
    if setting != "auto":
        return (setting,)
    return (proven,) if proven in RIGHTS_FLAGS else RIGHTS_FLAGS


def rights_item(
    right_id: RightId, description: str, enabled: bool, flags: tuple[str, ...]
) -> dict[str, Any]:
    """A15: one item of a rights PATCH: ``{"id", "description", <flag>: enabled, ...}``."""
    return {"id": right_id, "description": description, **dict.fromkeys(flags, enabled)}


def _enabled(item: object, assumption: str, what: str) -> bool:
    """A4/A15: whether a listed right is held, by whichever flag(s) the item carries;
    an item with both that disagree fails closed (which one Loket means is unknown)."""
    if not isinstance(item, Mapping):
        raise _broken(assumption, what, item)
    seen = {item[f] for f in RIGHTS_FLAGS if f in item}
    if len(seen) != 1 or not isinstance(next(iter(seen)), bool):
        raise _broken(assumption, what, item)
    return bool(seen.pop())


def parse_authorizations(items: Iterable[object]) -> frozenset[str]:
    """A4: ``GET .../authorizations`` lists ``{"id", "description", <A15 flag>}``.

    Evidence: n8n "Employer user: get authorizations" (the operation, marked "not yet
    available"; no answer is shown). Returns the descriptions of the rights that are
    enabled; a description is the rights catalog's name of the right.
    """
    return frozenset(d for d, (_, held) in parse_right_states(items, "A4").items() if held)


def parse_right_states(
    items: Iterable[object], assumption: str = "A4"
) -> dict[str, tuple[RightId, bool]]:
    """A4/A16: listed rights as ``{description: (id, held)}``."""
    states: dict[str, tuple[RightId, bool]] = {}
    for item in items:
        description = _field(item, "description", str, assumption, "an authorization")
        right_id: RightId = _field(item, "id", (str, int), assumption, "an authorization")
        states[description] = (right_id, _enabled(item, assumption, "an authorization"))
    return states


def parse_patch_answer(body: object) -> dict[str, tuple[RightId, bool]] | None:
    """A16: a rights PATCH answered ``200`` may carry the user's rights after the change,
    as ``{"content": {"authorizations": [<A4 items>]}}`` (or without ``content``).

    Evidence: none shows the answer (n8n documents no body); the emulator's
    ``patch_status: 200`` and the newer listing's single resources (Mockoon: a
    ``content`` envelope) suggest it. None when the body holds no such list (204, or
    another shape): the write is then read back another way, or is unverified.
    """
    if isinstance(body, Mapping) and isinstance(body.get("content"), Mapping):
        body = body["content"]
    listed = body.get("authorizations") if isinstance(body, Mapping) else None
    if not isinstance(listed, list):
        return None
    try:
        return parse_right_states(listed, "A16")
    except ProviderError:
        return None


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


def _rights_of(nested: list[Any], ids: dict[str, set[RightId]], assumption: str) -> None:
    for right in nested:
        description = _field(right, "description", str, assumption, "an authorization set")
        right_id: RightId = _field(right, "id", (str, int), assumption, "an authorization set")
        if id_text(right_id) not in {id_text(i) for i in ids.get(description, ())}:
            ids.setdefault(description, set()).add(right_id)


def parse_authorization_sets(
    items: Iterable[object], ids: dict[str, set[RightId]]
) -> list[RightId]:
    """A5: ``GET /providers/{providerId}/authorizationsets`` lists ``{"id",
    "description"}`` per set, with the set's rights nested as ``"authorizations": [{"id",
    "description"}]`` where Loket shows them.

    Evidence: n8n "Authorization set: get all" (the operation; no artefact shows nested
    rights in the list). Nested rights are added to ``ids`` (every id seen for each
    description); returns the ids of the sets listed without them, whose rights come
    from their details (A14).
    """
    without: list[RightId] = []
    for item in items:
        set_id: RightId = _field(item, "id", (str, int), "A5", "an authorization set")
        nested = item.get("authorizations") if isinstance(item, Mapping) else None
        if nested is None:
            without.append(set_id)
        elif isinstance(nested, list):
            _rights_of(nested, ids, "A5")
        else:
            raise _broken("A5", "an authorization set", item)
    return without


def parse_authorization_set_details(content: object, ids: dict[str, set[RightId]]) -> None:
    """A14: ``GET /providers/authorizationsets/{authorizationSetId}`` answers the set as
    ``{"content": {"id", "description", "authorizations": [{"id", "description"}]}}``.

    Evidence: n8n "Authorization set: get" (older description; the operation and its
    path). The rights are added to ``ids`` as in A5.
    """
    nested = content.get("authorizations") if isinstance(content, Mapping) else None
    if not isinstance(nested, list):
        raise _broken("A14", "the details of an authorization set", content)
    _rights_of(nested, ids, "A14")


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
