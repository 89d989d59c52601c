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


# Lines that _block counts for sure: "- item" with no ":" or "#" in the item (the form
# ``fmt`` writes), matched in one go; any other line is decided by _block's own loop.
_ITEMS = re.compile(r"(?:[ \t]*- [^\n:#]*[^\s:#][^\n:#]*\n)*")


def _inline(value: str) -> int:
    """Items of an inline list, ``[a, b]``."""
    inner = value[1 : value.find("]")] if "]" in value else value[1:]
    if "," not in inner:  # most lists: [] or one item
        return 1 if inner.strip() else 0
    return len([p for p in inner.split(",") if p.strip()])


def _block(text: str, start: int) -> int:
    """Items of the block list whose first line starts at ``start``."""
    plain = _ITEMS.match(text, start)
    count = 0
    if plain is not None and plain.end() > start:
        count = text.count("\n", start, plain.end())
        start = plain.end()
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


def _count(text: str, key: str, top_level: bool) -> int:
    """Items of the lists under every ``key`` (``products:``) that starts a line, or
    (not ``top_level``) follows only whitespace and at most one "-" on its line."""
    count = 0
    size = len(key)
    # str.find, not a regex: finding a literal is what CPython does fastest (a regex
    # scan over every file's text cost more than the counting)
    at = text.find(key)
    while at >= 0:
        before = text[text.rfind("\n", 0, at) + 1 : at]
        if not (top_level and before) and before.strip() in ("", "-"):
            end = text.find("\n", at + size)
            value = text[at + size : len(text) if end < 0 else end].split(" #", 1)[0].strip()
            if value.startswith("["):
                count += _inline(value)
            elif not value and end >= 0:
                count += _block(text, end + 1)
        at = text.find(key, at + size)
    return count


def text_counts(text: str) -> tuple[int, int]:
    """(products, rights held) of an employer file, from its text.

    For the share guards' base outside a scoped plan's scope, where building models of
    every file would cost more than the plan itself. It finds the top-level
    ``products:`` key and every ``rights:`` key that starts a line or a list item, and
    counts the block or inline list after each (as ``fmt`` writes them; about 6 µs a
    file, where a YAML parse costs twenty times that). A file written otherwise may be
    miscounted, which moves a share guard's base slightly, never what a plan does.
    """
    return _count(text, "products:", True), _count(text, "rights:", False)
