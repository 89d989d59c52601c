"""Provider users (ak-gebruikers) and their rights per employer, where Loket offers them.

Read once per plan, not per employer: the list of provider users (A12), then each
user's rights (A13), which name the employers they hold them for. That is 1 + P
requests for P provider users, concurrently on the provider's workers. Every provider
user whose rights were read is shown under every employer (with no rights where they
hold none), so a grant to an ak-gebruiker is never "blocked: user does not exist";
only rights actually held can be revoked, so users a file does not name are left
alone unless they hold a right.

A plan of part of the portfolio (``--target``, ``--where``, ``--changed-since``)
passes the logins its files name (``named``): only those users' rights are read, and
with none named not even the list. Users it does not name are then not shown at all:
their rights for the employers in scope are not part of such a plan.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterable
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
        """The users whose rights were read, with their rights for ``employer_id``."""
        key = employer_id.lower()
        return {
            login.casefold(): LiveUser(
                login, A.PROVIDER_USER_TYPE, self.rights[user_id].get(key, frozenset())
            )
            for user_id, login in self.logins.items()
            if user_id in self.rights
        }


def read_provider_users(
    http: LoketHttp,
    caps: CapabilityState,
    provider_id: Callable[[], str],
    workers: Workers,
    named: Collection[str] | None = None,
) -> ProviderUsers | None:
    """The provider users with their rights (only of the ``named`` logins, when given;
    see the module docstring); None when Loket shows either not."""
    if named is not None and not named:
        return ProviderUsers({})
    path = paths.provider_users(provider_id())
    first = read_decides(http, caps, USERS, path)
    if first is None:
        return None
    items = list(first.items) if first.last else (http.items(path) or [])
    users = ProviderUsers(dict(A.parse_provider_user(item) for item in items))
    if caps.get(RIGHTS) is False:
        return None
    wanted = None if named is None else {login.casefold() for login in named}
    user_ids = [
        i for i, login in users.logins.items() if wanted is None or login.casefold() in wanted
    ]
    if not user_ids:
        return users
    lock = threading.Lock()
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
