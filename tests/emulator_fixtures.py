"""Fixtures for tests that talk to the Loket.nl emulator over real HTTP on 127.0.0.1.

Load them in a test module with ``pytest_plugins = ("tests.emulator_fixtures",)`` and ask for
the ``emulator`` fixture, or start one yourself with :func:`start_emulator`.

API (keep it small; the provider tests build on it):

- fixture ``emulator`` -> :class:`SeededEmulator`: :data:`EMPLOYERS` generated, valid
  employer files seeded (``sandbox seed``'s logic, so a few drift) into a fresh
  sandbox database and served on a free port; no faults, no latency.
- ``start_emulator(tmp_path, *, employers=EMPLOYERS, seed=1, clock=..., **config)``:
  the same as a context manager, any :class:`EmulatorConfig` field overridden, e.g.
  ``world="artefact"``, ``rights_flag="isEnabled"``,
  ``faults=FaultConfig(rate=0.2, seed=3, retry_after=0)``, ``latency_ms=20``,
  ``token_lifetime=60``; ``clock`` (e.g. a :class:`FakeClock`) drives token expiry.
  ``api=`` is accepted as the former name of ``world=``. In the ``artefact`` world the
  employer files' logins are ``User1``, ``User2``, ... (Loket's ``userName`` as the
  artefacts show it, not an e-mail address).
- :data:`WORLD_CASES`: every world, ``artefact`` once per rights flag, as
  ``pytest.param`` of the :class:`EmulatorConfig` fields (``{"world": ...,
  "rights_flag": ...}``; ids ``classic``, ``current``,
  ``artefact-availableForEmployerUser``, ``artefact-isEnabled``), for
  ``start_emulator(tmp_path, **case)`` in tests that run in every world.
- :class:`SeededEmulator`: ``server`` (the
  :class:`~mijnloket_gitops.emulator.server.EmulatorHandle`: ``base_url``,
  ``oauth_url``, ``admin_url``, ``db`` and the helpers ``issue_tokens()``,
  ``authorize()``, ``switch_module()``, ``set_portal_available()``, ``requests()``,
  ``changes()``, ``expire_tokens()``, ``revoke_tokens()``, ``set_faults()``),
  ``repo`` (a configuration repository holding ``employers/``, no
  ``mijnloket-gitops.yaml``; the database is its default sandbox path), ``db`` and
  ``employers`` (``[(path, EmployerFile)]``).
- ``seed_repo(root, employers, seed, usernames=False)`` -> (repo, db, employers): only
  the seeding, for a test that runs ``emulator serve`` itself; ``usernames`` gives
  ``User<n>`` logins as in the ``artefact`` world (:func:`use_usernames`, which
  ``benchmarks/requests.py`` uses too).
- ``emulator_process(db, *args)``: ``emulator serve --port 0`` in a child process
  (its own GIL: use it for benchmarks and multi-process tests) as an
  :class:`EmulatorProcess` (``base_url``, ``oauth_url``, ``admin_url``, ``banner``,
  ``process``, later stdout ``lines``); interrupted (then killed) at the end.
- :data:`CLIENT_ID`, :data:`CLIENT_SECRET`: the credentials the emulator accepts;
  :func:`api_headers`: the headers the API wants; :class:`FakeClock`.

PYTEST_DONT_REWRITE: test modules import helpers from here before ``pytest_plugins``
registers it, which pytest would otherwise report (an error, as warnings are errors).
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pytest

from mijnloket_gitops.catalog import builtin_catalog
from mijnloket_gitops.config import SafetyConfig
from mijnloket_gitops.emulator.envelopes import ACCEPT
from mijnloket_gitops.emulator.server import EmulatorHandle, running_emulator
from mijnloket_gitops.emulator.state import RIGHTS_FLAGS, EmulatorConfig
from mijnloket_gitops.emulator.tokens import Clock, monotonic
from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.sandbox.seed import create_seeded, seed_state
from mijnloket_gitops.sandbox.synthetic import write_employers
from mijnloket_gitops.validate.runner import validate_paths

CLIENT_ID = "test-client"
CLIENT_SECRET = "test-client-secret-9f2c"
EMPLOYERS = 12


def api_headers(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}", "Accept": ACCEPT}


class FakeClock:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass(frozen=True)
class SeededEmulator:
    server: EmulatorHandle
    repo: Path
    db: Path
    employers: list[tuple[str, EmployerFile]]


Seeded = tuple[Path, Path, list[tuple[str, EmployerFile]]]

WorldCase = dict[str, Any]
"""The :class:`EmulatorConfig` fields of one of :data:`WORLD_CASES` (``Any``: they go
into ``start_emulator(**case)`` beside its typed parameters)."""

WORLD_CASES = [
    pytest.param({"world": "classic"}, id="classic"),
    pytest.param({"world": "current"}, id="current"),
    *(
        pytest.param({"world": "artefact", "rights_flag": flag}, id=f"artefact-{flag}")
        for flag in RIGHTS_FLAGS
    ),
]
"""Every world, the ``artefact`` world once per reading of the rights flag."""


_LOGIN_LINE = re.compile(r"^(\s*- login: )(\S+)$", re.MULTILINE)


def use_usernames(folder: Path) -> None:
    """Give every login of the files in ``folder`` a ``User<n>`` name, the same name in
    every file (ak-gebruikers serve several employers), numbered in sorted order."""
    files = sorted(folder.glob("*.yaml"))
    texts = {path: path.read_text(encoding="utf-8") for path in files}
    logins = sorted({m.group(2) for text in texts.values() for m in _LOGIN_LINE.finditer(text)})
    names = {login: f"User{number}" for number, login in enumerate(logins, start=1)}
    for path, text in texts.items():
        renamed = _LOGIN_LINE.sub(lambda m: m.group(1) + names[m.group(2)], text)
        path.write_text(renamed, encoding="utf-8")


def seed_repo(
    root: Path, employers: int = EMPLOYERS, seed: int = 1, *, usernames: bool = False
) -> Seeded:
    """``root/repo`` with generated employer files, seeded into its sandbox database.

    ``usernames``: logins ``User<n>`` instead of e-mail addresses (``artefact`` world).
    Returns (repo, database, [(path, EmployerFile)]).
    """
    catalog = builtin_catalog()
    repo = root / "repo"
    write_employers(repo / "employers", catalog, employers, seed)
    if usernames:
        use_usernames(repo / "employers")
    result = validate_paths([repo / "employers"], catalog)
    assert result.errors == 0, [d.message for d in result.diagnostics]
    db = repo / ".mijnloket" / "sandbox.sqlite"
    state = seed_state(result.employers, catalog, SafetyConfig())
    create_seeded(db, state, catalog, reset=False)
    return repo, db, result.employers


@contextmanager
def start_emulator(
    tmp_path: Path,
    *,
    employers: int = EMPLOYERS,
    seed: int = 1,
    clock: Clock = monotonic,
    **config: Any,
) -> Iterator[SeededEmulator]:
    """A freshly seeded emulator on a free port for the block; stopped afterwards."""
    if "api" in config:  # the former name of ``world``
        config["world"] = config.pop("api")
    usernames = config.get("world") == "artefact"
    repo, db, files = seed_repo(tmp_path, employers, seed, usernames=usernames)
    settings = EmulatorConfig(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, **config)
    with running_emulator(db, settings, clock=clock) as server:
        yield SeededEmulator(server, repo, db, files)


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[SeededEmulator]:
    """A seeded emulator with :data:`EMPLOYERS` employers, no faults, no latency."""
    with start_emulator(tmp_path) as started:
        yield started


class Lines(queue.Queue[str]):
    """Lines of a child's output, read by a thread."""

    def feed(self, stream: IO[str]) -> None:
        for line in stream:
            self.put(line.rstrip("\n"))

    def until(self, last: str, timeout: float = 15.0) -> list[str]:
        """Lines up to and including ``last``; AssertionError if it does not come."""
        lines: list[str] = []
        while not lines or lines[-1] != last:
            try:
                lines.append(self.get(timeout=timeout))
            except queue.Empty:
                raise AssertionError(f"no {last!r} within {timeout} s; got {lines}") from None
        return lines


