"""The strict YAML loader: YAML 1.2 values, positions, and hostile input as problems."""

from __future__ import annotations

import pytest

from mijnloket_gitops.files.canonical import same_data
from mijnloket_gitops.files.loader import (
    MAX_DEPTH,
    MAX_NODES,
    Document,
    load_bytes,
    load_text,
)
from mijnloket_gitops.files.positions import LoadProblem, Mark
from mijnloket_gitops.files.reading import MAX_FILE_BYTES


def only_problem(doc: Document) -> LoadProblem:
    assert len(doc.problems) == 1, doc.problems
    return doc.problems[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yes", "yes"),
        ("no", "no"),
        ("on", "on"),
        ("off", "off"),
        ("y", "y"),
        ("Yes", "Yes"),
        ("true", True),
        ("false", False),
        ("0o17", 15),
        ("0x1F", 31),
        ("017", 17),
        ("1_000", "1_000"),
        ("1:30", "1:30"),
        ("2026-03-14", "2026-03-14"),
        ("2026-03-14T10:00:00Z", "2026-03-14T10:00:00Z"),
        ("1.5", 1.5),
        ("~", None),
        ("null", None),
        ("", None),
        ("'0x1F'", "0x1F"),
        ('"true"', "true"),
    ],
)
def test_yaml_1_2_core_schema(text: str, expected: object) -> None:
    doc = load_text(f"value: {text}\n")
    assert doc.problems == []
    assert doc.data == {"value": expected}
    assert type(doc.data["value"]) is type(expected)


def test_positions_of_keys_and_values_are_one_based() -> None:
    doc = load_text("a: 1\nlist:\n  - x\n  - y: 2\n")
    assert doc.key_marks[("list",)] == Mark(2, 1)
    assert doc.value_marks[("list", 1)] == Mark(4, 5)
    assert doc.key_marks[("list", 1, "y")] == Mark(4, 5)
    assert doc.value_marks[("list", 1, "y")] == Mark(4, 8)
    assert doc.mark(("list", 0)) == Mark(3, 5)
    assert doc.mark(("list", 7, "nowhere")) == Mark(3, 3)  # nearest ancestor: the list


@pytest.mark.parametrize(
    ("text", "mark", "first_line"),
    [
        ("a: 1\na: 2\n", Mark(2, 1), 1),
        ("a: 1\nb:\n  c: 2\n  d: 3\n  c: 4\n", Mark(5, 3), 3),
        ("list:\n  - x: 1\n    y: 2\n    x: 3\n", Mark(4, 5), 2),
        ("a: {k: 1, k: 2}\n", Mark(1, 11), 1),
    ],
)
def test_duplicate_keys_are_reported_at_the_repeated_key(
    text: str, mark: Mark, first_line: int
) -> None:
    problem = only_problem(load_text(text))
    assert problem.rule == "duplicate-key"
    assert problem.mark == mark
    assert f"first at line {first_line}" in problem.message
    assert problem.hint


@pytest.mark.parametrize(
    "tag",
    ["!!python/object:os.system", "!custom", "!!binary", "!!timestamp", "!!set", "!!omap"],
)
def test_unsupported_tags_are_yaml_syntax_problems(tag: str) -> None:
    value = "{a: 1}" if tag == "!!set" else ("[{a: 1}]" if tag == "!!omap" else "x")
    problem = only_problem(load_text(f"name: ok\nvalue: {tag} {value}\n"))
    assert problem.rule == "yaml-syntax"
    assert problem.mark == Mark(2, 8)
    assert problem.message.startswith("a tag (!...): employer files do not use tags")


@pytest.mark.parametrize("value", ["!!str 12", "!!int '7'", "!!bool true", "!!seq []", "! 12"])
def test_core_tags_are_refused_too(value: str) -> None:
    """Employer files need no tags; ``! 12`` is the string "12" in YAML 1.2, which
    libyaml read as the integer 12 (yaml-test-suite S4JQ)."""
    problem = only_problem(load_text(f"a: {value}\n"))
    assert (problem.rule, problem.mark) == ("yaml-syntax", Mark(1, 4))
    assert problem.message.startswith("a tag")


