"""Ids the provider needs to write, looked up once per run and cached: the caller's
provider (A1), a werkgevergebruiker's id by login (A3) and a right's id by its
description, from the first of these that knows it:

1. ``catalog.rights.<name>.loket_id`` in ``mijnloket-gitops.yaml`` (pinned);
2. the rights GET of a user, where Loket offers it (A4: its items carry ids);
3. the authorization sets: nested in their list where Loket shows that (A5), else the
   details of each set, ``GET /providers/authorizationsets/{id}`` (A14), each read
   once per run.

A right none of them knows fails with a message naming all three.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from mijnloket_gitops.errors import AuthError, ProviderError
from mijnloket_gitops.loket import assumptions as A
from mijnloket_gitops.loket import paths
from mijnloket_gitops.loket.http import LoketHttp

CONTRACT = "docs/loket-api-contract.md"


ALTERNATIVES = (
    "A right's id can also come from the rights GET of a user (where Loket.nl offers it,"
    " provider.capabilities.employer_user_rights_read), or be pinned in"
    " mijnloket-gitops.yaml: catalog: rights: NAME: loket_id: ID."
)


def _unknown_right(description: str) -> ProviderError:
    return ProviderError(
        f"the id of the right {description!r} is unknown: it is in none of the provider's "
        "authorization sets (GET /providers/{providerId}/authorizationsets and each set's "
        "details, GET /providers/authorizationsets/{id}; Assumptions A5 and A14 in "
        f"{CONTRACT}), and no rights GET of a user showed it (A4, "
        "provider.capabilities.employer_user_rights_read). Pin it in mijnloket-gitops.yaml "
        f"under catalog: rights: {description!r}: loket_id: <the id Loket.nl uses>, or run "
        "`mijnloket-gitops loket check` to see which of these Loket.nl offers"
    )


class Lookups:
    """Thread-safe caches of ids; each filled by its first use."""

    def __init__(self, http: LoketHttp, pinned: Mapping[str, A.RightId] | None = None) -> None:
        self._http = http
        self._lock = threading.Lock()
        self._provider_id: str | None = None
        self._pinned = dict(pinned or {})
        self._seen: dict[str, set[A.RightId]] = {}
        """Right ids by description, as reads of users' rights showed them (A4)."""
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

    def provider_id_known(self) -> bool:
        with self._lock:
            return self._provider_id is not None

    def remember_users(self, employer_id: str, user_ids: dict[str, str]) -> None:
        with self._lock:
            for login, user_id in user_ids.items():
                self.user_ids[(employer_id, login)] = user_id

    def remember_rights(self, states: Mapping[str, tuple[A.RightId, bool]]) -> None:
        """Right ids a read of a user's rights showed (A4)."""
        with self._lock:
            for description, (right_id, _) in states.items():
                known = self._seen.setdefault(description, set())
                if A.id_text(right_id) not in {A.id_text(i) for i in known}:
                    known.add(right_id)

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
        """The right's id (see the module docstring for where it comes from)."""
        if description in self._pinned:
            return self._pinned[description]
        with self._lock:
            ids = set(self._seen.get(description, ()))
        if not ids:
            ids = self._right_ids_cached().get(description, set())
        if not ids:
            raise _unknown_right(description)
        if len(ids) > 1:
            shown = ", ".join(sorted(map(str, ids)))
            raise ProviderError(
                f"the right {description!r} has several ids in Loket.nl: {shown}; pin the "
                f"right one in mijnloket-gitops.yaml under catalog: rights: {description!r}: "
                "loket_id"
            )
        return next(iter(ids))

    def _right_ids_cached(self) -> dict[str, set[A.RightId]]:
        with self._lock:
            if self._right_ids is not None:
                return self._right_ids
        ids: dict[str, set[A.RightId]] = {}
        path = paths.authorization_sets(self.provider_id())
        try:
            for set_id in A.parse_authorization_sets(self._http.all_items(path), ids):
                content = self._http.get_content(paths.authorization_set(str(set_id)))
                A.parse_authorization_set_details(content, ids)
        except AuthError:
            raise
        except ProviderError as error:  # say what else gives a right's id
            raise ProviderError(f"{error}. {ALTERNATIVES}") from None
        with self._lock:
            self._right_ids = ids
        return ids
