"""The rights round trip of ``loket check --write``: which flag of the rights PATCH
takes effect (``availableForEmployerUser``, n8n's example body, or ``isEnabled``, the
operation's prose), each tried alone, each verified by the strongest read there is.

The read, strongest first: ``GET .../users/{userId}/authorizations`` (A4) where it
answers; else the user's ``GET .../users/{userId}/authorizationSet`` (A18) where it
answers; otherwise the items a PATCH answers with, read by an empty merge PATCH
(``{"authorizations": []}`` changes nothing; A16). Without any, neither the starting
state nor an effect can be seen: nothing is written and the round trip is "not
testable here".

For each flag: read the right's state, PATCH the opposite with that flag only, read
again. Changed: the flag took effect; it is then switched back and read once more.
Unchanged: the server ignored the flag (merge semantics answer 2xx anyway). Whatever
happens (a failure, Ctrl-C), :meth:`RightsTrip.restore` puts the right back as it was
at the start, trying each flag until the read shows the starting state.
"""

from __future__ import annotations

from typing import Any

from mijnloket_gitops.errors import ProviderError
from mijnloket_gitops.loket import assumptions as A
from mijnloket_gitops.loket import paths
from mijnloket_gitops.loket.capabilities import Capability
from mijnloket_gitops.loket.check.findings import RoundTrip, Verdict
from mijnloket_gitops.loket.check.trips import TripContext
from mijnloket_gitops.loket.profile import RIGHTS_FLAG
from mijnloket_gitops.loket.writing import RIGHTS_PATCH_UNAVAILABLE
from mijnloket_gitops.providers.base import Action, Step

OP = "PATCH /providers/employers/{employerId}/users/{userId}/authorizations"
GET_OP = "GET /providers/employers/{employerId}/users/{userId}/authorizations"
SET_OP = "GET /providers/employers/{employerId}/users/{userId}/authorizationSet"
READS = ("GET rights", "GET authorizationSet", "PATCH answer")
"""The reads of a user's rights, strongest first (see the module docstring)."""
UNAVAILABLE = RIGHTS_PATCH_UNAVAILABLE
TITLE = "a rights PATCH flag takes effect"


def rights_body(right_id: A.RightId, description: str, enabled: bool, flag: str) -> dict[str, Any]:
    """A rights PATCH body carrying one flag (A15) only."""
    return {"authorizations": [A.rights_item(right_id, description, enabled, (flag,))]}


