"""A change window that blocks an employer's steps: a value the plan carries.

Kept free of imports from the planner so that :mod:`mijnloket_gitops.plan.model` can
hold it without an import cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

OVERRIDE_FLAG = "--override-window"


@dataclass(frozen=True)
class WindowBlock:
    """Steps of one employer that a window blocks at the time the plan was made.

    For a ``deny`` window, ``until`` is when the window (with any occurrences that
    follow on without a gap) ends; for ``allow`` windows, the employer is outside all
    of those that apply to it and ``until`` is when the first of them opens. ``until``
    is None only when no end or opening falls within a year.
    """

    employer_id: str
    name: str
    path: str
    window: str
    kind: str
    until: str | None
    """ISO 8601 in the window's time zone, with its UTC offset."""
    timezone: str
    overridden_by: str | None = None
    """``--override-window NAME`` when that flag lifts the block; None while it stands."""

    @property
    def flag(self) -> str:
        return f"{OVERRIDE_FLAG} {self.window}"

    @property
    def message(self) -> str:
        when = self.until.replace("T", " ") if self.until else None
        if self.kind == "deny":
            end = f"until {when} ({self.timezone})" if when else "for more than a year"
            return f"inside deny window {self.window} {end}"
        opens = f"opens {when} ({self.timezone})" if when else "does not open within a year"
        return f"outside every allow window; the next, {self.window}, {opens}"

    @property
    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "employer_id": self.employer_id,
            "name": self.name,
            "path": self.path,
            "window": self.window,
            "kind": self.kind,
            "until": self.until,
            "timezone": self.timezone,
            "message": self.message,
            "flag": self.flag,
        }
        if self.overridden_by is not None:
            data["overridden_by"] = self.overridden_by
        return data
