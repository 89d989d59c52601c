"""Token cases: expiry, rotation, and a token store whose disk fails."""

from __future__ import annotations

import signal
import subprocess
import time

from .checks import Case, Context, Outcome, checked
from .disk import Disk, disk_support
from .emulator_world import EmulatorWorld, converge
from .scenario import TOKENS, CaseFailed
from .worlds import Trigger


def token_expiry(ctx: Context) -> Outcome:
    """Access tokens live 1 s, and every one is ended by the admin endpoint mid-apply."""
    outcome = Outcome("token-expiry")
    with checked(ctx, outcome, "loket", emulator={"token_lifetime": 1, "latency_ms": 100}) as w:
        assert isinstance(w, EmulatorWorld)
        converge(w, trigger=Trigger("started", 2, lambda _: w.admin("tokens/expire")))
        refreshes = w.token_requests() - len(w.runs)
        if refreshes < 1:
            raise CaseFailed("no access token expired during a run")
        w.faults += refreshes
    return outcome


def token_rotated(ctx: Context) -> Outcome:
    """Between two steps another process rotates the refresh token; the apply goes on."""
    outcome = Outcome("token-rotated")
    with checked(ctx, outcome, "loket", emulator={"latency_ms": 100}) as w:
        assert isinstance(w, EmulatorWorld)

        def rotate(child: subprocess.Popen[bytes]) -> None:
            child.send_signal(signal.SIGSTOP)
            try:
                w.cli("auth", "status").expect(0)
                before = w.token_requests()
                w.cli("plan").expect(0)
                if w.token_requests() == before:
                    raise CaseFailed("the second process did not refresh the token")
                w.admin("tokens/expire")  # so the apply must refresh with the rotated token
            finally:
                child.send_signal(signal.SIGCONT)

        trigger = Trigger("done", 2, rotate)
        converge(w, trigger=trigger)
        w.faults += trigger.fired
    return outcome


def token_store_fails(during_refresh: bool) -> Case:
    """The token store's disk turns read-only before, or during, a refresh mid-apply."""

    def run(ctx: Context) -> Outcome:
        when = "during" if during_refresh else "before"
        outcome = Outcome(f"token-store-fails {when} refresh")
        if (reason := disk_support()) is not None:
            outcome.skipped = reason
            return outcome
        with checked(ctx, outcome, "loket", emulator={"latency_ms": 50}) as w:
            assert isinstance(w, EmulatorWorld)
            disk = Disk((w.repo / TOKENS).parent, w.root)
            disk.prepare()
            failed_at: list[int] = []

            def fail() -> None:
                failed_at.append(w.server.state.log.last_seq)
                disk.fail()

            def expire(child: subprocess.Popen[bytes]) -> None:
                child.send_signal(signal.SIGSTOP)
                time.sleep(0.3)  # the request under way is answered: the log is quiet
                if during_refresh:  # the refresh token is spent, then the disk fails
                    w.after_refresh = lambda: None if failed_at else fail()
                else:
                    fail()
                w.admin("tokens/expire")  # so the next request needs a refresh
                child.send_signal(signal.SIGCONT)

            trigger = Trigger("done", 2, expire)
            try:
                run = w.apply(trigger=trigger, disk=disk)
            finally:
                disk.restore()
            w.faults += trigger.fired
            if not failed_at:
                raise CaseFailed("the token store's disk never failed")
            used = [r for r in w.server.requests(failed_at[0]) if r.path.startswith("/v2")]
            if during_refresh:
                run.expect(1, "auth login")
                if used:
                    raise CaseFailed(f"{len(used)} API requests after the unsaved refresh")
            else:
                run.expect(1, "Read-only file system")
                if w.token_requests(failed_at[0]) or any(r.status != 401 for r in used):
                    raise CaseFailed("a refresh or a change without a writable token store")
            if during_refresh:
                w.apply().expect(1, "auth login")  # the stored refresh token is spent
                w.login()
            converge(w)
        return outcome

    return run
