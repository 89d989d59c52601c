"""The whole matrix: every case by name, running them in a budget, the table."""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from mijnloket_gitops.emulator.faults import FaultKind

from .checks import Case, Context, Outcome
from .concurrency import stale_plan, two_applies
from .disks import journal_disk_fails, journal_fsync_race, journal_read_only
from .http_faults import http_faults
from .kills import kill_sweep
from .tokens import token_expiry, token_rotated, token_store_fails

CASES: dict[str, Case] = {
    "kill-started-loket": kill_sweep("loket", "started"),
    "kill-done-loket": kill_sweep("loket", "done"),
    "kill-committed-loket": kill_sweep("loket", "committed"),
    "kill-started-sandbox": kill_sweep("sandbox", "started"),
    "kill-done-sandbox": kill_sweep("sandbox", "done"),
    **{f"http-{kind.value}": http_faults(kind.value, (kind,)) for kind in FaultKind},
    "http-mixed": http_faults("mixed", tuple(FaultKind)),
    "token-expiry": token_expiry,
    "token-rotated": token_rotated,
    "stale-plan-loket": stale_plan("loket"),
    "stale-plan-sandbox": stale_plan("sandbox"),
    "two-applies-loket": two_applies("loket"),
    "two-applies-sandbox": two_applies("sandbox"),
    "journal-disk-fails-loket": journal_disk_fails("loket"),
    "journal-disk-fails-sandbox": journal_disk_fails("sandbox"),
    "journal-read-only": journal_read_only,
    "journal-fsync-race": journal_fsync_race,
    "token-store-fails-before-refresh": token_store_fails(False),
    "token-store-fails-during-refresh": token_store_fails(True),
}


DESCRIPTION = "The fault matrix: apply under faults, against the Loket.nl emulator and the sandbox."


def run_cases(names: Sequence[str], ctx: Context, budget: float) -> list[Outcome]:
    """Run the cases in order while the time budget lasts; later ones are not run."""
    deadline = time.monotonic() + budget
    outcomes = []
    for name in names:
        if time.monotonic() > deadline:
            late = "the time budget ran out"
            outcomes.append(Outcome(name, problems=[f"not run: {late}"], skipped=late))
            continue
        began = time.monotonic()
        outcome = CASES[name](ctx)
        outcome.seconds = time.monotonic() - began
        outcomes.append(outcome)
        print(f"  {outcome.case}: {outcome.result} ({outcome.seconds:.1f} s)", file=sys.stderr)
    return outcomes


def table(outcomes: Sequence[Outcome]) -> str:
    rows = [
        "| case | runs | faults injected | changes lost | steps duplicated | result | s |",
        "|---|---:|---:|---:|---:|---|---:|",
    ]
    for o in outcomes:
        rows.append(
            f"| {o.case} | {o.runs} | {o.faults} | {o.lost} | {o.duplicated} | {o.result}"
            f" | {o.seconds:.0f} |"
        )
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.faults", description=DESCRIPTION)
    parser.add_argument("--employers", type=int, default=3, help="employers per world (3)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the HTTP faults (1)")
    parser.add_argument("--only", action="append", choices=sorted(CASES), help="run this case")
    parser.add_argument("--budget", type=float, default=900.0, help="seconds in all (900)")
    parser.add_argument("--keep", type=Path, help="keep the worlds in this new folder")
    args = parser.parse_args(argv)
    # the emulator logs a traceback for each request whose client hung up before it was
    # read (the timeouts case does that on purpose)
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    names = args.only or list(CASES)
    with contextlib.ExitStack() as stack:
        if args.keep:
            args.keep.mkdir(parents=True)
            work = args.keep
        else:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="faults-")))
        outcomes = run_cases(names, Context(work, args.employers, args.seed), args.budget)
    print(table(outcomes))
    for outcome in outcomes:
        for problem in outcome.problems:
            print(f"{outcome.case}: {problem}")
    return 0 if all(o.ok for o in outcomes) else 1
