"""Addendum evidence in bulk: a spreadsheet export read, checked and put into files.

- :mod:`.sheet` reads the CSV into rows, or problems with ``file:line``;
- :mod:`.resolve` ties each row to one employer (by id or file name);
- :mod:`.fill` changes one file's data and comments to say what a row says.

``edit --evidence`` and ``import --evidence`` use all three; every row is checked
before any file is written.
"""

from mijnloket_gitops.evidence.fill import AddendumChange, fill_addendum
from mijnloket_gitops.evidence.resolve import resolve_rows
from mijnloket_gitops.evidence.sheet import EvidenceRow, SheetProblem, read_sheet

__all__ = [
    "AddendumChange",
    "EvidenceRow",
    "SheetProblem",
    "fill_addendum",
    "read_sheet",
    "resolve_rows",
]
