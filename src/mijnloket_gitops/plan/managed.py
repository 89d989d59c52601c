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


_BLOCK_ITEMS = r"((?:[ \t]*(?:#[^\n]*)?\n|[ \t]*-[ \t]+[^:\n]*(?:\n|\Z))*)"
"""The lines of a block list of plain names (no ``key:``), comments and blank lines."""
_PRODUCTS_BLOCK = re.compile(r"^products:[ \t]*(?:#[^\n]*)?\n" + _BLOCK_ITEMS, re.M)
_PRODUCTS_INLINE = re.compile(r"^products:[ \t]*\[([^\]\n]*)\]", re.M)
_RIGHTS_BLOCK = re.compile(r"^[ \t]*(?:-[ \t]+)?rights:[ \t]*(?:#[^\n]*)?\n" + _BLOCK_ITEMS, re.M)
_RIGHTS_INLINE = re.compile(r"^[ \t]*(?:-[ \t]+)?rights:[ \t]*\[([^\]\n]*)\]", re.M)
_ITEM = re.compile(r"^[ \t]*-[ \t]", re.M)


def _inline(found: list[str]) -> int:
    return sum(len([p for p in inner.split(",") if p.strip()]) for inner in found)


def _blocks(found: list[str]) -> int:
    return sum(len(_ITEM.findall(block)) for block in found)


def text_counts(text: str) -> tuple[int, int]:
    """(products, rights held) of an employer file, from its text.

    For the share guards' base outside a scoped plan's scope, where building models of
    every file would cost more than the plan itself. It reads the block and inline
    lists the format uses (as ``fmt`` writes them); a file written otherwise may be
    miscounted, which moves a share guard's base slightly, never what a plan does.
    """
    products = _inline(_PRODUCTS_INLINE.findall(text)) + _blocks(_PRODUCTS_BLOCK.findall(text))
    rights = _inline(_RIGHTS_INLINE.findall(text)) + _blocks(_RIGHTS_BLOCK.findall(text))
    return products, rights
