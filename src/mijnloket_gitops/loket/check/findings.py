"""What ``loket check`` found: one :class:`Finding` per assumption tested, and the
round trips of ``--write``, rendered as text or JSON.

A finding's ``seen`` is scrubbed: a status, a shape (:mod:`.shapes`), a count or a
key name, never a value of Loket's answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Verdict(StrEnum):
    CONFIRMED = "confirmed"
    REFUTED = "refuted"
    NOT_TESTABLE = "not testable here"


@dataclass(frozen=True)
class Finding:
    """One assumption (``A1``... of ``docs/loket-api-contract.md``) as tested here."""

    assumption: str
    title: str
    operation: str
    verdict: Verdict
    seen: str = ""
    """What was seen (refuted), or why it could not be tested; scrubbed."""

    @property
    def data(self) -> dict[str, Any]:
        return {
            "assumption": self.assumption,
            "title": self.title,
            "operation": self.operation,
            "verdict": str(self.verdict),
            "seen": self.seen,
        }


@dataclass(frozen=True)
class RoundTrip:
    """One reversible write of ``--write``: what was tried and what became of it."""

    name: str
    """E.g. ``rights flag availableForEmployerUser`` or ``module switch``."""
    outcome: str
    """``took effect``, ``no effect``, ``refused 400``, ``failed``, ``not tried``."""
    verified_by: str
    """The read that showed it (``GET rights``, ``PATCH answer``, ``GET modules``)."""
    restored: bool
    detail: str = ""

    @property
    def data(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "outcome": self.outcome,
            "verified_by": self.verified_by,
            "restored": self.restored,
            "detail": self.detail,
        }


@dataclass
class CheckReport:
    """Everything one ``loket check`` found, and what it proved for the profile."""

    api_url: str
    findings: list[Finding] = field(default_factory=list)
    round_trips: list[RoundTrip] = field(default_factory=list)
    capabilities: dict[str, bool] = field(default_factory=dict)
    shapes: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    """Failures of the check itself (a write not restored, a read that failed)."""
    interrupted: bool = False

    def add(
        self, assumption: str, title: str, operation: str, verdict: Verdict, seen: str = ""
    ) -> Finding:
        finding = Finding(assumption, title, operation, verdict, seen)
        self.findings.append(finding)
        return finding

    def counts(self) -> dict[str, int]:
        return {str(v): sum(f.verdict == v for f in self.findings) for v in Verdict}

    @property
    def ok(self) -> bool:
        """Nothing refuted, no round trip failed or unrestored, no problem."""
        return (
            not self.problems
            and not self.interrupted
            and all(f.verdict != Verdict.REFUTED for f in self.findings)
            and all(r.restored and r.outcome != "failed" for r in self.round_trips)
        )

    @property
    def data(self) -> dict[str, Any]:
        return {
            "format_version": 1,
            "api_url": self.api_url,
            "ok": self.ok,
            "interrupted": self.interrupted,
            "counts": self.counts(),
            "findings": [f.data for f in self.findings],
            "round_trips": [r.data for r in self.round_trips],
            "proven": {"capabilities": self.capabilities, "shapes": self.shapes},
            "problems": self.problems,
        }


WRITE_CAPABILITIES = ("modules_write", "employer_user_rights_write")


def production_hint(report: CheckReport) -> list[str]:
    """What to configure so that production relies on what ``--write`` proved here: a
    profile holds for its own API URL only, and ``--write`` is refused on production."""
    settings = [
        f"provider.capabilities.{name}: on"
        for name in WRITE_CAPABILITIES
        if report.capabilities.get(name) is True
    ]
    if "rights_flag" in report.shapes:
        settings.append(f"provider.rights_flag: {report.shapes['rights_flag']}")
    if not settings:
        return []
    return [
        "To rely on this in production (a profile holds for its own API URL only), set in "
        "mijnloket-gitops.yaml: " + "; ".join(settings)
    ]


def render_text(report: CheckReport) -> list[str]:
    """The report for people: findings grouped by verdict, then round trips."""
    lines = [f"Loket.nl check of {report.api_url}:"]
    for finding in report.findings:
        mark = {
            Verdict.CONFIRMED: "confirmed ",
            Verdict.REFUTED: "REFUTED   ",
            Verdict.NOT_TESTABLE: "not tested",
        }[finding.verdict]
        line = f"  {mark}  {finding.assumption:<4} {finding.title} ({finding.operation})"
        lines.append(line)
        if finding.seen:
            lines.append(f"              {finding.seen}")
    if report.round_trips:
        lines.append("Round trips on the scratch employer:")
        for trip in report.round_trips:
            restored = "restored" if trip.restored else "NOT RESTORED"
            via = f" (verified by {trip.verified_by})" if trip.verified_by else ""
            lines.append(f"  {trip.name}: {trip.outcome}{via}; {restored}")
            if trip.detail:
                lines.append(f"    {trip.detail}")
    if report.capabilities or report.shapes:
        proven = [f"{k}={'yes' if v else 'no'}" for k, v in sorted(report.capabilities.items())]
        proven += [f"{k}={v}" for k, v in sorted(report.shapes.items())]
        lines.append("Proven: " + ", ".join(proven))
    lines.extend(production_hint(report))
    counts = report.counts()
    lines.append(
        f"{counts['confirmed']} confirmed, {counts['refuted']} refuted, "
        f"{counts['not testable here']} not testable here."
    )
    lines.extend(f"Problem: {p}" for p in report.problems)
    if report.interrupted:
        lines.append("Interrupted (Ctrl-C): the starting state was restored as shown above.")
    return lines
