"""Running the emulator: in the foreground for the CLI, in a thread for tests.

- :func:`serve` listens until SIGINT or SIGTERM, then stops cleanly;
- :func:`running_emulator` starts it on a free port of 127.0.0.1 in a background
  thread with its own event loop, yields an :class:`EmulatorHandle` and stops it
  (requests in flight get ``shutdown_timeout`` seconds) when the block ends.

Both open the sandbox store themselves and close it when they stop.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from mijnloket_gitops.emulator import admin
from mijnloket_gitops.emulator.app import build_app
from mijnloket_gitops.emulator.faults import FaultConfig
from mijnloket_gitops.emulator.state import EmulatorConfig, EmulatorState, LoggedRequest
from mijnloket_gitops.emulator.tokens import Clock, TokenPair, monotonic
from mijnloket_gitops.errors import ProviderError
from mijnloket_gitops.sandbox.store import Change, Store

SHUTDOWN_TIMEOUT = 2.0
"""Seconds requests in flight get to finish when the emulator stops."""


class EmulatorError(ProviderError):
    """The emulator could not start (the address is in use, the database is missing)."""


@dataclass(frozen=True)
class Urls:
    """Where a running emulator answers."""

    host: str
    port: int

    @property
    def root(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The API base, the emulator's ``https://api.loket.nl/v2``."""
        return f"{self.root}/v2"

    @property
    def oauth_url(self) -> str:
        """The OAuth server, the emulator's ``https://oauth.loket.nl``."""
        return f"{self.root}/oauth"

    @property
    def admin_url(self) -> str:
        return f"{self.root}/_emulator"


async def _run(
    state: EmulatorState,
    host: str,
    port: int,
    started: Callable[[Urls], None],
    stop: asyncio.Event,
) -> None:
    runner = web.AppRunner(
        build_app(state),
        handle_signals=False,
        access_log=None,
        shutdown_timeout=SHUTDOWN_TIMEOUT,
    )
    await runner.setup()
    listening: socket.socket | None = None
    try:
        try:
            listening = _listen(host, port)
            await web.SockSite(runner, listening).start()
        except OSError as error:
            raise EmulatorError(f"the emulator cannot listen on {host}:{port}: {error}") from None
        started(Urls(host, listening.getsockname()[1]))
        await stop.wait()
    finally:
        if listening is not None:
            # No new connections, and the ones accepted get their transport before
            # aiohttp closes the server: asyncio makes a transport in a task of its own
            # after the accept, and on a closed server that task fails and leaves the
            # socket open (Python 3.11).
            asyncio.get_running_loop().remove_reader(listening.fileno())
            await _accepts_done()
        await runner.cleanup()
        if listening is not None:
            listening.close()


def _listen(host: str, port: int) -> socket.socket:
    family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    return socket.create_server(address[:2], family=family)


async def _accepts_done() -> None:
    accepting = [
        task
        for task in asyncio.all_tasks()
        if getattr(task.get_coro(), "__qualname__", "").endswith("_accept_connection2")
    ]
    if accepting:
        await asyncio.wait(accepting, timeout=SHUTDOWN_TIMEOUT)


def serve(
    db: Path, config: EmulatorConfig, host: str, port: int, started: Callable[[Urls], None]
) -> None:
    """Serve ``db`` on ``host:port`` until SIGINT or SIGTERM; ``started`` gets the URLs."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await _run(EmulatorState(store, config), host, port, started, stop)

    with Store.open(db) as store:
        asyncio.run(main())


class EmulatorHandle:
    """A running emulator, for tests: its URLs and in-process admin helpers.

    The helpers do what the ``/_emulator`` endpoints do, without HTTP, and may be
    called from any thread.
    """

    def __init__(self, urls: Urls, state: EmulatorState, db: Path) -> None:
        self.urls = urls
        self.base_url = urls.base_url
        self.oauth_url = urls.oauth_url
        self.admin_url = urls.admin_url
        self.db = db
        self.state = state

    @property
    def config(self) -> EmulatorConfig:
        return self.state.config

    def authorize(self, redirect_uri: str = "http://127.0.0.1/callback") -> str:
        """An authorization code, as ``/oauth/authorize`` would give after consent."""
        return self.state.tokens.issue_code(self.config.client_id, redirect_uri)

    def issue_tokens(self) -> TokenPair:
        """A fresh access and refresh token, as after the authorization-code exchange."""
        redirect_uri = "http://127.0.0.1/callback"
        code = self.authorize(redirect_uri)
        tokens = self.state.tokens
        return tokens.exchange_code(
            self.config.client_id, self.config.client_secret, code, redirect_uri
        )

    def switch_module(self, employer_id: str, name: str, active: bool = True) -> bool:
        """Raises :class:`~.admin.AdminError` (404 or 409) as the endpoint answers."""
        return admin.switch_module(self.state, employer_id, name, active)

    def set_portal_available(self, employer_id: str, available: bool = True) -> bool:
        return admin.set_portal_available(self.state, employer_id, available)

    def forbid(self, employer_id: str, forbidden: bool = True) -> None:
        """Make the employer's ``/modules`` answer 403 (or stop doing so)."""
        if forbidden:
            self.state.forbidden.add(employer_id.lower())
        else:
            self.state.forbidden.discard(employer_id.lower())

    def requests(self, since: int = 0) -> list[LoggedRequest]:
        return self.state.log.since(since)

    def changes(self, since: int = 0) -> list[Change]:
        return self.state.store.changes(since)

    def expire_tokens(self, *, refresh: bool = False) -> int:
        return self.state.tokens.expire(refresh=refresh)

    def revoke_tokens(self) -> int:
        return self.state.tokens.revoke()

    def set_faults(self, faults: FaultConfig) -> None:
        """Inject these faults from now on (occurrences are counted afresh)."""
        self.state.faults.configure(faults)


class _Thread:
    """The server's event loop in a thread; start() returns once it listens."""

    def __init__(self, state: EmulatorState, host: str) -> None:
        self._state = state
        self._host = host
        self._ready = threading.Event()
        self._urls: Urls | None = None
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._main, name="loket-emulator", daemon=True)

    def _main(self) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            await _run(self._state, self._host, 0, self._started, self._stop)

        try:
            asyncio.run(main())
        except BaseException as error:  # handed to the starting thread
            self._error = error
        finally:
            self._ready.set()

    def _started(self, urls: Urls) -> None:
        self._urls = urls
        self._ready.set()

    def start(self) -> Urls:
        self._thread.start()
        self._ready.wait()
        if self._urls is None:
            self._thread.join()
            raise self._error or EmulatorError("the emulator did not start")
        return self._urls

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join()
        if self._error is not None:
            raise self._error


@contextmanager
def running_emulator(
    db: Path, config: EmulatorConfig, *, clock: Clock = monotonic, host: str = "127.0.0.1"
) -> Iterator[EmulatorHandle]:
    """Serve the sandbox database ``db`` on a free port of ``host`` for the block."""
    with Store.open(db) as store:
        state = EmulatorState(store, config, clock)
        server = _Thread(state, host)
        urls = server.start()
        try:
            yield EmulatorHandle(urls, state, db)
        finally:
            server.stop()
