"""The write side of the ``loket`` provider: which steps the API may do, and doing
them with every write read back (:mod:`.writing`).

A write capability is used when configured ``on``, proven by the Loket profile, or
(werkgevergebruiker rights only) documented by the older published description
(:mod:`.discovery`). A rights PATCH item carries the flag(s) of
``provider.rights_flag`` (A15): in ``auto`` the flag the profile proved, else both.
"""

from __future__ import annotations

from collections.abc import Callable

from mijnloket_gitops.loket import assumptions as A
from mijnloket_gitops.loket import discovery, paths
from mijnloket_gitops.loket.capabilities import Capability, CapabilityState
from mijnloket_gitops.loket.http import LoketHttp
from mijnloket_gitops.loket.lookup import Lookups
from mijnloket_gitops.loket.profile import RIGHTS_FLAG
from mijnloket_gitops.loket.provider_users import ProviderUsers
from mijnloket_gitops.loket.writing import (
    ModuleSwitch,
    RightStates,
    patch_rights,
    verify_rights,
)
from mijnloket_gitops.providers.base import Action, ManualStepError, Step

MODULES = Capability.MODULES_WRITE
WG_RIGHTS = Capability.EMPLOYER_USER_RIGHTS_WRITE
PU_RIGHTS = Capability.PROVIDER_USER_RIGHTS_WRITE
WG_RIGHTS_READ = Capability.EMPLOYER_USER_RIGHTS_READ
PU_RIGHTS_READ = Capability.PROVIDER_USER_RIGHTS_READ
READ_AFTER = "a read of the rights afterwards"
USER_SET = "the user's authorization set"


class Performer:
    """Decides and performs steps for one provider (thread-safe as its parts are)."""

    def __init__(
        self,
        http: LoketHttp,
        caps: CapabilityState,
        ids: Lookups,
        modules: ModuleSwitch,
        provider_users: Callable[[], ProviderUsers | None],
        rights_flag: str,
    ) -> None:
        self._http = http
        self._caps = caps
        self._ids = ids
        self._modules = modules
        self._provider_users = provider_users
        proven = caps.profile.shapes.get(RIGHTS_FLAG) if caps.profile is not None else None
        self.flags = A.rights_flags(rights_flag, proven)
        self._user_set_offered: bool | None = None
        self.verified: dict[str, str] = {}
        """Step key -> how its write was read back (for the journal)."""

    def can_perform(self, step: Step) -> bool:
        if step.product is not None:
            return not self._modules.is_refused(step) and discovery.write_decides(
                self._caps, MODULES
            )
        if step.user_type == A.PROVIDER_USER_TYPE:
            users = self._provider_users()
            if users is None or users.user_id(step.login or "") is None:
                return False
            return discovery.write_decides(self._caps, PU_RIGHTS)
        return discovery.write_decides(self._caps, WG_RIGHTS)

    def perform(self, step: Step) -> None:
        self.verified.pop(step.key, None)  # what an earlier attempt read back is stale
        if not self.can_perform(step):
            raise ManualStepError(
                f"{step.employer_id}: {step.action} {step.subject} is a manual step in "
                "Loket.nl (the API cannot do it here); see the work order"
            )
        if step.product is not None:
            self._record(step, self._modules.perform(step))
            return
        assert step.right is not None and step.login is not None
        right_id = self._ids.right_id(step.right)
        enabled = step.action == Action.GRANT
        if step.user_type == A.PROVIDER_USER_TYPE:
            self._provider_user_rights(step, right_id, enabled)
            return
        user_id = self._ids.user_id(step.employer_id, step.login)
        path = paths.user_rights(step.employer_id, user_id)
        item = A.rights_item(right_id, step.right, enabled, self.flags)
        answered = patch_rights(self._http, self._caps, WG_RIGHTS, path, {"authorizations": [item]})

        def read_back() -> tuple[str, RightStates] | None:
            set_path = paths.user_authorization_set(step.employer_id, user_id)
            if self._caps.get(WG_RIGHTS_READ) is not True:
                return self._user_set(set_path)
            status, items = self._http.items_or_status(path, allow=A.AUTHORIZATIONS_GET_MISSING)
            if items is None:  # the answer contradicts the decision: drop it
                self._caps.record(WG_RIGHTS_READ, False, str(status))
                return self._user_set(set_path)
            return READ_AFTER, A.parse_right_states(items)

        self._record(step, verify_rights(step, self.flags, answered, read_back))

    def _user_set(self, path: str) -> tuple[str, RightStates] | None:
        """The user's authorization set (A18), where Loket offers it (asked until it
        answers that it does not, then not again in this run)."""
        if self._user_set_offered is False:
            return None
        response = self._http.request("GET", path, allow=A.USER_SET_MISSING)
        if not response.is_success:
            self._user_set_offered = False
            return None
        states = A.parse_user_authorization_set(self._http.decode(response))
        return None if states is None else (USER_SET, states)

    def _provider_user_rights(self, step: Step, right_id: A.RightId, enabled: bool) -> None:
        assert step.right is not None
        users = self._provider_users()
        user_id = users.user_id(step.login or "") if users is not None else None
        assert user_id is not None  # can_perform checked it
        body = A.provider_rights_body(step.employer_id, right_id, step.right, enabled, self.flags)
        path = paths.provider_user_rights(user_id)
        patch_rights(self._http, self._caps, PU_RIGHTS, path, body)

        def read_back() -> tuple[str, RightStates] | None:
            if self._caps.get(PU_RIGHTS_READ) is not True:
                return None
            held = A.parse_provider_user_rights(self._http.items(path) or [])
            rights = held.get(step.employer_id.lower(), frozenset())
            return READ_AFTER, {r: (r, True) for r in rights}

        # the answer of this PATCH names no employer per right (A13): read back instead
        self._record(step, verify_rights(step, self.flags, None, read_back))

    def _record(self, step: Step, how: str | None) -> None:
        if how is not None:
            self.verified[step.key] = how
