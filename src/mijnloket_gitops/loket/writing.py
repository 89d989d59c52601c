"""Performing steps through Loket's API, and turning a refusal into a manual step.

- Products: ``PATCH .../modules`` (A8) with the module's id from the provider's
  modules (A9). ``403``/``404``/``405`` mean module switching is not for this caller:
  the capability is recorded as unavailable and the step goes to the work order. A
  refusal to switch on a gated module (MijnLoket before the addendum is processed;
  ``400``/``409``/``422``) is remembered for the employer: the step becomes manual,
  with the addendum instruction, and later reads report MijnLoket as not offered.
- Rights of werkgevergebruikers: ``PATCH .../users/{userId}/authorizations`` (A4/A5).
- Rights of ak-gebruikers: ``PATCH /providers/users/{userId}/authorizations`` (A13).

A step the API refuses in one of these ways raises
:class:`~mijnloket_gitops.providers.base.ManualStepError`; the executor records it as
manual, not as a failure.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from mijnloket_gitops.errors import ProviderError
from mijnloket_gitops.loket import assumptions as A
from mijnloket_gitops.loket import paths
from mijnloket_gitops.loket.capabilities import Capability, CapabilityState
from mijnloket_gitops.loket.http import LoketHttp
from mijnloket_gitops.providers.base import Action, ManualStepError, Step

RIGHTS_PATCH_UNAVAILABLE = frozenset({403, 405})


class ModuleSwitch:
    """Switching modules, with what was refused per employer."""

    def __init__(
        self,
        http: LoketHttp,
        caps: CapabilityState,
        gated: frozenset[str],
        provider_id: Callable[[], str],
    ) -> None:
        self._http = http
        self._caps = caps
        self._gated = gated
        self._provider_id = provider_id
        self._lock = threading.Lock()
        self._ids: dict[str, int] | None = None
        self.refused: dict[tuple[str, str], str] = {}
        """(employer id lower case, product) -> why Loket refused to switch it on."""

    def portal_refused(self, employer_id: str) -> bool:
        key = employer_id.lower()
        return any(e == key and p in self._gated for e, p in self.refused)

    def is_refused(self, step: Step) -> bool:
        return (step.employer_id.lower(), step.product or "") in self.refused

    def _module_id(self, product: str) -> int:
        with self._lock:
            ids = self._ids
        if ids is None:
            path = paths.provider_modules(self._provider_id())
            status, items = self._http.items_or_status(path, allow=A.MODULES_PATCH_UNAVAILABLE)
            if items is None:  # no module ids, no switching: a person does it
                self._caps.refuse(Capability.MODULES_WRITE, str(status))
                raise ManualStepError(
                    f"Loket.nl answered {status} to GET {path} (the module ids, Assumption"
                    " A9); switch the product in the web UI (see the work order)"
                )
            ids = A.parse_provider_modules(items)
            with self._lock:
                self._ids = ids
        if product not in ids:
            raise ProviderError(
                f"Loket.nl lists no module named {product!r} for this provider "
                "(GET /providers/{providerId}/modules, Assumption A9); switch it in the web UI"
            )
        return ids[product]

    def perform(self, step: Step) -> None:
        assert step.product is not None
        enabled = step.action == Action.ACTIVATE
        body = A.module_switch_body(self._module_id(step.product), enabled)
        path = paths.modules(step.employer_id)
        allowed = A.MODULES_PATCH_UNAVAILABLE | A.GATED_REFUSALS
        response = self._http.request("PATCH", path, json_body=body, allow=allowed)
        status = response.status_code
        if response.is_success:
            return
        if status in A.MODULES_PATCH_UNAVAILABLE:
            self._caps.refuse(Capability.MODULES_WRITE, str(status))
            raise ManualStepError(
                f"Loket.nl answered {status} to switching modules; switch "
                f"{step.product} in the web UI (see the work order)"
            )
        if enabled and step.product in self._gated:
            reason = f"Loket.nl refused to switch on {step.product} ({status})"
            with self._lock:
                self.refused[(step.employer_id.lower(), step.product)] = reason
            raise ManualStepError(
                f"{reason}: the signed addendum has not been processed yet; see the work order"
            )
        raise ProviderError(
            f"PATCH {path} answered {status}: Loket.nl refused to "
            f"{step.action} {step.product} (Assumption A8)"
        )


def patch_rights(
    http: LoketHttp, caps: CapabilityState, capability: Capability, path: str, body: object
) -> None:
    """A rights PATCH; ``403``/``405`` make the capability unavailable and the step
    manual (a ``404`` names a user or employer that is gone: a failure)."""
    unavailable = RIGHTS_PATCH_UNAVAILABLE
    response = http.request("PATCH", path, json_body=body, allow=unavailable)
    if response.status_code in unavailable:
        caps.refuse(capability, str(response.status_code))
        raise ManualStepError(
            f"Loket.nl answered {response.status_code} to changing rights; do it in the "
            "web UI (see the work order)"
        )
