"""The managed portfolio as planning needs it: every managed employer id, and what the
files outside the plan's scope count.

A full plan validates and models every file. A scoped plan (``--target``,
``--changed-since``) models only the files in scope; for the rest it reads each
file's text once for its ``employer_id`` (so cross-file checks and the unmanaged list
still see every employer) and counts its products and rights for the share guards
(:func:`text_counts`), without building a model.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.plan.ownership import ids_in_text
from mijnloket_gitops.plan.safety import Portfolio
from mijnloket_gitops.validate.runner import (
    MAX_WORKERS,
    PARALLEL_THRESHOLD,
    cpu_count,
    pool_context,
)


@dataclass(frozen=True)
class Managed:
    """Every managed employer (lower-case ids) and the counts of those outside scope."""

    ids: frozenset[str]
    outside: Portfolio = field(default_factory=lambda: Portfolio(0, 0, 0))


def managed_from_models(everything: Iterable[EmployerFile], in_scope: set[str]) -> Managed:
    """``Managed`` from modelled files; ``in_scope`` holds lower-case ids."""
    ids: set[str] = set()
    employers = activations = grants = 0
    for employer in everything:
        key = employer.employer_id.lower()
        ids.add(key)
        if key in in_scope:
            continue
        employers += 1
        activations += len(employer.products)
        grants += sum(len(u.rights) for u in employer.users)
    return Managed(frozenset(ids), Portfolio(employers, activations, grants))


_KEYS = re.compile(r"(products|rights):")


def _inline(value: str) -> int:
    """Items of an inline list, ``[a, b]``."""
    inner = value[1 : value.find("]")] if "]" in value else value[1:]
    return len([p for p in inner.split(",") if p.strip()])


def _block(text: str, start: int) -> int:
    """Items of the block list whose first line starts at ``start``."""
    count = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        item = text[start:end].strip()
        start = end + 1
        if not item or item[0] == "#":
            continue
        if item[:2] != "- " or ":" in item.split(" #", 1)[0]:
            break  # the next key, or the next user (an item with keys)
        count += 1
    return count


def text_counts(text: str) -> tuple[int, int]:
    """(products, rights held) of an employer file, from its text.

    For the share guards' base outside a scoped plan's scope, where building models of
    every file would cost more than the plan itself. It finds the ``products:`` and
    ``rights:`` keys with one scan and counts the block or inline list after each (as
    ``fmt`` writes them; about 30 µs a file, where a YAML parse costs several times
    that). A file written otherwise may be miscounted, which moves a share guard's base
    slightly, never what a plan does.
    """
    counts = {"products": 0, "rights": 0}
    for found in _KEYS.finditer(text):
        key = found.group(1)
        line_start = text.rfind("\n", 0, found.start()) + 1
        before = text[line_start : found.start()]
        if key == "products" and before:
            continue  # products is a top-level key
        if before.strip() not in ("", "-"):
            continue  # part of a value or a comment
        end = text.find("\n", found.end())
        value = text[found.end() : len(text) if end < 0 else end].split(" #", 1)[0].strip()
        if value.startswith("["):
            counts[key] += _inline(value)
        elif not value and end >= 0:
            counts[key] += _block(text, end + 1)
    return counts["products"], counts["rights"]


Scanned = tuple[set[str], tuple[int, int]]
"""What a file's text says without a model: its employer ids (lower case; a broken
file may name none or several) and its (products, rights held) counts."""

_SCAN_CHUNK = 1000  # files per task: the answers are tiny, so fewer round trips win


def _read_text(path: str) -> str:
    # os-level reads: at 50,000 files the buffered text layers cost more than the reading
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return ""
    try:
        chunks = []
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
    except OSError:
        return ""
    finally:
        os.close(fd)
    return b"".join(chunks).decode("utf-8", errors="replace")


def _scan(path: str) -> Scanned:
    text = _read_text(path)
    return ids_in_text(text), text_counts(text)


def _scan_chunk(paths: Sequence[str]) -> list[Scanned]:
    return [_scan(p) for p in paths]


def scan_texts(paths: Sequence[str]) -> dict[str, Scanned]:
    """Each file's ids and counts, read once. Many files are scanned by a pool of
    worker processes, like validation: at 50,000 files reading and counting is
    about a second of CPU, most of a ``plan --target``'s time, and only a few
    bytes per file come back."""
    workers = min(cpu_count(), MAX_WORKERS)
    if len(paths) < PARALLEL_THRESHOLD or workers < 2:
        return {p: _scan(p) for p in paths}
    from concurrent.futures import ProcessPoolExecutor  # pulls in multiprocessing machinery

    size = max(1, min(_SCAN_CHUNK, len(paths) // (workers * 4)))
    chunks = [paths[i : i + size] for i in range(0, len(paths), size)]
    found: dict[str, Scanned] = {}
    with ProcessPoolExecutor(workers, mp_context=pool_context()) as pool:
        for chunk, answers in zip(chunks, pool.map(_scan_chunk, chunks), strict=True):
            found.update(zip(chunk, answers, strict=True))
    return found
