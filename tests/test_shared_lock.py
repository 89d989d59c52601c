"""Issue 22: the apply lock the whole team shares, a ref on the configuration
repository's remote (here a local bare repository: filesystem only).

A held lock refuses an apply in any checkout (exit 3, naming the holder and how to
clear it); `lock status` shows it; `force-unlock ID` removes exactly that lock and
journals the holder; `--lock-timeout` waits for it; an apply removes its own lock.
In the sandbox and over HTTP against the Loket emulator, from a second checkout.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import threading
from pathlib import Path

import pytest

from mijnloket_gitops.apply.shared_lock import RemoteLock, holder_info, lock_ref
from mijnloket_gitops.config import load_settings
from mijnloket_gitops.providers.registry import open_provider
from tests.emulator_fixtures import start_emulator
from tests.loket_emulated import ENV, authorize, write_repo_config
from tests.repo_helpers import git
from tests.test_loket_e2e import api_changes
from tests.test_plan_apply import DB, ROOT, apply_changes, run
from tests.test_plan_binding import repo as repo  # the fixture: examples in git
from tests.test_plan_binding_loket import run as run_loket

LOCKED = "version: 1\nlock:\n  remote: origin\n"


def bare_remote(repo: Path, tmp_path: Path) -> Path:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    git(repo, "remote", "add", "origin", str(remote))
    return remote


def target_of(repo: Path) -> str:
    with open_provider(load_settings(repo)) as provider:
        return provider.target


def refs(remote: Path) -> str:
    return subprocess.run(
        ["git", "-C", str(remote), "for-each-ref", "refs/mijnloket/"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def other_holder(repo: Path, target: str) -> tuple[RemoteLock, str]:
    """The shared lock taken by "another apply" (a dead one on another host)."""
    lock = RemoteLock(repo, "origin", target)
    info = {**holder_info("plan-of-a-colleague", target, repo), "host": "laptop-of-anna"}
    lock_id = lock.try_take(info)
    assert lock_id is not None
    return lock, lock_id


def test_a_held_shared_lock_refuses_apply_until_force_unlocked(repo: Path, tmp_path: Path) -> None:
    remote = bare_remote(repo, tmp_path)
    (repo / "mijnloket-gitops.yaml").write_text(LOCKED)
    target = target_of(repo)
    _, lock_id = other_holder(repo, target)
    refused = run(repo, "apply", "--auto-approve")
    assert refused.exit_code == 3, refused.output
    assert "laptop-of-anna" in refused.output and "plan-of-a-colleague" in refused.output
    assert f"force-unlock {lock_id[:12]}" in refused.output
    assert apply_changes(repo) == []
    status = run(repo, "lock", "status")
    assert status.exit_code == 3 and "laptop-of-anna" in status.output, status.output
    wrong = run(repo, "force-unlock", "0000000000", "--yes")
    assert wrong.exit_code == 3 and lock_ref(target) in refs(remote)
    cleared = run(repo, "force-unlock", lock_id[:12], "--yes")
    assert cleared.exit_code == 0, cleared.output
    assert refs(remote) == ""
    journal = max((repo / ".mijnloket" / "journal").glob("*.jsonl"))
    event = json.loads(journal.read_text().splitlines()[0])
    assert event["event"] == "force-unlock" and event["holder"]["host"] == "laptop-of-anna"
    applied = run(repo, "apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert apply_changes(repo) and refs(remote) == "", "apply leaves its own lock behind"
    assert run(repo, "lock", "status").exit_code == 0


def test_only_one_of_two_takers_gets_the_lock(repo: Path, tmp_path: Path) -> None:
    bare_remote(repo, tmp_path)
    first = RemoteLock(repo, "origin", "target")
    second = RemoteLock(repo, "origin", "target")
    taken = first.try_take({"who": "first"})
    assert taken is not None
    assert second.try_take({"who": "second"}) is None
    holder = second.holder()
    assert holder is not None and holder.lock_id == taken and holder.data == {"who": "first"}
    assert not second.release("0" * 40), "a release must not remove another holder's lock"
    assert first.release(taken) and first.holder() is None


def test_lock_timeout_waits_for_the_holder(repo: Path, tmp_path: Path) -> None:
    bare_remote(repo, tmp_path)
    (repo / "mijnloket-gitops.yaml").write_text(LOCKED)
    lock, lock_id = other_holder(repo, target_of(repo))
    waiting = threading.Event()
    original = RemoteLock.holder

    def release_once_asked(self: RemoteLock) -> object:
        waiting.set()
        return original(self)

    releaser = threading.Thread(target=lambda: waiting.wait(60) and lock.release(lock_id))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(RemoteLock, "holder", release_once_asked)  # the apply found it held
        releaser.start()
        applied = run(repo, "apply", "--auto-approve", "--lock-timeout", "60")
    releaser.join()
    assert applied.exit_code == 0, applied.output
    assert apply_changes(repo)


def test_a_second_checkout_cannot_apply_to_loket_while_the_first_holds_the_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    with start_emulator(tmp_path, employers=6) as started:
        write_repo_config(started)
        config = started.repo / "mijnloket-gitops.yaml"
        config.write_text(config.read_text() + "lock:\n  remote: origin\n")
        (started.repo / ".gitignore").write_text(".mijnloket/\n")
        git(started.repo, "init", "-q", "-b", "main")
        git(started.repo, "add", "-A")
        git(started.repo, "commit", "-q", "-m", "files")
        remote = tmp_path / "remote.git"
        subprocess.run(["git", "clone", "-q", "--bare", str(started.repo), str(remote)], check=True)
        git(started.repo, "remote", "add", "origin", str(remote))
        other = tmp_path / "checkout-b"
        subprocess.run(["git", "clone", "-q", str(remote), str(other)], check=True)
        authorize(started.server, started.repo)
        authorize(started.server, other)
        target = target_of(started.repo)
        lock = RemoteLock(started.repo, "origin", target)
        lock_id = lock.try_take(holder_info(None, target, started.repo))  # A is applying
        assert lock_id is not None
        refused = run_loket(other, "apply", "--auto-approve")
        assert refused.exit_code == 3, refused.output
        assert str(started.repo.resolve()) in refused.output
        assert not api_changes(started)
        assert lock.release(lock_id)
        applied = run_loket(other, "apply", "--auto-approve")
        assert applied.exit_code in (0, 4), applied.output
        assert api_changes(started)


def test_a_dead_holder_on_another_host_is_cleared_with_force_unlock(tmp_path: Path) -> None:
    """The sandbox's own lock row, left by an apply killed on another host."""
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "employers", repo / "employers")
    assert run(repo, "sandbox", "seed").exit_code == 0
    holder = {"pid": 4242, "host": "ci-runner-7", "since": "2026-12-01T10:00:00+00:00"}
    with sqlite3.connect(repo / DB) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS apply_lock (id INTEGER PRIMARY KEY CHECK (id = 1),"
            " token TEXT NOT NULL, holder TEXT NOT NULL)"
        )
        conn.execute(
            "INSERT INTO apply_lock VALUES (1, 'deadbeefcafe0123', ?)", (json.dumps(holder),)
        )
    conn.close()
    refused = run(repo, "apply", "--auto-approve")
    assert refused.exit_code == 3, refused.output
    assert "ci-runner-7" in refused.output
    assert "mijnloket-gitops force-unlock deadbeefcafe" in refused.output
    status = run(repo, "lock", "status")
    assert status.exit_code == 3 and "ci-runner-7" in status.output, status.output
    assert run(repo, "force-unlock", "0000000000", "--yes").exit_code == 3
    cleared = run(repo, "force-unlock", "deadbeefcafe", "--yes")
    assert cleared.exit_code == 0, cleared.output
    event = json.loads(
        max((repo / ".mijnloket" / "journal").glob("*.jsonl")).read_text().split("\n")[0]
    )
    assert event["event"] == "force-unlock" and event["holder"]["host"] == "ci-runner-7"
    applied = run(repo, "apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert apply_changes(repo)