@dataclass(frozen=True)
class EmulatorProcess:
    process: subprocess.Popen[str]
    banner: list[str]
    lines: Lines

    def _url(self, label: str) -> str:
        for line in self.banner:
            if line.strip().startswith(label):
                return next(word for word in line.split() if word.startswith("http"))
        raise AssertionError(f"no {label} URL in {self.banner}")

    @property
    def base_url(self) -> str:
        return self._url("API base")

    @property
    def oauth_url(self) -> str:
        return self._url("OAuth")

    @property
    def admin_url(self) -> str:
        return self._url("admin")


@contextmanager
def emulator_process(
    db: Path | None, *args: str, env: dict[str, str] | None = None
) -> Iterator[EmulatorProcess]:
    """``emulator serve --port 0 [--db DB] ARGS`` in a child process, once it listens.

    ``env`` defaults to this process's plus :data:`CLIENT_ID` and :data:`CLIENT_SECRET`.
    At the end a child still running gets SIGINT, and is killed after 10 s.
    """
    command = [sys.executable, "-m", "mijnloket_gitops", "emulator", "serve", "--port", "0"]
    command += ["--db", str(db)] if db is not None else []
    if env is None:
        env = {**os.environ, "LOKET_CLIENT_ID": CLIENT_ID, "LOKET_CLIENT_SECRET": CLIENT_SECRET}
    with subprocess.Popen(
        [*command, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        lines = Lines()
        assert process.stdout is not None
        reader = threading.Thread(target=lines.feed, args=(process.stdout,), daemon=True)
        reader.start()
        try:
            yield EmulatorProcess(process, lines.until("Stop with Ctrl-C."), lines)
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            reader.join(timeout=10)
