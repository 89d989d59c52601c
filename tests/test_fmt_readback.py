"""``fmt``'s read-back of its own output: the one-walk comparison (``files/readback.py``)
says "the same" exactly when the full check did before it.

The reference is the full check itself: the strict reader (``load_text``) without a
problem, and ``_same_in_order`` on what it read. Texts are generated with what the
emitter never writes (tags, quoting styles, flow collections, anchors and aliases,
repeated keys, collection keys) and compared with the data they read as, and with that
data changed where it matters (``1``, ``1.0``, ``true`` and ``"1"``; NaN; the order of
keys and items).
"""

from __future__ import annotations

import enum
import json
import math
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mijnloket_gitops.catalog import builtin_catalog
from mijnloket_gitops.files import canonical, convert, readback, yaml12
from mijnloket_gitops.files.canonical import (
    Comments,
    FormatError,
    _same_in_order,
    check_same_data,
    format_text,
    same_data,
)
from mijnloket_gitops.files.emitter import Emitter
from mijnloket_gitops.files.loader import load_text
from mijnloket_gitops.files.readback import reads_back_as

CATALOG = builtin_catalog()
Orders = dict[int, list[Any]]


def reference(text: str, data: Any, orders: Orders) -> bool:
    """The full check, as ``check_same_data`` made it before the one walk."""
    doc = load_text(text, positions=False)
    return not doc.problems and _same_in_order(doc.data, data, orders)


def orders_of(data: Any, orders: Orders | None = None) -> Orders:
    """Every collection in its own order: keys as they are, items by index."""
    orders = {} if orders is None else orders
    if isinstance(data, dict):
        orders[id(data)] = list(data)
        for value in data.values():
            orders_of(value, orders)
    elif isinstance(data, list):
        orders[id(data)] = list(range(len(data)))
        for item in data:
            orders_of(item, orders)
    return orders


def agree(text: str, data: Any, orders: Orders) -> bool:
    fast = reads_back_as(text, data, orders)
    assert fast == reference(text, data, orders), (text, data)
    return fast


# --- hand-picked cases -------------------------------------------------------------


class Word(enum.StrEnum):
    X = "x"


