"""Positions inside a file: 1-based line and column, and paths to values."""

from __future__ import annotations

from typing import NamedTuple

PathKey = tuple[str | int, ...]
"""The path of a value inside a document, e.g. ``("users", 0, "rights", 1)``."""


class Mark(NamedTuple):
    """A 1-based line and column."""

    line: int
    column: int
