"""Stale saved plans and two applies at once."""

from __future__ import annotations

import signal
import subprocess

from .checks import Case, Context, Outcome, checked
from .emulator_world import EmulatorWorld, converge
from .scenario import CaseFailed, Employer
from .worlds import Trigger, journals


def stale_plan(kind: str) -> Case:
    """A person changes live state between plan and apply: the saved plan is refused."""

    def run(ctx: Context) -> Outcome:
        outcome = Outcome(f"stale-plan ({kind})")
        with checked(ctx, outcome, kind) as w:
            plan = w.root / "reviewed.json"
            w.cli("plan", "--out", str(plan)).expect(0)
            employer = Employer(0).employer_id
            product = "Verlofregistratie"
            if isinstance(w, EmulatorWorld):
                w.admin(f"employers/{employer}/modules", {"name": product, "active": False})
            else:
                w.cli("sandbox", "set", employer, "--deactivate", product).expect(0)
            w.faults += 1
            w.expected.update([(employer, "deactivate", product), (employer, "activate", product)])
            changed = len(w.changes())
            w.apply(plan=plan).expect(3, f"{product} was deactivated", "nothing was applied")
            # a refused apply is journaled (issue 12), but performs and journals no step
            journaled = "".join(journals(w.journal_dir).get(n, "") for n in w.runs[-1].journals)
            if len(w.changes()) != changed or '"event": "started"' in journaled:
                raise CaseFailed("the refused apply changed something or journaled a step")
            converge(w)
        return outcome

    return run


def two_applies(kind: str) -> Case:
    """Two applies at once: one proceeds, the other is refused naming the holder."""

    def run(ctx: Context) -> Outcome:
        outcome = Outcome(f"two-applies ({kind})")
        with checked(ctx, outcome, kind, emulator={"latency_ms": 150}) as w:
            args = ("apply", "--auto-approve")
            if kind == "loket":  # the emulator's latency keeps the first one busy
                first, second = w.start(*args), w.start(*args)
                runs = [w.finish(first, args), w.finish(second, args)]
            else:  # the sandbox is fast: the first one is paused while the second tries

                def second_try(child: subprocess.Popen[bytes]) -> None:
                    child.send_signal(signal.SIGSTOP)
                    try:
                        w.apply()
                    finally:
                        child.send_signal(signal.SIGCONT)

                runs = [w.apply(trigger=Trigger("started", 1, second_try))]
                runs.insert(0, w.runs[-2])
            refused = [r for r in runs if r.code == 3]
            if len(refused) != 1:
                raise CaseFailed(f"expected one refused apply, got exits {[r.code for r in runs]}")
            (holder,) = [r for r in runs if r.code != 3]
            refused[0].expect(3, f"another apply is running: pid {holder.pid} ")
            w.faults += 1
            if holder.code == 4 and w.person():
                converge(w)
            else:
                holder.expect(0)
                w.cli("plan", "--detailed-exitcode").expect(0)
        return outcome

    return run