CASES: list[tuple[str, Any, bool]] = [
    ("a: 1\n", {"a": 1}, True),
    ("a: 1\n", {"a": 1.0}, False),
    ("a: 1\n", {"a": True}, False),
    ("a: 1\n", {"a": "1"}, False),
    ("a: 1.0\n", {"a": 1.0}, True),
    ("a: 1.0\n", {"a": 1}, False),
    ("a: true\n", {"a": True}, True),
    ("a: true\n", {"a": 1}, False),
    ("a: True\n", {"a": True}, True),
    ("a: yes\n", {"a": "yes"}, True),
    ("a: yes\n", {"a": True}, False),
    ('a: "1"\n', {"a": "1"}, True),
    ('a: "1"\n', {"a": 1}, False),
    ("a: '1'\n", {"a": "1"}, True),
    ("a: !!str 1\n", {"a": "1"}, False),  # no tags, anchors or aliases
    ("a: !!str 1\n", {"a": 1}, False),
    ('a: !!int "1"\n', {"a": 1}, False),  # no tags, anchors or aliases
    ('a: !!int "x"\n', {"a": "x"}, False),
    ("a: !!int 1.5\n", {"a": 1.5}, False),
    ("a: !!int 0x1F\n", {"a": 31}, False),  # no tags, anchors or aliases
    ("a: !!float 1\n", {"a": 1.0}, False),  # no tags, anchors or aliases
    ("a: !!float 1\n", {"a": 1}, False),
    ("a: !!bool yes\n", {"a": "yes"}, False),
    ("a: !!null ''\n", {"a": None}, False),  # no tags, anchors or aliases
    ("a: !!null x\n", {"a": "x"}, False),
    ("a: !custom 1\n", {"a": "1"}, False),
    ("a: !!binary aGk=\n", {"a": "aGk="}, False),
    ("a: ! 12\n", {"a": 12}, False),  # libyaml read "!" like no tag: refused (S4JQ)
    ("a: ! '12'\n", {"a": 12}, False),
    ("a: 0o17\n", {"a": 15}, True),
    ("a: 017\n", {"a": 17}, True),
    ("a: 1_000\n", {"a": "1_000"}, True),
    ("a: 2024-01-01\n", {"a": "2024-01-01"}, True),
    ("a: ~\n", {"a": None}, True),
    ("a:\n", {"a": None}, True),
    ("a: ''\n", {"a": ""}, True),
    ("a: ''\n", {"a": None}, False),
    ("a: .nan\n", {"a": math.nan}, True),
    ("a: .NaN\n", {"a": math.nan}, True),
    ("a: .nan\n", {"a": math.inf}, False),
    ("a: .nan\n", {"a": "nan"}, False),
    ("a: -.inf\n", {"a": -math.inf}, True),
    ("a: -0.0\n", {"a": 0.0}, True),
    (".nan: 1\n", {math.nan: 1}, True),
    ("1: a\n", {1: "a"}, True),
    ("1: a\n", {"1": "a"}, False),
    ("1: a\n", {True: "a"}, False),
    ("true: a\n", {True: "a"}, True),
    ("~: a\n", {None: "a"}, True),
    ("a: 1\nb: 2\n", {"a": 1, "b": 2}, True),
    ("b: 2\na: 1\n", {"a": 1, "b": 2}, False),  # keys in another order than ``orders``
    ("a: 1\na: 1\n", {"a": 1}, False),  # a key twice
    ("a: 1\na: 2\n", {"a": 2}, False),
    ("? [a]\n: 1\n", {"a": 1}, False),  # a collection as key
    ("[a]: 1\n", {("a",): 1}, False),
    ("- a\n- b\n", ["a", "b"], True),
    ("- b\n- a\n", ["a", "b"], False),
    ("- a\n- a\n", ["a"], False),  # an item too many
    ("- a\n", ["a", "a"], False),
    ("a: 1\nb: 1\n", {"a": 1}, False),
    ("a: x\n", {"a": Word.X}, False),  # a str of another type: not the same
    ("a: 'x'\n", {"a": Word.X}, False),
    ("a: !!str x\n", {"a": Word.X}, False),
    ("x: a\n", {Word.X: "a"}, False),
    ("- x\n", [Word.X], False),
    ("[a, b]\n", ["a", "b"], True),
    ("{a: 1, b: [x]}\n", {"a": 1, "b": ["x"]}, True),
    ("a: []\n", {"a": []}, True),
    ("a: []\n", {"a": {}}, False),
    ("a: {}\n", {"a": {}}, True),
    ("a: [x]\n", {"a": []}, False),
    ("a: {}\n", {"a": None}, False),
    ("a: !!seq []\n", {"a": []}, False),  # no tags, anchors or aliases
    ("a: !!map []\n", {"a": []}, False),
    ("a: !!str []\n", {"a": []}, False),
    ("!!map {a: 1}\n", {"a": 1}, False),  # no tags, anchors or aliases
    ("!!seq {a: 1}\n", {"a": 1}, False),
    ("a: &x [1, 2]\nb: *x\n", {"a": [1, 2], "b": [1, 2]}, False),  # no tags, anchors or aliases
    ("a: &x [1, 2]\nb: *x\n", {"a": [1, 2], "b": [1, 3]}, False),
    ("a: &x 1\nb: *x\n", {"a": 1, "b": 1}, False),  # no tags, anchors or aliases
    ("&k a: 1\n*k : 2\n", {"a": 1}, False),  # an alias repeats the key
    ("a: *nowhere\n", {"a": None}, False),
    ("a: &x 1\nb: &x 2\n", {"a": 1, "b": 2}, False),  # an anchor twice: libyaml refuses
    ("a: 1\n---\na: 1\n", {"a": 1}, False),  # two documents
    ("---\na: 1\n...\n", {"a": 1}, True),
    ("", None, False),  # no document
    ("---\n", None, True),
    ("x\n", "x", True),
    ("a: [1\n", {"a": [1]}, False),  # a syntax error
    ("a: b\u2028c\n", {"a": "b\u2028c"}, False),  # a line break to some readers
    ("a: b\x85c\n", {"a": "b\x85c"}, False),
    ('a: "b\u2028"\n', {"a": "b\u2028"}, False),
    ("a: b  # c\u2028\n", {"a": "b"}, False),
    ("a: \ud800\n", {"a": "\ud800"}, False),  # a lone surrogate
    ("a: \x07\n", {"a": "\x07"}, False),  # a character YAML does not allow
    ("[" * 101 + "]" * 101 + "\n", [[]], False),  # nested too deeply
    ("a: 'b\n\n  c'\n", {"a": "b\nc"}, True),
    ("a: |\n  b\n", {"a": "b\n"}, True),
    ("a: >-\n  b\n  c\n", {"a": "b c"}, True),
]


def _deep(levels: int) -> Any:
    value: Any = []
    for _ in range(levels - 1):
        value = [value]
    return value


