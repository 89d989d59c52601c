"""Smaller things an operator meets, over real HTTP where it matters: secrets scrubbed in
every encoding they are sent in, one failed token refresh shared by every worker
thread, a Retry-After longer than the retry budget, ``auth status --online``, and
journals readable by their owner only."""

from __future__ import annotations

import http.server
import os
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import httpx
import pytest

from mijnloket_gitops.apply.journal import Journal
from mijnloket_gitops.errors import AuthError, ProviderError
from mijnloket_gitops.loket.secrets import REDACTED, Secrets
from mijnloket_gitops.loket.session import OAuthSession
from tests.emulator_fixtures import start_emulator
from tests.loket_emulated import ENV, open_loket
from tests.loket_fakes import ENV as FAKE_ENV
from tests.loket_fakes import FakeEmployer, FakeLoket, config, seed_store
from tests.test_loket_e2e import prepare

SECRET = "s3cr+t/v@lue=&x y%ü"


def encodings(value: str) -> list[str]:
    return [value, quote(value, safe=""), quote_plus(value), quote(value, safe="").lower()]


def test_secrets_are_recognised_in_every_encoding() -> None:
    secrets = Secrets()
    secrets.add(SECRET)
    for shown in encodings(SECRET):
        assert secrets.scrub(f"before {shown} after") == f"before {REDACTED} after"


class _Echo(http.server.BaseHTTPRequestHandler):
    """Answers 400 with the request line and body: an error page echoing the request."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        text = f"bad request {self.path} ".encode() + body
        self.send_response(400)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def echo() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_a_form_body_echoed_percent_encoded_is_scrubbed(tmp_path: Path, echo: str) -> None:
    env = {"LOKET_CLIENT_ID": "client-1", "LOKET_CLIENT_SECRET": SECRET}
    settings = config(oauth_url=echo, api_url=f"{echo}/v2")
    with (
        OAuthSession(settings, tmp_path, env=env) as session,
        pytest.raises(ProviderError) as caught,
    ):
        session.oauth.refresh("refresh-token-123456")
    message = str(caught.value)
    assert REDACTED in message and "client_secret=" in message
    for shown in encodings(SECRET):
        assert shown not in message, shown


def test_a_failed_refresh_is_shared_by_every_worker_thread(tmp_path: Path) -> None:
    with start_emulator(tmp_path, employers=12) as started:
        ids = [e.employer_id for _, e in started.employers]
        with open_loket(started, concurrency=8) as loket:
            loket.read_employers(ids)
            started.server.revoke_tokens()  # every access and refresh token is dead now
            seen = started.server.state.log.last_seq
            with pytest.raises(AuthError, match="invalid_grant"):
                loket.read_employers(ids)
            with pytest.raises(AuthError, match="invalid_grant"):  # and stays failed
                loket.read_employers(ids)
        refreshes = [r for r in started.server.requests(seen) if r.path == "/oauth/token"]
    assert len(refreshes) == 1


def test_a_retry_after_longer_than_the_budget_says_so(tmp_path: Path) -> None:
    fake = FakeLoket([FakeEmployer("e-1", "Bakkerij", ["MijnLoket"])])

    def busy(request: httpx.Request) -> httpx.Response | None:
        if request.url.path.endswith("/modules"):
            return httpx.Response(429, headers={"Retry-After": "900"}, json={"message": "busy"})
        return None

    fake.before = busy
    seed_store(tmp_path)
    from mijnloket_gitops.loket.provider import LoketProvider

    settings = config(retry_budget_seconds=60.0)
    provider = LoketProvider.open(settings, tmp_path, env=FAKE_ENV, hooks=fake.hooks())
    with provider, pytest.raises(ProviderError) as caught:
        provider.read_employers(["e-1"])
    assert "900 s (Retry-After)" in str(caught.value)
    assert "retry budget of 60 s" in str(caught.value)


def test_auth_status_online_checks_the_token_with_one_cheap_request(tmp_path: Path) -> None:
    with start_emulator(tmp_path, employers=2) as started:
        repo = prepare(started)
        seen = started.server.state.log.last_seq
        argv = [sys.executable, "-m", "mijnloket_gitops", "auth", "status", "--online"]
        env = {**os.environ, **ENV}
        done = subprocess.run(
            [*argv, "--repo", str(repo)], capture_output=True, text=True, env=env, check=False
        )
        assert done.returncode == 0, done.stderr
        assert "online:       yes" in done.stdout
        api = [r for r in started.server.requests(seen) if r.path.startswith("/v2")]
        assert [(r.method, r.path) for r in api] == [("GET", "/v2/providers")]
        started.server.revoke_tokens()
        failed = subprocess.run(
            [*argv, "--repo", str(repo)], capture_output=True, text=True, env=env, check=False
        )
        assert failed.returncode == 1 and "invalid_grant" in failed.stderr


def test_journals_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        with Journal(tmp_path / "journal", commit=None, forced=False) as journal:
            journal.record("apply-started")
    finally:
        os.umask(old)
    assert stat.S_IMODE(journal.path.stat().st_mode) == 0o600
