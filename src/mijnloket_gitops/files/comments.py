"""The comments of a YAML file, each attached to the key or list item it is about.

ruamel.yaml attaches the comment lines that follow a value to that value, so moving a
key (as ``fmt`` does) would move the comment about the *next* key with it. Here a
comment is found by position instead: the strict reader gives the span of every
scalar, and what lies between scalars is whitespace, indicators and comments (found
from the same read of the file: no second pass over its tokens). Each comment is then
attached to a node of the strict reader's :class:`Document` (by its path):

- an end-of-line comment belongs to the outermost key starting on its line, else to
  the outermost list item (on a continuation line, to the last one before it);
- a full-line comment, and the blank line before it, belongs to the next key or list
  item, unless it is indented deeper than that node: then it closes the innermost
  block collection it is indented into and stays after that collection's last item;
- comments before the first node are the file's header, after the last its footer.
"""

from __future__ import annotations

import bisect
import itertools
import operator
import re
import sys
from dataclasses import dataclass, field
from typing import Any, Final, NamedTuple

from mijnloket_gitops.files.document import Document, OutlineNode, ScalarSpan
from mijnloket_gitops.files.loader import scalar_spans
from mijnloket_gitops.files.positions import PathKey

# The line breaks of libyaml (YAML 1.1), which numbers the lines of node marks.
_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")


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


class _Event(NamedTuple):
    line: int
    column: int
    kind: str  # "eol", "full" or "blank"
    text: str


def extract_comments(text: str, doc: Document) -> Comments:
    """The comments of ``text``, which the strict reader read into ``doc`` (read with
    ``spans=True``; otherwise ``text`` is composed again here to find its scalars)."""
    spans = doc.scalar_spans
    if spans is None:  # (``edit`` and ``onboard`` read files without them)
        spans = scalar_spans(text)
    events = _events(text, spans)
    if not events:
        return Comments()  # nothing to place: no need to know where the nodes are
    # By position only: nodes under an alias share their anchor's position.
    nodes = doc.outline if doc.outline is not None else _nodes(doc)
    # Nodes are found by bisecting them with a (line, column) probe: a node at that very
    # position sorts after it, and before (line, column, _PAST).
    comments = Comments()
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
            blank = (event.line, event.column, _PAST)
        elif kind == "full":
            lines = _full_line_target(comments, event, nodes, doc)
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


def _events(text: str, spans: list[ScalarSpan]) -> list[_Event]:
    """Comments and blank lines, with 1-based positions, in the order of the text.

    Outside the scalars there are only whitespace, indicators (``-``, ``:``, ``[``,
    document markers, directives, aliases) and comments, and none of those but a
    comment holds a ``#`` (libyaml allows none in a tag, anchor or directive): so every
    ``#`` outside the scalars starts a comment, and a line of spaces outside them is
    a blank line. Inside a scalar, only a block scalar's header line can end in a
    comment (``name: |  # c``)."""
    found: list[_Event] = []
    hash_at = text.find("#")
    blanks = _blank_lines(text)
    if hash_at < 0 and not blanks:
        return found  # (a header comment holds a ``#`` too)
    lines = _Lines(text)
    while hash_at >= 0:
        end = _scalar_end(text, spans, hash_at)
        if end >= 0:
            hash_at = text.find("#", end)
            continue
        line, line_start, line_end = lines.locate(hash_at)
        comment = text[hash_at:line_end].rstrip()  # a line holds no other break
        kind = _kind(text[line_start:hash_at].strip())
        found.append(_new_event(_Event, (line + 1, hash_at - line_start + 1, kind, comment)))
        hash_at = text.find("#", line_end)
    in_order = True  # comments are found in the order of the text; the rest are not
    for at in blanks:
        if _scalar_end(text, spans, at) < 0:
            found.append(_new_event(_Event, (lines.locate(at)[0] + 1, 1, "blank", "")))
            in_order = False
    if "#" in text and ("|" in text or ">" in text):
        for index in _block_headers(text, spans):
            line, line_start, line_end = lines.locate(index)
            header = _HEADER_COMMENT.match(text, index, line_end)
            if header:
                column = header.start(1) - line_start + 1
                comment = header.group(1).rstrip()
                found.append(_new_event(_Event, (line + 1, column, "eol", comment)))
                in_order = False
    if not in_order:
        found.sort(key=_LINE_COLUMN)
    return found


_new_event = tuple.__new__  # _Event(...) without the NamedTuple's Python-level __new__
_LINE_COLUMN = operator.itemgetter(0, 1)
_PAST = sys.maxsize  # after any offset: ``(offset, _PAST)`` sorts after every span there


