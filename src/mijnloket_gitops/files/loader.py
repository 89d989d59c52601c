"""Strict YAML reading with node positions.

Employer files are read with libyaml's composer (through PyYAML), which keeps the
position of every node, and then turned into plain Python values here, with these
rules on top of YAML:

- YAML 1.2 core schema: only ``true``/``false`` are booleans, no ``yes``/``no``,
  no sexagesimal numbers and no timestamps (a date stays a string);
- a mapping key may appear once (``duplicate-key``);
- only the core tags (``!!str``, ``!!int``, ``!!float``, ``!!bool``, ``!!null``,
  ``!!map``, ``!!seq``) are accepted;
- one document per file, UTF-8, at most ``MAX_FILE_BYTES``, nested at most
  ``MAX_DEPTH`` levels, and aliases may not expand past ``MAX_NODES`` nodes;
- no NEL, LINE SEPARATOR or PARAGRAPH SEPARATOR characters: libyaml (YAML 1.1)
  breaks lines at them where YAML 1.2 and editors do not, which would shift every
  position after them and change the data;
- :func:`load_file` reads only regular files (a FIFO or a device would block or
  never end) and never more than ``MAX_FILE_BYTES + 1`` bytes.

Problems come back as :class:`LoadProblem` values, never as exceptions.
"""

from __future__ import annotations

import operator
from typing import Any

import yaml

from mijnloket_gitops.files.convert import (
    MAX_NODES,
    Converter,
    DataConverter,
    SpanConverter,
    TooLarge,
    node_mark,
)
from mijnloket_gitops.files.document import Document, ScalarSpan
from mijnloket_gitops.files.positions import START, LoadProblem, Mark, text_mark
from mijnloket_gitops.files.reading import decode, read_file
from mijnloket_gitops.files.yaml12 import Yaml12Loader
from mijnloket_gitops.files.yaml_subset import check, is_feature, needs_check
from mijnloket_gitops.files.yaml_words import in_our_words

__all__ = [
    "MAX_DEPTH",
    "MAX_NODES",
    "Document",
    "load_bytes",
    "load_file",
    "load_text",
    "odd_break",
    "scalar_spans",
    "too_nested",
]

MAX_DEPTH = 100
# Every level of nesting needs one of these characters (flow brackets, a block
# sequence's dash, a mapping's colon or explicit-key mark), so their count bounds
# the depth without parsing.
_NESTING_CHARS = "[{-:?"

_ODD_BREAKS = {
    "\x85": "U+0085 NEXT LINE",
    "\u2028": "U+2028 LINE SEPARATOR",
    "\u2029": "U+2029 PARAGRAPH SEPARATOR",
}


def odd_break(text: str) -> LoadProblem | None:
    """A problem at the first NEL, LS or PS character in ``text``, if there is one."""
    found = [i for c in _ODD_BREAKS if (i := text.find(c)) >= 0]
    if not found:
        return None
    offset = min(found)
    return LoadProblem(
        "encoding",
        f"file contains {_ODD_BREAKS[text[offset]]}, a line break to some YAML readers and"
        " an ordinary character to others",
        text_mark(text, offset),
        "remove it, or replace it with a space or a real line break",
    )


def _reader_problem(text: str, error: yaml.reader.ReaderError) -> LoadProblem:
    # libyaml stops at the first character it cannot accept, so that character's
    # first occurrence is where it stopped (its own offset counts bytes, not characters).
    offset = text.find(chr(error.character)) if isinstance(error.character, int) else -1
    return LoadProblem(
        "yaml-syntax",
        f"unacceptable character U+{error.character:04X}: {error.reason}"
        if isinstance(error.character, int)
        else str(error.reason),
        text_mark(text, offset) if offset >= 0 else START,
        "remove the character; employer files hold printable text only",
    )


def _error_mark(error: yaml.MarkedYAMLError, text: str) -> Mark:
    mark = error.problem_mark or error.context_mark
    if mark is None:
        return START
    # At the end of a file without a final newline libyaml moves to the next line,
    # which editors and GitHub do not have: point at the end of the last line instead.
    if mark.line > text.count("\n") + text.count("\r") - text.count("\r\n"):
        return text_mark(text, len(text))
    return Mark(mark.line + 1, mark.column + 1)


