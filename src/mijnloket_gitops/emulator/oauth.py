"""The OAuth 2.0 server under ``/oauth``: authorize and token, as in the contract.

- ``GET /oauth/authorize?client_id&redirect_uri&response_type=code&scope&state``: the
  emulated user consents at once. The browser is redirected to
  ``redirect_uri?code=...&state=...``; with ``Accept: application/json`` the answer is
  ``{"code": ..., "state": ...}`` instead (for scripts and tests).
- ``POST /oauth/token`` (form-encoded) with ``grant_type`` ``authorization_code`` or
  ``refresh_token``; answers ``{"access_token", "refresh_token", "expires_in",
  "token_type": "bearer"}``; errors ``400 {"error": "invalid_grant" |
  "invalid_request" | "unsupported_grant_type"}`` and ``401 {"error":
  "invalid_client"}``. The rules live in :mod:`.tokens`.
"""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web
from yarl import URL

from mijnloket_gitops.emulator.state import STATE_KEY
from mijnloket_gitops.emulator.tokens import OAuthError, TokenPair, TokenRegistry

routes = web.RouteTableDef()

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _error(error: OAuthError) -> web.Response:
    body = {"error": error.error, "error_description": error.description}
    return web.json_response(body, status=error.status, headers=_NO_STORE)


def _required(values: Mapping[str, str], *names: str) -> list[str]:
    missing = [n for n in names if not values.get(n)]
    if missing:
        raise OAuthError("invalid_request", f"missing parameter(s): {', '.join(missing)}")
    return [values[n] for n in names]


@routes.get("/authorize")
async def authorize(request: web.Request) -> web.Response:
    tokens = request.config_dict[STATE_KEY].tokens
    query = request.query
    try:
        client_id, redirect_uri = _required(query, "client_id", "redirect_uri")
        if query.get("response_type") != "code":
            raise OAuthError("unsupported_response_type", "response_type must be code")
        code = tokens.issue_code(client_id, redirect_uri)
    except OAuthError as error:
        return _error(error)
    state = query.get("state", "")
    if "application/json" in request.headers.get("Accept", ""):
        return web.json_response({"code": code, "state": state}, headers=_NO_STORE)
    target = URL(redirect_uri).update_query({"code": code, "state": state})
    raise web.HTTPFound(location=str(target))


def grant(tokens: TokenRegistry, form: Mapping[str, str]) -> TokenPair:
    """The token endpoint's decision for a form; raises :class:`OAuthError`."""
    (grant_type,) = _required(form, "grant_type")
    if grant_type == "authorization_code":
        client_id, secret, code, redirect_uri = _required(
            form, "client_id", "client_secret", "code", "redirect_uri"
        )
        return tokens.exchange_code(client_id, secret, code, redirect_uri)
    if grant_type == "refresh_token":
        client_id, secret, refresh_token = _required(
            form, "client_id", "client_secret", "refresh_token"
        )
        return tokens.refresh(client_id, secret, refresh_token)
    raise OAuthError(
        "unsupported_grant_type", "grant_type must be authorization_code or refresh_token"
    )


@routes.post("/token")
async def token(request: web.Request) -> web.Response:
    tokens = request.config_dict[STATE_KEY].tokens
    form = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
    try:
        pair = grant(tokens, form)
    except OAuthError as error:
        return _error(error)
    return web.json_response(pair.data, headers=_NO_STORE)


def oauth_app() -> web.Application:
    app = web.Application()
    app.add_routes(routes)
    return app
