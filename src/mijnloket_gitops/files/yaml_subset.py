"""The YAML an employer file may use, checked on libyaml's tokens before composing.

Employer files need no anchors, aliases, tags, explicit (``?``) or complex keys and no
directives, so they are refused outright: this also closes the alias-bomb cost. The
same pass refuses what the YAML 1.2 specification forbids but libyaml (a YAML 1.1
reader) accepts, measured against the official yaml-test-suite
(``tests/test_yaml_test_suite.py``):

- a comment that touches what comes before it (``"value"# note``, ``]#``, ``>#``);
- a continuation line of a flow collection or of a multi-line scalar that is not
  indented past its block parent (spaces only: a tab is not indentation); a line that
  only closes a flow collection (``]`` or ``}`` first) may stand at its parent's
  column, as hand-written files often have it: the value is the same either way;
- a plain ``-``, ``?`` or ``:`` starting a value in a flow collection (``[-]``);
- leading blank lines of a block scalar indented deeper than its first line.

:func:`needs_check` is a cheap test on the text: the token pass (as costly as composing)
runs only on a text where one of these could be. :func:`check` returns the first
problem, or ``None``; a text the scanner itself refuses returns ``None`` (the composer
then reports the error, worded by :mod:`.yaml_words`). :func:`is_feature` tells a
construct employer files do not use from YAML that is not YAML 1.2: the caller may
prefer the composer's error for the latter (an unclosed ``[`` is better named so than
by the indentation of the line after it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import yaml

from mijnloket_gitops.files.positions import LoadProblem, Mark
from mijnloket_gitops.files.yaml12 import Yaml12Loader

_HINT = "write the value out in plain YAML; employer files use keys, lists and plain values only"

# What may be refused, each with the characters it needs: a pattern runs only on a text
# holding one of them (a regular expression costs a step per character; ``in`` does not).
_MAYBE: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("&*!?", re.compile(r"(?<!\w)(?:[&*][^\s]|!|\?(?:\s|$))", re.M)),  # anchor, alias, tag, key
    ("%", re.compile(r"^%", re.M)),  # a directive
    ("#", re.compile(r"[^\s]#")),  # a comment touching what comes before it
    ("|>", re.compile(r"(?<!\w)[|>]")),  # a block scalar's header
    # a quoted value that goes on to the next line (opened where a value starts)
    ('"', re.compile(r"(?:^|[\s\[{,])\"(?:[^\"\\\n]|\\[^\n])*\\?$", re.M)),
    ("'", re.compile(r"(?:^|[\s\[{,])'(?:[^'\n]|'')*$", re.M)),
)


_FLOW = re.compile(
    r"[\[{,][ \t]*[-:](?:[\s,\]}]|$)"  # a plain '-' or ':' in a flow collection
    r"|(?<!\w)\?"  # a '?', which is a key in a flow collection
    r"|[\[{][^\n]*:(?:[ \t]|$)",  # a flow mapping, or a flow collection as a key
    re.MULTILINE,
)


def needs_check(text: str) -> bool:
    """Whether ``text`` may hold anything :func:`check` refuses (false positives cost
    time only: :func:`check` decides)."""
    for characters, pattern in _MAYBE:
        if any(c in text for c in characters) and pattern.search(text) is not None:
            return True
    if "[" not in text and "{" not in text:
        return False
    return _FLOW.search(text) is not None or any(map(_unclosed, text.splitlines()))


def _unclosed(line: str) -> bool:
    """Whether a flow collection may go on past ``line`` (or a quote hides a bracket)."""
    if "[" not in line and "{" not in line:
        return False
    if "'" in line or '"' in line:
        return True
    depth = 0
    for bracket in _BRACKETS.findall(line):
        depth = depth + 1 if bracket in "[{" else max(depth - 1, 0)
    return depth > 0


_BRACKETS = re.compile(r"[\[\]{}]")


def is_feature(problem: LoadProblem) -> bool:
    """Whether ``problem`` (from :func:`check`) names a construct employer files do not use."""
    return problem.hint == _HINT


def _problem(message: str, mark: Any, hint: str = _HINT) -> LoadProblem:
    return LoadProblem("yaml-syntax", message, Mark(mark.line + 1, mark.column + 1), hint)


def _tokens(text: str) -> Iterator[Any]:
    loader = Yaml12Loader(text)
    try:
        while loader.check_token():
            yield loader.get_token()
    finally:
        loader.dispose()


_FEATURES: dict[type[Any], str] = {
    yaml.DirectiveToken: "a directive (%YAML or %TAG): employer files do not use them",
    yaml.AnchorToken: "an anchor (&name): employer files do not use anchors and aliases",
    yaml.AliasToken: "an alias (*name): employer files do not use anchors and aliases",
    yaml.TagToken: "a tag (!...): employer files do not use tags",
}
_COLLECTION_STARTS = (
    yaml.FlowSequenceStartToken,
    yaml.FlowMappingStartToken,
    yaml.BlockSequenceStartToken,
    yaml.BlockMappingStartToken,
)
_BREAKS = re.compile(r"\r\n|\r|\n")
_BLOCK_HEADER = re.compile(r"[|>]([1-9][+-]?|[+-][1-9]?)?")


def check(text: str) -> LoadProblem | None:
    """The first construct in ``text`` that employer files may not use, or ``None``."""
    try:
        return _Checker(text).run()
    except yaml.YAMLError:
        return None  # the composer reports it


class _Checker:
    def __init__(self, text: str) -> None:
        self.text = text
        self.blocks: list[int] = []  # the columns of the enclosing block collections
        self.flow_level = 0
        self.flow_indent = -1  # the block indentation a flow collection must exceed
        self._lines: list[str] | None = None

    def indent(self) -> int:
        return self.blocks[-1] if self.blocks else -1

    def run(self) -> LoadProblem | None:
        previous: Any = None
        for token in _tokens(self.text):
            problem = self.token(token, previous)
            if problem is not None:
                return problem
            previous = token
        return None

    def token(self, token: Any, previous: Any) -> LoadProblem | None:
        kind = type(token)
        feature = _FEATURES.get(kind)
        if feature is not None:
            return _problem(feature, token.start_mark)
        if previous is not None:
            problem = self.spacing(token, previous)
            if problem is not None:
                return problem
        if kind is yaml.KeyToken:
            if token.end_mark.index > token.start_mark.index:  # a simple key's is empty
                return _problem(
                    "an explicit key (?): employer files write 'key: value'", token.start_mark
                )
        elif kind in (yaml.BlockSequenceStartToken, yaml.BlockMappingStartToken):
            self.blocks.append(token.start_mark.column)
        elif kind is yaml.BlockEndToken:
            if self.blocks:
                self.blocks.pop()
        elif kind in (yaml.FlowSequenceStartToken, yaml.FlowMappingStartToken):
            if self.flow_level == 0:
                self.flow_indent = self.indent()
            self.flow_level += 1
        elif kind in (yaml.FlowSequenceEndToken, yaml.FlowMappingEndToken):
            self.flow_level = max(self.flow_level - 1, 0)  # a stray one: the parser refuses it
        elif kind is yaml.ScalarToken:
            return self.scalar(token)
        return None

    def spacing(self, token: Any, previous: Any) -> LoadProblem | None:
        """A key made of a list or mapping; a comment touching the token before it; a
        flow collection's line not indented past its block parent."""
        if type(previous) is yaml.KeyToken and isinstance(token, _COLLECTION_STARTS):
            return _problem(
                "a list or mapping used as a key: employer files use plain keys",
                token.start_mark,
            )
        end, start = previous.end_mark.index, token.start_mark.index
        text = self.text
        if 0 < end < start and text[end] == "#" and text[end - 1] not in " \t\r\n":
            return LoadProblem(
                "yaml-syntax",
                "a comment must be separated from what comes before it by a space",
                Mark(previous.end_mark.line + 1, previous.end_mark.column + 1),
                "put a space before the '#'",
            )
        if self.flow_level and token.start_mark.line > previous.end_mark.line:
            return self.line_indent(token.start_mark.line, token.start_mark)
        return None

    def line_indent(self, line: int, mark: Any) -> LoadProblem | None:
        """A problem if ``line`` (0-based) is not indented past the flow's block parent."""
        limit = self.flow_indent if self.flow_level else self.indent()
        if limit < 0:
            return None
        source = self._line(line)
        spaces = len(source) - len(source.lstrip(" "))
        rest = source.lstrip(" \t")
        if not rest.strip("\r") or spaces > limit or (self.flow_level and rest[0] in "]}"):
            return None
        return LoadProblem(
            "yaml-syntax",
            "a continued line must be indented past its parent"
            f" (more than {limit} space{'s' if limit != 1 else ''}; a tab is not indentation)",
            Mark(line + 1, 1),
            "indent the line with spaces, or write the value on one line",
        )

    def _line(self, line: int) -> str:
        """Line ``line`` (0-based), lines broken where libyaml breaks them."""
        if self._lines is None:
            self._lines = _BREAKS.split(self.text)
        return self._lines[line] if line < len(self._lines) else ""

    def scalar(self, token: Any) -> LoadProblem | None:
        start, end = token.start_mark, token.end_mark
        if token.style in ("|", ">"):
            return self.block_scalar(token)
        value: str = token.value
        if (
            self.flow_level
            and token.plain
            and value[:1] in ("-", "?", ":")
            and value[1:2] in ("", " ", "\t")
        ):
            return _problem(
                f"a plain {value[:1]!r} where a value should be: quote it", start, "quote it"
            )
        lines = self.text[start.index : end.index].split("\n")
        for offset in range(1, len(lines)):
            problem = self.line_indent(start.line + offset, start)
            if problem is not None:
                return problem
        return None

    def block_scalar(self, token: Any) -> LoadProblem | None:
        """A comment touching the header (``>#``); leading blank lines indented deeper
        than the first line (without an indentation indicator)."""
        text = self.text
        at = token.start_mark.index
        header = _BLOCK_HEADER.match(text, at)
        assert header is not None  # libyaml made a block scalar of it
        if text[header.end() : header.end() + 1] == "#":
            return LoadProblem(
                "yaml-syntax",
                "a comment must be separated from what comes before it by a space",
                Mark(token.start_mark.line + 1, token.start_mark.column + 1),
                "put a space before the '#'",
            )
        if any(c.isdigit() for c in header.group()):
            return None
        deepest = 0
        first = token.start_mark.line + 1
        for number in range(first, token.end_mark.line + 2):
            source = self._line(number)
            stripped = source.lstrip(" ")
            spaces = len(source) - len(stripped)
            if stripped.strip("\r"):
                if deepest > spaces > self.indent():
                    return LoadProblem(
                        "yaml-syntax",
                        "a block scalar's leading blank lines are indented deeper than"
                        " its first line",
                        Mark(number + 1, 1),
                        "remove the spaces on the blank lines",
                    )
                return None
            deepest = max(deepest, spaces)
        return None
