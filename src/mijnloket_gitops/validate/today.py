"""Today's date as Loket sees it, for rules about dates (a signature in the future).

Loket.nl keeps Dutch time, so a date is judged in Europe/Amsterdam, not in the time
zone of the machine that runs the check: on a UTC CI runner, the Dutch date is
already one day further between 00:00 and 01:00 (02:00 in summer) Dutch time.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mijnloket_gitops.errors import ConfigError

LOKET_TIME_ZONE = "Europe/Amsterdam"


def loket_today(now: dt.datetime | None = None) -> dt.date:
    """The date in Europe/Amsterdam at ``now`` (an aware datetime; default: now)."""
    try:
        zone = ZoneInfo(LOKET_TIME_ZONE)
    except ZoneInfoNotFoundError:
        raise ConfigError(
            f"the time zone {LOKET_TIME_ZONE} is not installed on this machine; install the"
            " system's tzdata package (or `pip install tzdata`)"
        ) from None
    return (now or dt.datetime.now(dt.UTC)).astimezone(zone).date()
