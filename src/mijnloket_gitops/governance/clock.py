"""The current time, in one place, so tests can inject a clock instead of sleeping.

Everything in :mod:`mijnloket_gitops.governance` asks :func:`now` through this module
(``clock.now()``), never ``datetime.now`` directly.
"""

from __future__ import annotations

import datetime as dt


def now() -> dt.datetime:
    """The current time, timezone-aware (UTC)."""
    return dt.datetime.now(dt.UTC)
