"""The fault matrix of ``benchmarks/faults/``, as tests, plus the errors it found.

Each case runs the real CLI in child processes against a fresh sandbox or emulator
(see the benchmark's docstring for what a case checks). A few fast cases run always;
the rest of the matrix is ``slow``, in a bounded form (two employers, so every kill
sweep has four or five steps). The read-only disk cases need root (a loop-mounted
ext4 file system); elsewhere they are skipped, saying why. Below them, unit tests pin
the error handling the matrix exposed, with the OS error injected, so they run
everywhere.
"""

from __future__ import annotations

import errno
import importlib
import json
import os
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from mijnloket_gitops.apply.journal import Journal
from mijnloket_gitops.apply.lock import ApplyLock
from mijnloket_gitops.errors import AuthError, MijnloketError
from mijnloket_gitops.loket.session import ApiSession
from mijnloket_gitops.loket.store import TokenStore
from mijnloket_gitops.providers.base import Action, Step
from mijnloket_gitops.sandbox.store import Store
from tests.loket_fakes import ENV, FakeLoket, config, seed_store

EMPLOYERS = 2


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    # a package run as ``python -m benchmarks.faults`` from the root, as pytest runs here
    return importlib.import_module("benchmarks.faults")


@pytest.fixture
def disk(bench: ModuleType) -> None:
    reason = bench.disk_support()
    if reason is not None:
        pytest.skip(reason)


def run_case(bench: ModuleType, tmp_path: Path, case: Any, employers: int = EMPLOYERS) -> Any:
    outcome = case(bench.Context(tmp_path, employers))
    assert outcome.problems == []
    assert (outcome.lost, outcome.duplicated) == (0, 0)
    assert outcome.runs > 0 and outcome.faults > 0
    return outcome


# Fast cases


def test_killed_apply_converges_without_repeating_a_step(bench: ModuleType, tmp_path: Path) -> None:
    run_case(bench, tmp_path, bench.kill_sweep("sandbox", "started", points=(3,)))


def test_stale_saved_plan_is_refused_and_changes_nothing(bench: ModuleType, tmp_path: Path) -> None:
    run_case(bench, tmp_path, bench.CASES["stale-plan-sandbox"])


def test_second_apply_is_refused_naming_the_first(bench: ModuleType, tmp_path: Path) -> None:
    run_case(bench, tmp_path, bench.CASES["two-applies-sandbox"])


def test_http_faults_at_30_percent_lose_and_double_nothing(
    bench: ModuleType, tmp_path: Path
) -> None:
    outcome = run_case(bench, tmp_path, bench.CASES["http-mixed"])
    assert outcome.faults >= 10


@pytest.mark.usefixtures("disk")
def test_journal_disk_failing_mid_apply_stops_it_cleanly(bench: ModuleType, tmp_path: Path) -> None:
    run_case(bench, tmp_path, bench.CASES["journal-disk-fails-sandbox"])


@pytest.mark.usefixtures("disk")
def test_read_only_journal_or_lock_folder_applies_nothing(
    bench: ModuleType, tmp_path: Path
) -> None:
    run_case(bench, tmp_path, bench.CASES["journal-read-only"])


@pytest.mark.usefixtures("disk")
def test_token_store_failing_during_a_refresh_uses_no_new_token(
    bench: ModuleType, tmp_path: Path
) -> None:
    run_case(bench, tmp_path, bench.CASES["token-store-fails-during-refresh"])


# The rest of the matrix

SLOW = {  # case: employers (one where two add time, not coverage)
    "kill-started-loket": EMPLOYERS,
    "kill-done-sandbox": EMPLOYERS,
    "http-429": 1,
    "http-500": 1,
    "http-503": 1,
    "http-drop": 1,
    "http-lost": 1,
    "http-slow": 1,
    "token-expiry": EMPLOYERS,
    "token-rotated": EMPLOYERS,
    "stale-plan-loket": EMPLOYERS,
    "two-applies-loket": EMPLOYERS,
}
SLOW_DISK = [
    "journal-disk-fails-loket",
    "token-store-fails-before-refresh",
    # the cause of the durability flake: fsync returning 0 as the disk failed
    "journal-fsync-race",
]