class RightsTrip:
    """One werkgevergebruiker's one right on the scratch employer (module docstring)."""

    def __init__(
        self,
        ctx: TripContext,
        user_id: str,
        login: str,
        candidates: dict[str, A.RightId],
        via: str,
    ) -> None:
        """``candidates``: the rights that may be switched, in order of preference (one
        when the operator named it); the first the user does not hold is granted then
        revoked, else the first is revoked then granted."""
        self.ctx = ctx
        self.user_id = user_id
        self.login = login
        self.candidates = candidates
        self.right, self.right_id = next(iter(candidates.items()))
        assert via in READS
        self.path = paths.user_rights(ctx.employer_id, user_id)
        self.verified_by = via
        """How the rights are read (one of :data:`READS`)."""
        self.start: bool | None = None
        self.answers_with_items: bool | None = None
        """A16: whether a 2xx PATCH answer carried the user's rights (None: none seen)."""

    def _answered(self, body: object) -> dict[str, tuple[A.RightId, bool]] | None:
        states = A.parse_patch_answer(body)
        self.answers_with_items = bool(self.answers_with_items) or states is not None
        return states

    def read_all(self) -> dict[str, bool] | None:
        """Every right the user holds or not, by description; None when nothing shows it."""
        if self.verified_by == READS[0]:
            answer = self.ctx.reader.page(GET_OP, self.path)
            if not answer.ok or answer.items is None:
                raise ProviderError(f"{GET_OP} answered {answer.status} during the round trip")
            return {d: held for d, (_, held) in A.parse_right_states(answer.items).items()}
        if self.verified_by == READS[1]:
            path = paths.user_authorization_set(self.ctx.employer_id, self.user_id)
            answer = self.ctx.reader.get(SET_OP, path)
            found = A.parse_user_authorization_set(answer.body) if answer.ok else None
            if found is None:
                raise ProviderError(f"{SET_OP} answered {answer.status} during the round trip")
            return {d: held for d, (_, held) in found.items()}
        answer = self.ctx.reader.send("PATCH", OP, self.path, body={"authorizations": []})
        states = self._answered(answer.body) if answer.ok else None
        return None if states is None else {d: held for d, (_, held) in states.items()}

    def read(self) -> bool | None:
        """Whether the user holds the right now; None when nothing shows it."""
        states = self.read_all()
        return None if states is None else states.get(self.right)

    def _choose(self, states: dict[str, bool]) -> None:
        """The first candidate the user does not hold, else the first with a state."""
        shown = [d for d in self.candidates if d in states]
        free = [d for d in shown if not states[d]]
        if free or shown:
            self.right = (free or shown)[0]
            self.right_id = self.candidates[self.right]

    def _step(self, enabled: bool) -> Step:
        action = Action.GRANT if enabled else Action.REVOKE
        return Step(
            self.ctx.employer_id,
            action,
            right=self.right,
            login=self.login,
            user_type=A.LIVE_USER_TYPE,
        )

    def _send(self, flag: str, enabled: bool, purpose: str) -> tuple[int, bool | None]:
        """PATCH with ``flag`` alone, then read; (status, state read after)."""
        step = self._step(enabled)
        body = rights_body(self.right_id, self.right, enabled, flag)
        answer = self.ctx.write(step, OP, self.path, body, purpose)
        if not answer.ok:
            self.ctx.outcome(step, "failed", status=answer.status, flag=flag)
            return answer.status, None
        self._answered(answer.body)
        after = self.read()
        event = "done" if after == enabled else "skipped" if after is not None else "failed"
        self.ctx.outcome(step, event, status=answer.status, flag=flag, held_after=after)
        return answer.status, after

    def run(self) -> None:
        """Try each flag alone; fill the report. Raises Interrupted on Ctrl-C."""
        try:
            self._run()
        finally:
            self._report_answers()

    def _report_answers(self) -> None:
        title = "a 2xx rights PATCH answers with the user's rights {content: {authorizations}}"
        if self.answers_with_items:
            self.ctx.report.add("A16", title, OP, Verdict.CONFIRMED)
        elif self.answers_with_items is False:
            why = "the PATCH answered without the rights (e.g. 204): the GET or nothing verifies"
            self.ctx.report.add("A16", title, OP, Verdict.NOT_TESTABLE, why)

    def _run(self) -> None:
        report = self.ctx.report
        states = self.read_all()
        if states is not None:
            self._choose(states)
            self.start = states.get(self.right)
        if self.start is None:
            why = (
                "no read shows a werkgevergebruiker's rights here (neither the rights GET nor "
                "the user's authorizationSet is offered, and the PATCH answers without "
                "items): nothing was written"
                if states is None
                else f"the read of the user's rights does not list {self.right!r}: nothing "
                "was written"
            )
            report.add("A15", TITLE, OP, Verdict.NOT_TESTABLE, why)
            return
        worked: list[str] = []
        for flag in A.RIGHTS_FLAGS:
            self.ctx.stop.check()
            worked += self._try(flag)
            if report.capabilities.get(str(Capability.EMPLOYER_USER_RIGHTS_WRITE)) is False:
                why = "the rights PATCH is not for this caller (403/405): nothing changed"
                report.add("A15", TITLE, OP, Verdict.NOT_TESTABLE, why)
                return
        if worked:
            report.shapes[RIGHTS_FLAG] = worked[0]
            report.capabilities[str(Capability.EMPLOYER_USER_RIGHTS_WRITE)] = True
            report.add("A15", TITLE, OP, Verdict.CONFIRMED, f"took effect: {', '.join(worked)}")
        else:
            seen = "neither flag changed the right (each answered 2xx or was refused)"
            report.add("A15", TITLE, OP, Verdict.REFUTED, seen)

    def _try(self, flag: str) -> list[str]:
        assert self.start is not None
        name = f"rights flag {flag}"
        report = self.ctx.report
        status, after = self._send(flag, not self.start, f"{name}: to the opposite")
        if status in UNAVAILABLE:
            report.capabilities[str(Capability.EMPLOYER_USER_RIGHTS_WRITE)] = False
            report.round_trips.append(RoundTrip(name, f"refused {status}", "", True))
            return []
        if after is None and not 200 <= status < 300:
            report.round_trips.append(RoundTrip(name, f"refused {status}", "", True))
            return []
        if after == self.start:
            trip = RoundTrip(name, "no effect", self.verified_by, True, f"answered {status}")
            report.round_trips.append(trip)
            return []
        if after is None:
            raise ProviderError(f"the right could not be read back after {name}")
        self.ctx.stop.check()
        status, back = self._send(flag, self.start, f"{name}: back to the start")
        restored = back == self.start
        outcome = "took effect" if restored else "failed"
        detail = "" if restored else f"switching back answered {status}, the read showed {back}"
        report.round_trips.append(RoundTrip(name, outcome, self.verified_by, restored, detail))
        if not restored:
            raise ProviderError(f"{name}: the right did not read back as it was at the start")
        return [flag]

    def restore(self) -> bool:
        """Put the right back as it was at the start; True when a read shows it."""
        if self.start is None:
            return True
        now = self.read()
        for flag in A.RIGHTS_FLAGS:
            if now == self.start:
                return True
            _, now = self._send(flag, self.start, "restore the starting state")
        return now == self.start
