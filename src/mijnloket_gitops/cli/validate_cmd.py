"""``validate`` and ``explain``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from mijnloket_gitops.cli.common import Choice, employers_dir, repo_option, settings_for, use_color
from mijnloket_gitops.cli.where import selected, where_option
from mijnloket_gitops.errors import ExitCode
from mijnloket_gitops.explain import explain_employer, render_explanation
from mijnloket_gitops.gitutil import changed_files
from mijnloket_gitops.validate.report import REPORTERS
from mijnloket_gitops.validate.report.text import text_report
from mijnloket_gitops.validate.runner import validate_paths


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=Choice(sorted(REPORTERS)),
    default="text",
    show_default=True,
    help="text for people, json for scripts, github for annotations, sarif for code scanning.",
)
@click.option("--strict", is_flag=True, help="Warnings fail the run too.")
@click.option(
    "--changed-since",
    metavar="REF",
    help="Report only files changed since this git ref (cross-file rules still see all).",
)
@repo_option
def validate(
    paths: tuple[Path, ...], fmt: str, strict: bool, changed_since: str | None, repo: Path
) -> None:
    """Check employer files: schema, catalog and domain rules.

    PATHS are files or directories (default: the repository's employers/).
    Exit 0 when there are no errors, 1 when there are (or warnings with --strict).
    """
    settings = settings_for(repo, required=not paths)
    only = changed_files(repo, changed_since) if changed_since else None
    result = validate_paths(
        list(paths) or [employers_dir(settings)],
        settings.catalog,
        require_tier=settings.config.require_tier,
        report_only=only,
        policies=settings.config.policies,  # issue 23
    )
    click.echo(REPORTERS[fmt](result, use_color()), nl=False)
    if result.errors or (strict and result.warnings):
        raise SystemExit(ExitCode.ERROR)


@click.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for scripts.",
)
@where_option
@click.option("--changed-since", metavar="REF", help="Only files changed since this git ref.")
@repo_option
def explain(
    files: tuple[Path, ...], fmt: str, where: str | None, changed_since: str | None, repo: Path
) -> None:
    """Show the derived tier of employer files and why.

    ``--format json`` prints a list with one object per valid file, however many.

    Lists the products that raise the tier to Plus or Pro, the features included in
    Start and the products each product requires (they must be listed too). FILES are
    files or directories (default with --where or --changed-since: the repository's
    employers/), narrowed by --where and --changed-since. With `pricing:` in
    mijnloket-gitops.yaml, also the monthly cost. Exit 1 if a file is invalid.
    """
    if not files and where is None and changed_since is None:
        raise click.UsageError("give FILE..., --where EXPR or --changed-since REF")
    settings = settings_for(repo, required=not files)
    result = validate_paths(
        list(files) or [employers_dir(settings)],
        settings.catalog,
        require_tier=settings.config.require_tier,
    )
    explanations = [
        explain_employer(settings.catalog, employer, path, settings.config.pricing)
        for path, employer in selected(settings, result.employers, where, changed_since)
    ]
    if fmt == "json":
        # always a list (one entry per valid file), so a script reads one shape
        data = [e.data for e in explanations]
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        click.echo("\n".join(render_explanation(e) for e in explanations), nl=False)
    if result.errors:
        click.echo(text_report(result, use_color()), err=True, nl=False)
        raise SystemExit(ExitCode.ERROR)


COMMANDS = (validate, explain)
