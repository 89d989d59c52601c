"""Disk cases: the journal's disk fails or is read-only; fsync against a kill."""

from __future__ import annotations

import random
import subprocess
import sys
import time

from .checks import Case, Context, Outcome, checked
from .disk import Disk, disk_support
from .emulator_world import converge
from .scenario import RUN_TIMEOUT, STATE, CaseFailed
from .worlds import Trigger


def journal_disk_fails(kind: str) -> Case:
    """The disk holding .mijnloket (journal, locks) turns read-only after step 2."""

    def run(ctx: Context) -> Outcome:
        outcome = Outcome(f"journal-disk-fails ({kind})")
        if (reason := disk_support()) is not None:
            outcome.skipped = reason
            return outcome
        with checked(ctx, outcome, kind, emulator={"latency_ms": 50}) as w:
            disk = Disk(w.repo / STATE, w.root)
            disk.prepare()
            trigger = Trigger("done", 2, lambda _: disk.fail(), interrupts="disk failed")
            try:
                run = w.apply(trigger=trigger, disk=disk)
            finally:
                disk.restore()
            w.faults += trigger.fired
            run.expect(1, "to the journal", "nothing more is changed")
            converge(w)
        return outcome

    return run


def journal_read_only(ctx: Context) -> Outcome:
    """The journal folder is on a read-only file system from the start."""
    outcome = Outcome("journal-read-only (sandbox)")
    if (reason := disk_support()) is not None:
        outcome.skipped = reason
        return outcome
    with checked(ctx, outcome, "sandbox") as w:
        journal = Disk(w.journal_dir, w.root, read_only=True)
        journal.prepare()
        w.apply(disk=journal).expect(1, "cannot write the journal", "nothing was applied")
        state = Disk(w.repo / STATE, w.root, read_only=True)  # the lock's folder too
        state.prepare()
        # the journal comes first (every attempt is journaled), so it is what fails
        w.apply(disk=state).expect(1, "cannot write the journal", "nothing was applied")
        w.faults += 2
        if w.changes():
            raise CaseFailed("changed live state without a journal")
        converge(w)
    return outcome


_RECORDER = """
import sys
from pathlib import Path
from mijnloket_gitops.apply.journal import Journal
from mijnloket_gitops.errors import MijnloketError
journal = Journal(Path(sys.argv[1]), commit=None, forced=False)
for n in range(1, 100_000):
    try:
        journal.record("started", note=n)
    except MijnloketError:
        break
    print(n, flush=True)  # acknowledged: the step it announces would now be performed
"""


def journal_fsync_race(ctx: Context, rounds: int = 60) -> Outcome:
    """The disk fails while a journal line is being fsynced; every line ``record``
    acknowledged must be on the disk after repair (Linux ext4 returned 0 from fsync for
    a transaction its aborted journal never wrote: about one round in fifteen lost the
    last acknowledged line before the journal checked the file system after fsync)."""
    outcome = Outcome("journal-fsync-race")
    if (reason := disk_support()) is not None:
        outcome.skipped = reason
        return outcome
    rng = random.Random(ctx.seed)
    for number in range(rounds):
        work = ctx.work / f"fsync-race-{number:03d}"
        disk = Disk(work / "journal", work)
        disk.prepare()
        command = [*disk.prefix(), sys.executable, "-c", _RECORDER, str(disk.folder)]
        with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as child:
            assert child.stdout is not None
            first = child.stdout.readline()  # a line is on disk: the recorder is under way
            time.sleep(rng.uniform(0.001, 0.01))  # fail somewhere among the next lines
            outcome.faults += 1
            try:
                disk.fail()
            finally:
                acknowledged = [first, *child.stdout.readlines()]
                child.wait(timeout=RUN_TIMEOUT)
                disk.restore()
        outcome.runs += 1
        last = int(acknowledged[-1]) if acknowledged[-1].strip() else 0
        lines = sum(len(path.read_text().splitlines()) for path in disk.folder.glob("*.jsonl"))
        if lines < last:
            outcome.lost += last - lines
            outcome.problems.append(f"round {number}: {last} lines acknowledged, {lines} on disk")
    return outcome
