"""Fuzz the strict YAML loader and ``check_file`` for a while; any crash is a bug.

Each input is read by ``load_bytes`` and, written to a file, by ``check_file`` (the
whole per-file path of ``validate``: reading, schema, rules). Neither may raise, and
every problem and diagnostic must point into the input: ``1 <= line <= breaks + 1``
and ``1 <= column <= length of that line + 1`` (lines as YAML breaks them).

With atheris installed (``pip install atheris``) the run is coverage-guided
(libFuzzer, over the instrumented Python code); without it, inputs are random
mutations of the seed corpus (the example employers and the test fixtures)::

    python benchmarks/fuzz_loader.py [--seconds 60] [--engine auto|atheris|random]

The last line printed is a summary: engine, executions, seconds, crashes. A crash
exits 1; its input is saved under ``--artifacts`` (default: a temporary folder) and
belongs in ``tests/test_fuzz_regressions.py`` once fixed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import importlib
import os
import random
import re
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Iterable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 6, 1)
BREAK = re.compile(r"\r\n|\r|\n")
TOKENS = [
    *(b":", b": ", b"- ", b"[", b"]", b"{", b"}", b",", b"&a ", b"*a", b"!!str ", b"!x ", b"'"),
    *(b'"', b"\\", b"\t", b"\r", b"\n", b"\n  ", b"? ", b"---\n", b"...\n", b"#", b"|\n", b">-"),
    *(b"\xc3", b"\xff", b"\x00", b"\xef\xbb\xbf", b"\xe2\x80\xa8", b"\xc2\x85", b"%YAML 1.1\n"),
    *(b"MijnLoket", b"tier: pro", b"products:", b"users:", b"version: 1", b"0x1F", b"~"),
]


def seeds() -> list[bytes]:
    """The example employers and the test fixtures: realistic starting points."""
    found = sorted(ROOT.glob("employers/**/*.y*ml")) + sorted(ROOT.glob("tests/fixtures/**/*.y*ml"))
    return [p.read_bytes() for p in found if p.stat().st_size < 64 * 1024] or [b"version: 1\n"]


def _in_range(where: tuple[int, int], lines: list[str], what: object) -> None:
    line, column = where
    if not 1 <= line <= len(lines):
        raise AssertionError(f"line {line} outside 1..{len(lines)}: {what!r}")
    if not 1 <= column <= len(lines[line - 1]) + 1:
        raise AssertionError(f"column {column} outside line {line}: {what!r}")


class Target:
    """One execution: load the bytes, then check them as a file.

    The package is imported here, not at the top, so that atheris can instrument it
    as it is imported (instrumenting everything already loaded takes minutes).
    """

    def __init__(self, folder: Path, instrument: AbstractContextManager[Any]) -> None:
        with instrument:
            from mijnloket_gitops.catalog import builtin_catalog
            from mijnloket_gitops.files.loader import load_bytes
            from mijnloket_gitops.validate.diagnostics import RULES
            from mijnloket_gitops.validate.runner import check_file
        self.load_bytes = load_bytes
        self.check_file = check_file
        self.rules = RULES
        self.catalog = builtin_catalog()
        self.path = folder / "employer.yaml"
        self.runs = 0

    def __call__(self, data: bytes) -> None:
        self.runs += 1
        lines = BREAK.split(data.decode("utf-8-sig", errors="replace"))
        doc = self.load_bytes(data)
        for problem in doc.problems:
            if problem.rule not in self.rules:
                raise AssertionError(f"unknown rule: {problem!r}")
            _in_range(problem.mark, lines, problem)
        self.path.write_bytes(data)
        for d in self.check_file(self.path, self.catalog, True, TODAY).diagnostics:
            if d.rule not in self.rules or not d.message.isprintable():
                raise AssertionError(f"malformed diagnostic: {d!r}")
            _in_range((d.line, d.column), lines, d)


def mutate(rng: random.Random, data: bytes) -> bytes:
    """A few random edits: tokens in, bytes out, bytes flipped, pieces duplicated."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        at = rng.randint(0, len(out))
        how = rng.randrange(5)
        if how == 0:
            out[at:at] = rng.choice(TOKENS)
        elif how == 1:
            del out[at : at + rng.randint(1, 16)]
        elif how == 2 and out:
            out[min(at, len(out) - 1)] = rng.randrange(256)
        elif how == 3:
            out[at:at] = out[at : at + rng.randint(1, 64)] * rng.randint(1, 4)
        else:
            out[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 4)))
    return bytes(out)


