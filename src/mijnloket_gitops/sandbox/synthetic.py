"""The synthetic portfolio: seeded, valid employer files, for the tests, the benchmarks
and ``emulator serve --employers N`` (a rehearsal; :mod:`.portfolio`).

One generator serves them all: the same seed gives the same files, byte for byte, so a
test's data, a benchmark's figure and a rehearsal can be reproduced.
Each employer has MijnLoket and up to five portal products (addendum signed, three
times in five) or up to two products that need no portal, one ak-gebruiker from a
small office pool and werkgevergebruikers (see :class:`Shape`); a user of an employer
with the portal holds its first right three times in five.

:func:`write_realistic` is the richer portfolio of ``benchmarks/validate.py`` and
``benchmarks/edit_report.py`` (recorded figures, so its draws are its own): names of
trades and families, comments, any product set the catalog's rules allow, one to four
users of either type with the rights their type and products permit, 100 files a folder.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
import zlib
from dataclasses import dataclass
from pathlib import Path

from mijnloket_gitops.catalog import Catalog, builtin_catalog
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


# The realistic portfolio

USER_TYPES = ("ak-gebruiker", "werkgevergebruiker")

_TRADES = (
    "Bakkerij",
    "Installatiebedrijf",
    "Tandartspraktijk",
    "Transport",
    "Bouwbedrijf",
    "Kinderopvang",
    "Accountantskantoor",
    "Hoveniersbedrijf",
    "Autoschade",
    "Restaurant",
    "Drukkerij",
    "Schoonmaakbedrijf",
)
_SURNAMES = (
    "De Vries",
    "Jansen",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "De Boer",
    "Mulder",
    "De Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "Van Dijk",
)
_FORMS = ("B.V.", "V.O.F.", "Holding B.V.", "& Zonen B.V.", "")
_FIRST = ("j", "m", "a", "s", "p", "l", "e", "k", "t", "r")
_LAST = ("jansen", "devries", "bakker", "visser", "smit", "meijer", "mulder", "bos", "vos")
_PROVIDERS = ("kantoor.nl", "loonadvies.nl", "salarisbureau.nl", "payroll-noord.nl")


def _products(rng: random.Random, catalog: Catalog, with_portal: bool) -> list[str]:
    """A random product set that meets every requires, requires_one_of and excludes."""
    portal = catalog.portal
    candidates = [
        name
        for name, product in catalog.products.items()
        if name != portal and (with_portal or portal not in catalog.prerequisites(name))
    ]
    chosen: set[str] = {portal} if with_portal else set()

    def conflicts(name: str) -> bool:
        excluded = set(catalog.products[name].excludes)
        return bool(excluded & chosen) or any(name in catalog.products[c].excludes for c in chosen)

    def add(name: str) -> bool:
        if name in chosen:
            return True
        if conflicts(name):
            return False
        chosen.add(name)
        product = catalog.products[name]
        for needed in product.requires:
            if not add(needed):
                chosen.discard(name)
                return False
        for group in product.requires_one_of:
            if chosen.intersection(group):
                continue
            options = [n for n in group if not conflicts(n)]
            if not options or not add(rng.choice(options)):
                chosen.discard(name)
                return False
        return True

    for name in rng.sample(candidates, rng.randint(1, min(6, len(candidates)))):
        add(name)
    return catalog.sort(chosen)


def _type_of(login: str) -> str:
    """A login's user type, the same in every file: a login is one Loket user with one
    type (validate's user-type-conflict). A stable hash, not a draw."""
    return USER_TYPES[zlib.crc32(login.encode()) % len(USER_TYPES)]


def _name(rng: random.Random) -> str:
    form = rng.choice(_FORMS)
    return " ".join(p for p in (rng.choice(_TRADES), rng.choice(_SURNAMES), form) if p)


def realistic_yaml(rng: random.Random, catalog: Catalog, today: dt.date) -> str:
    """One valid employer file as YAML text (about 25 lines)."""
    with_portal = rng.random() < 0.85
    products = _products(rng, catalog, with_portal)
    tier = derive_tier(catalog, products).tier
    lines = [
        "# yaml-language-server: $schema=../schemas/employer.schema.json",
        "# Generated by benchmarks/validate.py: a synthetic employer, not a real one.",
        "version: 1",
        f"employer_id: {uuid.UUID(int=rng.getrandbits(128), version=4)}",
        f"name: {_name(rng)}",
        "addendum:",
    ]
    if with_portal:
        signed_on = today - dt.timedelta(days=rng.randint(1, 2000))
        lines += [
            "  status: signed",
            f"  signed_on: {signed_on.isoformat()}",
            f'  ticket: "LKT-{rng.randint(10000, 99999)}"   # Loket\'s confirmation ticket',
            f"tier: {tier}",
        ]
    else:
        lines.append(f"  status: {rng.choice(('requested', 'none'))}   # appointment planned")
    lines.append("# Products by Loket's exact display name; dependencies are listed too.")
    lines.append("products:" if products else "products: []")
    lines += [f"  - {name}" for name in products]
    listed = set(products)
    lines.append("users:")
    logins: set[str] = set()
    for _ in range(rng.randint(1, 4)):
        login = f"{rng.choice(_FIRST)}.{rng.choice(_LAST)}{rng.randint(1, 99)}"
        login += f"@{rng.choice(_PROVIDERS)}"
        if login in logins:
            continue
        logins.add(login)
        rng.choice(USER_TYPES)  # drawn as before, so the other draws stay the same
        user_type = _type_of(login)
        rights = [
            name
            for name, right in catalog.rights.items()
            if user_type in right.user_types
            and listed.issuperset(right.requires)
            and rng.random() < 0.6
        ]
        lines += [f"  - login: {login}", f"    type: {user_type}"]
        if rights:
            lines.append("    rights:")
            lines += [f"      - {name}" for name in rights]
    return "\n".join(lines) + "\n"


def write_realistic(
    directory: Path, count: int, seed: int, today: dt.date | None = None
) -> list[Path]:
    """Write ``count`` valid employer files into ``directory`` (100 per subfolder)."""
    rng = random.Random(seed)
    catalog = builtin_catalog()
    today = today or dt.date.today()
    paths: list[Path] = []
    for i in range(count):
        folder = directory / f"batch-{i // 100:03d}"
        if i % 100 == 0:
            folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"employer-{i:05d}.yaml"
        path.write_text(realistic_yaml(rng, catalog, today), encoding="utf-8")
        paths.append(path)
    return paths
