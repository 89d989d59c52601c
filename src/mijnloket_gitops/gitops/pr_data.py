"""A pull request's files as data for the privileged plan job.

The plan job (``mijnloket-pr-plan.yml``, triggered by ``workflow_run``) runs the
base branch's workflow with the Loket.nl credentials. It checks the pull request
out into a folder of its own and never runs anything from there: this module copies
the employer files (regular files only; a symlink could point at the token store or
``/proc``) and the configuration file into the base branch's checkout, after checking
that the pull request does not change a connection setting.

Connection settings are the whole ``provider`` section (type, environment,
``api_url``, ``oauth_url``, ``token_store``, the ``*_env`` names, capabilities,
limits) and ``employers_dir``: a pull request that changes one of them could send
the credentials to a host of its choosing, so its plan is refused (exit 3) and the
change takes effect only after the merge, through a hand-run apply on main. The
rest of the pull request's configuration is planned as
:mod:`mijnloket_gitops.gitops.pr_settings` says: the guards from the base branch, the
catalog from the pull request, both flagged in the plan comment when changed.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml

from mijnloket_gitops.config import CONFIG_NAME, RepoConfig, load_settings
from mijnloket_gitops.errors import RefusedError
from mijnloket_gitops.gitops.pr_settings import (
    TRUSTED_KEYS,
    changed,
    effective,
    notice,
    outside_notice,
)
from mijnloket_gitops.gitutil import branch_changes


class PullRequestRefused(RefusedError):
    """The pull request changes what only the base branch may set: no plan (exit 3)."""


@dataclass(frozen=True)
class Imported:
    """What was copied from the pull request into the base branch's checkout."""

    files: tuple[str, ...]
    skipped: tuple[str, ...]
    """Symlinks and other non-regular files, relative to the pull request's checkout."""
    notice: str = ""
    """Markdown for the plan comment: the guards and catalog settings the pull request
    changes (empty when it changes none)."""


def changed_connection_settings(base: RepoConfig, pull: RepoConfig) -> list[str]:
    """The trusted settings (dotted names) whose effective values differ."""
    return list(changed(base, pull, TRUSTED_KEYS))


def _linked(root: Path, relative: Path) -> bool:
    """Whether ``root / relative`` or a folder between it and ``root`` is a symlink.
    Only the pull request's own folders count: the runner's work folder may lie
    below a symlink (``/tmp`` on macOS), which must not drop every file."""
    return any((root / part).is_symlink() for part in (relative, *relative.parents)
               if part != Path("."))  # fmt: skip


def import_pull_request(base_root: Path, pull_root: Path) -> Imported:
    """Put the pull request's employer files and configuration (at ``pull_root``) into
    ``base_root``; refuse when a connection setting differs.

    Both being git checkouts with full history, only what the pull request changed
    since it left the base branch is taken, so the result is what merging would give;
    otherwise its employer folder and configuration replace the base branch's (and
    the notice says so)."""
    base = load_settings(base_root)
    employers = base.config.employers_dir
    changes = branch_changes(base_root, pull_root, [employers, CONFIG_NAME])
    outside = branch_changes(
        base_root, pull_root, [".", f":(exclude){employers}", f":(exclude){CONFIG_NAME}"]
    )
    caution = outside_notice(sorted(outside or {}), employers)
    if changes is not None and CONFIG_NAME not in changes:
        # The pull request left the configuration alone: the base branch's stays, as
        # merging would give (its catalog or connection may be newer than the one the
        # branch started from, which is no change of the pull request's).
        copied, skipped = _merge(base_root, pull_root, changes)
        return Imported(tuple(copied), tuple(skipped), caution)
    pull_config = pull_root / CONFIG_NAME
    if pull_config.is_symlink():
        raise PullRequestRefused(
            f"{CONFIG_NAME} is a symbolic link in this pull request; it must be a file"
        )
    pull = load_settings(pull_root)
    changed = changed_connection_settings(base.config, pull.config)
    if changed:
        raise PullRequestRefused(
            f"this pull request changes {', '.join(changed)} in {CONFIG_NAME}. Connection "
            "settings come from the base branch only, so no Loket.nl credentials were used "
            "for it and no plan was made. Put such a change in a pull request of its own; "
            "after the merge an admin runs the apply workflow by hand"
        )
    if changes is None:
        copied, skipped = _mirror(base_root, pull_root, employers)
    else:
        copied, skipped = _merge(base_root, pull_root, changes)
    # The effective settings, written out: the pull request's (the defaults when it
    # removes the file), with the base branch's guards. Its own YAML is never copied,
    # so nothing it adds survives.
    planned = effective(base.config, pull.config).model_dump(mode="json")
    text = yaml.safe_dump(planned, sort_keys=False, allow_unicode=True)
    (base_root / CONFIG_NAME).write_text(text, encoding="utf-8")
    if pull_config.is_file():
        copied.append(CONFIG_NAME)
    said = [caution, notice(base.config, pull.config), FORK_UNKNOWN if changes is None else ""]
    return Imported(tuple(copied), tuple(skipped), "\n".join(s for s in said if s))


FORK_UNKNOWN = (
    "> [!NOTE]\n> Where this pull request left the base branch could not be found (a"
    " shallow checkout or no common history), so its employer folder and configuration"
    " replaced the base branch's as a whole: files the base branch gained since show as"
    " removed. Check out both with `fetch-depth: 0`.\n"
)


def _mirror(base_root: Path, pull_root: Path, employers: str) -> tuple[list[str], list[str]]:
    """The pull request's employer folder in place of the base branch's, as a whole."""
    target, source = base_root / employers, pull_root / employers
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)
    elif target.exists() or target.is_symlink():
        target.unlink()
    target.mkdir(parents=True)
    copied: list[str] = []
    skipped = [employers] if _linked(pull_root, Path(employers)) else []
    for path in sorted(source.rglob("*")) if source.is_dir() and not skipped else []:
        relative = path.relative_to(pull_root)
        if path.is_symlink() or not (path.is_file() or path.is_dir()):
            skipped.append(relative.as_posix())
        elif path.is_file() and not _linked(pull_root, relative.parent):
            destination = base_root / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination, follow_symlinks=False)
            copied.append(relative.as_posix())
    return copied, skipped


def _merge(
    base_root: Path, pull_root: Path, changes: dict[str, str]
) -> tuple[list[str], list[str]]:
    """The pull request's own changes on top of the base branch, as merging gives: the
    files it added or changed are copied, the ones it deleted removed, and the base
    branch's other files (including ones added since the branch left it) stay."""
    copied: list[str] = []
    skipped: list[str] = []
    # Deletions first: a folder the pull request turned into a file is emptied first.
    for name, status in sorted(changes.items(), key=lambda change: (change[1] != "D", change)):
        if name == CONFIG_NAME:
            continue
        relative = Path(name)
        destination, source = base_root / relative, pull_root / relative
        if destination.is_symlink() or destination.is_file():
            destination.unlink()
        if status == "D":
            continue
        if _linked(pull_root, relative) or not source.is_file():
            skipped.append(relative.as_posix())  # a symlink or a special file: not data
            continue
        if destination.is_dir():
            if any(destination.iterdir()):  # main put files there since: git would conflict
                raise PullRequestRefused(
                    f"{relative.as_posix()} is a file in this pull request but a folder"
                    " with files on the base branch; merge the base branch into it first"
                )
            destination.rmdir()
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, destination, follow_symlinks=False)
        copied.append(relative.as_posix())
    return copied, skipped