@pytest.mark.parametrize(("text", "data", "expected"), CASES)
def test_cases_agree_with_the_full_check(text: str, data: Any, expected: bool) -> None:
    if text.startswith("[" * 101):
        data = _deep(101)
    assert agree(text, data, orders_of(data)) is expected


def test_key_and_item_order_come_from_orders() -> None:
    data: dict[str, Any] = {"a": 1, "b": [10, 20]}
    orders: Orders = {id(data): ["b", "a"], id(data["b"]): [1, 0]}
    assert agree("b:\n- 20\n- 10\na: 1\n", data, orders)
    assert not agree("a: 1\nb:\n- 20\n- 10\n", data, orders)
    assert not agree("b:\n- 10\n- 20\na: 1\n", data, orders)
    assert not agree("b: [20, 10]\na: 1\n", data, {id(data): ["b", "a"]})  # no order


def test_a_key_written_twice_is_refused_whatever_orders_say() -> None:
    # ``orders`` comes from the emitter under test: a key in it twice must not turn a
    # repeated key in the text into "the same"
    data = {"a": 1, "b": 1}
    assert not agree("a: 1\na: 1\n", data, {id(data): ["a", "a"]})


def test_size_limit_counts_as_the_reader_does(monkeypatch: pytest.MonkeyPatch) -> None:
    cases = [
        ("a: [1, 2]\nb: [1, 2]\n", {"a": [1, 2], "b": [1, 2]}, 9),  # 1 + 2 pairs + 2 + 4
        ("a: 1\nb: 2\nc: 3\n", {"a": 1, "b": 2, "c": 3}, 7),
    ]
    for text, data, size in cases:
        for limit, expected in ((size, True), (size - 1, False)):
            monkeypatch.setattr(convert, "MAX_NODES", limit)
            monkeypatch.setattr(readback, "MAX_NODES", limit)
            assert agree(text, data, orders_of(data)) is expected


# --- generated texts ---------------------------------------------------------------

SCALARS = [
    "a", "b", "x y", "1", "-1", "+1", "007", "0x1F", "0o17", "1.0", "1.", ".5", "1e3",
    "1_000", "true", "True", "TRUE", "false", "yes", "no", "on", "null", "Null", "~", "",
    ".nan", ".NaN", ".inf", "-.Inf", "nan", "inf", "-0.0", "2024-01-01", "12:30", "a: b",
    "#", "é", "- x", "'", '"',
]  # fmt: skip
SCALAR_TAGS = [None] * 24 + ["!!str", "!!int", "!!float", "!!bool", "!!null", "!", "!x"]
COLLECTION_TAGS = [None] * 24 + ["!!seq", "!!map", "!", "!!str"]


class TextMaker:
    """Writes random YAML: flow or block collections, tagged and quoted scalars,
    anchors and aliases, repeated keys, collection keys."""

    def __init__(self, rnd: random.Random) -> None:
        self.rnd = rnd
        self.anchors: list[str] = []

    def _props(self, tags: list[str | None]) -> str:
        rnd = self.rnd
        tag = rnd.choice(tags)
        anchor = f"&a{len(self.anchors)}" if rnd.random() < 0.05 else None
        if anchor:
            self.anchors.append(anchor[1:])
        return "".join(f"{part} " for part in (anchor, tag) if part)

    def scalar(self) -> str:
        rnd = self.rnd
        if self.anchors and rnd.random() < 0.03:
            return f"*{rnd.choice(self.anchors)}"
        value = rnd.choice(SCALARS)
        style = rnd.choice(["plain", "plain", "single", "double"])
        if style == "single":
            value = "'" + value.replace("'", "''") + "'"
        elif style == "double":
            value = json.dumps(value)
        return self._props(SCALAR_TAGS) + value

    def flow(self, depth: int) -> str:
        rnd = self.rnd
        if depth <= 0 or rnd.random() < 0.5:
            return self.scalar()
        props = self._props(COLLECTION_TAGS)
        size = rnd.randrange(4)
        if rnd.random() < 0.5:
            return props + "[" + ", ".join(self.flow(depth - 1) for _ in range(size)) + "]"
        pairs = (f"{self._key(depth)}: {self.flow(depth - 1)}" for _ in range(size))
        return props + "{" + ", ".join(pairs) + "}"

    def _key(self, depth: int) -> str:
        return self.flow(depth - 1) if self.rnd.random() < 0.05 else self.scalar()

    def block(self, depth: int, indent: int) -> list[str]:
        """Lines of a block collection (or one flow value) at ``indent``."""
        rnd = self.rnd
        pad = " " * indent
        if depth <= 0 or rnd.random() < 0.3:
            return [pad + self.flow(depth)]
        size = 1 + rnd.randrange(3)
        lines: list[str] = []
        sequence = rnd.random() < 0.4
        for _ in range(size):
            head = f"{pad}- " if sequence else f"{pad}{self._key(depth)}:"
            if rnd.random() < 0.5:
                lines.append(f"{head} {self.flow(depth - 1)}".rstrip())
            else:
                lines.append(head.rstrip())
                lines.extend(self.block(depth - 1, indent + 2))
        return lines

    def document(self) -> str:
        return "\n".join(self.block(3, 0)) + "\n"


