"""``lock status`` and ``force-unlock``: the apply locks (issue 22)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from mijnloket_gitops.apply.journal import Journal
from mijnloket_gitops.apply.lock import ApplyLock
from mijnloket_gitops.apply.shared_lock import RemoteLock
from mijnloket_gitops.cli.apply_flow import STATE_DIR
from mijnloket_gitops.cli.common import repo_option, settings_for
from mijnloket_gitops.config import Settings
from mijnloket_gitops.errors import ExitCode, MijnloketError, RefusedError
from mijnloket_gitops.gitutil import dirty_tree, head_commit
from mijnloket_gitops.providers.base import Provider
from mijnloket_gitops.providers.registry import open_provider


def _remote_lock(settings: Settings, target: str) -> RemoteLock | None:
    remote = settings.config.lock.remote
    return None if remote is None else RemoteLock(settings.root, remote, target)


def _describe(lock_id: str, holder: dict[str, Any]) -> str:
    return (
        f"pid {holder.get('pid')} on {holder.get('host')} since {holder.get('since')};"
        f" lock id {lock_id[:12]}"
    )


@click.group()
def lock() -> None:
    """The apply locks: this checkout's, the sandbox's, and the shared one on lock.remote."""


@lock.command()
@repo_option
def status(repo: Path) -> None:
    """Show who holds the apply locks of the configured provider target.

    Exit 0 when all are free, 3 when one is held.
    """
    settings = settings_for(repo)
    held = False
    with open_provider(settings) as provider:
        target = provider.target
        try:
            with ApplyLock(settings.root / STATE_DIR / "locks", target):
                local = "free"
        except RefusedError as error:
            local, held = f"held: {error}", True
        click.echo(f"Local lock (this checkout): {local}")
        own = provider.lock_holder()
        if own is not None:
            click.echo(f"The {provider.name}'s own lock: held by {_describe(*own)}")
            held = True
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


def _journal_unlock(settings: Settings, target: str, **fields: Any) -> Path:
    root = settings.root
    with Journal(
        root / STATE_DIR / "journal", commit=head_commit(root), forced=True, dirty=dirty_tree(root)
    ) as journal:
        journal.target = target
        journal.record("force-unlock", **fields)
        journal.record("finished", result="unlocked", exit_code=0)
    return journal.path


def _confirm(yes: bool) -> None:
    if not yes:
        click.confirm("Remove this lock?", abort=True)


@click.command("force-unlock")
@click.argument("lock_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@repo_option
def force_unlock(lock_id: str, yes: bool, repo: Path) -> None:
    """Remove the apply lock LOCK_ID (as `lock status` and the refused apply show it)
    that a dead apply left behind: the shared lock on lock.remote, or the sandbox's.

    Only the lock with that id is removed, never one taken since; the removal is
    journaled with the holder's details. Make sure its apply is not running: two
    applies at once can undo each other's steps.
    """
    if len(lock_id) < 7:
        raise click.UsageError("give at least 7 characters of the lock id")
    settings = settings_for(repo)
    with open_provider(settings) as provider:
        target = provider.target
        shared = _remote_lock(settings, target)
        holder = shared.holder() if shared is not None else None
        if shared is not None and holder is not None and holder.lock_id.startswith(lock_id):
            click.echo(f"Holder: {holder.describe()}")
            _confirm(yes)
            if not shared.release(holder.lock_id):
                raise MijnloketError(f"could not remove {shared.ref} on {shared.remote!r}")
            path = _journal_unlock(
                settings, target, remote=shared.remote, ref=shared.ref,
                lock_id=holder.lock_id, holder=holder.data,
            )  # fmt: skip
            click.echo(f"Removed the shared lock {holder.lock_id[:12]} (journal: {path}).")
            return
        _own_lock(settings, provider, lock_id, yes, holder.describe() if holder else None)


def _own_lock(
    settings: Settings, provider: Provider, lock_id: str, yes: bool, shared: str | None
) -> None:
    own = provider.lock_holder()
    if own is None or not own[0].startswith(lock_id):
        held = [f"shared: {shared}"] if shared else []
        held += [f"{provider.name}: {_describe(*own)}"] if own else []
        raise RefusedError(
            f"no apply lock has the id {lock_id}"
            + (f"; held now: {'; '.join(held)}" if held else "; no lock is held")
            + ". Nothing was unlocked; check `mijnloket-gitops lock status`."
        )
    click.echo(f"Holder: {_describe(*own)}")
    _confirm(yes)
    removed = provider.force_unlock(own[0])
    if removed is None:
        raise MijnloketError(f"the {provider.name}'s lock changed meanwhile; nothing was unlocked")
    path = _journal_unlock(
        settings, provider.target, lock=f"{provider.name} {provider.target}", lock_id=own[0],
        holder=removed,
    )  # fmt: skip
    click.echo(f"Removed the {provider.name}'s apply lock {own[0][:12]} (journal: {path}).")


COMMANDS = (lock, force_unlock)
