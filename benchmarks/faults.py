"""The fault matrix: ``apply`` under faults, against the Loket.nl emulator and the sandbox.

Every case builds a fresh configuration repository and live system (the emulator
serving a SQLite store over HTTP on 127.0.0.1 from a thread of this process, or the
sandbox), runs the real CLI in child processes, injects its fault, and runs ``apply``
again until it finishes (for the emulator, doing the work order's manual steps in
between as a person would, through the emulator's admin endpoint). Then it checks:

- ``plan --detailed-exitcode`` exits 0: live state equals the files;
- the store's ``change_log`` holds every change the files require exactly once
  (``lost``: required but missing; ``duplicated``: made more than once, or journaled
  ``done`` in two runs) and nothing else;
- the journal: every ``started`` has an outcome, unless that run was killed or lost
  its disk right there; every change the tool made has a ``started`` line; every
  ``done`` shows up in the ``change_log``;
- no output, journal, work order, plan or lock file holds the client secret or any
  access or refresh token the emulator issued; no run crashed (exit 70).

The live state is built, not seeded at random: every employer has a grant and a
revoke for its werkgevergebruikers (automatic in both providers), every third one a
product to switch on, every third one MijnLoket itself (with the grant waiting on it);
products are manual steps with the emulator. The read-only disk cases need root: a
real ext4 file system in an image file, loop-mounted over the folder in a private
mount namespace of the apply process (nothing outlives it), turned read-only mid-run
the way the kernel does it on a disk error (``errors=remount-ro``, through
``/sys/fs/ext4/<dev>/trigger_fs_error``). Elsewhere those cases are skipped, saying
why. Usage::

    python benchmarks/faults.py [--employers 3] [--only CASE]... [--budget 900]

Prints one row per case and exits 1 if any case failed (or could not run in time).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import itertools
import json
import logging
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from mijnloket_gitops.catalog import builtin_catalog
from mijnloket_gitops.emulator.faults import FaultConfig, FaultKind
from mijnloket_gitops.emulator.server import EmulatorHandle, running_emulator
from mijnloket_gitops.emulator.state import API_ORIGIN, EmulatorConfig
from mijnloket_gitops.emulator.tokens import TokenPair
from mijnloket_gitops.loket.capabilities import Capability
from mijnloket_gitops.loket.store import StoredToken, TokenStore
from mijnloket_gitops.sandbox.seed import SeedEmployer, SeedUser, create_seeded
from mijnloket_gitops.sandbox.store import Store
from mijnloket_gitops.sandbox.writer import Writer

NAMESPACE = uuid.UUID("3f0c8f8e-5f7a-4c1e-9d8b-2a6b1c0e7d55")
CLIENT_ID = "faults-client"
CLIENT_SECRET = "faults-client-secret-71c3e9"
RIGHT = "Raadplegen MijnLoket e-mailadres"
PRODUCTS = ("MijnLoket", "Verlofregistratie", "Verlofregeling")
AK = "a.de.vries@kantoor.example"
LIVE_DB = "live/sandbox.sqlite"
STATE = ".mijnloket"
TOKENS = "tokens/loket-token.json"
"""In a folder of its own, so that one case can take it away alone."""
TOOL_ORIGINS = frozenset({"apply", "emulator-api"})
RUN_TIMEOUT = 180.0
Key = tuple[str, str, str]
"""A change as the ``change_log`` names it: (employer id, action, subject)."""


class CaseFailed(Exception):
    """A case's expectation did not hold; the message says which."""


# The scenario: what the files ask for, and what is live at the start


