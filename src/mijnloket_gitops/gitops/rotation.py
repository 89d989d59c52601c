"""Carrying the rotating Loket.nl refresh token from one workflow run to the next.

Loket.nl's refresh tokens rotate: a run that talks to Loket.nl spends the stored
refresh token and gets a new one, and the old one is dead from then on. A runner's
disk is gone after the job, so the token store (the file ``auth login`` writes) lives
in a secret, ``LOKET_TOKEN_STORE`` (an environment secret of ``loket``, or a
repository secret), and on the runner under ``$RUNNER_TEMP``, never in a checkout:

1. :func:`check_can_persist` and :func:`restore`, before the command: refuse to start
   unless the new token can be saved afterwards. ``gh`` must be installed and the
   secrets token must *write* the secret: the current value is written back (reading
   the public key proves nothing; anyone who can read the repository can). So a run
   never spends a token it cannot replace. Then the store is written (mode 0600) with
   its fingerprint next to it.
2. :class:`Watcher`, while the command runs: saves the store each time it rotates
   (``apply --wait`` may rotate it many times in an hour), from the action's own
   process; the command never holds the secrets token.
3. :func:`persist`, after the command (also when it failed): when the store changed,
   write it back to the secret with ``gh secret set`` (retried). When that fails the
   caller must fail the job loudly: the secret now holds a dead token.

Every job that uses the token shares one concurrency group, so no two runs hold it
at once. The token is never printed; callers mask it in the log.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol
from urllib.parse import urlparse

from mijnloket_gitops.gitops.github import GitHubError
from mijnloket_gitops.loket.secrets import Secrets
from mijnloket_gitops.loket.store import StoredToken, TokenStore

CONTENT_ENV = "LOKET_TOKEN_STORE"
"""The environment variable the workflow fills from the secret of the same name."""
SECRETS_TOKEN_ENV = "MIJNLOKET_SECRETS_TOKEN"
"""A token allowed to write the repository's Actions secrets (not GITHUB_TOKEN)."""
RELOGIN = (
    "run `mijnloket-gitops auth login` on a workstation, then "
    "`gh secret set {name} < {store}` to store the new token"
)


class TokenPersistError(GitHubError):
    """The rotated refresh token could not be written back to the secret."""


class SecretWriter(Protocol):
    """Writes one Actions secret of the repository; raises TokenPersistError."""

    def __call__(self, name: str, value: bytes) -> None: ...


def fingerprint_path(store: Path) -> Path:
    return store.with_name(store.name + ".sha256")


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_can_persist(store: Path, content: str, secret_name: str, writer: SecretWriter) -> None:
    """Raise unless a rotated token can be saved: ``gh`` exists and ``writer`` can
    write the secret, proven by writing back its current value (the store's, when
    this job restored it already and it may have rotated since)."""
    if shutil.which("gh") is None:
        raise GitHubError(
            "the GitHub CLI `gh` is not installed; it is needed to save the rotated "
            "Loket.nl refresh token (GitHub-hosted runners have it)"
        )
    restored = store.exists() and fingerprint_path(store).exists()
    value = store.read_bytes() if restored else content.encode("utf-8")
    if not value.strip():
        return  # restore() refuses an empty secret with the fix
    try:
        writer(secret_name, value)
    except TokenPersistError as error:
        raise GitHubError(
            f"{SECRETS_TOKEN_ENV} cannot write the secret {secret_name} ({error}); give it "
            "'Secrets: read and write' (an environment secret: 'Environments: read and "
            "write'). Nothing was done, so the stored Loket.nl token is still valid"
        ) from None


def restore(store: Path, content: str, *, secret_name: str = CONTENT_ENV) -> str:
    """Write the secret's content to ``store`` (0600) unless this job already did; the
    refresh token (for masking) is returned."""
    marker = fingerprint_path(store)
    if store.exists() and marker.exists() and marker.read_text() == _digest(store.read_bytes()):
        return TokenStore(store).read().refresh_token
    if not content.strip():
        raise GitHubError(
            f"the secret {secret_name} is empty or not passed to this step (env "
            f"{CONTENT_ENV}); {RELOGIN.format(name=secret_name, store=store)}"
        )
    try:
        data = json.loads(content)
        token = StoredToken(
            str(data["refresh_token"]), str(data["oauth_url"]), str(data["rotated_at"])
        )
    except (ValueError, KeyError, TypeError):
        raise GitHubError(
            f"the secret {secret_name} does not hold a token store; "
            + RELOGIN.format(name=secret_name, store=store)
        ) from None
    TokenStore(store).write(token)
    marker.write_text(_digest(store.read_bytes()))
    return token.refresh_token


