"""What the ``artefact`` world does its own way: CORS instead of ``Allow``, one rights flag.

The ``artefact`` world is built from the public artefacts (``../shared/loket-api.md``),
not from our client; see the package docstring for every shape. Here:

- :func:`cors`: every ``OPTIONS`` under ``/v2`` and ``/provider`` answers ``200`` with
  Mockoon's CORS headers (:data:`CORS_HEADERS`) and no ``Allow``, without a token, for
  any path, as the real Mockoon CLI does; every other answer carries the CORS headers
  too. ``Access-Control-Allow-Methods`` lists every method whatever the path offers,
  so it tells a client nothing about what a resource offers.
- :func:`rights_changes`: the rights PATCH items read as a merging server reads them
  (every world calls it): only one flag of an item takes effect
  (:attr:`~.state.EmulatorConfig.honoured_flag`); in the ``artefact`` world an item
  without it changes nothing, and the other flag, like any other unknown field of an
  item, is ignored silently. The answer is still 2xx.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from mijnloket_gitops.emulator.envelopes import ApiError
from mijnloket_gitops.emulator.ids import Ids
from mijnloket_gitops.emulator.state import STATE_KEY
from mijnloket_gitops.emulator.traffic import Handler

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET,POST,PUT,PATCH,DELETE,HEAD,OPTIONS",
    "Access-Control-Allow-Headers": (
        "Content-Type, Origin, Accept, Authorization, Content-Length, X-Requested-With"
    ),
}
"""The headers the Mockoon CLI adds to every answer of an environment with CORS on."""


@web.middleware
async def cors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """``OPTIONS`` answered as Mockoon answers it (artefact world only), before the token
    check: a CORS preflight carries no token."""
    if not request.config_dict[STATE_KEY].config.artefact:
        return await handler(request)
    if request.method == "OPTIONS":
        return web.Response(status=200, headers=CORS_HEADERS)
    response = await handler(request)
    response.headers.update(CORS_HEADERS)
    return response


def rights_changes(
    items: list[Any], names: dict[int, str], ids: Ids, flag: str, *, strict: bool
) -> dict[int, bool]:
    """The rights PATCH items as {right number: enabled}; 400 for anything malformed.

    ``strict`` (``classic``, ``current``): every item needs a boolean ``flag``.
    Otherwise (``artefact``) an item without ``flag`` changes nothing. In both, an
    unknown id, a description that is not the id's, or one id both enabled and
    disabled is ``400``.
    """
    changes: dict[int, bool] = {}
    for index, item in enumerate(items):
        where = f"authorizations[{index}]"
        if not isinstance(item, dict):
            raise ApiError(400, f"{where} must be an object")
        enabled = item.get(flag)
        if enabled is None and not strict:
            enabled_or_none: bool | None = None
        elif isinstance(enabled, bool):
            enabled_or_none = enabled
        else:
            raise ApiError(400, f"{where} needs an id and a boolean {flag}")
        number = ids.right_number(item.get("id"), names)
        if number is None:
            raise ApiError(400, f"{where}: unknown authorization id {item.get('id')!r}")
        description = item.get("description")
        if description is not None and description != names[number]:
            raise ApiError(400, f"{where}: id {item.get('id')} is {names[number]!r}")
        if enabled_or_none is None:
            continue
        if changes.get(number, enabled_or_none) != enabled_or_none:
            raise ApiError(400, f"{where}: id {item.get('id')} is both enabled and disabled")
        changes[number] = enabled_or_none
    return changes
