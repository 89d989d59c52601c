"""The real Mockoon CLI (``@mockoon/cli`` from npm) serving a Mockoon environment on
127.0.0.1, for contract tests against a server nobody here wrote.

- :func:`running_mockoon` (context manager): ``mockoon-cli start`` on a free port of
  127.0.0.1 (``--hostname 127.0.0.1``: never another address) with file logging and
  the admin API off; yields a :class:`Mockoon`: ``base_url`` (the environment's API
  base, ``http://127.0.0.1:PORT/v2`` for an ``endpointPrefix`` of ``v2``) and
  ``requests()`` (method, path, status of every request Mockoon recorded so far)
  and ``bodies(method)`` (path and body text of each such request).
  The CLI is installed into the test cache on first use (:func:`tests.npm_cache.npm_file`, pinned
  :data:`MOCKOON_CLI`); the test skips, saying why, where node or npm is missing.
- :func:`environment`, :func:`route`, :func:`response`, :func:`param_is`: a small
  Mockoon environment written by a test (Mockoon fills every field left out with its
  default). Bodies are JSON text and may use Mockoon's templating, e.g.
  :data:`ASKED_PAGE`.
- :func:`published_environment`: where the published Loket environment
  (``mock-apis/data/loketnl.json`` of mockoon/mock-samples) is on this machine, or a
  skip saying how to provide it: it may not be committed here (nothing fetched from
  public repositories is), so ``MIJNLOKET_MOCKOON_ENVIRONMENT`` names it or it lies
  in ``../shared/mockoon/loketnl.json`` beside the repository.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.emulator_fixtures import Lines
from tests.npm_cache import npm_file

MOCKOON_CLI = ("@mockoon/cli", "9.9.0")
"""The pinned Mockoon CLI: package and version."""
MEDIA_TYPE = "application/json;version=2018-01-01"
ASKED_PAGE = "{{queryParam 'pageNumber' '1'}}"
"""Mockoon's template for the page the client asked for (1 when it did not say)."""
ENVIRONMENT_VARIABLE = "MIJNLOKET_MOCKOON_ENVIRONMENT"
SHARED_COPY = Path(__file__).resolve().parents[1].parent / "shared" / "mockoon" / "loketnl.json"


def published_environment() -> Path:
    """The published Loket environment file, or a skip naming both ways to provide it."""
    named = os.environ.get(ENVIRONMENT_VARIABLE)
    candidates = [Path(named)] if named else []
    candidates.append(SHARED_COPY)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    pytest.skip(
        "the published Mockoon environment mock-apis/data/loketnl.json (mockoon/mock-samples) "
        f"is not here: set {ENVIRONMENT_VARIABLE} to its path or place it at {SHARED_COPY} "
        "(it may not be committed to this repository)"
    )


def response(
    body: Any,
    status: int = 200,
    *,
    rules: list[dict[str, Any]] | None = None,
    default: bool = False,
    template: bool = False,
) -> dict[str, Any]:
    """A route response: ``body`` as JSON (a str is sent as it is, for templates)."""
    text = body if isinstance(body, str) else json.dumps(body, indent=1)
    return {
        "uuid": str(uuid.uuid4()),
        "body": text,
        "statusCode": status,
        "headers": [{"key": "Content-Type", "value": MEDIA_TYPE}],
        "rules": rules or [],
        "rulesOperator": "OR",
        "default": default,
        "disableTemplating": not template,
    }


def param_is(name: str, value: str) -> dict[str, Any]:
    """A rule: the route parameter ``name`` equals ``value``."""
    return {"target": "params", "modifier": name, "value": value, "invert": False,
            "operator": "equals"}  # fmt: skip


def route(method: str, endpoint: str, *responses: dict[str, Any]) -> dict[str, Any]:
    """A route (``endpoint`` without the prefix, parameters as ``:name``); the last
    response is the default one."""
    answers = [dict(r) for r in responses]
    answers[-1]["default"] = True
    return {
        "uuid": str(uuid.uuid4()),
        "type": "http",
        "method": method.lower(),
        "endpoint": endpoint,
        "responses": answers,
        "responseMode": None,
    }


def environment(routes: list[dict[str, Any]], name: str = "Loket shapes") -> dict[str, Any]:
    """A Mockoon environment under ``/v2`` with CORS on (Mockoon's default)."""
    return {
        "uuid": str(uuid.uuid4()),
        "lastMigration": 33,
        "name": name,
        "endpointPrefix": "v2",
        "port": 3000,
        "hostname": "",
        "cors": True,
        "routes": routes,
        "rootChildren": [{"type": "route", "uuid": r["uuid"]} for r in routes],
        "folders": [],
        "headers": [],
        "data": [],
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Mockoon:
    """A running Mockoon: its API base and the transactions it logged."""

    base_url: str
    lines: Lines
    _seen: list[tuple[str, str, int, str]] = field(default_factory=list)

    def _read(self) -> list[tuple[str, str, int, str]]:
        while not self.lines.empty():
            line = self.lines.get_nowait()
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and entry.get("message") == "Transaction recorded":
                body = entry.get("transaction", {}).get("request", {}).get("body", "")
                method, path = entry["requestMethod"], entry["requestPath"]
                self._seen.append((method, path, entry["responseStatus"], body))
        return self._seen

    def requests(self) -> list[tuple[str, str, int]]:
        """(method, path, status) of every request recorded so far, in order."""
        return [(method, path, status) for method, path, status, _ in self._read()]

    def bodies(self, method: str) -> list[tuple[str, str]]:
        """(path, body text) of every ``method`` request recorded so far, in order."""
        return [(path, body) for m, path, _, body in self._read() if m == method]


@contextmanager
def running_mockoon(environment_file: Path) -> Iterator[Mockoon]:
    """Mockoon serving ``environment_file`` (a copy: ``--repair`` may rewrite it)
    on 127.0.0.1 for the block."""
    script = npm_file(*MOCKOON_CLI, "bin/run.js")
    port = _free_port()
    prefix = json.loads(environment_file.read_text(encoding="utf-8")).get("endpointPrefix", "")
    command = ["node", str(script), "start", "--data", str(environment_file),
               "--hostname", "127.0.0.1", "--port", str(port), "--disable-log-to-file",
               "--disable-admin-api", "--repair", "--log-transaction"]  # fmt: skip
    env = {**os.environ, "HOME": str(environment_file.parent)}  # Mockoon's own files there
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    ) as process:
        lines = Lines()
        assert process.stdout is not None
        reader = threading.Thread(target=lines.feed, args=(process.stdout,), daemon=True)
        reader.start()
        try:
            _until_started(lines, port)
            yield Mockoon(f"http://127.0.0.1:{port}" + (f"/{prefix}" if prefix else ""), lines)
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            reader.join(timeout=10)


def _until_started(lines: Lines, port: int, timeout: float = 60.0) -> None:
    seen: list[str] = []
    while True:
        try:
            line = lines.get(timeout=timeout)
        except Exception:
            raise AssertionError(f"Mockoon did not start within {timeout} s: {seen}") from None
        seen.append(line)
        if f"Server started on port {port}" in line:
            return
        if '"level":"error"' in line:
            raise AssertionError(f"Mockoon failed to start: {seen}")
