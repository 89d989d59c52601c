"""Seed the sandbox: the repository's employers with a realistic live state.

:func:`seed_state` is pure and deterministic (choices are seeded by employer id), so
the same files always give the same database. Most employers are live exactly as
their file says; a few drift (see :mod:`.drift`) so that the first plan shows an
activation, a grant, a revoke, a tier upgrade and at most one deactivation, while
staying inside the repository's safety limits (share of employers touched, share and
count of deactivations) and never planning a tier downgrade or a MijnLoket removal.
MijnLoket is available live exactly where the file's addendum is signed. A few
employers without a file (unmanaged) are added with their own state.
"""

from __future__ import annotations

import hashlib
import math
import os
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mijnloket_gitops.catalog import Catalog, UserType
from mijnloket_gitops.config import SafetyConfig
from mijnloket_gitops.files.model import EmployerFile, login_key
from mijnloket_gitops.sandbox import drift
from mijnloket_gitops.sandbox.db import SandboxError
from mijnloket_gitops.sandbox.store import Store
from mijnloket_gitops.words import article

_NAMESPACE = uuid.UUID("6b1f6c1e-3f4a-5d2b-9c8e-4a7d2e9f0b13")
PROVIDER_NAME = "Salarisbureau Sandbox B.V."
SEED_ORIGIN = "seed"


@dataclass(frozen=True)
class SeedUser:
    login: str
    type: UserType
    rights: frozenset[str] = frozenset()


@dataclass(frozen=True)
class SeedEmployer:
    """One employer as the seed creates it live."""

    employer_id: str
    name: str
    employer_number: int
    chamber_of_commerce_number: str
    portal_available: bool
    products: frozenset[str]
    users: tuple[SeedUser, ...]
    path: str | None
    """The employer file; None for an unmanaged employer."""
    drift: tuple[str, ...] = ()
    """How live differs from the file, for people."""


# Unmanaged employers: (name, portal available, products, users).
_UNMANAGED: tuple[tuple[str, bool, tuple[str, ...], tuple[SeedUser, ...]], ...] = (
    (
        "Garage Hoekstra B.V.",
        True,
        ("MijnLoket", "MijnLoket - Persoonsgegevens inzien", "MijnLoket - Salaris berekenen"),
        (
            SeedUser(
                "w.hoekstra@garagehoekstra.nl",
                "werkgevergebruiker",
                frozenset({"Raadplegen MijnLoket e-mailadres"}),
            ),
        ),
    ),
    ("Stichting Thuiszorg Oostrand", False, ("Verlofregistratie", "Verlofregeling"), ()),
    (
        "Drukkerij Van der Meer B.V.",
        True,
        (),
        (SeedUser("administratie@drukkerijvandermeer.nl", "werkgevergebruiker"),),
    ),
)


def _digest(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("\x1f".join(parts).encode()).digest()[:8], "big")


def _rng(employer_id: str) -> random.Random:
    return random.Random(_digest("seed", employer_id.lower()))


