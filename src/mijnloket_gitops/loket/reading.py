"""Reading one employer as a handful of independent requests (jobs for :mod:`.fanout`).

``/providers/employers/{id}``, ``.../modules`` and ``.../users`` go out at once; each
user found starts a job for that user's rights. :meth:`EmployerRead.result` puts the
answers together. A 404 on the employer itself means it does not exist live.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from mijnloket_gitops.errors import ProviderError
from mijnloket_gitops.loket import assumptions as A
from mijnloket_gitops.loket.fanout import Job
from mijnloket_gitops.loket.http import LoketHttp
from mijnloket_gitops.providers.base import LiveEmployer, LiveUser


class EmployerRead:
    """The requests and answers of reading one employer; each job writes one slot."""

    def __init__(self, employer_id: str, path: str, http: LoketHttp) -> None:
        self.employer_id = employer_id
        self._path = path
        self._http = http
        self._lock = threading.Lock()
        self._content: dict[str, Any] | None = None
        self._modules: list[Any] | None = None
        self._users: list[tuple[str, str]] | None = None
        self._rights: dict[str, frozenset[str]] = {}

    def first_jobs(self) -> list[Job]:
        return [self._read_employer, self._read_modules, self._read_users]

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
        self._users = [A.parse_user(item) for item in users]
        return [self._rights_job(user_id) for user_id, _ in self._users]

    def _rights_job(self, user_id: str) -> Job:
        def job() -> Iterable[Job]:
            path = f"{self._path}/users/{quote(user_id, safe='')}/authorizations"
            status, items = self._http.items_or_status(path, allow=A.AUTHORIZATIONS_GET_MISSING)
            if items is None:
                raise A.authorizations_unavailable(path, status)
            rights = A.parse_authorizations(items)
            with self._lock:
                self._rights[user_id] = rights
            return ()

        return job

    @property
    def user_ids(self) -> dict[str, str]:
        """User ids by login folded to lower case."""
        return {login.casefold(): user_id for user_id, login in self._users or ()}

    def result(self) -> LiveEmployer | None:
        """The live employer; None if Loket does not know it."""
        if self._content is None:
            return None
        for what, answer in (("modules", self._modules), ("users", self._users)):
            if answer is None:
                raise ProviderError(
                    f"GET {self._path}/{what} answered 404 for an existing employer"
                )
        assert self._modules is not None and self._users is not None
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
            products=frozenset(A.parse_module(item) for item in self._modules),
            users=users,
        )
