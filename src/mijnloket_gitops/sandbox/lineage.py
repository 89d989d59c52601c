"""The sandbox's plan lineage: one row per apply that changed or meant to change it.

``Store.lineage`` and ``Store.advance_lineage`` (see
:class:`~mijnloket_gitops.providers.base.LineageStore`) keep the serial in the
database itself, so that every checkout and every ``--repo`` spelling sees the same
one. A database seeded before issue 22 has no table yet: its serial is 0.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

_TABLE = (
    "CREATE TABLE IF NOT EXISTS lineage (serial INTEGER PRIMARY KEY, plan_id TEXT NOT NULL,"
    " actor TEXT NOT NULL, time TEXT NOT NULL)"
)


def history(conn: sqlite3.Connection) -> list[tuple[int, str, str]]:
    """(serial, plan id, time) of every advance, oldest first."""
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'lineage'"
    ).fetchone()
    if exists is None:
        return []
    rows = conn.execute("SELECT serial, plan_id, time FROM lineage ORDER BY serial")
    return [(int(serial), str(plan_id), str(time)) for serial, plan_id, time in rows]


def advance(conn: sqlite3.Connection, plan_id: str, actor: str) -> int:
    """Record the next serial for ``plan_id`` (inside the caller's write transaction)."""
    conn.execute(_TABLE)
    (last,) = conn.execute("SELECT COALESCE(MAX(serial), 0) FROM lineage").fetchone()
    serial = int(last) + 1
    now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
    conn.execute("INSERT INTO lineage VALUES (?, ?, ?, ?)", (serial, plan_id, actor, now))
    return serial
