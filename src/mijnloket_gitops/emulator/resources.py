"""The item shapes the emulator serves, from sandbox records: one place, as the contract.

Each shape Loket does not document is an assumption of ``docs/loket-api-contract.md``
(A1-A5, A10-A13); the client side mirrors them in ``mijnloket_gitops.loket.assumptions``. When
the contract changes, this module changes with it. Ids of rights and modules are written
by the world's :class:`~.ids.Ids` (numbers, or UUIDs in the ``artefact`` world).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from mijnloket_gitops.emulator.ids import Ids
from mijnloket_gitops.sandbox.store import EmployerRecord, Module, RightRecord, UserRecord

_SET_NAMESPACE = uuid.UUID("0b6f2a52-8c1e-4d57-9a3b-6e2d4f1c7a90")


def provider(provider_id: str, name: str) -> dict[str, Any]:
    """A1: ``GET /providers`` is a list holding this one item."""
    return {"id": provider_id, "name": name}


def employer(record: EmployerRecord) -> dict[str, Any]:
    """An employer: the fields the contract names, nothing of the sandbox's own."""
    return {
        "id": record.employer_id,
        "employerNumber": record.employer_number,
        "companyName": record.company_name,
        "chamberOfCommerceNumber": record.chamber_of_commerce_number,
    }


def module(record: Module, ids: Ids) -> dict[str, Any]:
    """A2: an enabled module is ``{"id", "name": display name}``."""
    return {"id": ids.module(record.id), "name": record.name}


def user(record: UserRecord) -> dict[str, Any]:
    """A3: an employer user has ``id`` (UUID) and ``userName`` (the login)."""
    return {"id": record.user_id, "userName": record.login}


def authorizations(
    rights: Iterable[RightRecord], held: set[int], ids: Ids, flag: str = "isEnabled"
) -> list[dict[str, Any]]:
    """A4: every right, with ``flag`` (``isEnabled``) telling whether the user holds it."""
    return [{"id": ids.right(r.id), "description": r.name, flag: r.id in held} for r in rights]


_SETS = (
    ("all", "Werkgevergebruiker - alle rechten"),
    ("none", "Werkgevergebruiker - geen rechten"),
)
"""The emulator's two sets, one with every right and one with none, so a client has to
search the sets for a right by its description."""


def authorization_set_details(rights: Iterable[RightRecord], ids: Ids) -> dict[str, dict[str, Any]]:
    """Every set by its id (lower case), each ``{"id", "description", "authorizations":
    [{"id", "description"}]}``: the body of ``GET /providers/authorizationsets/{id}``."""
    every = [{"id": ids.right(r.id), "description": r.name} for r in rights]
    sets: dict[str, dict[str, Any]] = {}
    for key, description in _SETS:
        set_id = str(uuid.uuid5(_SET_NAMESPACE, key))
        nested = every if key == "all" else []
        sets[set_id] = {"id": set_id, "description": description, "authorizations": nested}
    return sets


def authorization_sets(
    rights: Iterable[RightRecord], ids: Ids, *, nested: bool = True
) -> list[dict[str, Any]]:
    """A5: the list of sets; with ``nested`` each set carries its rights as ``{"id",
    "description"}`` (``classic``, ``current``), without only ``{"id", "description"}``
    of the set (``artefact``: no artefact shows nested rights in the list)."""
    details = authorization_set_details(rights, ids).values()
    if nested:
        return list(details)
    return [{"id": s["id"], "description": s["description"]} for s in details]


def employer_modules(employer_id: str, records: Iterable[Module], ids: Ids) -> dict[str, Any]:
    """A10: an item of the bulk read of modules: one employer and its enabled modules."""
    return {"employerId": employer_id, "modules": [module(m, ids) for m in records]}


def employer_user(employer_id: str, record: UserRecord) -> dict[str, Any]:
    """A11: an item of the bulk read of employer users: a user of one employer."""
    return {"employerId": employer_id, **user(record)}


def provider_user_rights(
    employer_id: str, rights: Iterable[RightRecord], held: set[int], ids: Ids
) -> list[dict[str, Any]]:
    """A13: a provider user's rights for one employer, each item naming the employer."""
    return [{"employerId": employer_id, **item} for item in authorizations(rights, held, ids)]
