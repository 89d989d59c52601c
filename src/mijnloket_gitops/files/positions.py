"""Positions inside a file (1-based line and column), paths to values, and the
problems found at a position while reading a file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

PathKey = tuple[str | int, ...]
"""The path of a value inside a document, e.g. ``("users", 0, "rights", 1)``."""


class Mark(NamedTuple):
    """A 1-based line and column."""

    line: int
    column: int


START = Mark(1, 1)


@dataclass(frozen=True)
class LoadProblem:
    """Why a file could not be read into data; ``rule`` is a diagnostic rule name."""

    rule: str
    message: str
    mark: Mark
    hint: str | None = None


def text_mark(text: str, offset: int) -> Mark:
    """Line and column of character ``offset``, breaking lines where libyaml does."""
    before = text[:offset]
    breaks = before.count("\n") + before.count("\r") - before.count("\r\n")
    line_start = max(before.rfind("\n"), before.rfind("\r")) + 1
    return Mark(breaks + 1, offset - line_start + 1)
