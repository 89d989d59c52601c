"""The command line: a thin shell that parses options, calls the core and maps the
outcome to an exit code. Exceptions become exit codes in exactly one place,
:class:`_Group.invoke`; the codes are listed in :mod:`mijnloket_gitops.errors`.
"""

from __future__ import annotations

import contextlib
import difflib
import importlib
import os
import sys
import traceback
from pathlib import Path
from typing import Any, NoReturn

import click

from mijnloket_gitops import __version__
from mijnloket_gitops.cli.color import MODES, color_setting
from mijnloket_gitops.cli.common import FullHelpGroup
from mijnloket_gitops.errors import ExitCode, FileSystemError, MijnloketError

COMMANDS: dict[str, str] = {
    "validate": "validate_cmd",
    "explain": "validate_cmd",
    "catalog": "catalog_cmd",
    "schema": "catalog_cmd",
    "plan": "plan_cmd",
    "apply": "apply_cmd",
    "fmt": "fmt_cmd",
    "import": "import_cmd",
    "sandbox": "sandbox_cmd",
    "emulator": "emulator_cmd",
    "auth": "auth_cmd",
    "init": "init_cmd",
    "github": "github_cmd",
    "journal": "journal_cmd",
    # issue 10: the Loket.nl provider's own commands
    "loket": "loket_cmd",
    "show": "show_cmd",
    "edit": "edit_cmd",
    "report": "report_cmd",
    # issue 22: the apply locks
    "lock": "lock_cmd",
    "force-unlock": "lock_cmd",
    "windows": "windows_cmd",  # issue 23
    "policy": "policy_cmd",
}
"""Every command and the module under ``mijnloket_gitops.cli`` that defines it (in the
module's ``COMMANDS`` tuple). Modules are imported only when their command runs, so a
``validate`` does not pay for the HTTP client or the emulator."""


def _usage_error(error: click.UsageError) -> NoReturn:
    """Show a usage error as click does, but exit 64, never click's 2: ``plan
    --detailed-exitcode`` reserves 2 for "changes pending" (see errors.py)."""
    error.show()
    raise SystemExit(ExitCode.USAGE)


def _start_in(directories: tuple[Path, ...]) -> Path | None:
    """Where ``-C DIR [-C DIR ...]`` says to start: like git, each DIR is taken from the
    one before (``-C a -C b`` is ``a/b``; an absolute DIR starts afresh)."""
    if not directories:
        return None
    where = Path()
    for directory in directories:
        where = where / directory
        if not where.is_dir():
            raise click.UsageError(f"Invalid value for '-C': {str(where)!r} is not a folder.")
    return where


class _Group(FullHelpGroup):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0]
        if name not in COMMANDS and not name.startswith("-") and not ctx.resilient_parsing:
            # click can only suggest from commands it has loaded; ours load lazily.
            close = difflib.get_close_matches(name, COMMANDS, n=3, cutoff=0.6)
            hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
            raise click.UsageError(
                f"No such command {name!r}.{hint} (`mijnloket-gitops --help` lists the commands.)",
                ctx,
            )
        return super().resolve_command(ctx, args)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as error:
            _usage_error(error)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module_name = COMMANDS.get(cmd_name)
        if module_name is None:
            return None
        module = importlib.import_module(f"mijnloket_gitops.cli.{module_name}")
        commands: tuple[click.Command, ...] = module.COMMANDS
        return next((c for c in commands if c.name == cmd_name), None)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            # -C DIR: run as if started in DIR, as git -C does; the repository is then
            # found from there and relative paths are taken from there.
            directory = _start_in(ctx.params.get("directory") or ())
            with contextlib.chdir(directory) if directory else contextlib.nullcontext():
                return super().invoke(ctx)
        except click.UsageError as error:
            _usage_error(error)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:
            # The reader went away (`... | head`): nothing left to say, and nobody to say
            # it to; point stdout at /dev/null so the interpreter's final flush is quiet.
            with contextlib.suppress(OSError, ValueError):  # no file descriptor (tests)
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(ExitCode.ERROR)
        except OSError as error:
            # A path that is a file, a missing permission, a full disk: the user's to fix.
            fs_error = FileSystemError.from_os_error(error)
            click.secho(f"error: {fs_error}", fg="red", err=True)
            ctx.exit(fs_error.exit_code)
        except MijnloketError as error:
            click.secho(f"error: {error}", fg="red", err=True)
            ctx.exit(error.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted; run the same command again to resume", err=True)
            ctx.exit(ExitCode.INTERRUPTED)
        except Exception as error:
            if os.environ.get("MIJNLOKET_DEBUG"):
                traceback.print_exc()
            click.secho(
                f"internal error: {type(error).__name__}: {error}\n"
                "This is a bug in mijnloket-gitops; set MIJNLOKET_DEBUG=1 for the details "
                "and please report it.",
                fg="red",
                err=True,
            )
            ctx.exit(ExitCode.BUG)


@click.group(
    cls=_Group,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "-C",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    multiple=True,
    metavar="DIR",
    help="Run as if started in DIR: the repository is found from there and relative "
    "paths are taken from there (like git -C; several are taken one from the other).",
)
@click.option(
    "--color",
    type=click.Choice(MODES),
    default="auto",
    show_default=True,
    help="Colour the output: auto (on a terminal, unless NO_COLOR is set), always, never.",
)
@click.version_option(__version__, prog_name="mijnloket-gitops")
@click.pass_context
def cli(ctx: click.Context, directory: tuple[Path, ...], color: str) -> None:
    """MijnLoket and HR products in Loket.nl as configuration as code.

    Employer files in git say which products are on; validate checks them, plan
    compares them with Loket.nl (or the sandbox) and apply makes it so.

    Every command finds the configuration repository by walking up from the current
    directory to the first folder with mijnloket-gitops.yaml (else the git root), so
    it runs from any folder inside it.
    """
    ctx.color = color_setting(color)


def main() -> None:
    cli(prog_name="mijnloket-gitops")
