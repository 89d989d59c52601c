"""The ``approvals:`` settings (issue 23): kept apart from :mod:`.approvals`, which
reads plans, so the configuration can load them without importing the planner."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Flag = Literal[
    "tier_change", "personal_data_grant", "mijnloket_removal", "takeover", "cost_increase"
]
FLAGS: tuple[Flag, ...] = (
    "tier_change",
    "personal_data_grant",
    "mijnloket_removal",
    "takeover",
    "cost_increase",
)

REVIEWER = r"^@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:/[A-Za-z0-9_.-]+)?$"
"""``@login`` or ``@org/team-slug``."""


class ApprovalConfig(BaseModel):
    """One approval group."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", description="The approval's name.")
    when: Flag = Field(description="The plan flag that requires it.")
    reviewers: list[Annotated[str, Field(pattern=REVIEWER)]] = Field(
        min_length=1,
        description="Who may approve: @org/team (its members) or @login.",
    )

    @property
    def teams(self) -> list[tuple[str, str]]:
        """``(org, team slug)`` of each ``@org/team`` reviewer."""
        found = []
        for reviewer in self.reviewers:
            name = reviewer.removeprefix("@")
            if "/" in name:
                org, team = name.split("/", 1)
                found.append((org, team))
        return found

    @property
    def logins(self) -> list[str]:
        """Each ``@login`` reviewer, without the ``@``."""
        return [r.removeprefix("@") for r in self.reviewers if "/" not in r]
