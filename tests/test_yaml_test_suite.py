"""Every case of the official yaml-test-suite through both strict readers.

The suite (data branch, commit 6ad3d2c6) lives beside the clone in
``../shared/yaml-test-suite/`` (CI puts ``shared/`` there). Each case is classified:

- *read*: a valid case the reader accepts; its value must equal the case's ``in.json``;
- *refused*: a valid case that uses what employer files may not (anchors, tags,
  explicit or complex keys, directives, several documents, ...) or that libyaml
  cannot read;
- *rejected*: an error case, which must be refused.

No case may read to another value than its ``in.json`` and no error case may be
accepted; every refusal carries a line and column inside the file and says in our
words what YAML construct it met (never libyaml's bare phrase).
"""

from __future__ import annotations

import json
import tarfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mijnloket_gitops.files.loader import Document, load_bytes, load_text
from mijnloket_gitops.files.reading import decode
from mijnloket_gitops.files.yaml_subset import check, needs_check
from mijnloket_gitops.files.yaml_words import UNWORDED

REPO = Path(__file__).resolve().parent.parent
SUITE = REPO.parent / "shared" / "yaml-test-suite" / "data-6ad3d2c6.tgz"


@dataclass(frozen=True)
class Case:
    name: str
    yaml: bytes
    json: str | None
    error: bool


def _cases() -> list[Case]:
    if not SUITE.is_file():
        pytest.fail(
            f"the yaml-test-suite archive is missing: {SUITE} (CI copies shared/ beside the"
            " clone; locally, put shared/ next to the repository)",
            pytrace=False,
        )
    files: dict[str, dict[str, bytes]] = {}
    with tarfile.open(SUITE) as archive:
        for member in archive.getmembers():
            if not member.isfile():
                continue
            folder, _, name = member.name.removeprefix("./").rpartition("/")
            handle = archive.extractfile(member)
            assert handle is not None
            files.setdefault(folder, {})[name] = handle.read()
    return [
        Case(name, parts["in.yaml"], _text(parts.get("in.json")), "error" in parts)
        for name, parts in sorted(files.items())
        if "in.yaml" in parts
    ]


def _text(raw: bytes | None) -> str | None:
    return None if raw is None else raw.decode("utf-8")


def _validate_reader(raw: bytes) -> Document:
    return load_bytes(raw)


def _fmt_reader(raw: bytes) -> Document:
    text, problem = decode(raw)
    if text is None:
        assert problem is not None
        return Document(problems=[problem], readable=False)
    return load_text(text, spans=True)


READERS: dict[str, Callable[[bytes], Document]] = {
    "validate": _validate_reader,
    "fmt": _fmt_reader,
}


def _json_documents(text: str) -> list[Any]:
    decoder, at, found = json.JSONDecoder(), 0, list[Any]()
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at == len(text):
            return found
        value, at = decoder.raw_decode(text, at)
        found.append(value)


