"""Deciding ``auto`` capabilities with safe requests only (see :mod:`.capabilities`).

- A read capability is decided by its GET: a success means available; ``403``,
  ``404`` or ``405`` mean not available (the status is recorded as how).
- A write capability is decided by an ``OPTIONS`` of its resource: when the server
  answers with ``Allow``, PATCH in it decides. Without such an answer a write stays
  off, except the PATCH of werkgevergebruiker rights, which the older published
  description documents (``documented``). Nothing is ever written to find out.

:func:`probe` decides all of them for ``loket probe``, using the first employer,
user and provider user it finds as examples. The provider decides lazily, on first
use, through :func:`read_decides` and :func:`write_decides`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mijnloket_gitops.loket import assumptions as A
from mijnloket_gitops.loket import paths
from mijnloket_gitops.loket.capabilities import Capability, CapabilityState, Decision
from mijnloket_gitops.loket.http import LoketHttp, Page

UNAVAILABLE = frozenset({403, 404, 405})
"""Statuses of a capability's GET that mean "not available here"."""

DOCUMENTED_WRITES = frozenset({Capability.EMPLOYER_USER_RIGHTS_WRITE})
"""Writes the older published API description documents: on unless Allow says no."""

EMPLOYERS_SEARCHED = 5
"""How many employers ``probe`` looks at for an example werkgevergebruiker."""


def read_decides(
    http: LoketHttp, caps: CapabilityState, capability: Capability, path: str
) -> Page | None:
    """The first page of ``path`` if the capability is available; decides it if
    undecided. None when it is off (configured, cached or just found missing)."""
    if caps.get(capability) is False:
        return None
    status, page = http.page(path, 1, allow=UNAVAILABLE)
    if page is None:
        caps.record(capability, False, str(status))
        return None
    if caps.get(capability) is None:
        caps.record(capability, True, "answered")
    return page


def write_decides(
    http: LoketHttp, caps: CapabilityState, capability: Capability, path: str
) -> bool:
    """Whether the write capability is available; decides it by OPTIONS if undecided."""
    known = caps.get(capability)
    if known is not None:
        return known
    allowed = http.allowed_methods(path)
    if allowed is not None:
        available = "PATCH" in allowed
        caps.record(capability, available, "allow" if available else "allow without PATCH")
        return available
    documented = capability in DOCUMENTED_WRITES
    caps.record(capability, documented, "documented" if documented else "not shown")
    return documented


@dataclass
class _Examples:
    provider_id: str
    employer_id: str | None = None
    user_id: str | None = None
    provider_user_id: str | None = None


def _first_id(page: Page | None, key: str = "id") -> str | None:
    for item in page.items if page is not None else ():
        value = item.get(key) if isinstance(item, dict) else None
        if isinstance(value, str | int) and not isinstance(value, bool):
            return str(value)
    return None


def _employer_user(http: LoketHttp, employer_ids: list[str]) -> tuple[str, str] | None:
    for employer_id in employer_ids[:EMPLOYERS_SEARCHED]:
        items = http.items(paths.users(employer_id), allow=UNAVAILABLE) or []
        if items:
            user_id, _ = A.parse_user(items[0])
            return employer_id, user_id
    return None


def probe(http: LoketHttp, caps: CapabilityState) -> list[Decision]:
    """Decide every capability afresh (configured ones stay as configured)."""
    caps.forget()
    provider = A.parse_provider(http.all_items(paths.PROVIDERS))
    examples = _Examples(provider.provider_id)
    _, first = http.page(paths.EMPLOYERS, 1)
    employer_ids = [str(i["id"]) for i in (first.items if first else []) if isinstance(i, dict)]
    examples.employer_id = employer_ids[0] if employer_ids else None
    found = _employer_user(http, employer_ids)
    if found is not None:
        examples.employer_id, examples.user_id = found
    steps: list[tuple[Capability, Callable[[], Any]]] = [
        (Capability.MODULES_BULK_READ, lambda: paths.bulk_modules(examples.provider_id)),
        (Capability.EMPLOYER_USERS_BULK_READ, lambda: paths.bulk_users(examples.provider_id)),
        (Capability.PROVIDER_USERS_READ, lambda: paths.provider_users(examples.provider_id)),
    ]
    for capability, path in steps:
        page = read_decides(http, caps, capability, path())
        if capability == Capability.PROVIDER_USERS_READ:
            examples.provider_user_id = _first_id(page)
    if examples.employer_id is not None:
        read_decides(http, caps, Capability.MODULES_READ, paths.modules(examples.employer_id))
        write_decides(http, caps, Capability.MODULES_WRITE, paths.modules(examples.employer_id))
    if examples.employer_id is not None and examples.user_id is not None:
        rights = paths.user_rights(examples.employer_id, examples.user_id)
        read_decides(http, caps, Capability.EMPLOYER_USER_RIGHTS_READ, rights)
        write_decides(http, caps, Capability.EMPLOYER_USER_RIGHTS_WRITE, rights)
    if examples.provider_user_id is not None:
        rights = paths.provider_user_rights(examples.provider_user_id)
        read_decides(http, caps, Capability.PROVIDER_USER_RIGHTS_READ, rights)
        write_decides(http, caps, Capability.PROVIDER_USER_RIGHTS_WRITE, rights)
    return [caps.decision(c) or Decision(c, False, _unasked(c, caps)) for c in Capability]


def _unasked(capability: Capability, caps: CapabilityState) -> str:
    if capability in (Capability.PROVIDER_USER_RIGHTS_READ, Capability.PROVIDER_USER_RIGHTS_WRITE):
        if caps.get(Capability.PROVIDER_USERS_READ) is False:
            return "not asked: provider users cannot be listed"
        return "not asked: no provider user to ask about"
    return "not asked: no employer or werkgevergebruiker to ask about"
