"""Inputs that the property tests and the loader fuzzer broke, kept as plain tests.

Each case names what went wrong before the fix. The fuzzer itself
(``benchmarks/fuzz_loader.py``) runs here for a few seconds as a slow test.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from mijnloket_gitops.files.loader import load_bytes, load_text
from mijnloket_gitops.files.positions import Mark

ROOT = Path(__file__).resolve().parent.parent
FUZZER = ROOT / "benchmarks" / "fuzz_loader.py"


@pytest.mark.parametrize(
    ("text", "mark", "name"),
    [
        # libyaml (YAML 1.1) breaks lines at NEL, LS and PS; YAML 1.2 and editors do not.
        # Every position after one was a line too far (past the end of the file), a
        # plain "MijnLoket" after LS read as " MijnLoket", and a double-quoted NEL
        # turned into a space.
        ('products: ["\u2028MijnLoket"]\ntier: pro\n', Mark(1, 13), "U+2028 LINE SEPARATOR"),
        ("a: x\u2028y\nb: 1\nb: 2\n", Mark(1, 5), "U+2028 LINE SEPARATOR"),
        ('a: 1\r\nname: "\x85"\nb: 1\n', Mark(2, 8), "U+0085 NEXT LINE"),
        ("# \u2029\nversion: 1\n", Mark(1, 3), "U+2029 PARAGRAPH SEPARATOR"),
    ],
)
def test_nel_ls_and_ps_are_refused_where_they_are(text: str, mark: Mark, name: str) -> None:
    doc = load_text(text)
    [problem] = doc.problems
    assert not doc.readable
    assert (problem.rule, problem.mark) == ("encoding", mark)
    assert name in problem.message and problem.hint


@pytest.mark.parametrize(
    ("raw", "mark"),
    [
        # libyaml moves to a line after the last one at the end of a file without a
        # final newline; that line does not exist in an editor or on GitHub.
        (b"[", Mark(1, 2)),
        (b"a: 1\nb: [", Mark(2, 5)),
        (b'a: "open', Mark(1, 9)),
        (b"a: 1\r\nb: {", Mark(2, 5)),
        (b"a: 1\rb: [x,", Mark(2, 7)),
        # with a final newline, the line after it is where the file ends
        (b"[\n", Mark(2, 1)),
        (b"a: 'open\n", Mark(2, 1)),
    ],
)
def test_end_of_file_errors_point_into_the_file(raw: bytes, mark: Mark) -> None:
    [problem] = load_bytes(raw).problems
    assert (problem.rule, problem.mark) == ("yaml-syntax", mark)


@pytest.mark.parametrize(
    ("raw", "mark", "character"),
    [
        # libyaml's reader error was reported at 1:1, its message on two lines with
        # libyaml's byte offset ('\n  in "<unicode string>", position 9').
        (b"a: 1\nb: x\x01y\n", Mark(2, 5), "U+0001"),
        ("naam: Caf\u00e9 \x7f\n".encode(), Mark(1, 12), "U+007F"),
        (b"a: 1\r\n\r\nb: \x1b[31m\n", Mark(3, 4), "U+001B"),
        ("a: \ufffe\n".encode(), Mark(1, 4), "U+FFFE"),
    ],
)
def test_unacceptable_characters_are_reported_where_they_are(
    raw: bytes, mark: Mark, character: str
) -> None:
    [problem] = load_bytes(raw).problems
    assert (problem.rule, problem.mark) == ("yaml-syntax", mark)
    assert problem.message.startswith(f"unacceptable character {character}: ")
    assert problem.message.isprintable()


def test_a_lone_surrogate_in_text_is_a_problem_not_a_crash() -> None:
    # load_text raised UnicodeEncodeError (only a str can hold one; files cannot)
    [problem] = load_text("a: 1\nb: \ud800\n").problems
    assert (problem.rule, problem.mark) == ("encoding", Mark(2, 4))


@pytest.mark.slow
def test_fuzz_the_loader_for_ten_seconds(tmp_path: Path) -> None:
    """atheris when it is installed, random mutations of the examples otherwise."""
    done = subprocess.run(
        [sys.executable, str(FUZZER), "--seconds", "10", "--artifacts", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    assert done.returncode == 0, f"{last}\n{done.stderr[-5000:]}"
    figures = re.fullmatch(
        r"fuzz_loader: engine=(\w+) executions=(\d+) seconds=([\d.]+) execs/s=\d+ crashes=0",
        last,
    )
    assert figures, last
    assert int(figures[2]) > 500, last  # it really ran
    assert list(tmp_path.iterdir()) == []
