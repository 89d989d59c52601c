"""Validate a set of employer files: load, check shape, run the rules, cross-check.

Every problem becomes a :class:`Diagnostic`; nothing here prints or exits. Large
sets of files are read by a pool of worker processes (reading and checking one file
is independent of the others); cross-file rules run afterwards in this process.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.files.loader import Document, load_bytes
from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.files.schema_errors import describe
from mijnloket_gitops.validate.diagnostics import RULES, Diagnostic
from mijnloket_gitops.validate.rules import FILE_RULES, FileContext

YAML_SUFFIXES = (".yaml", ".yml")
PARALLEL_THRESHOLD = 400  # below this, starting worker processes costs more than it saves


@dataclass
class CheckedFile:
    """One employer file after validation; ``employer`` is None if its shape is wrong."""

    path: str
    employer: EmployerFile | None
    doc: Document
    diagnostics: list[Diagnostic] = field(default_factory=list)


@dataclass
class ValidationResult:
    """All files and all diagnostics of one run."""

    files: list[CheckedFile]
    diagnostics: list[Diagnostic]

    @property
    def errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity == "warning")

    @property
    def employers(self) -> list[tuple[str, EmployerFile]]:
        return [(f.path, f.employer) for f in self.files if f.employer is not None]


def _diagnostic(
    path: str, rule: str, message: str, line: int = 1, column: int = 1, hint: str | None = None
) -> Diagnostic:
    return Diagnostic(path, line, column, rule, RULES[rule].severity, message, hint)


def discover(paths: Sequence[Path]) -> tuple[list[Path], list[Diagnostic]]:
    """Employer files under ``paths`` (any depth), sorted, plus ``no-files`` diagnostics."""
    found: list[Path] = []
    problems: list[Diagnostic] = []
    for path in paths:
        if path.is_dir():
            here = sorted(
                p
                for p in path.rglob("*")
                if p.suffix in YAML_SUFFIXES
                and p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not here:
                problems.append(
                    _diagnostic(
                        str(path),
                        "no-files",
                        f"no employer files (*.yaml, *.yml) in {path}",
                        hint="add a file per employer, or point at the right directory",
                    )
                )
            found.extend(here)
        else:
            found.append(path)
    unique = list(dict.fromkeys(found))
    return unique, problems


def check_file(path: Path, catalog: Catalog, require_tier: bool, today: dt.date) -> CheckedFile:
    """Load and check one file on its own."""
    shown = str(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        reason = error.strerror or str(error)
        return CheckedFile(
            shown,
            None,
            Document(readable=False),
            [_diagnostic(shown, "file-read", f"cannot read file: {reason}")],
        )
    doc = load_bytes(raw)
    checked = CheckedFile(shown, None, doc)
    for problem in doc.problems:
        checked.diagnostics.append(
            _diagnostic(
                shown,
                problem.rule,
                problem.message,
                problem.mark.line,
                problem.mark.column,
                problem.hint,
            )
        )
    if not doc.readable:
        return checked
    try:
        employer = EmployerFile.model_validate(doc.data)
    except ValidationError as error:
        for mark, message, hint in describe(error, doc, EmployerFile):
            checked.diagnostics.append(
                _diagnostic(shown, "schema", message, mark.line, mark.column, hint)
            )
        return checked
    checked.employer = employer
    context = FileContext(shown, doc, employer, catalog, require_tier, today)
    for rule in FILE_RULES:
        checked.diagnostics.extend(rule(context))
    return checked


def _check_many(
    paths: list[Path], catalog: Catalog, require_tier: bool, today: dt.date
) -> list[CheckedFile]:
    workers = min(os.cpu_count() or 1, 8)
    if len(paths) < PARALLEL_THRESHOLD or workers < 2:
        return [check_file(p, catalog, require_tier, today) for p in paths]
    chunk = max(1, len(paths) // (workers * 8))
    with ProcessPoolExecutor(workers) as pool:
        return list(
            pool.map(
                check_file,
                paths,
                [catalog] * len(paths),
                [require_tier] * len(paths),
                [today] * len(paths),
                chunksize=chunk,
            )
        )


def _duplicate_employers(files: Iterable[CheckedFile]) -> Iterable[Diagnostic]:
    by_id: dict[str, list[CheckedFile]] = {}
    for checked in files:
        if checked.employer is not None:
            by_id.setdefault(checked.employer.employer_id.lower(), []).append(checked)
    for same in by_id.values():
        if len(same) < 2:
            continue
        for checked in same:
            others = ", ".join(o.path for o in same if o is not checked)
            mark = checked.doc.mark(("employer_id",))
            yield _diagnostic(
                checked.path,
                "duplicate-employer",
                f"employer_id {checked.employer.employer_id if checked.employer else ''}"
                f" is also used by {others}",
                mark.line,
                mark.column,
                "each employer has exactly one file",
            )


def validate_paths(
    paths: Sequence[Path],
    catalog: Catalog,
    *,
    require_tier: bool = True,
    today: dt.date | None = None,
    report_only: set[Path] | None = None,
) -> ValidationResult:
    """Validate every employer file under ``paths``.

    ``report_only`` limits which files' diagnostics are reported (``--changed-since``);
    every file is still read, so cross-file rules see the whole repository.
    """
    files, diagnostics = discover(paths)
    checked = _check_many(files, catalog, require_tier, today or dt.date.today())
    for item in checked:
        diagnostics.extend(item.diagnostics)
    diagnostics.extend(_duplicate_employers(checked))
    if report_only is not None:
        wanted = {p.resolve() for p in report_only}
        diagnostics = [d for d in diagnostics if Path(d.path).resolve() in wanted]
    diagnostics.sort()
    return ValidationResult(checked, diagnostics)
