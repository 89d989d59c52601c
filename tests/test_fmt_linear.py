"""``fmt`` stays linear in every dimension of a file: blank lines, comments, list length.

``comment_scan._Lines.locate`` counted line feeds from the start of the text for every
comment and blank line: 80,000 blank lines took 2.8 s, 320,000 took 69 s, a 1 MiB file
over 240 s, while ``validate`` read it in 0.6 s, so a pull request could tie up CI.
Ten times the lines must cost about ten times as much, not a hundred: a ratio of CPU
times (other processes do not count), as ``test_hostile``'s linearity test does, never
a wall-clock limit. A 1 MiB file of blank lines is formatted within twice what reading
it for ``validate`` costs.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from mijnloket_gitops.catalog import builtin_catalog
from mijnloket_gitops.files.canonical import format_text
from mijnloket_gitops.files.loader import load_text

CATALOG = builtin_catalog()
HEAD = "version: 1\nname: Bakkerij De Vries B.V.\n"


def _fmt_seconds(text: str) -> float:
    started = time.process_time()
    doc = load_text(text, spans=True)
    assert not doc.problems, doc.problems
    format_text(text, doc, CATALOG)
    return time.process_time() - started


def _validate_seconds(text: str) -> float:
    started = time.process_time()
    assert not load_text(text).problems
    return time.process_time() - started


SHAPES: dict[str, Callable[[int], str]] = {
    "blank-lines": lambda n: HEAD + "\n" * n + "tier: start\n",
    "indented-blank-lines": lambda n: HEAD + "  \n" * n + "tier: start\n",
    "comment-lines": lambda n: HEAD + "# a comment\n" * n + "tier: start\n",
    "end-of-line-comments": lambda n: (
        HEAD + "products:\n" + "".join(f"  - p{i}  # c\n" for i in range(n))
    ),
    "comments-between-items": lambda n: (
        HEAD + "products:\n" + "".join(f"  # about p{i}\n  - p{i}\n\n" for i in range(n))
    ),
    "list-length": lambda n: HEAD + "products:\n" + "".join(f"  - p{i}\n" for i in range(n)),
    "lone-dashes": lambda n: (
        HEAD + "products:\n" + "".join(f"  -\n    # about p{i}\n    p{i}\n" for i in range(n))
    ),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_fmt_is_linear(shape: str) -> None:
    make = SHAPES[shape]
    small = min(_fmt_seconds(make(8_000)) for _ in range(3))
    assert _fmt_seconds(make(80_000)) < 40 * max(small, 0.01)


def test_a_mebibyte_of_blank_lines_formats_within_twice_validate() -> None:
    text = HEAD + "\n" * (1024 * 1024 - len(HEAD) - 12) + "tier: start\n"
    assert len(text.encode()) <= 1024 * 1024
    validate = min(_validate_seconds(text) for _ in range(3))
    formatting = min(_fmt_seconds(text) for _ in range(3))
    assert formatting < 2 * max(validate, 0.01)
