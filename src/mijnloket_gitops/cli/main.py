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


class _Group(click.Group):
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


# Each module lists its click commands in COMMANDS; one line per module here.
COMMAND_MODULES = (
    "validate_cmd",
    "catalog_cmd",
    "plan_cmd",
    "apply_cmd",
    "sandbox_cmd",
    "fmt_cmd",
    "emulator_cmd",
    "auth_cmd",
    "github_cmd",
    "init_cmd",
    "import_cmd",
)


def _register() -> None:
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"mijnloket_gitops.cli.{name}")
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def main() -> None:
    cli(prog_name="mijnloket-gitops")