@dataclass(frozen=True)
class Employer:
    index: int

    @property
    def employer_id(self) -> str:
        return str(uuid.uuid5(NAMESPACE, f"employer-{self.index}"))

    @property
    def name(self) -> str:
        return f"Werkgever {self.index:02d} B.V."

    @property
    def logins(self) -> tuple[str, str]:
        return f"hr{self.index}a@werkgever.example", f"hr{self.index}b@werkgever.example"

    @property
    def live_products(self) -> frozenset[str]:
        missing = {1: "Verlofregeling", 2: "MijnLoket"}.get(self.index % 3)
        return frozenset(PRODUCTS) - {missing}

    def required(self) -> set[Key]:
        """The changes that make live state equal the file, derived by hand."""
        granted, revoked = self.logins
        found = {
            (self.employer_id, "grant", f"{RIGHT} for {granted}"),
            (self.employer_id, "revoke", f"{RIGHT} for {revoked}"),
        }
        return found | {
            (self.employer_id, "activate", p) for p in set(PRODUCTS) - self.live_products
        }

    def file(self) -> str:
        granted, revoked = self.logins
        lines = [
            "version: 1",
            f"employer_id: {self.employer_id}",
            f"name: {self.name}",
            "addendum:",
            "  status: signed",
            "  signed_on: 2025-01-15",
            f'  ticket: "LKT-{20000 + self.index}"',
            "tier: start",
            "products:",
            *[f"  - {p}" for p in PRODUCTS],
            "users:",
            f"  - login: {AK}",
            "    type: ak-gebruiker",
            "    rights: []",
            f"  - login: {granted}",
            "    type: werkgevergebruiker",
            f"    rights: [{RIGHT}]",
            f"  - login: {revoked}",
            "    type: werkgevergebruiker",
            "    rights: []",
        ]
        return "\n".join(lines) + "\n"

    def live(self) -> SeedEmployer:
        granted, revoked = self.logins
        return SeedEmployer(
            self.employer_id,
            self.name,
            10_000 + self.index,
            f"{self.index:08d}",
            True,
            self.live_products,
            (
                SeedUser(AK, "ak-gebruiker"),
                SeedUser(granted, "werkgevergebruiker"),
                SeedUser(revoked, "werkgevergebruiker", frozenset({RIGHT})),
            ),
            f"employers/werkgever-{self.index:02d}.yaml",
        )


def write_scenario(repo: Path, count: int) -> set[Key]:
    """Employer files and the live database under ``repo``; returns the required changes."""
    employers = [Employer(i) for i in range(count)]
    (repo / "employers").mkdir(parents=True)
    for employer in employers:
        (repo / "employers" / f"werkgever-{employer.index:02d}.yaml").write_text(employer.file())
    create_seeded(repo / LIVE_DB, [e.live() for e in employers], builtin_catalog(), reset=True)
    return set().union(*(e.required() for e in employers))


# A real disk that fails


@functools.cache
def disk_support() -> str | None:
    """None when a failing disk can be made here, else why not."""
    if os.geteuid() != 0:
        return "needs root: a loop-mounted ext4 file system in a private mount namespace"
    for tool in ("unshare", "mkfs.ext4", "e2fsck", "losetup", "mount"):
        if shutil.which(tool) is None:
            return f"needs {tool} (a loop-mounted ext4 file system)"
    with tempfile.TemporaryDirectory(prefix="faults-disk-") as temp:
        disk = Disk(Path(temp) / "folder", Path(temp))
        disk.folder.mkdir()
        try:
            disk.prepare()
        except CaseFailed as error:
            return str(error)
        probe = 'for f in /sys/fs/ext4/*/trigger_fs_error; do [ -w "$f" ] && exit 0; done; exit 1'
        done = subprocess.run([*disk.prefix(), "sh", "-c", probe], capture_output=True, timeout=30)
        if done.returncode != 0:
            detail = done.stderr.decode(errors="replace").strip()
            return f"cannot mount an ext4 image with a writable trigger_fs_error: {detail}"
    return None


