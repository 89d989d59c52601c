"""Options and helpers shared by commands."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, TypeVar

import click

from mijnloket_gitops.config import Settings, load_settings
from mijnloket_gitops.plan.safety import Overrides

F = TypeVar("F", bound=Callable[..., Any])


def repo_option(func: F) -> F:
    """``--repo DIR``: the configuration repository (default: the current directory)."""
    return click.option(
        "--repo",
        "repo",
        type=click.Path(file_okay=False, exists=True, path_type=Path),
        default=Path("."),
        show_default=True,
        help="The configuration repository (holds mijnloket-gitops.yaml and employers/).",
    )(func)


def settings_for(repo: Path) -> Settings:
    return load_settings(repo)


def use_color(stream: IO[str] | None = None) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set."""
    stream = stream or sys.stdout
    return stream.isatty() and "NO_COLOR" not in os.environ


GUARD_HELP = {
    "--allow-mass-deactivation": "Allow more product deactivations than safety.max_deactivation_"
    "share / max_deactivations.",
    "--allow-mass-revocation": "Allow more right revocations than safety.max_revocation_share"
    " / max_revocations.",
    "--allow-employer-share": "Allow changing more employers than safety.max_employer_share.",
    "--allow-downgrade": "Allow lowering an employer's tier.",
    "--allow-mijnloket-removal": "Allow switching MijnLoket off for an employer (its employees"
    " lose the portal).",
}
"""The flag of each guard (see ``plan.safety.GUARD_FLAGS``) and its help."""


def guard_options(func: F) -> F:
    """One ``--allow-...`` flag per guard, and ``--force`` for emergencies.

    The command receives them as keyword arguments; :func:`overrides_from` turns them
    into the planner's :class:`~mijnloket_gitops.plan.safety.Overrides`.
    """
    func = click.option(
        "--force",
        is_flag=True,
        help="Emergencies only: override every safety guard; each one it overrides is "
        "printed and journaled.",
    )(func)
    for flag in reversed(sorted(GUARD_HELP)):
        func = click.option(flag, is_flag=True, help=GUARD_HELP[flag])(func)
    return func


def overrides_from(options: dict[str, Any]) -> Overrides:
    """The ``Overrides`` for the guard flags among a command's keyword arguments."""
    allowed = frozenset(
        flag for flag in GUARD_HELP if options.get(flag[2:].replace("-", "_"), False)
    )
    return Overrides(allowed, bool(options.get("force", False)))


def target_options(func: F) -> F:
    """``--target`` and ``--changed-since``."""
    func = click.option(
        "--changed-since",
        metavar="REF",
        help="Only employers whose files changed since this git ref.",
    )(func)
    return click.option(
        "--target",
        "targets",
        multiple=True,
        metavar="EMPLOYER_ID",
        help="Only this employer (repeatable).",
    )(func)


class Progress:
    """A progress bar on stderr for reading many employers; silent off a terminal."""

    def __init__(self, total: int, label: str) -> None:
        self._bar: Any = None
        if sys.stderr.isatty() and total > 1:
            self._bar = click.progressbar(length=total, label=label, file=sys.stderr)
            self._bar.__enter__()

    def __call__(self, done: int) -> None:
        if self._bar is not None:
            self._bar.update(done)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None
