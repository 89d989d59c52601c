"""What the round trips of ``loket check --write`` share: the journal, the stop flag
and the rule that every write is announced before it is sent and its outcome after,
as apply does (:mod:`mijnloket_gitops.apply.journal`), so a crash in the middle is
reconciled by the next apply like any other open step."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mijnloket_gitops.apply.journal import Journal
from mijnloket_gitops.loket.check.findings import CheckReport
from mijnloket_gitops.loket.check.guard import StopFlag
from mijnloket_gitops.loket.check.reader import Answer, Reader
from mijnloket_gitops.providers.base import Step


@dataclass
class TripContext:
    """The scratch employer and everything a round trip writes through or to."""

    reader: Reader
    journal: Journal
    stop: StopFlag
    report: CheckReport
    employer_id: str

    def write(self, step: Step, op: str, path: str, body: Any, purpose: str) -> Answer:
        """Journal ``started``, send the PATCH; the caller journals the outcome."""
        self.journal.record("started", step, check=purpose)
        return self.reader.send("PATCH", op, path, body=body)

    def outcome(self, step: Step, event: str, **fields: Any) -> None:
        """``done``, ``skipped`` (no effect) or ``failed``, with what the read showed."""
        self.journal.record(event, step, **fields)
