"""Changes to the sandbox, inside one transaction opened by :meth:`Store.write`.

Every change is idempotent and reports whether it did anything; a change that did
something bumps the employer's ``revision`` and is appended to ``change_log``. A
change that Loket would refuse raises :class:`SandboxError`; the store then rolls the
whole transaction back.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import uuid

from mijnloket_gitops.catalog import UserType
from mijnloket_gitops.sandbox.db import SandboxError

USER_TYPES: tuple[UserType, ...] = ("ak-gebruiker", "werkgevergebruiker")


def login_key(login: str) -> str:
    """Logins are compared case-insensitively."""
    return login.casefold()


class Writer:
    """Write access to the store for the length of one transaction."""

    def __init__(self, conn: sqlite3.Connection, origin: str, record: bool = True) -> None:
        self._conn = conn
        self.origin = origin
        """Recorded in ``change_log``: who changed it (apply, set, emulator, ...)."""
        self._record = record

    def _employer_name(self, employer_id: str) -> str:
        row = self._conn.execute(
            "SELECT company_name FROM employers WHERE id = ?", (employer_id.lower(),)
        ).fetchone()
        if row is None:
            raise SandboxError(f"employer {employer_id} does not exist in the sandbox")
        return str(row[0])

    def _changed(self, employer_id: str, action: str, subject: str) -> bool:
        if not self._record:
            return True
        eid = employer_id.lower()
        self._conn.execute("UPDATE employers SET revision = revision + 1 WHERE id = ?", (eid,))
        self._conn.execute(
            "INSERT INTO change_log (at, origin, employer_id, action, subject) "
            "VALUES (?, ?, ?, ?, ?)",
            (
                dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                self.origin,
                eid,
                action,
                subject,
            ),
        )
        return True

    def set_provider(self, provider_id: str, name: str) -> None:
        self._conn.execute("DELETE FROM provider")
        self._conn.execute("INSERT INTO provider (id, name) VALUES (?, ?)", (provider_id, name))

    def add_employer(
        self,
        employer_id: str,
        company_name: str,
        *,
        employer_number: int | None = None,
        chamber_of_commerce_number: str | None = None,
        portal_available: bool = False,
    ) -> None:
        """Create an employer; an id or employer number that exists is an error."""
        if employer_number is None:
            row = self._conn.execute("SELECT MAX(employer_number) FROM employers").fetchone()
            employer_number = (row[0] or 1000) + 1
        try:
            self._conn.execute(
                "INSERT INTO employers (id, employer_number, company_name, "
                "chamber_of_commerce_number, portal_available) VALUES (?, ?, ?, ?, ?)",
                (
                    employer_id.lower(),
                    employer_number,
                    company_name,
                    chamber_of_commerce_number,
                    int(portal_available),
                ),
            )
        except sqlite3.IntegrityError:
            raise SandboxError(
                f"employer {employer_id} or employer number {employer_number} already exists"
            ) from None

    def set_portal_available(self, employer_id: str, available: bool) -> bool:
        """Loket has (or has not) processed the addendum for the employer."""
        self._employer_name(employer_id)
        cursor = self._conn.execute(
            "UPDATE employers SET portal_available = ? WHERE id = ? AND portal_available != ?",
            (int(available), employer_id.lower(), int(available)),
        )
        if cursor.rowcount == 0:
            return False
        return self._changed(employer_id, "portal-available", str(available).lower())

    def module_id(self, name: str, gate: str | None = None) -> int:
        """The numeric id of a module, registering it (with ``gate``) on first use."""
        row = self._conn.execute("SELECT id FROM modules WHERE name = ?", (name,)).fetchone()
        if row is not None:
            return int(row[0])
        cursor = self._conn.execute("INSERT INTO modules (name, gate) VALUES (?, ?)", (name, gate))
        return int(cursor.lastrowid or 0)

    def right_id(self, name: str) -> int:
        """The numeric id of a right, registering it on first use."""
        row = self._conn.execute("SELECT id FROM rights WHERE name = ?", (name,)).fetchone()
        if row is not None:
            return int(row[0])
        cursor = self._conn.execute("INSERT INTO rights (name) VALUES (?)", (name,))
        return int(cursor.lastrowid or 0)

    def activate(self, employer_id: str, product: str, gate: str | None = None) -> bool:
        """Switch a product on; a gated product only while the portal is available.

        ``gate`` is recorded when the module is new to the database; the gate in the
        database decides.
        """
        name = self._employer_name(employer_id)
        module = self.module_id(product, gate)
        row = self._conn.execute(
            "SELECT m.gate, e.portal_available FROM modules m, employers e "
            "WHERE m.id = ? AND e.id = ?",
            (module, employer_id.lower()),
        ).fetchone()
        if row["gate"] is not None and not row["portal_available"]:
            raise SandboxError(
                f"{product} cannot be activated for {name}: Loket does not offer it until "
                f"the signed {row['gate']} has been processed (the employer's portal is not "
                "available yet)"
            )
        cursor = self._conn.execute(
            "INSERT OR IGNORE INTO employer_modules (employer_id, module_id) VALUES (?, ?)",
            (employer_id.lower(), module),
        )
        return cursor.rowcount == 1 and self._changed(employer_id, "activate", product)

    def deactivate(self, employer_id: str, product: str) -> bool:
        """Switch a product off (whatever depends on it: people do that)."""
        self._employer_name(employer_id)
        cursor = self._conn.execute(
            "DELETE FROM employer_modules WHERE employer_id = ? AND module_id = "
            "(SELECT id FROM modules WHERE name = ?)",
            (employer_id.lower(), product),
        )
        return cursor.rowcount == 1 and self._changed(employer_id, "deactivate", product)

    def _user(self, login: str) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self._conn.execute(
            "SELECT id, login, type FROM users WHERE login_key = ?", (login_key(login),)
        ).fetchone()
        return row

    def _linked(self, employer_id: str, user_id: str) -> bool:
        row = self._conn.execute(
            "SELECT 1 FROM employer_users WHERE employer_id = ? AND user_id = ?",
            (employer_id.lower(), user_id),
        ).fetchone()
        return row is not None

    def add_user(
        self, employer_id: str, login: str, user_type: UserType, user_id: str | None = None
    ) -> bool:
        """Create the user if new and link it to the employer.

        An ak-gebruiker is shared by all employers (one login, access per employer);
        a login keeps the type it was created with.
        """
        self._employer_name(employer_id)
        if user_type not in USER_TYPES:
            raise SandboxError(f"unknown user type {user_type!r}; use one of {USER_TYPES}")
        user = self._user(login)
        if user is None:
            uid = user_id or str(uuid.uuid4())
            self._conn.execute(
                "INSERT INTO users (id, login, login_key, type) VALUES (?, ?, ?, ?)",
                (uid, login, login_key(login), user_type),
            )
        elif user["type"] != user_type:
            raise SandboxError(f"user {user['login']} exists as {user['type']}, not {user_type}")
        else:
            uid = str(user["id"])
        if self._linked(employer_id, uid):
            return False
        self._conn.execute(
            "INSERT INTO employer_users (employer_id, user_id) VALUES (?, ?)",
            (employer_id.lower(), uid),
        )
        return self._changed(employer_id, "add-user", f"{login} ({user_type})")

    def grant(
        self, employer_id: str, login: str, right: str, user_type: UserType | None = None
    ) -> bool:
        """Give ``login`` the right for the employer; the user must exist.

        An ak-gebruiker gets access to the employer with the right; a werkgevergebruiker
        must already belong to the employer.
        """
        name = self._employer_name(employer_id)
        user = self._user(login)
        if user is None:
            kind = user_type or "TYPE"
            raise SandboxError(
                f"user {login} does not exist in the sandbox; create it first with "
                f"`mijnloket-gitops sandbox set {employer_id} --add-user {login}:{kind}`"
            )
        if user_type is not None and user["type"] != user_type:
            raise SandboxError(f"user {user['login']} is a {user['type']}, not a {user_type}")
        if not self._linked(employer_id, user["id"]):
            if user["type"] != "ak-gebruiker":
                raise SandboxError(f"werkgevergebruiker {user['login']} does not belong to {name}")
            self._conn.execute(
                "INSERT INTO employer_users (employer_id, user_id) VALUES (?, ?)",
                (employer_id.lower(), user["id"]),
            )
        cursor = self._conn.execute(
            "INSERT OR IGNORE INTO user_rights (employer_id, user_id, right_id) VALUES (?, ?, ?)",
            (employer_id.lower(), user["id"], self.right_id(right)),
        )
        return cursor.rowcount == 1 and self._changed(
            employer_id, "grant", f"{right} for {user['login']}"
        )

    def revoke(self, employer_id: str, login: str, right: str) -> bool:
        """Take the right away; a user who does not exist holds nothing."""
        self._employer_name(employer_id)
        user = self._user(login)
        if user is None:
            return False
        cursor = self._conn.execute(
            "DELETE FROM user_rights WHERE employer_id = ? AND user_id = ? AND right_id = "
            "(SELECT id FROM rights WHERE name = ?)",
            (employer_id.lower(), user["id"], right),
        )
        return cursor.rowcount == 1 and self._changed(
            employer_id, "revoke", f"{right} for {user['login']}"
        )
