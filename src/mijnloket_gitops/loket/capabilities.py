"""What the ``loket`` provider may do on this Loket.nl, and how that was decided.

Loket's API grows (``docs/loket-api-contract.md``: a newer listing shows module
switching, provider users and bulk reads that the older description lacks), so the provider
names each thing it may do as a :class:`Capability`. Each is configured ``auto``
(the default), ``on`` or ``off`` under ``provider.capabilities``. In ``auto``, what
the Loket profile proved (``loket check``, :mod:`.profile`) decides first. Otherwise
a read is decided by discovery (:mod:`.discovery`) with its GET, and a write is
``unproven`` and not used (its steps go to the work order), except the one write the
older published description documents (werkgevergebruiker rights), whose every
write is read back or marked unverified. Read decisions are cached per API URL in a
small JSON file for ``capability_cache_seconds``; a cached decision is announced when
used (:meth:`CapabilityState.notes`) and replaced as soon as an answer contradicts it.

:class:`CapabilityState` is shared by the provider's worker threads.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from mijnloket_gitops.config import CapabilitiesConfig
from mijnloket_gitops.loket.profile import Profile


class Capability(StrEnum):
    """Things the provider may do; the values are the keys of ``provider.capabilities``."""

    MODULES_READ = "modules_read"
    MODULES_BULK_READ = "modules_bulk_read"
    MODULES_WRITE = "modules_write"
    EMPLOYER_USERS_BULK_READ = "employer_users_bulk_read"
    EMPLOYER_USER_RIGHTS_READ = "employer_user_rights_read"
    EMPLOYER_USER_RIGHTS_WRITE = "employer_user_rights_write"
    PROVIDER_USERS_READ = "provider_users_read"
    PROVIDER_USER_RIGHTS_READ = "provider_user_rights_read"
    PROVIDER_USER_RIGHTS_WRITE = "provider_user_rights_write"


WRITES = frozenset(
    {
        Capability.MODULES_WRITE,
        Capability.EMPLOYER_USER_RIGHTS_WRITE,
        Capability.PROVIDER_USER_RIGHTS_WRITE,
    }
)

PROFILE = "profile"
"""How a decision the Loket profile proved is shown."""
UNPROVEN = "unproven"
"""How a write capability nothing proved is shown (off; ``loket check --write``)."""

CONSEQUENCES: Mapping[Capability, tuple[str, str]] = {
    Capability.MODULES_READ: (
        "products are read per employer and verified after apply",
        "the employers cannot be planned (their products cannot be read)",
    ),
    Capability.MODULES_BULK_READ: (
        "products of all employers are read in one list",
        "products are read per employer",
    ),
    Capability.MODULES_WRITE: (
        "product steps are automatic (MijnLoket only once the addendum is processed)",
        "product steps go to the work order",
    ),
    Capability.EMPLOYER_USERS_BULK_READ: (
        "werkgevergebruikers of all employers are read in one list",
        "werkgevergebruikers are read per employer",
    ),
    Capability.EMPLOYER_USER_RIGHTS_READ: (
        "rights of werkgevergebruikers are compared and verified",
        "rights of werkgevergebruikers are set from the files and marked unverified",
    ),
    Capability.EMPLOYER_USER_RIGHTS_WRITE: (
        "rights of werkgevergebruikers are automatic",
        "rights of werkgevergebruikers go to the work order",
    ),
    Capability.PROVIDER_USERS_READ: (
        "ak-gebruikers are read",
        "ak-gebruikers are invisible: their rights are checked by hand",
    ),
    Capability.PROVIDER_USER_RIGHTS_READ: (
        "rights of ak-gebruikers are compared and verified",
        "rights of ak-gebruikers are checked by hand",
    ),
    Capability.PROVIDER_USER_RIGHTS_WRITE: (
        "rights of ak-gebruikers are automatic",
        "rights of ak-gebruikers go to the work order",
    ),
}
"""What the tool does with each capability (on, off), for ``loket probe``."""


@dataclass(frozen=True)
class Decision:
    """Whether a capability is available and how that was decided.

    ``how`` is ``configured``, ``profile`` (proven or refuted by ``loket check``),
    ``answered`` (a GET succeeded), an HTTP status (``404``, ``405``, ``501``, ``403``)
    of the GET, ``documented`` (the older API description has the write) or
    ``unproven`` (a write nothing proved: off until ``loket check --write`` proves it
    or it is configured ``on``).
    """

    capability: Capability
    available: bool
    how: str
    at: float = 0.0
    """Wall-clock time of the discovery (0 for configured ones)."""

    @property
    def consequence(self) -> str:
        on, off = CONSEQUENCES[self.capability]
        return on if self.available else off

    @property
    def data(self) -> dict[str, Any]:
        return {
            "capability": str(self.capability),
            "available": self.available,
            "how": self.how,
            "consequence": self.consequence,
        }


class CapabilityState:
    """Configured settings, cached discoveries and new ones, for one API URL."""

    def __init__(
        self,
        settings: CapabilitiesConfig,
        *,
        api_url: str,
        cache: Path | None,
        ttl_seconds: float,
        now: Callable[[], float] = time.time,
        profile: Profile | None = None,
    ) -> None:
        self._settings = settings
        self.profile = profile
        self._api_url = api_url
        self._cache = cache
        self._ttl = ttl_seconds
        self._now = now
        self._lock = threading.Lock()
        self._writing = threading.Lock()
        self._decided: dict[Capability, Decision] = {}
        self._refused: dict[Capability, Decision] = {}
        self._cached: set[Capability] = set()
        self._cached_used: dict[Capability, float] = {}
        for capability in Capability:
            setting = getattr(settings, capability.value)
            if setting != "auto":
                self._decided[capability] = Decision(capability, setting == "on", "configured")
            elif profile is not None and (proven := profile.proves(capability.value)) is not None:
                self._decided[capability] = Decision(capability, proven, PROFILE)
        for decision in self._read_cache():
            if decision.capability not in self._decided and decision.capability not in WRITES:
                self._decided[decision.capability] = decision
                self._cached.add(decision.capability)

    def configured(self, capability: Capability) -> bool:
        setting: str = getattr(self._settings, capability.value)
        return setting != "auto"

    def get(self, capability: Capability) -> bool | None:
        """True or False once decided (configured, proven, cached or discovered); else
        None. A cached decision used is remembered for :meth:`notes`."""
        with self._lock:
            decision = self._refused.get(capability) or self._decided.get(capability)
            if decision is not None and capability in self._cached:
                self._cached_used[capability] = decision.at
        return None if decision is None else decision.available

    def notes(self) -> list[str]:
        """What a person should know about the decisions used in this run: cached ones
        (with their age and how to refresh them)."""
        with self._lock:
            used = {c: at for c, at in self._cached_used.items() if c in self._cached}
        if not used:
            return []
        hours = max(0.0, self._now() - min(used.values())) / 3600
        age = f"{hours:.0f} h" if hours >= 1 else f"{hours * 60:.0f} min"
        names = ", ".join(sorted(str(c) for c in used))
        return [
            f"Loket.nl capabilities from the cache, decided {age} ago ({names}); "
            "run `mijnloket-gitops loket probe --refresh` to decide them afresh"
        ]

    def unproven(self) -> list[Capability]:
        """Write capabilities left off because nothing proved them (see the module)."""
        with self._lock:
            return sorted(c for c, d in self._decided.items() if d.how.startswith(UNPROVEN))

    def refuse(self, capability: Capability, how: str) -> None:
        """Loket refused a write at apply time (403/404/405): off for the rest of this
        run even where configured ``on``, and cached as off where discovered."""
        with self._lock:
            self._refused[capability] = Decision(capability, False, how, self._now())
        self.record(capability, False, how)

    def decision(self, capability: Capability) -> Decision | None:
        with self._lock:
            return self._refused.get(capability) or self._decided.get(capability)

    def record(self, capability: Capability, available: bool, how: str) -> Decision:
        """Store a discovery (a configured setting wins) and persist the cache."""
        with self._lock:
            existing = self._decided.get(capability)
            # configuration always wins; a profile's proof of a write too (a write is
            # never decided by discovery), but an answer contradicting a proven read wins
            kept = ("configured", PROFILE) if capability in WRITES else ("configured",)
            if existing is not None and existing.how in kept:
                return existing
            decision = Decision(capability, available, how, self._now())
            self._decided[capability] = decision
            self._cached.discard(capability)  # an answer replaces what the cache said
        # Threads discover at once (the bulk lists are read together): one writer at a
        # time, each writing the newest decisions, so an older snapshot never lands last.
        with self._writing:
            with self._lock:
                discovered = [
                    d
                    for d in self._decided.values()
                    if d.how not in ("configured", PROFILE) and d.capability not in WRITES
                ]
            self._write_cache(discovered)
        return decision

    def forget(self) -> None:
        """Drop every discovered decision (``loket probe`` discovers afresh)."""
        with self._lock:
            self._decided = {
                c: d for c, d in self._decided.items() if d.how in ("configured", PROFILE)
            }
            self._cached.clear()

    def _read_cache(self) -> list[Decision]:
        if self._cache is None or self._ttl <= 0:
            return []
        try:
            data = json.loads(self._cache.read_text("utf-8"))
            entries = data["apis"][self._api_url]
        except (OSError, ValueError, KeyError, TypeError):
            return []  # a missing or damaged cache only means asking again
        now = self._now()
        decisions = []
        for name, entry in entries.items() if isinstance(entries, dict) else ():
            try:
                capability = Capability(name)
                available, how, at = entry["available"], entry["how"], entry["at"]
            except (ValueError, KeyError, TypeError):
                continue
            fresh = isinstance(at, int | float) and 0 <= now - at <= self._ttl
            if fresh and isinstance(available, bool) and isinstance(how, str):
                decisions.append(Decision(capability, available, how, float(at)))
        return decisions

    def _write_cache(self, decisions: list[Decision]) -> None:
        if self._cache is None or self._ttl <= 0:
            return
        try:
            data = json.loads(self._cache.read_text("utf-8"))
            if not isinstance(data, dict) or not isinstance(data.get("apis"), dict):
                raise ValueError
        except (OSError, ValueError):
            data = {"version": 1, "apis": {}}
        data["apis"][self._api_url] = {
            str(d.capability): {"available": d.available, "how": d.how, "at": d.at}
            for d in decisions
        }
        # The cache only saves requests: failing to write it must not fail a plan.
        with contextlib.suppress(OSError):
            self._cache.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=self._cache.parent, prefix=f".{self._cache.name}.")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    json.dump(data, handle, indent=2, sort_keys=True)
                    handle.write("\n")
                os.replace(temp, self._cache)
            except OSError:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
                raise
