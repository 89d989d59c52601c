"""The synthetic portfolio: seeded, valid employer files, for the tests and the benchmarks.

One generator serves both (``benchmarks/plan.py`` and ``benchmarks/portfolio.py`` run
it from the repository's root as ``tests.synthetic``): the same seed gives the same
files, byte for byte, so a test's data and a benchmark's figure can be reproduced.
Each employer has MijnLoket and up to five portal products (addendum signed, three
times in five) or up to two products that need no portal, one ak-gebruiker from a
small office pool and werkgevergebruikers (see :class:`Shape`); a user of an employer
with the portal holds its first right three times in five.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from pathlib import Path

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.tier import derive_tier

AK_POOL = ("a.de.vries@kantoor.example", "b.jansen@kantoor.example", "c.peters@kantoor.example")
"""ak-gebruikers serve many employers of one office: the only logins shared by employers."""


@dataclass(frozen=True)
class Shape:
    """What differs between the tests' portfolio (the defaults) and the benchmarks'.

    Both were recorded before they shared this generator (tests pin their data by
    seed, the benchmark README its figures), so each keeps its own draw order.
    """

    werkgevergebruikers: tuple[int, int] | None = None
    """At least and at most, drawn per employer; None: exactly one, drawing nothing (the
    tests count on one grant per employer)."""
    digits: int = 4
    """Of the index in an employer's name and file name."""
    id_first: bool = True
    """Draw the employer id before the products (the tests' order) or after them."""


BENCHMARK = Shape(werkgevergebruikers=(1, 3), digits=5, id_first=False)
"""``benchmarks/plan.py``'s portfolio: one to three werkgevergebruikers, so 4 to 6
requests per employer."""


def _employer_id(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def employer_yaml(catalog: Catalog, rng: random.Random, index: int, shape: Shape = Shape()) -> str:
    """A valid employer file: products, one ak-gebruiker and some werkgevergebruikers.

    Logins are unique per employer (a login is one user across Loket, with one type),
    except the ak-gebruikers, who serve many employers of the same office.
    """
    employer_id = _employer_id(rng) if shape.id_first else None
    portal = catalog.portal
    status = rng.choice(["signed", "signed", "signed", "requested", "none"])
    if status == "signed":
        extras = [p for p in catalog.products if portal in catalog.products[p].requires]
        products = catalog.with_prerequisites({portal, *rng.sample(extras, rng.randint(0, 5))})
    else:
        support = [p for p, v in catalog.products.items() if v.tier == "none" and not v.excludes]
        products = set(rng.sample(support, rng.randint(0, 2)))
    lines = [
        "version: 1",
        f"employer_id: {employer_id or _employer_id(rng)}",
        f"name: Werkgever {index:0{shape.digits}d} B.V.",
        "addendum:",
        f"  status: {status}",
    ]
    if status == "signed":
        lines += ["  signed_on: 2025-01-15", f'  ticket: "LKT-{10000 + index}"']
    tier = derive_tier(catalog, products).tier
    if tier:
        lines.append(f"tier: {tier}")
    lines.append("products:" if products else "products: []")
    lines += [f"  - {p}" for p in catalog.sort(products)]
    users = [(rng.choice(AK_POOL), "ak-gebruiker")]
    if shape.werkgevergebruikers is None:
        users.append((f"hr{index}@werkgever.example", "werkgevergebruiker"))
    else:
        count = rng.randint(*shape.werkgevergebruikers)
        users += [(f"hr{index}-{n}@werkgever.example", "werkgevergebruiker") for n in range(count)]
    right = next(iter(catalog.rights))
    lines.append("users:")
    for login, kind in users:
        # the portal is in the products exactly when there is a tier
        rights = f"[{right}]" if portal in products and rng.random() < 0.6 else "[]"
        lines += [f"  - login: {login}", f"    type: {kind}", f"    rights: {rights}"]
    return "\n".join(lines) + "\n"


def write_employers(
    directory: Path, catalog: Catalog, count: int, seed: int, shape: Shape = Shape()
) -> list[Path]:
    """Write ``count`` employer files into ``directory`` (seeded: a run can be repeated)."""
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        path = directory / f"werkgever-{index:0{shape.digits}d}.yaml"
        path.write_text(employer_yaml(catalog, rng, index, shape), encoding="utf-8")
        paths.append(path)
    return paths