def _same(ours: Any, theirs: Any) -> bool:
    """Equal as JSON values, types included (``True`` is not ``1``, ``"1"`` is not ``1``)."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        return ours.keys() == theirs.keys() and all(_same(ours[k], theirs[k]) for k in ours)
    if isinstance(ours, list) and isinstance(theirs, list):
        return len(ours) == len(theirs) and all(map(_same, ours, theirs))
    numbers = (int, float)
    if isinstance(ours, bool) or isinstance(theirs, bool):
        return type(ours) is type(theirs) and ours == theirs
    if isinstance(ours, numbers) and isinstance(theirs, numbers):
        return ours == theirs
    return type(ours) is type(theirs) and bool(ours == theirs)


def _classify(case: Case, doc: Document) -> str:
    """``read``, ``refused`` or ``rejected``; anything else is a failure, named."""
    accepted = doc.readable and not doc.problems
    if case.error:
        return "ACCEPTED AN ERROR CASE" if accepted else "rejected"
    if not accepted:
        return "refused"
    if case.json is None:
        return "ACCEPTED WITHOUT AN EXPECTED VALUE"
    expected = _json_documents(case.json)
    if len(expected) != 1:
        return f"ACCEPTED {len(expected)} DOCUMENTS AS ONE"
    # JSON's keys are strings: compare our data as JSON would hold it
    ours = json.loads(json.dumps(doc.data))
    return "read" if _same(ours, expected[0]) else f"WRONG VALUE {ours!r}"


def _refusal_problems(case: Case, doc: Document) -> list[str]:
    """What is wrong with a refusal: its position or its wording."""
    wrong = []
    lines = case.yaml.count(b"\n") + case.yaml.count(b"\r") + 1
    for problem in doc.problems:
        if not (1 <= problem.mark.line <= lines and problem.mark.column >= 1):
            wrong.append(f"position {problem.mark} outside the file")
        if problem.message.startswith(UNWORDED):
            wrong.append(f"libyaml's words only: {problem.message}")
    return wrong


@pytest.fixture(scope="module")
def cases() -> list[Case]:
    return _cases()


@pytest.mark.parametrize("reader", sorted(READERS))
def test_every_case_is_read_right_or_refused(cases: list[Case], reader: str) -> None:
    read = READERS[reader]
    outcomes: Counter[str] = Counter()
    failures = []
    for case in cases:
        doc = read(case.yaml)
        outcome = _classify(case, doc)
        outcomes[outcome] += 1
        if outcome not in ("read", "refused", "rejected"):
            failures.append(f"{case.name}: {outcome}")
        elif outcome != "read":
            failures.extend(f"{case.name}: {wrong}" for wrong in _refusal_problems(case, doc))
    assert failures == []
    assert sum(outcomes.values()) == len(cases) == 402
    # The measurement README.md quotes; a change in it is a change to the README.
    assert outcomes == {"read": 160, "refused": 148, "rejected": 94}


def test_the_cheap_test_never_skips_a_refusal(cases: list[Case]) -> None:
    """The token pass runs only where :func:`needs_check` says it may refuse: over the
    whole suite (valid and invalid YAML alike), never where it would have refused."""
    missed = [
        case.name
        for case in cases
        if (text := case.yaml.decode("utf-8", "replace")) and not needs_check(text)
        if check(text) is not None
    ]
    assert missed == []


_FRAGMENTS = [
    "a", "b: ", "- ", "-", "? ", "?", ": ", ":", "  ", "\n", "\t", "# c", "#", "|", ">-",
    "'q", "'", '"d', '"', "\\", "[", "]", "{", "}", ",", "&x ", "*x", "!", "!!str ", "%",
    "---", "x#y", "1",
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=20))
def test_the_cheap_test_never_skips_a_refusal_of_fuzzed_yaml(parts: list[str]) -> None:
    text = "".join(parts)
    assert needs_check(text) or check(text) is None, text


@pytest.mark.parametrize(
    ("text", "mark", "words"),
    [
        ("name: &a Bakkerij\n", (1, 7), "an anchor"),
        ("a: x\nname: *a\n", (2, 7), "an alias"),
        ("ticket: !!str 12\n", (1, 9), "a tag"),
        ("ticket: ! 12\n", (1, 9), "a tag"),
        ("? name\n: Bakkerij\n", (1, 1), "an explicit key"),
        ("{ ?foo: bar }\n", (1, 3), "an explicit key"),
        ("[a, b]: c\n", (1, 1), "a list or mapping used as a key"),
        ("%YAML 1.2\n---\na: b\n", (1, 1), "a directive"),
        ('key: "value"# note\n', (1, 13), "a comment must be separated"),
        ("flow: [a,\nb]\n", (2, 1), "a continued line must be indented past its parent"),
        ('name: "a\n\tb"\n', (2, 1), "a continued line must be indented past its parent"),
        ("- [-]\n", (1, 4), "a plain '-'"),
        ("a: >\n   \n  # c\n", (3, 1), "leading blank lines"),
        ("a: b\n  c: d\n", (2, 4), "a ': ' where no key can start"),
    ],
)
def test_refusals_name_the_construct_at_its_position(
    text: str, mark: tuple[int, int], words: str
) -> None:
    for read in READERS.values():
        doc = read(text.encode())
        assert not doc.readable
        [problem] = doc.problems
        assert (problem.rule, tuple(problem.mark)) == ("yaml-syntax", mark), problem
        assert problem.message.startswith(words) or words in problem.message, problem


def test_an_alias_bomb_is_refused_at_its_first_anchor() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
    )
    doc = load_text(bomb)
    [problem] = doc.problems
    assert problem.message.startswith("an anchor") and tuple(problem.mark) == (1, 4)


def test_a_block_scalar_keeps_its_line_break_before_a_last_line_of_spaces() -> None:
    assert load_text("foo: |\n  x\n   ").data == {"foo": "x\n \n"}
    assert load_text("- |+\n   ").data == ["\n"]


def test_keys_equal_once_read_are_named_as_such() -> None:
    [problem] = load_text("1: a\ntrue: b\n").problems
    assert problem.rule == "duplicate-key"
    assert problem.message.startswith("key true and key 1 are the same value once read")
    assert problem.message.endswith("(first at line 1)")
