"""``policy test``: run the configuration's policies against example inputs (issue 23)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from mijnloket_gitops.cli.common import Choice, repo_option, settings_for
from mijnloket_gitops.errors import ConfigError, ExitCode
from mijnloket_gitops.governance.policy_tests import DEFAULT_DIR, case_files, run_file


@click.group()
def policy() -> None:
    """The house rules (policies: in mijnloket-gitops.yaml)."""


@policy.command("test")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=Choice(["json", "text"]),
    default="text",
    show_default=True,
    help="text for people, json for tools.",
)
@repo_option
def test(paths: tuple[Path, ...], fmt: str, repo: Path) -> None:
    """Run the policies against example inputs with expected outcomes.

    PATHS are test files or folders (default: policy-tests/ in the repository); each
    file is a YAML list of cases with name, policy, employer (or file), step (for step
    policies) and expect: pass, fail or error. Exit 0 when every case comes out as
    expected, 1 otherwise.
    """
    settings = settings_for(repo, required=False)
    if not paths:
        folder = settings.root / DEFAULT_DIR
        if not folder.is_dir():
            raise ConfigError(
                f"no {DEFAULT_DIR}/ folder in {settings.root.resolve()}\n"
                f"hint: write policy tests there, or name test files: policy test FILE..."
            )
        paths = (folder,)
    files = case_files(paths)
    results = [r for path in files for r in run_file(path, settings.config.policies)]
    failed = [r for r in results if not r.ok]
    if fmt == "json":
        data = [
            {"path": r.path, "line": r.line, "name": r.name, "ok": r.ok, "detail": r.detail}
            for r in results
        ]
        click.echo(json.dumps({"results": data}, indent=2, ensure_ascii=False))
    else:
        for r in results:
            mark = click.style("PASS", fg="green") if r.ok else click.style("FAIL", fg="red")
            detail = f": {r.detail}" if r.detail else ""
            click.echo(f"{mark} {r.path}:{r.line} {r.name}{detail}")
        click.echo(f"{len(results) - len(failed)} passed, {len(failed)} failed.")
    if failed or not results:
        if not results:
            click.echo("No policy test cases found.", err=True)
        raise SystemExit(ExitCode.ERROR)


COMMANDS = (policy,)
