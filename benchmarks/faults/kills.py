"""Kill cases: SIGKILL of apply at a journal line or after an API commit."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

from .checks import Case, Context, Outcome, checked
from .emulator_world import EmulatorWorld, converge
from .scenario import AUTOMATIC, CaseFailed, Employer
from .worlds import Trigger, kill


def kill_sweep(kind: str, event: str, points: Sequence[int] = ()) -> Case:
    """SIGKILL right after the n-th ``event`` journal line (or, for ``committed``, the
    moment the emulator has committed the n-th change, before the answer is sent), for
    every step n (or ``points``), each in a fresh world; then apply until done."""

    def run(ctx: Context) -> Outcome:
        outcome = Outcome(f"kill-{event} ({kind})")
        automatic = AUTOMATIC[kind]
        steps = sum(1 for i in range(ctx.employers) for k in Employer(i).required() if automatic(k))
        for n in points or range(1, steps + 1):
            emulator = {"latency_ms": 50}  # a wide window between a step's start and end
            with checked(ctx, outcome, kind, emulator=emulator) as built:
                trigger = Trigger(event, n, kill)
                if event == "committed":
                    assert isinstance(built, EmulatorWorld)
                    built.after_commit = _kill_at_commit(built, trigger)
                    converge(built, saved=True)
                else:
                    converge(built, trigger=trigger, saved=kind == "loket")
                if not trigger.fired:
                    raise CaseFailed(f"no {event} #{n}: the kill never happened")
                built.faults += 1
        return outcome

    return run


def _kill_at_commit(world: EmulatorWorld, trigger: Trigger) -> Callable[[], None]:
    commits = itertools.count(1)

    def after_commit() -> None:  # in the emulator's thread, before it answers
        if next(commits) == trigger.nth and world.applying is not None:
            trigger.fired = True
            world.applying.kill()

    return after_commit
