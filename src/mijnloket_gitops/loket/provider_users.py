"""Provider users (ak-gebruikers) and their rights per employer, where Loket offers them.

Read once per plan, not per employer: the list of provider users (A12), then each
user's rights (A13), which name the employers they hold them for. That is 1 + P
requests for P provider users, concurrently on the provider's workers. Every provider
user is shown under every employer (with no rights where they hold none), so a grant
to an ak-gebruiker is never "blocked: user does not exist"; only rights actually held
can be revoked, so users a file does not name are left alone unless they hold a right.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

from mijnloket_gitops.loket import assumptions as A
from mijnloket_gitops.loket import paths
from mijnloket_gitops.loket.capabilities import Capability, CapabilityState
from mijnloket_gitops.loket.discovery import read_decides
from mijnloket_gitops.loket.fanout import Job, Workers
from mijnloket_gitops.loket.http import LoketHttp
from mijnloket_gitops.providers.base import LiveUser

USERS = Capability.PROVIDER_USERS_READ
RIGHTS = Capability.PROVIDER_USER_RIGHTS_READ


@dataclass
class ProviderUsers:
    """ak-gebruikers by id with their logins, and their rights by employer id."""

    logins: dict[str, str]
    rights: dict[str, dict[str, frozenset[str]]] = field(default_factory=dict)
    """user id -> employer id (lower case) -> rights held; empty when rights are unread."""

    def user_id(self, login: str) -> str | None:
        folded = login.casefold()
        return next((i for i, name in self.logins.items() if name.casefold() == folded), None)

    def for_employer(self, employer_id: str) -> dict[str, LiveUser]:
        key = employer_id.lower()
        return {
            login.casefold(): LiveUser(
                login, A.PROVIDER_USER_TYPE, self.rights.get(user_id, {}).get(key, frozenset())
            )
            for user_id, login in self.logins.items()
        }


def read_provider_users(
    http: LoketHttp, caps: CapabilityState, provider_id: str, workers: Workers
) -> ProviderUsers | None:
    """The provider users with their rights; None when Loket shows either not."""
    path = paths.provider_users(provider_id)
    first = read_decides(http, caps, USERS, path)
    if first is None:
        return None
    items = list(first.items) if first.last else (http.items(path) or [])
    users = ProviderUsers(dict(A.parse_provider_user(item) for item in items))
    if caps.get(RIGHTS) is False:
        return None
    if not users.logins:
        return users
    lock = threading.Lock()
    user_ids = list(users.logins)
    # The first user decides the capability; the others follow concurrently.
    first_path = paths.provider_user_rights(user_ids[0])
    first_rights = read_decides(http, caps, RIGHTS, first_path)
    if first_rights is None:
        return None
    held = first_rights.items if first_rights.last else (http.items(first_path) or [])
    users.rights[user_ids[0]] = A.parse_provider_user_rights(held)

    def read(user_id: str) -> Job:
        def job() -> Iterable[Job]:
            items = http.items(paths.provider_user_rights(user_id)) or []
            held = A.parse_provider_user_rights(items)
            with lock:
                users.rights[user_id] = held
            return ()

        return job

    workers.run([read(user_id) for user_id in user_ids[1:]])
    return users
