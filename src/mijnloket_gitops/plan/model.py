"""A plan: immutable values that every renderer and apply only read.

``Plan.data`` is the versioned JSON form (``FORMAT_VERSION``), documented in
``docs/plan-format.md``; renderers read that dict, never the live system.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from mijnloket_gitops.catalog import Tier
from mijnloket_gitops.governance.blocks import WindowBlock
from mijnloket_gitops.plan.blocked import BlockedFile
from mijnloket_gitops.providers.base import Action, EmployerSummary, Step
from mijnloket_gitops.tier import tier_rank

FORMAT_VERSION = 1
PERSONAL_DATA_FLAG = "personal-data"
"""Review flag on a grant of a right that exposes personal data (AVG/GDPR)."""
UNVERIFIED_FLAG = "unverified"
"""Flag on a rights step whose live state cannot be read (Loket.nl without the GET of
a user's rights): applied as the file says, never verified afterwards."""


HELD_BY_FILE = "the addendum's evidence is pending (evidence: pending)"
"""How the reason of a step that its own file holds back (onboarding) begins."""


@dataclass(frozen=True)
class PlannedStep:
    """A step in its place in the plan, with how and when it can happen."""

    step: Step
    manual: bool = False
    """The provider cannot perform it; a person does it in the Loket.nl web UI."""
    blocked: str | None = None
    """Why it cannot happen yet (e.g. the addendum is not processed); None if it can."""
    waits_on: tuple[str, ...] = ()
    """Keys of the steps in this plan that must be done first."""
    flags: tuple[str, ...] = ()
    """Review flags, e.g. ``personal-data`` for a right that exposes personal data."""

    @property
    def key(self) -> str:
        return self.step.key

    @property
    def held(self) -> bool:
        """Held back by its own file (``evidence: pending``): no person in Loket.nl can
        do anything about it, so it is in no work order and nothing waits for it."""
        return bool(self.blocked and self.blocked.startswith(HELD_BY_FILE))

    @property
    def data(self) -> dict[str, Any]:
        return {
            **self.step.data,
            "key": self.key,
            "manual": self.manual,
            "blocked": self.blocked,
            "waits_on": list(self.waits_on),
            "flags": list(self.flags),
        }


@dataclass(frozen=True)
class EmployerPlan:
    """Everything the plan changes for one employer, in execution order."""

    employer_id: str
    name: str
    """Loket's name for the employer (live state), not the file's."""
    path: str
    steps: tuple[PlannedStep, ...]
    tier_before: Tier | None
    tier_after: Tier | None
    tier_reasons: tuple[tuple[str, Tier], ...] = ()
    """The changed products that cause the tier change, with their tier effect."""
    unknown_live_products: tuple[str, ...] = ()
    """Live products the catalog does not know; reported, never touched."""
    unchecked: tuple[str, ...] = ()
    """What the file asks for that the provider cannot see, so no step can check it."""
    file_name: str = ""
    """The name the employer file gives (checked against ``name`` before planning)."""
    takes_over: bool = False
    """No file managed this employer at the plan's base ref: this change takes it over."""

    @property
    def tier_change(self) -> str | None:
        """``upgrade``, ``downgrade`` or None."""
        before, after = tier_rank(self.tier_before), tier_rank(self.tier_after)
        if before == after:
            return None
        return "upgrade" if after > before else "downgrade"

    @property
    def has_changes(self) -> bool:
        return bool(self.steps)

    def count(self, action: Action) -> int:
        return sum(1 for s in self.steps if s.step.action == action)

    @property
    def data(self) -> dict[str, Any]:
        return {
            "employer_id": self.employer_id,
            "name": self.name,
            "file_name": self.file_name,
            "path": self.path,
            "takes_over_management": self.takes_over,
            "tier": {
                "before": self.tier_before,
                "after": self.tier_after,
                "change": self.tier_change,
                "reasons": [{"product": p, "tier": t} for p, t in self.tier_reasons],
            },
            "steps": [s.data for s in self.steps],
            "unknown_live_products": list(self.unknown_live_products),
            "unchecked": list(self.unchecked),
        }


@dataclass(frozen=True)
class GuardViolation:
    """A safety guard the plan trips, and the flag that overrides it."""

    guard: str
    message: str
    flag: str
    employer_id: str | None = None
    overridden_by: str | None = None
    """The flag that overrode it (``--force`` or the guard's own); None while it stands."""

    @property
    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "guard": self.guard,
            "message": self.message,
            "flag": self.flag,
            "employer_id": self.employer_id,
        }
        if self.overridden_by is not None:
            data["overridden_by"] = self.overridden_by
        return data


@dataclass(frozen=True)
class RemovedEmployer:
    """A live employer whose file existed at the base ref and is gone now."""

    employer_id: str
    name: str
    """Loket's name."""
    path: str
    """The file at the base ref."""
    file_kept: bool = False
    """The file is still there but names another employer now (its employer_id was
    changed, or it no longer reads): not a removal."""

    @property
    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "employer_id": self.employer_id,
            "name": self.name,
            "path": self.path,
        }
        if self.file_kept:
            data["file_kept"] = True
        return data


@dataclass(frozen=True)
class ReadFailure:
    """A managed employer whose live state could not be read: not planned, listed."""

    employer_id: str
    name: str
    path: str
    message: str

    @property
    def data(self) -> dict[str, Any]:
        return {
            "employer_id": self.employer_id,
            "name": self.name,
            "path": self.path,
            "message": self.message,
        }


STEP_COUNTS = (
    "activate",
    "deactivate",
    "grant",
    "revoke",
    "tier_changes",
    "manual",
    "blocked",
    "unverified",
    "employers_changed",
)
"""The keys of :attr:`Plan.summary` that count steps; the others count employers by
their ownership, which may change without any step."""


