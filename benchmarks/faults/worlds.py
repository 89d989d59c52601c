"""One repository and its live system (the sandbox), and one CLI run in it."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from mijnloket_gitops.sandbox.store import Store

from .disk import Disk
from .scenario import CLIENT_ID, CLIENT_SECRET, LIVE_DB, RUN_TIMEOUT, STATE, CaseFailed, Key


@dataclass
class Run:
    """One CLI invocation and what became of it."""

    args: tuple[str, ...]
    code: int
    output: str
    pid: int
    journals: frozenset[str] = frozenset()
    """Names of the journal files it wrote."""
    interrupted: str | None = None
    """Why a ``started`` line of it may lack its outcome: "killed", "disk failed"."""

    @property
    def is_apply(self) -> bool:
        return self.args[0] == "apply"

    def expect(self, code: int, *phrases: str) -> None:
        if self.code != code or not all(p in self.output for p in phrases):
            wanted = f"exit {code}" + "".join(f", {p!r}" for p in phrases)
            raise CaseFailed(
                f"`{' '.join(self.args)}` exited {self.code}, expected {wanted}: "
                f"{' '.join(self.output.split()[-60:])}"
            )


Act = Callable[[subprocess.Popen[bytes]], None]


@dataclass
class Trigger:
    """Do ``act`` once, as soon as the journals hold ``nth`` lines of ``event``."""

    event: str
    nth: int
    act: Act
    interrupts: str | None = None
    """What the act does to the run's journal, if anything (see :attr:`Run.interrupted`)."""
    fired: bool = False


def kill(child: subprocess.Popen[bytes]) -> None:
    child.send_signal(signal.SIGKILL)


class World:
    """A configuration repository under ``root`` and the live system it manages."""

    provider = "sandbox"

    def __init__(self, root: Path, required: set[Key]) -> None:
        self.root = root
        self.repo = root / "repo"
        self.expected: Counter[Key] = Counter(required)
        """Each change the case expects in the ``change_log``, and how often."""
        self.runs: list[Run] = []
        self.applying: subprocess.Popen[bytes] | None = None
        """The apply started last."""
        self.faults = 0
        self.env = {
            **os.environ,
            "LOKET_CLIENT_ID": CLIENT_ID,
            "LOKET_CLIENT_SECRET": CLIENT_SECRET,
        }
        self.env.pop("MIJNLOKET_DEBUG", None)
        self.write_config()

    def provider_config(self) -> dict[str, object]:
        return {"path": LIVE_DB}

    def write_config(self, **overrides: object) -> None:
        fields = {"type": self.provider, **self.provider_config(), **overrides}
        lines = ["version: 1", "provider:", *[f"  {k}: {v}" for k, v in fields.items()]]
        lines += ["safety:", "  max_employer_share: 1.0"]
        (self.repo / "mijnloket-gitops.yaml").write_text("\n".join(lines) + "\n")

    @property
    def journal_dir(self) -> Path:
        return self.repo / STATE / "journal"

    def changes(self) -> list[tuple[str, Key]]:
        """(origin, change) of every ``change_log`` entry since the scenario was built."""
        with Store.open(self.repo / LIVE_DB) as store:
            return [(c.origin, (c.employer_id, c.action, c.subject)) for c in store.changes()]

    def person(self) -> int:
        """Do the work order's manual steps in Loket.nl; how many (none in the sandbox)."""
        return 0

    def secrets(self) -> set[str]:
        return set()

    def injected(self) -> int:
        return self.faults

    # Running the CLI

    def start(self, *args: str, prefix: Sequence[str] = ()) -> tuple[subprocess.Popen[bytes], Path]:
        log = self.root / f"run-{len(self.runs) + 1:02d}-{uuid.uuid4().hex[:6]}.log"
        command = [sys.executable, "-m", "mijnloket_gitops", *args, "--repo", str(self.repo)]
        with log.open("wb") as handle:
            child = subprocess.Popen(
                [*prefix, *command], stdout=handle, stderr=subprocess.STDOUT, env=self.env
            )
        if args[0] == "apply":
            self.applying = child
        return child, log

    def finish(
        self,
        started: tuple[subprocess.Popen[bytes], Path],
        args: tuple[str, ...],
        trigger: Trigger | None = None,
        *,
        namespaced: bool = False,
    ) -> Run:
        """Wait for a child, firing ``trigger`` on the way; the run is recorded."""
        child, log = started
        before = set(journals(self.journal_dir))
        # a child with a mount namespace of its own sees its journal folder elsewhere
        watched = Path(f"/proc/{child.pid}/root{self.journal_dir}") if namespaced else None
        seen: set[str] = set()
        deadline = time.monotonic() + RUN_TIMEOUT
        while child.poll() is None:
            if trigger and not trigger.fired:
                names = journals(watched or self.journal_dir)
                seen |= names.keys()
                if (
                    sum(text.count(f'"event": "{trigger.event}"') for text in names.values())
                    >= trigger.nth
                ):
                    trigger.fired = True
                    trigger.act(child)
            elif watched is not None:
                seen |= journals(watched).keys()
            if time.monotonic() > deadline:
                child.kill()
                child.wait()
                raise CaseFailed(f"`{' '.join(args)}` did not finish in {RUN_TIMEOUT:.0f} s")
            time.sleep(0.001)
        run = Run(args, child.returncode, log.read_text(errors="replace"), child.pid)
        run.journals = frozenset((seen | journals(self.journal_dir).keys()) - before)
        if child.returncode == -signal.SIGKILL:
            run.interrupted = "killed"
        elif trigger and trigger.fired:
            run.interrupted = trigger.interrupts
        self.runs.append(run)
        return run

    def apply(
        self, *, trigger: Trigger | None = None, disk: Disk | None = None, plan: Path | None = None
    ) -> Run:
        args = ("apply", str(plan)) if plan else ("apply", "--auto-approve")
        prefix = disk.prefix() if disk else ()
        return self.finish(self.start(*args, prefix=prefix), args, trigger, namespaced=bool(disk))

    def cli(self, *args: str) -> Run:
        return self.finish(self.start(*args), args)


def journals(directory: Path) -> dict[str, str]:
    """The journal files in ``directory``: name to text (lines still being written too)."""
    found: dict[str, str] = {}
    with contextlib.suppress(OSError):
        for path in directory.glob("*.jsonl"):
            with contextlib.suppress(OSError):
                found[path.name] = path.read_text()
    return found
