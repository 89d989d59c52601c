"""How a world writes the ids of rights and modules: the store's numbers, or UUIDs.

The sandbox store numbers rights and modules (1, 2, ...). The ``classic`` and
``current`` worlds send those numbers, as the contract once assumed (A2, A4, A9). In
every public artefact a Loket id is a UUID (``../shared/loket-api.md``), so the
``artefact`` world sends a UUID for each number instead: stable (a name-based UUID of
the number, the same in every run and every emulator), lower case, and accepted back
in any letter case. A number sent to the ``artefact`` world, or a UUID to the others,
is an unknown id.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

_NAMESPACE = uuid.UUID("5d0c4a9e-2b7f-4c1d-8e3a-9f6b1a2c7d40")

WireId = int | str
"""An id as it travels in a body: a number or a UUID string."""


def opaque_id(kind: str, number: int) -> str:
    """The UUID the ``artefact`` world sends for the store's ``number`` of a ``kind``
    (``"right"``, ``"module"``)."""
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{number}"))


@dataclass(frozen=True)
class Ids:
    """One world's way of writing ids (``opaque``: UUIDs) and of reading them back."""

    opaque: bool

    def right(self, number: int) -> WireId:
        return opaque_id("right", number) if self.opaque else number

    def module(self, number: int) -> WireId:
        return opaque_id("module", number) if self.opaque else number

    def right_number(self, value: object, known: Iterable[int]) -> int | None:
        """The store's number of the right ``value`` names, or None when unknown."""
        return self._number("right", value, known)

    def module_number(self, value: object, known: Iterable[int]) -> int | None:
        """The store's number of the module ``value`` names, or None when unknown."""
        return self._number("module", value, known)

    def _number(self, kind: str, value: object, known: Iterable[int]) -> int | None:
        if self.opaque:
            if not isinstance(value, str):
                return None
            wanted = value.lower()
            return next((n for n in known if opaque_id(kind, n) == wanted), None)
        if isinstance(value, bool) or not isinstance(value, int):
            return None
        return value if value in set(known) else None