def too_nested(text: str) -> LoadProblem | None:
    """A problem if ``text`` nests deeper than ``MAX_DEPTH``.

    libyaml's composer recurses in C and crashes the whole process (no exception) on
    tens of thousands of levels, so the depth is counted from the flat event stream
    first; the cheap character count spares ordinary files the second parse.
    """
    if sum(text.count(c) for c in _NESTING_CHARS) <= MAX_DEPTH:
        return None
    depth = 0
    try:
        for event in yaml.parse(text, Loader=Yaml12Loader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return _nested_too_deeply(event.start_mark)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.MarkedYAMLError as error:
        # newer libyaml stops at its own nesting limit, possibly before ours is reached
        if "nesting depth" in str(error.problem):
            return _nested_too_deeply(error.problem_mark)
        return None  # a syntax error: the real parse reports it
    return None


def _nested_too_deeply(mark: Any) -> LoadProblem:
    """``mark`` is a PyYAML mark (pure or libyaml flavour) or None."""
    return LoadProblem(
        "file-limits",
        f"document is nested more than {MAX_DEPTH} levels deep",
        Mark(mark.line + 1, mark.column + 1) if mark else START,
        "an employer file is nested three levels deep at most",
    )


def _fail(rule: str, message: str, mark: Mark = START, hint: str | None = None) -> Document:
    return Document(problems=[LoadProblem(rule, message, mark, hint)], readable=False)


def load_bytes(raw: bytes) -> Document:
    """Read one YAML document from ``raw``; problems are recorded, never raised."""
    text, problem = decode(raw)
    if text is None:
        assert problem is not None
        return Document(problems=[problem], readable=False)
    return load_text(text)


def load_file(path: str) -> Document:
    """Read the employer file at ``path``; problems are recorded, never raised."""
    raw, problem = read_file(path)
    if raw is None:
        assert problem is not None
        return Document(problems=[problem], readable=False)
    return load_bytes(raw)


def load_text(text: str, *, spans: bool = False, positions: bool = True) -> Document:
    """Read one YAML document from ``text``; problems are recorded, never raised.

    With ``spans``, also record :attr:`Document.scalar_spans` (``fmt`` needs them;
    ``validate`` does not pay for them). Without ``positions``, the document has the
    data and its problems only (no marks, no scalar sources): the same rules, read
    faster."""
    odd = odd_break(text)
    if odd is not None:
        return Document(problems=[odd], readable=False)
    shown, text = text, _last_line_completed(text)
    try:
        nested = too_nested(text)
        if nested is not None:
            return Document(problems=[nested], readable=False)
        refused = check(text) if needs_check(text) else None
        if refused is not None and is_feature(refused):
            return Document(problems=[refused], readable=False)
        nodes = list(yaml.compose_all(text, Loader=Yaml12Loader))
        if refused is not None:  # YAML 1.1 that libyaml reads but YAML 1.2 does not
            return Document(problems=[refused], readable=False)
    except yaml.MarkedYAMLError as error:
        message = (error.problem or error.context or "cannot parse YAML").strip()
        return _syntax_problem(message, _error_mark(error, shown), shown)
    except yaml.reader.ReaderError as error:
        return Document(problems=[_reader_problem(text, error)], readable=False)
    except yaml.YAMLError as error:
        return _fail("yaml-syntax", str(error).strip() or "cannot parse YAML")
    except UnicodeEncodeError as error:  # lone surrogates: only a str can hold them
        return _fail("encoding", "text holds a lone surrogate", text_mark(text, error.start))
    except RecursionError:
        return _too_deep()
    if not nodes:
        return _fail("schema", "file is empty", hint="start from an example in employers/")
    if len(nodes) > 1:
        return _fail(
            "yaml-syntax",
            f"file holds {len(nodes):,} YAML documents; an employer file holds exactly one",
            node_mark(nodes[1]),
            "put each employer in its own file",
        )
    doc = Document()
    converter = SpanConverter(doc) if spans else Converter(doc) if positions else DataConverter(doc)
    try:
        doc.data = converter.convert(nodes[0], ())
    except TooLarge as error:
        aliases = "&" in text and "*" in text
        return _fail(
            "file-limits",
            f"document {'expands' if aliases else 'grows'} to more than {MAX_NODES:,} values"
            + (" (anchors and aliases?)" if aliases else ""),
            node_mark(error.node),
            "write the values out; employer files do not need anchors"
            if aliases
            else "an employer file holds a few dozen values; check that this is the right file",
        )
    except RecursionError:
        return _too_deep()
    if spans:
        _record_spans(doc, converter, nodes[0], "*" in text)
        if text is not shown and doc.scalar_spans:  # no span past the text as given
            doc.scalar_spans = _within(doc.scalar_spans, len(shown))
    return doc


def _within(spans: list[ScalarSpan], length: int) -> list[ScalarSpan]:
    return [(start, min(end, length), style) for start, end, style in spans]


def _last_line_completed(text: str) -> str:
    """``text`` with a line break after a last line of only spaces or tabs: libyaml
    drops the line break before such a line from a block scalar (yaml-test-suite
    L24T, JEF9), which YAML 1.2 keeps. Nothing else reads differently with it."""
    if not text or text[-1] in "\n\r":
        return text
    last = text[max(text.rfind("\n"), text.rfind("\r")) + 1 :]
    return text + "\n" if not last.strip(" \t") else text


def _record_spans(doc: Document, converter: Converter, root: yaml.Node, aliases: bool) -> None:
    """The spans and outline the converter recorded, sorted. They are in document
    order, which is position order but where a node is reached again through an alias
    (at its anchor's position): only then are they sorted. A document with problems
    (where the converter skipped keys) has its spans found by walking its nodes, and no
    outline."""
    assert isinstance(converter, SpanConverter)
    if doc.problems:
        doc.scalar_spans = _scalar_spans(root)
        return
    spans, outline = converter.spans, converter.outline
    if aliases:
        spans.sort()
        outline.sort(key=_BY_POSITION)
    doc.scalar_spans = spans
    doc.outline = outline


_BY_POSITION = operator.itemgetter(0, 1, 2)  # line, column, depth


def scalar_spans(text: str) -> list[ScalarSpan]:
    """The :attr:`Document.scalar_spans` of ``text``, which the strict reader reads
    cleanly, for a caller that read it without them: composed again, not converted."""
    root = yaml.compose(_last_line_completed(text), Loader=Yaml12Loader)
    return [] if root is None else _within(_scalar_spans(root), len(text))


def _scalar_spans(root: yaml.Node) -> list[ScalarSpan]:
    """The spans of the scalars under ``root``, sorted. A node reached again through an
    alias is walked again: the converter has already bounded that to ``MAX_NODES``."""
    found: list[ScalarSpan] = []
    stack = [root]
    pop, push = stack.pop, stack.extend
    scalar, sequence = yaml.ScalarNode, yaml.SequenceNode
    while stack:
        node = pop()
        if isinstance(node, scalar):
            found.append((node.start_mark.index, node.end_mark.index, node.style))
        elif isinstance(node, sequence):
            push(node.value)
        else:  # a mapping: its (key, value) pairs
            for pair in node.value:
                push(pair)
    found.sort()
    return found


def _syntax_problem(message: str, mark: Mark, text: str) -> Document:
    """libyaml's message, naming the cause where libyaml does not: a tab character,
    which YAML does not allow for indentation ("found character that cannot start any
    token")."""
    lines = text.splitlines()
    line = lines[mark.line - 1] if 0 < mark.line <= len(lines) else ""
    if "\t" in line[: mark.column] and "tab" not in message:
        column = line.index("\t") + 1
        return _fail(
            "yaml-syntax",
            f"a tab character: YAML indents with spaces only ({message})",
            Mark(mark.line, column),
            "replace the tab with spaces (two per level in employer files)",
        )
    return _fail("yaml-syntax", in_our_words(message), mark)


def _too_deep() -> Document:
    return _fail(
        "file-limits",
        "document is nested too deeply to read",
        hint="an employer file is nested three levels deep at most",
    )
