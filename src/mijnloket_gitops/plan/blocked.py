"""Files left out of a plan because their ``employer_id`` is wrong: it names no live
employer, or another company than the file does. As an invalid file blocks only
itself, so does such a file: the others are planned, these are listed with both names
(the file's and Loket's), and the exit code is 1."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.plan.identity import same_company
from mijnloket_gitops.providers.base import LiveEmployer


@dataclass(frozen=True)
class BlockedFile:
    """An employer file not planned because of its ``employer_id``."""

    path: str
    employer_id: str
    name: str
    """The name in the file."""
    live_name: str | None
    """Loket's name for ``employer_id``; None when no employer has that id."""
    message: str

    @property
    def data(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "employer_id": self.employer_id,
            "name": self.name,
            "live_name": self.live_name,
            "message": self.message,
        }


def blocked_file(
    path: str, employer: EmployerFile, state: LiveEmployer | None, target: str
) -> BlockedFile | None:
    """Why ``employer`` (at ``path``) must not be planned against ``state``, if it must not."""
    employer_id = employer.employer_id
    if state is None:
        return BlockedFile(
            path,
            employer_id,
            employer.name,
            None,
            f"{path}: employer {employer_id} ({employer.name}) does not exist in {target};"
            " check the employer_id, or remove the file if the employer left",
        )
    if employer.loket_name is not None:
        if same_company(employer.loket_name, state.name):
            return None
        return BlockedFile(
            path,
            employer_id,
            employer.name,
            state.name,
            f"{path}: loket_name is {employer.loket_name!r} but Loket calls employer"
            f" {employer_id} {state.name!r}; check the employer_id, or correct loket_name"
            " after checking it is the same company",
        )
    if same_company(employer.name, state.name):
        return None
    return BlockedFile(
        path,
        employer_id,
        employer.name,
        state.name,
        f"{path}: the file names {employer.name!r} but employer {employer_id} is"
        f" {state.name!r} in Loket. If the employer_id is wrong, correct it; if it is the"
        f" same company under another name, add `loket_name: {state.name}` to the file"
        " (reviewed in the pull request)",
    )