def _scalar_end(text: str, spans: list[ScalarSpan], at: int) -> int:
    """Where the content of the scalar holding offset ``at`` ends, or -1 if none holds
    it. A span starts at the scalar's tag or anchor if it has one, which may be followed
    by comments and blank lines before the content: those are outside it. Spans are
    sorted and do not overlap, but where an alias repeats one (then they are equal)."""
    index = bisect.bisect_right(spans, (at, _PAST)) - 1
    if index < 0:
        return -1
    start, end, _ = spans[index]
    if at >= end:
        return -1
    if text[start] in "!&":
        match = _PROPERTIES.match(text, start, end)
        assert match is not None  # the pattern matches the empty string
        if at < match.end():
            return -1
    return end


def _block_headers(text: str, spans: list[ScalarSpan]) -> list[int]:
    """Where each block scalar's header starts (after its tag or anchor), once."""
    headers: list[int] = []
    for start, end, style in spans:
        if style == "|" or style == ">":
            if text[start] in "!&":
                match = _PROPERTIES.match(text, start, end)
                assert match is not None  # the pattern matches the empty string
                start = match.end()
            if start < end and (not headers or headers[-1] != start):
                headers.append(start)  # (an alias repeats the span: equal, so adjacent)
    return headers


def _blank_lines(text: str) -> list[int]:
    """Where each whitespace-only line starts (possibly at the end of the text)."""
    if "\r" in text:
        found = [m.start(1) for m in _BLANK_LINE.finditer(text)]
    else:  # the same lines, found faster where line feeds alone break lines
        found = [m.end() for m in _BLANK_LF_LINE.finditer(text)]
    if text and _BLANK_FIRST_LINE.match(text):
        found.insert(0, 0)
    return [at for at in found if at < len(text)]


class _Lines:
    """Where the line holding a character offset starts and ends, breaking lines where
    libyaml does (so that they match the reader's marks)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts: list[int] | None = None
        if "\r" in text or "\x85" in text or "\u2028" in text or "\u2029" in text:
            self.starts = [0, *(m.end() for m in _BREAK.finditer(text))]

    def locate(self, index: int) -> tuple[int, int, int]:
        """The 0-based line of ``index``, its start and its end (after its break)."""
        text, starts = self.text, self.starts
        if starts is None:  # line feeds only: count them
            end = text.find("\n", index)
            return (
                text.count("\n", 0, index),
                text.rfind("\n", 0, index) + 1,
                (len(text) if end < 0 else end + 1),
            )
        line = bisect.bisect_right(starts, index) - 1
        return line, starts[line], starts[line + 1] if line + 1 < len(starts) else len(text)


# A whitespace-only line after a line break (up to its own break or the end of the
# text; group 1 starts it), and one at the start of the text. The reader refuses NEL,
# LS and PS, so only CR, LF and CRLF end a line here.
_BLANK_LINE = re.compile(r"(?:\r\n|\r(?!\n)|\n)([ \t]*)(?=[\r\n]|\Z)")
_BLANK_LF_LINE = re.compile(r"\n(?=[ \t]*(?:\n|\Z))")
_BLANK_FIRST_LINE = re.compile(r"[ \t]*(?:[\r\n]|\Z)")
# A scalar's properties (tag, anchor) and what may stand between them and its content.
_PROPERTIES = re.compile(r"(?:[!&][^ \t\r\n]*|[ \t\r\n]+|#[^\r\n]*)*")


def _kind(before: str) -> str:
    """What a comment is, by what stands before it on its line."""
    if not before or before in ("...", "---"):
        return "full"  # a document marker is not a node: the comment stands alone
    if before == "-":
        return "dash"  # ``- # c`` with the item on the next line: about that item
    if not before.strip("]},"):
        return "close"  # ``]  # c`` closes a flow collection: about the collection
    return "eol"


_HEADER_COMMENT = re.compile(r"[|>][0-9+-]*[ \t]+(#[^\r\n\x85\u2028\u2029]*)")


def _value_at(data: Any, path: PathKey) -> Any:
    for part in path:
        data = data[part]
    return data


def _attach_eol(comments: Comments, event: _Event, nodes: list[_Node]) -> None:
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
    event: _Event,
    nodes: list[_Node],
    doc: Document,
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
    for cut in range(len(previous[_PATH]) - 1, -1, -1):
        container = previous[_PATH][:cut]
        if following is not None and following[_PATH][:cut] == container:
            return comments.before.setdefault(following[_PATH], [])
        if doc.value_marks[container].column <= event.column:
            if not container:
                return comments.footer
            return comments.after.setdefault(container, [])
    return comments.footer  # the root contains every node: only reached at the end
