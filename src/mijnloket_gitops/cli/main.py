"""The command line: a thin shell that parses options, calls the core and maps the
outcome to an exit code. Exceptions become exit codes in exactly one place,
:class:`_Group.invoke`; the codes are listed in :mod:`mijnloket_gitops.errors`.
"""

from __future__ import annotations

import importlib
import os
import traceback
from typing import Any

import click

from mijnloket_gitops import __version__
from mijnloket_gitops.errors import ExitCode, MijnloketError

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
    # issue 15: portfolio operations
    "edit": "edit_cmd",
    "report": "report_cmd",
}
"""Every command and the module under ``mijnloket_gitops.cli`` that defines it (in the
module's ``COMMANDS`` tuple). Modules are imported only when their command runs, so a
``validate`` does not pay for the HTTP client or the emulator."""


class _Group(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module_name = COMMANDS.get(cmd_name)
        if module_name is None:
            return None
        module = importlib.import_module(f"mijnloket_gitops.cli.{module_name}")
        commands: tuple[click.Command, ...] = module.COMMANDS
        return next((c for c in commands if c.name == cmd_name), None)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except MijnloketError as error:
            click.secho(f"error: {error}", fg="red", err=True)
            ctx.exit(error.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
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


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mijnloket-gitops")
def cli() -> None:
    """MijnLoket and HR products in Loket.nl as configuration as code.

    Employer files in git say which products are on; validate checks them, plan
    compares them with Loket.nl (or the sandbox) and apply makes it so.
    """


def main() -> None:
    cli(prog_name="mijnloket-gitops")
