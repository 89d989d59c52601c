"""A catalog override built to catch what the built-in catalog hides.

The built-in catalog lists products in rising tier order, has one right and no chain
of prerequisites deeper than one, and no cycle. Code that relies on any of that (a
tier loop that keeps the last product's tier, a dependency closure that stops after
one round, a depth count that loops forever) passes every test on it. This one has:

- a Pro product listed before a Plus one and a Start one (``Pro Eerst``);
- a prerequisite chain three deep (``Pro Eerst`` → ``Keten 2`` → ``Keten 1`` → ``Keten 0``);
- a cycle (``Kring A`` ↔ ``Kring B``), as a careless override could make, and a
  product that requires itself;
- two rights, needing different products;
- a second gated product (``Poort Twee``) besides the portal;
- a one-of group whose first option is the deep one.

Expected answers about it are written out by hand below, never computed by the code
under test.
"""

from __future__ import annotations

from typing import Any

from mijnloket_gitops.catalog import Catalog

PORTAL = "Portaal"
PRO = "Pro Eerst"
PLUS = "Plus Later"
START = "Start Laatst"
CHAIN = ("Keten 2", "Keten 1", "Keten 0")
CYCLE = ("Kring A", "Kring B")
SELF = "Kring Zelf"
"""A cycle of one: it requires itself."""
GATED = "Poort Twee"
CHOICE = "Keuze"
RIGHT_PORTAL = "Recht Portaal"
RIGHT_PLUS = "Recht Plus"

PRODUCTS: dict[str, dict[str, Any]] = {
    PRO: {"tier": "pro", "requires": [PORTAL, "Keten 2"]},
    PLUS: {"tier": "plus", "requires": [PORTAL]},
    START: {"tier": "start", "requires": [PORTAL]},
    PORTAL: {"tier": "start", "gate": "addendum"},
    "Keten 2": {"requires": ["Keten 1"]},
    "Keten 1": {"requires": ["Keten 0"]},
    "Keten 0": {},
    "Kring A": {"requires": ["Kring B"]},
    "Kring B": {"requires": ["Kring A"]},
    SELF: {"requires": [SELF]},
    GATED: {"tier": "plus", "gate": "addendum", "requires": [PORTAL]},
    CHOICE: {"requires_one_of": [["Keten 2", "Keten 0"]]},
}

ADVERSARIAL = Catalog.model_validate(
    {
        "catalog_version": 1,
        "portal": PORTAL,
        "tiers": ["start", "plus", "pro"],
        "start_features": ["Loonstroken"],
        "web_ui_path": "Beheer",
        "products": {name: {"name": name, **fields} for name, fields in PRODUCTS.items()},
        "rights": {
            RIGHT_PORTAL: {
                "name": RIGHT_PORTAL,
                "user_types": ["werkgevergebruiker"],
                "requires": [PORTAL],
            },
            RIGHT_PLUS: {
                "name": RIGHT_PLUS,
                "user_types": ["ak-gebruiker", "werkgevergebruiker"],
                "requires": [PLUS],
                "personal_data": True,
            },
        },
    }
)

EXPECTED_TIERS: list[tuple[frozenset[str], str | None, tuple[str, ...]]] = [
    # (active products, tier, the products that raise it above start, in catalog order)
    (frozenset(), None, ()),
    (frozenset({PRO, PLUS}), None, ()),  # no portal, no tier
    (frozenset({PORTAL}), "start", ()),
    (frozenset({PORTAL, START}), "start", ()),
    (frozenset({PORTAL, PLUS}), "plus", (PLUS,)),
    (frozenset({PORTAL, PRO}), "pro", (PRO,)),
    (frozenset({PORTAL, PRO, PLUS}), "pro", (PRO, PLUS)),  # a lower tier after a Pro one
    (frozenset({PORTAL, PRO, PLUS, START, GATED}), "pro", (PRO, PLUS, GATED)),
    (frozenset({PORTAL, GATED, "Keten 0", "Onbekend"}), "plus", (GATED,)),
    (frozenset({PORTAL, *CYCLE, *CHAIN}), "start", ()),
]

EXPECTED_DEPTHS = {
    PRO: 3,  # Keten 2 (2) + 1, or the portal (0) + 1: the longer chain counts
    PLUS: 1,
    START: 1,
    PORTAL: 0,
    "Keten 2": 2,
    "Keten 1": 1,
    "Keten 0": 0,
    GATED: 1,
    CHOICE: 3,
}
"""Depths by hand (the longest chain of prerequisites); the cycle's are left out: any
finite number will do, as long as computing it ends."""
