"""Ids the provider needs to write, looked up once and cached: the caller's provider
(A1), a right's id by its description (A5), a werkgevergebruiker's id by login (A3)."""

from __future__ import annotations

import threading

from mijnloket_gitops.errors import ProviderError
from mijnloket_gitops.loket import assumptions as A
from mijnloket_gitops.loket import paths
from mijnloket_gitops.loket.http import LoketHttp


class Lookups:
    """Thread-safe caches of ids; each filled by its first use."""

    def __init__(self, http: LoketHttp) -> None:
        self._http = http
        self._lock = threading.Lock()
        self._provider_id: str | None = None
        self._right_ids: dict[str, set[A.RightId]] | None = None
        self.user_ids: dict[tuple[str, str], str] = {}
        """(employer id, login folded) -> werkgevergebruiker id, also filled by reads."""

    def provider_id(self) -> str:
        with self._lock:
            if self._provider_id is not None:
                return self._provider_id
        found = A.parse_provider(self._http.all_items(paths.PROVIDERS)).provider_id
        with self._lock:
            self._provider_id = found
        return found

    def remember_users(self, employer_id: str, user_ids: dict[str, str]) -> None:
        with self._lock:
            for login, user_id in user_ids.items():
                self.user_ids[(employer_id, login)] = user_id

    def known_user_id(self, employer_id: str, login: str) -> str | None:
        with self._lock:
            return self.user_ids.get((employer_id, login.casefold()))

    def user_id(self, employer_id: str, login: str) -> str:
        known = self.known_user_id(employer_id, login)
        if known is not None:
            return known
        users = self._http.items(paths.users(employer_id), allow=(404,))
        if users is None:
            raise ProviderError(f"employer {employer_id} does not exist in {self._http.base_url}")
        found = {name.casefold(): user_id for user_id, name in map(A.parse_user, users)}
        self.remember_users(employer_id, found)
        if login.casefold() not in found:
            raise ProviderError(
                f"{login} is not a werkgevergebruiker of employer {employer_id} in Loket.nl; "
                "create the user in the web UI first"
            )
        return found[login.casefold()]

    def right_id(self, description: str) -> A.RightId:
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
        path = paths.authorization_sets(self.provider_id())
        ids = A.parse_authorization_sets(self._http.all_items(path))
        with self._lock:
            self._right_ids = ids
        return ids
