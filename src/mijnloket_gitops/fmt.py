"""``fmt``: find the employer files that are not in canonical form, and fix them.

Formatting is a value: :func:`iter_formats` reads each file and yields what its
canonical form is, or why there is none (the file does not read cleanly: the
diagnostics ``validate`` gives for it), using ``validate``'s worker pool for many
files. Nothing is written unless asked for (``action="write"``).
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.files.canonical import FormatError, format_text
from mijnloket_gitops.files.loader import load_text
from mijnloket_gitops.files.positions import LoadProblem
from mijnloket_gitops.files.reading import decode, read_file
from mijnloket_gitops.files.writing import Writer
from mijnloket_gitops.fmt_diff import git_diff
from mijnloket_gitops.validate.diagnostics import Diagnostic
from mijnloket_gitops.validate.runner import (
    CHUNK_FILES,
    MAX_WORKERS,
    PARALLEL_THRESHOLD,
    check_file,
    cpu_count,
    pool_context,
)
from mijnloket_gitops.validate.today import loket_today


@dataclass(frozen=True)
class FileFormat:
    """One file: its bytes and canonical text, or the reasons it cannot be formatted."""

    path: str
    """The file as diagnostics show it."""
    original: bytes = b""
    text: str | None = None
    diagnostics: tuple[Diagnostic, ...] = ()
    error: str | None = None
    """Set when formatting would have changed the data (a bug): the file is left alone."""
    outcome: str | None = None
    """What a worker already did with a changed file (see :func:`iter_formats`): the
    diff (``check``), or ``"written"`` / why it could not be written (``write``:
    ``cannot write: ...``). The texts are then left out: they need not travel back to
    the parent process."""

    @property
    def changed(self) -> bool:
        """The canonical form differs from the file's bytes (so it would be rewritten)."""
        if self.outcome is not None:
            return True
        return self.text is not None and self.text.encode("utf-8") != self.original

    def done(self, action: str, written: str | None = None) -> FileFormat:
        """This file after ``action``, slimmed to what the caller reports: "check" diffs
        it; "write" records ``written``, how writing it went (None: written; else why
        not), which the caller passes for a changed file."""
        if action not in ("check", "write") or self.text is None:
            return self
        if not self.changed:  # (built directly: dataclasses.replace is slow per file)
            return FileFormat(self.path, b"", "", self.diagnostics, self.error)
        outcome = self.diff() if action == "check" else written or "written"
        return FileFormat(self.path, b"", "", self.diagnostics, self.error, outcome)

    def diff(self) -> str:
        """A unified diff from the file to its canonical form (``git apply`` reads it)."""
        if not self.changed or self.text is None:
            return ""
        name = self.path if os.sep == "/" else Path(self.path).as_posix()  # (pathlib is slow)
        return git_diff(self.original.decode("utf-8"), self.text, name)


def iter_formats(
    files: Sequence[str], catalog: Catalog, *, require_tier: bool = True, action: str = ""
) -> Iterator[FileFormat]:
    """Each file's :class:`FileFormat`, in order, as soon as it is ready: from a pool of
    worker processes when there are many files (as ``validate`` does), so that a caller
    can print or write each file and let it go rather than hold every file at once.

    With ``action`` "check" or "write" the diffing or writing is done where the file
    was formatted (in the workers too) and ``outcome`` says how it went."""
    workers = min(cpu_count(), MAX_WORKERS)
    if len(files) < PARALLEL_THRESHOLD or workers < 2:
        for start in range(0, len(files), CHUNK_FILES):
            chunk = files[start : start + CHUNK_FILES]
            yield from format_chunk(chunk, catalog, require_tier=require_tier, action=action)
        return
    from concurrent.futures import ProcessPoolExecutor  # pulls in multiprocessing machinery

    size = max(1, min(CHUNK_FILES, len(files) // (workers * 4)))
    chunks = [list(files[i : i + size]) for i in range(0, len(files), size)]
    with ProcessPoolExecutor(
        workers,
        mp_context=pool_context(),
        initializer=_start_formatter,
        initargs=(catalog, require_tier, action),
    ) as pool:
        for formatted in pool.map(_format_chunk, chunks):
            yield from formatted


def format_chunk(
    files: Sequence[str], catalog: Catalog, *, require_tier: bool = True, action: str = ""
) -> list[FileFormat]:
    """Each file's :class:`FileFormat` after ``action`` (see :func:`iter_formats`).

    With "write", each changed file's new content is written beside it as soon as it
    is formatted; at the end of the chunk the :class:`Writer` syncs them all at once
    and renames each over its file (:mod:`.files.writing`)."""
    if action != "write":
        return [format_file(p, catalog, require_tier=require_tier).done(action) for p in files]
    formats = []
    with Writer() as writer:
        for path in files:
            formatted = format_file(path, catalog, require_tier=require_tier)
            if formatted.changed and formatted.text is not None:
                writer.submit(formatted.path, formatted.text)
            formats.append(formatted)
        written = writer.results()
    return [f.done(action, written.get(f.path)) for f in formats]


_formatter_settings: tuple[Catalog, bool, str] | None = None
"""What a worker process formats with; set once per worker by _start_formatter."""


def _start_formatter(catalog: Catalog, require_tier: bool, action: str) -> None:
    global _formatter_settings
    _formatter_settings = (catalog, require_tier, action)
    # As in validate's workers: formatting a file leaves no reference cycles and a
    # worker lives for one run, so the cyclic collector would only re-walk live objects.
    gc.disable()


def _format_chunk(paths: list[str]) -> list[FileFormat]:
    assert _formatter_settings is not None, "worker started without _start_formatter"
    catalog, require_tier, action = _formatter_settings
    return format_chunk(paths, catalog, require_tier=require_tier, action=action)


def format_file(path: Path | str, catalog: Catalog, *, require_tier: bool = True) -> FileFormat:
    """The canonical form of one file, or validate's diagnostics if it does not read."""
    raw, problem = read_file(str(path))
    if raw is None:  # not a regular file, too large, or unreadable: validate says which
        return _unreadable(path, b"", None, catalog, require_tier)
    text, problem = decode(raw)
    if text is None:
        return _unreadable(path, raw, [problem] if problem else [], catalog, require_tier)
    doc = load_text(text, spans=True)  # the scalars' spans locate the comments
    if doc.problems or not doc.readable:
        return _unreadable(path, raw, doc.problems, catalog, require_tier)
    try:
        return FileFormat(str(path), raw, format_text(text, doc, catalog))
    except FormatError as error:
        return FileFormat(str(path), raw, error=str(error))


def _unreadable(
    path: Path | str,
    raw: bytes,
    problems: list[LoadProblem] | None,
    catalog: Catalog,
    require_tier: bool,
) -> FileFormat:
    # validate's own check gives the diagnostics exactly as validate reports them; only
    # those about reading the file are fmt's business (None: the file cannot be read).
    checked = check_file(path, catalog, require_tier, loket_today())
    keys = {(p.rule, p.mark.line, p.mark.column, p.message) for p in problems or ()}
    found = tuple(
        d
        for d in checked.diagnostics
        if problems is None or (d.rule, d.line, d.column, d.message) in keys
    )
    return FileFormat(str(path), raw, diagnostics=found)
