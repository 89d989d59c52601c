"""Emulator-only endpoints under ``/_emulator``; Loket has none of these.

They stand in for people and help tests; a Loket client never calls them. They are
not logged, delayed or faulted. Bodies are JSON; errors are ``{"message": ...}``.

- ``POST /_emulator/employers/{id}/modules`` ``{"name", "active"}``: switch a module
  as a person in the web UI would (Beheer → Werkgever → Producten). A gated module
  (MijnLoket, behind the addendum) while the portal is not available is ``409`` and
  changes nothing; a name Loket does not know yet becomes a new module.
- ``POST /_emulator/employers/{id}/portal`` ``{"available"}``: Loket processed (or
  withdrew) the employer's addendum.
- ``GET /_emulator/requests?since=N``: the request log after entry ``N``.
- ``GET /_emulator/changes?since=N``: the store's ``change_log`` after ``N``.
- ``POST /_emulator/tokens/expire`` (optional ``{"refresh": true}``): every access
  token (and refresh token) expires now.
- ``POST /_emulator/tokens/revoke``: consent withdrawn; no token works any more.

Changes are recorded in the ``change_log`` with origin :data:`~.state.UI_ORIGIN`.
The functions below do the work; the routes and
:class:`~.server.EmulatorHandle` both call them.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aiohttp import web

from mijnloket_gitops.emulator.state import STATE_KEY, UI_ORIGIN, EmulatorState
from mijnloket_gitops.emulator.traffic import Handler
from mijnloket_gitops.sandbox.db import SandboxError

routes = web.RouteTableDef()


class AdminError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def switch_module(state: EmulatorState, employer_id: str, name: str, active: bool) -> bool:
    """Switch a module on or off for an employer; True when that changed something.

    Raises :class:`AdminError`: 404 for an unknown employer, 409 when Loket would
    refuse (MijnLoket before the addendum is processed). A module Loket does not know
    yet is created, so tests can show modules the catalog does not know.
    """
    if state.store.employer(employer_id) is None:
        raise AdminError(404, f"employer {employer_id} not found")
    try:
        with state.store.write(UI_ORIGIN) as tx:
            if active:
                return tx.activate(employer_id, name)
            return tx.deactivate(employer_id, name)
    except SandboxError as error:
        raise AdminError(409, str(error)) from None


def set_portal_available(state: EmulatorState, employer_id: str, available: bool) -> bool:
    """Loket processed (or withdrew) the employer's addendum; True when that changed."""
    if state.store.employer(employer_id) is None:
        raise AdminError(404, f"employer {employer_id} not found")
    with state.store.write(UI_ORIGIN) as tx:
        return tx.set_portal_available(employer_id, available)


async def _body(request: web.Request, **fields: type) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or any(
        not isinstance(body.get(name), kind) for name, kind in fields.items()
    ):
        wanted = ", ".join(f'"{n}": {k.__name__}' for n, k in fields.items())
        raise AdminError(400, f"the body must be {{{wanted}}}")
    return body


def _since(request: web.Request) -> int:
    try:
        return int(request.query.get("since", "0"))
    except ValueError:
        raise AdminError(400, "since must be an integer") from None


@web.middleware
async def _errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except AdminError as error:
        return web.json_response({"message": error.message}, status=error.status)


@routes.post("/employers/{employerId}/modules")
async def modules(request: web.Request) -> web.Response:
    body = await _body(request, name=str, active=bool)
    employer_id = request.match_info["employerId"]
    state = request.config_dict[STATE_KEY]
    changed = switch_module(state, employer_id, body["name"], body["active"])
    return web.json_response(
        {
            "employerId": employer_id,
            "name": body["name"],
            "active": body["active"],
            "changed": changed,
        }
    )


@routes.post("/employers/{employerId}/portal")
async def portal(request: web.Request) -> web.Response:
    body = await _body(request, available=bool)
    state = request.config_dict[STATE_KEY]
    changed = set_portal_available(state, request.match_info["employerId"], body["available"])
    return web.json_response({"available": body["available"], "changed": changed})


@routes.get("/requests")
async def requests(request: web.Request) -> web.Response:
    log = request.config_dict[STATE_KEY].log
    entries = [e.data for e in log.since(_since(request))]
    return web.json_response({"requests": entries, "lastSeq": log.last_seq})


@routes.get("/changes")
async def changes(request: web.Request) -> web.Response:
    store = request.config_dict[STATE_KEY].store
    return web.json_response({"changes": [asdict(c) for c in store.changes(_since(request))]})


@routes.post("/tokens/expire")
async def expire(request: web.Request) -> web.Response:
    refresh = False
    if request.can_read_body:
        refresh = (await _body(request, refresh=bool))["refresh"]
    expired = request.config_dict[STATE_KEY].tokens.expire(refresh=refresh)
    return web.json_response({"expired": expired})


@routes.post("/tokens/revoke")
async def revoke(request: web.Request) -> web.Response:
    return web.json_response({"revoked": request.config_dict[STATE_KEY].tokens.revoke()})


def admin_app() -> web.Application:
    app = web.Application(middlewares=[_errors])
    app.add_routes(routes)
    return app
