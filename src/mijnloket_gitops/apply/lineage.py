"""Plan lineage: a serial per provider target that every apply advances (issue 22).

As Terraform's state serial: a saved plan records the serial it was made at
(``meta.serial``) and is stale once an apply of any other plan has run since, so two
plans made from the same state (twins) cannot both apply, and a plan cannot undo a
deliberate revert made after an earlier apply. An apply advances the serial before
its first step; an apply of the same plan (resuming one that was interrupted or
waits for a person) may still run.

Where the serial lives: the sandbox keeps it in its database
(:meth:`Provider.lineage_store`), seen by every checkout; for Loket.nl it is in the
journals (a ``serial`` event of each apply, per provider target), which the GitHub
apply workflow carries from run to run (:mod:`mijnloket_gitops.gitops.journals`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from mijnloket_gitops.apply.history import journal_files, read_events
from mijnloket_gitops.apply.journal import Journal
from mijnloket_gitops.providers.base import Provider

SERIAL_EVENT = "serial"
History = tuple[int, str, str]
"""(serial, plan id, when) of one advance."""
JOURNAL_DIR = Path(".mijnloket") / "journal"
"""Where a repository's journals are, relative to its root."""


def journal_history(directory: Path, target: str) -> list[History]:
    """(serial, plan id, time) of every ``serial`` event for ``target``, by serial."""
    found: dict[int, tuple[str, str]] = {}
    for path in journal_files(directory):
        try:
            if f'"{SERIAL_EVENT}"' not in path.read_text(encoding="utf-8", errors="replace"):
                continue  # cheap test before parsing
        except OSError:
            continue
        for event in read_events(path):
            serial, plan = event.get("serial"), event.get("plan_id")
            if (
                event.get("event") == SERIAL_EVENT
                and event.get("provider_target") == target
                and isinstance(serial, int)
                and isinstance(plan, str)
            ):
                found[serial] = (plan, str(event.get("time", "")))
    return [(serial, plan, time) for serial, (plan, time) in sorted(found.items())]


def now() -> str:
    """This moment as lineage records it (UTC, milliseconds)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def current_serial(provider: Provider, root: Path) -> tuple[int, str]:
    """The serial of ``provider``'s target now, for a plan of the repository at ``root``,
    and when it was read (``meta.serial``, ``meta.serial_read_at``)."""
    read_at = now()
    return Lineage(provider, root / JOURNAL_DIR).serial, read_at


@dataclass(frozen=True)
class Lineage:
    """The lineage of ``provider``'s target; ``journal_dir`` where journals are kept."""

    provider: Provider
    journal_dir: Path

    def history(self) -> list[History]:
        store = self.provider.lineage_store()
        if store is not None:
            return store.lineage()
        return journal_history(self.journal_dir, self.provider.target)

    @property
    def serial(self) -> int:
        """The current serial: 0 before the first apply."""
        return max((serial for serial, _, _ in self.history()), default=0)

    def advance(self, journal: Journal, plan_id: str) -> int:
        """Advance the serial for an apply of ``plan_id`` and journal it."""
        store = self.provider.lineage_store()
        serial = store.advance_lineage(plan_id, journal.actor) if store else self.serial + 1
        journal.record(SERIAL_EVENT, serial=serial, plan_id=plan_id)
        return serial


def _time(text: object) -> dt.datetime | None:
    try:
        when = dt.datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


def stale_reason(
    history: list[History], made_at: object, plan_id: str, read_at: object = None
) -> str | None:
    """Why a plan made at serial ``made_at`` (read at ``read_at``) may not be applied
    now; None if it may.

    An advance by another plan counts when its serial is above ``made_at``. A plan made
    at serial 0 may have been made without the journals (CI's plan job starts empty;
    they travel with the apply runs): for it, only advances after ``read_at`` count
    (one in the same millisecond counts: conservative)."""
    if not isinstance(made_at, int) or isinstance(made_at, bool):
        return "it records no lineage serial (meta.serial)"
    made = _time(read_at) if made_at == 0 and read_at is not None else None
    current = max((serial for serial, _, _ in history), default=0)
    if current < made_at:
        return (
            f"it was made at serial {made_at}, but the target's lineage is at {current}"
            " (the sandbox was seeded again, or the journals are not those of this target)"
        )
    others = [
        serial
        for serial, plan, when in history
        if serial > made_at and plan != plan_id and (made is None or (_time(when) or made) >= made)
    ]
    if others:
        return (
            f"an apply of another plan ran since it was made (serial {made_at}, now"
            f" {current}): it would undo whatever that apply and anyone since changed"
        )
    return None  # no apply of another plan since: it may run (or resume)
