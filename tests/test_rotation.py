"""Carrying the rotating Loket.nl refresh token between workflow runs: restore from the
secret, write a rotated token back with `gh secret set`, fail loudly when that fails,
and never show the token."""

from __future__ import annotations

import json
import os
import stat
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result

from mijnloket_gitops.gitops import rotation
from mijnloket_gitops.gitops.github import GitHubError
from mijnloket_gitops.loket.store import StoredToken, TokenStore
from tests.github_fake import REPO, TOKEN, FakeGitHub, serve

SECRET = json.dumps(
    {
        "version": 1,
        "oauth_url": "https://oauth.loket.nl",
        "rotated_at": "2026-11-01T08:00:00+00:00",
        "refresh_token": "rt-first-0123456789",
    }
)
ROTATED = "rt-rotated-9876543210"


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    yield from serve()


@pytest.fixture
def gh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake `gh` first on PATH: records its arguments, stdin and token under log/;
    exits with the number in log/exit (0 when absent) after printing the token."""
    bin_dir, log = tmp_path / "bin", tmp_path / "log"
    bin_dir.mkdir()
    log.mkdir()
    script = bin_dir / "gh"
    script.write_text(
        "#!/bin/sh\n"
        f'printf "%s\\n" "$@" >> "{log}/args"\n'
        f'cat > "{log}/stdin"\n'
        f'printf "%s" "$GH_TOKEN" > "{log}/token"\n'
        f'code=$(cat "{log}/exit" 2>/dev/null || echo 0)\n'
        'if [ "$code" != 0 ]; then echo "HTTP 403 for token $GH_TOKEN" >&2; fi\n'
        'exit "$code"\n'
    )
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    return log


def _writer(calls: list[tuple[str, bytes]]) -> rotation.SecretWriter:
    def write(name: str, value: bytes) -> None:
        calls.append((name, value))

    return write


def test_restore_writes_a_private_store_and_a_fingerprint(tmp_path: Path) -> None:
    store = tmp_path / ".mijnloket" / "loket-token.json"
    assert rotation.restore(store, SECRET) == "rt-first-0123456789"
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    assert TokenStore(store).read().refresh_token == "rt-first-0123456789"
    assert rotation.fingerprint_path(store).exists()


def test_restore_refuses_an_empty_or_garbled_secret_without_echoing_it(tmp_path: Path) -> None:
    store = tmp_path / "loket-token.json"
    with pytest.raises(GitHubError, match=r"LOKET_TOKEN_STORE is empty.*auth login"):
        rotation.restore(store, "  ")
    with pytest.raises(GitHubError, match="does not hold a token store") as error:
        rotation.restore(store, '{"refresh_token": "rt-half-a-store"}')
    assert "rt-half-a-store" not in str(error.value)
    assert not store.exists()


def test_a_second_restore_in_the_same_job_keeps_the_rotated_token(tmp_path: Path) -> None:
    store = tmp_path / "loket-token.json"
    rotation.restore(store, SECRET)
    TokenStore(store).write(StoredToken.new(ROTATED, "https://oauth.loket.nl"))
    calls: list[tuple[str, bytes]] = []
    assert rotation.persist(store, "LOKET_TOKEN_STORE", _writer(calls)) == "saved"
    # The job's LOKET_TOKEN_STORE still holds the spent token; it must not come back.
    assert rotation.restore(store, SECRET) == ROTATED


def test_persist_saves_only_a_rotated_token(tmp_path: Path) -> None:
    store = tmp_path / "loket-token.json"
    calls: list[tuple[str, bytes]] = []
    assert rotation.persist(store, "S", _writer(calls)) == "not-restored"
    rotation.restore(store, SECRET)
    assert rotation.persist(store, "S", _writer(calls)) == "unchanged"
    TokenStore(store).write(StoredToken.new(ROTATED, "https://oauth.loket.nl"))
    assert rotation.persist(store, "S", _writer(calls)) == "saved"
    assert rotation.persist(store, "S", _writer(calls)) == "unchanged"
    ((name, value),) = calls
    assert name == "S" and json.loads(value)["refresh_token"] == ROTATED


def test_persist_fails_loudly_when_the_token_cannot_be_saved(tmp_path: Path) -> None:
    store = tmp_path / "loket-token.json"
    rotation.restore(store, SECRET)
    TokenStore(store).write(StoredToken.new(ROTATED, "https://oauth.loket.nl"))

    def broken(name: str, value: bytes) -> None:
        raise rotation.TokenPersistError("`gh secret set` failed 3 times (HTTP 403)")

    with pytest.raises(rotation.TokenPersistError) as error:
        rotation.persist(store, "LOKET_TOKEN_STORE", broken)
    message = str(error.value)
    assert "no longer accepts" in message and "auth login" in message and str(store) in message
    assert ROTATED not in message
    store.unlink()
    with pytest.raises(rotation.TokenPersistError, match="disappeared"):
        rotation.persist(store, "LOKET_TOKEN_STORE", broken)


def test_gh_secret_writer_sends_the_store_on_stdin(gh: Path) -> None:
    writer = rotation.GhSecretWriter(REPO, TOKEN, "https://github.example.com")
    writer("LOKET_TOKEN_STORE", b'{"refresh_token": "x"}')
    assert (gh / "args").read_text().split() == [
        "secret",
        "set",
        "LOKET_TOKEN_STORE",
        "--repo",
        REPO,
    ]
    assert (gh / "stdin").read_bytes() == b'{"refresh_token": "x"}'
    assert (gh / "token").read_text() == TOKEN


def test_gh_secret_writer_retries_then_fails_without_the_token(gh: Path) -> None:
    (gh / "exit").write_text("1")
    sleeps: list[float] = []
    writer = rotation.GhSecretWriter(REPO, TOKEN, sleep=sleeps.append)
    with pytest.raises(rotation.TokenPersistError, match="failed 3 times") as error:
        writer("LOKET_TOKEN_STORE", ROTATED.encode())
    assert len((gh / "args").read_text().split()) == 15
    assert sleeps == [2.0, 4.0]
    assert TOKEN not in str(error.value) and "[redacted]" in str(error.value)


def test_check_can_persist_writes_the_current_value_back(tmp_path: Path, gh: Path) -> None:
    """Reading the public key proves nothing (anyone with read access can): the check
    writes the secret, with the value it holds, before Loket.nl is touched."""
    store = tmp_path / "loket-token.json"
    writer = rotation.GhSecretWriter(REPO, TOKEN, environment="loket")
    rotation.check_can_persist(store, SECRET, "LOKET_TOKEN_STORE", writer)
    assert (gh / "stdin").read_text() == SECRET
    assert (gh / "args").read_text().split()[-2:] == ["--env", "loket"]
    # Restored and rotated in this job already: the current store goes back, never
    # the spent token the job's variable still holds.
    rotation.restore(store, SECRET)
    TokenStore(store).write(StoredToken.new(ROTATED, "https://oauth.loket.nl"))
    rotation.check_can_persist(store, SECRET, "LOKET_TOKEN_STORE", writer)
    assert json.loads((gh / "stdin").read_text())["refresh_token"] == ROTATED


def test_check_can_persist_refuses_a_read_only_token(
    tmp_path: Path, gh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (gh / "exit").write_text("1")
    writer = rotation.GhSecretWriter(REPO, TOKEN, sleep=lambda seconds: None)
    with pytest.raises(GitHubError, match=r"cannot write the secret S.*still valid") as error:
        rotation.check_can_persist(tmp_path / "store.json", SECRET, "S", writer)
    assert TOKEN not in str(error.value) and "rt-first" not in str(error.value)
    monkeypatch.setenv("PATH", str(gh))  # no gh there
    with pytest.raises(GitHubError, match="`gh` is not installed"):
        rotation.check_can_persist(tmp_path / "store.json", SECRET, "S", writer)


def test_the_watcher_saves_every_rotation_as_it_happens(tmp_path: Path) -> None:
    store = tmp_path / "loket-token.json"
    rotation.restore(store, SECRET)
    calls: list[tuple[str, bytes]] = []
    watcher = rotation.Watcher(store, "S", _writer(calls), interval=0.01).start()
    for n in range(3):
        TokenStore(store).write(StoredToken.new(f"rt-{n}-0123456789", "https://oauth.loket.nl"))
        deadline = 500
        while len(calls) <= n and deadline:
            deadline -= 1
            threading.Event().wait(0.01)
    assert watcher.stop() == 3
    assert [json.loads(v)["refresh_token"] for _, v in calls] == [
        "rt-0-0123456789",
        "rt-1-0123456789",
        "rt-2-0123456789",
    ]


def test_the_watcher_raises_the_first_failure_when_stopped(tmp_path: Path) -> None:
    store = tmp_path / "loket-token.json"
    rotation.restore(store, SECRET)

    def broken(name: str, value: bytes) -> None:
        raise rotation.TokenPersistError("HTTP 403")

    watcher = rotation.Watcher(store, "S", broken, interval=3600).start()
    TokenStore(store).write(StoredToken.new(ROTATED, "https://oauth.loket.nl"))
    with pytest.raises(rotation.TokenPersistError, match="no longer accepts"):
        watcher.stop()


# The CLI steps of action.yml, on a repository configured for Loket.nl.


@pytest.fixture
def loket_repo(tmp_path: Path, fake: FakeGitHub, gh: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "mijnloket-gitops.yaml").write_text("version: 1\nprovider:\n  type: loket\n")
    monkeypatch.setenv("GITHUB_API_URL", fake.url)
    monkeypatch.setenv("GITHUB_REPOSITORY", REPO)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("MIJNLOKET_SECRETS_TOKEN", TOKEN)
    monkeypatch.setenv("LOKET_TOKEN_STORE", SECRET)
    monkeypatch.setenv("MIJNLOKET_TOKEN_STORE_PATH", str(tmp_path / "runner-temp" / "t.json"))
    return repo


def test_cli_prepare_then_persist_a_rotated_token(
    loket_repo: Path, gh: Path, run_cli: Callable[..., Result]
) -> None:
    prepared = run_cli("github", "prepare-provider", "--repo", loket_repo)
    assert prepared.exit_code == 0, prepared.output
    assert prepared.output.splitlines()[0] == "::add-mask::rt-first-0123456789"
    assert prepared.output.count("rt-first") == 1  # only in the mask command
    store = loket_repo.parent / "runner-temp" / "t.json"
    assert TokenStore(store).read().refresh_token == "rt-first-0123456789"
    assert not (loket_repo / ".mijnloket").exists()  # never in the checkout
    TokenStore(store).write(StoredToken.new(ROTATED, "https://oauth.loket.nl"))

    saved = run_cli("github", "persist-token", "--repo", loket_repo)
    assert saved.exit_code == 0, saved.output
    assert f"::add-mask::{ROTATED}" in saved.output and saved.output.count(ROTATED) == 1
    assert "Saved the rotated Loket.nl refresh token to the secret LOKET_TOKEN_STORE" in (
        saved.output
    )
    assert json.loads((gh / "stdin").read_text())["refresh_token"] == ROTATED


def test_cli_persist_failure_is_an_error_annotation(
    loket_repo: Path, gh: Path, run_cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    assert run_cli("github", "prepare-provider", "--repo", loket_repo).exit_code == 0
    store = loket_repo.parent / "runner-temp" / "t.json"
    TokenStore(store).write(StoredToken.new(ROTATED, "https://oauth.loket.nl"))
    (gh / "exit").write_text("1")
    result = run_cli("github", "persist-token", "--repo", loket_repo)
    assert result.exit_code == 1
    assert "::error title=Loket.nl refresh token NOT saved::" in result.output
    assert result.output.count(ROTATED) == 1  # the mask command only
    assert TOKEN not in result.output


def test_cli_prepare_refuses_a_read_only_secrets_token_before_touching_loket(
    loket_repo: Path, gh: Path, run_cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    (gh / "exit").write_text("1")  # gh secret set: HTTP 403
    result = run_cli("github", "prepare-provider", "--repo", loket_repo)
    assert result.exit_code == 1
    assert "MIJNLOKET_SECRETS_TOKEN cannot write the secret LOKET_TOKEN_STORE" in result.output
    assert not (loket_repo.parent / "runner-temp" / "t.json").exists()


def test_cli_environment_secret(loket_repo: Path, gh: Path, run_cli: Callable[..., Result]) -> None:
    args = ("--repo", loket_repo, "--secret-environment", "loket")
    assert run_cli("github", "prepare-provider", *args).exit_code == 0
    assert (gh / "args").read_text().split()[-2:] == ["--env", "loket"]
    store = loket_repo.parent / "runner-temp" / "t.json"
    TokenStore(store).write(StoredToken.new(ROTATED, "https://oauth.loket.nl"))
    (gh / "args").unlink()
    assert run_cli("github", "persist-token", *args).exit_code == 0
    assert (gh / "args").read_text().split() == [
        "secret", "set", "LOKET_TOKEN_STORE", "--repo", REPO, "--env", "loket",
    ]  # fmt: skip


def test_a_token_store_committed_in_the_checkout_is_ignored(
    loket_repo: Path, run_cli: Callable[..., Result]
) -> None:
    """token_store and its .sha256 planted in the checkout: CI never reads them."""
    planted = loket_repo / ".mijnloket" / "loket-token.json"
    planted.parent.mkdir()
    planted.write_text('{"refresh_token": "planted"}')
    rotation.fingerprint_path(planted).write_text("0" * 64)
    result = run_cli("github", "prepare-provider", "--repo", loket_repo)
    assert result.exit_code == 0, result.output
    store = loket_repo.parent / "runner-temp" / "t.json"
    assert TokenStore(store).read().refresh_token == "rt-first-0123456789"


def test_cli_prepare_seeds_a_missing_sandbox(
    tmp_path: Path, run_cli: Callable[..., Result], valid_employer: str
) -> None:
    (tmp_path / "employers").mkdir()
    (tmp_path / "employers" / "a.yaml").write_text(valid_employer)
    result = run_cli("github", "prepare-provider", "--repo", tmp_path)
    assert result.exit_code == 0, result.output
    assert (tmp_path / ".mijnloket" / "sandbox.sqlite").exists()
    again = run_cli("github", "prepare-provider", "--repo", tmp_path)
    assert again.exit_code == 0 and again.output == ""
    assert run_cli("github", "persist-token", "--repo", tmp_path).output == ""


def test_cli_persist_without_a_restore_does_nothing(
    loket_repo: Path, run_cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MIJNLOKET_SECRETS_TOKEN")  # e.g. install failed before prepare
    result = run_cli("github", "persist-token", "--repo", loket_repo)
    assert result.exit_code == 0, result.output
    assert "No token store was restored in this job" in result.output


def test_cli_run_action_saves_each_rotation_while_the_command_runs(
    loket_repo: Path, gh: Path, run_cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`apply --wait` may rotate the token many times: each rotation reaches the secret
    while the command still runs, and the command itself never sees the secrets token."""
    from mijnloket_gitops.gitops import action

    assert run_cli("github", "prepare-provider", "--repo", loket_repo).exit_code == 0
    (gh / "args").unlink()
    store = loket_repo.parent / "runner-temp" / "t.json"
    monkeypatch.setattr(rotation, "WATCH_SECONDS", 0.01)
    seen: list[str] = []

    def rotating(argv: list[str], cwd: Path) -> tuple[int, str]:
        seen.append(action.command_env(os.environ).get("MIJNLOKET_SECRETS_TOKEN", "hidden"))
        for n in range(3):
            TokenStore(store).write(StoredToken.new(f"rt-{n}-0123456789", "https://x"))
            for _ in range(500):  # wait for the watcher (at most 5 s, so a bug cannot hang)
                log = gh / "args"
                if log.exists() and log.read_text().count("secret") > n:
                    break
                threading.Event().wait(0.01)
        return 0, ""

    real = action.run
    monkeypatch.setattr(action, "run", lambda inputs, temp: real(inputs, temp, rotating))
    monkeypatch.setenv("INPUT_COMMAND", "apply")
    monkeypatch.setenv("INPUT_PLAN_FILE", "plan.json")
    monkeypatch.setenv("INPUT_WORKING_DIRECTORY", str(loket_repo))
    result = run_cli("github", "run-action")
    assert result.exit_code == 0, result.output
    assert (gh / "args").read_text().count("secret") == 3
    assert json.loads((gh / "stdin").read_text())["refresh_token"] == "rt-2-0123456789"
    assert seen == ["hidden"]
    persisted = run_cli("github", "persist-token", "--repo", loket_repo)
    assert "did not rotate; the secret is current" in persisted.output


def test_cli_prepare_without_a_secrets_token_says_which_input_to_give(
    loket_repo: Path, run_cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIJNLOKET_SECRETS_TOKEN", "")
    result = run_cli("github", "prepare-provider", "--repo", loket_repo)
    assert result.exit_code == 1
    assert "give the action the input secrets-token" in result.output
    assert "GITHUB_TOKEN cannot write secrets" in result.output
    assert not (loket_repo.parent / "runner-temp" / "t.json").exists()
