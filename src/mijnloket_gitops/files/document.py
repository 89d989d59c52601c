"""What the strict reader makes of a file: its data and where everything is in it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mijnloket_gitops.files.positions import LoadProblem, Mark, PathKey

ScalarSpan = tuple[int, int, str | None]
"""A scalar node's character span, ``(start, end, style)``: ``end`` exclusive, from its
tag or anchor if it has one; style ``"|"`` / ``">"`` for a block scalar. A plain tuple,
not a NamedTuple: the reader makes one per scalar."""


OutlineNode = tuple[int, int, int, PathKey, int, bool]
"""A mapping key or a list item, as a comment is attached to it: ``(line, column, depth,
path, indent, is_key)``: where it starts (a key's key, an item's value), how deep it is,
the column its collection aligns at (a key's own, an item's list's: where its dash is)
and whether it is a key. A plain tuple, not a NamedTuple: the reader makes one per node."""


@dataclass
class Document:
    """A file's data plus the position of every value and every mapping key in it."""

    data: Any = None
    value_marks: dict[PathKey, Mark] = field(default_factory=dict)
    key_marks: dict[PathKey, Mark] = field(default_factory=dict)
    problems: list[LoadProblem] = field(default_factory=list)
    scalar_sources: dict[PathKey, str] = field(default_factory=dict)
    """The source text of every value that is not a string (``00482`` for 482), so a
    hint can quote what the file says rather than what YAML made of it."""
    readable: bool = True
    """False when the file could not be read into data at all (``data`` is meaningless)."""
    scalar_spans: list[ScalarSpan] | None = None
    """Where every scalar (key or value) stands in the text, sorted: only when asked
    for (``load_text(text, spans=True)``); what lies between them is whitespace,
    indicators and comments, which is how ``fmt`` finds comments without reading
    the text a second time."""
    outline: list[OutlineNode] | None = None
    """Every key and list item, sorted by position (then depth): recorded with
    :attr:`scalar_spans` when the file reads without problems, to attach comments to."""

    def mark(self, path: PathKey, *, key: bool = False) -> Mark:
        """The position of ``path`` (its key if ``key``), or of its nearest ancestor."""
        if key and path in self.key_marks:
            return self.key_marks[path]
        while path:
            if path in self.value_marks:
                return self.value_marks[path]
            if path in self.key_marks:
                return self.key_marks[path]
            path = path[:-1]
        return self.value_marks.get((), Mark(1, 1))
