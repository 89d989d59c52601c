"""The unified diff ``fmt --check`` prints: what ``git apply`` accepts (lines ended by LF
only, paths quoted as git quotes them), made without matching the lines that did not
move."""

from __future__ import annotations

import difflib
import os
import re
from typing import Literal

_Opcode = tuple[Literal["replace", "delete", "insert", "equal"], int, int, int, int]


def git_diff(before: str, after: str, name: str) -> str:
    """A unified diff from ``before`` to ``after`` of the file ``name`` (a POSIX path)."""
    old, new = _git_lines(before), _git_lines(after)
    return "".join(unified_diff(old, new, _git_name("a/", name), _git_name("b/", name)))


def unified_diff(before: list[str], after: list[str], old: str, new: str) -> list[str]:
    """The lines of ``difflib.unified_diff`` (three lines of context), matching only the
    lines between the common head and tail: fmt mostly reorders one block of a file,
    and the matcher's time grows with every line it is given."""
    out: list[str] = []
    for group in _TrimmedMatcher(before, after).get_grouped_opcodes(3):
        if not out:
            out += (f"--- {old}\n", f"+++ {new}\n")
        first, last = group[0], group[-1]
        old_range = _hunk_range(first[1], last[2])
        new_range = _hunk_range(first[3], last[4])
        out.append(f"@@ -{old_range} +{new_range} @@\n")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out += [" " + line for line in before[i1:i2]]
                continue
            if tag != "insert":  # replace or delete
                out += ["-" + line for line in before[i1:i2]]
            if tag != "delete":  # replace or insert
                out += ["+" + line for line in after[j1:j2]]
    return out


def _hunk_range(start: int, stop: int) -> str:
    """A hunk's range as unified diffs write it (as difflib does)."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start if not length else start + 1},{length}"


class _TrimmedMatcher(difflib.SequenceMatcher[str]):
    """A SequenceMatcher over the lines between the common head and tail, whose
    opcodes cover the whole of both sequences."""

    def __init__(self, before: list[str], after: list[str]) -> None:
        limit = min(len(before), len(after))
        head = 0
        while head < limit and before[head] == after[head]:
            head += 1
        tail = 0
        while tail < limit - head and before[-1 - tail] == after[-1 - tail]:
            tail += 1
        super().__init__(None, before[head : len(before) - tail], after[head : len(after) - tail])
        self.head, self.tail, self.sizes = head, tail, (len(before), len(after))

    def get_opcodes(self) -> list[_Opcode]:
        head, tail, (old, new) = self.head, self.tail, self.sizes
        codes: list[_Opcode] = [("equal", 0, head, 0, head)]
        for tag, i1, i2, j1, j2 in super().get_opcodes():
            codes.append((tag, i1 + head, i2 + head, j1 + head, j2 + head))
        codes.append(("equal", old - tail, old, new - tail, new))
        merged: list[_Opcode] = []
        for code in codes:
            if code[0] == "equal" and code[1] == code[2]:
                continue  # an empty head or tail
            if merged and code[0] == merged[-1][0] == "equal":
                merged[-1] = ("equal", merged[-1][1], code[2], merged[-1][3], code[4])
            else:
                merged.append(code)
        return merged


def _git_lines(text: str) -> list[str]:
    """Lines as git counts them: ended by LF only (str.splitlines also ends a line at
    CR, form feed or U+2028, which made the diff of a CR-only file unappliable); a last
    line without one carries git's marker for that on a line of its own."""
    lines = text.split("\n")
    tail = lines.pop()
    return [line + "\n" for line in lines] + (
        [f"{tail}\n\\ No newline at end of file\n"] if tail else []
    )


_C_ESCAPES = {0x07: "\\a", 0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0B: "\\v"}
_C_ESCAPES |= {0x0C: "\\f", 0x0D: "\\r", 0x22: '\\"', 0x5C: "\\\\"}
_PLAIN_NAME = re.compile(rb"[\x20\x21\x23-\x5b\x5d-\x7e]*")  # printable ASCII but " and \


def _git_name(prefix: str, name: str) -> str:
    """``prefix + name`` as git writes a path in a diff: C-quoted, with octal escapes for
    other bytes, when it holds a control character, a quote, a backslash or non-ASCII
    (so a name can neither drive a terminal nor be misread by ``git apply``)."""
    raw = os.fsencode(prefix + name)
    if _PLAIN_NAME.fullmatch(raw):
        return raw.decode("ascii")
    spelled = (_C_ESCAPES.get(b) or (chr(b) if 0x20 <= b < 0x7F else f"\\{b:03o}") for b in raw)
    return '"' + "".join(spelled) + '"'
