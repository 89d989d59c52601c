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
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

import yaml

from mijnloket_gitops.files.positions import START, LoadProblem, Mark, PathKey, text_mark
from mijnloket_gitops.files.reading import decode, read_file

try:  # libyaml is in PyYAML's wheels; the pure loader is the slow fallback.
    _BaseLoader: type[Any] = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _BaseLoader = yaml.SafeLoader

MAX_NODES = 100_000
MAX_DEPTH = 100
# Every level of nesting needs one of these characters (flow brackets, a block
# sequence's dash, a mapping's colon or explicit-key mark), so their count bounds
# the depth without parsing.
_NESTING_CHARS = "[{-:?"

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"


class _Yaml12Loader(_BaseLoader):  # type: ignore[misc]
    """libyaml composer with the YAML 1.2 core schema's implicit tags."""

    yaml_implicit_resolvers: ClassVar[dict[str | None, list[tuple[str, re.Pattern[str]]]]] = {}

    def resolve(self, kind: type[yaml.Node], value: str, implicit: tuple[bool, bool]) -> str:
        # What BaseResolver.resolve does for a loader without path or wildcard
        # resolvers, minus its list building: the composer calls this for every node,
        # so it is a third of the cost of reading a file.
        if kind is yaml.ScalarNode:
            if implicit[0]:
                for tag, regexp in self.yaml_implicit_resolvers.get(value[:1], ()):
                    if regexp.match(value):
                        return tag
            return _STR
        return _SEQ if kind is yaml.SequenceNode else _MAP


class _SpanLoader(_Yaml12Loader):
    """The strict reader's composer for ``fmt``, its two per-node callbacks made C
    builtins: for every node the composer calls ``descend_resolver(parent, index)`` and
    ``ascend_resolver()``, which do nothing without path resolvers (the strict reader
    has none), so any builtin taking those arguments will do, and costs no Python call.
    (Builtins are not descriptors: they are called without ``self``.)"""

    descend_resolver = operator.is_
    ascend_resolver = tuple


_CORE_RESOLVERS: list[tuple[str, str, str]] = [
    (_NULL, r"^(?:~|null|Null|NULL|)$", "~nN"),
    (_BOOL, r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    (_INT, r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        _FLOAT,
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+.0123456789",
    ),
]
for _tag, _pattern, _first in _CORE_RESOLVERS:
    _Yaml12Loader.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))
CORE_FORMS = {tag: re.compile(pattern) for tag, pattern, _ in _CORE_RESOLVERS}
"""What a value with an explicit tag (``!!int " 5 "``) must look like: the tag's own
form in the core schema. Python's int() and the tag alone would accept far more."""
_TAG_NAMES = {_NULL: "null", _BOOL: "a boolean", _INT: "an integer", _FLOAT: "a number"}
_Yaml12Loader.add_implicit_resolver(_NULL, re.compile(r"^$"), [""])


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


def _mark(node: yaml.Node) -> Mark:
    start = node.start_mark
    return _new_mark(Mark, (start.line + 1, start.column + 1))


# Mark(line, column) without the NamedTuple's Python-level __new__:
# the converter makes one per node, so this is measurable on large sets of files.
_new_mark = tuple.__new__


class _TooLarge(Exception):
    def __init__(self, node: yaml.Node) -> None:
        super().__init__()
        self.node = node


