"""fmt finds comments from the scalars' spans of its one read of a file; it used to
scan the file's tokens a second time. This keeps the old scan as an oracle: on the
golden corpus, on generated employer files and on fuzzed YAML, both must find the
same comments and blank lines at the same places, and place them the same way.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
import re
from collections.abc import Iterator
from typing import Any, NamedTuple

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from mijnloket_gitops.catalog import builtin_catalog
from mijnloket_gitops.files import comment_scan, comments
from mijnloket_gitops.files.canonical import same_data
from mijnloket_gitops.files.loader import Document, load_text
from mijnloket_gitops.files.positions import PathKey
from mijnloket_gitops.sandbox.synthetic import realistic_yaml
from tests.test_fmt import AWKWARD, COMMENT_CASES, EXAMPLES, MESSY, MESSY_FORMATTED, messy_files

# --- the old mechanism: a second pass over the file's tokens --------------------------

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")


def completed(text: str) -> str:
    """``text`` as the reader reads it: a last line of spaces or tabs gets its line
    break (yaml-test-suite L24T, JEF9: libyaml dropped one from a block scalar)."""
    last = text[max(text.rfind("\n"), text.rfind("\r")) + 1 :]
    return text + "\n" if last and not last.strip(" \t") else text


def _token_gaps(text: str, headers: list[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    position = 0
    for token in yaml.scan(completed(text), Loader=_Loader):
        start = min(token.start_mark.index, len(text))
        end = min(token.end_mark.index, len(text))
        if start > position:
            yield position, start
        position = max(position, end)
        if getattr(token, "style", None) in ("|", ">"):
            headers.append((start, token.start_mark.line))
    if position < len(text):
        yield position, len(text)


def token_events(text: str) -> list[Any]:
    """What ``comment_scan.find_events`` found before it used the scalars' spans (verbatim)."""
    found = []
    line_starts = [0, *(m.end() for m in _BREAK.finditer(text))]
    headers: list[tuple[int, int]] = []
    for start, end in _token_gaps(text, headers):
        index = start
        while index < end:
            line = bisect.bisect_right(line_starts, index) - 1
            line_start = line_starts[line]
            line_end = line_starts[line + 1] if line + 1 < len(line_starts) else len(text)
            stop = min(end, line_end)
            hash_at = text.find("#", index, stop)
            if hash_at >= 0:
                comment = _BREAK.split(text[hash_at:stop], maxsplit=1)[0].rstrip()
                kind = comment_scan._kind(text[line_start:hash_at].strip())
                column = hash_at - line_start + 1
                found.append(comment_scan.Event(line + 1, column, kind, comment))
            elif (
                index == line_start
                and line_start < line_end <= end
                and not text[line_start:line_end].strip()
            ):
                found.append(comment_scan.Event(line + 1, 1, "blank", ""))
            index = stop
    for index, line in headers:
        line_end = line_starts[line + 1] if line + 1 < len(line_starts) else len(text)
        header = comment_scan._HEADER_COMMENT.match(text, index, line_end)
        if header:
            column = header.start(1) - line_starts[line] + 1
            found.append(comment_scan.Event(line + 1, column, "eol", header.group(1).rstrip()))
    return first_blank_of_each_run(sorted(found))


def first_blank_of_each_run(events: list[Any]) -> list[Any]:
    """One blank event for a run of blank lines (lines in a row): ``fmt`` writes one
    blank line for it, and finding one event per line made it slow on a file of many
    blank lines. (The only change to the verbatim token scan above.)"""
    kept: list[Any] = []
    last_blank = -1
    for event in events:
        if event.kind == "blank":
            in_run = event.line == last_blank + 1 and kept and kept[-1].kind == "blank"
            last_blank = event.line
            if in_run:
                continue
        kept.append(event)
    return kept


class OldNode(NamedTuple):
    """A key or list item as ``comments._Node`` was (verbatim)."""

    line: int
    column: int
    depth: int
    path: PathKey
    indent: int
    is_key: bool


def _recursive_nodes(value: Any, doc: Document, path: PathKey, depth: int) -> Iterator[Any]:
    """The nodes as ``comments._nodes`` found them before (verbatim)."""
    if isinstance(value, dict):
        for key, child in value.items():
            where = (*path, key)
            mark = doc.key_marks[where]
            yield OldNode(mark.line, mark.column, depth + 1, where, mark.column, True)
            yield from _recursive_nodes(child, doc, where, depth + 1)
    elif isinstance(value, list):
        dash = doc.value_marks[path].column
        for index, child in enumerate(value):
            where = (*path, index)
            mark = doc.value_marks[where]
            yield OldNode(mark.line, mark.column, depth + 1, where, dash, False)
            yield from _recursive_nodes(child, doc, where, depth + 1)


