"""The sandbox store: reads as provider values, writes in one transaction each.

Usage::

    with Store.open(path) as store:
        live = store.live([employer_id])
        with store.write(origin="apply") as tx:   # BEGIN IMMEDIATE ... COMMIT
            tx.activate(employer_id, "MijnLoket")

A write block is one transaction: it commits when the block ends and rolls back when
anything inside raises, so a step is never half written (and a killed process leaves
SQLite's WAL to discard the uncommitted part). Reads run in a read transaction too,
so one call sees one consistent snapshot. A store may be shared between threads
(calls are serialised); separate processes coordinate through SQLite's locks.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from mijnloket_gitops.catalog import UserType
from mijnloket_gitops.providers.base import LiveEmployer, LiveUser
from mijnloket_gitops.sandbox import lineage
from mijnloket_gitops.sandbox.apply_lock import break_lock, lock_holder, sandbox_apply_lock
from mijnloket_gitops.sandbox.db import SandboxError, connect
from mijnloket_gitops.sandbox.writer import Writer, login_key

_CHUNK = 500  # ids per query, well under SQLite's host-parameter limit


@dataclass(frozen=True)
class EmployerRecord:
    """An employer with Loket's own fields (``GET /providers/employers``)."""

    employer_id: str
    employer_number: int
    company_name: str
    chamber_of_commerce_number: str | None
    portal_available: bool
    revision: int


@dataclass(frozen=True)
class Module:
    """A product as Loket's ``/modules`` lists it: a numeric id and a display name."""

    id: int
    name: str
    gate: str | None = None


@dataclass(frozen=True)
class UserRecord:
    user_id: str
    login: str
    type: UserType


@dataclass(frozen=True)
class RightRecord:
    id: int
    name: str


@dataclass(frozen=True)
class Change:
    """One entry of ``change_log``."""

    seq: int
    at: str
    origin: str
    employer_id: str
    action: str
    subject: str


def _employer(row: sqlite3.Row) -> EmployerRecord:
    return EmployerRecord(
        row["id"],
        row["employer_number"],
        row["company_name"],
        row["chamber_of_commerce_number"],
        bool(row["portal_available"]),
        row["revision"],
    )


_EMPLOYER_COLUMNS = (
    "id, employer_number, company_name, chamber_of_commerce_number, portal_available, revision"
)


