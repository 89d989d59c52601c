"""OAuth for the loket provider: the token store, rotation, errors, the code exchange.

Unit tests against the in-process fake (tests/loket_fakes.py) first; then the tests
that need a real server (several processes refreshing at once, revoked consent,
``auth login`` end to end) against the emulator.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import Result

from mijnloket_gitops.errors import AuthError
from mijnloket_gitops.loket.oauth import TokenManager, code_from_answer, login
from mijnloket_gitops.loket.session import ApiSession, OAuthSession
from mijnloket_gitops.loket.store import StoredToken, TokenStore
from tests.emulator_fixtures import SeededEmulator, start_emulator
from tests.loket_emulated import ENV as EMU_ENV
from tests.loket_emulated import authorize, loket_config, write_repo_config
from tests.loket_fakes import ENV, OAUTH, FakeLoket, config, seed_store


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_store_is_written_0600_atomically(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "deep" / "token.json")
    old_umask = os.umask(0o022)
    try:
        store.write(StoredToken.new("refresh-a", OAUTH))
        assert _mode(store.path) == 0o600
        store.write(StoredToken.new("refresh-b", OAUTH))
    finally:
        os.umask(old_umask)
    assert _mode(store.path) == 0o600
    assert store.read().refresh_token == "refresh-b"
    assert [p.name for p in store.path.parent.iterdir()] == ["token.json"]  # no temp left


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_store_open_to_others_is_refused(tmp_path: Path, mode: int) -> None:
    store = seed_store(tmp_path)
    store.path.chmod(mode)
    with pytest.raises(AuthError, match=f"chmod 600 {store.path}"):
        store.read()
    assert not store.status().usable


def test_missing_store_asks_for_login(tmp_path: Path) -> None:
    with pytest.raises(AuthError, match="mijnloket-gitops auth login"):
        TokenStore(tmp_path / "none.json").read()


def test_repr_never_shows_the_token() -> None:
    assert "refresh-a" not in repr(StoredToken.new("refresh-a", OAUTH))


def _manager(tmp_path: Path, fake: FakeLoket) -> tuple[ApiSession, TokenManager]:
    seed_store(tmp_path)
    session = ApiSession(config(), tmp_path, env=ENV, hooks=fake.hooks())
    return session, session.tokens


def test_rotation_is_persisted_before_the_access_token_is_used(tmp_path: Path) -> None:
    fake = FakeLoket()
    stored_at_use: list[str] = []

    def check(request: httpx.Request) -> httpx.Response | None:
        if request.url.host == "api.loket.test":
            stored = json.loads((tmp_path / ".mijnloket/loket-token.json").read_text())
            stored_at_use.append(stored["refresh_token"])
        return None

    fake.before = check
    session, _ = _manager(tmp_path, fake)
    with session:
        session.api.all_items("providers")
    assert stored_at_use == ["refresh-1"]
    assert fake.used_refresh_tokens == {"refresh-0"}


def test_access_token_is_reused_until_it_expires(tmp_path: Path) -> None:
    fake = FakeLoket()
    now = [0.0]
    seed_store(tmp_path)
    session = ApiSession(config(), tmp_path, env=ENV, hooks=fake.hooks())
    tokens = TokenManager(session.auth.store, session.auth.oauth, clock=lambda: now[0])
    with session:
        first = tokens.access_token()
        assert tokens.access_token() == first
        now[0] = 3600 - 29  # inside the safety margin: refresh early
        assert tokens.access_token() != first
    assert tokens.refreshes == 2


def test_renew_after_401_refreshes_once_for_many_threads(tmp_path: Path) -> None:
    fake = FakeLoket()
    session, tokens = _manager(tmp_path, fake)
    with session:
        stale = tokens.access_token()
        fake.access_tokens.clear()  # the server forgets every access token
        threads = [threading.Thread(target=lambda: tokens.renew(stale)) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert tokens.refreshes == 2
        assert session.api.all_items("providers")


def test_expired_access_token_is_renewed_transparently(tmp_path: Path) -> None:
    fake = FakeLoket()
    session, tokens = _manager(tmp_path, fake)
    with session:
        session.api.all_items("providers")
        fake.access_tokens.clear()
        assert session.api.all_items("providers")
    assert tokens.refreshes == 2


def test_invalid_grant_tells_the_user_to_log_in_again(tmp_path: Path) -> None:
    fake = FakeLoket()
    fake.refresh_tokens.clear()  # revoked
    session, _ = _manager(tmp_path, fake)
    with session, pytest.raises(AuthError) as caught:
        session.api.all_items("providers")
    assert "invalid_grant" in str(caught.value)
    assert "run `mijnloket-gitops auth login`" in str(caught.value)
    assert "refresh-0" not in str(caught.value)


def test_invalid_client_names_the_variables(tmp_path: Path) -> None:
    fake = FakeLoket()
    seed_store(tmp_path)
    env = {**ENV, "LOKET_CLIENT_SECRET": "wrong-secret"}
    session = ApiSession(config(), tmp_path, env=env, hooks=fake.hooks())
    with session, pytest.raises(AuthError) as caught:
        session.tokens.access_token()
    assert "LOKET_CLIENT_ID" in str(caught.value) and "LOKET_CLIENT_SECRET" in str(caught.value)
    assert "wrong-secret" not in str(caught.value)


def test_missing_credentials_name_the_variables(tmp_path: Path) -> None:
    with pytest.raises(AuthError, match="MY_ID and MY_SECRET"):
        OAuthSession(config(client_id_env="MY_ID", client_secret_env="MY_SECRET"), tmp_path, env={})


def test_store_of_another_server_is_refused(tmp_path: Path) -> None:
    fake = FakeLoket()
    seed_store(tmp_path, oauth_url="https://oauth.elsewhere.test")
    session = ApiSession(config(), tmp_path, env=ENV, hooks=fake.hooks())
    with session, pytest.raises(AuthError, match=r"made for https://oauth.elsewhere.test"):
        session.tokens.access_token()
    assert not fake.requests


def test_code_exchange_starts_the_store(tmp_path: Path) -> None:
    fake = FakeLoket()
    with OAuthSession(config(), tmp_path, env=ENV, hooks=fake.hooks()) as session:
        url = session.oauth.authorize_url("http://127.0.0.1:8765/callback", "st4te")
        assert url.startswith(f"{OAUTH}/authorize?client_id=client-id-0001&")
        assert "response_type=code" in url and "scope=all" in url and "state=st4te" in url
        login(session.store, session.oauth, "the-code", "http://127.0.0.1:8765/callback")
        assert session.store.read().refresh_token == "refresh-1"
        assert _mode(session.store.path) == 0o600
        with pytest.raises(AuthError, match="invalid_grant"):
            login(session.store, session.oauth, "used-code", "http://127.0.0.1:8765/callback")


def test_code_from_answer() -> None:
    assert code_from_answer("  abc123\n", None) == "abc123"
    url = "http://127.0.0.1:8765/callback?code=abc123&state=s1"
    assert code_from_answer(url, "s1") == "abc123"
    with pytest.raises(AuthError, match="state does not match"):
        code_from_answer(url, "other")
    with pytest.raises(AuthError, match="--state"):
        code_from_answer(url, None)
    with pytest.raises(AuthError, match="access_denied"):
        code_from_answer("http://x/cb?error=access_denied&state=s1", "s1")
    with pytest.raises(AuthError, match="no authorization code"):
        code_from_answer("", None)


# -- end to end, against the emulator ---------------------------------------------------

REFRESH_SCRIPT = """
import json, sys
from pathlib import Path
from mijnloket_gitops.config import LoketProviderConfig
from mijnloket_gitops.loket.session import ApiSession

