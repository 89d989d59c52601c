"""Benchmark ``plan`` of a whole portfolio on the sandbox, and ``plan --target`` of one.

Generates N valid employer files (``benchmarks/plan.py``'s generator, seeded), seeds
a sandbox database from them (so a few employers drift), then runs the real CLI as a
subprocess, measuring its wall time and peak resident memory (``os.wait4``)::

    python benchmarks/portfolio.py --employers 50000

Runs: ``plan`` (every employer), and ``plan --target ID`` of one employer. Each run
also reports its CPU time (user + system, the validation worker processes included:
``wait4`` counts the children a process reaped) and the 1-minute load average when it
started: on a busy machine wall time says more about the other processes than about
this one, and CPU time over the cores is what an idle machine would take at best.

The repository is generated in a child process: Linux carries a process's peak
resident memory into a child it forks and that then executes another program
(``ru_maxrss`` of the child includes the parent's memory at the fork), so a
benchmark that had generated 50,000 files itself reported that as the CLI's peak.
This process stays small (about 45 MB, below any run's own peak). ``--repo`` measures
an existing generated repository (made once with ``--keep``); ``--repeat`` runs each
command several times.

The bars
(issue 12), on the 2-core machine the README names: at 50,000 employers, ``plan`` under
10 s and 400 MB; ``plan --target`` of one employer under 2 s.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

BARS = {"plan": (10.0, 400.0), "plan --target": (2.0, None)}


@dataclass(frozen=True)
class Measured:
    run: str
    employers: int
    seconds: float
    peak_rss_mb: float
    exit_code: int
    cpu_seconds: float = 0.0
    load: float = 0.0


def measure(repo: Path, label: str, *args: str) -> Measured:
    """Run ``mijnloket-gitops ARGS --repo REPO``; its wall time and peak RSS."""
    command = [sys.executable, "-m", "mijnloket_gitops", *args, "--repo", str(repo)]
    with tempfile.TemporaryFile() as errors:
        load = os.getloadavg()[0]
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        process.returncode = code  # reaped by wait4: tell Popen
        if code not in (0, 2, 3):
            errors.seek(0)
            error = errors.read().decode(errors="replace")
            raise SystemExit(f"`{' '.join(args)}` exited {code}: {error[-2000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return Measured(label, 0, seconds, usage.ru_maxrss / 1024, code, cpu, load)


def generate(root: Path, employers: int, seed: int) -> Path:
    """``plan.py``'s repository under ``root``, made in a child process (see above)."""
    code = (
        "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]);"
        " from plan import setup; setup(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))"
    )
    here = str(Path(__file__).resolve().parent)
    argv = [sys.executable, "-c", code, here, str(root), str(employers), str(seed)]
    subprocess.run(argv, check=True)
    return root / "repo"


def first_employer_id(repo: Path) -> str:
    text = min((repo / "employers").glob("*.yaml")).read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if x.startswith("employer_id:"))
    return line.split(":", 1)[1].strip()


def report(runs: Sequence[Measured]) -> str:
    lines = [
        "| run | employers | wall s | CPU s | load | peak RSS MB | exit | bar |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for m in runs:
        seconds, megabytes = BARS[m.run]
        bar = f"< {seconds:g} s" + (f", < {megabytes:g} MB" if megabytes else "")
        ok = m.seconds < seconds and (megabytes is None or m.peak_rss_mb < megabytes)
        lines.append(
            f"| `{m.run}` | {m.employers:,} | {m.seconds:.2f} | {m.cpu_seconds:.2f} |"
            f" {m.load:.1f} | {m.peak_rss_mb:.0f} |"
            f" {m.exit_code} | {bar} {'met' if ok else 'MISSED'} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--employers", type=int, default=50_000, help="how many (50000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed of the files (1)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each command (1)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    where.add_argument("--repo", type=Path, help="measure this generated repository")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mijnloket-portfolio-") as tmp:
        if args.repo is not None:
            repo = args.repo
            employers = len(list((repo / "employers").glob("*.yaml")))
        else:
            print(f"generating {args.employers} employers ...", file=sys.stderr)
            repo = generate(args.keep or Path(tmp), args.employers, args.seed)
            employers = args.employers
        target = first_employer_id(repo)
        runs = []
        for label, extra in (("plan", ()), ("plan --target", ("--target", target))):
            for _ in range(args.repeat):
                m = measure(repo, label, "plan", *extra)
                runs.append(replace(m, employers=employers))
    print(report(runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
