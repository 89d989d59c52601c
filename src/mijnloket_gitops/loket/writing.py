"""Performing steps through Loket's API, each write read back; a refusal becomes a
manual step.

- Products: ``PATCH .../modules`` (A8) with the module's id from the provider's
  modules (A9). ``403``/``404``/``405`` mean module switching is not for this caller:
  the capability is recorded as unavailable and the step goes to the work order. A
  refusal to switch on a gated module (MijnLoket before the addendum is processed;
  ``400``/``409``/``422``) is remembered for the employer: the step becomes manual,
  with the addendum instruction, and later reads report MijnLoket as not offered.
- Rights of werkgevergebruikers: ``PATCH .../users/{userId}/authorizations`` (A4, A15).
- Rights of ak-gebruikers: ``PATCH /providers/users/{userId}/authorizations`` (A13).

Every write that Loket answers 2xx is verified by the strongest read there is
(:func:`verify_rights`, :meth:`ModuleSwitch.perform`): the PATCH answer's body where
it carries the rights (A16), else the GET of the rights or modules where offered, else
the user's ``authorizationSet`` (A18) where the newer listing's endpoint answers. A
read that disagrees fails the step (a merging PATCH whose flag Loket ignores answers
2xx and changes nothing). Where nothing can be read back, the plan marked the step
``unverified`` already (the rights GET is not offered), and it stays so.

A step the API refuses in one of these ways raises
:class:`~mijnloket_gitops.providers.base.ManualStepError`; the executor records it as
manual, not as a failure.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping

from mijnloket_gitops.errors import ProviderError
from mijnloket_gitops.loket import assumptions as A
from mijnloket_gitops.loket import paths
from mijnloket_gitops.loket.capabilities import Capability, CapabilityState
from mijnloket_gitops.loket.http import LoketHttp
from mijnloket_gitops.providers.base import Action, ManualStepError, Step

RIGHTS_PATCH_UNAVAILABLE = frozenset({403, 405})
REJECTED = frozenset({400, 422})
"""Statuses of a rights PATCH whose item Loket refused (e.g. a flag it does not know)."""

RightStates = Mapping[str, tuple[A.RightId, bool]]
ReadBack = Callable[[], "tuple[str, RightStates] | None"]
"""The rights after a write as the strongest available read shows them, with how they
were read ("a read of the rights afterwards"); None: no read was possible."""


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
        self._ids: dict[str, A.OpaqueId] | None = None
        self.refused: dict[tuple[str, str], str] = {}
        """(employer id lower case, product) -> why Loket refused to switch it on."""

    def portal_refused(self, employer_id: str) -> bool:
        key = employer_id.lower()
        return any(e == key and p in self._gated for e, p in self.refused)

    def is_refused(self, step: Step) -> bool:
        return (step.employer_id.lower(), step.product or "") in self.refused

    def _module_id(self, product: str) -> A.OpaqueId:
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

    def perform(self, step: Step) -> str | None:
        """Switch the module; returns how the switch was read back (None: no read)."""
        assert step.product is not None
        enabled = step.action == Action.ACTIVATE
        body = A.module_switch_body(self._module_id(step.product), enabled)
        path = paths.modules(step.employer_id)
        allowed = A.MODULES_PATCH_UNAVAILABLE | A.GATED_REFUSALS
        response = self._http.request("PATCH", path, json_body=body, allow=allowed)
        status = response.status_code
        if response.is_success:
            return self._verify(step, path, enabled)
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

    def _verify(self, step: Step, path: str, enabled: bool) -> str | None:
        """The modules read back (A2) must show the switch (A8 is an assumption)."""
        if self._caps.get(Capability.MODULES_READ) is False:
            return None  # nothing to read back with; the plan's next read shows it
        items = self._http.items(path) or []
        products = {name for item in items if (name := A.parse_module(item)) is not None}
        if (step.product in products) == enabled:
            return "a read of the modules afterwards"
        raise ProviderError(
            f"{step.employer_id}: {step.action} {step.product}: Loket.nl answered the PATCH"
            f" of {path} with success, but the modules read afterwards still"
            f" {'lack' if enabled else 'list'} it: the write had no effect (Assumption A8 in"
            " docs/loket-api-contract.md). Run `mijnloket-gitops loket check --write --employer"
            " ID` on acceptance, or set provider.capabilities.modules_write: off and switch"
            " products in the web UI"
        )


def patch_rights(
    http: LoketHttp,
    caps: CapabilityState,
    capability: Capability,
    path: str,
    body: object,
) -> RightStates | None:
    """A rights PATCH; ``403``/``405`` make the capability unavailable and the step
    manual (a ``404`` names a user or employer that is gone: a failure). Returns the
    rights the answer's body carries (A16), None when it carries none."""
    unavailable = RIGHTS_PATCH_UNAVAILABLE
    response = http.request("PATCH", path, json_body=body, allow=unavailable | REJECTED)
    if response.status_code in REJECTED:
        raise ProviderError(
            f"PATCH {path} answered {response.status_code}: {http.excerpt(response)}\n"
            "Loket.nl rejected the rights item. If it names a field it does not know (in"
            " `auto` the item carries both availableForEmployerUser and isEnabled), set"
            " provider.rights_flag to the one it takes, or run `mijnloket-gitops loket check"
            " --write --employer ID` on acceptance to find it (Assumption A15)"
        )
    if response.status_code in unavailable:
        caps.refuse(capability, str(response.status_code))
        raise ManualStepError(
            f"Loket.nl answered {response.status_code} to changing rights; do it in the "
            "web UI (see the work order)"
        )
    if response.status_code == 204 or not response.content:
        return None
    try:
        return A.parse_patch_answer(response.json())
    except ValueError:
        return None


def verify_rights(
    step: Step, flags: tuple[str, ...], answered: RightStates | None, read_back: ReadBack
) -> str | None:
    """Compare the right of ``step`` after the write with what it should be.

    ``answered`` (the PATCH answer's rights, A16) is used where it names the right,
    else ``read_back()`` (the rights GET, else the user's authorization set, A18).
    Returns how it was verified, None when no
    read was possible (the step stays unverified). Raises ProviderError naming the
    step when the read disagrees: the PATCH was answered 2xx and changed nothing.
    """
    assert step.right is not None
    wanted = step.action == Action.GRANT
    if answered is not None and step.right in answered:
        how, states = "the PATCH answer", answered
    else:
        read = read_back()
        if read is None:
            return None
        how, states = read
    held = states.get(step.right, (None, False))[1]
    if held == wanted:
        return how
    sent = " and ".join(flags)
    raise ProviderError(
        f"{step.employer_id}: {step.action} {step.subject}: Loket.nl answered the PATCH with"
        f" success, but {how} shows the right still {'not held' if wanted else 'held'}: the"
        f" write had no effect (the item carried {sent}; Assumption A15 in"
        " docs/loket-api-contract.md). Set provider.rights_flag to the flag Loket.nl honours,"
        " or run `mijnloket-gitops loket check --write --employer ID` on acceptance to find it"
    )
