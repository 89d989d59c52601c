"""The middleware every request passes first: request log, latency, faults.

- ``/_emulator`` requests pass straight through: no log entry, no latency, no fault.
- ``/v2`` and ``/oauth`` requests wait ``latency_ms`` and are logged.
- ``/v2`` requests only get faults (:mod:`.faults`). The token endpoint never does: a
  lost answer to a refresh would cost the client its only refresh token, which no
  client can recover from, so testing it would only test the emulator.

The fault is decided before the request is handled. ``429``, ``500``, ``503`` and
``drop`` answer (or hang up) without calling the handler, so nothing was read or
written; ``lost`` calls the handler (a PATCH commits in one transaction) and then
hangs up instead of answering; ``slow`` delays and then answers normally.

The delay is counted from the request's arrival, and a request that gets handled is
handled at once; only its answer is held back until the delay is over. Waiting first
and handling afterwards would give the same answers, but requests that arrive
together would then all be handled in one burst when their waits end, each answer
queued behind the others' work: at 16 concurrent requests with ``latency_ms`` 20 that
lockstep added about 5 ms to every round trip, and the emulator, not the client,
limited how far a client's concurrency scaled (``benchmarks/plan.py``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aiohttp import web

from mijnloket_gitops.emulator.faults import FaultKind
from mijnloket_gitops.emulator.state import STATE_KEY, EmulatorState

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

ADMIN_PREFIX = "/_emulator"
API_PREFIX = "/v2"
PROVIDER_PREFIX = "/provider"
"""Loket's one path outside ``/v2`` (the bulk read of modules); treated like ``/v2``."""

_ERRORS = {
    FaultKind.RATE_LIMITED: (429, "Too many requests (emulated fault)"),
    FaultKind.SERVER_ERROR: (500, "Internal server error (emulated fault)"),
    FaultKind.UNAVAILABLE: (503, "Service unavailable (emulated fault)"),
}


def _hang_up(request: web.Request) -> web.Response:
    """Close the connection without an answer; the response returned is never sent."""
    if request.transport is not None:
        request.transport.close()
    return web.Response(status=204)


def _fault_answer(state: EmulatorState, fault: FaultKind) -> web.Response:
    status, message = _ERRORS[fault]
    headers = {}
    if fault is FaultKind.RATE_LIMITED:
        headers["Retry-After"] = str(state.faults.config.retry_after)
    return web.json_response({"message": message}, status=status, headers=headers)


async def _handle(
    request: web.Request, handler: Handler, state: EmulatorState, fault: FaultKind | None
) -> tuple[web.StreamResponse, int | None]:
    """The response to send and the status to log (None: nothing was answered)."""
    delay = state.config.latency_ms
    if fault is FaultKind.SLOW:
        delay += state.faults.config.slow_ms
    due = asyncio.get_running_loop().time() + delay / 1000
    if fault in _ERRORS:
        assert fault is not None
        await _until(due)
        answer = _fault_answer(state, fault)
        return answer, answer.status
    if fault is FaultKind.DROP:
        await _until(due)
        return _hang_up(request), None
    try:
        response = await handler(request)
    except web.HTTPException as error:
        await _until(due)
        if fault is not FaultKind.LOST:
            raise
        return _hang_up(request), error.status
    await _until(due)
    if fault is FaultKind.LOST:
        return _hang_up(request), response.status
    return response, response.status


async def _until(due: float) -> None:
    """Sleep until the event loop's clock reads ``due``."""
    rest = due - asyncio.get_running_loop().time()
    if rest > 0:
        await asyncio.sleep(rest)


@web.middleware
async def traffic(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith(ADMIN_PREFIX):
        return await handler(request)
    state = request.config_dict[STATE_KEY]
    fault = None
    if request.path.startswith((API_PREFIX, PROVIDER_PREFIX)):
        fault = state.faults.decide(request.method, request.path_qs)
    status: int | None = 500
    try:
        response, status = await _handle(request, handler, state, fault)
        return response
    except web.HTTPException as error:
        status = error.status
        raise
    finally:
        query = request.query_string
        kind = None if fault is None else fault.value
        state.log.record(request.method, request.path, query, status, kind)
