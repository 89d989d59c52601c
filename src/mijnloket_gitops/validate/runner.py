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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, cast

from pydantic import ValidationError

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.files.loader import load_file
from mijnloket_gitops.files.model import EmployerFile, login_key
from mijnloket_gitops.files.positions import START, Mark
from mijnloket_gitops.governance.employer_policies import employer_diagnostics, policy_rules
from mijnloket_gitops.governance.policies import PolicyConfig
from mijnloket_gitops.validate.diagnostics import Diagnostic, Rule, diagnostic
from mijnloket_gitops.validate.discovery import discover
from mijnloket_gitops.validate.rules import FILE_RULES, RULE_READS, FileContext
from mijnloket_gitops.validate.today import loket_today
from mijnloket_gitops.words import article

PARALLEL_THRESHOLD = 300  # below this, starting worker processes costs more than it saves
MAX_WORKERS = 8
CHUNK_FILES = 250  # files per task: big enough to amortise a round trip, small to balance

WorkerTask = Callable[[Sequence["CheckedFile"]], Sequence[Any]]
"""More work on a chunk of checked files, done in the worker process that checked them
(where their models exist already) and sent back with them: one picklable answer per
file, kept in ``CheckedFile.extra`` (``plan`` plans there, :mod:`plan.workers`). It
runs only in worker processes; without a pool every ``extra`` is None, and the
caller does that work itself."""


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
    extra: Any = field(default=None, repr=False, compare=False)
    """The answer of a :data:`WorkerTask` for this file, if one ran."""
    logins: tuple[tuple[str, str, str, int, int], ...] = field(
        default=(), repr=False, compare=False
    )
    """(login key, login, type, line, column of the type) of each user (``Logins``):
    what the cross-file rule user-type-conflict compares, without building the model."""

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
    rules: tuple[Rule, ...] = ()
    """Rules besides the built-in ones whose diagnostics may appear (issue 23: the
    employer policies)."""

    @property
    def errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity == "warning")

    @property
    def employers(self) -> list[tuple[str, EmployerFile]]:
        return [(f.path, e) for f in self.files if (e := f.employer) is not None]


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
            diagnostic(
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
        from mijnloket_gitops.files.schema_errors import describe, salvage  # broken files only

        for mark, message, hint in describe(error, doc, EmployerFile):
            checked.diagnostics.append(
                diagnostic(shown, "schema", message, mark.line, mark.column, hint)
            )
        # Rules that read none of the damaged fields still run: one run, every problem.
        # The file stays invalid (no data, no employer): plan never uses a salvaged file.
        salvaged = salvage(error, doc.data, EmployerFile)
        if salvaged is not None:
            partial, damaged = salvaged
            assert isinstance(partial, EmployerFile)
            context = FileContext(shown, doc, partial, catalog, require_tier, today)
            for rule in FILE_RULES:
                if not RULE_READS[rule] & damaged:
                    checked.diagnostics.extend(rule(context))
        checked.diagnostics = _once(checked.diagnostics)
        return checked
    checked.data = doc.data  # these two fill the cached properties
    checked.employer = employer
    checked.employer_id = employer.employer_id
    checked.id_mark = doc.mark(("employer_id",))
    marks = [doc.mark(("users", i, "type")) for i in range(len(employer.users))]
    checked.logins = tuple(
        (login_key(u.login), u.login, u.type, m.line, m.column)
        for u, m in zip(employer.users, marks, strict=True)
    )
    context = FileContext(shown, doc, employer, catalog, require_tier, today)
    for rule in FILE_RULES:
        checked.diagnostics.extend(rule(context))
    checked.diagnostics = _once(checked.diagnostics)
    return checked


def _check_files(
    paths: Sequence[str],
    catalog: Catalog,
    require_tier: bool,
    today: dt.date,
    policies: Sequence[PolicyConfig],
) -> list[CheckedFile]:
    """:func:`check_file` of each path, then the employer policies on the valid ones
    (issue 23): all CEL evaluations in a row cost a third of what they cost between
    the files' other checks (the CEL runtime's caches stay warm)."""
    checked = [check_file(path, catalog, require_tier, today) for path in paths]
    if policies:
        for one in checked:
            if one.data is not None:
                found = employer_diagnostics(policies, one.path, one.data, one.id_mark)
                one.diagnostics.extend(found)
    return checked


def _once(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Each problem once: a list or mapping used through an alias (``*r``) is one node
    at one place, and its problem is one problem however many users share it. Schema
    messages start with the value's label (``users[3].type: ...``), which differs per
    alias, so they are compared without it."""
    seen: set[tuple[str, int, int, str, str]] = set()
    kept: list[Diagnostic] = []
    for d in diagnostics:
        said = d.message.split(": ", 1)[-1] if d.rule == "schema" else d.message
        where = (d.path, d.line, d.column, d.rule, said)
        if where not in seen:
            seen.add(where)
            kept.append(d)
    return kept


# What a worker process checks with; set once per worker by _start_worker.
_worker_settings: (
    tuple[Catalog, bool, dt.date, WorkerTask | None, Sequence[PolicyConfig]] | None
) = None

# A worker's answer for one file: diagnostics, employer_id, its mark, pickled data, the
# answer of the WorkerTask and the users' logins and types.
_Outcome = tuple[
    list[Diagnostic],
    str | None,
    Mark,
    bytes | None,
    Any,
    tuple[tuple[str, str, str, int, int], ...],
]


def _start_worker(
    catalog: Catalog,
    require_tier: bool,
    today: dt.date,
    task: WorkerTask | None = None,
    policies: Sequence[PolicyConfig] = (),
) -> None:
    global _worker_settings
    _worker_settings = (catalog, require_tier, today, task, policies)
    # Checking a file leaves no reference cycles behind and a worker lives for one
    # run, so the cyclic garbage collector would only walk live objects again and
    # again (about 5% of a worker's time).
    gc.disable()


def _check_chunk(paths: list[str]) -> list[_Outcome]:
    assert _worker_settings is not None, "worker started without _start_worker"
    catalog, require_tier, today, task, policies = _worker_settings
    checked = _check_files(paths, catalog, require_tier, today, policies)
    extras = task(checked) if task is not None else [None] * len(checked)
    outcomes: list[_Outcome] = []
    for one, extra in zip(checked, extras, strict=True):
        data = one.data
        packed = None if data is None else pickle.dumps(data, pickle.HIGHEST_PROTOCOL)
        outcomes.append((one.diagnostics, one.employer_id, one.id_mark, packed, extra, one.logins))
    return outcomes


def cpu_count() -> int:
    """CPUs this process may run on (its affinity mask where the platform has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def pool_context() -> Any:
    # fork: workers start with the parent's modules and catalog already loaded, in
    # milliseconds. Where fork is unavailable the platform default (spawn) works too.
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


def _check_many(
    paths: list[str],
    catalog: Catalog,
    require_tier: bool,
    today: dt.date,
    task: WorkerTask | None = None,
    policies: Sequence[PolicyConfig] = (),
) -> list[CheckedFile]:
    workers = min(cpu_count(), MAX_WORKERS)
    if len(paths) < PARALLEL_THRESHOLD or workers < 2:
        return _check_files(paths, catalog, require_tier, today, policies)
    from concurrent.futures import ProcessPoolExecutor  # pulls in multiprocessing machinery

    size = max(1, min(CHUNK_FILES, len(paths) // (workers * 4)))
    chunks = [paths[i : i + size] for i in range(0, len(paths), size)]
    checked: list[CheckedFile] = []
    collecting = gc.isenabled()
    gc.disable()  # the results are acyclic; scanning them as they arrive only costs time
    try:
        with ProcessPoolExecutor(
            workers,
            mp_context=pool_context(),
            initializer=_start_worker,
            initargs=(catalog, require_tier, today, task, policies),
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
            yield diagnostic(
                checked.path,
                "duplicate-employer",
                f"employer_id {checked.employer_id} is also used by {others}",
                checked.id_mark.line,
                checked.id_mark.column,
                "each employer has exactly one file",
            )


def _login_types(files: Iterable[CheckedFile]) -> Iterable[Diagnostic]:
    """user-type-conflict: a login is one Loket user with one type, so a login that is
    an ak-gebruiker in one file and a werkgevergebruiker in another is wrong in one of
    them (``sandbox seed`` and Loket itself refuse it); reported on every file."""
    seen: dict[str, list[tuple[str, str, str, int, int]]] = {}
    for checked in files:
        for key, login, kind, line, column in checked.logins:
            seen.setdefault(key, []).append((checked.path, login, kind, line, column))
    for uses in seen.values():
        kinds = {kind for _, _, kind, _, _ in uses}
        if len(kinds) < 2:
            continue
        for path, login, kind, line, column in uses:
            others = sorted({p for p, _, k, _, _ in uses if k != kind and p != path})
            if not others:  # within one file: duplicate-user says so
                continue
            other_kind = next(k for k in sorted(kinds) if k != kind)
            yield diagnostic(
                path,
                "user-type-conflict",
                f"user {login!r} is {article(kind)} here but {article(other_kind)} in "
                + ", ".join(others),
                line,
                column,
                "a login is one Loket user with one type; correct the type in one of the files",
            )


def validate_paths(
    paths: Sequence[Path],
    catalog: Catalog,
    *,
    require_tier: bool = True,
    today: dt.date | None = None,
    report_only: set[Path] | None = None,
    task: WorkerTask | None = None,
    policies: Sequence[PolicyConfig] = (),
) -> ValidationResult:
    """Validate every employer file under ``paths``.

    ``report_only`` limits which files' diagnostics are reported (``--changed-since``);
    every file is still read, so cross-file rules see the whole repository. ``task``
    is more work done in the worker processes, if there are any (:data:`WorkerTask`).
    ``policies`` are the configuration's house rules; its employer policies run on
    every valid file (issue 23).
    """
    files, diagnostics = discover(paths)
    checked = _check_many(files, catalog, require_tier, today or loket_today(), task, policies)
    for item in checked:
        diagnostics.extend(item.diagnostics)
    diagnostics.extend(_duplicate_employers(checked))
    diagnostics.extend(_login_types(checked))
    if report_only is not None:
        wanted = {p.resolve() for p in report_only}
        diagnostics = [d for d in diagnostics if Path(d.path).resolve() in wanted]
    diagnostics.sort()
    return ValidationResult(checked, diagnostics, policy_rules(policies))
