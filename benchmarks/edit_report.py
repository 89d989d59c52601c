"""Benchmark the portfolio commands: ``edit`` and ``report`` on N employer files.

Generates N valid employer files with ``benchmarks/validate.py``'s seeded generator
(``write_realistic`` of ``src/mijnloket_gitops/sandbox/synthetic.py``; about 25 lines each, comments
included), commits them to a fresh git repository (``report`` reads "requested since"
from git history), then runs each command as a subprocess, the real CLI, and prints
its wall time::

    python benchmarks/edit_report.py --files 10000 --seed 1 [--repeat 3]

Every ``edit`` runs on a fresh copy of the files (``git checkout``), so each run does
the full work. The bars (issue 15), on 10,000 files: ``edit`` under 10 s, ``report``
under 5 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# the repository root on the path: the benchmarks run from there
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mijnloket_gitops.sandbox.synthetic import write_realistic

RIGHT = "Raadplegen MijnLoket e-mailadres"
EDITS: dict[str, list[str]] = {
    "edit --grant (to every werkgevergebruiker)": [
        "edit",
        "--where",
        "product=MijnLoket and user-type=werkgevergebruiker",
        "--grant",
        RIGHT,
        "--to",
        "werkgevergebruiker",
    ],
    "edit --activate (with closure and tier)": [
        "edit",
        "--where",
        "addendum=signed",
        "--activate",
        "MijnLoket - Salaris berekenen",
    ],
}
REPORT_FORMATS = ("markdown", "html", "json")


def _git(repo: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.invalid",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.invalid",
    }
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(repo: Path, args: list[str]) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (the command and its workers) and its last line."""
    command = [sys.executable, "-m", "mijnloket_gitops", *args, "--repo", str(repo)]
    cpu = _cpu()
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} exited {done.returncode}:\n{done.stderr[-2000:]}")
    last = (done.stdout.strip().splitlines() or [""])[-1]
    return seconds, _cpu() - cpu, last


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1, help="runs per command; best counts")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        repo = Path(folder)
        write_realistic(repo / "employers", options.files, options.seed)
        (repo / ".gitignore").write_text("report.*\n")
        _git(repo, "init", "-q")
        _git(repo, "add", ".")
        _git(repo, "commit", "-qm", "portfolio")
        print(f"{options.files:,} files, seed {options.seed}, best of {options.repeat}\n")
        print(f"load average before: {os.getloadavg()[0]:.1f}\n")
        print("| command | wall s | CPU s | result |")
        print("|---|---:|---:|---|")
        reports = {  # written inside the temporary repository, never where this runs
            f"report --format {fmt}": [
                "report",
                "--format",
                fmt,
                "--out",
                str(repo / f"report.{fmt}"),
            ]
            for fmt in REPORT_FORMATS
        }
        for label, args in {**EDITS, **reports}.items():
            best, cpu, last = float("inf"), 0.0, ""
            for _ in range(options.repeat):
                _git(repo, "checkout", "-q", "--", "employers")
                seconds, used, last = _run(repo, args)
                if seconds < best:
                    best, cpu = seconds, used
            print(f"| `{label}` | {best:.2f} | {cpu:.2f} | {last[:80]} |", flush=True)


if __name__ == "__main__":
    main()
