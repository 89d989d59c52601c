"""HTTP fault cases: the emulator's faults on a share of the API requests."""

from __future__ import annotations

from mijnloket_gitops.emulator.faults import FaultConfig, FaultKind

from .checks import Case, Context, Outcome, checked
from .emulator_world import converge


def http_faults(name: str, kinds: tuple[FaultKind, ...], rate: float = 0.3) -> Case:
    """Faults at ``rate`` of the API requests, of ``kinds``; retried, never doubled."""

    def run(ctx: Context) -> Outcome:
        outcome = Outcome(f"http-{name} {rate:.0%}")
        timeouts = FaultKind.SLOW in kinds
        faults = FaultConfig(rate=rate, seed=ctx.seed, kinds=kinds, retry_after=1, slow_ms=1500)
        config = {"timeout_seconds": 0.5} if timeouts else {}
        with checked(ctx, outcome, "loket", emulator={"faults": faults}, **config) as built:
            converge(built)
        return outcome

    return run
