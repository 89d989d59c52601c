"""``lock status`` and ``force-unlock``: the apply locks (issue 22)."""

from __future__ import annotations

from pathlib import Path

import click

from mijnloket_gitops.apply.journal import Journal
from mijnloket_gitops.apply.lock import ApplyLock
from mijnloket_gitops.apply.shared_lock import RemoteLock
from mijnloket_gitops.cli.apply_flow import STATE_DIR
from mijnloket_gitops.cli.common import repo_option, settings_for
from mijnloket_gitops.config import Settings
from mijnloket_gitops.errors import ExitCode, MijnloketError, RefusedError
from mijnloket_gitops.gitutil import dirty_tree, head_commit
from mijnloket_gitops.providers.registry import open_provider


def _target(settings: Settings) -> str:
    with open_provider(settings) as provider:
        return provider.target


def _remote_lock(settings: Settings, target: str) -> RemoteLock | None:
    remote = settings.config.lock.remote
    return None if remote is None else RemoteLock(settings.root, remote, target)


@click.group()
def lock() -> None:
    """The apply locks: this checkout's, and the shared one on lock.remote."""


@lock.command()
@repo_option
def status(repo: Path) -> None:
    """Show who holds the apply locks of the configured provider target.

    Exit 0 when both are free, 3 when one is held.
    """
    settings = settings_for(repo)
    target = _target(settings)
    held = False
    try:
        with ApplyLock(settings.root / STATE_DIR / "locks", target):
            local = "free"
    except RefusedError as error:
        local, held = f"held: {error}", True
    click.echo(f"Local lock (this checkout): {local}")
    shared = _remote_lock(settings, target)
    if shared is None:
        click.echo(
            "Shared lock: none configured (set lock.remote in mijnloket-gitops.yaml to share"
            " one lock between checkouts and CI runners)"
        )
    else:
        holder = shared.holder()
        where = f"{shared.ref} on {shared.remote!r}"
        click.echo(f"Shared lock {where}: " + (holder.describe() if holder else "free"))
        held = held or holder is not None
    if held:
        raise SystemExit(ExitCode.REFUSED)


@click.command("force-unlock")
@click.argument("lock_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@repo_option
def force_unlock(lock_id: str, yes: bool, repo: Path) -> None:
    """Remove the shared apply lock LOCK_ID (as `lock status` shows it) that a dead
    apply left behind.

    Only the lock with that id is removed, never one taken since; the removal is
    journaled with the holder's details. Make sure its apply is not running: two
    applies at once can undo each other's steps.
    """
    settings = settings_for(repo)
    target = _target(settings)
    shared = _remote_lock(settings, target)
    if shared is None:
        raise MijnloketError("no shared lock is configured (lock.remote); nothing to unlock")
    holder = shared.holder()
    if holder is None:
        raise MijnloketError(f"the shared lock {shared.ref} on {shared.remote!r} is not held")
    if len(lock_id) < 7 or not holder.lock_id.startswith(lock_id):
        raise RefusedError(
            f"the shared lock is {holder.lock_id[:12]} now, not {lock_id}: {holder.describe()}."
            " Nothing was unlocked; check `mijnloket-gitops lock status`."
        )
    click.echo(f"Holder: {holder.describe()}")
    if not yes:
        click.confirm("Remove this lock?", abort=True)
    root = settings.root
    with Journal(
        root / STATE_DIR / "journal", commit=head_commit(root), forced=True, dirty=dirty_tree(root)
    ) as journal:
        journal.target = target
        journal.record(
            "force-unlock", remote=shared.remote, ref=shared.ref, lock_id=holder.lock_id,
            holder=holder.data,
        )  # fmt: skip
        removed = shared.release(holder.lock_id)
        result = "unlocked" if removed else "error"
        journal.record("finished", result=result, exit_code=0 if removed else 1)
    if not removed:
        raise MijnloketError(f"could not remove {shared.ref} on {shared.remote!r}")
    click.echo(f"Removed the shared lock {holder.lock_id[:12]} (journal: {journal.path}).")


COMMANDS = (lock, force_unlock)
