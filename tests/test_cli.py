"""The command registry: every command module's commands are reachable by name."""

from __future__ import annotations

import importlib
from pathlib import Path

import click
from click.testing import CliRunner

from mijnloket_gitops.cli.main import COMMANDS, cli
from mijnloket_gitops.errors import ExitCode

CLI_DIR = Path(__file__).resolve().parent.parent / "src" / "mijnloket_gitops" / "cli"


def test_every_command_module_is_registered_by_name() -> None:
    for path in sorted(CLI_DIR.glob("*_cmd.py")):
        module = importlib.import_module(f"mijnloket_gitops.cli.{path.stem}")
        names = [command.name for command in module.COMMANDS]
        assert names, path
        for name in names:
            assert COMMANDS.get(str(name)) == path.stem, f"{name} from {path.name}"


def test_every_registered_command_resolves() -> None:
    context = click.Context(cli)
    for name in COMMANDS:
        command = cli.get_command(context, name)
        assert command is not None and command.name == name


def test_help_lists_every_command() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in COMMANDS:
        assert name in result.output


def test_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["nope"])
    assert result.exit_code == ExitCode.USAGE and "No such command" in result.output
