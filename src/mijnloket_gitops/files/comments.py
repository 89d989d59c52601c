"""The comments of a YAML file, each attached to the key or list item it is about.

ruamel.yaml attaches the comment lines that follow a value to that value, so moving a
key (as ``fmt`` does) would move the comment about the *next* key with it. Here a
comment is found by position instead: the strict reader gives the span of every
scalar, and what lies between scalars is whitespace, indicators and comments (found
from the same read of the file, no second pass over its tokens: :mod:`.comment_scan`).
Each comment is then
attached to a node of the strict reader's :class:`Document` (by its path):

- an end-of-line comment belongs to the outermost key starting on its line, else to
  the outermost list item (on a continuation line, to the last one before it);
- a full-line comment, and the blank line before it, belongs to the next key or list
  item, unless it is indented deeper than that node: then it closes the innermost
  block collection it is indented into and stays after that collection's last item;
  a comment between a lone ``-`` and its item's first line belongs to that item;
- comments before the first node are the file's header, after the last its footer.
"""

from __future__ import annotations

import bisect
import itertools
import operator
import re
from dataclasses import dataclass, field
from typing import Any, Final

from mijnloket_gitops.files.comment_scan import PAST, Event, find_events
from mijnloket_gitops.files.document import Document, OutlineNode
from mijnloket_gitops.files.loader import scalar_spans
from mijnloket_gitops.files.positions import PathKey


@dataclass
class Comments:
    """Comment lines by where they go; a line is ``# text``, or ``""`` for a blank line.

    ``before`` holds the lines above a key or list item, ``eol`` the comment at the end
    of its (first) line, with ``columns`` the 1-based column it should start at if it
    fits; ``after`` the lines after the last item of a mapping or list. Paths are
    those of the data as given, before ``fmt`` reorders anything.
    """

    header: list[str] = field(default_factory=list)
    before: dict[PathKey, list[str]] = field(default_factory=dict)
    eol: dict[PathKey, str] = field(default_factory=dict)
    columns: dict[PathKey, int] = field(default_factory=dict)
    after: dict[PathKey, list[str]] = field(default_factory=dict)
    footer: list[str] = field(default_factory=list)


_Node = OutlineNode  # a key or list item: where it starts, how deep, where it aligns
# its fields
_LINE: Final = 0
_COLUMN: Final = 1
_DEPTH: Final = 2
_PATH: Final = 3
_INDENT: Final = 4
_IS_KEY: Final = 5


def extract_comments(text: str, doc: Document) -> Comments:
    """The comments of ``text``, which the strict reader read into ``doc`` (read with
    ``spans=True``; otherwise ``text`` is composed again here to find its scalars)."""
    spans = doc.scalar_spans
    if spans is None:  # (``edit`` and ``onboard`` read files without them)
        spans = scalar_spans(text)
    events = find_events(text, spans)
    if not events:
        return Comments()  # nothing to place: no need to know where the nodes are
    # By position only: nodes under an alias share their anchor's position.
    nodes = doc.outline if doc.outline is not None else _nodes(doc)
    # Nodes are found by bisecting them with a (line, column) probe: a node at that very
    # position sorts after it, and before (line, column, PAST).
    comments = Comments()
    dashes = _LoneDashes(text)
    blank: tuple[int, int, int] | None = None  # a blank line goes with what follows
    for event in events:
        if blank is not None:
            following = bisect.bisect_right(nodes, blank)
            if following < len(nodes) and nodes[following] < (event.line, event.column):
                node = nodes[following]
                first = following == 0
                lines = comments.header if first else comments.before.setdefault(node[_PATH], [])
                lines.append("")
                blank = None
        kind = event.kind
        if kind == "blank":
            blank = (event.line, event.column, PAST)
        elif kind == "full":
            lines = _full_line_target(comments, event, nodes, doc, dashes)
            lines.extend(["", event.text] if blank is not None else [event.text])
            blank = None
        else:  # "eol", "dash" or "close"
            _attach_eol(comments, event, nodes)
    if blank is not None:
        following = bisect.bisect_right(nodes, blank)
        if following < len(nodes):
            path = nodes[following][_PATH]
            lines = comments.header if following == 0 else comments.before.setdefault(path, [])
            lines.append("")
    return comments


def _nodes(doc: Document) -> list[_Node]:
    """Every key and list item, sorted by position (then depth), from the positions the
    reader recorded (in document order: each value after its key): the
    :attr:`Document.outline` of a document read without it."""
    keys = doc.key_marks
    values = doc.value_marks
    nodes: list[_Node] = []
    for path, mark in values.items():
        if not path:
            continue
        key = keys.get(path)
        if key is not None:
            node = (key.line, key.column, len(path), path, key.column, True)
        else:  # not a key, so an item of a list, whose dash is where the list starts
            node = (mark.line, mark.column, len(path), path, values[path[:-1]].column, False)
        nodes.append(node)
    nodes.sort(key=_BY_POSITION)
    return nodes