class _Converter:
    """Turns a composed node tree into plain values, recording positions.

    This runs once per node of every file, so it is written for speed: no helper
    calls on the common path (plain string scalars, scalar keys).
    """

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.count = 0
        self._values = doc.value_marks
        self._keys = doc.key_marks

    def convert(self, node: yaml.Node, path: PathKey) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooLarge(node)
        start = node.start_mark
        self._values[path] = _new_mark(Mark, (start.line + 1, start.column + 1))
        if isinstance(node, yaml.ScalarNode):
            if node.tag == _STR:
                return node.value
            self.doc.scalar_sources[path] = node.value
            return self._scalar(node)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ:
                self._check_tag(node, _SEQ)
            convert = self.convert
            return [convert(item, (*path, i)) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.MappingNode)
        if node.tag != _MAP:
            self._check_tag(node, _MAP)
        return self._mapping(node, path)

    def _mapping(self, node: yaml.MappingNode, path: PathKey) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        keys = self._keys
        convert = self.convert
        for key_node, value_node in node.value:
            self.count += 1
            if not isinstance(key_node, yaml.ScalarNode):
                self._problem("schema", "a mapping key must be a plain value", key_node)
                continue
            key = key_node.value if key_node.tag == _STR else self._scalar(key_node)
            if key in result:
                first = keys[(*path, key)]
                self._problem(
                    "duplicate-key",
                    f"key {key!r} appears more than once in this mapping"
                    f" (first at line {first.line})",
                    key_node,
                    hint="remove one of the two; YAML would silently keep only the last",
                )
                continue
            where = (*path, key)
            start = key_node.start_mark
            keys[where] = _new_mark(Mark, (start.line + 1, start.column + 1))
            result[key] = convert(value_node, where)
        return result

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        value: str = node.value
        tag = node.tag
        if tag == _STR:
            return value
        form = CORE_FORMS.get(tag)
        if form is not None and not form.match(value):  # an explicit tag on a foreign value
            self._problem(
                "schema",
                f"{value!r} is not {_TAG_NAMES[tag]}, as its tag {tag.rsplit(':', 1)[-1]!r} says",
                node,
                hint="remove the tag; employer files use plain YAML values only",
            )
            return value
        if tag == _NULL:
            return None
        if tag == _BOOL:
            return value.lower() == "true"
        if tag == _INT:
            try:
                return int(value, 0) if value[:2] in ("0o", "0x") else int(value)
            except ValueError:
                self._problem("schema", f"{value!r} is not an integer", node)
                return value
        if tag == _FLOAT:
            try:
                return float(value.lower().replace(".inf", "inf").replace(".nan", "nan"))
            except ValueError:
                self._problem("schema", f"{value!r} is not a number", node)
                return value
        self._problem(
            "yaml-syntax",
            f"unsupported tag {tag!r}",
            node,
            hint="remove the tag; employer files use plain YAML values only",
        )
        return value

    def _check_tag(self, node: yaml.Node, expected: str) -> None:
        if node.tag != expected:
            self._problem(
                "yaml-syntax",
                f"unsupported tag {node.tag!r}",
                node,
                hint="remove the tag; employer files use plain YAML values only",
            )

    def _problem(self, rule: str, message: str, node: yaml.Node, hint: str | None = None) -> None:
        self.doc.problems.append(LoadProblem(rule, message, _mark(node), hint))


class _DataConverter(_Converter):
    """The converter's rules (tags, key types, duplicate keys, size) without recording
    any position: for reading back text whose positions nobody asks for (``fmt``
    proving that its output holds the same data); a problem's mark is made from its
    node only when there is one."""

    def convert(self, node: yaml.Node, path: PathKey = ()) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooLarge(node)
        if isinstance(node, yaml.ScalarNode):
            return node.value if node.tag == _STR else self._scalar(node)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ:
                self._check_tag(node, _SEQ)
            convert = self.convert
            return [convert(item) for item in node.value]
        assert isinstance(node, yaml.MappingNode)
        if node.tag != _MAP:
            self._check_tag(node, _MAP)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            self.count += 1
            if not isinstance(key_node, yaml.ScalarNode):
                self._problem("schema", "a mapping key must be a plain value", key_node)
                continue
            key = key_node.value if key_node.tag == _STR else self._scalar(key_node)
            if key in result:
                message = f"key {key!r} appears more than once in this mapping"
                self._problem("duplicate-key", message, key_node)
                continue
            result[key] = self.convert(value_node)
        return result


