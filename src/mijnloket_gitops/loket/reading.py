"""Reading one employer as a handful of independent requests (jobs for :mod:`.fanout`).

``/providers/employers/{id}``, ``.../modules`` and ``.../users`` go out at once; each
user found starts a job for that user's rights. :meth:`EmployerRead.result` puts the
answers together. A 404 on the employer itself means it does not exist live.

A failure that concerns this employer only (a 403 on its modules, an answer of an
unexpected shape) is kept in :attr:`EmployerRead.error` instead of stopping the other
employers; an :class:`~mijnloket_gitops.errors.AuthError` still stops everything.
Where Loket does not offer the GET of a user's rights (404, 405 or 501, Assumption
A4), the capability is recorded as missing and the employer's rights are marked
unread. Any other failure of that GET (a 500) fails the employer with a message that
names ``provider.capabilities.employer_user_rights_read`` and ``loket check``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote

from mijnloket_gitops.errors import AuthError, ProviderError
from mijnloket_gitops.loket import assumptions as A
from mijnloket_gitops.loket.capabilities import Capability, CapabilityState
from mijnloket_gitops.loket.fanout import Job
from mijnloket_gitops.loket.http import LoketHttp
from mijnloket_gitops.providers.base import LiveEmployer, LiveUser

RIGHTS = Capability.EMPLOYER_USER_RIGHTS_READ
RIGHTS_HINT = (
    "The rights of werkgevergebruikers could not be read. If this Loket.nl does not offer"
    " that read, set provider.capabilities.employer_user_rights_read: off (rights are then"
    " sent as the files say and marked unverified); `mijnloket-gitops loket check` shows"
    " what it offers."
)


class EmployerRead:
    """The requests and answers of reading one employer; each job writes one slot.

    ``content``, ``modules`` or ``users`` given up front (from the employer list or a
    bulk read) are not asked for again.
    """

    def __init__(
        self,
        employer_id: str,
        path: str,
        http: LoketHttp,
        caps: CapabilityState,
        *,
        content: dict[str, Any] | None = None,
        modules: list[Any] | None = None,
        users: list[Any] | None = None,
    ) -> None:
        self.employer_id = employer_id
        self._path = path
        self._http = http
        self._caps = caps
        self._lock = threading.Lock()
        self._content = content
        self._modules = modules
        self._users: list[tuple[str, str]] | None = None
        self._given_users = users
        self._rights: dict[str, frozenset[str]] = {}
        self.right_states: dict[str, tuple[A.RightId, bool]] = {}
        """Every right a rights GET listed, with its id (for writes, A4)."""
        self._rights_unread = False
        self.error: str | None = None

    def first_jobs(self) -> list[Job]:
        jobs: list[Job] = []
        if self._content is None:
            jobs.append(self._guarded(self._read_employer))
        if self._modules is None:
            jobs.append(self._guarded(self._read_modules))
        if self._given_users is None:
            jobs.append(self._guarded(self._read_users))
        else:
            jobs.append(self._guarded(lambda: self._parse_users(self._given_users or [])))
        return jobs

    def _guarded(self, job: Callable[[], Iterable[Job]]) -> Job:
        def run() -> Iterable[Job]:
            if self.error is not None:
                return ()
            try:
                return [self._guarded(follow) for follow in job()]
            except AuthError:
                raise
            except ProviderError as error:
                with self._lock:
                    if self.error is None:
                        self.error = str(error)
                return ()

        return run

    def _read_employer(self) -> Iterable[Job]:
        self._content = self._http.get_content(self._path, allow=(404,))
        return ()

    def _read_modules(self) -> Iterable[Job]:
        self._modules = self._http.items(f"{self._path}/modules", allow=(404,))
        return ()

    def _read_users(self) -> Iterable[Job]:
        users = self._http.items(f"{self._path}/users", allow=(404,))
        if users is None:
            return ()
        return self._parse_users(users)

    def _parse_users(self, users: list[Any]) -> Iterable[Job]:
        self._users = [A.parse_user(item) for item in users]
        if self._caps.get(RIGHTS) is False:
            self._rights_unread = bool(self._users)
            return ()
        return [self._rights_job(user_id) for user_id, _ in self._users]

    def _rights_job(self, user_id: str) -> Callable[[], Iterable[Job]]:
        def job() -> Iterable[Job]:
            if self._caps.get(RIGHTS) is False:  # learnt from another employer meanwhile
                self._rights_unread = True
                return ()
            path = f"{self._path}/users/{quote(user_id, safe='')}/authorizations"
            try:
                status, items = self._http.items_or_status(path, allow=A.AUTHORIZATIONS_GET_MISSING)
            except AuthError:
                raise
            except ProviderError as error:
                raise ProviderError(f"{error}\n{RIGHTS_HINT}") from None
            if items is None:
                self._caps.record(RIGHTS, False, str(status))
                self._rights_unread = True
                return ()
            if self._caps.get(RIGHTS) is None:
                self._caps.record(RIGHTS, True, "answered")
            states = A.parse_right_states(items)
            with self._lock:
                self._rights[user_id] = frozenset(d for d, (_, held) in states.items() if held)
                self.right_states.update(states)
            return ()

        return job

    @property
    def user_ids(self) -> dict[str, str]:
        """User ids by login folded to lower case."""
        return {login.casefold(): user_id for user_id, login in self._users or ()}

    def result(self) -> LiveEmployer | None:
        """The live employer; None if Loket does not know it (or :attr:`error` is set)."""
        if self.error is not None or self._content is None:
            return None
        for what, answer in (("modules", self._modules), ("users", self._users)):
            if answer is None:
                self.error = f"GET {self._path}/{what} answered 404 for an existing employer"
                return None
        assert self._modules is not None and self._users is not None
        try:
            products = frozenset(
                name for item in self._modules if (name := A.parse_module(item)) is not None
            )
        except ProviderError as error:
            self.error = str(error)
            return None
        name = self._content.get("companyName")
        users = {
            login.casefold(): LiveUser(
                login, A.LIVE_USER_TYPE, self._rights.get(user_id, frozenset())
            )
            for user_id, login in self._users
        }
        return LiveEmployer(
            employer_id=self.employer_id,
            name=name if isinstance(name, str) else "",
            portal_available=A.PORTAL_ALWAYS_AVAILABLE,
            products=products,
            users=users,
            rights_unread=frozenset({A.LIVE_USER_TYPE}) if self._rights_unread else frozenset(),
        )
