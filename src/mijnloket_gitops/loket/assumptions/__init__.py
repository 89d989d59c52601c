"""Every undocumented shape of Loket.nl's API the provider relies on, in one place (this package).

Each function or constant here mirrors one numbered **Assumption** of
``docs/loket-api-contract.md`` (A1-A18), and its docstring names the evidence: an
artefact and its operation. The artefacts (``../shared/loket-api.md``) are the n8n
node n8n-code/n8n-nodes-loket (generated from an older OpenAPI description: "n8n"),
the Mockoon environment mock-apis/data/loketnl.json of mockoon/mock-samples
("Mockoon") and the newer listing of Loket's operations (method, path and summary
only: "listing"). Where the evidence is split, a setting chooses (A15:
``provider.rights_flag``), and ``mijnloket-gitops loket check`` proves the choice on
Loket's acceptance environment. When Loket.nl's real answers turn out to differ, this
module and that page change; nothing else in the provider parses an item shape. A
parser that meets an item of another shape raises
:class:`~mijnloket_gitops.errors.ProviderError` naming the assumption, so a change on
Loket's side shows up as a clear message rather than as a wrong plan.
"""

from __future__ import annotations

from mijnloket_gitops.loket.assumptions.base import (
    CONTRACT,
    LIVE_USER_TYPE,
    MODULE_FLAGS,
    PORTAL_ALWAYS_AVAILABLE,
    PROVIDER_USER_TYPE,
    OpaqueId,
    ProviderRef,
    RightId,
    id_text,
    parse_module,
    parse_provider,
    parse_user,
)
from mijnloket_gitops.loket.assumptions.newer import (
    GATED_REFUSALS,
    MODULES_PATCH_UNAVAILABLE,
    USER_SET_MISSING,
    module_switch_body,
    parse_bulk_modules,
    parse_bulk_users,
    parse_provider_modules,
    parse_provider_user,
    parse_provider_user_rights,
    parse_user_authorization_set,
    provider_rights_body,
)
from mijnloket_gitops.loket.assumptions.rights import (
    AUTHORIZATIONS_GET_MISSING,
    RIGHTS_FLAG_SETTINGS,
    RIGHTS_FLAGS,
    parse_authorization_set_details,
    parse_authorization_sets,
    parse_authorizations,
    parse_patch_answer,
    parse_right_states,
    rights_flags,
    rights_item,
)

__all__ = [
    "AUTHORIZATIONS_GET_MISSING",
    "CONTRACT",
    "GATED_REFUSALS",
    "LIVE_USER_TYPE",
    "MODULES_PATCH_UNAVAILABLE",
    "MODULE_FLAGS",
    "PORTAL_ALWAYS_AVAILABLE",
    "PROVIDER_USER_TYPE",
    "RIGHTS_FLAGS",
    "RIGHTS_FLAG_SETTINGS",
    "USER_SET_MISSING",
    "OpaqueId",
    "ProviderRef",
    "RightId",
    "id_text",
    "module_switch_body",
    "parse_authorization_set_details",
    "parse_authorization_sets",
    "parse_authorizations",
    "parse_bulk_modules",
    "parse_bulk_users",
    "parse_module",
    "parse_patch_answer",
    "parse_provider",
    "parse_provider_modules",
    "parse_provider_user",
    "parse_provider_user_rights",
    "parse_right_states",
    "parse_user",
    "parse_user_authorization_set",
    "provider_rights_body",
    "rights_flags",
    "rights_item",
]
