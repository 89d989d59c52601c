"""The Loket API under ``/v2`` (``docs/loket-api-contract.md``) and the whole application.

Every ``/v2`` request needs a valid ``Authorization: Bearer`` access token (else
``401`` with ``WWW-Authenticate``) and must accept ``application/json;
version=2018-01-01`` (else ``406``). Unknown employers, users and providers are
``404``. Users are the employer's werkgevergebruikers only: ak-gebruikers are
invisible through the API (A6), so their ids are ``404`` too.

``PATCH .../authorizations`` has merge semantics: only the rights sent change
(``isEnabled`` true grants, false revokes; in the ``artefact`` world the configured
``rights_flag`` instead, see :mod:`.artefact`), all of them in one store transaction
or none (an unknown right id, a description that does not match the id, or a
malformed body is ``400`` and changes nothing). A change that does something is
recorded in the ``change_log`` with origin :data:`~.state.API_ORIGIN`; a repeated
PATCH changes nothing and records nothing.

``GET /providers/authorizationsets/{id}`` (the details of one set, in the older
description) is served in every world; the list of sets nests the rights only in
``classic`` and ``current``.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from mijnloket_gitops.emulator import artefact, current, resources
from mijnloket_gitops.emulator.admin import admin_app
from mijnloket_gitops.emulator.envelopes import (
    ApiError,
    bearer_token,
    check_accept,
    content,
    listing,
    page_of,
)
from mijnloket_gitops.emulator.oauth import oauth_app
from mijnloket_gitops.emulator.state import API_ORIGIN, STATE_KEY, EmulatorState
from mijnloket_gitops.emulator.traffic import (
    ADMIN_PREFIX,
    API_PREFIX,
    PROVIDER_PREFIX,
    Handler,
    traffic,
)
from mijnloket_gitops.loket.capabilities import Capability
from mijnloket_gitops.sandbox.db import SandboxError
from mijnloket_gitops.sandbox.store import EmployerRecord, UserRecord

routes = web.RouteTableDef()
_EMPLOYER = "/providers/employers/{employerId}"
_AUTHORIZATIONS = _EMPLOYER + "/users/{userId}/authorizations"


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Bearer token and ``Accept`` first; :class:`ApiError` becomes its answer."""
    state = request.config_dict[STATE_KEY]
    token = bearer_token(request)
    problem = "no Bearer token" if token is None else state.tokens.access_problem(token)
    if problem is not None:
        challenge = f'Bearer error="invalid_token", error_description="{problem}"'
        return ApiError(401, problem, {"WWW-Authenticate": challenge}).response()
    try:
        check_accept(request)
        return await handler(request)
    except ApiError as error:
        return error.response()


def _state(request: web.Request) -> EmulatorState:
    return request.config_dict[STATE_KEY]


def _list(request: web.Request, items: list[dict[str, Any]]) -> web.Response:
    config = _state(request).config
    page = page_of(request.query, config.default_page_size, config.max_page_size)
    return web.json_response(listing(items, page))


def _employer(request: web.Request) -> EmployerRecord:
    record = _state(request).store.employer(request.match_info["employerId"])
    if record is None:
        raise ApiError(404, "employer not found")
    return record


def _user(request: web.Request, employer: EmployerRecord) -> UserRecord:
    wanted = request.match_info["userId"].lower()
    for user in _state(request).store.users(employer.employer_id, "werkgevergebruiker"):
        if user.user_id.lower() == wanted:
            return user
    raise ApiError(404, "user not found for this employer")


def _held(state: EmulatorState, employer: EmployerRecord, user: UserRecord) -> set[int]:
    return state.store.held_right_ids(employer.employer_id, user.user_id)


@routes.get("/providers")
async def providers(request: web.Request) -> web.Response:
    found = _state(request).store.provider()
    return _list(request, [] if found is None else [resources.provider(*found)])


@routes.get("/providers/employers")
async def employers(request: web.Request) -> web.Response:
    records = _state(request).store.employers()
    return _list(request, [resources.employer(r) for r in records])


@routes.get(_EMPLOYER)
async def employer(request: web.Request) -> web.Response:
    item = resources.employer(_employer(request))
    return web.json_response(content(item, version=_state(request).config.artefact))


@routes.get(_EMPLOYER + "/modules")
async def modules(request: web.Request) -> web.Response:
    current.require(request, Capability.MODULES_READ)
    employer_id = _employer(request).employer_id
    if employer_id in _state(request).forbidden:
        raise ApiError(403, "the user may not see the modules of this employer")
    records = _state(request).store.modules(employer_id)
    ids = _state(request).config.ids
    return _list(request, [resources.module(m, ids) for m in records])


