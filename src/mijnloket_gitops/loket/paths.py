"""The API paths the provider uses, relative to the API base (``.../v2``).

A path starting with ``/`` is taken from the host's root instead: Loket's bulk read
of modules lives under ``/provider/...``, outside ``/v2`` (``docs/loket-api-contract.md``).
"""

from __future__ import annotations

from urllib.parse import quote

PROVIDERS = "providers"
EMPLOYERS = "providers/employers"


def _q(value: str) -> str:
    return quote(value, safe="")


def employer(employer_id: str) -> str:
    return f"{EMPLOYERS}/{_q(employer_id)}"


def modules(employer_id: str) -> str:
    return f"{employer(employer_id)}/modules"


def users(employer_id: str) -> str:
    return f"{employer(employer_id)}/users"


def user_rights(employer_id: str, user_id: str) -> str:
    return f"{users(employer_id)}/{_q(user_id)}/authorizations"


def user_authorization_set(employer_id: str, user_id: str) -> str:
    """A werkgevergebruiker's authorization set (A18), to read a rights write back."""
    return f"{users(employer_id)}/{_q(user_id)}/authorizationSet"


def authorization_sets(provider_id: str) -> str:
    return f"{PROVIDERS}/{_q(provider_id)}/authorizationsets"


def authorization_set(set_id: str) -> str:
    """One authorization set's details, with its rights (A14)."""
    return f"{PROVIDERS}/authorizationsets/{_q(set_id)}"


def provider_modules(provider_id: str) -> str:
    """The modules the provider has (ids and names), for module switching."""
    return f"{PROVIDERS}/{_q(provider_id)}/modules"


def bulk_modules(provider_id: str) -> str:
    """The modules of all employers; not under ``/v2``."""
    return f"/provider/providers/{_q(provider_id)}/employers/modules"


def bulk_users(provider_id: str) -> str:
    """The users of all employers."""
    return f"{PROVIDERS}/{_q(provider_id)}/employers/users"


def provider_users(provider_id: str) -> str:
    return f"{PROVIDERS}/{_q(provider_id)}/users"


def provider_user_rights(user_id: str) -> str:
    return f"{PROVIDERS}/users/{_q(user_id)}/authorizations"
