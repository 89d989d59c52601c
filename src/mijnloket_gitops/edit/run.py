"""``edit``: the same change to many employer files, as a value.

:func:`edit_files` edits each selected file (:mod:`.single`: data and comments
changed, written through the canonical writer that ``fmt`` uses, checked as
``validate`` would); nothing is written here. Operations run in a fixed order per
file: deactivate, activate, revoke, grant.

``--wave K/M`` puts every employer in one of M waves by a hash of its employer_id,
so an employer stays in its wave however the selection or the portfolio changes;
``--limit N`` keeps the first N employers (by path) that the edit changes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.edit.pool import Job, run_all
from mijnloket_gitops.edit.request import EditError, EditRequest, parse_wave, wave_of
from mijnloket_gitops.edit.single import FileEdit, check_text, edit_file
from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.files.writing import Writer

__all__ = [
    "EditError",
    "EditRequest",
    "EditRun",
    "FileEdit",
    "check_text",
    "edit_file",
    "edit_files",
    "parse_wave",
    "wave_of",
    "write_edits",
]


@dataclass(frozen=True)
class EditRun:
    """Every selected file of one ``edit``."""

    files: list[FileEdit] = field(default_factory=list)
    outside_wave: int = 0

    def with_status(self, status: str) -> list[FileEdit]:
        return [f for f in self.files if f.status == status]


def edit_files(
    selected: Sequence[tuple[str, EmployerFile]],
    catalog: Catalog,
    request: EditRequest,
    *,
    require_tier: bool = True,
    today: dt.date | None = None,
    prices: Mapping[str, float] | None = None,
    write: bool = False,
    whole: bool = False,
) -> EditRun:
    """The edit of every selected ``(path, employer)``, in path order.

    ``prices`` (``pricing.products``) lets ``--activate`` pick the cheapest member of a
    "requires one of" group. Many files are edited by a pool of worker processes.
    With ``write``, every changed file (only the first ``limit`` of them with
    ``--limit``) is written atomically, and ``FileEdit.written`` / ``write_error``
    say how that went; without it nothing is written. With ``whole`` (``--evidence``:
    a sheet goes in whole or not at all), nothing is written when any file is refused.
    """
    prices = prices or {}
    today = today or dt.date.today()
    chosen = sorted(selected, key=lambda item: item[0])
    outside = 0
    if request.wave is not None:
        wave, waves = request.wave
        kept = [(p, e) for p, e in chosen if wave_of(e.employer_id, waves) == wave]
        outside, chosen = len(chosen) - len(kept), kept
    edits: list[FileEdit] = []
    changed = 0
    job = Job(catalog, request, require_tier, today, dict(prices))
    for result in run_all(job, chosen):
        if result.text is not None and result.refusal is None:
            changed += 1
            if request.limit is not None and changed > request.limit:
                result = dataclasses.replace(result, held_back=True)
        edits.append(result)
    run = EditRun(edits, outside)
    if not write or (whole and run.with_status("refused")):
        return run
    return write_edits(run)


def write_edits(run: EditRun) -> EditRun:
    """``run`` with every changed file written atomically (held-back ones are not);
    ``FileEdit.written`` / ``write_error`` say how that went."""
    with Writer() as writer:
        for item in run.with_status("changed"):
            assert item.text is not None
            writer.submit(item.path, item.text)
        errors = writer.results()
    edits = [
        dataclasses.replace(e, written=errors[e.path] is None, write_error=errors[e.path])
        if e.path in errors
        else e
        for e in run.files
    ]
    return EditRun(edits, run.outside_wave)