# The placement as it was (verbatim), before its fast paths.


def _old_value_at(data: Any, path: PathKey) -> Any:
    for part in path:
        data = data[part]
    return data


def _old_attach_eol(
    found: comments.Comments, event: Any, nodes: list[Any], starts: list[tuple[int, int]]
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
            found.header.append(event.text)
            return
        owner, aligned = nodes[before - 1], False
    if owner.path in found.eol:
        found.eol[owner.path] += " " + event.text
    else:
        found.eol[owner.path] = event.text
        if aligned:
            found.columns[owner.path] = event.column


def _lone_dash_before(text: str, line: int, item: Any) -> bool:
    """The one rule added to the verbatim attachment: a comment between a list item's
    lone ``-`` and the item's first line belongs to that item (it went into the item
    before). Written plainly: the nearest line above ``line`` that is no comment and
    not blank is ``-`` alone, at the item's dash column."""
    if item.is_key or item.line <= line:
        return False
    lines = _BREAK.split(text)
    for above in reversed(lines[: line - 1]):
        stripped = above.strip()
        if stripped and not stripped.startswith("#"):
            dash = stripped.split("#", 1)[0].strip() == "-"
            return dash and len(above) - len(above.lstrip(" ")) + 1 == item.indent
    return False


def _old_full_line_target(
    found: comments.Comments,
    event: Any,
    nodes: list[Any],
    starts: list[tuple[int, int]],
    doc: Document,
    text: str,
) -> list[str]:
    index = bisect.bisect_left(starts, (event.line, 0))
    if index == 0:
        return found.header
    previous = nodes[index - 1]
    following = nodes[index] if index < len(nodes) else None
    value = doc.value_marks.get(previous.path)
    if (
        previous.is_key
        and value is not None
        and (value.line, value.column) > event[:2]
        and not isinstance(_old_value_at(doc.data, previous.path), dict | list)
    ):  # between ``name:`` and its value on a later line: about that key
        return found.before.setdefault(previous.path, [])
    if following is not None and event.column <= following.indent:
        return found.before.setdefault(following.path, [])
    if following is not None and _lone_dash_before(text, event.line, following):
        return found.before.setdefault(following.path, [])
    for cut in range(len(previous.path) - 1, -1, -1):
        container = previous.path[:cut]
        if following is not None and following.path[:cut] == container:
            return found.before.setdefault(following.path, [])
        if doc.value_marks[container].column <= event.column:
            if not container:
                return found.footer
            return found.after.setdefault(container, [])
    return found.footer  # the root contains every node: only reached at the end


def token_scan_comments(text: str, doc: Document) -> comments.Comments:
    """``extract_comments`` as it was: token scan, recursive nodes, one sorted stream."""
    nodes = sorted(
        _recursive_nodes(doc.data, doc, (), 0), key=lambda n: (n.line, n.column, n.depth)
    )
    starts = [(n.line, n.column) for n in nodes]
    found = comments.Comments()
    stream: list[tuple[int, int, int, Any]] = [
        *((n.line, n.column, n.depth, n) for n in nodes),
        *((e.line, e.column, 0, e) for e in token_events(text)),
    ]
    stream.sort(key=lambda item: item[:3])
    pending = False
    for *_, item in stream:
        if isinstance(item, OldNode):
            if pending:
                first = (item.line, item.column) == starts[0]
                lines = found.header if first else found.before.setdefault(item.path, [])
                lines.append("")
                pending = False
        elif item.kind == "blank":
            pending = True
        elif item.kind in ("eol", "dash", "close"):
            _old_attach_eol(found, item, nodes, starts)
        else:
            lines = _old_full_line_target(found, item, nodes, starts, doc, text)
            lines.extend(["", item.text] if pending else [item.text])
            pending = False
    return found


def assert_same_as_token_scan(text: str) -> None:
    doc = load_text(text, spans=True)
    assert not doc.problems and doc.readable, doc.problems
    assert doc.scalar_spans is not None
    assert comment_scan.find_events(text, doc.scalar_spans) == token_events(text), text
    assert comments.extract_comments(text, doc) == token_scan_comments(text, doc), text


# --- the corpus -----------------------------------------------------------------------

PROPERTIES = [
    "a: !!str |  # header after a tag\n  b\n",
    "a: &x >-  # header after an anchor\n  b\nc: *x  # alias\n",
    "a: !!str # between the tag and its value\n  |  # header\n  b\n",
    "a: &x\n\n  # a blank line and a comment after an anchor\n  value  # eol\n",
    "a: !!null  # a tagged empty value\nb: !!str\n# closes\n",
    "list: [!!str a, &y b,  # in flow\n  *y]  # after\n",
    "? !!str |  # an explicit block key\n  k\n: v  # value\n",
    "k: !<tag:yaml.org,2002:str> x  # verbatim tag\n",
    "x: &a [1, 2]  # anchored flow\ny: *a\n",
]
EDGES = [
    "--- # on the marker\nversion: 1\n... # after the end\n",
    "a: 1\r# cr only\r\rb: 2  # two\r",
    "a: 1\r\n\r\n# crlf\r\nb: |\r\n  x\r\n\r\n  # inside\r\nc: 3\r\n",
    "a: 'one # two'  # three\nb: \"x#y\"  #z\nc: p#q  # r\n",
    "a: |+\n  kept\n\n\n# after kept\nb: >2\n   indented\n",
    "a:\n  - # dash\n    b\n  -\n    # under a dash\n    c\n",
    "a: [\n  # first\n  x,   # eol x\n\n  y\n]  # closes\n",
    "{a: 1, # one\n b: 2}\n# end\n",
    "a: b\n   \n \t\n  # indented\n",
    "a: 1\n   ",
    "a: 1\n  \nb: 2  # only a line of spaces is blank\n",
    "a: 1\n \t\n# only a line with a tab is blank\nb: 2\n",
    "a: 1  # the last line is spaces\n  ",
    "  \n# the first line is spaces\na: 1\n",
    "'#': '#' # hash key\n",
    "a: plain\n  continued # c\n  # not continued\n",
]


def _corpus() -> list[str]:
    texts = [MESSY, MESSY_FORMATTED, *AWKWARD, *EDGES]
    texts += [text for text, _ in COMMENT_CASES.values()]
    texts += [path.read_text("utf-8") for path in EXAMPLES]
    return texts


@pytest.mark.parametrize("text", PROPERTIES)
def test_tags_anchors_and_explicit_keys_are_not_read_for_comments(text: str) -> None:
    """The corpus's texts with tags, anchors or explicit keys: employer files do not use
    them, so neither ``fmt`` nor ``validate`` reads them (yaml_subset)."""
    doc = load_text(text, spans=True)
    assert not doc.readable
    assert doc.problems[0].message.startswith(("a tag", "an anchor", "an explicit key"))


@pytest.mark.parametrize("text", _corpus())
def test_golden_corpus_comments_match_the_token_scan(text: str) -> None:
    assert_same_as_token_scan(text)


def test_benchmark_files_comments_match_the_token_scan() -> None:
    rng = random.Random(14)
    catalog = builtin_catalog()
    for _ in range(300):
        assert_same_as_token_scan(realistic_yaml(rng, catalog, dt.date(2026, 11, 29)))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messy_files())
