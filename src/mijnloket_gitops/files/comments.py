"""The comments of a YAML file, each attached to the key or list item it is about.

ruamel.yaml attaches the comment lines that follow a value to that value, so moving a
key (as ``fmt`` does) would move the comment about the *next* key with it. Here a
comment is found by position instead: PyYAML's scanner gives the span of every token,
and what lies between tokens is whitespace and comments. Each comment is then
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
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import yaml

from mijnloket_gitops.files.loader import Document
from mijnloket_gitops.files.positions import PathKey

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
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


class _Node(NamedTuple):
    """A key or list item: where it starts, how deep it is, the column it aligns at."""

    line: int
    column: int
    depth: int
    path: PathKey
    indent: int
    is_key: bool


class _Event(NamedTuple):
    line: int
    column: int
    kind: str  # "eol", "full" or "blank"
    text: str


def extract_comments(text: str, doc: Document) -> Comments:
    """The comments of ``text``, which the strict reader read into ``doc``."""
    # By position only: nodes under an alias share their anchor's position.
    nodes = sorted(_nodes(doc.data, doc, (), 0), key=lambda n: (n.line, n.column, n.depth))
    starts = [(n.line, n.column) for n in nodes]
    comments = Comments()
    stream: list[tuple[int, int, int, _Node | _Event]] = [
        *((n.line, n.column, n.depth, n) for n in nodes),
        *((e.line, e.column, 0, e) for e in _events(text)),
    ]
    stream.sort(key=lambda item: item[:3])
    pending = False  # a blank line goes with the next comment or node
    for *_, item in stream:
        if isinstance(item, _Node):
            if pending:
                first = (item.line, item.column) == starts[0]
                lines = comments.header if first else comments.before.setdefault(item.path, [])
                lines.append("")
                pending = False
        elif item.kind == "blank":
            pending = True
        elif item.kind in ("eol", "dash", "close"):
            _attach_eol(comments, item, nodes, starts)
        else:
            lines = _full_line_target(comments, item, nodes, starts, doc)
            lines.extend(["", item.text] if pending else [item.text])
            pending = False
    return comments


def _nodes(value: Any, doc: Document, path: PathKey, depth: int) -> Iterator[_Node]:
    if isinstance(value, dict):
        for key, child in value.items():
            where = (*path, key)
            mark = doc.key_marks[where]
            yield _Node(mark.line, mark.column, depth + 1, where, mark.column, True)
            yield from _nodes(child, doc, where, depth + 1)
    elif isinstance(value, list):
        dash = doc.value_marks[path].column
        for index, child in enumerate(value):
            where = (*path, index)
            mark = doc.value_marks[where]
            yield _Node(mark.line, mark.column, depth + 1, where, dash, False)
            yield from _nodes(child, doc, where, depth + 1)


def _events(text: str) -> Iterator[_Event]:
    """Comments and blank lines, with 1-based positions, from the gaps between tokens
    (and from block scalar headers, whose token spans the comment: ``name: |  # c``)."""
    line_starts = [0, *(m.end() for m in _BREAK.finditer(text))]
    headers: list[tuple[int, int]] = []
    for start, end in _gaps(text, headers):
        index = start
        while index < end:
            line = bisect.bisect_right(line_starts, index) - 1
            line_start = line_starts[line]
            line_end = line_starts[line + 1] if line + 1 < len(line_starts) else len(text)
            stop = min(end, line_end)
            hash_at = text.find("#", index, stop)
            if hash_at >= 0:
                comment = _BREAK.split(text[hash_at:stop], maxsplit=1)[0].rstrip()
                kind = _kind(text[line_start:hash_at].strip())
                column = hash_at - line_start + 1
                yield _Event(line + 1, column, kind, comment)
            elif (
                index == line_start
                and line_start < line_end <= end
                and not text[line_start:line_end].strip()
            ):
                yield _Event(line + 1, 1, "blank", "")
            index = stop
    for index, line in headers:
        line_end = line_starts[line + 1] if line + 1 < len(line_starts) else len(text)
        found = _HEADER_COMMENT.match(text, index, line_end)
        if found:
            column = found.start(1) - line_starts[line] + 1
            yield _Event(line + 1, column, "eol", found.group(1).rstrip())


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


def _gaps(text: str, headers: list[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """The spans between tokens; ``headers`` gets (index, 0-based line) of each block
    scalar, whose header line may end in a comment inside the token's span."""
    position = 0
    for token in yaml.scan(text, Loader=_Loader):
        start, end = token.start_mark.index, token.end_mark.index
        if start > position:
            yield position, start
        position = max(position, end)
        if getattr(token, "style", None) in ("|", ">"):
            headers.append((start, token.start_mark.line))
    if position < len(text):
        yield position, len(text)


def _value_at(data: Any, path: PathKey) -> Any:
    for part in path:
        data = data[part]
    return data


def _attach_eol(
    comments: Comments, event: _Event, nodes: list[_Node], starts: list[tuple[int, int]]
) -> None:
    here = bisect.bisect_left(starts, (event.line, 0))
    on_line = list(itertools.takewhile(lambda n: n.line == event.line, nodes[here:]))
    after = bisect.bisect_left(starts, (event.line, event.column))
    if event.kind == "dash" and after < len(nodes):
        owner, aligned = nodes[after], False
    elif event.kind == "close" and after > 0 and nodes[after - 1].path:
        # the collection the bracket closes is the one holding the item before it
        container = nodes[after - 1].path[:-1]
        owner = next((n for n in nodes if n.path == container), nodes[after - 1])
        aligned = False
    elif on_line:
        # The line's outermost key (``products: [a, b]  # c`` is about products),
        # else its outermost item.
        owner = min(on_line, key=lambda n: (not n.is_key, n.depth, n.column))
        # Its column is kept (aligned comments stay aligned) only if the line holds
        # nothing else: a flow collection becomes several lines.
        aligned = all((n.line, n.column) == starts[here] for n in on_line)
    else:
        before = bisect.bisect_left(starts, (event.line, event.column))
        if before == 0:
            comments.header.append(event.text)
            return
        owner, aligned = nodes[before - 1], False
    if owner.path in comments.eol:
        comments.eol[owner.path] += " " + event.text
    else:
        comments.eol[owner.path] = event.text
        if aligned:
            comments.columns[owner.path] = event.column


def _full_line_target(
    comments: Comments,
    event: _Event,
    nodes: list[_Node],
    starts: list[tuple[int, int]],
    doc: Document,
) -> list[str]:
    index = bisect.bisect_left(starts, (event.line, 0))
    if index == 0:
        return comments.header
    previous = nodes[index - 1]
    following = nodes[index] if index < len(nodes) else None
    value = doc.value_marks.get(previous.path)
    if (
        previous.is_key
        and value is not None
        and (value.line, value.column) > event[:2]
        and not isinstance(_value_at(doc.data, previous.path), dict | list)
    ):  # between ``name:`` and its value on a later line: about that key
        return comments.before.setdefault(previous.path, [])
    if following is not None and event.column <= following.indent:
        return comments.before.setdefault(following.path, [])
    for cut in range(len(previous.path) - 1, -1, -1):
        container = previous.path[:cut]
        if following is not None and following.path[:cut] == container:
            return comments.before.setdefault(following.path, [])
        if doc.value_marks[container].column <= event.column:
            if not container:
                return comments.footer
            return comments.after.setdefault(container, [])
    return comments.footer  # the root contains every node: only reached at the end