class Disk:
    """An ext4 file system in an image file, holding what ``folder`` held.

    :meth:`prefix` mounts it over ``folder`` in a private mount namespace of the child
    it starts; :meth:`fail` makes the kernel turn it read-only as on a disk error;
    :meth:`restore` repairs it (``e2fsck``) and copies its contents back to ``folder``,
    as an administrator would after replacing the disk.
    """

    def __init__(self, folder: Path, work: Path, *, read_only: bool = False) -> None:
        self.folder = folder
        self.image = work / f"disk-{uuid.uuid4().hex[:8]}.img"
        self.read_only = read_only

    def prepare(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        _tool(["mkfs.ext4", "-q", "-F", "-d", str(self.folder), str(self.image), "16M"])

    def prefix(self) -> list[str]:
        options = "loop,errors=remount-ro" + (",ro" if self.read_only else "")
        script = 'mount -o "$1" "$2" "$3" && shift 3 && exec "$@"'
        return [
            *("unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh"),
            *(options, str(self.image), str(self.folder)),
        ]

    def fail(self) -> None:
        listed = _tool(["losetup", "-j", str(self.image)]).split(":", 1)[0].strip()
        if not listed:
            raise CaseFailed(f"{self.image} is not attached to a loop device")
        Path(f"/sys/fs/ext4/{Path(listed).name}/trigger_fs_error").write_text("1")

    def restore(self) -> None:
        subprocess.run(["e2fsck", "-fy", str(self.image)], capture_output=True, timeout=60)
        shutil.rmtree(self.folder)
        self.folder.mkdir()
        copy = 'mount -o loop,ro "$1" "$2" && cp -a "$2"/. "$3"/'
        with tempfile.TemporaryDirectory(prefix="faults-mnt-") as mnt:
            command = ["unshare", "--mount", "--propagation", "private", "sh", "-c", copy, "sh"]
            _tool([*command, str(self.image), mnt, str(self.folder)])
        shutil.rmtree(self.folder / "lost+found", ignore_errors=True)


def _tool(command: list[str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise CaseFailed(f"{' '.join(command[:3])} failed: {done.stderr.strip()[:300]}")
    return done.stdout


# One repository and its live system


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
        before = set(_journals(self.journal_dir))
        # a child with a mount namespace of its own sees its journal folder elsewhere
        watched = Path(f"/proc/{child.pid}/root{self.journal_dir}") if namespaced else None
        seen: set[str] = set()
        deadline = time.monotonic() + RUN_TIMEOUT
        while child.poll() is None:
            if trigger and not trigger.fired:
                names = _journals(watched or self.journal_dir)
                seen |= names.keys()
                if (
                    sum(text.count(f'"event": "{trigger.event}"') for text in names.values())
                    >= trigger.nth
                ):
                    trigger.fired = True
                    trigger.act(child)
            elif watched is not None:
                seen |= _journals(watched).keys()
            if time.monotonic() > deadline:
                child.kill()
                child.wait()
                raise CaseFailed(f"`{' '.join(args)}` did not finish in {RUN_TIMEOUT:.0f} s")
            time.sleep(0.001)
        run = Run(args, child.returncode, log.read_text(errors="replace"), child.pid)
        run.journals = frozenset((seen | _journals(self.journal_dir).keys()) - before)
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


def _journals(directory: Path) -> dict[str, str]:
    """The journal files in ``directory``: name to text (lines still being written too)."""
    found: dict[str, str] = {}
    with contextlib.suppress(OSError):
        for path in directory.glob("*.jsonl"):
            with contextlib.suppress(OSError):
                found[path.name] = path.read_text()
    return found


class EmulatorWorld(World):
    """The loket provider against an emulator on 127.0.0.1, in a thread of this process.

    Products are manual steps here: :meth:`person` does them through the emulator's
    admin endpoint, reading the work order as a person would.
    """

    provider = "loket"

    def __init__(
        self, root: Path, required: set[Key], server: EmulatorHandle, config: dict[str, object]
    ) -> None:
        self.server = server
        self.config = config
        self.issued: set[str] = set()
        self.after_refresh: Callable[[], None] | None = None
        self.after_commit: Callable[[], None] | None = None
        tokens = server.state.tokens
        # wrap the emulator's token registry to learn every token it issues (for the
        # secrets check) and to act at the moment a refresh token is spent, and its
        # store to act the moment a change through the API is committed
        setattr(tokens, "exchange_code", self._remembering(tokens.exchange_code, False))  # noqa: B010
        setattr(tokens, "refresh", self._remembering(tokens.refresh, True))  # noqa: B010
        setattr(server.state.store, "write", self._committing(server.state.store.write))  # noqa: B010
        super().__init__(root, required)
        self.login()

    def _remembering(
        self, method: Callable[..., TokenPair], refresh: bool
    ) -> Callable[..., TokenPair]:
        def issue(*args: Any) -> TokenPair:
            pair = method(*args)
            self.issued |= {pair.access_token, pair.refresh_token}
            if refresh and self.after_refresh is not None:
                self.after_refresh()
            return pair

        return issue

    def _committing(
        self, write: Callable[..., contextlib.AbstractContextManager[Writer]]
    ) -> Callable[..., contextlib.AbstractContextManager[Writer]]:
        @contextlib.contextmanager
        def committed(origin: str, **kwargs: Any) -> Iterator[Writer]:
            with write(origin, **kwargs) as tx:
                yield tx
            if origin == API_ORIGIN and self.after_commit is not None:
                self.after_commit()

        return committed

    def provider_config(self) -> dict[str, object]:
        return {
            "api_url": self.server.base_url,
            "oauth_url": self.server.oauth_url,
            "token_store": TOKENS,
            "requests_per_second": 1000,
            "concurrency": 4,
            "max_retries": 6,
            "retry_budget_seconds": 60,
            **self.config,
        }

    def login(self) -> None:
        """What ``auth login`` does: a fresh refresh token in the store."""
        store = TokenStore(self.repo / TOKENS)
        token = self.server.issue_tokens().refresh_token
        self.issued.add(token)
        with store.lock():
            store.write(StoredToken.new(token, self.server.oauth_url))

    def changes(self) -> list[tuple[str, Key]]:
        return [(c.origin, (c.employer_id, c.action, c.subject)) for c in self.server.changes()]

    def admin(self, path: str, body: dict[str, Any] | None = None) -> Any:
        response = httpx.post(f"{self.server.admin_url}/{path}", json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    def person(self) -> int:
        order = json.loads((self.repo / STATE / "work-order" / "work-order.json").read_text())
        done = 0
        for employer in order["employers"]:
            for task in employer["tasks"]:
                if task["product"] and not task["blocked"]:
                    body = {"name": task["product"], "active": task["action"] == "activate"}
                    self.admin(f"employers/{employer['employer_id']}/modules", body)
                    done += 1
        return done

    def secrets(self) -> set[str]:
        return {CLIENT_SECRET, *self.issued}

    def injected(self) -> int:
        return self.faults + sum(1 for r in self.server.requests() if r.fault)

    def token_requests(self, since: int = 0) -> int:
        return sum(1 for r in self.server.requests(since) if r.path.endswith("/oauth/token"))


MATRIX_WORLD: dict[str, Any] = {
    "api": "current",
    "disabled": frozenset(
        {
            Capability.MODULES_WRITE,
            Capability.PROVIDER_USERS_READ,
            Capability.PROVIDER_USER_RIGHTS_READ,
            Capability.PROVIDER_USER_RIGHTS_WRITE,
        }
    ),
}
"""The emulated Loket.nl of the matrix: rights of werkgevergebruikers readable (so every
rights step is verified and a repeat is a duplicate), products switched by a person
(the emulator's admin endpoint), ak-gebruikers invisible."""


@contextlib.contextmanager
def world(
    kind: str,
    root: Path,
    employers: int,
    emulator: dict[str, Any] | None = None,
    **config: object,
) -> Iterator[World]:
    """A fresh world of ``kind`` ("sandbox" or "loket") under ``root``.

    ``emulator``: :class:`EmulatorConfig` fields; ``config``: loket provider settings.
    """
    required = write_scenario(root / "repo", employers)
    if kind == "sandbox":
        yield World(root, required)
        return
    settings = EmulatorConfig(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, **{**MATRIX_WORLD, **(emulator or {})}
    )
    with running_emulator(root / "repo" / LIVE_DB, settings) as server:
        yield EmulatorWorld(root, required, server, config)


# Reaching the end, and checking what happened on the way


def converge(world: World, *, trigger: Trigger | None = None, saved: bool = False) -> None:
    """Apply until it finishes (doing manual steps in between), then verify with ``plan``."""
    plan = None
    if saved:
        plan = world.root / "plan.json"
        world.cli("plan", "--out", str(plan)).expect(0)
    for _ in range(8):
        run = world.apply(trigger=trigger, plan=plan)
        if run.interrupted == "killed":
            continue
        if run.code == 0:
            break
        if run.code == 4 and world.person():
            continue
        run.expect(0)
    else:
        raise CaseFailed("apply did not finish in 8 runs")
    world.cli("plan", "--detailed-exitcode").expect(0)


@dataclass
class Audit:
    lost: int = 0
    duplicated: int = 0
    problems: list[str] = field(default_factory=list)


OUTCOMES = frozenset({"done", "failed"})


def _key(line: dict[str, Any]) -> Key:
    subject = line["product"] or f"{line['right']} for {line['login']}"
    return line["employer_id"].lower(), line["action"], subject


def audit(world: World) -> Audit:
    """Compare the ``change_log``, the journals and the outputs with what was expected."""
    result = Audit()
    changes = world.changes()
    counts = Counter(key for _, key in changes)
    for key, wanted in world.expected.items():
        result.lost += max(0, wanted - counts[key])
        result.duplicated += max(0, counts[key] - wanted)
    for key in counts.keys() - world.expected.keys():
        result.problems.append(f"a change nobody asked for: {key} ({counts[key]}x)")
    interrupted = {name for run in world.runs if run.interrupted for name in run.journals}
    started: set[Key] = set()
    done: Counter[Key] = Counter()
    for name, text in sorted(_journals(world.journal_dir).items()):
        under_way: set[Key] = set()
        for number, raw in enumerate(text.splitlines(keepends=True), start=1):
            try:
                line = json.loads(raw)
            except ValueError:  # a line cut short can only be the last one of a killed run
                if name not in interrupted or raw.endswith("\n"):
                    result.problems.append(f"{name}:{number}: not a JSON line: {raw[:80]!r}")
                continue
            if line.get("key") is None:
                continue
            key = _key(line)
            if line["event"] == "started":
                under_way.add(key)
                started.add(key)
            elif line["event"] in OUTCOMES:
                under_way.discard(key)
            done[key] += line["event"] == "done"
        if under_way and (name not in interrupted or len(under_way) > 1):
            result.problems.append(f"{name}: started without an outcome: {sorted(under_way)}")
    result.duplicated += sum(n - 1 for n in done.values() if n > 1)
    made = {key for origin, key in changes if origin in TOOL_ORIGINS}
    for key in sorted(made - started):
        result.problems.append(f"changed without a journal line: {key}")
    for key in sorted(done.keys() - made):
        if done[key]:
            result.lost += 1
            result.problems.append(f"journaled done, but not in the change_log: {key}")
    for run in world.runs:
        if run.code == 70 or "Traceback" in run.output:
            result.problems.append(f"`{' '.join(run.args)}` crashed: {run.output[-300:]}")
    result.problems += leaks(world)
    return result


def leaks(world: World) -> list[str]:
    """Where a secret shows up: any output, or any file the runs left (journals, work
    orders, plans, lock files) but the token store, its disk image and the live data."""
    secrets = world.secrets()
    if not secrets:
        return []
    texts = [(f"the output of `{' '.join(r.args)}`", r.output) for r in world.runs]
    store = (world.repo / TOKENS).parent
    for path in world.root.rglob("*"):
        if not path.is_file() or store in path.parents or path.suffix == ".img":
            continue
        if ".sqlite" not in path.name:
            texts.append((str(path.relative_to(world.root)), path.read_text(errors="replace")))
    return [f"{where} holds a secret" for where, text in texts if any(s in text for s in secrets)]


# The cases


@dataclass
class Outcome:
    """One row of the table."""

    case: str
    runs: int = 0
    faults: int = 0
    lost: int = 0
    duplicated: int = 0
    problems: list[str] = field(default_factory=list)
    skipped: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Nothing went wrong (a case skipped for want of a failing disk is ok)."""
        return not self.problems and not self.lost and not self.duplicated

    @property
    def result(self) -> str:
        if not self.ok:
            return "FAILED"
        return "ok" if self.skipped is None else f"skipped: {self.skipped}"


@dataclass(frozen=True)
class Context:
    work: Path
    employers: int = 3
    seed: int = 1


@contextlib.contextmanager
def checked(ctx: Context, outcome: Outcome, kind: str, **settings: Any) -> Iterator[World]:
    """A fresh world for ``outcome``'s case; audited (and a failure noted) afterwards."""
    root = ctx.work / f"{outcome.case.split()[0]}-{uuid.uuid4().hex[:8]}"
    with world(kind, root, ctx.employers, **settings) as built:
        try:
            yield built
        except CaseFailed as error:
            outcome.problems.append(str(error))
        except Exception as error:  # the harness itself: report it, go on with the next case
            outcome.problems.append(f"{type(error).__name__}: {error}")
        found = audit(built)
        outcome.runs += sum(1 for r in built.runs if r.is_apply)
        outcome.faults += built.injected()
        outcome.lost += found.lost
        outcome.duplicated += found.duplicated
        outcome.problems += found.problems


Case = Callable[[Context], Outcome]


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


AUTOMATIC: dict[str, Callable[[Key], bool]] = {
    "sandbox": lambda key: True,
    "loket": lambda key: key[1] in ("grant", "revoke"),  # products are manual in Loket.nl
}
"""Which required changes apply performs itself, by provider."""


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
            journaled = "".join(_journals(w.journal_dir).get(n, "") for n in w.runs[-1].journals)
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
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
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


if __name__ == "__main__":
    sys.exit(main())
