"""What ``edit`` is asked to do, checked before any file is read; and the waves."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.errors import MijnloketError
from mijnloket_gitops.evidence.fill import AddendumChange
from mijnloket_gitops.files.model import AddendumStatus


class EditError(MijnloketError):
    """The edit asked for cannot be made at all (an unknown product, a bad --wave)."""


@dataclass(frozen=True)
class EditRequest:
    """What to change; every name is an exact catalog name."""

    activate: tuple[str, ...] = ()
    deactivate: tuple[str, ...] = ()
    cascade: bool = False
    grant: tuple[str, ...] = ()
    revoke: tuple[str, ...] = ()
    to: tuple[str, ...] = ()
    choose: tuple[str, ...] = ()
    limit: int | None = None
    wave: tuple[int, int] | None = None
    set_addendum: AddendumStatus | None = None
    """``--set-addendum``: this status for every selected file (not ``signed``: that
    needs a date and a ticket per employer, from ``--evidence``)."""
    evidence: Mapping[str, AddendumChange] = field(default_factory=dict)
    """``--evidence``: the addendum per employer id (folded to lower case)."""
    from_sheet: bool = False
    """``--evidence`` was given: :attr:`evidence` is filled from it once the files are
    read (a sheet may change nothing, but the edit is not empty)."""

    def addendum_change(self, employer_id: str) -> AddendumChange | None:
        """What this edit does to the addendum of ``employer_id``, if anything."""
        change = self.evidence.get(employer_id.casefold())
        if change is None and self.set_addendum is not None:
            change = AddendumChange(self.set_addendum)
        return change

    def check(self, catalog: Catalog, user_types: Sequence[str]) -> None:
        """Raise :class:`EditError` for a request no file could satisfy."""
        changes_addendum = self.set_addendum is not None or self.from_sheet or bool(self.evidence)
        if not (self.activate or self.deactivate or self.grant or self.revoke or changes_addendum):
            raise EditError(
                "nothing to do: give --activate, --deactivate, --grant, --revoke, "
                "--set-addendum or --evidence"
            )
        if self.set_addendum == "signed":
            raise EditError(
                "--set-addendum signed needs a date and a ticket per employer: give them in "
                "a sheet with --evidence FILE.csv"
            )
        for name in (*self.activate, *self.deactivate, *self.choose):
            if name not in catalog.products:
                closest = catalog.closest(name)
                hint = f"; did you mean {closest!r}?" if closest else ""
                raise EditError(f"unknown product {name!r}{hint}")
        for name in (*self.grant, *self.revoke):
            if name not in catalog.rights:
                closest = catalog.closest_right(name)
                hint = f"; did you mean {closest!r}?" if closest else ""
                raise EditError(f"unknown right {name!r}{hint}")
        if (self.grant or self.revoke) and not self.to:
            raise EditError("--grant and --revoke need --to USER_TYPE or --to LOGIN")
        if self.to and not (self.grant or self.revoke):
            raise EditError("--to only goes with --grant or --revoke")
        for right in self.grant:
            for kind in self.to:
                if kind in user_types and kind not in catalog.rights[right].user_types:
                    allowed = ", ".join(catalog.rights[right].user_types)
                    raise EditError(f"a {kind} cannot hold {right!r} (only: {allowed})")
        if set(self.activate) & set(self.deactivate):
            raise EditError("a product cannot be activated and deactivated in one edit")
        if self.limit is not None and self.limit < 1:
            raise EditError("--limit must be at least 1")
        if self.wave is not None and not 1 <= self.wave[0] <= self.wave[1]:
            raise EditError("--wave K/M needs 1 <= K <= M")


def parse_wave(text: str) -> tuple[int, int]:
    """``"1/4"`` as ``(1, 4)``; raises :class:`EditError` otherwise."""
    head, _, tail = text.partition("/")
    if not (head.isdigit() and tail.isdigit()) or not 1 <= int(head) <= int(tail):
        raise EditError(f"--wave {text!r}: write K/M with 1 <= K <= M, e.g. 1/4")
    return int(head), int(tail)


def wave_of(employer_id: str, waves: int) -> int:
    """The wave (1..waves) of an employer: a hash of its id, stable across runs."""
    digest = hashlib.sha256(employer_id.lower().encode()).hexdigest()
    return int(digest[:12], 16) % waves + 1