def save(artifacts: Path, data: bytes) -> Path:
    artifacts.mkdir(parents=True, exist_ok=True)
    path = artifacts / f"crash-{hashlib.sha256(data).hexdigest()[:16]}"
    path.write_bytes(data)
    return path


def summary(engine: str, runs: int, seconds: float, crashes: int) -> str:
    return (
        f"fuzz_loader: engine={engine} executions={runs} seconds={seconds:.1f}"
        f" execs/s={runs / max(seconds, 1e-9):.0f} crashes={crashes}"
    )


def run_random(target: Target, seconds: float, artifacts: Path, seed: int) -> int:
    rng = random.Random(seed)
    corpus = seeds()
    crashes = 0
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if rng.random() < 0.05:
            data = bytes(rng.randrange(256) for _ in range(rng.randint(0, 200)))
        else:
            data = mutate(rng, rng.choice(corpus))
        try:
            target(data)
        except Exception:
            crashes += 1
            print(f"crash, input saved as {save(artifacts, data)}", file=sys.stderr)
            traceback.print_exc()
            continue
        if rng.random() < 0.01 and len(corpus) < 5000:
            corpus.append(data)  # keep some mutants: deeper edits over time
    print(summary("random", target.runs, time.monotonic() - started, crashes))
    return 1 if crashes else 0


def run_atheris(atheris: Any, target: Target, seconds: float, artifacts: Path) -> int:
    """libFuzzer, stopped by this process at the deadline so that it can report."""
    corpus = Path(tempfile.mkdtemp(prefix="fuzz-corpus-"))
    for i, data in enumerate(seeds()):
        (corpus / f"seed-{i}").write_bytes(data)
    artifacts.mkdir(parents=True, exist_ok=True)
    started = 0.0

    def one_input(data: bytes) -> None:
        nonlocal started
        started = started or time.monotonic()  # the clock starts with the first input
        if time.monotonic() - started >= seconds:
            print(summary("atheris", target.runs, time.monotonic() - started, 0), flush=True)
            shutil.rmtree(corpus, ignore_errors=True)
            shutil.rmtree(target.path.parent, ignore_errors=True)
            os._exit(0)  # libFuzzer never returns; leave with the figures printed
        try:
            target(data)
        except Exception:
            # atheris prints the traceback, saves the input and exits; the figures first
            print(summary("atheris", target.runs, time.monotonic() - started, 1), flush=True)
            raise

    argv = [
        sys.argv[0],
        str(corpus),
        f"-artifact_prefix={artifacts}{os.sep}",
        f"-max_total_time={int(seconds) + 30}",
        "-rss_limit_mb=2048",
        "-timeout=20",
        "-max_len=8192",
        "-print_final_stats=1",
    ]
    atheris.Setup(argv, one_input)
    atheris.Fuzz()  # returns only through os._exit, or libFuzzer's own exit on a crash
    return 1  # pragma: no cover


def _import_atheris() -> Any:
    try:
        return importlib.import_module("atheris")
    except ImportError:
        return None


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--engine", choices=["auto", "atheris", "random"], default="auto")
    parser.add_argument("--artifacts", type=Path, default=None, help="where crashes are saved")
    parser.add_argument("--seed", type=int, default=1, help="random engine only")
    args = parser.parse_args(list(argv) if argv is not None else None)
    atheris = _import_atheris() if args.engine != "random" else None
    if args.engine == "atheris" and atheris is None:
        parser.error("atheris is not installed (pip install atheris)")
    artifacts = args.artifacts or Path(tempfile.gettempdir()) / "fuzz-loader-crashes"
    with tempfile.TemporaryDirectory(prefix="fuzz-loader-") as folder:
        instrument = nullcontext() if atheris is None else atheris.instrument_imports()
        target = Target(Path(folder), instrument)
        if atheris is not None:
            return run_atheris(atheris, target, args.seconds, artifacts)
        return run_random(target, args.seconds, artifacts, args.seed)


if __name__ == "__main__":
    sys.exit(main())