def walk_scalars(data: Any, found: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """(container, key or index) of every scalar value in ``data``."""
    if isinstance(data, dict | list):
        for key, value in data.items() if isinstance(data, dict) else enumerate(data):
            if isinstance(value, dict | list):
                walk_scalars(value, found)
            else:
                found.append((data, key))
    return found


def collections(data: Any, found: list[Any]) -> list[Any]:
    if isinstance(data, dict | list):
        found.append(data)
        for value in data.values() if isinstance(data, dict) else data:
            collections(value, found)
    return found


def other_values(value: Any) -> list[Any]:
    """Values equal to ``value`` in Python but not in ``same_data`` (or just different)."""
    if isinstance(value, bool):
        return [int(value), float(value), str(value).lower(), not value]
    if isinstance(value, int):
        return [float(value), str(value), value + 1] + ([bool(value)] if value in (0, 1) else [])
    if isinstance(value, float):
        if math.isnan(value):
            return [math.nan, math.nan, "nan", math.inf]  # a new NaN: still the same
        return [int(value), str(value)] if value.is_integer() else [str(value), -value]
    if value is None:
        return ["", "null", False, 0]
    return [value + "x", " " + value, None, 1]


def perturb(data: Any, orders: Orders, rnd: random.Random) -> str:
    """Change ``data`` or ``orders`` in one place; say how."""
    how = rnd.choice(["none", "value", "key", "order"])
    if how == "value":
        places = walk_scalars(data, [])
        if places:
            container, key = rnd.choice(places)
            container[key] = rnd.choice(other_values(container[key]))
            return "value"
    if how == "key":
        mappings = [m for m in collections(data, []) if isinstance(m, dict) and m]
        if mappings:
            mapping = rnd.choice(mappings)
            old = rnd.choice(list(mapping))
            new = rnd.choice(other_values(old)) if old is not None else "null"
            try:
                if new in mapping:
                    return "none"
            except TypeError:
                return "none"
            items = [(new if k is old else k, v) for k, v in mapping.items()]
            mapping.clear()
            mapping.update(items)
            orders[id(mapping)] = list(mapping)
            return "key"
    if how == "order":
        seqs = [c for c in collections(data, []) if len(c) > 1]
        if seqs:
            order = orders[id(rnd.choice(seqs))]
            order.reverse()
            return "order"
    return "none"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False))
def test_generated_texts_agree_with_the_full_check(rnd: random.Random) -> None:
    text = TextMaker(rnd).document()
    doc = load_text(text, positions=False)
    if not doc.readable:
        assert not reads_back_as(text, None, {})
        return
    data = doc.data
    orders = orders_of(data)
    how = perturb(data, orders, rnd)
    same = agree(text, data, orders)
    if how == "none":
        assert same == (not doc.problems)


def test_generated_texts_cover_both_answers() -> None:
    # the property above is only worth something if the generator reaches both
    # answers, the reader's problems and every kind of change
    seen: set[tuple[str, bool, bool]] = set()
    rnd = random.Random(14)
    for _ in range(3000):
        text = TextMaker(rnd).document()
        doc = load_text(text, positions=False)
        if not doc.readable:
            continue
        orders = orders_of(doc.data)
        how = perturb(doc.data, orders, rnd)
        seen.add((how, bool(doc.problems), agree(text, doc.data, orders)))
    wanted = {
        ("none", False, True),
        ("none", True, False),
        ("value", False, False),
        ("key", False, False),
        ("order", False, False),
    }
    assert wanted <= seen, wanted - seen


# --- the emitter's own output ------------------------------------------------------

JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["1", "1.0", "true", "null", "", "~", ".nan", "0x1F", "yes", "- a", "#"]),
)
KEYS = st.one_of(st.text(max_size=8), st.integers(-5, 5), st.booleans(), st.none())
JSON_DATA = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=20,
)


