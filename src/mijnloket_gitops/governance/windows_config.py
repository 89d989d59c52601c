"""``windows:`` in ``mijnloket-gitops.yaml``: when apply may change which employers.

A window is an RFC 5545 recurrence rule (``schedule``) with a ``duration``, read in
its ``timezone``. A ``deny`` window blocks the steps of the employers it selects
while it is in effect; when ``allow`` windows select an employer, its steps may only
be applied inside one of them. ``where`` takes a selector (the README's Selectors
section); without it a window applies to every employer.

:func:`compile_windows` checks every window when the configuration is loaded and
raises :class:`~mijnloket_gitops.errors.ConfigError` naming the file, line and column
of what is wrong.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from dateutil.rrule import rrule, rrulestr
from pydantic import BaseModel, ConfigDict, Field

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.errors import ConfigError
from mijnloket_gitops.files.document import Document
from mijnloket_gitops.governance.schedule import Window
from mijnloket_gitops.selection import SelectorError, compile_selector

DEFAULT_START = "2026-01-01T00:00"
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")
_TOO_FREQUENT = ("SECONDLY", "MINUTELY")
PROBE = dt.timedelta(days=5 * 365)


class WindowConfig(BaseModel):
    """One change window."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    name: str = Field(
        pattern=r"^[a-z0-9][a-z0-9_-]*$",
        description="Lowercase name, shown in refusals and given to --override-window.",
    )
    kind: Literal["deny", "allow"] = Field(
        description="deny: no steps while in effect; allow: steps only while in effect."
    )
    schedule: str = Field(
        description="When each occurrence starts: one RFC 5545 RRULE, e.g. "
        "FREQ=MONTHLY;BYMONTHDAY=20,21,22,23,24,25 (at most hourly)."
    )
    duration: str = Field(
        description="How long each occurrence lasts on the wall clock of the time zone: "
        "days, hours, minutes, e.g. 24h, 1d12h, 90m."
    )
    timezone: str = Field("Europe/Amsterdam", description="IANA time zone of the schedule.")
    start: str = Field(
        DEFAULT_START,
        description="First possible start, local time (YYYY-MM-DDTHH:MM); gives the time "
        "of day where the rule has no BYHOUR, and the count of INTERVAL.",
    )
    where: str | None = Field(
        None, description="Selector of the employers it applies to (default: every one)."
    )


def parse_duration(text: str) -> dt.timedelta | None:
    """``24h``, ``1d12h``, ``90m`` as a timedelta; None when malformed or zero."""
    found = _DURATION.match(text.strip())
    if found is None:
        return None
    days, hours, minutes = (int(part) if part else 0 for part in found.groups())
    duration = dt.timedelta(days=days, hours=hours, minutes=minutes)
    return duration if duration > dt.timedelta(0) else None


def _rule(schedule: str, start: dt.datetime) -> rrule:
    """The recurrence rule; raises ValueError with dateutil's reason."""
    text = schedule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[len("RRULE:") :]
    if not text or "\n" in text or ":" in text:
        raise ValueError("give one RRULE (FREQ=...;...), without DTSTART; use start: instead")
    found = rrulestr(text, dtstart=start)
    if not isinstance(found, rrule):  # pragma: no cover - one RRULE line gives an rrule
        raise ValueError("give one RRULE")
    if any(f"FREQ={freq}" in text.upper().replace(" ", "") for freq in _TOO_FREQUENT):
        raise ValueError("a window repeats at most hourly (FREQ=HOURLY)")
    # a rule that never occurs (BYMONTH=2;BYMONTHDAY=30) would be searched until the year
    # 9999 at every plan; bounded, the search ends at once
    probe = found.replace(count=None, until=start + PROBE)
    if next(iter(probe), None) is None:
        raise ValueError(f"it has no occurrence in the {PROBE.days // 365} years after start")
    return found


def _compile_one(window: WindowConfig, catalog: Catalog) -> tuple[str, Window | str]:
    """(the field at fault, its problem) or ("", the compiled window)."""
    try:
        zone = zoneinfo.ZoneInfo(window.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return "timezone", f"unknown time zone {window.timezone!r} (use an IANA name such as "
        "Europe/Amsterdam)"
    try:
        start = dt.datetime.strptime(window.start, "%Y-%m-%dT%H:%M")
    except ValueError:
        return "start", f"start {window.start!r} is not a local time YYYY-MM-DDTHH:MM"
    duration = parse_duration(window.duration)
    if duration is None:
        return "duration", f"duration {window.duration!r} is not like 24h, 1d12h or 90m"
    try:
        rule = _rule(window.schedule, start)
    except ValueError as error:
        return "schedule", f"schedule is not a valid RFC 5545 RRULE: {error}"
    try:
        selector = compile_selector(window.where, catalog)
    except SelectorError as error:
        return "where", f"where: {error}"
    return "", Window(window.name, window.kind, rule, duration, zone, selector)


def compile_windows(
    windows: Sequence[WindowConfig], catalog: Catalog, doc: Document, path: Path
) -> tuple[Window, ...]:
    """The compiled windows; raises ConfigError at the first one that is wrong."""
    compiled: list[Window] = []
    seen: set[str] = set()
    for index, window in enumerate(windows):
        if window.name in seen:
            mark = doc.mark(("windows", index, "name"))
            raise ConfigError(
                f"{path}:{mark.line}:{mark.column}: windows: two windows are named "
                f"{window.name!r}; --override-window needs names that tell them apart"
            )
        seen.add(window.name)
        field, found = _compile_one(window, catalog)
        if isinstance(found, str):
            mark = doc.mark(("windows", index, field))
            raise ConfigError(f"{path}:{mark.line}:{mark.column}: window {window.name!r}: {found}")
        compiled.append(found)
    return tuple(compiled)
