"""The ``loket`` provider: live state from Loket.nl's REST API, rights changed through it.

What it can do, following ``docs/loket-api-contract.md``:

- products are read from ``/modules`` (names the catalog does not know are passed
  through so the plan reports them); switching them is **manual** (web UI);
- werkgevergebruikers and their rights are read (``/users``, ``.../authorizations``)
  and changed with a merge ``PATCH`` (``isEnabled`` true or false), the right's id
  found by its description in the provider's authorization sets (cached);
- ak-gebruikers are invisible to the API: not observed, their rights manual (A6);
- MijnLoket is reported as offered (A7).

Employers are read with bounded concurrency (``concurrency`` threads), one request
per job (:mod:`.fanout`), all sharing the request budget. The employer list's pages
after the first are read the same way.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from mijnloket_gitops.catalog import UserType
from mijnloket_gitops.config import LoketProviderConfig, Settings
from mijnloket_gitops.errors import ProviderError
from mijnloket_gitops.loket import assumptions as A
from mijnloket_gitops.loket import discovery
from mijnloket_gitops.loket.capabilities import CapabilityState, Decision
from mijnloket_gitops.loket.fanout import Job, Workers
from mijnloket_gitops.loket.http import Page
from mijnloket_gitops.loket.reading import EmployerRead
from mijnloket_gitops.loket.session import ApiSession, Hooks
from mijnloket_gitops.providers.base import (
    Action,
    EmployerSummary,
    LiveEmployer,
    PartialReadError,
    Provider,
    Step,
)

EMPLOYERS = "providers/employers"


def _employer(employer_id: str) -> str:
    return f"{EMPLOYERS}/{quote(employer_id, safe='')}"


class LoketProvider(Provider):
    """Loket.nl through its REST API (see the module docstring)."""

    name = "loket"

    def __init__(self, session: ApiSession, concurrency: int, caps: CapabilityState) -> None:
        self._session = session
        self._http = session.api
        self._concurrency = concurrency
        self.capabilities = caps
        self._workers: Workers | None = None
        self._lock = threading.Lock()
        self._right_ids: dict[str, set[A.RightId]] | None = None
        self._user_ids: dict[tuple[str, str], str] = {}

    @classmethod
    def open(
        cls,
        config: LoketProviderConfig,
        root: Path,
        *,
        env: Mapping[str, str] | None = None,
        hooks: Hooks | None = None,
    ) -> LoketProvider:
        api_url, _ = config.urls
        caps = CapabilityState(
            config.capabilities,
            api_url=api_url,
            cache=root / config.capability_cache,
            ttl_seconds=config.capability_cache_seconds,
        )
        return cls(ApiSession(config, root, env=env, hooks=hooks), config.concurrency, caps)

    @classmethod
    def from_settings(cls, settings: Settings) -> LoketProvider:
        config = settings.config.provider
        if not isinstance(config, LoketProviderConfig):  # pragma: no cover - registry guards
            raise ProviderError("the repository is not configured for the loket provider")
        return cls.open(config, settings.root)

    def __enter__(self) -> LoketProvider:
        return self

    @property
    def target(self) -> str:
        return self._http.base_url

    def close(self) -> None:
        with self._lock:
            workers, self._workers = self._workers, None
        if workers is not None:
            workers.close()
        self._session.close()

    # Reading

    def list_employers(self) -> list[EmployerSummary]:
        summaries = []
        for item in self._all_items(EMPLOYERS):
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                raise ProviderError(f"GET {EMPLOYERS}: an employer without an id: {item!r:.200}")
            summaries.append(EmployerSummary(item["id"], str(item.get("companyName") or "")))
        return summaries

    def read_employers(self, employer_ids: Iterable[str]) -> dict[str, LiveEmployer]:
        reads = [
            EmployerRead(i, _employer(i), self._http, self.capabilities)
            for i in dict.fromkeys(employer_ids)
        ]
        jobs: list[Job] = [job for read in reads for job in read.first_jobs()]
        if not jobs:
            return {}
        self._pool().run(jobs)
        live: dict[str, LiveEmployer] = {}
        failures: dict[str, str] = {}
        for read in reads:
            employer = read.result()
            if read.error is not None:
                failures[read.employer_id] = read.error
            if employer is None:
                continue
            live[read.employer_id] = employer
            with self._lock:
                for login, user_id in read.user_ids.items():
                    self._user_ids[(read.employer_id, login)] = user_id
        if failures:
            raise PartialReadError(live, failures)
        return live

    def _all_items(self, path: str) -> list[Any]:
        """Every item of a list: the first page, then the other pages concurrently.

        A list that grew while it was read is followed page by page to its new end;
        one that shrank ends at its first empty page, as :meth:`.LoketHttp.items` does.
        """
        _, first = self._http.page(path, 1)
        assert first is not None  # without ``allow`` anything but 2xx raises
        if first.last:
            return list(first.items)
        pages: dict[int, Page] = {}

        def read(number: int) -> Job:
            def job() -> Iterable[Job]:
                _, page = self._http.page(path, number)
                assert page is not None
                pages[number] = page
                return ()

            return job

        self._pool().run([read(n) for n in range(2, first.total + 1)])
        result = list(first.items)
        page = first
        for number in range(2, first.total + 1):
            page = pages[number]
            result.extend(page.items)
            if page.last:
                return result
        while not page.last:  # the list grew since the first page
            _, following = self._http.page(path, page.number + 1)
            assert following is not None
            page = following
            result.extend(page.items)
        return result

    def _pool(self) -> Workers:
        with self._lock:
            if self._workers is None:
                self._workers = Workers(self._concurrency, name="loket")
            return self._workers

    # Capabilities

    def probe(self) -> list[Decision]:
        """Decide every capability afresh with safe requests (``loket probe``)."""
        return discovery.probe(self._http, self.capabilities)

    def observes(self, user_type: UserType) -> bool:
        return user_type in A.OBSERVED_USER_TYPES

    def can_perform(self, step: Step) -> bool:
        if step.action in (Action.GRANT, Action.REVOKE):
            return step.user_type in A.AUTOMATIC_RIGHT_USER_TYPES
        return False  # no endpoint switches modules: products are manual

    # Changing

    def perform(self, step: Step) -> None:
        if not self.can_perform(step):
            raise ProviderError(
                f"{step.employer_id}: {step.action} {step.subject} is a manual step in "
                "Loket.nl (the API cannot do it); do it in the web UI and apply again"
            )
        assert step.right is not None and step.login is not None
        user_id = self._user_id(step.employer_id, step.login)
        right_id = self._right_id(step.right)
        body = {
            "authorizations": [
                {
                    "id": right_id,
                    "description": step.right,
                    "isEnabled": step.action == Action.GRANT,
                }
            ]
        }
        path = f"{_employer(step.employer_id)}/users/{quote(user_id, safe='')}/authorizations"
        self._http.patch(path, body)

    def _user_id(self, employer_id: str, login: str) -> str:
        key = (employer_id, login.casefold())
        with self._lock:
            if key in self._user_ids:
                return self._user_ids[key]
        users = self._http.items(f"{_employer(employer_id)}/users", allow=(404,))
        if users is None:
            raise ProviderError(f"employer {employer_id} does not exist in {self.target}")
        found = {login.casefold(): user_id for user_id, login in map(A.parse_user, users)}
        with self._lock:
            for folded, user_id in found.items():
                self._user_ids[(employer_id, folded)] = user_id
        if key[1] not in found:
            raise ProviderError(
                f"{login} is not a werkgevergebruiker of employer {employer_id} in Loket.nl; "
                "create the user in the web UI first"
            )
        return found[key[1]]

    def _right_id(self, description: str) -> A.RightId:
        ids = self._right_ids_cached().get(description)
        if not ids:
            raise ProviderError(
                f"the right {description!r} is in none of the provider's authorization sets, "
                "so its id is unknown (Assumption A5 in docs/loket-api-contract.md)"
            )
        if len(ids) > 1:
            shown = ", ".join(sorted(map(str, ids)))
            raise ProviderError(f"the right {description!r} has several ids in Loket.nl: {shown}")
        return next(iter(ids))

    def _right_ids_cached(self) -> dict[str, set[A.RightId]]:
        with self._lock:
            if self._right_ids is not None:
                return self._right_ids
        provider = A.parse_provider(self._http.all_items("providers"))
        path = f"providers/{quote(provider.provider_id, safe='')}/authorizationsets"
        ids = A.parse_authorization_sets(self._http.all_items(path))
        with self._lock:
            self._right_ids = ids
        return ids
