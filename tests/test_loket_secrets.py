"""Tokens and the client secret never leave the token store.

Known secret values are injected (the emulator issues recognisable tokens and codes;
the client secret is known), the tool is driven through login, plan, apply, token
expiry, faults and revoked consent, and every output, log record, exception message
and file written is searched for them. Only the token store may hold one.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import Result

from mijnloket_gitops.emulator import tokens as emulator_tokens
from mijnloket_gitops.emulator.faults import FaultConfig
from mijnloket_gitops.errors import ProviderError
from mijnloket_gitops.loket.provider import LoketProvider
from tests.emulator_fixtures import CLIENT_SECRET, SeededEmulator, start_emulator
from tests.loket_emulated import ENV, TOKEN_STORE, write_repo_config
from tests.loket_fakes import CLIENT_SECRET as FAKE_SECRET
from tests.loket_fakes import ENV as FAKE_ENV
from tests.loket_fakes import FakeEmployer, FakeLoket, FakeUser, config, seed_store

MARK = "KNOWNSECRET"


class KnownTokens:
    """Stands in for the emulator's ``secrets`` module: recognisable random tokens."""

    def __init__(self) -> None:
        self.issued: list[str] = []

    def token_urlsafe(self, nbytes: int | None = None) -> str:
        value = f"{MARK}{len(self.issued):04d}zQ9xW"
        self.issued.append(value)
        return value


@pytest.fixture
def known(monkeypatch: pytest.MonkeyPatch) -> KnownTokens:
    tokens = KnownTokens()
    monkeypatch.setattr(emulator_tokens, "secrets", tokens)
    return tokens


@pytest.fixture
def started(tmp_path: Path, known: KnownTokens) -> Iterator[SeededEmulator]:
    with start_emulator(tmp_path, employers=6) as server:
        yield server


def _chain(error: BaseException | None) -> str:
    text = ""
    while error is not None:
        text += f"{error!s}\n{error!r}\n"
        error = error.__cause__ or error.__context__
    return text


def _leaks(text: str, secrets: list[str]) -> list[str]:
    return [s for s in secrets if s in text]


def _files(root: Path, store: Path) -> Iterator[tuple[Path, str]]:
    for path in sorted(root.rglob("*")):
        if path.is_file() and path != store:
            yield path, path.read_bytes().decode("utf-8", "replace")


def test_no_secret_leaves_the_token_store(
    started: SeededEmulator,
    known: KnownTokens,
    run_cli: Callable[..., Result],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(started.repo)
    repo, server = started.repo, started.server
    write_repo_config(started, max_retries=8)
    results: list[Result] = []

    def run(*args: str | Path) -> Result:
        result = run_cli(*args)
        results.append(result)
        return result

    code = server.authorize("http://127.0.0.1:8765/callback")
    assert run("auth", "login", "--repo", repo, "--code", code).exit_code == 0
    assert run("auth", "status", "--repo", repo).exit_code == 0
    assert run("plan", "--repo", repo, "--out", repo / "plan.json").exit_code in (0, 2)
    server.expire_tokens()
    server.set_faults(FaultConfig(rate=0.2, seed=5, retry_after=0, slow_ms=10))
    assert run("apply", "--repo", repo, "--auto-approve").exit_code in (0, 4)
    server.set_faults(FaultConfig())
    assert run("plan", "--repo", repo, "--format", "json").exit_code in (0, 2)
    server.revoke_tokens()
    assert run("plan", "--repo", repo).exit_code == 1
    (repo / TOKEN_STORE).chmod(0o644)
    assert run("auth", "status", "--repo", repo).exit_code == 1
    assert run("plan", "--repo", repo).exit_code == 1

    secrets = [CLIENT_SECRET, *known.issued]
    assert len(known.issued) >= 4  # a code, and tokens from two rotations at least
    for result in results:
        assert not _leaks(result.output, secrets), result.output
        assert not _leaks(_chain(result.exception), secrets)
    for record in caplog.records:
        text = (
            record.getMessage()
            + (record.exc_text or "")
            + _chain(record.exc_info[1] if record.exc_info else None)
        )
        assert not _leaks(text, secrets), text
    store = repo / TOKEN_STORE
    for path, content in _files(repo, store):
        assert not _leaks(content, secrets), path
    assert _leaks(store.read_text(), known.issued)  # where it belongs


def test_error_bodies_echoing_a_token_are_scrubbed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake = FakeLoket([FakeEmployer("e-1", "Bakkerij", ["MijnLoket"], [FakeUser("u-1", "a@b.nl")])])
    fake.refresh_tokens = {"refresh-0-ECHOME"}

    def echo(request: httpx.Request) -> httpx.Response | None:
        if request.url.path.endswith("/modules"):
            body = f"bad request {request.headers['Authorization']} {os.environ.get('X', '')}"
            return httpx.Response(400, text=body)
        return None

    fake.before = echo
    seed_store(tmp_path, refresh_token="refresh-0-ECHOME")
    provider = LoketProvider.open(config(), tmp_path, env=FAKE_ENV, hooks=fake.hooks())
    with provider, pytest.raises(ProviderError) as caught:
        provider.read_employers(["e-1"])
    secrets = [FAKE_SECRET, "refresh-0-ECHOME", *fake.access_tokens, *fake.refresh_tokens]
    assert "[redacted]" in str(caught.value)
    assert not _leaks(_chain(caught.value), secrets)
    assert not _leaks("\n".join(r.getMessage() for r in caplog.records), secrets)
