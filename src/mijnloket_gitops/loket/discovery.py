"""Deciding ``auto`` capabilities with safe requests only (see :mod:`.capabilities`).

- A read capability is decided by its GET: a success means available; ``403``,
  ``404`` or ``405`` mean not available (the status is recorded as how).
- A write capability is never decided by discovery: only configured ``on`` or a Loket
  profile that ``loket check --write`` wrote proves it. Undecided, it is
  ``unproven`` (off, steps go to the work order), except the PATCH of werkgevergebruiker
  rights, which the older published description documents (``documented``; each such
  write is read back, or marked unverified). ``OPTIONS`` is a hint at most: no
  artefact documents it and a real server (Mockoon) answers it with CORS headers and
  no ``Allow``, so ``loket probe`` shows what ``Allow`` said, if anything, and decides
  nothing by it. Nothing is ever written to find out.

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
from mijnloket_gitops.loket.capabilities import UNPROVEN, Capability, CapabilityState, Decision
from mijnloket_gitops.loket.http import LoketHttp
from mijnloket_gitops.loket.paging import Page

UNAVAILABLE = frozenset({403, 404, 405, 501})
"""Statuses of a capability's GET that mean "not available here" (501: "not yet
available" said plainly; A4)."""

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


def write_decides(caps: CapabilityState, capability: Capability) -> bool:
    """Whether the write capability is used; undecided, it is ``documented`` or
    ``unproven`` (see the module docstring). No request is sent."""
    known = caps.get(capability)
    if known is not None:
        return known
    documented = capability in DOCUMENTED_WRITES
    caps.record(capability, documented, "documented" if documented else UNPROVEN)
    return documented


def options_hint(http: LoketHttp, path: str) -> str:
    """What an ``OPTIONS`` of ``path`` says about PATCH, for ``loket probe`` only."""
    allowed = http.allowed_methods(path)
    if allowed is None:
        return "no Allow (unknown)"
    return "Allow has PATCH" if "PATCH" in allowed else "Allow without PATCH"


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
        _write(http, caps, Capability.MODULES_WRITE, paths.modules(examples.employer_id))
    if examples.employer_id is not None and examples.user_id is not None:
        rights = paths.user_rights(examples.employer_id, examples.user_id)
        read_decides(http, caps, Capability.EMPLOYER_USER_RIGHTS_READ, rights)
        _write(http, caps, Capability.EMPLOYER_USER_RIGHTS_WRITE, rights)
    if examples.provider_user_id is not None:
        rights = paths.provider_user_rights(examples.provider_user_id)
        read_decides(http, caps, Capability.PROVIDER_USER_RIGHTS_READ, rights)
        _write(http, caps, Capability.PROVIDER_USER_RIGHTS_WRITE, rights)
    return [caps.decision(c) or Decision(c, False, _unasked(c, caps)) for c in Capability]


def _write(http: LoketHttp, caps: CapabilityState, capability: Capability, path: str) -> None:
    """A write decided as the provider decides it, with OPTIONS's hint shown beside an
    unproven one (the hint decides nothing)."""
    write_decides(caps, capability)
    decision = caps.decision(capability)
    if decision is not None and decision.how == UNPROVEN:
        caps.record(capability, False, f"{UNPROVEN} (OPTIONS: {options_hint(http, path)})")


def _unasked(capability: Capability, caps: CapabilityState) -> str:
    if capability in (Capability.PROVIDER_USER_RIGHTS_READ, Capability.PROVIDER_USER_RIGHTS_WRITE):
        if caps.get(Capability.PROVIDER_USERS_READ) is False:
            return "not asked: provider users cannot be listed"
        return "not asked: no provider user to ask about"
    return "not asked: no employer or werkgevergebruiker to ask about"
