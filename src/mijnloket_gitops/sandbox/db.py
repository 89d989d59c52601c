"""The sandbox database: schema, connections, schema version.

The schema mirrors Loket's resources so that the emulator can serve it directly:

- ``provider``: the one payroll provider the database belongs to (``GET /providers``);
- ``employers``: Loket's employer fields plus ``portal_available`` (Loket has processed
  the addendum, so MijnLoket is offered) and ``revision`` (bumped on every change; an
  ETag for the emulator);
- ``modules``: products by display name with a stable numeric id (never reused), and
  ``gate`` for a product Loket only offers after the addendum is processed;
- ``employer_modules``: products active per employer;
- ``users``: ak-gebruikers (staff of the provider) and werkgevergebruikers (staff of an
  employer); a login is unique (folded to lower case) and has one type;
- ``employer_users``: which employers a user belongs to (a werkgevergebruiker) or has
  access to (an ak-gebruiker);
- ``rights`` and ``user_rights``: rights with a numeric id, held per (employer, user);
- ``change_log``: every change that did something, with its origin (apply, set, ...),
  so tests and the emulator can prove that no step ran twice.

Connections run in autocommit mode; :class:`~.store.Store` opens every transaction
itself (``BEGIN IMMEDIATE`` for writes), WAL journal with ``synchronous=FULL``, so a
process killed mid-step leaves either the whole step or none of it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from mijnloket_gitops.errors import ProviderError

SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 10_000
SEED_HINT = "run `mijnloket-gitops sandbox seed` to create it"
RESEED_HINT = (
    "replace it with `mijnloket-gitops sandbox seed --reset` (the sandbox holds only the "
    "stand-in live state it was seeded with from the employer files)"
)

_DDL = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE provider (id TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE employers (
    id TEXT PRIMARY KEY,
    employer_number INTEGER NOT NULL UNIQUE,
    company_name TEXT NOT NULL,
    chamber_of_commerce_number TEXT,
    portal_available INTEGER NOT NULL DEFAULT 0 CHECK (portal_available IN (0, 1)),
    revision INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX employers_by_name ON employers (company_name);
CREATE TABLE modules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    gate TEXT
);
CREATE TABLE employer_modules (
    employer_id TEXT NOT NULL REFERENCES employers (id) ON DELETE CASCADE,
    module_id INTEGER NOT NULL REFERENCES modules (id),
    PRIMARY KEY (employer_id, module_id)
) WITHOUT ROWID;
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    login TEXT NOT NULL,
    login_key TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL CHECK (type IN ('ak-gebruiker', 'werkgevergebruiker'))
);
CREATE TABLE employer_users (
    employer_id TEXT NOT NULL REFERENCES employers (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (employer_id, user_id)
) WITHOUT ROWID;
CREATE INDEX employer_users_by_user ON employer_users (user_id);
CREATE TABLE rights (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE);
CREATE TABLE user_rights (
    employer_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    right_id INTEGER NOT NULL REFERENCES rights (id),
    PRIMARY KEY (employer_id, user_id, right_id),
    FOREIGN KEY (employer_id, user_id)
        REFERENCES employer_users (employer_id, user_id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE TABLE change_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    origin TEXT NOT NULL,
    employer_id TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL
);
"""


class SandboxError(ProviderError):
    """The sandbox refused a change or its database is missing or unusable."""


def connect(path: Path, *, create: bool = False, readonly: bool = False) -> sqlite3.Connection:
    """A configured connection to ``path``; creates the schema when ``create``.

    Without ``create`` the file must exist and hold this schema version. A ``readonly``
    connection (a plan's worker process reading live state) cannot write, not even
    by mistake, and leaves the journal mode as the database has it.
    """
    if create and path.exists():
        raise SandboxError(f"sandbox database {path} already exists")
    if not create and not path.is_file():
        raise SandboxError(f"sandbox database {path} does not exist; {SEED_HINT}")
    mode = "rwc" if create else "ro" if readonly else "rw"
    try:
        conn = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode={mode}",
            uri=True,
            isolation_level=None,
            timeout=BUSY_TIMEOUT_MS / 1000,
            check_same_thread=False,
        )
    except sqlite3.Error as error:
        raise SandboxError(f"cannot open sandbox database {path}: {error}") from None
    try:
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if not readonly:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
        if create:
            _create_schema(conn)
        else:
            _check_version(conn, path)
    except sqlite3.Error as error:
        conn.close()
        raise SandboxError(
            f"{path} is not a usable sandbox database: {error}; {RESEED_HINT}"
        ) from None
    except BaseException:
        conn.close()
        raise
    return conn


def _create_schema(conn: sqlite3.Connection) -> None:
    # executescript commits a pending transaction first, so the script holds its own.
    try:
        conn.executescript(
            f"BEGIN IMMEDIATE; {_DDL}"
            f"INSERT INTO schema_version (version) VALUES ({SCHEMA_VERSION}); COMMIT;"
        )
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _check_version(conn: sqlite3.Connection, path: Path) -> None:
    try:
        row = conn.execute("SELECT version FROM schema_version").fetchone()
    except sqlite3.OperationalError:
        row = None
    if row is None:
        raise SandboxError(f"{path} is not a mijnloket-gitops sandbox database; {RESEED_HINT}")
    if row[0] != SCHEMA_VERSION:
        raise SandboxError(
            f"sandbox database {path} has schema version {row[0]}, this version of "
            f"mijnloket-gitops uses {SCHEMA_VERSION}; recreate it with "
            "`mijnloket-gitops sandbox seed --reset`"
        )
