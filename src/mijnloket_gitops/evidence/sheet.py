"""Read a spreadsheet export of addendum evidence (CSV) into rows, checking every one.

The sheet has a header row naming its columns (any order, any case; spaces or
hyphens for underscores):

- ``employer_id``, ``employer`` or ``file``: the employer's id, or its file's name
  (``bakkerij-jansen.yaml``, with or without ``.yaml``, or a path below the
  repository);
- ``status``: ``signed``, ``requested`` or ``none``; empty means ``signed`` when the
  row has a date and a ticket;
- ``signed_on``: the date the addendum was signed, ``YYYY-MM-DD``, not in the future;
- ``ticket``: Loket's confirmation ticket (letters, digits and ``- _ . / #``).

Commas, semicolons (Excel with Dutch settings) and tabs all separate columns; the
file is UTF-8, with or without Excel's byte order mark. Every problem is collected
with its ``file:line``; :func:`read_sheet` returns rows only when there is none.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import cast, get_args

from mijnloket_gitops.files.model import AddendumStatus

EMPLOYER_COLUMNS = ("employer_id", "employer", "file")
TICKET = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_./#-]{0,63}$")
_DUTCH_DATE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
STATUSES: tuple[str, ...] = get_args(AddendumStatus)


@dataclass(frozen=True)
class SheetProblem:
    """One thing wrong with the sheet, where, and what to do."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class EvidenceRow:
    """One checked row: the employer as written, and the addendum it should have."""

    line: int
    employer: str
    status: AddendumStatus
    signed_on: str | None
    ticket: str | None


def _column(name: str) -> str:
    return re.sub(r"[\s-]+", "_", name.strip().lower())


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (";", "\t", ",")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _date(text: str, today: dt.date) -> tuple[str | None, str | None]:
    """The ISO date, or why ``text`` is not one."""
    dutch = _DUTCH_DATE.match(text)
    if dutch:
        day, month, year = dutch.groups()
        return None, (
            f"signed_on {text!r} is not written YYYY-MM-DD; if it is day-month-year, "
            f"write {year}-{int(month):02d}-{int(day):02d}"
        )
    try:
        date = dt.date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None, f"signed_on {text!r} is not a real date (YYYY-MM-DD)"
    if date is None:
        return None, f"signed_on {text!r} is not a date; write YYYY-MM-DD, e.g. 2025-01-15"
    if date > today:
        return None, f"signed_on {text} is in the future; use the date it was signed"
    return date.isoformat(), None


def _row(
    cells: dict[str, str], line: int, employer_column: str, today: dt.date
) -> tuple[EvidenceRow | None, list[str]]:
    problems: list[str] = []
    employer = cells.get(employer_column, "").strip()
    if not employer:
        problems.append(f"no employer: fill in the {employer_column} column")
    signed_on: str | None = None
    written_date = cells.get("signed_on", "").strip()
    if written_date:
        signed_on, problem = _date(written_date, today)
        problems += [problem] if problem else []
    ticket = cells.get("ticket", "").strip() or None
    if ticket is not None and not TICKET.match(ticket):
        problems.append(
            f"ticket {ticket!r} is not a ticket reference: letters, digits and - _ . / #, "
            "at most 64 characters, e.g. LKT-48211"
        )
    status = cells.get("status", "").strip().lower() or (
        "signed" if written_date and ticket else ""
    )
    if status not in STATUSES:
        shown = cells.get("status", "").strip()
        problems.append(
            f"status {shown!r} is not one of {', '.join(STATUSES)}"
            if shown
            else "no status: write signed, requested or none (or give signed_on and ticket)"
        )
    elif status == "signed":
        missing = [n for n, v in (("signed_on", written_date), ("ticket", ticket)) if not v]
        if missing:
            problems.append(f"a signed addendum needs {' and '.join(missing)}")
    elif written_date or ticket:
        problems.append(f"signed_on and ticket are for a signed addendum, not {status!r}")
    if problems:
        return None, problems
    return EvidenceRow(line, employer, cast(AddendumStatus, status), signed_on, ticket), []


def read_sheet(
    path: Path, today: dt.date | None = None
) -> tuple[list[EvidenceRow], list[SheetProblem]]:
    """Every row of the sheet at ``path``, or (with no rows) every problem in it."""
    today = today or dt.date.today()
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        return [], [SheetProblem(path, 1, f"cannot read: {error.strerror or error}")]
    except UnicodeDecodeError as error:
        line = path.read_bytes()[: error.start].count(b"\n") + 1
        return [], [SheetProblem(path, line, "not UTF-8; export the sheet as CSV UTF-8")]
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text.split("\n", 1)[0]))
    header = [_column(c) for c in next(reader, [])]
    employer_column = next((c for c in EMPLOYER_COLUMNS if c in header), None)
    if employer_column is None or not {"status", "signed_on", "ticket"} & set(header):
        return [], [
            SheetProblem(
                path,
                1,
                "the first row must name the columns: employer_id (or file), status, "
                "signed_on, ticket",
            )
        ]
    rows: list[EvidenceRow] = []
    problems: list[SheetProblem] = []
    seen: dict[str, int] = {}
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        by_name = dict(zip(header, cells, strict=False))
        row, messages = _row(by_name, line, employer_column, today)
        problems += [SheetProblem(path, line, m) for m in messages]
        if row is None:
            continue
        key = row.employer.casefold()
        if key in seen:
            problems.append(SheetProblem(path, line, f"{row.employer} is also on line {seen[key]}"))
        seen.setdefault(key, line)
        rows.append(row)
    return ([], problems) if problems else (rows, [])
