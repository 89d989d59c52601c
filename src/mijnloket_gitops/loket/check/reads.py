"""The read-only part of ``loket check``: every read the provider uses, each answer
held against the assumed shape of ``docs/loket-api-contract.md``.

The item shapes are checked by the provider's own parsers (:mod:`..assumptions`), so
the check tests exactly what the provider relies on; the envelope and paging by
:func:`.reader.envelope_fault`. Each assumption ends as a
:class:`~.findings.Finding`; each read capability answered (or answered 404, 405,
501) is recorded as proven available (or absent) for the profile.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mijnloket_gitops.errors import ProviderError
from mijnloket_gitops.loket import assumptions as A
from mijnloket_gitops.loket import paths
from mijnloket_gitops.loket.capabilities import Capability
from mijnloket_gitops.loket.check.findings import CheckReport, Verdict
from mijnloket_gitops.loket.check.hints import check_hints
from mijnloket_gitops.loket.check.newer import check_newer_listing
from mijnloket_gitops.loket.check.reader import Answer, Reader, envelope_fault
from mijnloket_gitops.loket.check.sets import check_sets, remember_right_ids, remember_rights
from mijnloket_gitops.loket.check.shapes import brief, id_format, shape_of

ABSENT = frozenset({404, 405, 501})
"""Statuses of a read that prove it is not offered here (501: "not yet available")."""

EMPLOYERS_SEARCHED = 5

C = Capability
_EMPLOYER = "/providers/employers/{employerId}"


@dataclass
class Found:
    """Ids the reads found, for the reads after them and for ``--write``."""

    provider_id: str | None = None
    employer_id: str | None = None
    user_id: str | None = None
    users: list[tuple[str, str]] = field(default_factory=list)
    """(id, login) of the werkgevergebruikers of the chosen employer."""
    provider_user_id: str | None = None
    rights_read: bool = False
    """The rights GET (A4) answered: the round trips read rights with it."""
    user_set_read: bool = False
    """The user's ``authorizationSet`` (A18) answered: the next best read of rights."""
    right_ids: dict[str, set[A.RightId]] = field(default_factory=dict)
    modules: set[str] | None = None
    module_ids: dict[str, Any] = field(default_factory=dict)


