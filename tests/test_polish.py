"""Smaller findings of the operator's first week, each with its test."""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import Result

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.cli.main import cli
from mijnloket_gitops.errors import ExitCode
from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.sandbox.drift import LiveDraft, grant, revoke

RunCli = Callable[..., Result]
EXAMPLES = Path(__file__).resolve().parent.parent / "employers"
RIGHT = "Raadplegen MijnLoket e-mailadres"


def test_seed_drift_never_grants_and_revokes_the_same_right_of_one_user(catalog: Catalog) -> None:
    employer = EmployerFile.model_validate(
        {
            "version": 1,
            "employer_id": "0d7c5a3b-1f7e-4f8e-9a55-2b8c7f1e9a10",
            "name": "Bakkerij",
            "addendum": {"status": "signed", "signed_on": "2025-01-01", "ticket": "LKT-1"},
            "tier": "start",
            "products": ["MijnLoket"],
            "users": [{"login": "hr@bakkerij.nl", "type": "werkgevergebruiker", "rights": [RIGHT]}],
        }
    )
    for seed in range(20):
        draft = LiveDraft.from_file(employer)
        granted = grant(catalog, draft, random.Random(seed))
        revoked = revoke(catalog, draft, random.Random(seed))
        assert granted and revoked
        assert "hr@bakkerij.nl" in granted and "hr@bakkerij.nl" not in revoked
        assert RIGHT not in draft.rights["hr@bakkerij.nl"], "the grant drift stands"


def test_a_corrupt_sandbox_names_the_way_out(run_cli: RunCli, tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "employers")
    (tmp_path / "mijnloket-gitops.yaml").write_text("version: 1\n", encoding="utf-8")
    (tmp_path / ".mijnloket").mkdir()
    (tmp_path / ".mijnloket" / "sandbox.sqlite").write_text("garbage", encoding="utf-8")
    planned = run_cli("-C", tmp_path, "plan")
    assert planned.exit_code == ExitCode.ERROR
    assert "`mijnloket-gitops sandbox seed --reset`" in planned.stderr
    assert run_cli("-C", tmp_path, "sandbox", "seed", "--reset").exit_code == 0
    assert run_cli("-C", tmp_path, "plan").exit_code == 0


def test_seed_counts_one_employer_in_english(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "employers").mkdir()
    shutil.copy(EXAMPLES / "bakkerij-de-vries.yaml", tmp_path / "employers")
    (tmp_path / "mijnloket-gitops.yaml").write_text("version: 1\n", encoding="utf-8")
    seeded = run_cli("-C", tmp_path, "sandbox", "seed")
    assert seeded.exit_code == 0, seeded.output
    assert ": 1 employer from their files (0 differ live)" in seeded.output, seeded.output


def test_explain_says_requires(run_cli: RunCli) -> None:
    result = run_cli("explain", EXAMPLES / "bakkerij-de-vries.yaml")
    assert "requires: " in result.output and "pulls in" not in result.output


def _commands(group: click.Group, ctx: click.Context) -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        found.append((name, command))
        if isinstance(command, click.Group):
            found += [(f"{name} {n}", c) for n, c in _commands(command, ctx)]
    return found


def test_help_lists_every_command_in_full_and_every_option_has_help(
    run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    ctx = click.Context(cli)
    for path, command in [("", cli), *_commands(cli, ctx)]:
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden:
                assert param.help, f"{path} {param.opts[0]} has no help"
        if not isinstance(command, click.Group):
            continue
        shown = run_cli(*path.split(), "--help").output
        listing = shown.split("Commands:", 1)[1]
        assert "..." not in listing, f"`{path} --help` cuts a command's help short"
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None
            first = sub.get_short_help_str(limit=1_000)
            assert " ".join(first.split()) in " ".join(listing.split()), first


def test_shell_completion_is_documented_and_works(run_cli: RunCli) -> None:
    readme = (EXAMPLES.parent / "README.md").read_text(encoding="utf-8")
    assert "_MIJNLOKET_GITOPS_COMPLETE=bash_source" in readme
    from click.testing import CliRunner

    result = CliRunner().invoke(
        cli,
        [],
        prog_name="mijnloket-gitops",
        env={"_MIJNLOKET_GITOPS_COMPLETE": "bash_source"},
        complete_var="_MIJNLOKET_GITOPS_COMPLETE",
    )
    assert "complete -o nosort -F" in result.output