def test_multiple_documents_point_at_the_second() -> None:
    doc = load_text("a: 1\n---\nb: 2\n")
    problem = only_problem(doc)
    assert not doc.readable
    assert problem.rule == "yaml-syntax"
    assert problem.mark == Mark(3, 1)
    assert "2 YAML documents" in problem.message


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_empty_file(text: str) -> None:
    doc = load_text(text)
    problem = only_problem(doc)
    assert not doc.readable
    assert (problem.rule, problem.message, problem.mark) == ("schema", "file is empty", Mark(1, 1))


@pytest.mark.parametrize(
    ("raw", "mark"),
    [
        (b"name: caf\xe9\n", Mark(1, 10)),
        (b"a: 1\nb: \xff\n", Mark(2, 4)),
        ("naam: Café ".encode() + b"\xe9\n", Mark(1, 12)),  # columns count characters
    ],
)
def test_non_utf8_is_an_encoding_problem_at_the_bad_byte(raw: bytes, mark: Mark) -> None:
    doc = load_bytes(raw)
    problem = only_problem(doc)
    assert not doc.readable
    assert problem.rule == "encoding"
    assert problem.mark == mark
    assert "UTF-8" in problem.message


def test_nul_bytes_are_an_encoding_problem() -> None:
    problem = only_problem(load_bytes(b"a: 1\nbc: \x00\n"))
    assert problem.rule == "encoding"
    assert "NUL" in problem.message
    assert problem.mark == Mark(2, 5)


def test_file_over_one_mebibyte_is_refused_before_parsing() -> None:
    problem = only_problem(load_bytes(b"#" * (MAX_FILE_BYTES + 1)))
    assert problem.rule == "file-limits"
    assert problem.mark == Mark(1, 1)


def test_file_of_exactly_one_mebibyte_is_read() -> None:
    raw = b"a: 1\n" + b"#" * (MAX_FILE_BYTES - 5)
    assert len(raw) == MAX_FILE_BYTES
    doc = load_bytes(raw)
    assert doc.problems == []
    assert doc.data == {"a": 1}


def test_billion_laughs_is_bounded() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i, name in enumerate("bcdefghij"):
        previous = "abcdefghij"[i]
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 10) + "]")
    doc = load_text("\n".join(lines) + "\n")  # 10**10 strings if expanded
    problem = only_problem(doc)
    assert not doc.readable
    assert (problem.rule, problem.mark) == ("yaml-syntax", Mark(1, 4))
    assert problem.message.startswith("an anchor")


def test_even_a_few_aliases_are_refused() -> None:
    doc = load_text("a: &x [1, 2]\nb: *x\n")
    assert not doc.readable
    assert only_problem(doc).message.startswith("an anchor")


def test_too_many_values_are_refused_without_aliases() -> None:
    doc = load_text("[" + "1," * MAX_NODES + "1]")
    problem = only_problem(doc)
    assert (problem.rule, doc.readable) == ("file-limits", False)
    assert f"{MAX_NODES:,}" in problem.message


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,  # crashed libyaml's recursive composer
        "- " * 100_000 + "x\n",
        "{a: " * 50_000 + "}" * 50_000,
    ],
)
def test_deep_nesting_is_refused_without_crashing(text: str) -> None:
    doc = load_text(text)
    problem = only_problem(doc)
    assert not doc.readable
    assert problem.rule == "file-limits"
    assert problem.mark.line == 1
    assert problem.mark.column > 1


