"""``fmt`` reading its own output back, compared while it is read.

:func:`~mijnloket_gitops.files.canonical.check_same_data` must prove that the text
``fmt`` wrote reads back, with the strict reader, as the data it was written from.
Reading the text into dicts and lists and then comparing those (the full check) walks
every value twice; :func:`reads_back_as` composes the text with the strict reader's
composer and compares each node with the data in the order the emitter wrote it, in
one walk, building no values but the non-string scalars.

It only ever says "the same" when the full check would: the strict reader's rules
(no construct :mod:`.yaml_subset` refuses, one document, core tags whose values have
their tag's core form, scalar keys, no key twice, size and depth limits, no odd line
breaks) and ``same_data``'s (types match exactly, NaN equals NaN, keys and items in
the emitter's order) hold. Whenever it cannot vouch for the text, for whatever
reason, it says False and the full check decides, and words its error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn, cast

import yaml

from mijnloket_gitops.files.convert import MAX_NODES, DataConverter
from mijnloket_gitops.files.loader import odd_break, too_nested
from mijnloket_gitops.files.yaml12 import MAP, SEQ, STR, Yaml12Loader
from mijnloket_gitops.files.yaml_subset import check, needs_check

__all__ = ["reads_back_as"]

try:  # libyaml's parser (in PyYAML's wheels), set up without the rest of the loader
    from yaml._yaml import CParser

    _start_parser: Callable[..., None] = CParser.__init__
except ImportError:  # pragma: no cover - PyYAML built without libyaml: the whole loader
    _start_parser = Yaml12Loader.__init__

_RESOLVERS = Yaml12Loader.yaml_implicit_resolvers
"""The implicit resolvers by first character: a plain scalar whose first character
has none is a string."""
_Scalar, _Sequence = yaml.ScalarNode, yaml.SequenceNode


class _Loader(Yaml12Loader):
    """The strict reader's composer with ``resolve`` made a C builtin too.

    The composer calls ``resolve(kind, value, implicit)`` for every node without a tag
    (or with ``!``), a Python call each (the strict reader's other two per-node
    callbacks are builtins already). Here it becomes ``slice``, which keeps its
    arguments (``tag.step`` is ``implicit``) for the comparison to resolve only where
    it matters. Builtins are not descriptors, so it is called without ``self``.
    """

    def __init__(self, text: str) -> None:
        # the parser alone: no constructor or resolver state, neither is used
        _start_parser(self, text)

    resolve = slice  # type: ignore[assignment]  # see above


_READER = Yaml12Loader("")
"""The strict reader, for its ``resolve`` (which reads no text)."""
_RESOLVED: dict[str, str] = {}
"""The tag the strict reader resolves each untagged plain scalar to, by text, for the
texts whose first character has resolvers (keys such as ``name`` or ``type`` come
again and again)."""
_RESOLVED_MAX = 4096


def _resolve(value: str) -> str:
    """What the strict reader's ``resolve`` makes of an untagged plain scalar."""
    tag = _RESOLVED.get(value)
    if tag is None:
        tag = _READER.resolve(_Scalar, value, (True, False))
        if len(_RESOLVED) < _RESOLVED_MAX:
            _RESOLVED[value] = tag
    return tag


class _Differs(Exception):
    """The strict reader would report a problem: the full check words it."""


class _ScalarReader(DataConverter):
    """The converter's scalar rules (``_scalar``), a problem ending the comparison."""

    def __init__(self) -> None:
        # No Document: a problem is raised, not recorded, and nothing else is kept.
        pass

    def _problem(
        self, rule: str, message: str, node: yaml.Node, hint: str | None = None
    ) -> NoReturn:
        raise _Differs


_read_scalar = _ScalarReader()._scalar


def _comparer(orders: dict[int, list[Any]]) -> Callable[[yaml.Node, Any], bool]:
    """A function telling whether a node reads as some data (``same_data``), with
    collections in ``orders``' order; it counts the nodes as the strict reader does.

    Untagged string keys, values and items, nearly all of an employer file, are
    compared where they are met rather than in a call of their own; a collection
    node met there has a list for ``value``, unequal to any string.
    """
    count = 1

    def same(node: yaml.Node, data: Any) -> bool:
        nonlocal count
        kind = type(node)
        tag: Any = node.tag
        if kind is _Scalar:
            value: str = node.value
            if type(tag) is slice:  # no tag (or "!"): the tag the strict reader resolves
                if not (value[:1] in _RESOLVERS and tag.step[0]):
                    return type(data) is str and value == data
                tag = _resolve(value)
            if tag == STR:
                return type(data) is str and value == data
            node.tag = tag  # what ``_scalar`` converts by; raises _Differs on a problem
            read = _read_scalar(cast(yaml.ScalarNode, node))
            # NaN is the one value unequal to itself
            return type(read) is type(data) and (read == data or (read != read and data != data))
        if kind is _Sequence:
            if (type(tag) is not slice and tag != SEQ) or type(data) is not list:
                return False
            items = node.value
            if not data:
                return not items
            order = orders.get(id(data))
            if order is None or not len(items) == len(order) == len(data):
                return False
            count += len(items)
            if count > MAX_NODES:
                return False
            for item, index in zip(items, order, strict=True):
                child = data[index]
                tag = item.tag
                if type(tag) is slice and type(child) is str:
                    text = item.value
                    if text != child or (
                        text[:1] in _RESOLVERS and tag.step[0] and _resolve(text) != STR
                    ):
                        return False
                elif not same(item, child):
                    return False
            return True
        if (type(tag) is not slice and tag != MAP) or type(data) is not dict:
            return False
        pairs = node.value
        if not data:
            return not pairs
        order = orders.get(id(data))
        # ``order`` a permutation of the keys: matched with it, no key appears twice
        if order is None or not len(pairs) == len(order) == len(set(order)) == len(data):
            return False
        count += 2 * len(pairs)  # as the converter counts: each pair, each value
        if count > MAX_NODES:
            return False
        for (key_node, value_node), key in zip(pairs, order, strict=True):
            tag = key_node.tag
            if type(tag) is slice and type(key) is str:
                text = key_node.value
                if text != key or (
                    text[:1] in _RESOLVERS and tag.step[0] and _resolve(text) != STR
                ):
                    return False
            elif not same(key_node, key):  # a collection is no key of data: not the same
                return False
            child = data[key]
            tag = value_node.tag
            if type(tag) is slice and type(child) is str:
                text = value_node.value
                if text != child or (
                    text[:1] in _RESOLVERS and tag.step[0] and _resolve(text) != STR
                ):
                    return False
            elif not same(value_node, child):
                return False
        return True

    return same


def reads_back_as(text: str, data: Any, orders: dict[int, list[Any]]) -> bool:
    """True if the strict reader reads ``text``, without a problem, as ``data`` with
    each collection in the order ``orders`` gives (by the collection's id: its keys,
    or its item indexes). False if not, or if this cannot tell: ask the full check."""
    try:
        if odd_break(text) is not None or too_nested(text) is not None:
            return False
        if not text.endswith(("\n", "\r")) and text:  # the reader may complete its last line
            return False
        if needs_check(text) and check(text) is not None:  # what employer files do not use
            return False
        loader = _Loader(text)
        try:
            root = loader.get_single_node()  # a ComposerError if there is a second
        finally:
            loader.dispose()
        if root is None:  # no document
            return False
        return _comparer(orders)(root, data)
    except (yaml.YAMLError, UnicodeEncodeError, RecursionError, _Differs):
        return False
    except (LookupError, TypeError):  # ``orders`` holds what is no key or index of data
        return False
