"""Finding a YAML file's comments and blank lines, without reading its tokens again.

The strict reader gives the span of every scalar. Outside the scalars there are only
whitespace, indicators (``-``, ``:``, ``[``, document markers, directives, aliases) and
comments, and none of those but a comment holds a ``#`` (libyaml allows none in a tag,
anchor or directive): so every ``#`` outside the scalars starts a comment, and a line of
spaces outside them is a blank line. :mod:`.comments` attaches what is found here.
"""

from __future__ import annotations

import bisect
import operator
import re
import sys
from typing import NamedTuple

from mijnloket_gitops.files.document import ScalarSpan

# The line breaks of libyaml (YAML 1.1), which numbers the lines of node marks.
_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")


class Event(NamedTuple):
    """A comment or blank line: where it starts, what stands before it on its line
    ("full": nothing, "eol", "dash": ``- ``, "close": a flow bracket), its text."""

    line: int
    column: int
    kind: str  # "full", "eol", "dash", "close" or "blank"
    text: str


def find_events(text: str, spans: list[ScalarSpan]) -> list[Event]:
    """Comments and blank lines, with 1-based positions, in the order of the text (see
    the module docstring). Inside a scalar, only a block scalar's header line can end
    in a comment (``name: |  # c``)."""
    found: list[Event] = []
    hash_at = text.find("#")
    blanks = _blank_lines(text, spans)
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
        found.append(_new_event(Event, (line + 1, hash_at - line_start + 1, kind, comment)))
        hash_at = text.find("#", line_end)
    in_order = True  # comments are found in the order of the text; the rest are not
    for at in blanks:
        found.append(_new_event(Event, (lines.locate(at)[0] + 1, 1, "blank", "")))
        in_order = False
    if "#" in text and ("|" in text or ">" in text):
        for index in _block_headers(text, spans):
            line, line_start, line_end = lines.locate(index)
            header = _HEADER_COMMENT.match(text, index, line_end)
            if header:
                column = header.start(1) - line_start + 1
                comment = header.group(1).rstrip()
                found.append(_new_event(Event, (line + 1, column, "eol", comment)))
                in_order = False
    if not in_order:
        found.sort(key=_LINE_COLUMN)
    return found


_new_event = tuple.__new__  # Event(...) without the NamedTuple's Python-level __new__
_LINE_COLUMN = operator.itemgetter(0, 1)
PAST = sys.maxsize  # after any offset: ``(offset, PAST)`` sorts after every span there


def _scalar_end(text: str, spans: list[ScalarSpan], at: int) -> int:
    """Where the content of the scalar holding offset ``at`` ends, or -1 if none holds
    it. A span starts at the scalar's tag or anchor if it has one, which may be followed
    by comments and blank lines before the content: those are outside it. Spans are
    sorted and do not overlap, but where an alias repeats one (then they are equal)."""
    index = bisect.bisect_right(spans, (at, PAST)) - 1
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


def _blank_lines(text: str, spans: list[ScalarSpan]) -> list[int]:
    """Where each run of whitespace-only lines outside the scalars starts: its first
    line (possibly at the end of the text). A run is one event: ``fmt`` writes one blank
    line for it, and finding it costs the same for one line as for a million."""
    if "\r" in text:
        found = [m.start(1) for m in _BLANK_LINE.finditer(text)]
        if text and _BLANK_FIRST_LINE.match(text):
            found.insert(0, 0)
        outside = [at for at in found if at < len(text) and _scalar_end(text, spans, at) < 0]
        return [
            at for i, at in enumerate(outside) if i == 0 or not _adjacent(text, outside[i - 1], at)
        ]
    # (start of the run's first line, the last line feed in it): a line starting after
    # that one and inside the match is the indentation of the next line, unless the text
    # ends there
    runs = [
        (m.start() + 1, len(text) if m.end() == len(text) else text.rfind("\n", 0, m.end()))
        for m in _BLANK_LF_RUN.finditer(text)
    ]
    if text and _BLANK_FIRST_LINE.match(text):
        first_end = text.find("\n")
        if runs and runs[0][0] == first_end + 1:  # the first line begins the first run
            runs[0] = (0, runs[0][1])
        else:
            runs.insert(0, (0, 0))
    starts: list[int] = []
    for at, last in runs:
        while at < len(text):
            end = _scalar_end(text, spans, at)
            if end < 0:
                starts.append(at)
                break
            # inside a scalar (a block scalar's blank lines): on from the line after it
            at = end if end == 0 or text[end - 1] == "\n" else text.find("\n", end) + 1
            if at == 0 or at > last:
                break
    return starts


def _adjacent(text: str, before: int, at: int) -> bool:
    """Whether the line at ``at`` follows the (blank) line at ``before`` directly."""
    return _ONE_BREAK.fullmatch(text, before, at) is not None


class _Lines:
    """Where the line holding a character offset starts and ends, breaking lines where
    libyaml does (so that they match the reader's marks).

    With line feeds only, lines are counted from the offset asked for last: callers ask
    in the order of the text (comments, then blank lines, then block headers), so each
    pass counts every line break once. (Counting from the start for each offset made
    ``fmt`` quadratic in comments and blank lines: a 1 MiB file took minutes.)"""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts: list[int] | None = None
        self._at = 0  # the offset asked for last, and the line it is on
        self._line = 0
        if "\r" in text or "\x85" in text or "\u2028" in text or "\u2029" in text:
            self.starts = [0, *(m.end() for m in _BREAK.finditer(text))]

    def locate(self, index: int) -> tuple[int, int, int]:
        """The 0-based line of ``index``, its start and its end (after its break)."""
        text, starts = self.text, self.starts
        if starts is None:  # line feeds only: count them from the offset asked for last
            if index < self._at:
                self._at = self._line = 0
            self._line += text.count("\n", self._at, index)
            self._at = index
            end = text.find("\n", index)
            return (
                self._line,
                text.rfind("\n", 0, index) + 1,
                (len(text) if end < 0 else end + 1),
            )
        line = bisect.bisect_right(starts, index) - 1
        return line, starts[line], starts[line + 1] if line + 1 < len(starts) else len(text)


# A whitespace-only line after a line break (up to its own break or the end of the
# text; group 1 starts it), and one at the start of the text. The reader refuses NEL,
# LS and PS, so only CR, LF and CRLF end a line here.
_BLANK_LINE = re.compile(r"(?:\r\n|\r(?!\n)|\n)([ \t]*)(?=[\r\n]|\Z)")
# Whitespace holding two line feeds or more (a run of whitespace-only lines after a
# line feed), found as one match however long: a character class, not a group, repeats.
_BLANK_LF_RUN = re.compile(r"\n[ \t]*\n[ \t\n]*|\n[ \t]*\Z")
_ONE_BREAK = re.compile(r"[ \t]*(?:\r\n|\r|\n)")
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
