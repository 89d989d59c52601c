"""The employer files a plan works on, as (path, model) pairs, modelled when read.

A model of an employer file costs about 4 KB; at 50,000 files keeping all of them
was more than half of ``plan``'s memory, though a full plan whose employers the
validation workers planned (:mod:`plan.workers`) never reads most of them. So a file
checked in a worker is kept as the pickled data the worker sent (about 600 bytes)
and modelled each time it is read (about 10 µs); a file checked in this process is
kept as its model.
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from typing import overload

from mijnloket_gitops.files.model import EmployerFile

Desired = tuple[str, EmployerFile]
"""An employer file's path and its parsed content."""


class InScope(Sequence[Desired]):
    """Employer files as a sequence of (path, model), each model built when read."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        """The files' paths, in order (read without building any model)."""
        self.ids: list[str] = []
        """Their employer ids, in order."""
        self._content: list[EmployerFile | bytes] = []

    def append(self, path: str, employer_id: str, content: EmployerFile | bytes) -> None:
        """Add a file: its model, or its data pickled (modelled when read)."""
        self.paths.append(path)
        self.ids.append(employer_id)
        self._content.append(content)

    def __len__(self) -> int:
        return len(self.paths)

    def model(self, index: int) -> EmployerFile:
        content = self._content[index]
        if isinstance(content, EmployerFile):
            return content
        return EmployerFile.model_validate(pickle.loads(content))

    @overload
    def __getitem__(self, index: int) -> Desired: ...

    @overload
    def __getitem__(self, index: slice) -> list[Desired]: ...

    def __getitem__(self, index: int | slice) -> Desired | list[Desired]:
        if isinstance(index, slice):
            return [(self.paths[i], self.model(i)) for i in range(len(self))[index]]
        return self.paths[index], self.model(index)

    def select(self, keep: Sequence[bool]) -> InScope:
        """The files where ``keep`` is true, without modelling any."""
        chosen = InScope()
        for path, employer_id, content, kept in zip(
            self.paths, self.ids, self._content, keep, strict=True
        ):
            if kept:
                chosen.append(path, employer_id, content)
        return chosen


def paths_of(desired: Sequence[Desired]) -> list[str]:
    """The paths of ``desired`` (without modelling the files of an :class:`InScope`)."""
    return desired.paths if isinstance(desired, InScope) else [p for p, _ in desired]
