"""Validate a set of employer files: load, check shape, run the rules, cross-check.

Every problem becomes a :class:`Diagnostic`; nothing here prints or exits. Large
sets of files are read by a pool of worker processes (reading and checking one file
is independent of the others); cross-file rules run afterwards in this process.

Speed matters here (the bar: 10,000 files at least ten times faster than
check-jsonschema checks their schema alone; see ``benchmarks/``). That shapes three
choices: a worker sends back only a file's diagnostics, its plain data and the
position of its ``employer_id`` (pickling the whole positioned document cost more
than checking it); the pool is forked, so workers start with everything imported;
and the cyclic garbage collector is off while the pool runs (nothing here makes
reference cycles, so it would only re-walk live objects). A worker's answer for
a valid file is its data pickled once more, which the parent keeps as bytes (no
objects to build or for the collector to walk) until someone asks for it.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import pickle
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, cast

from pydantic import ValidationError

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.files.loader import load_file
from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.files.positions import Mark
from mijnloket_gitops.validate.diagnostics import RULES, Diagnostic
from mijnloket_gitops.validate.rules import FILE_RULES, FileContext

START = Mark(1, 1)
YAML_SUFFIXES = (".yaml", ".yml")
PARALLEL_THRESHOLD = 300  # below this, starting worker processes costs more than it saves
MAX_WORKERS = 8
CHUNK_FILES = 250  # files per task: big enough to amortise a round trip, small to balance


@dataclass
class CheckedFile:
    """One employer file after validation.

    When the file's shape is valid, ``data`` is its content as plain values,
    ``employer`` the same as the typed model, ``employer_id`` its id and ``id_mark``
    where that is written; otherwise ``data``, ``employer`` and ``employer_id`` are
    None. A file checked in a worker process carries its data pickled (``packed``)
    and ``data`` and ``employer`` are only built when asked for: a run that only
    reports diagnostics never needs them.
    """

    path: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    employer_id: str | None = None
    id_mark: Mark = START
    packed: bytes | None = field(default=None, repr=False, compare=False)

    @cached_property
    def data(self) -> dict[str, Any] | None:
        """The file's content as plain values; None if its shape is wrong."""
        return None if self.packed is None else cast(dict[str, Any], pickle.loads(self.packed))

    @cached_property
    def employer(self) -> EmployerFile | None:
        """The file as a model; None if its shape is wrong."""
        data = self.data
        return None if data is None else EmployerFile.model_validate(data)


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
        return [(f.path, e) for f in self.files if (e := f.employer) is not None]


def _diagnostic(
    path: str, rule: str, message: str, line: int = 1, column: int = 1, hint: str | None = None
) -> Diagnostic:
    return Diagnostic(path, line, column, rule, RULES[rule].severity, message, hint)


def _walk(root: Path) -> tuple[list[str], set[str]]:
    """Employer files below ``root``, skipping hidden files and folders, in path order,
    and which of them are symbolic links.

    Built on ``os.scandir`` rather than ``Path.rglob`` and returning strings: on
    10,000 files that saves a ``stat`` and a ``Path`` parse per file, about a tenth
    of a run. Like ``rglob`` it does not descend into symlinked folders. Every
    symlink named like an employer file is listed, even a broken one or a loop, so
    that it is reported rather than silently skipped.
    """
    shown = str(root)
    prefix = "" if shown == "." else shown if shown.endswith(os.sep) else shown + os.sep
    found: list[str] = []
    links: set[str] = set()
    folders = [(str(root), prefix)]
    while folders:
        folder, here = folders.pop()
        try:
            with os.scandir(folder) as entries:
                listed = list(entries)
        except OSError:
            continue
        for entry in listed:
            name = entry.name
            if name.startswith("."):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    folders.append((entry.path, here + name + os.sep))
                elif name.endswith(YAML_SUFFIXES):
                    if entry.is_symlink():
                        links.add(here + name)
                    elif not entry.is_file():
                        continue  # a FIFO or a device: never an employer file
                    found.append(here + name)
            except OSError:
                continue
    found.sort(key=lambda p: p.split(os.sep))  # the order of sorted(Path(p) ...)
    return found, links


