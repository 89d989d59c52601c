"""A lock the whole team shares: a ref on the configuration repository's remote.

The local lock (:mod:`lock`) excludes two applies from one checkout; the sandbox's
database row excludes applies against one sandbox file. Neither sees a colleague's
checkout applying to Loket.nl. This lock lives where every checkout and CI runner of
the configuration repository already meets: its git remote (``lock.remote`` in
``mijnloket-gitops.yaml``).

- **Take**: a commit (empty tree) whose message is the holder as JSON (who, host,
  checkout, plan, since when, target) is pushed to ``refs/mijnloket/locks/apply-<hash
  of the target>`` with ``--force-with-lease=<ref>:`` (an empty expected value): the
  remote refuses the push when the ref exists, atomically, so of two racing applies
  exactly one gets it. Refused, apply retries until ``--lock-timeout`` and then
  refuses (exit 3) naming the holder and how to clear a dead holder's lock.
- **Release**: after the apply, a delete pushed with the lease of its own commit, so
  it never removes a lock someone else took meanwhile.
- **Force-unlock**: a delete with the lease of the lock commit the user names (its
  id, as ``lock status`` shows it), journaled with the holder's details.

Only git is used, over whatever transport the remote has; tests use a local bare
repository. A remote that cannot be reached is an error (nothing is applied), never
a lock silently skipped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import socket
import subprocess
import time
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from mijnloket_gitops.apply.journal import actor
from mijnloket_gitops.config import Settings
from mijnloket_gitops.errors import MijnloketError, RefusedError

REF_PREFIX = "refs/mijnloket/locks/"
_IDENTITY = {
    "GIT_AUTHOR_NAME": "mijnloket-gitops",
    "GIT_AUTHOR_EMAIL": "mijnloket-gitops@localhost",
    "GIT_COMMITTER_NAME": "mijnloket-gitops",
    "GIT_COMMITTER_EMAIL": "mijnloket-gitops@localhost",
}


def lock_ref(target: str) -> str:
    """The ref of the shared lock for a provider target."""
    return f"{REF_PREFIX}apply-{hashlib.sha256(target.encode()).hexdigest()[:12]}"


@dataclass(frozen=True)
class Holder:
    """Who holds a shared lock: its commit (the lock id) and what it says."""

    lock_id: str
    data: dict[str, Any]

    def describe(self) -> str:
        d = self.data
        plan = d.get("plan_id") or "a plan made at apply time"
        return (
            f"{d.get('actor', '?')} on {d.get('host', '?')} (pid {d.get('pid', '?')},"
            f" checkout {d.get('checkout', '?')}) since {d.get('since', '?')}, applying"
            f" {plan}; lock id {self.lock_id[:12]}"
        )


class RemoteLock:
    """The shared lock of ``target`` on ``remote`` of the git repository at ``root``."""

    def __init__(self, root: Path, remote: str, target: str) -> None:
        self.root = root
        self.remote = remote
        self.target = target
        self.ref = lock_ref(target)

    def _git(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run(
                ["git", *args],
                cwd=self.root,
                capture_output=True,
                text=True,
                check=False,
                stdin=subprocess.DEVNULL,
                env={**os.environ, **(env or {}), "GIT_TERMINAL_PROMPT": "0"},
                timeout=120,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise MijnloketError(
                f"git {args[0]} for the shared apply lock failed: {error}"
            ) from None

    def _checked(self, *args: str, env: dict[str, str] | None = None) -> str:
        done = self._git(*args, env=env)
        if done.returncode != 0:
            raise MijnloketError(
                f"the shared apply lock on the remote {self.remote!r} cannot be used: git"
                f" {args[0]} failed: {done.stderr.strip() or done.stdout.strip()}\nhint: check"
                " lock.remote in mijnloket-gitops.yaml and that this checkout can push to it;"
                " nothing was applied"
            )
        return done.stdout.strip()

    def holder(self) -> Holder | None:
        """The current holder, or None when the lock is free."""
        listed = self._checked("ls-remote", self.remote, self.ref)
        if not listed:
            return None
        lock_id = listed.split()[0]
        if self._git("fetch", "-q", "--no-tags", self.remote, self.ref).returncode != 0:
            if not self._checked("ls-remote", self.remote, self.ref):
                return None  # released meanwhile
            self._checked("fetch", "-q", "--no-tags", self.remote, self.ref)  # says why
        message = self._checked("log", "-1", "--format=%B", lock_id)
        try:
            data = json.loads(message)
        except ValueError:
            data = {}
        return Holder(lock_id, data if isinstance(data, dict) else {})

    def _commit(self, info: dict[str, Any]) -> str:
        empty = self._checked("hash-object", "-t", "tree", "-w", "--stdin")
        message = json.dumps(info, sort_keys=True)
        return self._checked("commit-tree", empty, "-m", message, env=_IDENTITY)

    def try_take(self, info: dict[str, Any]) -> str | None:
        """Push a lock commit if the ref does not exist; its id, or None when held."""
        commit = self._commit(info)
        for _ in range(3):  # a holder may release between the push and the look
            pushed = self._git(
                "push", "-q", "--no-verify", f"--force-with-lease={self.ref}:", self.remote,
                f"{commit}:{self.ref}",
            )  # fmt: skip
            if pushed.returncode == 0:
                return commit
            if self.holder() is not None:  # rejected: the lease found the ref
                return None
        raise MijnloketError(
            f"cannot take the shared apply lock on the remote {self.remote!r}:"
            f" {pushed.stderr.strip()}\nnothing was applied"
        )

    def release(self, lock_id: str) -> bool:
        """Delete the lock if it is still ``lock_id``; whether it was deleted."""
        done = self._git(
            "push", "-q", "--no-verify", f"--force-with-lease={self.ref}:{lock_id}",
            self.remote, f":{self.ref}",
        )  # fmt: skip
        return done.returncode == 0


def holder_info(plan_id: str | None, target: str, root: Path) -> dict[str, Any]:
    """What a lock commit says about its holder."""
    return {
        "actor": actor(),
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "checkout": str(root.resolve()),
        "plan_id": plan_id,
        "target": target,
        "since": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


class SharedLock:
    """Context manager holding the shared lock for an apply; RefusedError naming the
    holder when it stays held for ``timeout`` seconds."""

    def __init__(
        self,
        lock: RemoteLock,
        info: dict[str, Any],
        *,
        timeout: float = 0.0,
        interval: float = 1.0,
    ) -> None:
        self.lock = lock
        self.info = info
        self.timeout = timeout
        self.interval = interval
        self.lock_id: str | None = None

    def __enter__(self) -> SharedLock:
        deadline = time.monotonic() + self.timeout
        while True:
            self.lock_id = self.lock.try_take(self.info)
            if self.lock_id is not None:
                return self
            if time.monotonic() >= deadline:
                holder = self.lock.holder()
                shown = holder.describe() if holder else "released just now; try again"
                raise RefusedError(
                    f"another apply holds the shared lock {self.lock.ref} on the remote"
                    f" {self.lock.remote!r}: {shown}. Nothing was applied. Wait for it"
                    " (`--lock-timeout SECONDS`), or, if that apply is dead, clear it with"
                    f" `mijnloket-gitops force-unlock {holder.lock_id[:12] if holder else 'ID'}`."
                )
            time.sleep(self.interval)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.lock_id is not None:
            self.lock.release(self.lock_id)


def shared_lock(
    settings: Settings, target: str, plan_id: str | None, timeout: float
) -> AbstractContextManager[object]:
    """The shared lock of ``target`` for an apply, when ``lock.remote`` is set."""
    remote = settings.config.lock.remote
    if remote is None:
        return nullcontext()
    lock = RemoteLock(settings.root, remote, target)
    return SharedLock(lock, holder_info(plan_id, target, settings.root), timeout=timeout)
