"""The endpoints the ``current`` world serves beyond ``classic`` (``docs/loket-api-contract.md``,
Assumptions A8-A13): module switching, the provider's modules, bulk reads, provider
users (ak-gebruikers) and their rights, and ``OPTIONS`` answered with ``Allow``. The
``artefact`` world serves them too, with UUID ids of rights and modules, and answers
``OPTIONS`` its own way (:mod:`.artefact`).

Each handler first asks :meth:`~.state.EmulatorConfig.offers`: a capability the
world does not offer (``classic``, or switched off with ``--no-...``) answers ``404``
for a resource that does not exist there, ``405`` for a method it lacks.

``PATCH .../modules`` (A8) is one transaction: every module switched, or none. A
gated module (MijnLoket) while the addendum is not processed is ``409`` and changes
nothing, as a person would find it missing in Beheer → Werkgever → Producten.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from mijnloket_gitops.emulator import resources
from mijnloket_gitops.emulator.envelopes import ApiError, listing, page_of
from mijnloket_gitops.emulator.state import API_ORIGIN, STATE_KEY, EmulatorState
from mijnloket_gitops.emulator.traffic import Handler
from mijnloket_gitops.loket.capabilities import Capability
from mijnloket_gitops.sandbox.db import SandboxError
from mijnloket_gitops.sandbox.writer import login_key

routes = web.RouteTableDef()
provider_routes = web.RouteTableDef()

WRITES: dict[tuple[str, str], Capability] = {
    ("/providers/employers/{employerId}/modules", "PATCH"): Capability.MODULES_WRITE,
    (
        "/providers/employers/{employerId}/users/{userId}/authorizations",
        "PATCH",
    ): Capability.EMPLOYER_USER_RIGHTS_WRITE,
    (
        "/providers/employers/{employerId}/users/{userId}/authorizations",
        "GET",
    ): Capability.EMPLOYER_USER_RIGHTS_READ,
    ("/providers/users/{userId}/authorizations", "PATCH"): Capability.PROVIDER_USER_RIGHTS_WRITE,
    ("/providers/users/{userId}/authorizations", "GET"): Capability.PROVIDER_USER_RIGHTS_READ,
}
"""Methods of a resource that depend on a capability (left out of ``Allow`` when off)."""


def _state(request: web.Request) -> EmulatorState:
    return request.config_dict[STATE_KEY]


def require(request: web.Request, capability: Capability, status: int = 404) -> EmulatorState:
    state = _state(request)
    if not state.config.offers(capability):
        raise ApiError(status, "not available on this Loket.nl")
    return state


def _provider(request: web.Request, state: EmulatorState) -> None:
    found = state.store.provider()
    if found is None or found[0].lower() != request.match_info["providerId"].lower():
        raise ApiError(404, "provider not found")


def _list(request: web.Request, state: EmulatorState, items: list[dict[str, Any]]) -> web.Response:
    config = state.config
    return web.json_response(
        listing(items, page_of(request.query, config.default_page_size, config.max_page_size))
    )


@web.middleware
async def options(request: web.Request, handler: Handler) -> web.StreamResponse:
    """``OPTIONS`` answered with ``Allow`` (current world only; classic answers 405)."""
    state = _state(request)
    if request.method != "OPTIONS" or state.config.world != "current":
        return await handler(request)
    # one path may have several resources (routes of app.py and of this module)
    offered: set[str] = set()
    for resource in request.app.router.resources():
        match, allowed = await resource.resolve(request)
        template = resource.canonical.removeprefix("/v2")
        offered |= {
            method
            for method in (allowed if match is None else ())
            if method != "HEAD"
            and state.config.offers(WRITES.get((template, method), Capability.MODULES_READ))
        }
    if offered:
        return web.Response(status=204, headers={"Allow": ", ".join(sorted(offered | {"OPTIONS"}))})
    raise ApiError(404, "not found")


@routes.patch("/providers/employers/{employerId}/modules")
async def switch_modules(request: web.Request) -> web.Response:
    state = require(request, Capability.MODULES_WRITE, 405)
    employer = state.store.employer(request.match_info["employerId"])
    if employer is None:
        raise ApiError(404, "employer not found")
    try:
        body = await request.json()
    except ValueError:
        raise ApiError(400, "the body is not JSON") from None
    names = {m.id: m.name for m in state.store.modules()}
    items = body.get("modules") if isinstance(body, dict) else None
    if not isinstance(items, list) or set(body) != {"modules"}:
        raise ApiError(400, 'the body must be {"modules": [{"id", "isEnabled"}]}')
    changes: dict[int, bool] = {}
    for index, item in enumerate(items):
        sent = item.get("id") if isinstance(item, dict) else None
        enabled = item.get("isEnabled") if isinstance(item, dict) else None
        module_id = state.config.ids.module_number(sent, names)
        if module_id is None:
            raise ApiError(400, f"modules[{index}]: unknown module id {sent!r}")
        if not isinstance(enabled, bool):
            raise ApiError(400, f"modules[{index}]: isEnabled must be true or false")
        changes[module_id] = enabled
    try:
        with state.store.write(API_ORIGIN) as tx:
            for module_id, enabled in sorted(changes.items()):
                if enabled:
                    tx.activate(employer.employer_id, names[module_id])
                else:
                    tx.deactivate(employer.employer_id, names[module_id])
    except SandboxError as error:
        raise ApiError(409, str(error)) from None
    return web.Response(status=204)


@routes.get("/providers/{providerId}/modules")
async def provider_modules(request: web.Request) -> web.Response:
    state = require(request, Capability.MODULES_WRITE)
    _provider(request, state)
    ids = state.config.ids
    return _list(request, state, [resources.module(m, ids) for m in state.store.modules()])


@provider_routes.get("/providers/{providerId}/employers/modules")
async def bulk_modules(request: web.Request) -> web.Response:
    state = require(request, Capability.MODULES_BULK_READ)
    _provider(request, state)
    store = state.store
    items = [
        resources.employer_modules(e.employer_id, store.modules(e.employer_id), state.config.ids)
        for e in store.employers()
    ]
    return _list(request, state, items)


@routes.get("/providers/{providerId}/employers/users")
async def bulk_users(request: web.Request) -> web.Response:
    state = require(request, Capability.EMPLOYER_USERS_BULK_READ)
    _provider(request, state)
    store = state.store
    items = [
        resources.employer_user(e.employer_id, u)
        for e in store.employers()
        for u in store.users(e.employer_id, "werkgevergebruiker")
    ]
    return _list(request, state, items)


@routes.get("/providers/{providerId}/users")
async def provider_users(request: web.Request) -> web.Response:
    state = require(request, Capability.PROVIDER_USERS_READ)
    _provider(request, state)
    return _list(
        request, state, [resources.user(u) for u in state.store.users_of_type("ak-gebruiker")]
    )


def _provider_user(state: EmulatorState, user_id: str) -> Any:
    for user in state.store.users_of_type("ak-gebruiker"):
        if user.user_id.lower() == user_id.lower():
            return user
    raise ApiError(404, "provider user not found")


@routes.get("/providers/users/{userId}/authorizations")
async def provider_user_rights(request: web.Request) -> web.Response:
    state = require(request, Capability.PROVIDER_USER_RIGHTS_READ, 405)
    user = _provider_user(state, request.match_info["userId"])
    rights = state.store.rights()
    items: list[dict[str, Any]] = []
    employers = state.store.employers_of_user(user.user_id)
    live = state.store.live(employers)
    for employer_id in employers:
        held_names = live[employer_id].users[login_key(user.login)].rights
        held = {r.id for r in rights if r.name in held_names}
        items += resources.provider_user_rights(employer_id, rights, held, state.config.ids)
    return _list(request, state, items)


@routes.patch("/providers/users/{userId}/authorizations")
async def patch_provider_user_rights(request: web.Request) -> web.Response:
    state = require(request, Capability.PROVIDER_USER_RIGHTS_WRITE, 405)
    user = _provider_user(state, request.match_info["userId"])
    try:
        body = await request.json()
    except ValueError:
        raise ApiError(400, "the body is not JSON") from None
    names = {r.id: r.name for r in state.store.rights()}
    items = body.get("authorizations") if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise ApiError(400, 'the body must be {"authorizations": [...]}')
    changes: list[tuple[str, str, bool]] = []
    for index, item in enumerate(items):
        ok = isinstance(item, dict) and isinstance(item.get("isEnabled"), bool)
        employer_id = item.get("employerId") if ok else None
        sent = item.get("id") if ok else None
        if not isinstance(employer_id, str) or state.store.employer(employer_id) is None:
            raise ApiError(400, f"authorizations[{index}]: unknown employerId {employer_id!r}")
        right_id = state.config.ids.right_number(sent, names)
        if right_id is None:
            raise ApiError(400, f"authorizations[{index}]: unknown authorization id {sent!r}")
        changes.append((employer_id, names[right_id], item["isEnabled"]))
    try:
        with state.store.write(API_ORIGIN) as tx:
            for employer_id, right, enabled in changes:
                if enabled:
                    tx.grant(employer_id, user.login, right, "ak-gebruiker")
                else:
                    tx.revoke(employer_id, user.login, right)
    except SandboxError as error:
        raise ApiError(409, str(error)) from None
    return web.Response(status=204)