def emitted(data: Any) -> tuple[str, Orders]:
    emitter = Emitter(CATALOG, Comments())
    return emitter.document(data), emitter.orders


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON_DATA, st.randoms(use_true_random=False))
def test_emitted_text_reads_back_and_a_change_is_seen(data: Any, rnd: random.Random) -> None:
    text, orders = emitted(data)
    assert agree(text, data, orders)
    places = walk_scalars(data, [])
    if places:
        container, key = rnd.choice(places)
        old = container[key]
        container[key] = new = rnd.choice(other_values(old))
        both_nan = all(isinstance(x, float) and math.isnan(x) for x in (old, new))
        assert agree(text, data, orders) is both_nan


def test_emitted_employer_data_reads_back_in_the_emitters_order() -> None:
    text = (
        "users:\n- {login: zed@x.nl, rights: [Raadplegen MijnLoket e-mailadres], type: x}\n"
        "- login: Abe@x.nl\nproducts: [Verlofregistratie, MijnLoket]\nversion: 1\n"
    )
    data = load_text(text).data
    out, orders = emitted(data)
    assert out.index("Abe@x.nl") < out.index("zed@x.nl")  # reordered
    assert agree(out, data, orders)
    data["users"][0]["rights"].append("Raadplegen MijnLoket e-mailadres")
    assert not agree(out, data, orders)


# --- check_same_data -----------------------------------------------------------------


def test_check_same_data_takes_the_one_walk_for_fmt_output(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = "version: 1\nname: 'Foo'\nproducts: [MijnLoket]\nnotes: {b: 1.5, a: .nan}\n"
    doc = load_text(text, spans=True)

    def no_full_check(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the full check ran")

    monkeypatch.setattr(canonical, "load_text", no_full_check)
    assert format_text(text, doc, CATALOG) != text


def test_check_same_data_words_the_error_as_the_full_check_does() -> None:
    data = {"a": 1, "b": 2}
    orders = orders_of(data)
    with pytest.raises(FormatError, match=r"line 2: key 'a' appears more than once"):
        check_same_data(data, "a: 1\na: 2\n", CATALOG, orders)
    with pytest.raises(FormatError, match="a value differs"):
        check_same_data(data, "a: 1\nb: 2.0\n", CATALOG, orders)
    with pytest.raises(FormatError, match=r"line 1: a tag"):
        check_same_data(data, "a: !!int x\nb: 2\n", CATALOG, orders)


def test_check_same_data_accepts_another_order_through_the_full_check() -> None:
    # the walk follows ``orders``; text in canonical order but against other orders
    # still passes, as before, through the canonical comparison
    data = {"products": ["Verlofregistratie", "MijnLoket"]}
    orders: Orders = {id(data): ["products"], id(data["products"]): [0, 1]}
    text = "products:\n- MijnLoket\n- Verlofregistratie\n"
    assert not reads_back_as(text, data, orders)
    check_same_data(data, text, CATALOG, orders)


def test_a_nan_key_reads_back() -> None:
    # the full check looked a key up in what it read, where one NaN does not find
    # another: a KeyError, so ``fmt`` crashed on a file with a ``.nan`` key
    check_same_data({math.nan: 1, "a": 2}, ".nan: 1\na: 2\n", CATALOG)
    text = "b:   1\n.nan: 1\n"
    assert format_text(text, load_text(text, spans=True), CATALOG) == "b: 1\n.nan: 1\n"


def test_the_strict_reader_has_no_path_resolvers() -> None:
    # the read-back composer calls builtins in place of descend_resolver and
    # ascend_resolver, which do nothing only while there are no path resolvers
    assert not yaml12.Yaml12Loader.yaml_path_resolvers


def test_orders_that_are_no_keys_leave_it_to_the_full_check() -> None:
    data: dict[str, Any] = {"a": ["x", "y"]}
    text = "a:\n  - x\n  - y\n"
    orders: Orders = {id(data): [["a"]]}  # unhashable: no key
    assert not reads_back_as(text, data, orders)
    check_same_data(data, text, CATALOG, orders)  # the canonical comparison


def test_same_data_with_nan_keys() -> None:
    def nan() -> float:  # a NaN of its own (``math.nan`` is one object, found by identity)
        return float("nan")

    assert same_data({nan(): 1, "a": [nan()]}, {nan(): 1, "a": [nan()]})
    assert not same_data({nan(): 1}, {nan(): 2})
    assert not same_data({"a": 1, "b": 2}, {"b": 2, "a": 1})  # key order counts