def test_generated_files_comments_match_the_token_scan(case: tuple[str, list[str]]) -> None:
    # (the generator's comments may hold a noncharacter such as U+FFFE, which libyaml
    # refuses: fmt formats only files that read cleanly)
    assume(not load_text(case[0]).problems)
    assert_same_as_token_scan(case[0])


FRAGMENTS = [
    "a", "b: ", "c:", "- ", "-", "? ", ": ", "  ", "    ", "\n", "\r\n", "\r", "\t",
    "# c", " # d", "#", "|", "|-", ">+", "|2", "'q #'", '"d\\n#"', "[", "]", "{", "}",
    ", ", "&x ", "*x", "!!str ", "!!int ", "---", "...", "%YAML 1.2\n", "x#y", "1",
]  # fmt: skip


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=30))
def test_fuzzed_yaml_comments_match_the_token_scan(parts: list[str]) -> None:
    text = "".join(parts)
    doc = load_text(text, spans=True)
    if doc.problems or not doc.readable:
        return  # fmt formats only files that read cleanly
    assert_same_as_token_scan(text)


def test_without_spans_the_text_is_read_again() -> None:
    """``edit`` and ``onboard`` pass a document read without spans: the text is composed
    again for them (not converted), and the comments are the same."""
    text = MESSY
    assert comments.extract_comments(text, load_text(text)) == comments.extract_comments(
        text, load_text(text, spans=True)
    )