def _capacity(count: int, safety: SafetyConfig) -> int:
    """How many managed employers may drift: fewer than half, within the guard."""
    share = safety.max_employer_share
    limit = count if share is None else math.floor(share * count + 1e-9)
    return min(limit, max(1, (count - 1) // 2))


def _may_deactivate(
    drafts: Sequence[drift.LiveDraft], catalog: Catalog, safety: SafetyConfig
) -> bool:
    """One deactivation stays within the share and count limits of the guard."""
    if safety.max_deactivations is not None and safety.max_deactivations < 1:
        return False
    active = sum(len([p for p in d.products if p in catalog.products]) for d in drafts)
    return active > 0 and 1 / active <= safety.max_deactivation_share


_KINDS: tuple[tuple[str, drift.Drift], ...] = (
    ("tier-upgrade", drift.tier_upgrade("pro")),
    ("tier-upgrade", drift.tier_upgrade("plus")),
    ("activation", drift.activation),
    ("grant", drift.grant),
    ("revoke", drift.revoke),
    ("deactivation", drift.deactivation),
)


def _apply_drift(drafts: list[drift.LiveDraft], catalog: Catalog, safety: SafetyConfig) -> None:
    ranked = sorted(drafts, key=lambda d: _digest("rank", d.file.employer_id.lower()))
    capacity = _capacity(len(drafts), safety)
    done: set[str] = set()
    for kind, change in _KINDS:
        if kind in done or (
            kind == "deactivation" and not _may_deactivate(drafts, catalog, safety)
        ):
            continue
        fresh = [d for d in ranked if not d.drift]
        used = [d for d in ranked if d.drift]
        candidates = (fresh + used) if len(used) < capacity else used
        for draft in candidates:
            note = change(catalog, draft, _rng(f"{kind}:{draft.file.employer_id}"))
            if note is not None:
                draft.drift.append(note)
                done.add(kind)
                break


class _Numbers:
    """Deterministic employer and chamber of commerce numbers, unique per seed."""

    def __init__(self) -> None:
        self._used: set[int] = set()

    def __call__(self, employer_id: str) -> tuple[int, str]:
        number = 10_000 + _digest("number", employer_id.lower()) % 90_000
        while number in self._used:
            number = 10_000 + (number - 10_000 + 1) % 90_000
        self._used.add(number)
        return number, f"{_digest('kvk', employer_id.lower()) % 100_000_000:08d}"


def seed_state(
    employers: Sequence[tuple[str, EmployerFile]], catalog: Catalog, safety: SafetyConfig
) -> list[SeedEmployer]:
    """The live state to create for ``employers`` (path, file) plus unmanaged ones."""
    drafts = [drift.LiveDraft.from_file(e) for _, e in employers]
    _apply_drift(drafts, catalog, safety)
    numbers = _Numbers()
    state: list[SeedEmployer] = []
    for (path, employer), draft in zip(employers, drafts, strict=True):
        state.append(
            SeedEmployer(
                employer.employer_id.lower(),
                employer.name,
                *numbers(employer.employer_id),
                employer.addendum.status == "signed",
                frozenset(draft.products),
                tuple(
                    SeedUser(login, draft.types[login], frozenset(draft.rights[login]))
                    for login in draft.rights
                ),
                path,
                tuple(draft.drift),
            )
        )
    _one_type_per_login(state)
    managed = {e.employer_id for e in state}
    for name, available, products, users in _UNMANAGED:
        employer_id = str(uuid.uuid5(_NAMESPACE, name))
        if employer_id not in managed:
            state.append(
                SeedEmployer(
                    employer_id,
                    name,
                    *numbers(employer_id),
                    available,
                    frozenset(products),
                    users,
                    None,
                )
            )
    return state


def _one_type_per_login(state: Sequence[SeedEmployer]) -> None:
    """A login is one Loket user with one type: raise SandboxError, naming both files,
    where two files give the same login different types (the database would refuse
    the second without saying where it came from)."""
    first: dict[str, tuple[UserType, str | None]] = {}
    for employer in state:
        for user in employer.users:
            kind, where = first.setdefault(login_key(user.login), (user.type, employer.path))
            if kind != user.type:
                raise SandboxError(
                    f"{user.login} is {article(kind)} in {where} but {article(user.type)} in "
                    f"{employer.path}; a login is one Loket user with one type, so correct "
                    "the type in one of the files"
                )


def _user_id(login: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"user:{login.casefold()}"))


def write_state(store: Store, state: Sequence[SeedEmployer], catalog: Catalog) -> None:
    """Create ``state`` in an empty store, in one transaction."""
    with store.write(SEED_ORIGIN, record=False) as tx:
        tx.set_provider(str(uuid.uuid5(_NAMESPACE, "provider")), PROVIDER_NAME)
        for module in catalog.products.values():
            tx.module_id(module.name, module.gate)
        for right in catalog.rights:
            tx.right_id(right)
        for employer in state:
            tx.add_employer(
                employer.employer_id,
                employer.name,
                employer_number=employer.employer_number,
                chamber_of_commerce_number=employer.chamber_of_commerce_number,
                portal_available=employer.portal_available,
            )
            for name in catalog.sort(employer.products):
                known = catalog.products.get(name)
                tx.activate(employer.employer_id, name, known.gate if known else None)
            for user in employer.users:
                tx.add_user(employer.employer_id, user.login, user.type, _user_id(user.login))
                for right in sorted(user.rights):
                    tx.grant(employer.employer_id, user.login, right, user.type)


def create_seeded(
    path: Path, state: Sequence[SeedEmployer], catalog: Catalog, *, reset: bool
) -> None:
    """Build the database next to ``path`` and move it into place in one rename.

    A seed that dies halfway leaves no database behind (and no half-filled one).
    """
    if path.exists() and not reset:
        raise SandboxError(
            f"sandbox database {path} already exists; use `sandbox seed --reset` to replace it"
        )
    building = path.with_name(path.name + ".seeding")
    _remove(building)
    try:
        with Store.create(building) as store:
            write_state(store, state, catalog)
    except BaseException:
        _remove(building)
        raise
    if reset:
        _remove(path)
    os.replace(building, path)


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
