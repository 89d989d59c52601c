"""Which planned employers the change windows block at a given moment.

The planner calls :func:`window_blocks` for every plan; apply refuses (exit 3) while
one stands that no ``--override-window NAME`` lifts. Only employers with steps are
checked: a window never blocks a plan that changes nothing for the employer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from pathlib import Path

from mijnloket_gitops.errors import MijnloketError
from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.governance.blocks import OVERRIDE_FLAG, WindowBlock
from mijnloket_gitops.governance.schedule import Period, Window
from mijnloket_gitops.selection import Subject

Desired = tuple[str, EmployerFile]


class UnknownWindowError(MijnloketError):
    """``--override-window`` names a window the configuration does not have."""

    def __init__(self, name: str, known: Collection[str]) -> None:
        names = ", ".join(sorted(known)) or "none are configured"
        super().__init__(f"{OVERRIDE_FLAG} {name}: no window has that name (windows: {names})")


def check_overrides(windows: Sequence[Window], overrides: Collection[str]) -> None:
    """Raises :class:`UnknownWindowError` for an override naming no window, so that a
    typo never passes for a deliberate override."""
    known = {w.name for w in windows}
    for name in sorted(overrides):
        if name not in known:
            raise UnknownWindowError(name, known)


def _iso(window: Window, moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    return window.local(moment).isoformat(timespec="minutes")


class _State:
    """The windows' periods at one moment, computed once per window."""

    def __init__(self, windows: Sequence[Window], now: dt.datetime) -> None:
        self.now = now
        self.current: dict[str, Period | None] = {w.name: w.current(now) for w in windows}
        self._next: dict[str, Period | None] = {}

    def next_start(self, window: Window) -> Period | None:
        if window.name not in self._next:
            self._next[window.name] = window.next_start(self.now)
        return self._next[window.name]


def _blocks_for(
    applicable: list[Window], state: _State
) -> list[tuple[Window, str | None, Collection[str]]]:
    """(window, until, names that lift it) for each block on one employer."""
    found: list[tuple[Window, str | None, Collection[str]]] = []
    for window in applicable:
        period = state.current[window.name]
        if window.kind == "deny" and period is not None:
            end = None if period.capped else period.end
            found.append((window, _iso(window, end), (window.name,)))
    allows = [w for w in applicable if w.kind == "allow"]
    if allows and all(state.current[w.name] is None for w in allows):
        upcoming = [(state.next_start(w), w) for w in allows]
        dated = [(p.start, w) for p, w in upcoming if p is not None]
        first = min(dated, key=lambda item: item[0]) if dated else (None, allows[0])
        found.append((first[1], _iso(first[1], first[0]), [w.name for w in allows]))
    return found


def window_blocks(
    windows: Sequence[Window],
    changed: Sequence[tuple[str, str, str]],
    desired: Sequence[Desired],
    root: Path,
    overrides: Collection[str],
    now: dt.datetime,
) -> tuple[WindowBlock, ...]:
    """The blocks on the ``changed`` employers (``(employer_id, name, path)``) at
    ``now``; each lifted by ``--override-window`` of a window it names carries
    ``overridden_by``. ``desired`` gives the files the ``where`` selectors read."""
    if not windows or not changed:
        return ()
    files = {employer.employer_id.lower(): (path, employer) for path, employer in desired}
    state = _State(windows, now)
    blocks: list[WindowBlock] = []
    for employer_id, name, path in changed:
        found = files.get(employer_id.lower())
        if found is None:  # pragma: no cover - every planned employer has its file
            continue
        subject = Subject(found[0], found[1], root)
        applicable = [w for w in windows if w.applies_to(subject)]
        for window, until, lifted_by in _blocks_for(applicable, state):
            override = next((n for n in sorted(lifted_by) if n in overrides), None)
            blocks.append(
                WindowBlock(
                    employer_id,
                    name,
                    path,
                    window.name,
                    window.kind,
                    until,
                    window.zone.key,
                    f"{OVERRIDE_FLAG} {override}" if override else None,
                )
            )
    return tuple(blocks)
