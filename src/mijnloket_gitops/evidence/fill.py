"""Put one addendum change into one file's data and comments.

The change is a value (:class:`AddendumChange`); :func:`fill_addendum` works on plain
data plus :class:`~mijnloket_gitops.files.comments.Comments`, so that ``edit`` (on a
file read from disk) and ``import`` (on a file drafted from live state) share it.
Filling the evidence in also removes what ``import`` wrote to ask for it: the
"fill this in" lines above ``signed_on``, the format hints at the ends of the two
lines, and ``evidence: pending``. A person's own comments stay.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mijnloket_gitops.evidence.prompts import EVIDENCE_FIELDS, EVIDENCE_GAP
from mijnloket_gitops.files.comments import Comments
from mijnloket_gitops.files.model import AddendumStatus
from mijnloket_gitops.files.positions import PathKey

_EVIDENCE = ("signed_on", "ticket")

RemoveKey = Callable[[PathKey, str], None]
"""Delete a key from the mapping at a path, moving the comments above it (the edit
draft's ``remove_key``)."""


@dataclass(frozen=True)
class AddendumChange:
    """What the addendum should say: a status, and for ``signed`` the evidence.

    ``signed_on`` and ``ticket`` None with ``signed`` keep what the file has.
    """

    status: AddendumStatus
    signed_on: str | None = None
    ticket: str | None = None
    source: str = ""
    """Where the change comes from, for messages (``evidence.csv:4``)."""

    def describe(self) -> str:
        if self.status != "signed" or not (self.signed_on or self.ticket):
            return f"addendum {self.status}"
        parts = [f"signed_on {self.signed_on}" if self.signed_on else "", self.ticket or ""]
        return f"addendum signed ({', '.join(p for p in parts if p)})"


def drop_import_prompts(comments: Comments) -> None:
    """The comments ``import`` wrote for the evidence gap, and nothing else."""
    first = ("addendum", _EVIDENCE[0])
    before = comments.before.get(first)
    if before is not None:
        kept = [line for line in before if line.strip().lstrip("#").strip() not in EVIDENCE_GAP]
        if kept != before:
            if any(line.strip() for line in kept):
                comments.before[first] = kept
            else:
                del comments.before[first]
    for name, hint in EVIDENCE_FIELDS.items():
        path = ("addendum", name)
        text = comments.eol.get(path)
        if text is not None and text.strip().lstrip("#").strip() == hint:
            del comments.eol[path]


def fill_addendum(
    data: dict[str, Any], comments: Comments, change: AddendumChange, remove_key: RemoveKey
) -> list[str]:
    """Make ``data["addendum"]`` say what ``change`` says; notes of what changed
    (empty when the file already says it)."""
    addendum = data.get("addendum")
    if not isinstance(addendum, dict):
        addendum = data["addendum"] = {}
    before = dict(addendum)
    addendum["status"] = change.status
    if change.status == "signed":
        for name in _EVIDENCE:
            value = getattr(change, name)
            if value is not None:
                addendum[name] = value
        if all(addendum.get(name) is not None for name in _EVIDENCE):
            if "evidence" in addendum:
                remove_key(("addendum",), "evidence")
            drop_import_prompts(comments)
    else:
        for name in (*_EVIDENCE, "evidence"):
            if name in addendum:
                remove_key(("addendum",), name)
    if addendum == before:
        return []
    note = change.describe()
    if before.get("evidence") == "pending" and "evidence" not in addendum:
        note += ", evidence no longer pending"
    return [f"{note}{f' ({change.source})' if change.source else ''}"]
