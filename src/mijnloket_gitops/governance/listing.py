"""What ``mijnloket-gitops windows`` shows: each window and its next periods."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from mijnloket_gitops.governance.schedule import Window
from mijnloket_gitops.governance.windows_config import WindowConfig


def window_listing(
    configs: Sequence[WindowConfig], windows: Sequence[Window], now: dt.datetime, count: int
) -> list[dict[str, Any]]:
    """Per window its settings, whether it is in effect at ``now`` and up to ``count``
    periods from ``now`` on (start and end on the window's wall clock, with offset)."""
    listing = []
    for config, window in zip(configs, windows, strict=True):
        periods = window.upcoming(now, count)
        listing.append(
            {
                "name": window.name,
                "kind": window.kind,
                "schedule": config.schedule,
                "duration": config.duration,
                "timezone": window.zone.key,
                "where": config.where,
                "in_effect": bool(periods) and periods[0].contains(now),
                "periods": [
                    {
                        "start": window.local(p.start).isoformat(timespec="minutes"),
                        "end": window.local(p.end).isoformat(timespec="minutes"),
                        "longer": p.capped,
                    }
                    for p in periods
                ],
            }
        )
    return listing
