"""The module round trip of ``loket check --write``: switch a chosen module of the
scratch employer to the opposite of its starting state with ``PATCH .../modules``
(A8, the id from the provider's modules, A9), read ``GET .../modules`` (A2), switch it
back, read again. :meth:`ModuleTrip.restore` puts it back as it was, whatever
happened in between."""

from __future__ import annotations

from mijnloket_gitops.errors import ProviderError
from mijnloket_gitops.loket import assumptions as A
from mijnloket_gitops.loket import paths
from mijnloket_gitops.loket.capabilities import Capability
from mijnloket_gitops.loket.check.findings import RoundTrip, Verdict
from mijnloket_gitops.loket.check.trips import TripContext
from mijnloket_gitops.providers.base import Action, Step

OP = "PATCH /providers/employers/{employerId}/modules"
GET_OP = "GET /providers/employers/{employerId}/modules"
TITLE = "a module PATCH {modules: [{id, isEnabled}]} switches it"
NAME = "module switch"


class ModuleTrip:
    """One module of the scratch employer (see the module docstring)."""

    def __init__(self, ctx: TripContext, module: str, module_id: A.OpaqueId) -> None:
        self.ctx = ctx
        self.module = module
        self.module_id = module_id
        self.path = paths.modules(ctx.employer_id)
        self.start: bool | None = None

    def read(self) -> bool:
        answer = self.ctx.reader.page(GET_OP, self.path)
        if not answer.ok or answer.items is None:
            raise ProviderError(f"{GET_OP} answered {answer.status} during the round trip")
        return self.module in {A.parse_module(i) for i in answer.items}

    def _send(self, enabled: bool, purpose: str) -> tuple[int, bool | None]:
        action = Action.ACTIVATE if enabled else Action.DEACTIVATE
        step = Step(self.ctx.employer_id, action, product=self.module)
        body = A.module_switch_body(self.module_id, enabled)
        answer = self.ctx.write(step, OP, self.path, body, purpose)
        if not answer.ok:
            self.ctx.outcome(step, "failed", status=answer.status)
            return answer.status, None
        after = self.read()
        event = "done" if after == enabled else "skipped"
        self.ctx.outcome(step, event, status=answer.status, enabled_after=after)
        return answer.status, after

    def run(self) -> None:
        report = self.ctx.report
        self.start = self.read()
        self.ctx.stop.check()
        status, after = self._send(not self.start, f"{NAME}: to the opposite")
        if after is None:
            if status in A.MODULES_PATCH_UNAVAILABLE:
                report.capabilities[str(Capability.MODULES_WRITE)] = False
            report.round_trips.append(RoundTrip(NAME, f"refused {status}", "", True))
            report.add("A8", TITLE, OP, Verdict.REFUTED, f"answered {status}")
            return
        if after == self.start:
            detail = f"answered {status} and changed nothing"
            report.round_trips.append(RoundTrip(NAME, "no effect", "GET modules", True, detail))
            report.add("A8", TITLE, OP, Verdict.REFUTED, detail)
            return
        self.ctx.stop.check()
        status, back = self._send(self.start, f"{NAME}: back to the start")
        restored = back == self.start
        outcome = "took effect" if restored else "failed"
        detail = "" if restored else f"switching back answered {status}, the read showed {back}"
        report.round_trips.append(RoundTrip(NAME, outcome, "GET modules", restored, detail))
        if not restored:
            raise ProviderError("the module did not read back as it was at the start")
        report.capabilities[str(Capability.MODULES_WRITE)] = True
        report.add("A8", TITLE, OP, Verdict.CONFIRMED)

    def restore(self) -> bool:
        """Put the module back as it was at the start; True when a read shows it."""
        if self.start is None:
            return True
        if self.read() == self.start:
            return True
        _, now = self._send(self.start, "restore the starting state")
        return now == self.start