@pytest.mark.slow
@pytest.mark.parametrize("name", SLOW)
def test_matrix(bench: ModuleType, tmp_path: Path, name: str) -> None:
    run_case(bench, tmp_path, bench.CASES[name], SLOW[name])


@pytest.mark.slow
@pytest.mark.usefixtures("disk")
@pytest.mark.parametrize("name", SLOW_DISK)
def test_matrix_on_a_failing_disk(bench: ModuleType, tmp_path: Path, name: str) -> None:
    run_case(bench, tmp_path, bench.CASES[name])


def test_every_case_is_run_by_a_test_or_the_benchmark_only(bench: ModuleType) -> None:
    fast = {"stale-plan-sandbox", "two-applies-sandbox", "http-mixed"}
    fast |= {"journal-disk-fails-sandbox", "journal-read-only", "token-store-fails-during-refresh"}
    # the other kill events of the same provider are tested
    benchmark_only = {"kill-done-loket", "kill-committed-loket", "kill-started-sandbox"}
    assert set(bench.CASES) == fast | set(SLOW) | set(SLOW_DISK) | benchmark_only


def test_the_audit_sees_lost_doubled_and_unjournaled_changes(
    bench: ModuleType, tmp_path: Path
) -> None:
    with bench.world("sandbox", tmp_path, 1) as world:
        _, revoked = bench.Employer(0).logins
        employer = bench.Employer(0).employer_id
        with Store.open(world.repo / bench.LIVE_DB) as store, store.write("apply") as tx:
            tx.revoke(employer, revoked, bench.RIGHT)
            tx.grant(employer, revoked, bench.RIGHT)
            tx.revoke(employer, revoked, bench.RIGHT)
        found = bench.audit(world)
    assert (found.lost, found.duplicated) == (1, 1)  # the grant never made, the revoke twice
    assert any("nobody asked for" in p for p in found.problems)
    assert any("without a journal line" in p for p in found.problems)


def test_the_secrets_check_finds_a_token_in_any_artefact(bench: ModuleType, tmp_path: Path) -> None:
    with bench.world("loket", tmp_path, 1) as world:
        assert world.issued and bench.leaks(world) == []
        journal = world.repo / ".mijnloket" / "journal"
        journal.mkdir(parents=True)
        (journal / "run.jsonl").write_text(json.dumps({"note": next(iter(world.issued))}))
        assert bench.leaks(world) == ["repo/.mijnloket/journal/run.jsonl holds a secret"]


# The error handling the matrix exposed, with the OS error injected

EROFS = OSError(errno.EROFS, os.strerror(errno.EROFS))


