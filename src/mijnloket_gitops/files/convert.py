"""Turning a composed node tree into plain values, by the strict reader's rules.

A mapping key may appear once (``duplicate-key``), only the core tags are accepted and
a tagged value must have its tag's core form, and a document (aliases expanded) may not
grow past ``MAX_NODES`` values. Problems are recorded in the :class:`Document`.
"""

from __future__ import annotations

from typing import Any

import yaml

from mijnloket_gitops.files.document import Document, OutlineNode, ScalarSpan
from mijnloket_gitops.files.positions import LoadProblem, Mark, PathKey
from mijnloket_gitops.files.yaml12 import (
    BOOL,
    CORE_FORMS,
    FLOAT,
    INT,
    MAP,
    NULL,
    SEQ,
    STR,
    TAG_NAMES,
)

MAX_NODES = 100_000


def node_mark(node: yaml.Node) -> Mark:
    start = node.start_mark
    return _new_mark(Mark, (start.line + 1, start.column + 1))


# Mark(line, column) without the NamedTuple's Python-level __new__:
# the converter makes one per node, so this is measurable on large sets of files.
_new_mark = tuple.__new__


class TooLarge(Exception):
    def __init__(self, node: yaml.Node) -> None:
        super().__init__()
        self.node = node


class Converter:
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
            raise TooLarge(node)
        start = node.start_mark
        self._values[path] = _new_mark(Mark, (start.line + 1, start.column + 1))
        if isinstance(node, yaml.ScalarNode):
            if node.tag == STR:
                return node.value
            self.doc.scalar_sources[path] = node.value
            return self._scalar(node)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != SEQ:
                self._check_tag(node, SEQ)
            convert = self.convert
            return [convert(item, (*path, i)) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.MappingNode)
        if node.tag != MAP:
            self._check_tag(node, MAP)
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
            key = key_node.value if key_node.tag == STR else self._scalar(key_node)
            if key in result:
                self._duplicate(key, keys[(*path, key)], key_node, result)
                continue
            where = (*path, key)
            start = key_node.start_mark
            keys[where] = _new_mark(Mark, (start.line + 1, start.column + 1))
            result[key] = convert(value_node, where)
        return result

    def _duplicate(self, key: Any, first: Mark, node: yaml.Node, found: dict[Any, Any]) -> None:
        self._problem(
            "duplicate-key",
            _duplicate_message(key, found, f" (first at line {first.line})"),
            node,
            hint="remove one of the two; YAML would silently keep only the last",
        )

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        value: str = node.value
        tag = node.tag
        if tag == STR:
            return value
        form = CORE_FORMS.get(tag)
        if form is not None and not form.match(value):  # an explicit tag on a foreign value
            self._problem(
                "schema",
                f"{value!r} is not {TAG_NAMES[tag]}, as its tag {tag.rsplit(':', 1)[-1]!r} says",
                node,
                hint="remove the tag; employer files use plain YAML values only",
            )
            return value
        if tag == NULL:
            return None
        if tag == BOOL:
            return value.lower() == "true"
        if tag == INT:
            try:
                return int(value, 0) if value[:2] in ("0o", "0x") else int(value)
            except ValueError:
                self._problem("schema", f"{value!r} is not an integer", node)
                return value
        if tag == FLOAT:
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
        self.doc.problems.append(LoadProblem(rule, message, node_mark(node), hint))


def _duplicate_message(key: Any, found: dict[Any, Any], where: str) -> str:
    """``key`` is in ``found``: as itself, or as an equal value of another type (``1``
    and ``true`` are the same dict key in Python)."""
    first = next(k for k in found if k == key)
    if type(first) is type(key):
        return f"key {key!r} appears more than once in this mapping{where}"
    return (
        f"key {_spelled(key)} and key {_spelled(first)} are the same value once read"
        f" (employer files use text keys){where}"
    )


def _spelled(value: Any) -> str:
    """A key as YAML spells it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


class DataConverter(Converter):
    """The converter's rules (tags, key types, duplicate keys, size) without recording
    any position: for reading back text whose positions nobody asks for (``fmt``
    proving that its output holds the same data); a problem's mark is made from its
    node only when there is one."""

    def convert(self, node: yaml.Node, path: PathKey = ()) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise TooLarge(node)
        if isinstance(node, yaml.ScalarNode):
            return node.value if node.tag == STR else self._scalar(node)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != SEQ:
                self._check_tag(node, SEQ)
            convert = self.convert
            return [convert(item) for item in node.value]
        assert isinstance(node, yaml.MappingNode)
        if node.tag != MAP:
            self._check_tag(node, MAP)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            self.count += 1
            if not isinstance(key_node, yaml.ScalarNode):
                self._problem("schema", "a mapping key must be a plain value", key_node)
                continue
            key = key_node.value if key_node.tag == STR else self._scalar(key_node)
            if key in result:
                message = _duplicate_message(key, result, "")
                self._problem("duplicate-key", message, key_node)
                continue
            result[key] = self.convert(value_node)
        return result


class SpanConverter(Converter):
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
            raise TooLarge(node)
        start = node.start_mark
        column = start.column + 1
        self._values[path] = _new_mark(Mark, (start.line + 1, column))
        if type(node) is yaml.ScalarNode:
            self._add_span((start.index, node.end_mark.index, node.style))
            if node.tag == STR:
                return node.value
            self.doc.scalar_sources[path] = node.value
            return self._scalar(node)
        if type(node) is yaml.SequenceNode:
            if node.tag != SEQ:
                self._check_tag(node, SEQ)
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
        if node.tag != MAP:
            self._check_tag(node, MAP)
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
            key = key_node.value if key_node.tag == STR else self._scalar(key_node)
            if key in result:
                self._duplicate(key, keys[(*path, key)], key_node, result)
                continue
            where = (*path, key)
            start = key_node.start_mark
            line, column = start.line + 1, start.column + 1
            keys[where] = _new_mark(Mark, (line, column))
            add_span((start.index, key_node.end_mark.index, key_node.style))
            add((line, column, depth, where, column, True))
            result[key] = convert(value_node, where)
        return result
