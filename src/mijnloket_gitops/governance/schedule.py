"""When a change window is in effect.

Occurrences come from the window's recurrence rule (``python-dateutil``'s rrule) as
wall-clock times of its time zone; each lasts ``duration`` on that wall clock, so on
the last Sundays of March and October a ``24h`` window that starts at midnight still
ends at the next midnight (23 or 25 real hours). A wall-clock time that does not exist
(02:30 when clocks go forward) is read as the moment the clocks jump (03:00 summer
time), so a 02:30-03:30 window lasts from 03:00 to 03:30; one that exists twice
(02:30 when clocks go back) is its first instance.

Every comparison is in UTC: Python compares two datetimes of the same ``tzinfo`` by
their wall-clock fields, which is wrong for an hour each autumn.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from dateutil.rrule import rrule

from mijnloket_gitops.selection import Selector, Subject

MAX_SPAN = dt.timedelta(days=366)
"""Occurrences that follow on one another without a gap are merged into one period,
looking this far back and ahead; a period that goes on longer is reported as ending
"after" that (``capped``)."""


@dataclass(frozen=True)
class Period:
    """A stretch of time a window is in effect, in UTC; ``capped`` when it goes on
    beyond ``end`` (longer than :data:`MAX_SPAN`)."""

    start: dt.datetime
    end: dt.datetime
    capped: bool = False

    def contains(self, moment: dt.datetime) -> bool:
        return self.start <= moment < self.end


@dataclass(frozen=True)
class Window:
    """A compiled change window (see :mod:`.windows_config`)."""

    name: str
    kind: Literal["deny", "allow"]
    rule: rrule
    duration: dt.timedelta
    zone: zoneinfo.ZoneInfo
    selector: Selector

    def applies_to(self, subject: Subject) -> bool:
        return self.selector.expression is None or self.selector(subject)

    def _utc(self, wall: dt.datetime) -> dt.datetime:
        """The moment ``wall`` shows on the zone's clock: its first instance when it
        shows twice; the moment the clocks jump when they skip it."""
        moment = wall.replace(tzinfo=self.zone).astimezone(dt.UTC)
        if moment.astimezone(self.zone).replace(tzinfo=None) == wall:
            return moment
        # in the skipped hour: PEP 495's fold=1 reading lies before the jump, fold=0's
        # after it; halve the gap until the jump is found (to the second)
        early = wall.replace(tzinfo=self.zone, fold=1).astimezone(dt.UTC)
        late, offset = moment, early.astimezone(self.zone).utcoffset()
        while late - early > dt.timedelta(seconds=1):
            middle = early + (late - early) / 2
            if middle.astimezone(self.zone).utcoffset() == offset:
                early = middle
            else:
                late = middle
        return late.replace(microsecond=0)

    def local(self, moment: dt.datetime) -> dt.datetime:
        """``moment`` on the window's wall clock (with its offset)."""
        return moment.astimezone(self.zone)

    def periods(self, after: dt.datetime) -> Iterator[Period]:
        """The periods that have not ended at ``after`` (aware), in order: the one in
        effect at ``after`` first, if any. Ends when the rule has no more occurrences."""
        after = after.astimezone(dt.UTC)
        wall = after.astimezone(self.zone).replace(tzinfo=None)
        # an occurrence that started up to one duration (plus a day for the offset
        # changes) before ``after`` may still be in effect
        first = wall - self.duration - dt.timedelta(days=1)
        current: Period | None = None
        for occurrence in self.rule.xafter(first, inc=True):
            start, end = self._utc(occurrence), self._utc(occurrence + self.duration)
            if end <= after:
                continue
            if current is None:
                current = self._since(Period(start, end), occurrence)
            elif start <= current.end:
                current = Period(current.start, max(current.end, end))
            else:
                yield current
                current = Period(start, end)
            if current.end - max(current.start, after) > MAX_SPAN:
                yield Period(current.start, current.end, capped=True)
                return
        if current is not None:
            yield current

    def _since(self, period: Period, wall: dt.datetime) -> Period:
        """``period`` (starting at ``wall``) with the earlier occurrences that run on
        into it, up to :data:`MAX_SPAN` back."""
        while period.end - period.start <= MAX_SPAN:
            earlier = self.rule.before(wall)
            if earlier is None or self._utc(earlier + self.duration) < period.start:
                break
            period, wall = Period(self._utc(earlier), period.end), earlier
        return period

    def current(self, at: dt.datetime) -> Period | None:
        """The period in effect at ``at``, or None."""
        for period in self.periods(at):
            return period if period.contains(at.astimezone(dt.UTC)) else None
        return None

    def upcoming(self, at: dt.datetime, count: int) -> list[Period]:
        """Up to ``count`` periods from ``at`` on (the one in effect first, if any)."""
        found: list[Period] = []
        for period in self.periods(at):
            found.append(period)
            if len(found) >= count or period.capped:
                break
        return found

    def next_start(self, at: dt.datetime) -> Period | None:
        """The first period that starts after ``at``; None within :data:`MAX_SPAN`."""
        limit = at.astimezone(dt.UTC) + MAX_SPAN
        for period in self.periods(at):
            if period.start > at:
                return period
            if period.end > limit or period.capped:
                return None
        return None