@dataclass(frozen=True)
class Plan:
    """The changes that bring live state to the desired state, plus how it was made."""

    employers: tuple[EmployerPlan, ...]
    """Managed employers, with or without changes, in file order."""
    unmanaged: tuple[EmployerSummary, ...] = ()
    """Live employers that have no file: listed, never touched."""
    provider: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    """Tool version, catalog version, fingerprints, git commit, creation time."""
    violations: tuple[GuardViolation, ...] = ()
    removed: tuple[RemovedEmployer, ...] = ()
    """Newly unmanaged since the base ref: the file was removed, the employer is live."""
    overridden: tuple[GuardViolation, ...] = ()
    """Guards this plan trips that a flag overrode (each with ``overridden_by``)."""
    failed: tuple[ReadFailure, ...] = ()
    """Managed employers that could not be read, so are not planned (exit code 1)."""
    invalid: tuple[str, ...] = ()
    """Employer files left out of the plan because they are invalid (exit code 1)."""
    blocked: tuple[BlockedFile, ...] = ()
    """Files left out because their employer_id is not live or names another company
    (exit code 1); the others are planned."""
    # issue 15: the monthly cost section, only when the repository has ``pricing:``
    cost: dict[str, Any] | None = None
    # issue 22: steps that restore what changed in Loket since the last apply
    drift: dict[str, Any] | None = None
    # issue 23: approvals the plan needs, only when the repository has ``approvals:``
    approvals: tuple[dict[str, Any], ...] | None = None
    # issue 23: change windows, only when the repository has ``windows:``
    blocked_by_window: tuple[WindowBlock, ...] | None = None
    """Employers a change window blocks when the plan is made (lifted ones too)."""

    @property
    def window_refusals(self) -> tuple[WindowBlock, ...]:
        """The window blocks no ``--override-window`` lifts: apply refuses (exit 3)."""
        return tuple(b for b in self.blocked_by_window or () if b.overridden_by is None)

    @property
    def changed(self) -> tuple[EmployerPlan, ...]:
        return tuple(e for e in self.employers if e.has_changes)

    @property
    def steps(self) -> list[PlannedStep]:
        return [s for e in self.employers for s in e.steps]

    @property
    def summary(self) -> dict[str, int]:
        # only employers with steps count steps (at 50,000 employers, four passes over
        # all of them cost a third of a second, and the guards ask too)
        counts = Counter(s.step.action for e in self.changed for s in e.steps)
        return {
            "activate": counts[Action.ACTIVATE],
            "deactivate": counts[Action.DEACTIVATE],
            "grant": counts[Action.GRANT],
            "revoke": counts[Action.REVOKE],
            "tier_changes": sum(1 for e in self.employers if e.tier_change),
            "manual": sum(1 for s in self.steps if s.manual),
            "blocked": sum(1 for s in self.steps if s.blocked),
            "unverified": sum(1 for s in self.steps if UNVERIFIED_FLAG in s.flags),
            "employers_changed": len(self.changed),
            "employers_managed": len(self.employers),
            "employers_unmanaged": len(self.unmanaged),
            "employers_removed": len(self.removed),
            "employers_taken_over": sum(1 for e in self.employers if e.takes_over),
        }

    @property
    def has_changes(self) -> bool:
        """Steps to perform (what apply does)."""
        return any(e.has_changes for e in self.employers)

    @property
    def has_verifiable_changes(self) -> bool:
        """Changes other than unverified steps, which reappear in every plan because
        Loket cannot show whether they hold."""
        return any(UNVERIFIED_FLAG not in s.flags for s in self.steps)

    @property
    def needs_review(self) -> bool:
        """Steps, or a change of ownership (``--detailed-exitcode`` exits 2 for it).
        Unverified steps alone do not count: they are in every plan (issue 10)."""
        return (
            self.has_verifiable_changes
            or bool(self.removed)
            or any(e.takes_over for e in self.employers)
        )

    @property
    def data(self) -> dict[str, Any]:
        return self._data(self.employers)

    @property
    def review_data(self) -> dict[str, Any]:
        """``data`` with only the employers a reviewer reads about (steps, unknown live
        products, unchecked wishes, a take-over): what the text and Markdown renderers
        show. At 50,000 employers the full list would cost more memory than the plan;
        ``summary`` still counts every employer."""
        return self._data(
            tuple(
                e
                for e in self.employers
                if e.steps or e.unknown_live_products or e.unchecked or e.takes_over
            )
        )

    def _data(self, employers: tuple[EmployerPlan, ...]) -> dict[str, Any]:
        data = {
            "format_version": FORMAT_VERSION,
            "provider": self.provider,
            "meta": dict(self.meta),
            "summary": self.summary,
            "employers": [e.data for e in employers],
            "unmanaged": [{"employer_id": u.employer_id, "name": u.name} for u in self.unmanaged],
            "violations": [v.data for v in self.violations],
            "overridden": [v.data for v in self.overridden],
            "removed": [r.data for r in self.removed],
            "failed": [f.data for f in self.failed],
        }
        if self.invalid:  # a "No changes" must never hide a file that was not planned
            data["invalid"] = list(self.invalid)
        if self.blocked:
            data["blocked"] = [b.data for b in self.blocked]
        if self.cost is not None:  # issue 15: without pricing, nothing about money
            data["cost"] = self.cost
        if self.drift is not None:  # issue 22: only after a completed full apply
            data["drift"] = self.drift
        if self.approvals is not None:  # issue 23: only with approvals configured
            data["approvals"] = list(self.approvals)
        if self.blocked_by_window is not None:  # issue 23: only with windows configured
            data["blocked_by_window"] = [b.data for b in self.blocked_by_window]
        return data
