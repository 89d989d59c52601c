"""The emulator's configuration and shared state, including the request log.

Everything here may be used from two threads at once (the server's event loop and a
test calling the helpers of :class:`~.server.EmulatorHandle`), so mutable parts hold
their own lock.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from mijnloket_gitops.emulator.faults import FaultConfig, FaultPlan
from mijnloket_gitops.emulator.ids import Ids
from mijnloket_gitops.emulator.tokens import Clock, TokenRegistry, monotonic
from mijnloket_gitops.loket.capabilities import Capability
from mijnloket_gitops.sandbox.store import Store

WORLDS = ("classic", "current", "artefact")
CLASSIC = frozenset({Capability.MODULES_READ, Capability.EMPLOYER_USER_RIGHTS_WRITE})
"""What the older published description offers: modules read, rights of werkgevergebruikers
written (their GET is "not yet available")."""
ARTEFACT = frozenset(Capability) - {Capability.EMPLOYER_USER_RIGHTS_READ}
"""What the ``artefact`` world offers: the newer listing's endpoints, but the GET of a
werkgevergebruiker's rights answers 501 ("not yet available")."""
RIGHTS_FLAGS = ("availableForEmployerUser", "isEnabled")
"""The two readings of the rights PATCH's flag: n8n's example body, the operation's prose."""

API_ORIGIN = "emulator-api"
"""``change_log`` origin of changes made through the API (PATCH authorizations)."""
UI_ORIGIN = "emulator-ui"
"""``change_log`` origin of changes made through ``/_emulator`` (a person in the web UI)."""


@dataclass(frozen=True)
class EmulatorConfig:
    """How the emulator behaves; every field has a default except the client.

    Lifetimes are in seconds. ``patch_status`` is 204 (no body) or 200 (the user's
    authorizations after the change, in a ``content`` envelope): the contract allows
    both. ``world`` and ``disabled`` choose what this Loket.nl offers; ``rights_flag``
    which flag the ``artefact`` world's rights PATCH honours.
    """

    client_id: str
    client_secret: str = field(repr=False)
    token_lifetime: int = 3600
    refresh_lifetime: int = 30 * 24 * 3600
    code_lifetime: int = 600
    latency_ms: int = 0
    faults: FaultConfig = field(default_factory=FaultConfig)
    default_page_size: int = 100
    max_page_size: int = 250
    """Larger ``pageSize`` values are clamped to this (the envelope says so)."""
    patch_status: int = 204
    world: str = "classic"
    """Which Loket.nl to be: ``classic`` (what the older OpenAPI description shows:
    ``/modules`` read-only, the GET of a user's rights answering 405, no provider
    users, no bulk reads, no OPTIONS), ``current`` (everything the newer listing
    shows, with the contract's assumed shapes; OPTIONS answered with ``Allow``) or
    ``artefact`` (the shapes of the public artefacts, not of our client: see the
    package docstring)."""
    rights_flag: str = "availableForEmployerUser"
    """``artefact`` world only: the one flag of a rights PATCH item that takes effect
    (:data:`RIGHTS_FLAGS`); the other is ignored silently, as a merging PATCH would."""
    disabled: frozenset[Capability] = frozenset()
    """Capabilities switched off on top of the world's (as if Loket did not offer them)."""
    request_log_size: int = 200_000
    """The request log keeps this many most recent entries."""

    def offers(self, capability: Capability) -> bool:
        """Whether this emulated Loket.nl offers ``capability``."""
        offered = {"classic": CLASSIC, "artefact": ARTEFACT}.get(self.world, frozenset(Capability))
        return capability in offered and capability not in self.disabled

    @property
    def artefact(self) -> bool:
        """Whether this is the ``artefact`` world (UUID ids, ``version`` objects, CORS)."""
        return self.world == "artefact"

    @property
    def honoured_flag(self) -> str:
        """The flag of a rights PATCH item that takes effect: ``rights_flag`` in the
        ``artefact`` world, ``isEnabled`` (the contract's A4) in the others."""
        return self.rights_flag if self.artefact else "isEnabled"

    @property
    def ids(self) -> Ids:
        """How this world writes the ids of rights and modules."""
        return Ids(opaque=self.artefact)

    def __post_init__(self) -> None:
        if self.world not in WORLDS:
            raise ValueError(f"world must be one of {', '.join(WORLDS)}")
        if self.rights_flag not in RIGHTS_FLAGS:
            raise ValueError(f"rights_flag must be one of {', '.join(RIGHTS_FLAGS)}")
        if self.patch_status not in (200, 204):
            raise ValueError("patch_status must be 200 or 204")
        if min(self.token_lifetime, self.refresh_lifetime, self.code_lifetime) < 1:
            raise ValueError("token, refresh token and code lifetimes must be at least 1 s")
        if self.latency_ms < 0 or not 1 <= self.default_page_size <= self.max_page_size:
            raise ValueError("latency must be >= 0 and 1 <= default page size <= max page size")


@dataclass(frozen=True)
class LoggedRequest:
    """One request to ``/v2`` or ``/oauth`` as the emulator saw it.

    ``status`` is the status the emulator answered, or would have answered when the
    fault is ``lost`` (the request was processed, then the connection was dropped);
    None when the connection was dropped before the request was processed
    (fault ``drop``). ``fault`` is None for a normal answer.
    """

    seq: int
    method: str
    path: str
    query: str
    status: int | None
    fault: str | None

    @property
    def data(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "status": self.status,
            "fault": self.fault,
        }


class RequestLog:
    """A bounded, thread-safe log of requests, numbered from 1 in arrival order."""

    def __init__(self, size: int) -> None:
        self._entries: deque[LoggedRequest] = deque(maxlen=size)
        self._seq = 0
        self._lock = threading.Lock()

    def record(
        self, method: str, path: str, query: str, status: int | None, fault: str | None
    ) -> LoggedRequest:
        with self._lock:
            self._seq += 1
            entry = LoggedRequest(self._seq, method, path, query, status, fault)
            self._entries.append(entry)
            return entry

    def since(self, seq: int = 0) -> list[LoggedRequest]:
        """Entries numbered above ``seq`` that are still kept."""
        with self._lock:
            return [e for e in self._entries if e.seq > seq]

    @property
    def last_seq(self) -> int:
        with self._lock:
            return self._seq


class EmulatorState:
    """What the routes share: the store, the tokens, the faults and the request log."""

    def __init__(self, store: Store, config: EmulatorConfig, clock: Clock = monotonic) -> None:
        self.store = store
        self.config = config
        self.tokens = TokenRegistry(
            config.client_id,
            config.client_secret,
            access_lifetime=config.token_lifetime,
            refresh_lifetime=config.refresh_lifetime,
            code_lifetime=config.code_lifetime,
            clock=clock,
        )
        self.faults = FaultPlan(config.faults)
        self.log = RequestLog(config.request_log_size)
        self.forbidden: set[str] = set()
        """Employer ids (lower case) whose resources answer 403, as for an employer the
        token's user may not see (tests of one employer failing)."""


STATE_KEY = web.AppKey("emulator_state", EmulatorState)
"""Where the application (and each sub-application, through ``config_dict``) keeps it."""
