"""The scenario: what the files ask for, and what is live at the start."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mijnloket_gitops.catalog import builtin_catalog
from mijnloket_gitops.sandbox.seed import SeedEmployer, SeedUser, create_seeded

NAMESPACE = uuid.UUID("3f0c8f8e-5f7a-4c1e-9d8b-2a6b1c0e7d55")
CLIENT_ID = "faults-client"
CLIENT_SECRET = "faults-client-secret-71c3e9"
RIGHT = "Raadplegen MijnLoket e-mailadres"
PRODUCTS = ("MijnLoket", "Verlofregistratie", "Verlofregeling")
AK = "a.de.vries@kantoor.example"
LIVE_DB = "live/sandbox.sqlite"
STATE = ".mijnloket"
TOKENS = "tokens/loket-token.json"
"""In a folder of its own, so that one case can take it away alone."""
TOOL_ORIGINS = frozenset({"apply", "emulator-api"})
RUN_TIMEOUT = 180.0
Key = tuple[str, str, str]
"""A change as the ``change_log`` names it: (employer id, action, subject)."""


class CaseFailed(Exception):
    """A case's expectation did not hold; the message says which."""


# The scenario: what the files ask for, and what is live at the start


@dataclass(frozen=True)
class Employer:
    index: int

    @property
    def employer_id(self) -> str:
        return str(uuid.uuid5(NAMESPACE, f"employer-{self.index}"))

    @property
    def name(self) -> str:
        return f"Werkgever {self.index:02d} B.V."

    @property
    def logins(self) -> tuple[str, str]:
        return f"hr{self.index}a@werkgever.example", f"hr{self.index}b@werkgever.example"

    @property
    def live_products(self) -> frozenset[str]:
        missing = {1: "Verlofregeling", 2: "MijnLoket"}.get(self.index % 3)
        return frozenset(PRODUCTS) - {missing}

    def required(self) -> set[Key]:
        """The changes that make live state equal the file, derived by hand."""
        granted, revoked = self.logins
        found = {
            (self.employer_id, "grant", f"{RIGHT} for {granted}"),
            (self.employer_id, "revoke", f"{RIGHT} for {revoked}"),
        }
        return found | {
            (self.employer_id, "activate", p) for p in set(PRODUCTS) - self.live_products
        }

    def file(self) -> str:
        granted, revoked = self.logins
        lines = [
            "version: 1",
            f"employer_id: {self.employer_id}",
            f"name: {self.name}",
            "addendum:",
            "  status: signed",
            "  signed_on: 2025-01-15",
            f'  ticket: "LKT-{20000 + self.index}"',
            "tier: start",
            "products:",
            *[f"  - {p}" for p in PRODUCTS],
            "users:",
            f"  - login: {AK}",
            "    type: ak-gebruiker",
            "    rights: []",
            f"  - login: {granted}",
            "    type: werkgevergebruiker",
            f"    rights: [{RIGHT}]",
            f"  - login: {revoked}",
            "    type: werkgevergebruiker",
            "    rights: []",
        ]
        return "\n".join(lines) + "\n"

    def live(self) -> SeedEmployer:
        granted, revoked = self.logins
        return SeedEmployer(
            self.employer_id,
            self.name,
            10_000 + self.index,
            f"{self.index:08d}",
            True,
            self.live_products,
            (
                SeedUser(AK, "ak-gebruiker"),
                SeedUser(granted, "werkgevergebruiker"),
                SeedUser(revoked, "werkgevergebruiker", frozenset({RIGHT})),
            ),
            f"employers/werkgever-{self.index:02d}.yaml",
        )


def write_scenario(repo: Path, count: int) -> set[Key]:
    """Employer files and the live database under ``repo``; returns the required changes."""
    employers = [Employer(i) for i in range(count)]
    (repo / "employers").mkdir(parents=True)
    for employer in employers:
        (repo / "employers" / f"werkgever-{employer.index:02d}.yaml").write_text(employer.file())
    create_seeded(repo / LIVE_DB, [e.live() for e in employers], builtin_catalog(), reset=True)
    return set().union(*(e.required() for e in employers))


AUTOMATIC: dict[str, Callable[[Key], bool]] = {
    "sandbox": lambda key: True,
    "loket": lambda key: key[1] in ("grant", "revoke"),  # products are manual in Loket.nl
}
"""Which required changes apply performs itself, by provider."""