_BY_POSITION = operator.itemgetter(0, 1, 2)  # line, column, depth


def _value_at(data: Any, path: PathKey) -> Any:
    for part in path:
        data = data[part]
    return data


def _attach_eol(comments: Comments, event: Event, nodes: list[_Node]) -> None:
    line = event.line
    here = bisect.bisect_left(nodes, (line, 0))
    after = bisect.bisect_left(nodes, (line, event.column))
    if event.kind == "dash" and after < len(nodes):
        owner, aligned = nodes[after], False
    elif event.kind == "close" and after > 0 and nodes[after - 1][_PATH]:
        # the collection the bracket closes is the one holding the item before it
        container = nodes[after - 1][_PATH][:-1]
        owner = next((n for n in nodes if n[_PATH] == container), nodes[after - 1])
        aligned = False
    elif here < len(nodes) and nodes[here][_LINE] == line:
        if here + 1 == len(nodes) or nodes[here + 1][_LINE] != line:
            owner, aligned = nodes[here], True  # the line's only node (most lines)
        else:
            on_line = list(itertools.takewhile(lambda n: n[_LINE] == line, nodes[here:]))
            # The line's outermost key (``products: [a, b]  # c`` is about products),
            # else its outermost item.
            owner = min(on_line, key=lambda n: (not n[_IS_KEY], n[_DEPTH], n[_COLUMN]))
            # Its column is kept (aligned comments stay aligned) only if the line holds
            # nothing else: a flow collection becomes several lines.
            first = nodes[here][_COLUMN]
            aligned = all(n[_COLUMN] == first for n in on_line)
    else:
        if after == 0:
            comments.header.append(event.text)
            return
        owner, aligned = nodes[after - 1], False
    if owner[_PATH] in comments.eol:
        comments.eol[owner[_PATH]] += " " + event.text
    else:
        comments.eol[owner[_PATH]] = event.text
        if aligned:
            comments.columns[owner[_PATH]] = event.column


def _full_line_target(
    comments: Comments,
    event: Event,
    nodes: list[_Node],
    doc: Document,
    dashes: _LoneDashes,
) -> list[str]:
    index = bisect.bisect_left(nodes, (event.line, 0))
    if index == 0:
        return comments.header
    previous = nodes[index - 1]
    following = nodes[index] if index < len(nodes) else None
    value = doc.value_marks.get(previous[_PATH])
    if (
        previous[_IS_KEY]
        and value is not None
        and (value.line, value.column) > event[:2]
        and not isinstance(_value_at(doc.data, previous[_PATH]), dict | list)
    ):  # between ``name:`` and its value on a later line: about that key
        return comments.before.setdefault(previous[_PATH], [])
    if following is not None and event.column <= following[_INDENT]:
        return comments.before.setdefault(following[_PATH], [])
    if following is not None and dashes.after_lone_dash(event.line, following):
        return comments.before.setdefault(following[_PATH], [])
    for cut in range(len(previous[_PATH]) - 1, -1, -1):
        container = previous[_PATH][:cut]
        if following is not None and following[_PATH][:cut] == container:
            return comments.before.setdefault(following[_PATH], [])
        if doc.value_marks[container].column <= event.column:
            if not container:
                return comments.footer
            return comments.after.setdefault(container, [])
    return comments.footer  # the root contains every node: only reached at the end


class _LoneDashes:
    """Whether a comment line stands between a list item's lone ``-`` and the item's
    first line (``-``, then ``# about b``, then ``login: b``): the reader marks an item
    where its content starts, so the dash's line is found in the text, once per item
    (the lines between are comments and blank lines, walked once: linear)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts: list[int] | None = None
        self.dash_line: dict[PathKey, int | None] = {}

    def after_lone_dash(self, line: int, following: _Node) -> bool:
        if following[_IS_KEY] or following[_LINE] <= line:
            return False
        path = following[_PATH]
        if path not in self.dash_line:
            self.dash_line[path] = self._find(following)
        dash = self.dash_line[path]
        return dash is not None and dash < line

    def _find(self, item: _Node) -> int | None:
        """The line of ``item``'s lone dash, if its content is on a later line."""
        if self.starts is None:
            self.starts = [0, *(m.end() for m in _BREAK.finditer(self.text))]
        starts, text = self.starts, self.text
        for line in range(item[_LINE] - 1, 0, -1):  # 1-based, the lines before the item
            end = starts[line] if line < len(starts) else len(text)
            source = text[starts[line - 1] : end].strip()
            if not source or source.startswith("#"):
                continue
            dash = _LONE_DASH.match(text, starts[line - 1], end)
            return line if dash and dash.end(1) - starts[line - 1] == item[_INDENT] else None
        return None


_BREAK = re.compile(r"\r\n|[\r\n]")  # the reader refuses NEL, LS and PS
_LONE_DASH = re.compile(r"[ \t]*(-)[ \t]*(?:#[^\r\n]*)?(?:\r\n|\r|\n|$)")