@routes.get(_EMPLOYER + "/users")
async def users(request: web.Request) -> web.Response:
    eid = _employer(request).employer_id
    records = _state(request).store.users(eid, "werkgevergebruiker")
    return _list(request, [resources.user(u) for u in records])


@routes.get(_AUTHORIZATIONS)
async def authorizations(request: web.Request) -> web.Response:
    state = _state(request)
    if state.config.artefact:
        raise ApiError(501, "reading authorizations is not yet available")
    if not state.config.offers(Capability.EMPLOYER_USER_RIGHTS_READ):
        raise ApiError(405, "reading authorizations is not yet available")
    employer = _employer(request)
    held = _held(state, employer, _user(request, employer))
    return _list(request, resources.authorizations(state.store.rights(), held, state.config.ids))


def _changes(body: Any, names: dict[int, str], state: EmulatorState) -> dict[int, bool]:
    """The body's rights as {right number: enabled}; 400 for anything malformed."""
    if not isinstance(body, dict) or not isinstance(body.get("authorizations"), list):
        raise ApiError(400, 'the body must be {"authorizations": [...]}')
    unknown_keys = set(body) - {"authorizations", "authorizationSet"}
    if unknown_keys:
        raise ApiError(400, f"unknown field(s): {', '.join(sorted(unknown_keys))}")
    config = state.config
    items = body["authorizations"]
    flag = config.honoured_flag
    return artefact.rights_changes(items, names, config.ids, flag, strict=not config.artefact)


@routes.patch(_AUTHORIZATIONS)
async def patch_authorizations(request: web.Request) -> web.Response:
    state = current.require(request, Capability.EMPLOYER_USER_RIGHTS_WRITE, 405)
    if request.content_type != "application/json":
        raise ApiError(415, "send Content-Type: application/json")
    employer = _employer(request)
    user = _user(request, employer)
    try:
        body = await request.json()
    except ValueError:
        raise ApiError(400, "the body is not JSON") from None
    names = {r.id: r.name for r in state.store.rights()}
    changes = _changes(body, names, state)
    try:
        with state.store.write(API_ORIGIN) as tx:
            for right_id, enabled in sorted(changes.items()):
                if enabled:
                    tx.grant(employer.employer_id, user.login, names[right_id], user.type)
                else:
                    tx.revoke(employer.employer_id, user.login, names[right_id])
    except SandboxError as error:
        raise ApiError(409, str(error)) from None
    if state.config.patch_status == 204:
        return web.Response(status=204)
    held = _held(state, employer, user)
    config = state.config
    rights = resources.authorizations(state.store.rights(), held, config.ids, config.honoured_flag)
    return web.json_response(content({"authorizations": rights}, version=config.artefact))


@routes.get("/providers/{providerId}/authorizationsets")
async def authorization_sets(request: web.Request) -> web.Response:
    state = _state(request)
    found = state.store.provider()
    if found is None or found[0].lower() != request.match_info["providerId"].lower():
        raise ApiError(404, "provider not found")
    nested = not state.config.artefact
    return _list(
        request, resources.authorization_sets(state.store.rights(), state.config.ids, nested=nested)
    )


@routes.get("/providers/authorizationsets/{authorizationSetId}")
async def authorization_set(request: web.Request) -> web.Response:
    state = _state(request)
    sets = resources.authorization_set_details(state.store.rights(), state.config.ids)
    found = sets.get(request.match_info["authorizationSetId"].lower())
    if found is None:
        raise ApiError(404, "authorization set not found")
    return web.json_response(content(found, version=state.config.artefact))


def api_app() -> web.Application:
    app = web.Application(middlewares=[artefact.cors, guard, current.options])
    app.add_routes(routes)
    app.add_routes(current.routes)
    return app


def provider_app() -> web.Application:
    """Loket's paths under ``/provider`` (outside ``/v2``): the bulk read of modules."""
    app = web.Application(middlewares=[artefact.cors, guard, current.options])
    app.add_routes(current.provider_routes)
    return app


def build_app(state: EmulatorState) -> web.Application:
    """The emulator: ``/v2`` (the API), ``/oauth`` and ``/_emulator`` (admin)."""
    app = web.Application(middlewares=[traffic])
    app[STATE_KEY] = state
    app.add_subapp(API_PREFIX, api_app())
    app.add_subapp(PROVIDER_PREFIX, provider_app())
    app.add_subapp("/oauth", oauth_app())
    app.add_subapp(ADMIN_PREFIX, admin_app())
    return app
