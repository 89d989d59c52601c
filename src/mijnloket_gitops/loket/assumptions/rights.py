"""The rights of werkgevergebruikers: the rights GET (A4), the flag (A15), the PATCH
answer (A16), right ids from the authorization sets (A5) and their details (A14)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mijnloket_gitops.errors import ProviderError
from mijnloket_gitops.loket.assumptions.base import RightId, _broken, _field, id_text

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