class ReadCheck:
    """Runs the reads in order, filling ``report`` and ``found``."""

    def __init__(self, reader: Reader, report: CheckReport, employer_id: str | None) -> None:
        self.reader = reader
        self.report = report
        self.found = Found(employer_id=employer_id)

    # helpers

    def _items(self, key: str, title: str, op: str, answer: Answer) -> list[Any] | None:
        """The items of a good list answer; otherwise a refuted finding and None."""
        fault = envelope_fault(answer.body, 1)
        if fault is None:
            return answer.items
        self.report.add(key, title, op, Verdict.REFUTED, f"list envelope: {fault}")
        return None

    def _parsed(
        self, key: str, title: str, op: str, items: list[Any], parse: Callable[[list[Any]], object]
    ) -> bool:
        try:
            parse(items)
        except ProviderError:
            self.report.add(key, title, op, Verdict.REFUTED, _shown(items))
            return False
        if not items:
            self.report.add(key, title, op, Verdict.NOT_TESTABLE, "the list is empty")
            return False
        self.report.add(key, title, op, Verdict.CONFIRMED)
        return True

    def _capability(
        self, capability: Capability, answer: Answer, absent: frozenset[int] = ABSENT
    ) -> bool:
        """Record a read capability; True when it answered (so its shape can be read)."""
        if answer.ok:
            self.report.capabilities[str(capability)] = True
            return True
        if answer.status in absent:
            self.report.capabilities[str(capability)] = False
        return False

    def _unanswered(
        self,
        key: str,
        title: str,
        op: str,
        answer: Answer,
        capability: Capability | None = None,
        absent: frozenset[int] = ABSENT,
    ) -> None:
        """A read that did not answer: not testable; a failure that is no "not offered"
        is also a problem of the check (exit 1), naming the setting that turns it off."""
        why = f"answered {answer.status}"
        if answer.status in absent:
            why += ": not offered here"
        elif capability is not None:
            self.report.problems.append(
                f"{op} answered {answer.status} (after retries), which does not say "
                f'"not offered" ({", ".join(map(str, sorted(absent)))} do); the provider '
                f"reports such a read as failed. If Loket.nl keeps answering so, set "
                f"provider.capabilities.{capability}: off in mijnloket-gitops.yaml"
            )
        self.report.add(key, title, op, Verdict.NOT_TESTABLE, why)

    # the reads

    def run(self) -> Found:
        """Every read, in order. Without the provider (A1) the reads under the
        provider's id (A5, A9-A13) cannot be made: a problem of the check (exit 1)."""
        provider = self.providers()
        self.employers()
        self.paging()
        self.employer()
        self.modules()
        self.users()
        self.user_rights()
        self.user_set()
        if provider:
            check_sets(self)
            check_newer_listing(self)
        else:
            self.report.problems.append(
                f"GET /providers at {self.reader.http.base_url} gave no provider id (A1), "
                "which the reads of authorization sets and of the newer listing need: they "
                "were not made, and nothing was written"
            )
        check_hints(self)
        return self.found

    def providers(self) -> bool:
        op = "GET /providers"
        title = "exactly one provider {id, name}"
        answer = self.reader.page(op, paths.PROVIDERS)
        if not answer.ok:
            self.report.add("A1", title, op, Verdict.REFUTED, f"answered {answer.status}")
            return False
        items = self._items("A1", title, op, answer)
        if items is None:
            return False
        try:
            self.found.provider_id = A.parse_provider(items).provider_id
        except ProviderError:
            seen = f"{len(items)} item(s): {_shown(items)}"
            self.report.add("A1", title, op, Verdict.REFUTED, seen)
            return False
        self.report.add("A1", title, op, Verdict.CONFIRMED)
        return True

    def employers(self) -> None:
        op = "GET /providers/employers"
        title = "employers are {id: string, ...}"
        items = self._items("E1", title, op, self.reader.page(op, paths.EMPLOYERS))
        if items is None:
            return
        bad = [i for i in items if not isinstance(i, dict) or not isinstance(i.get("id"), str)]
        if bad:
            self.report.add("E1", title, op, Verdict.REFUTED, _shown(bad))
            return
        if not items:
            self.report.add("E1", title, op, Verdict.NOT_TESTABLE, "no employers")
            return
        self.report.add("E1", title, op, Verdict.CONFIRMED)
        self._id_formats("employer_ids", items)
        ids = [str(i["id"]) for i in items]
        if self.found.employer_id is None:
            self.found.employer_id = ids[0]
        self._employer_ids = ids

    def paging(self) -> None:
        """P1: ``currentPage`` is the page asked for, ``totalPages`` stable; pages of one."""
        op = "GET /providers/employers"
        title = "paging: currentPage == page asked, totalPages stable"
        first = self.reader.page(op, paths.EMPLOYERS, 1, size=1)
        fault = envelope_fault(first.body, 1)
        if fault is None:
            total = first.body["totalPages"]
            if total < 2:
                why = "fewer than two employers: only page 1 exists"
                self.report.add("P1", title, op, Verdict.NOT_TESTABLE, why)
                return
            second = self.reader.page(op, paths.EMPLOYERS, 2, size=1)
            fault = envelope_fault(second.body, 2)
            if fault is None and second.body["totalPages"] != total:
                fault = f"totalPages changed from {total} to {second.body['totalPages']}"
        if fault is None:
            self.report.add("P1", title, op, Verdict.CONFIRMED)
        else:
            self.report.add("P1", title, op, Verdict.REFUTED, f"pageSize 1: {fault}")

    def employer(self) -> None:
        op = f"GET {_EMPLOYER}"
        title = "a single resource is {content: {...}}"
        if self.found.employer_id is None:
            self.report.add("E2", title, op, Verdict.NOT_TESTABLE, "no employer")
            return
        answer = self.reader.get(op, paths.employer(self.found.employer_id))
        if answer.content is None:
            seen = f"answered {answer.status}: {brief(shape_of(answer.body))}"
            self.report.add("E2", title, op, Verdict.REFUTED, seen)
            return
        self.report.add("E2", title, op, Verdict.CONFIRMED)

    def modules(self) -> None:
        op = f"GET {_EMPLOYER}/modules"
        title = "modules are {id, name} (+ optional on/off flag)"
        if self.found.employer_id is None:
            self.report.add("A2", title, op, Verdict.NOT_TESTABLE, "no employer")
            return
        chosen = self.found.employer_id
        others = [e for e in getattr(self, "_employer_ids", [])[:EMPLOYERS_SEARCHED] if e != chosen]
        for employer_id in [chosen, *others]:
            answer = self.reader.page(op, paths.modules(employer_id))
            if not self._capability(C.MODULES_READ, answer):
                self._unanswered("A2", title, op, answer, C.MODULES_READ)
                return
            items = self._items("A2", title, op, answer)
            if items is None:
                return
            if employer_id == chosen:
                self.found.modules = _enabled_modules(items)
            if items or employer_id == [chosen, *others][-1]:
                if self._parsed("A2", title, op, items, lambda xs: [A.parse_module(i) for i in xs]):
                    self._id_formats("module_ids", items)
                return

    def users(self) -> None:
        op = f"GET {_EMPLOYER}/users"
        title = "werkgevergebruikers are {id, userName}"
        employers = getattr(self, "_employer_ids", [])
        if self.found.employer_id is None:
            self.report.add("A3", title, op, Verdict.NOT_TESTABLE, "no employer")
            return
        chosen = self.found.employer_id
        candidates = [chosen] + [e for e in employers[:EMPLOYERS_SEARCHED] if e != chosen]
        for employer_id in candidates:
            answer = self.reader.page(op, paths.users(employer_id))
            items = self._items("A3", title, op, answer) if answer.ok else None
            if answer.ok and items is None:
                return
            if items:
                if self._parsed("A3", title, op, items, lambda xs: [A.parse_user(i) for i in xs]):
                    users = [A.parse_user(i) for i in items]
                    self.found.user_id = users[0][0]
                    if employer_id == chosen:
                        self.found.users = users
                    self.found.employer_id = self.found.employer_id or employer_id
                    self._user_employer = employer_id
                    logins = {"email" if "@" in login else "other" for _, login in users}
                    self.report.shapes["logins"] = "+".join(sorted(logins))
                return
        self.report.add("A3", title, op, Verdict.NOT_TESTABLE, "no werkgevergebruiker found")

    def user_rights(self) -> None:
        op = f"GET {_EMPLOYER}/users/{{userId}}/authorizations"
        title = "rights are {id, description, <flag: isEnabled or availableForEmployerUser>}"
        employer = getattr(self, "_user_employer", None)
        if employer is None or self.found.user_id is None:
            self.report.add("A4", title, op, Verdict.NOT_TESTABLE, "no werkgevergebruiker")
            return
        answer = self.reader.page(op, paths.user_rights(employer, self.found.user_id))
        if not self._capability(C.EMPLOYER_USER_RIGHTS_READ, answer, A.AUTHORIZATIONS_GET_MISSING):
            missing = A.AUTHORIZATIONS_GET_MISSING
            self._unanswered("A4", title, op, answer, C.EMPLOYER_USER_RIGHTS_READ, missing)
            return
        items = self._items("A4", title, op, answer)
        if items is not None and self._parsed("A4", title, op, items, A.parse_authorizations):
            self.found.rights_read = True
            remember_rights(self, items)

    def user_set(self) -> None:
        op = f"GET {_EMPLOYER}/users/{{userId}}/authorizationSet"
        title = "a user's authorizationSet is {content: {..., authorizations: [A4 items]}}"
        employer = getattr(self, "_user_employer", None)
        if employer is None or self.found.user_id is None:
            self.report.add("A18", title, op, Verdict.NOT_TESTABLE, "no werkgevergebruiker")
            return
        answer = self.reader.get(op, paths.user_authorization_set(employer, self.found.user_id))
        if not answer.ok:
            self._unanswered("A18", title, op, answer, absent=A.USER_SET_MISSING)
            return
        states = A.parse_user_authorization_set(answer.body)
        if states is None:
            seen = brief(shape_of(answer.body))
            self.report.add("A18", title, op, Verdict.REFUTED, seen)
            return
        self.report.add("A18", title, op, Verdict.CONFIRMED)
        self.found.user_set_read = True
        remember_right_ids(self, {d: {i} for d, (i, _) in states.items()}, "user_set")

    def _id_formats(self, name: str, items: list[Any]) -> None:
        formats = {id_format(i.get("id")) for i in items if isinstance(i, dict)}
        if formats:
            self.report.shapes[f"{name[:-1]}_format"] = "+".join(sorted(formats))


def _enabled_modules(items: list[Any]) -> set[str] | None:
    """The modules switched on (A2), or None when the items are not of that shape."""
    try:
        return {n for n in map(A.parse_module, items) if n is not None}
    except ProviderError:
        return None


def _shown(items: list[Any]) -> str:
    """The shape of the first few items (never their values)."""
    return brief(shape_of(items[:3]))
