"""Writing data as an employer file's lines, block style, with its comments.

Two-space indentation, lists indented under their key, a list item's first key on the
dash's line; each comment is written where :mod:`.comments` attached it (by path in
the data as read, before anything was reordered). At most one blank line in a row,
none at either end, no trailing whitespace, one final newline.
"""

from __future__ import annotations

import re
from typing import Any

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.files.comments import Comments
from mijnloket_gitops.files.order import Shape, item_order, key_order, sort_keys
from mijnloket_gitops.files.positions import PathKey
from mijnloket_gitops.files.scalars import plain_ok, write_quoted, write_scalar

_QUOTED_KEYS: dict[Shape, frozenset[str]] = {("addendum",): frozenset({"ticket"})}
"""Keys whose string value is always double-quoted, by the mapping they are in: the
schema asks for a quoted ``addendum.ticket``."""
_LINE_BREAKS = re.compile(r"[\r\n\x85\u2028\u2029]")
_IMPLICIT_KEY_LIMIT = 1024
_EXPLICIT = "\x00?"
"""A path part no comment is attached to (no key holds NUL): the ``: value`` line of an
explicit ``? key``, whose comments went with the ``?`` line."""


class Emitter:
    """Writes data as lines, block style, looking up comments by original path.

    Each line is final when it is written: at most one blank line in a row, none at
    the start or right after a line that opens a block collection (``users:``)."""

    def __init__(self, catalog: Catalog, comments: Comments) -> None:
        self.keys = sort_keys(catalog)
        self.comments = comments
        self.before, self.eol, self.after = comments.before, comments.eol, comments.after
        self.columns = comments.columns
        self.lines: list[str] = []
        self.no_blank = True
        """Whether a blank line here would be dropped (see the class docstring)."""
        self.orders: dict[int, list[Any]] = {}
        """The order each collection was written in (by id): keys, or list indexes."""
        self.dashes: list[tuple[int, PathKey]] = []
        """Block list items whose first line is still to come: ``- `` and the item's
        end-of-line comment go on that line, at the outermost item's indentation."""

    def document(self, data: Any) -> str:
        self._comments(self.comments.header, 0)
        if _is_block(data):
            self._block(data, (), (), 0)
        else:
            text = write_quoted(data) if isinstance(data, str) else write_scalar(data)
            self._content(0, text, (), False)
        self._comments(self.comments.footer, 0)
        lines = self.lines
        while lines and not lines[-1]:
            lines.pop()
        return "\n".join(lines) + "\n"

    def _block(self, value: Any, path: PathKey, shape: Shape, indent: int) -> None:
        before = self.before
        if isinstance(value, dict):
            quoted = _QUOTED_KEYS.get(shape, ())
            keys = self.orders[id(value)] = key_order(value, shape)
            for key in keys:
                where = (*path, key)
                if where in before:
                    self._comments(before[where], indent)
                child = value[key]
                head = f"{key}:" if type(key) is str and plain_ok(key) else f"{write_scalar(key)}:"
                line_path = where
                if len(head) > _IMPLICIT_KEY_LIMIT:
                    # YAML caps an implicit key at 1024 characters: ``? key`` / ``: value``
                    self._content(indent, f"? {head[:-1]}", where, True)
                    head, line_path = ":", (*where, _EXPLICIT)
                if isinstance(child, _COLLECTIONS) and child:
                    self._content(indent, head, line_path, True)
                    self._block(child, where, (*shape, str(key)), indent + 2)
                elif isinstance(child, str) and not (key in quoted or not plain_ok(child)):
                    self._content(indent, f"{head} {child}", line_path, False)
                elif isinstance(child, str):
                    self._content(indent, f"{head} {write_quoted(child)}", line_path, False)
                else:
                    self._content(indent, f"{head} {write_scalar(child)}", line_path, False)
        else:
            inner = (*shape, "*")
            indexes = self.orders[id(value)] = item_order(value, shape, self.keys)
            for index in indexes:
                where = (*path, index)
                if where in before:
                    self._comments(before[where], indent)
                child = value[index]
                if isinstance(child, _COLLECTIONS) and child:
                    # the item starts on its block's first line: ``- key: value``
                    self.dashes.append((indent, where))
                    self._block(child, where, inner, indent + 2)
                else:
                    self._content(indent, f"- {write_scalar(child)}", where, False)
        if path in self.after:
            self._comments(self.after[path], indent)

    def _content(self, indent: int, text: str, path: PathKey, opens: bool) -> None:
        eol = self.eol
        comments: list[PathKey] | None = [path] if path in eol else None
        own = indent
        dashes = self.dashes
        if dashes:  # the first line of one or more block list items
            indent = dashes[0][0]
            text = "- " * len(dashes) + text
            for _, item in reversed(dashes):
                if item in eol:
                    comments = comments or []
                    comments.append(item)
            dashes.clear()
        line = " " * indent + text
        if comments is not None:
            # Keep the comment's column (aligned comments stay aligned) if it leaves two
            # spaces; column 0 (not known) never does.
            gap = max(self.columns.get(comments[0], 0) - 1 - len(line), 2)
            line = line + " " * gap + " ".join(_comment(eol[p]) for p in comments)
        self.lines.append(line.rstrip())
        self.no_blank = opens
        if not opens and path in self.after:
            # comments closing an empty list (only render_new has them)
            self._comments(self.after[path], own)

    def _comments(self, texts: list[str], indent: int) -> None:
        if self.dashes:  # above a list item's first line: above its dash
            indent = self.dashes[0][0]
        for text in texts:
            if text:
                self.lines.append(" " * indent + _comment(text))
                self.no_blank = False
            elif not self.no_blank:
                self.lines.append("")
                self.no_blank = True


def _is_block(value: Any) -> bool:
    return isinstance(value, _COLLECTIONS) and bool(value)


_COLLECTIONS = (dict, list)


def _comment(text: str) -> str:
    text = _LINE_BREAKS.sub(" ", text).rstrip()
    return text if text.startswith("#") else f"# {text}".rstrip()
