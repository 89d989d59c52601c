"""Deterministic fault injection: which request gets which fault.

A fault is decided when a request arrives, before anything else happens, from a hash
of (seed, method, path with query, how many times that method and target were asked
before). So the same requests give the same faults whatever the interleaving of
concurrent clients, and a retry of a request is a new occurrence with its own draw.
Faults are bounded: after ``max_consecutive`` faults in a row for one method and
target the next attempt always succeeds, so a client that retries at least that often
always gets through.

What each kind does (see :mod:`.traffic`), and whether the request was processed:

=========  ==========================================================  ==========
kind       the client sees                                             processed
=========  ==========================================================  ==========
``429``    ``429 Too Many Requests`` with ``Retry-After``              no
``500``    ``500 Internal Server Error``                               no
``503``    ``503 Service Unavailable``                                 no
``drop``   the connection closes without an answer                     no
``lost``   the connection closes without an answer                     **yes**
``slow``   the normal answer, ``slow_ms`` late                         yes
=========  ==========================================================  ==========

"Processed" means the store was read or, for a PATCH, changed in one transaction.
``drop`` is the request lost on its way in; ``lost`` is the answer lost on its way
out: the change is committed (the ``change_log`` shows it) but the client cannot
know, and must retry a PATCH safely (merge semantics make the retry a no-op, which
the ``change_log`` proves). No fault ever leaves a PATCH half applied: a PATCH is
one store transaction, and a fault either prevents it entirely or follows it.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from enum import StrEnum


class FaultKind(StrEnum):
    RATE_LIMITED = "429"
    SERVER_ERROR = "500"
    UNAVAILABLE = "503"
    DROP = "drop"
    LOST = "lost"
    SLOW = "slow"

    @property
    def processed(self) -> bool:
        """Whether the request is processed (the store read or changed) despite the fault."""
        return self in (FaultKind.LOST, FaultKind.SLOW)


ALL_KINDS: tuple[FaultKind, ...] = tuple(FaultKind)


@dataclass(frozen=True)
class FaultConfig:
    """``rate`` is the share of ``/v2`` requests that get a fault, drawn evenly from
    ``kinds``; ``retry_after`` is the ``Retry-After`` of a 429 in seconds."""

    rate: float = 0.0
    seed: int = 0
    kinds: tuple[FaultKind, ...] = ALL_KINDS
    retry_after: int = 1
    slow_ms: int = 1000
    max_consecutive: int = 2

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"fault rate {self.rate} is not between 0 and 1")
        if self.rate and not self.kinds:
            raise ValueError("a fault rate needs at least one fault kind")
        if self.retry_after < 0 or self.slow_ms < 0 or self.max_consecutive < 1:
            raise ValueError("retry_after and slow_ms must be >= 0, max_consecutive >= 1")


def parse_kinds(text: str) -> tuple[FaultKind, ...]:
    """``"429,503,drop"`` as fault kinds; raises ValueError naming the valid ones."""
    kinds: list[FaultKind] = []
    for part in (p.strip() for p in text.split(",")):
        if part:
            try:
                kinds.append(FaultKind(part))
            except ValueError:
                valid = ", ".join(k.value for k in FaultKind)
                raise ValueError(f"unknown fault kind {part!r}; use {valid}") from None
    return tuple(dict.fromkeys(kinds))


def draw(seed: int, method: str, target: str, occurrence: int) -> float:
    """A number in [0, 1) fixed by its arguments."""
    text = f"{seed}\x1f{method}\x1f{target}\x1f{occurrence}".encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big") / 2**64


class FaultPlan:
    """Decides the fault of each request; thread-safe."""

    def __init__(self, config: FaultConfig) -> None:
        self._lock = threading.Lock()
        self._config = config
        self._seen: dict[tuple[str, str], int] = {}
        self._in_a_row: dict[tuple[str, str], int] = {}

    @property
    def config(self) -> FaultConfig:
        return self._config

    def configure(self, config: FaultConfig) -> None:
        """Use ``config`` from now on, counting occurrences afresh."""
        with self._lock:
            self._config = config
            self._seen.clear()
            self._in_a_row.clear()

    def decide(self, method: str, target: str) -> FaultKind | None:
        """The fault for this request (``target`` is the path with its query), or None."""
        config = self._config
        if not config.rate:
            return None
        key = (method, target)
        with self._lock:
            occurrence = self._seen.get(key, 0)
            self._seen[key] = occurrence + 1
            value = draw(config.seed, method, target, occurrence)
            in_a_row = self._in_a_row.get(key, 0)
            if value >= config.rate or in_a_row >= config.max_consecutive:
                self._in_a_row.pop(key, None)
                return None
            self._in_a_row[key] = in_a_row + 1
        index = min(int(value / config.rate * len(config.kinds)), len(config.kinds) - 1)
        return config.kinds[index]