REPOSITORY_MARKERS = (".git", "mijnloket-gitops.yaml")


def _repository(start: str) -> str:
    """The real path of the repository that holds the folder ``start`` (absolute).

    That is the nearest folder from ``start`` up with ``.git`` or a configuration
    file; failing that, the current directory if it holds ``start``, else ``start``.
    The search starts above the path given, so that a symbolic link to a folder
    cannot bring its own repository along.
    """
    here = start
    while True:
        if any(os.path.lexists(os.path.join(here, m)) for m in REPOSITORY_MARKERS):
            return os.path.realpath(here)
        parent = os.path.dirname(here)
        if parent == here:
            break
        here = parent
    cwd = os.getcwd()
    inside = start == cwd or start.startswith(cwd.rstrip(os.sep) + os.sep)
    return os.path.realpath(cwd if inside else start)


def _escapes(path: str, root: str) -> Diagnostic | None:
    """A ``file-read`` diagnostic if ``path`` leads, through a symbolic link, outside the
    repository ``root`` or into a hidden folder (where the token store lives)."""
    real = os.path.realpath(path)
    if real == os.path.abspath(path):
        return None  # no link on the way
    relative = os.path.relpath(real, root).split(os.sep)
    if relative[0] == os.pardir:
        message = f"not read: it is a symbolic link to {real}, outside the repository {root}"
        hint = "copy the file into the repository, or link to a file inside it"
    elif any(part.startswith(".") for part in relative if part != os.curdir):
        message = f"not read: it is a symbolic link into a hidden folder ({real})"
        hint = "hidden folders hold git's and mijnloket-gitops' own data, never employer files"
    else:
        return None
    return _diagnostic(path, "file-read", message, hint=hint)


def discover(paths: Sequence[Path]) -> tuple[list[str], list[Diagnostic]]:
    """Employer files under ``paths`` (any depth), sorted, plus diagnostics for folders
    without files (``no-files``) and for symbolic links that lead outside the repository
    or into a hidden folder (``file-read``; they are not read).

    Files are returned as strings, the way diagnostics show them.
    """
    found: list[str] = []
    problems: list[Diagnostic] = []
    roots: dict[str, str] = {}
    for path in paths:
        above = os.path.dirname(os.path.abspath(path))
        root = roots.get(above) or roots.setdefault(above, _repository(above))
        if path.is_dir():
            escape = _escapes(str(path), root)
            if escape is not None:
                problems.append(escape)
                continue
            here, links = _walk(path)
            if not here:
                problems.append(
                    _diagnostic(
                        str(path),
                        "no-files",
                        f"no employer files (*.yaml, *.yml) in {path}",
                        hint="add a file per employer, or point at the right directory",
                    )
                )
            for link in links:
                escape = _escapes(link, root)
                if escape is not None:
                    problems.append(escape)
                    here.remove(link)
            found.extend(here)
        else:
            escape = _escapes(str(path), root)
            if escape is None:
                found.append(str(path))
            else:
                problems.append(escape)
    unique = list(dict.fromkeys(found))
    return unique, problems


def _unreadable(path: str, diagnostics: list[Diagnostic]) -> CheckedFile:
    checked = CheckedFile(path, diagnostics)
    checked.data = None
    checked.employer = None
    return checked