Outcome = Literal["not-restored", "unchanged", "saved"]


def persist(store: Path, secret_name: str, writer: SecretWriter) -> Outcome:
    """Write the store back to the secret when the run rotated the token."""
    marker = fingerprint_path(store)
    if not marker.exists():
        return "not-restored"
    if not store.exists():
        raise TokenPersistError(
            f"the token store {store} disappeared during the run; the secret {secret_name} "
            f"may hold a dead token: {RELOGIN.format(name=secret_name, store=store)}"
        )
    data = store.read_bytes()
    if _digest(data) == marker.read_text():
        return "unchanged"
    try:
        writer(secret_name, data)
    except TokenPersistError as error:
        raise TokenPersistError(
            f"could not save the rotated Loket.nl refresh token to the secret {secret_name}: "
            f"{error}. The secret now holds a token Loket.nl no longer accepts; "
            + RELOGIN.format(name=secret_name, store=store)
        ) from None
    marker.write_text(_digest(data))
    return "saved"


@dataclass(frozen=True)
class GhSecretWriter:
    """``gh secret set NAME --repo OWNER/NAME [--env ENV]`` with the value on stdin."""

    repository: str
    token: str = field(repr=False)
    server_url: str = "https://github.com"
    environment: str = ""
    """The deployment environment of the secret (``gh secret set --env``); empty for a
    repository secret."""
    attempts: int = 3
    sleep: Callable[[float], None] = lambda seconds: time.sleep(seconds)

    def __call__(self, name: str, value: bytes) -> None:
        env = {"GH_TOKEN": self.token, "GH_PROMPT_DISABLED": "1", "NO_COLOR": "1"}
        host = urlparse(self.server_url).hostname or "github.com"
        if host != "github.com":
            env["GH_HOST"] = host
        secrets = Secrets()
        secrets.add(self.token)
        secrets.add(value.decode("utf-8", "replace"))
        problem = ""
        scope = ["--env", self.environment] if self.environment else []
        for attempt in range(self.attempts):
            if attempt:
                self.sleep(2.0**attempt)
            try:
                done = subprocess.run(
                    ["gh", "secret", "set", name, "--repo", self.repository, *scope],
                    input=value,
                    capture_output=True,
                    env={**_base_env(), **env},
                    check=False,
                    timeout=60,
                )
            except (OSError, subprocess.TimeoutExpired) as error:
                problem = f"{type(error).__name__}: {error}"
                continue
            if done.returncode == 0:
                return
            problem = secrets.scrub(done.stderr.decode("utf-8", "replace").strip()[-300:])
        raise TokenPersistError(
            f"`gh secret set` failed {self.attempts} times ({problem or 'no message'})"
        )


def _base_env() -> dict[str, str]:
    keep = ("PATH", "HOME", "SYSTEMROOT", "TMPDIR", "TEMP", "TMP")
    return {k: v for k, v in os.environ.items() if k in keep}


WATCH_SECONDS = 1.0
"""How often the watcher looks at the store (a refresh takes longer than this)."""


class Watcher:
    """Saves the store whenever it rotates, on a thread, while a command runs; the
    first failure is kept and raised by :meth:`stop` (the job must fail loudly)."""

    def __init__(
        self, store: Path, secret_name: str, writer: SecretWriter, interval: float | None = None
    ) -> None:
        self.store, self.secret_name, self.writer = store, secret_name, writer
        self.interval = WATCH_SECONDS if interval is None else interval
        self.saved = 0
        self.error: TokenPersistError | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="token-watcher", daemon=True)

    def start(self) -> Watcher:
        self._thread.start()
        return self

    def _check(self) -> None:
        if self.error is None and self.store.exists():
            try:
                if persist(self.store, self.secret_name, self.writer) == "saved":
                    self.saved += 1
            except TokenPersistError as error:
                self.error = error

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._check()

    def stop(self) -> int:
        """Stop, save a last rotation, and return how many rotations were saved."""
        self._stop.set()
        self._thread.join()
        self._check()
        if self.error is not None:
            raise self.error
        return self.saved
