"""The managed portfolio as planning needs it: every managed employer id, and what the
files outside the plan's scope count.

A full plan validates and models every file. A scoped plan (``--target``,
``--changed-since``) models only the files in scope; for the rest it reads each
file's text once for its ``employer_id`` (so cross-file checks and the unmanaged list
still see every employer) and counts its products and rights for the share guards
(:func:`text_counts`), without building a model.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.plan.safety import Portfolio


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


_KEY = re.compile(r"^(\s*)(?:-\s+)?([A-Za-z_]+):\s*(.*?)\s*$")
_ITEM = re.compile(r"^(\s*)-\s+\S")


def _inline_count(value: str) -> int | None:
    """Items of an inline list (``[a, b]``), or None when ``value`` is no inline list."""
    value = value.split(" #", 1)[0].strip()
    if not (value.startswith("[") and value.endswith("]")):
        return None
    inner = value[1:-1].strip()
    return len([p for p in inner.split(",") if p.strip()]) if inner else 0


def text_counts(text: str) -> tuple[int, int]:
    """(products, rights held) of an employer file, from its text.

    For the share guards' base outside a scoped plan's scope, where building models of
    every file would cost more than the plan itself. It reads the block and inline
    lists the format uses (as ``fmt`` writes them); a file written otherwise may be
    miscounted, which moves a share guard's base slightly, never what a plan does.
    """
    products = rights = 0
    block: str | None = None
    block_indent = 0
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].rstrip() if not raw.lstrip().startswith("#") else ""
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        item = _ITEM.match(line)
        if block is not None and item and indent >= block_indent and not _KEY.match(line):
            if block == "products":
                products += 1
            else:
                rights += 1
            continue
        key = _KEY.match(line)
        if key is None:
            continue
        block = None
        name, value = key.group(2), key.group(3)
        if name not in ("products", "rights") or (name == "products" and indent):
            continue
        inline = _inline_count(value)
        if inline is not None:
            if name == "products":
                products += inline
            else:
                rights += inline
        elif not value:
            block, block_indent = name, indent
    return products, rights
