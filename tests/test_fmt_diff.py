"""The diff of ``fmt --check`` matches only the lines between the common head and tail
(it used ``difflib.unified_diff`` on whole files). It must still be a correct unified
diff: applied to the old lines it gives the new ones, with difflib's hunk layout."""

from __future__ import annotations

import difflib
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from mijnloket_gitops.fmt_diff import git_diff, unified_diff
from tests.test_fmt import MESSY, MESSY_FORMATTED

_HUNK = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@\n")


def apply(before: list[str], diff: list[str]) -> list[str]:
    """A strict applier: every context and removed line must be where the hunk says."""
    assert diff[0].startswith("--- ") and diff[1].startswith("+++ ")
    result: list[str] = []
    position = 0  # next line of ``before`` not yet copied
    index = 2
    while index < len(diff):
        hunk = _HUNK.fullmatch(diff[index])
        assert hunk, diff[index]
        old_start, old_length = int(hunk[1]), int(hunk[2] or 1)
        new_start, new_length = int(hunk[3]), int(hunk[4] or 1)
        start = old_start - 1 if old_length else old_start
        assert start >= position
        result += before[position:start]
        assert len(result) == (new_start - 1 if new_length else new_start)
        position = start
        index += 1
        old_seen = new_seen = 0
        while index < len(diff) and not diff[index].startswith("@@"):
            mark, line = diff[index][0], diff[index][1:]
            if mark in " -":
                assert before[position] == line
                position += 1
                old_seen += 1
            if mark in " +":
                result.append(line)
                new_seen += 1
            index += 1
        assert (old_seen, new_seen) == (old_length, new_length)
    return result + before[position:]


LINES = st.lists(st.sampled_from(["a\n", "b\n", "c\n", "d\n", "e\n", "f\n"]), max_size=30)


@settings(max_examples=400, deadline=None)
@given(LINES, LINES)
def test_the_diff_turns_the_old_lines_into_the_new(before: list[str], after: list[str]) -> None:
    diff = list(unified_diff(before, after, "a/x", "b/x"))
    if before == after:
        assert diff == []
        return
    assert apply(before, diff) == after
    # as many hunks, each starting and ending with context as difflib's do
    full = list(difflib.unified_diff(before, after, "a/x", "b/x"))
    assert diff[:2] == full[:2]
    assert sum(line.startswith("@@") for line in diff) <= sum(
        line.startswith("@@") for line in full
    )


def test_a_reordered_block_gives_difflibs_diff() -> None:
    head = [f"line {i}\n" for i in range(20)]
    before = [*head, "users:\n", "  - login: b\n", "  - login: a\n", "tail\n"]
    after = [*head, "users:\n", "  - login: a\n", "  - login: b\n", "tail\n"]
    assert list(unified_diff(before, after, "a/x", "b/x")) == list(
        difflib.unified_diff(before, after, "a/x", "b/x")
    )


def test_git_diff_of_the_messy_file() -> None:
    diff = git_diff(MESSY, MESSY_FORMATTED, "employers/messy.yaml")
    lines = diff.splitlines(keepends=True)
    assert apply(MESSY.splitlines(keepends=True), lines) == MESSY_FORMATTED.splitlines(
        keepends=True
    )