def test_nesting_up_to_the_limit_is_read() -> None:
    doc = load_text("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    assert doc.problems == []


def test_recursive_alias_is_a_problem() -> None:
    doc = load_text("a: &a [*a]\n")
    problem = only_problem(doc)
    assert not doc.readable
    assert problem.message.startswith("an anchor")


@pytest.mark.parametrize(
    ("text", "mark"),
    [
        ("a: [1, 2\nb: 3\n", Mark(2, 2)),
        ("a: 'open\n", Mark(2, 1)),
        ("\ta: 1\n", Mark(1, 1)),
        ("a: *missing\n", Mark(1, 4)),
    ],
)
def test_syntax_errors_carry_the_parser_position(text: str, mark: Mark) -> None:
    doc = load_text(text)
    problem = only_problem(doc)
    assert not doc.readable
    assert problem.rule == "yaml-syntax"
    assert problem.mark == mark


def test_byte_order_mark_is_allowed() -> None:
    doc = load_bytes(b"\xef\xbb\xbfversion: 1\nname: x\n")
    assert doc.problems == []
    assert doc.data == {"version": 1, "name": "x"}
    assert doc.key_marks[("version",)] == Mark(1, 1)
    assert doc.key_marks[("name",)] == Mark(2, 1)


def test_non_scalar_keys_are_refused() -> None:
    problem = only_problem(load_text("? [a, b]\n: c\n"))
    assert (problem.rule, problem.mark) == ("yaml-syntax", Mark(1, 1))
    assert problem.message.startswith("an explicit key")
    problem = only_problem(load_text("[a, b]: c\n"))
    assert (problem.rule, problem.mark) == ("yaml-syntax", Mark(1, 1))
    assert problem.message.startswith("a list or mapping used as a key")


def test_invalid_utf8_after_a_bom_names_the_right_byte_and_column() -> None:
    (problem,) = load_bytes(b"\xef\xbb\xbfname: a\xffb").problems
    assert problem.rule == "encoding"
    assert "0xff" in problem.message
    assert problem.mark == (1, 8)


def test_yaml12_infinity_and_nan_spellings_are_numbers() -> None:
    data = load_text("a: [.inf, .Inf, -.INF, .nan, .NaN, .NAN]").data
    assert data["a"][:3] == [float("inf"), float("inf"), float("-inf")]
    assert all(x != x for x in data["a"][3:])


POSITIONLESS_CASES = [
    "a: 1\nlist:\n  - x\n  - y: 2\n",
    "a: [yes, 0o17, 0x1F, 017, 1_000, 1.5, ~, '', .inf, .nan, true, 2026-03-14]\n",
    "1: int key\ntrue: bool key\n~: null key\n1.5: float key\n",
    "a: 1\na: 2\n",  # duplicate key
    "1: a\n1: b\n",
    "? [a, b]\n: c\n",  # non-scalar key
    "a: !!int '5'\nb: !!int ' 5 '\nc: !!null 'LKT-1'\nd: !!str 5\ne: !!float 1\n",
    "a: !custom x\nb: !!map {k: v}\nc: !!seq [1]\nd: !!set {a}\n",
    "a: &x [1, {k: v}]\nb: *x\n",
    "a: &a [*a]\n",  # recursive alias: too many values
    "\n".join(
        ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
        + [
            f"{n}: &{n} [" + ", ".join([f"*{p}"] * 10) + "]"
            for p, n in zip("abcdefghi", "bcdefghij", strict=True)
        ]
    ),
    "[" * MAX_DEPTH + "]" * MAX_DEPTH,
    "- " * 100_000 + "x\n",
    "a: [1, 2\nb: 3\n",
    "version: 1\n---\nversion: 1\n",
    "",
    "a: \u2028b\n",
]


@pytest.mark.parametrize("text", POSITIONLESS_CASES)
def test_reading_without_positions_keeps_every_rule(text: str) -> None:
    """fmt reads its own output back without positions (faster); the data and the
    problems must be those of the full read, only the marks and sources are left out."""
    full, bare = load_text(text), load_text(text, positions=False)
    assert bare.readable == full.readable
    assert [(p.rule, p.mark) for p in bare.problems] == [(p.rule, p.mark) for p in full.problems]
    assert [p.message.split(" (first at")[0] for p in full.problems] == [
        p.message for p in bare.problems
    ]
    if full.readable:
        assert same_data(bare.data, full.data)
        assert (bare.value_marks, bare.key_marks, bare.scalar_sources) == ({}, {}, {})