class Store:
    """An open sandbox database."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self._lock = threading.RLock()
        self.path = path

    @classmethod
    def open(cls, path: Path, *, readonly: bool = False) -> Store:
        """Open an existing sandbox; a missing file tells the user how to seed one."""
        return cls(connect(path, readonly=readonly), path)

    @classmethod
    def create(cls, path: Path) -> Store:
        """Create a new, empty sandbox at ``path`` (which must not exist)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        return cls(connect(path, create=True), path)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def write(self, origin: str, *, record: bool = True) -> Iterator[Writer]:
        """One write transaction: all of the block's changes, or none of them.

        Changes are recorded in ``change_log`` under ``origin`` unless ``record`` is
        False (the seed, which creates rather than changes).
        """
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                yield Writer(self._conn, origin, record)
                self._conn.execute("COMMIT")
            except sqlite3.Error as error:
                self._rollback()
                raise SandboxError(f"sandbox database {self.path}: {error}") from None
            except BaseException:
                self._rollback()
                raise

    def _rollback(self) -> None:
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._conn.execute("BEGIN")
                yield self._conn
                self._conn.execute("COMMIT")
            except sqlite3.Error as error:
                self._rollback()
                raise SandboxError(f"sandbox database {self.path}: {error}") from None
            except BaseException:
                self._rollback()
                raise

    @contextmanager
    def apply_lock(self) -> Iterator[None]:
        """The sandbox's own apply lock (a row in this database), for the block."""
        with sandbox_apply_lock(self._conn, self.path, self._lock):
            yield

    def apply_lock_holder(self) -> tuple[str, dict[str, object]] | None:
        """Issue 22: (lock id, holder) of the sandbox's apply lock, or None."""
        return lock_holder(self._conn, self._lock)

    def break_apply_lock(self, lock_id: str) -> dict[str, object] | None:
        """Issue 22: remove the apply lock ``lock_id`` (a dead holder's); its holder."""
        return break_lock(self._conn, lock_id, self._lock)

    def lineage(self) -> list[tuple[int, str, str]]:
        """Issue 22: (serial, plan id, time) of every apply recorded here, oldest first."""
        with self._read() as conn:
            return lineage.history(conn)

    def advance_lineage(self, plan_id: str, actor: str) -> int:
        """Issue 22: advance the serial for an apply of ``plan_id``; the new serial."""
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                serial = lineage.advance(self._conn, plan_id, actor)
                self._conn.execute("COMMIT")
            except sqlite3.Error as error:
                self._rollback()
                raise SandboxError(f"sandbox database {self.path}: {error}") from None
            return serial

    def provider(self) -> tuple[str, str] | None:
        """The provider's (id, name), or None before seeding."""
        with self._read() as conn:
            row = conn.execute("SELECT id, name FROM provider").fetchone()
        return None if row is None else (row["id"], row["name"])

    def employers(self) -> list[EmployerRecord]:
        """Every employer, by company name."""
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT {_EMPLOYER_COLUMNS} FROM employers ORDER BY company_name, id"
            ).fetchall()
        return [_employer(r) for r in rows]

    def names(self) -> list[tuple[str, str]]:
        """(id, company name) of every employer, by company name: what a plan's
        unmanaged list reads (at 50,000 employers, a full record each cost a tenth of a
        second more)."""
        with self._read() as conn:
            cursor = conn.cursor()
            cursor.row_factory = None  # plain tuples
            return cursor.execute(
                "SELECT id, company_name FROM employers ORDER BY company_name, id"
            ).fetchall()

    def employer(self, employer_id: str) -> EmployerRecord | None:
        with self._read() as conn:
            row = conn.execute(
                f"SELECT {_EMPLOYER_COLUMNS} FROM employers WHERE id = ?", (employer_id.lower(),)
            ).fetchone()
        return None if row is None else _employer(row)

    def find(self, query: str) -> list[EmployerRecord]:
        """Employers whose id is ``query`` or whose name contains it (any case)."""
        exact = self.employer(query)
        if exact is not None:
            return [exact]
        folded = query.casefold()
        return [e for e in self.employers() if folded in e.company_name.casefold()]

    def live(self, employer_ids: Iterable[str]) -> dict[str, LiveEmployer]:
        """Live state of the employers asked for, keyed as asked; unknown ids are absent."""
        asked = {i.lower(): i for i in employer_ids}
        found: dict[str, LiveEmployer] = {}
        ids = list(asked)
        with self._read() as conn:
            for start in range(0, len(ids), _CHUNK):
                for employer in self._live_chunk(conn, ids[start : start + _CHUNK]):
                    found[asked[employer.employer_id]] = employer
        return found

    def _live_chunk(self, conn: sqlite3.Connection, ids: list[str]) -> list[LiveEmployer]:
        marks = ",".join("?" * len(ids))
        cursor = conn.cursor()
        cursor.row_factory = None  # plain tuples: a plan reads 50,000 employers this way
        employers = cursor.execute(
            f"SELECT id, company_name, portal_available FROM employers WHERE id IN ({marks})", ids
        ).fetchall()
        products: dict[str, set[str]] = {e[0]: set() for e in employers}
        for row in cursor.execute(
            "SELECT em.employer_id, m.name FROM employer_modules em "
            f"JOIN modules m ON m.id = em.module_id WHERE em.employer_id IN ({marks})",
            ids,
        ):
            products[row[0]].add(row[1])
        users: dict[str, dict[str, tuple[str, UserType]]] = {e[0]: {} for e in employers}
        for row in cursor.execute(
            "SELECT eu.employer_id, u.id, u.login, u.type FROM employer_users eu "
            f"JOIN users u ON u.id = eu.user_id WHERE eu.employer_id IN ({marks})",
            ids,
        ):
            users[row[0]][row[1]] = (row[2], cast(UserType, row[3]))
        rights: dict[tuple[str, str], set[str]] = {}
        for row in cursor.execute(
            "SELECT ur.employer_id, ur.user_id, r.name FROM user_rights ur "
            f"JOIN rights r ON r.id = ur.right_id WHERE ur.employer_id IN ({marks})",
            ids,
        ):
            rights.setdefault((row[0], row[1]), set()).add(row[2])
        return [
            LiveEmployer(
                employer_id=eid,
                name=name,
                portal_available=bool(portal),
                products=frozenset(products[eid]),
                users={
                    login_key(login): LiveUser(login, kind, frozenset(rights.get((eid, uid), ())))
                    for uid, (login, kind) in users[eid].items()
                },
            )
            for eid, name, portal in employers
        ]

    def modules(self, employer_id: str | None = None) -> list[Module]:
        """Every module Loket knows, or those active for one employer, by id."""
        with self._read() as conn:
            if employer_id is None:
                rows = conn.execute("SELECT id, name, gate FROM modules ORDER BY id").fetchall()
            else:
                rows = conn.execute(
                    "SELECT m.id, m.name, m.gate FROM modules m JOIN employer_modules em "
                    "ON em.module_id = m.id WHERE em.employer_id = ? ORDER BY m.id",
                    (employer_id.lower(),),
                ).fetchall()
        return [Module(r["id"], r["name"], r["gate"]) for r in rows]

    def rights(self) -> list[RightRecord]:
        with self._read() as conn:
            rows = conn.execute("SELECT id, name FROM rights ORDER BY id").fetchall()
        return [RightRecord(r["id"], r["name"]) for r in rows]

    def users(self, employer_id: str, user_type: UserType | None = None) -> list[UserRecord]:
        """Users linked to the employer (optionally of one type), by login."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT u.id, u.login, u.type FROM users u JOIN employer_users eu "
                "ON eu.user_id = u.id WHERE eu.employer_id = ? AND (? IS NULL OR u.type = ?) "
                "ORDER BY u.login_key",
                (employer_id.lower(), user_type, user_type),
            ).fetchall()
        return [UserRecord(r["id"], r["login"], r["type"]) for r in rows]

    def changes(self, since: int = 0) -> list[Change]:
        """``change_log`` entries after sequence number ``since``."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT seq, at, origin, employer_id, action, subject FROM change_log "
                "WHERE seq > ? ORDER BY seq",
                (since,),
            ).fetchall()
        return [Change(*tuple(r)) for r in rows]

    def users_of_type(self, user_type: UserType) -> list[UserRecord]:
        """Every user of one type (e.g. the provider's ak-gebruikers), by login."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT id, login, type FROM users WHERE type = ? ORDER BY login_key",
                (user_type,),
            ).fetchall()
        return [UserRecord(r["id"], r["login"], r["type"]) for r in rows]

    def employers_of_user(self, user_id: str) -> list[str]:
        """Ids of the employers a user is linked to."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT employer_id FROM employer_users WHERE user_id = ? ORDER BY employer_id",
                (user_id,),
            ).fetchall()
        return [r[0] for r in rows]

    def held_right_ids(self, employer_id: str, user_id: str) -> set[int]:
        """Ids of the rights a user holds for one employer (one query: the emulator
        answers this for every rights GET)."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT right_id FROM user_rights WHERE employer_id = ? AND user_id = ?",
                (employer_id.lower(), user_id),
            ).fetchall()
        return {r[0] for r in rows}