class _SpanConverter(_Converter):
    """The converter that also records, in the same walk and in document order, what
    ``fmt`` needs to find and place comments: each scalar's span and each key and list
    item (:data:`OutlineNode`). Written like its parent, for speed (and the composer
    makes nodes of exactly these three classes)."""

    def __init__(self, doc: Document) -> None:
        super().__init__(doc)
        self.spans: list[ScalarSpan] = []
        self.outline: list[OutlineNode] = []
        self._add_span = self.spans.append
        self._add_node = self.outline.append

    def convert(self, node: yaml.Node, path: PathKey) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooLarge(node)
        start = node.start_mark
        column = start.column + 1
        self._values[path] = _new_mark(Mark, (start.line + 1, column))
        if type(node) is yaml.ScalarNode:
            self._add_span((start.index, node.end_mark.index, node.style))
            if node.tag == _STR:
                return node.value
            self.doc.scalar_sources[path] = node.value
            return self._scalar(node)
        if type(node) is yaml.SequenceNode:
            if node.tag != _SEQ:
                self._check_tag(node, _SEQ)
            result: list[Any] = []
            add, append, convert = self._add_node, result.append, self.convert
            depth = len(path) + 1
            for index, item in enumerate(node.value):
                where = (*path, index)
                at = item.start_mark
                add((at.line + 1, at.column + 1, depth, where, column, False))
                append(convert(item, where))
            return result
        assert type(node) is yaml.MappingNode
        if node.tag != _MAP:
            self._check_tag(node, _MAP)
        return self._mapping(node, path)

    def _mapping(self, node: yaml.MappingNode, path: PathKey) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        keys = self._keys
        convert, add_span, add = self.convert, self._add_span, self._add_node
        depth = len(path) + 1
        for key_node, value_node in node.value:
            self.count += 1
            if type(key_node) is not yaml.ScalarNode:
                self._problem("schema", "a mapping key must be a plain value", key_node)
                continue
            key = key_node.value if key_node.tag == _STR else self._scalar(key_node)
            if key in result:
                first = keys[(*path, key)]
                self._problem(
                    "duplicate-key",
                    f"key {key!r} appears more than once in this mapping"
                    f" (first at line {first.line})",
                    key_node,
                    hint="remove one of the two; YAML would silently keep only the last",
                )
                continue
            where = (*path, key)
            start = key_node.start_mark
            line, column = start.line + 1, start.column + 1
            keys[where] = _new_mark(Mark, (line, column))
            add_span((start.index, key_node.end_mark.index, key_node.style))
            add((line, column, depth, where, column, True))
            result[key] = convert(value_node, where)
        return result


_ODD_BREAKS = {
    "\x85": "U+0085 NEXT LINE",
    "\u2028": "U+2028 LINE SEPARATOR",
    "\u2029": "U+2029 PARAGRAPH SEPARATOR",
}


def _odd_break(text: str) -> LoadProblem | None:
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


def _too_nested(text: str) -> LoadProblem | None:
    """A problem if ``text`` nests deeper than ``MAX_DEPTH``.

    libyaml's composer recurses in C and crashes the whole process (no exception) on
    tens of thousands of levels, so the depth is counted from the flat event stream
    first; the cheap character count spares ordinary files the second parse.
    """
    if sum(text.count(c) for c in _NESTING_CHARS) <= MAX_DEPTH:
        return None
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Yaml12Loader):
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
    odd = _odd_break(text)
    if odd is not None:
        return Document(problems=[odd], readable=False)
    try:
        too_nested = _too_nested(text)
        if too_nested is not None:
            return Document(problems=[too_nested], readable=False)
        nodes = list(yaml.compose_all(text, Loader=_SpanLoader if spans else _Yaml12Loader))
    except yaml.MarkedYAMLError as error:
        message = (error.problem or error.context or "cannot parse YAML").strip()
        return _syntax_problem(message, _error_mark(error, text), text)
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
            _mark(nodes[1]),
            "put each employer in its own file",
        )
    doc = Document()
    converter = (
        _SpanConverter(doc) if spans else _Converter(doc) if positions else _DataConverter(doc)
    )
    try:
        doc.data = converter.convert(nodes[0], ())
    except _TooLarge as error:
        aliases = "&" in text and "*" in text
        return _fail(
            "file-limits",
            f"document {'expands' if aliases else 'grows'} to more than {MAX_NODES:,} values"
            + (" (anchors and aliases?)" if aliases else ""),
            _mark(error.node),
            "write the values out; employer files do not need anchors"
            if aliases
            else "an employer file holds a few dozen values; check that this is the right file",
        )
    except RecursionError:
        return _too_deep()
    if spans:
        _record_spans(doc, converter, nodes[0], "*" in text)
    return doc


def _record_spans(doc: Document, converter: _Converter, root: yaml.Node, aliases: bool) -> None:
    """The spans and outline the converter recorded, sorted. They are in document
    order, which is position order but where a node is reached again through an alias
    (at its anchor's position): only then are they sorted. A document with problems
    (where the converter skipped keys) has its spans found by walking its nodes, and no
    outline."""
    assert isinstance(converter, _SpanConverter)
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
    root = yaml.compose(text, Loader=_Yaml12Loader)
    return [] if root is None else _scalar_spans(root)


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
    return _fail("yaml-syntax", message, mark)


def _too_deep() -> Document:
    return _fail(
        "file-limits",
        "document is nested too deeply to read",
        hint="an employer file is nested three levels deep at most",
    )
