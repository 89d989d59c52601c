"""The sandbox's own apply lock: one row in its database.

The OS file lock next to the repository's state excludes applies from the same
repository; this row excludes applies against the same sandbox file from anywhere
(another checkout, another ``--repo`` spelling). A holder killed by SIGKILL leaves
its row behind: on the same host a row whose process no longer exists is taken over;
a row from another host is reported with its holder and never broken automatically.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from mijnloket_gitops.errors import RefusedError
from mijnloket_gitops.sandbox.db import SandboxError

_TOKEN = uuid.uuid4().hex
"""This process's token: only the holder deletes its row."""

_TABLE = (
    "CREATE TABLE IF NOT EXISTS apply_lock"
    " (id INTEGER PRIMARY KEY CHECK (id = 1), token TEXT NOT NULL, holder TEXT NOT NULL)"
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stale(holder: dict[str, object]) -> bool:
    pid = holder.get("pid")
    return holder.get("host") == socket.gethostname() and isinstance(pid, int) and not _alive(pid)


@contextmanager
def sandbox_apply_lock(
    conn: sqlite3.Connection, path: Path, serial: AbstractContextManager[object]
) -> Iterator[None]:
    """Hold the sandbox's apply lock for the block; RefusedError when another holds it.

    ``serial`` serialises this connection's use with the store's other calls.
    """
    with serial:
        _take(conn, path)
    try:
        yield
    finally:
        with serial, contextlib.suppress(sqlite3.Error):
            # if this fails, the next apply on this host takes the row over as stale
            conn.execute("DELETE FROM apply_lock WHERE id = 1 AND token = ?", (_TOKEN,))


def _take(conn: sqlite3.Connection, path: Path) -> None:
    holder = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "since": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(_TABLE)
        row = conn.execute("SELECT holder, token FROM apply_lock WHERE id = 1").fetchone()
        if row is not None:
            current = json.loads(row[0])
            if not _stale(current):
                conn.execute("ROLLBACK")
                lock_id = str(row[1])[:12]
                raise RefusedError(
                    f"another apply holds the sandbox {path}: pid {current.get('pid')} on"
                    f" {current.get('host')} since {current.get('since')} (lock id {lock_id})."
                    " If that apply is dead (its host cannot tell from here), clear it with"
                    f" `mijnloket-gitops force-unlock {lock_id}`"
                )
        conn.execute(
            "INSERT OR REPLACE INTO apply_lock (id, token, holder) VALUES (1, ?, ?)",
            (_TOKEN, json.dumps(holder)),
        )
        conn.execute("COMMIT")
    except sqlite3.Error as error:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise SandboxError(
            f"sandbox database {path}: cannot take the apply lock: {error}"
        ) from None


def lock_holder(
    conn: sqlite3.Connection, serial: AbstractContextManager[object]
) -> tuple[str, dict[str, object]] | None:
    """Issue 22: the lock id (token) and holder of the sandbox's apply lock, or None."""
    with serial:
        exists = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'apply_lock'"
        ).fetchone()
        query = "SELECT token, holder FROM apply_lock WHERE id = 1"
        row = exists and conn.execute(query).fetchone()
    if not row:
        return None
    return str(row[0]), json.loads(row[1])


def break_lock(
    conn: sqlite3.Connection, lock_id: str, serial: AbstractContextManager[object]
) -> dict[str, object] | None:
    """Issue 22: remove the apply lock whose id starts with ``lock_id`` (a dead
    holder's); its holder, or None when the lock is not that one."""
    found = lock_holder(conn, serial)
    if found is None or not found[0].startswith(lock_id):
        return None
    with serial:
        conn.execute("DELETE FROM apply_lock WHERE id = 1 AND token = ?", (found[0],))
        if conn.in_transaction:
            conn.execute("COMMIT")
    return found[1]