def test_validate_reads_no_spans() -> None:
    assert load_text("a: 1  # c\n").scalar_spans is None
    assert load_text("a: 1  # c\n").outline is None
    assert load_text("a: [1]\n", spans=True).outline == [
        (1, 1, 1, ("a",), 1, True),
        (1, 5, 2, ("a", 0), 4, False),
    ]
    spans = load_text("a: 1  # c\nb: |\n  x\n", spans=True).scalar_spans
    assert [(start, end, style) for start, end, style in spans or []] == [
        (0, 1, ""),
        (3, 4, ""),
        (10, 11, ""),
        (13, 19, "|"),
    ]


# --- the outline: recorded while reading, as it was rebuilt from the marks -------------


def marks_outline(doc: Document) -> list[Any]:
    """The keys and list items as ``comments._nodes`` rebuilt them from the reader's
    marks before the reader recorded them (verbatim)."""
    keys = doc.key_marks
    values = doc.value_marks
    nodes = []
    for path, mark in values.items():
        if not path:
            continue
        key = keys.get(path)
        if key is not None:
            node = (key.line, key.column, len(path), path, key.column, True)
        else:
            node = (mark.line, mark.column, len(path), path, values[path[:-1]].column, False)
        nodes.append(node)
    nodes.sort(key=lambda node: node[:3])
    return nodes


def walked_spans(text: str) -> list[tuple[int, int, str | None]]:
    """Every scalar's span from a walk over the composed nodes, sorted (the reader's
    second walk before it recorded them while converting)."""
    found = []
    stack = [yaml.compose(completed(text), Loader=_Loader)]  # spans end within ``text``
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            end = min(node.end_mark.index, len(text))
            found.append((node.start_mark.index, end, node.style))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif node is not None:
            stack.extend(part for pair in node.value for part in pair)
    return sorted(found)


def assert_outline_as_from_marks(text: str) -> None:
    doc = load_text(text, spans=True)
    plain = load_text(text)  # validate's read: the same document, less the spans
    assert (doc.readable, doc.problems) == (plain.readable, plain.problems), text
    assert same_data(doc.data, plain.data), text
    assert (doc.value_marks, doc.key_marks) == (plain.value_marks, plain.key_marks), text
    assert doc.scalar_sources == plain.scalar_sources, text
    if doc.problems or not doc.readable:
        assert doc.outline is None
        if doc.readable:  # (where the converter skipped a key, its spans are walked)
            assert [tuple(span) for span in doc.scalar_spans or []] == walked_spans(text)
        return
    assert doc.outline is not None
    assert [tuple(node) for node in doc.outline] == marks_outline(doc), text
    assert comments._nodes(doc) == doc.outline, text
    assert [tuple(span) for span in doc.scalar_spans or []] == walked_spans(text), text


ALIASES = [
    "a: &x {k: 1, l: [2, 3]}\nb: *x\nc:\n  - *x\n  - &y [4]\n  - *y\n",
    "- &a\n  k: v\n- *a\n- [*a, *a]\n",
    "x: &s scalar\ny: [*s, {z: *s}]\n",
    "? &k key\n: &v [1, 2]\n? other\n: {a: *v}\n",
    "top: &t\n  - &i {a: 1}\n  - *i\nagain: *t\n",
]
OUTLINE_CASES = [
    *ALIASES,
    "? a\n: 1\n? b\n? c\n: 2\n",
    "x:\n  ? a\ny: 1\n",
    "[a: 1, b, {c: d}]\n",
    "a:\n-\n- b\n-\nc: [x, [y, [z]]]\n",
    "a: !!map {b: !!seq [c]}\nd: !!str\n",
    "a: 1\r  # c\rb:\r- x\r-\r  - y\r",
    "k:\r\n  - a\r\n  -\r\n    b: 1\r\n",
    "? \n: empty key\n",
    "a: 1\nb: [x]\na: 2  # a duplicate key\n",
    "? [a]\n: b\nc: !!int x\n",
]


@pytest.mark.parametrize("text", _corpus() + OUTLINE_CASES)
def test_golden_corpus_outline_as_from_marks(text: str) -> None:
    assert_outline_as_from_marks(text)


def test_benchmark_files_outline_as_from_marks() -> None:
    rng = random.Random(15)
    catalog = builtin_catalog()
    for _ in range(200):
        assert_outline_as_from_marks(realistic_yaml(rng, catalog, dt.date(2026, 11, 29)))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messy_files())
def test_generated_files_outline_as_from_marks(case: tuple[str, list[str]]) -> None:
    assert_outline_as_from_marks(case[0])


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from([*FRAGMENTS, "&y ", "*y", "\r"]), max_size=30))
def test_fuzzed_yaml_outline_as_from_marks(parts: list[str]) -> None:
    assert_outline_as_from_marks("".join(parts))