def check_file(
    path: Path | str, catalog: Catalog, require_tier: bool, today: dt.date
) -> CheckedFile:
    """Load and check one file on its own."""
    shown = str(path)
    doc = load_file(shown)
    checked = _unreadable(shown, [])
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
        from mijnloket_gitops.files.schema_errors import describe  # only for broken files

        for mark, message, hint in describe(error, doc, EmployerFile):
            checked.diagnostics.append(
                _diagnostic(shown, "schema", message, mark.line, mark.column, hint)
            )
        return checked
    checked.data = doc.data  # these two fill the cached properties
    checked.employer = employer
    checked.employer_id = employer.employer_id
    checked.id_mark = doc.mark(("employer_id",))
    context = FileContext(shown, doc, employer, catalog, require_tier, today)
    for rule in FILE_RULES:
        checked.diagnostics.extend(rule(context))
    return checked


# What a worker process checks with; set once per worker by _start_worker.
_worker_settings: tuple[Catalog, bool, dt.date] | None = None

# A worker's answer for one file: diagnostics, employer_id, its mark, pickled data.
_Outcome = tuple[list[Diagnostic], str | None, Mark, bytes | None]


def _start_worker(catalog: Catalog, require_tier: bool, today: dt.date) -> None:
    global _worker_settings
    _worker_settings = (catalog, require_tier, today)
    # Checking a file leaves no reference cycles behind and a worker lives for one
    # run, so the cyclic garbage collector would only walk live objects again and
    # again (about 5% of a worker's time).
    gc.disable()


def _check_chunk(paths: list[str]) -> list[_Outcome]:
    assert _worker_settings is not None, "worker started without _start_worker"
    catalog, require_tier, today = _worker_settings
    outcomes: list[_Outcome] = []
    for path in paths:
        checked = check_file(path, catalog, require_tier, today)
        data = checked.data
        packed = None if data is None else pickle.dumps(data, pickle.HIGHEST_PROTOCOL)
        outcomes.append((checked.diagnostics, checked.employer_id, checked.id_mark, packed))
    return outcomes


def _cpu_count() -> int:
    """CPUs this process may run on (its affinity mask where the platform has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _pool_context() -> Any:
    # fork: workers start with the parent's modules and catalog already loaded, in
    # milliseconds. Where fork is unavailable the platform default (spawn) works too.
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


def _check_many(
    paths: list[str], catalog: Catalog, require_tier: bool, today: dt.date
) -> list[CheckedFile]:
    workers = min(_cpu_count(), MAX_WORKERS)
    if len(paths) < PARALLEL_THRESHOLD or workers < 2:
        return [check_file(p, catalog, require_tier, today) for p in paths]
    from concurrent.futures import ProcessPoolExecutor  # pulls in multiprocessing machinery

    size = max(1, min(CHUNK_FILES, len(paths) // (workers * 4)))
    chunks = [paths[i : i + size] for i in range(0, len(paths), size)]
    checked: list[CheckedFile] = []
    collecting = gc.isenabled()
    gc.disable()  # the results are acyclic; scanning them as they arrive only costs time
    try:
        with ProcessPoolExecutor(
            workers,
            mp_context=_pool_context(),
            initializer=_start_worker,
            initargs=(catalog, require_tier, today),
        ) as pool:
            for chunk, outcomes in zip(chunks, pool.map(_check_chunk, chunks), strict=True):
                checked.extend(
                    CheckedFile(name, *outcome)
                    for name, outcome in zip(chunk, outcomes, strict=True)
                )
    finally:
        if collecting:
            gc.enable()
    return checked


def _duplicate_employers(files: Iterable[CheckedFile]) -> Iterable[Diagnostic]:
    by_id: dict[str, list[CheckedFile]] = {}
    for checked in files:
        if checked.employer_id is not None:
            by_id.setdefault(checked.employer_id.lower(), []).append(checked)
    for same in by_id.values():
        if len(same) < 2:
            continue
        for checked in same:
            others = ", ".join(o.path for o in same if o is not checked)
            yield _diagnostic(
                checked.path,
                "duplicate-employer",
                f"employer_id {checked.employer_id} is also used by {others}",
                checked.id_mark.line,
                checked.id_mark.column,
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