config = LoketProviderConfig.model_validate(json.loads(sys.argv[1]))
print("ready", flush=True)
sys.stdin.readline()  # every process is ready: all start at once
with ApiSession(config, Path(sys.argv[2])) as session:
    session.api.all_items("providers")
    print(session.tokens.refreshes)
"""


@pytest.fixture
def emulated(tmp_path: Path) -> Iterator[SeededEmulator]:
    with start_emulator(tmp_path, employers=3) as started:
        yield started


def test_processes_refreshing_at_once_rotate_one_by_one(emulated: SeededEmulator) -> None:
    server = emulated.server
    store = authorize(server, emulated.repo)
    config_json = loket_config(server).model_dump_json()
    env = {**os.environ, **EMU_ENV}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", REFRESH_SCRIPT, config_json, str(emulated.repo)],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    # a barrier instead of a start time on the clock: each says "ready", then all go
    for process in processes:
        assert process.stdout is not None
        assert process.stdout.readline() == "ready\n"
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    outputs = [p.communicate(timeout=60) for p in processes]
    assert [p.returncode for p in processes] == [0] * 4, outputs
    assert [out.strip() for out, _ in outputs] == ["1"] * 4
    tokens = [r for r in server.requests() if r.path == "/oauth/token"]
    assert [r.status for r in tokens] == [200] * 4  # no refresh token was used twice
    assert _mode(store.path) == 0o600
    with ApiSession(loket_config(server), emulated.repo, env=EMU_ENV) as session:
        assert session.api.all_items("providers")  # the last rotation was persisted


def test_revoked_consent_asks_to_log_in_again(
    emulated: SeededEmulator, run_cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in EMU_ENV.items():
        monkeypatch.setenv(name, value)
    write_repo_config(emulated)
    authorize(emulated.server, emulated.repo)
    assert run_cli("plan", "--repo", emulated.repo).exit_code in (0, 2)
    emulated.server.revoke_tokens()
    result = run_cli("plan", "--repo", emulated.repo)
    assert result.exit_code == 1
    assert "invalid_grant" in result.output
    assert "run `mijnloket-gitops auth login` to authorize again" in result.output
    assert "Traceback" not in result.output


def test_auth_login_and_status_end_to_end(emulated: SeededEmulator) -> None:
    write_repo_config(emulated)
    env = {**os.environ, **EMU_ENV}
    command = [sys.executable, "-m", "mijnloket_gitops", "auth"]
    login_run = subprocess.Popen(
        [*command, "login", "--repo", str(emulated.repo)],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert login_run.stdout is not None and login_run.stdin is not None
    url = login_run.stdout.readline().strip()
    assert url.startswith(f"{emulated.server.oauth_url}/authorize?")
    consent = httpx.get(url, headers={"Accept": "application/json"}).json()
    redirect = f"http://127.0.0.1:8765/callback?code={consent['code']}&state={consent['state']}"
    out, err = login_run.communicate(redirect + "\n", timeout=60)
    assert login_run.returncode == 0, err
    assert consent["code"] not in out + err
    store = TokenStore(emulated.repo / ".mijnloket" / "loket-token.json")
    assert _mode(store.path) == 0o600

    def auth_status() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*command, "status", "--repo", str(emulated.repo)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    status = auth_status()
    assert status.returncode == 0, status.stderr
    assert "mode:         0600" in status.stdout and "last rotated:" in status.stdout
    assert store.read().refresh_token not in status.stdout + status.stderr
    store.path.chmod(0o644)
    status = auth_status()
    assert status.returncode == 1 and "chmod 600" in status.stderr
    store.path.chmod(0o600)
    config = emulated.repo / "mijnloket-gitops.yaml"
    moved = config.read_text().replace(emulated.server.oauth_url, "https://oauth.elsewhere.test")
    assert moved != config.read_text()
    config.write_text(moved)
    status = auth_status()
    assert status.returncode == 1, status.stdout  # a plan would refuse it at its first refresh
    assert f"was made for {emulated.server.oauth_url}" in status.stderr
    assert "https://oauth.elsewhere.test" in status.stderr and "auth login" in status.stderr


def test_auth_login_refuses_a_foreign_state(
    emulated: SeededEmulator, run_cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in EMU_ENV.items():
        monkeypatch.setenv(name, value)
    write_repo_config(emulated)
    code = emulated.server.authorize("http://127.0.0.1:8765/callback")
    redirect = f"http://127.0.0.1:8765/callback?code={code}&state=evil"
    result = run_cli(
        "auth", "login", "--repo", emulated.repo, "--state", "mine", "--code", redirect
    )
    assert result.exit_code == 1 and "state does not match" in result.output
    result = run_cli("auth", "login", "--repo", emulated.repo, "--code", code)
    assert result.exit_code == 0, result.output
    assert (emulated.repo / ".mijnloket" / "loket-token.json").exists()


def test_auth_needs_the_loket_provider(tmp_path: Path, run_cli: Callable[..., Result]) -> None:
    (tmp_path / "mijnloket-gitops.yaml").write_text("version: 1\n", encoding="utf-8")
    result = run_cli("auth", "status", "--repo", tmp_path)
    assert result.exit_code == 1 and "auth` is for the loket provider" in result.output
