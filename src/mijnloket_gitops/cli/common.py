"""Options and helpers shared by commands."""

from __future__ import annotations

import difflib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, TypeVar

import click

from mijnloket_gitops.cli.color import color_wanted
from mijnloket_gitops.cli.progress import Progress as Progress  # commands import it here
from mijnloket_gitops.config import Settings, load_settings
from mijnloket_gitops.errors import ConfigError, NotInRepositoryError
from mijnloket_gitops.files.loader import load_bytes
from mijnloket_gitops.plan.safety import Overrides
from mijnloket_gitops.repository import find_repository, shown

F = TypeVar("F", bound=Callable[..., Any])


class FullHelpGroup(click.Group):
    """A command group whose list shows each command's first sentence in full (wrapped
    to the terminal), where click would cut it off with "..."."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=1_000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


class Choice(click.Choice[str]):
    """click's Choice with a "did you mean" for a mistyped value (``--format mardown``),
    as click gives for mistyped options and this tool for commands."""

    def get_invalid_choice_message(self, value: Any, ctx: click.Context | None) -> str:
        message = super().get_invalid_choice_message(value, ctx)
        close = difflib.get_close_matches(str(value), [str(c) for c in self.choices], n=1)
        return f"{message} Did you mean {close[0]!r}?" if close else message


def _repository(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path:
    if value is not None:
        return value
    cwd = Path.cwd()
    found = find_repository(cwd)
    return Path(".") if found is None else shown(found, cwd)


def repo_option(func: F) -> F:
    """The command's ``repo`` argument: the configuration repository, found by walking up
    from the current directory (the global ``-C DIR`` changes where that starts).

    ``--repo DIR`` names it directly; it is hidden, kept for one release for scripts
    written before ``-C``.
    """
    return click.option(
        "--repo",
        "repo",
        type=click.Path(file_okay=False, exists=True, path_type=Path),
        default=None,
        hidden=True,
        callback=_repository,
        help="Deprecated: use `mijnloket-gitops -C DIR`.",
    )(func)


def settings_for(repo: Path, *, required: bool = True) -> Settings:
    """The settings of the repository ``repo`` (as :func:`repo_option` gives it).

    With ``required`` (commands that read the employer files or the provider), a folder
    that is no configuration repository (no configuration file, no git, no employers
    folder) is an error saying how to get into one, rather than "no employer files".
    """
    settings = load_settings(repo)
    if (
        required
        and settings.config_path is None
        and not (repo / ".git").exists()
        and not (repo / settings.config.employers_dir).is_dir()
    ):
        raise NotInRepositoryError(str(Path.cwd() if repo == Path(".") else repo))
    return settings


def employers_dir(settings: Settings) -> Path:
    """The repository's folder of employer files; a ConfigError naming the setting (and
    where it is written) when it is not a folder, rather than "cannot read employers"."""
    path = settings.root / settings.config.employers_dir
    if path.is_dir():
        return path
    configured = settings.config.employers_dir
    if settings.config_path is not None:
        doc = load_bytes(settings.config_path.read_bytes())
        if isinstance(doc.data, dict) and "employers_dir" in doc.data:
            mark = doc.mark(("employers_dir",))
            raise ConfigError(
                f"{settings.config_path}:{mark.line}:{mark.column}: employers_dir: "
                f"{configured!r} is not a folder in {settings.root.resolve()}\n"
                "hint: create it, or set employers_dir to the folder that holds the employer "
                "files"
            )
    raise ConfigError(
        f"no {configured}/ folder in the repository {settings.root.resolve()}\nhint: create "
        "it (or "
        "`mijnloket-gitops import --all` to write files from live state), or set "
        "employers_dir in mijnloket-gitops.yaml"
    )


def use_color(stream: IO[str] | None = None) -> bool:
    """Colour as ``--color`` says; with ``auto``, only on a terminal and never when
    NO_COLOR is set (:mod:`.color`)."""
    return color_wanted(stream or sys.stdout)


GUARD_HELP = {
    "--allow-mass-deactivation": "Allow more product deactivations than safety.max_deactivation_"
    "share / max_deactivations.",
    "--allow-mass-revocation": "Allow more right revocations than safety.max_revocation_share"
    " / max_revocations.",
    "--allow-employer-share": "Allow changing more employers than safety.max_employer_share.",
    "--allow-downgrade": "Allow lowering an employer's tier.",
    "--allow-mijnloket-removal": "Allow switching MijnLoket off for an employer (its employees"
    " lose the portal).",
    "--allow-personal-data-grants": "Allow granting personal-data rights more often than"
    " safety.max_personal_data_grants.",
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
    return click.option(  # issue 23: change windows, never lifted by --force
        "--override-window",
        "override_window",
        multiple=True,
        metavar="NAME",
        help="Apply although change window NAME blocks it (repeatable); journaled.",
    )(func)


def overrides_from(options: dict[str, Any]) -> Overrides:
    """The ``Overrides`` for the guard flags among a command's keyword arguments."""
    allowed = frozenset(
        flag for flag in GUARD_HELP if options.get(flag[2:].replace("-", "_"), False)
    )
    windows = frozenset(options.get("override_window", ()))
    return Overrides(allowed, bool(options.get("force", False)), windows)


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
