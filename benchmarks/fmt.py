"""Benchmark ``fmt`` against ``validate`` on the same files, as a ratio in one run.

Generates N valid employer files (``write_realistic`` of ``sandbox/synthetic.py``,
seeded: with seed 1 about 57% of them are not in canonical form), then runs the real
CLI as subprocesses, alternating ``validate .`` and ``fmt --check .`` (its diffs to
``/dev/null``) so that both see the same machine::

    python benchmarks/fmt.py --files 100000 --repeat 3 [--write]

Each run reports wall time, CPU time (user + system, the worker processes included:
``wait4`` counts the children a process reaped) and the 1-minute load average when it
started. The ratios are ``fmt``'s over ``validate``'s: best against best, and median
against median. With ``--write`` each round also formats a fresh copy of the files
(``fmt .``, which rewrites the changed ones and syncs each to disk) and then checks
that copy (``fmt --check .`` on a tree that is already canonical).

``--dir`` measures files generated before (``--keep``); they are only read, never
written. The bar (issue 14): ``fmt`` within 2x of ``validate``'s time at 100,000 files.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

BAR = 2.0


@dataclass(frozen=True)
class Run:
    seconds: float
    cpu_seconds: float
    load: float


def run(folder: Path, *args: str, expect: Sequence[int]) -> Run:
    """``mijnloket-gitops ARGS`` in ``folder``; fail loudly on an unexpected exit code."""
    command = [sys.executable, "-m", "mijnloket_gitops", *args]
    with tempfile.TemporaryFile() as errors:
        load = os.getloadavg()[0]
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=folder, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = code = os.waitstatus_to_exitcode(status)  # reaped by wait4
        if code not in expect:
            errors.seek(0)
            tail = errors.read().decode(errors="replace")[-2000:]
            raise SystemExit(f"`{' '.join(args)}` in {folder} exited {code}: {tail}")
    return Run(seconds, usage.ru_utime + usage.ru_stime, load)


def generate(folder: Path, files: int, seed: int) -> None:
    """Write the files in a child process (so this one stays small; see portfolio.py)."""
    root = Path(__file__).resolve().parent.parent
    script = (
        "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]);"
        "from mijnloket_gitops.sandbox.synthetic import write_realistic;"
        "write_realistic(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))"
    )
    argv = [sys.executable, "-c", script, str(root), str(folder), str(files), str(seed)]
    subprocess.run(argv, check=True)


def measure(folder: Path, repeat: int, write: bool) -> dict[str, list[Run]]:
    """Every command ``repeat`` times, alternating, on the files in ``folder``."""
    runs: dict[str, list[Run]] = {"validate": [], "fmt --check": []}
    if write:
        runs |= {"fmt": [], "fmt --check, canonical": []}
    for _ in range(repeat):
        runs["validate"].append(run(folder, "validate", ".", expect=[0]))
        runs["fmt --check"].append(run(folder, "fmt", "--check", ".", expect=[0, 1]))
        if write:
            with tempfile.TemporaryDirectory(prefix="mijnloket-fmt-") as scratch:
                copy = Path(scratch) / "files"
                shutil.copytree(folder, copy)
                os.sync()  # the copy's own writing is not the next run's to wait for
                runs["fmt"].append(run(copy, "fmt", ".", expect=[0]))
                canonical = run(copy, "fmt", "--check", ".", expect=[0])
                runs["fmt --check, canonical"].append(canonical)
    return runs


def report(files: int, runs: dict[str, list[Run]]) -> str:
    """A Markdown table: each command's runs, and its ratios to validate's."""
    base = runs["validate"]
    lines = [
        f"{files:,} files, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}",
        "",
        "| command | wall s | CPU s | load | wall, best / best | wall, median / median"
        " | CPU, best / best |",
        "|---|---|---|---|---:|---:|---:|",
    ]
    for name, measured in runs.items():
        walls = ", ".join(f"{r.seconds:.2f}" for r in measured)
        cpus = ", ".join(f"{r.cpu_seconds:.1f}" for r in measured)
        loads = ", ".join(f"{r.load:.1f}" for r in measured)
        ratios = ["", "", ""]
        if measured is not base:
            ratios = [
                f"{_best(measured) / _best(base):.2f}",
                f"{_median(measured) / _median(base):.2f}",
                f"{min(r.cpu_seconds for r in measured) / min(r.cpu_seconds for r in base):.2f}",
            ]
        lines.append(f"| `{name}` | {walls} | {cpus} | {loads} | {' | '.join(ratios)} |")
    check = _best(runs["fmt --check"]) / _best(base)
    verdict = "within" if check <= BAR else "NOT within"
    lines += ["", f"`fmt --check` is {verdict} {BAR:g}x of `validate` (best against best)."]
    return "\n".join(lines)


def _best(runs: Sequence[Run]) -> float:
    return min(r.seconds for r in runs)


def _median(runs: Sequence[Run]) -> float:
    return statistics.median(r.seconds for r in runs)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--files", type=int, default=100_000, help="how many (100000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the files (1)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds (1)")
    parser.add_argument("--write", action="store_true", help="also time `fmt` on a copy")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--keep", type=Path, help="generate into this new folder and keep it")
    where.add_argument("--dir", type=Path, help="measure files generated before (--keep)")
    args = parser.parse_args(argv)
    if args.files < 1 or args.repeat < 1:
        parser.error("--files and --repeat must be at least 1")
    if args.keep and args.keep.exists() and any(args.keep.iterdir()):
        parser.error(f"--keep {args.keep}: folder is not empty")
    with tempfile.TemporaryDirectory(prefix="mijnloket-bench-") as scratch:
        if args.dir:
            folder = args.dir.resolve()
            files = sum(1 for _ in folder.rglob("*.yaml"))
        else:
            folder = (args.keep or Path(scratch) / "files").resolve()
            generate(folder, args.files, args.seed)
            files = args.files
        print(report(files, measure(folder, args.repeat, args.write)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
