"""``loket check``'s reads of the newer listing (A9-A13 of ``docs/loket-api-contract.md``):
the provider's modules, the bulk reads, provider users and their rights. Each is
offered or not (a read capability, proven either way where the answer says so) and,
where offered, its items are held against the provider's parsers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mijnloket_gitops.errors import ProviderError
from mijnloket_gitops.loket import assumptions as A
from mijnloket_gitops.loket import paths
from mijnloket_gitops.loket.capabilities import Capability
from mijnloket_gitops.loket.check.findings import Verdict

if TYPE_CHECKING:
    from mijnloket_gitops.loket.check.reads import ReadCheck

C = Capability


def check_newer_listing(check: ReadCheck) -> None:
    provider_id = check.found.provider_id
    assert provider_id is not None
    _provider_modules(check, provider_id)
    _read(
        check,
        "A10",
        "bulk modules are {employerId, modules: [A2 items]}",
        "GET /provider/providers/{providerId}/employers/modules",
        paths.bulk_modules(provider_id),
        C.MODULES_BULK_READ,
        _bulk_modules,
    )
    _read(
        check,
        "A11",
        "bulk users are A3 items + employerId",
        "GET /providers/{providerId}/employers/users",
        paths.bulk_users(provider_id),
        C.EMPLOYER_USERS_BULK_READ,
        _bulk_users,
    )
    items = _read(
        check,
        "A12",
        "provider users are {id, userName}",
        "GET /providers/{providerId}/users",
        paths.provider_users(provider_id),
        C.PROVIDER_USERS_READ,
        lambda items: [A.parse_provider_user(i) for i in items],
    )
    if items:
        check.found.provider_user_id = A.parse_provider_user(items[0])[0]
    title = "provider user rights are {employerId, id, description, <flag>}"
    op = "GET /providers/users/{userId}/authorizations"
    if check.found.provider_user_id is None:
        check.report.add("A13", title, op, Verdict.NOT_TESTABLE, "no provider user")
        return
    _read(
        check,
        "A13",
        title,
        op,
        paths.provider_user_rights(check.found.provider_user_id),
        C.PROVIDER_USER_RIGHTS_READ,
        A.parse_provider_user_rights,
    )


def _provider_modules(check: ReadCheck, provider_id: str) -> None:
    items = _read(
        check,
        "A9",
        "the provider's modules are {id, name}",
        "GET /providers/{providerId}/modules",
        paths.provider_modules(provider_id),
        None,
        A.parse_provider_modules,
    )
    if items:
        check.found.module_ids = dict(A.parse_provider_modules(items))


def _bulk_modules(items: list[Any]) -> None:
    for modules in A.parse_bulk_modules(items).values():
        for module in modules:
            A.parse_module(module)


def _bulk_users(items: list[Any]) -> None:
    for users in A.parse_bulk_users(items).values():
        for user in users:
            A.parse_user(user)


def _read(
    check: ReadCheck,
    key: str,
    title: str,
    op: str,
    path: str,
    capability: Capability | None,
    parse: Any,
) -> list[Any] | None:
    answer = check.reader.page(op, path)
    offered = check._capability(capability, answer) if capability else answer.ok
    if not offered:
        check._unanswered(key, title, op, answer, capability)
        return None
    items = check._items(key, title, op, answer)
    if items is None:
        return None
    try:
        ok = check._parsed(key, title, op, items, parse)
    except ProviderError:  # pragma: no cover - _parsed catches it
        return None
    return items if ok else None
