"""Benchmark ``mijnloket-gitops validate`` against ``check-jsonschema``.

Generates N synthetic, valid employer files (``write_realistic`` of
``sandbox/synthetic.py``, seeded, so a run can be repeated), then runs both tools as
subprocesses on the same files and prints wall time, the ratio, milliseconds per file
and peak memory of each::

    python benchmarks/validate.py --files 10000 --seed 1 [--repeat 3]

``mijnloket-gitops validate`` does the schema check plus every rule;
``check-jsonschema`` (the ``bench`` extra) does the schema check only. Both must
exit 0: the generated files are valid, so anything else is a bug in the generator or
in a tool.

Memory is reported two ways: ``max RSS`` is the largest single process (from
``os.wait4``, which covers the child and the children it waited for), and ``tree
RSS`` is the peak of the summed RSS of the child and all its descendants, sampled
from ``/proc`` (Linux only; pages that forked workers share count once per process,
so this overstates a pool's footprint).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# the repository root on the path: the benchmarks run from there
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mijnloket_gitops.sandbox.synthetic import write_realistic as generate

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SCHEMA = ROOT / "schemas" / "employer.schema.json"


@dataclass(frozen=True)
class Run:
    """One tool's measurements; ``seconds`` and memory cover all of its batches."""

    seconds: float
    max_rss_mb: float
    tree_rss_mb: float


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    stack = [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        try:
            text = Path(f"/proc/{current}/task/{current}/children").read_text()
        except OSError:
            continue
        stack.extend(int(child) for child in text.split())
    return found


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class _TreeSampler(threading.Thread):
    """Peak summed RSS of a process and its descendants, sampled every 20 ms."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kb = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.02):
            total = sum(_rss_kb(p) for p in _descendants(self.pid))
            self.peak_kb = max(self.peak_kb, total)


def _run_once(argv: Sequence[str], cwd: Path, log: Path) -> tuple[int, float, int, int]:
    """Run ``argv``; (exit code, wall seconds, max RSS KiB, sampled tree RSS KiB)."""
    with log.open("ab") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=out)
        sampler = _TreeSampler(proc.pid)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        sampler.done.set()
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)  # wait4 reaped it, not Popen
    return proc.returncode, elapsed, usage.ru_maxrss, sampler.peak_kb


def _batches(files: Sequence[str], budget: int) -> list[list[str]]:
    batches: list[list[str]] = [[]]
    used = 0
    for name in files:
        size = len(name) + 1 + 8  # the string, its NUL and its argv pointer
        if batches[-1] and used + size > budget:
            batches.append([])
            used = 0
        batches[-1].append(name)
        used += size
    return batches


def measure(name: str, commands: Sequence[Sequence[str]], cwd: Path, log: Path) -> Run:
    """Run each command in turn, summing time; fail loudly on a non-zero exit."""
    seconds = 0.0
    max_kb = tree_kb = 0
    for argv in commands:
        code, elapsed, rss, tree = _run_once(argv, cwd, log)
        if code != 0:
            tail = log.read_text(errors="replace")[-2000:]
            raise SystemExit(f"{name} exited {code} (expected 0); output ends with:\n{tail}")
        seconds += elapsed
        max_kb = max(max_kb, rss)
        tree_kb = max(tree_kb, tree)
    return Run(seconds, max_kb / 1024, tree_kb / 1024)


def best(runs: Sequence[Run]) -> Run:
    """The fastest time and the largest memory of repeated runs."""
    return Run(
        min(r.seconds for r in runs),
        max(r.max_rss_mb for r in runs),
        max(r.tree_rss_mb for r in runs),
    )


def _tool(script: str, module: str) -> list[str]:
    found = shutil.which(script)
    return [found] if found else [sys.executable, "-m", module]


def _report(count: int, repeat: int, ours: Run, theirs: Run) -> str:
    rows = [
        ("mijnloket-gitops validate (schema + rules)", ours),
        ("check-jsonschema (schema only)", theirs),
    ]
    runs = "1 run" if repeat == 1 else f"best of {repeat} runs"
    lines = [
        f"{count:,} files, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, {runs}",
        f"{'tool':44} {'wall s':>8} {'ms/file':>8} {'max RSS MB':>11} {'tree RSS MB':>12}",
    ]
    for label, run in rows:
        lines.append(
            f"{label:44} {run.seconds:8.2f} {run.seconds * 1000 / count:8.3f}"
            f" {run.max_rss_mb:11.1f} {run.tree_rss_mb:12.1f}"
        )
    lines.append(f"ratio: validate is {theirs.seconds / ours.seconds:.1f}x faster")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--files", type=int, default=1000, help="how many files (1000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (1)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per tool; the best counts")
    parser.add_argument("--schema", type=Path, default=DEFAULT_SCHEMA, help="employer schema")
    parser.add_argument("--keep", type=Path, help="write the files into this new folder")
    args = parser.parse_args(argv)
    if args.files < 1 or args.repeat < 1:
        parser.error("--files and --repeat must be at least 1")
    if args.keep and args.keep.exists() and any(args.keep.iterdir()):
        parser.error(f"--keep {args.keep}: folder is not empty")
    with tempfile.TemporaryDirectory(prefix="mijnloket-bench-") as tmp:
        work = Path(tmp)
        root = args.keep.resolve() if args.keep else work / "employers"
        started = time.perf_counter()
        files = generate(root, args.files, args.seed)
        print(f"generated {len(files):,} files in {time.perf_counter() - started:.1f} s: {root}")
        load = os.getloadavg()[0]
        if load > 0.5:
            print(f"note: load average is {load:.2f}; other work skews the figures")
        ours_cmd = [*_tool("mijnloket-gitops", "mijnloket_gitops"), "validate", "."]
        head = [
            *_tool("check-jsonschema", "check_jsonschema"),
            "--schemafile",
            str(args.schema.resolve()),
        ]
        budget = os.sysconf("SC_ARG_MAX") // 2 - sum(len(a) + 9 for a in head)
        relative = [str(p.relative_to(root)) for p in files]
        theirs_cmds = [[*head, *batch] for batch in _batches(relative, budget)]
        ours: list[Run] = []
        theirs: list[Run] = []
        for _ in range(args.repeat):  # alternate, so that drift hits both tools alike
            ours.append(measure("mijnloket-gitops validate", [ours_cmd], root, work / "ours.log"))
            theirs.append(measure("check-jsonschema", theirs_cmds, root, work / "theirs.log"))
    print(_report(len(files), args.repeat, best(ours), best(theirs)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
