"""Plan again from a saved plan's live base, to prove its steps are the planner's.

A saved plan carries the live state it was computed from (``live``). Planning the same
files against that state must give exactly the saved plan's employers and steps: the
planner is a pure function of both. A document whose steps were edited after ``plan``
wrote it (a step injected, dropped or changed) does not reproduce, and apply refuses it
as tampered rather than show a review of something it would not run (issue 22).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mijnloket_gitops.catalog import UserType
from mijnloket_gitops.providers.base import (
    EmployerSummary,
    LiveEmployer,
    LiveUser,
    Provider,
    Step,
)


def live_from_data(
    data: Mapping[str, Any], rights_unread: frozenset[UserType] = frozenset()
) -> LiveEmployer:
    """The inverse of :attr:`LiveEmployer.data`; ``rights_unread`` is not part of the
    data, so the caller passes it (from a fresh read of the same employer)."""
    users = {
        str(u["login"]).casefold(): LiveUser(str(u["login"]), u["type"], frozenset(u["rights"]))
        for u in data["users"]
    }
    return LiveEmployer(
        str(data["employer_id"]),
        str(data["name"]),
        bool(data["portal_available"]),
        frozenset(data["products"]),
        users,
        rights_unread,
    )


class ReplayProvider(Provider):
    """Answers reads from a saved live base; asks ``inner`` (the real provider) what
    it can perform and observe. Performs nothing."""

    name = "replay"

    def __init__(self, inner: Provider, live: Mapping[str, LiveEmployer]) -> None:
        self._inner = inner
        self._live = live

    @property
    def target(self) -> str:
        return self._inner.target

    def list_employers(self) -> list[EmployerSummary]:
        return [EmployerSummary(i, e.name) for i, e in self._live.items()]

    def read_employers(self, employer_ids: Iterable[str]) -> dict[str, LiveEmployer]:
        return {i: self._live[i] for i in employer_ids if i in self._live}

    def can_perform(self, step: Step) -> bool:
        return self._inner.can_perform(step)

    def observes(self, user_type: UserType) -> bool:
        return self._inner.observes(user_type)

    def perform(self, step: Step) -> None:  # pragma: no cover - never called
        raise AssertionError("a replay performs nothing")


def saved_base(
    saved: Mapping[str, Any], current: Mapping[str, LiveEmployer]
) -> dict[str, LiveEmployer]:
    """The saved plan's live base as live employers, each with what the provider
    cannot read now (``rights_unread``) taken from ``current``."""
    base: dict[str, LiveEmployer] = {}
    for employer_id, data in saved["live"].items():
        now = current.get(employer_id)
        base[employer_id] = live_from_data(data, now.rights_unread if now else frozenset())
    return base
