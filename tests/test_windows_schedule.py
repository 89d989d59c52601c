"""Change windows: when they are in effect, across daylight-saving changes (issue 23).

Every moment is given (an injected clock), never read from the system.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from mijnloket_gitops.catalog import builtin_catalog
from mijnloket_gitops.files.loader import load_bytes
from mijnloket_gitops.governance.schedule import Window
from mijnloket_gitops.governance.windows_config import (
    WindowConfig,
    compile_windows,
    parse_duration,
)

UTC = dt.UTC


def window(schedule: str, duration: str = "24h", **extra: str) -> Window:
    config = WindowConfig(name="w", kind="deny", schedule=schedule, duration=duration, **extra)
    (compiled,) = compile_windows([config], builtin_catalog(), load_bytes(b"{}"), Path("c.yaml"))
    return compiled


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


# 2026: clocks go forward on Sunday 29 March (02:00 CET -> 03:00 CEST) and back on
# Sunday 25 October (03:00 CEST -> 02:00 CET) in Europe/Amsterdam.
LAST_SUNDAY_OF_MARCH = "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"
LAST_SUNDAY_OF_OCTOBER = "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU"


def test_a_day_window_on_the_short_day_ends_at_midnight_after_23_hours() -> None:
    sunday = window(LAST_SUNDAY_OF_MARCH)
    period = sunday.current(utc(2026, 3, 29, 12))
    assert period is not None
    assert period.start == utc(2026, 3, 28, 23)  # 00:00 CET
    assert period.end == utc(2026, 3, 29, 22)  # 00:00 CEST on Monday
    assert period.end - period.start == dt.timedelta(hours=23)
    assert sunday.current(utc(2026, 3, 29, 21, 59)) is not None
    assert sunday.current(utc(2026, 3, 29, 22)) is None
    assert sunday.current(utc(2026, 3, 28, 22, 59)) is None


def test_a_day_window_on_the_long_day_ends_at_midnight_after_25_hours() -> None:
    sunday = window(LAST_SUNDAY_OF_OCTOBER)
    period = sunday.current(utc(2026, 10, 25, 22, 30))  # 23:30 CET, still Sunday
    assert period is not None
    assert period.start == utc(2026, 10, 24, 22)  # 00:00 CEST
    assert period.end == utc(2026, 10, 25, 23)  # 00:00 CET on Monday
    assert period.end - period.start == dt.timedelta(hours=25)
    assert sunday.current(utc(2026, 10, 25, 23)) is None


def test_a_window_starting_in_the_skipped_hour_starts_when_the_clocks_jump() -> None:
    night = window(LAST_SUNDAY_OF_MARCH + ";BYHOUR=2;BYMINUTE=30", "1h")
    period = night.current(utc(2026, 3, 29, 1, 15))
    assert period is not None
    # 02:30 does not exist: the window is the part of 02:30-03:30 that does, from the
    # jump (02:00 CET = 03:00 CEST = 01:00 UTC) to 03:30 CEST
    assert night.local(period.start).isoformat() == "2026-03-29T03:00:00+02:00"
    assert night.local(period.end).isoformat() == "2026-03-29T03:30:00+02:00"
    assert night.current(utc(2026, 3, 29, 1, 30)) is None


def test_a_window_at_a_time_that_exists_twice_is_its_first_instance() -> None:
    night = window(LAST_SUNDAY_OF_OCTOBER + ";BYHOUR=2;BYMINUTE=30", "20m")
    assert night.current(utc(2026, 10, 25, 0, 40)) is not None  # 02:40 CEST
    assert night.current(utc(2026, 10, 25, 1, 40)) is None  # 02:40 CET, the second one


def test_a_daily_window_keeps_its_wall_clock_time_across_the_change() -> None:
    mornings = window("FREQ=DAILY;BYHOUR=8", "10h")
    before, after = mornings.upcoming(utc(2026, 3, 28, 0), 3)[0::2]
    assert before.start == utc(2026, 3, 28, 7)  # 08:00 CET
    assert after.start == utc(2026, 3, 30, 6)  # 08:00 CEST
    assert [mornings.local(p.start).hour for p in mornings.upcoming(utc(2026, 3, 28), 3)] == [
        8,
        8,
        8,
    ]


def test_occurrences_that_follow_on_make_one_period_ending_after_the_last() -> None:
    payroll = window("FREQ=MONTHLY;BYMONTHDAY=20,21,22,23,24,25")
    period = payroll.current(utc(2026, 3, 22, 10))
    assert period is not None
    assert payroll.local(period.start).isoformat() == "2026-03-20T00:00:00+01:00"
    assert payroll.local(period.end).isoformat() == "2026-03-26T00:00:00+01:00"
    following = payroll.next_start(utc(2026, 3, 22, 10))
    assert following is not None
    assert payroll.local(following.start).isoformat() == "2026-04-20T00:00:00+02:00"


def test_a_window_that_never_closes_is_capped_not_looped_forever() -> None:
    always = window("FREQ=DAILY", "24h")
    period = always.current(utc(2026, 5, 1))
    assert period is not None and period.capped
    assert always.next_start(utc(2026, 5, 1)) is None


def test_a_schedule_that_has_ended_has_no_period() -> None:
    once = window("FREQ=DAILY;COUNT=2", "1h", start="2026-01-01T09:00")
    assert once.upcoming(utc(2026, 6, 1), 3) == []
    assert once.current(utc(2026, 1, 2, 8, 30)) is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24h", dt.timedelta(hours=24)),
        ("1d12h", dt.timedelta(hours=36)),
        ("90m", dt.timedelta(minutes=90)),
    ],
)
def test_durations(text: str, expected: dt.timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "0h", "24", "1h1d", "24 hours", "-1h"])
def test_malformed_durations(text: str) -> None:
    assert parse_duration(text) is None


def test_a_long_past_start_does_not_make_a_period_capped() -> None:
    weeks = window("FREQ=DAILY;BYMONTH=1,2,3,4,5,6,7,8,9,10,11", "24h")
    period = weeks.current(utc(2026, 11, 20))
    assert period is not None and not period.capped
    assert weeks.local(period.start).isoformat() == "2026-01-01T00:00:00+01:00"
    assert weeks.local(period.end).isoformat() == "2026-12-01T00:00:00+01:00"


def test_a_schedule_that_never_occurs_is_a_configuration_error() -> None:
    from mijnloket_gitops.errors import ConfigError

    with pytest.raises(ConfigError, match="has no occurrence in the 5 years after start"):
        window("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30")
    assert window("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "1h") is not None  # leap days occur