class _FailingHandle:
    """A journal file on a disk that has just turned read-only."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        raise EROFS

    def fileno(self) -> int:  # pragma: no cover - flush fails first
        raise EROFS

    def close(self) -> None:
        raise EROFS  # the line that did not flush is still buffered


def test_a_journal_line_that_cannot_be_written_stops_apply_with_its_reason(
    tmp_path: Path,
) -> None:
    step = Step("e1", Action.GRANT, right="R", login="x@example.nl")
    with pytest.raises(MijnloketError) as caught, Journal(tmp_path, commit=None, forced=False) as j:
        assert j._handle is not None
        j._handle.close()
        j._handle = _FailingHandle()  # type: ignore[assignment]
        j.record("started", step)
    message = str(caught.value)  # not the OSError that closing raised again
    assert "cannot write 'started grant R for x@example.nl'" in message
    assert "Read-only file system" in message and "nothing more is changed" in message


def test_an_apply_lock_on_a_read_only_disk_is_a_clean_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: object, *args: object, **kwargs: object) -> None:
        raise EROFS

    monkeypatch.setattr("mijnloket_gitops.apply.lock.FileLock.acquire", refuse)
    lock = ApplyLock(tmp_path / "locks", "target")
    with pytest.raises(MijnloketError, match=r"cannot take the apply lock .*nothing was applied"):
        lock.__enter__()


def test_a_holder_file_that_cannot_be_removed_does_not_hide_the_outcome(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    refused: list[str] = []

    def refuse(self: Path, missing_ok: bool = False) -> None:
        refused.append(self.name)
        raise EROFS

    class Stopped(Exception):
        """What the apply under the lock ended with."""

    # the patch stays in place until after the lock's __exit__ has run (it was undone
    # before, so the test checked nothing)
    with (
        monkeypatch.context() as patched,
        pytest.raises(Stopped),
        ApplyLock(tmp_path, "target"),
    ):
        patched.setattr(Path, "unlink", refuse)
        raise Stopped
    assert refused, "the holder file's removal was never attempted under the patch"
    with ApplyLock(tmp_path, "target"):  # released all the same
        pass


def _refusing_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    def write(self: TokenStore, token: object) -> None:
        raise EROFS

    monkeypatch.setattr(TokenStore, "write", write)


def test_an_unsaved_rotation_fails_before_the_new_token_is_used_and_never_retries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeLoket()
    seed_store(tmp_path)
    _refusing_writes(monkeypatch)
    with ApiSession(config(), tmp_path, env=ENV, hooks=fake.hooks()) as session:
        for _ in range(2):
            with pytest.raises(AuthError) as caught:
                session.api.all_items("providers")
            assert "could not be saved" in str(caught.value)
            assert "auth login" in str(caught.value)
    assert [r.url.path for r in fake.requests] == ["/token"]  # one refresh, no API request
    assert fake.used_refresh_tokens == {"refresh-0"}
    assert not any(token in str(caught.value) for token in fake.refresh_tokens)


def test_a_token_store_that_cannot_be_locked_leaves_the_token_unspent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeLoket()
    store = seed_store(tmp_path)

    def refuse(self: object, *args: object, **kwargs: object) -> None:
        raise EROFS

    monkeypatch.setattr("filelock.FileLock.acquire", refuse)
    session = ApiSession(config(), tmp_path, env=ENV, hooks=fake.hooks())
    with session, pytest.raises(AuthError, match=r"cannot lock the token store .*still works"):
        session.api.all_items("providers")
    assert fake.requests == []
    assert json.loads(store.path.read_text())["refresh_token"] == "refresh-0"


def test_changed_without_a_journal_line_fsync_acknowledged_on_a_failing_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """fsync returned 0 while the disk failed (ext4 aborting its journal): the line is
    not on disk, so the step it announces must not be performed. The next metadata
    change on that file system fails; record must notice that before it returns."""
    step = Step("e1", Action.ACTIVATE, product="Verlofregeling")
    real_open = os.open

    def failing_after_fsync(path: Any, flags: int, mode: int = 0o777, **kw: Any) -> int:
        if str(path).endswith(".probe"):
            raise EROFS
        return real_open(path, flags, mode, **kw)

    with Journal(tmp_path, commit=None, forced=False) as journal:
        journal.record("apply-started")
        monkeypatch.setattr(os, "open", failing_after_fsync)
        with pytest.raises(MijnloketError, match="cannot write 'started activate Verlofregeling'"):
            journal.record("started", step)
        assert journal.failed
    assert not list(tmp_path.glob(".*.probe"))


def test_the_new_journal_files_name_is_made_durable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[str] = []
    real_fsync = os.fsync

    def fsync(descriptor: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{descriptor}"))
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", fsync)
    with Journal(tmp_path / "journal", commit=None, forced=False):
        pass
    assert synced == [str(tmp_path / "journal")]
