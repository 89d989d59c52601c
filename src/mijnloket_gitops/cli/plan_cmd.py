"""``plan``: show what apply would change."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import click

from mijnloket_gitops.cli.common import (
    Progress,
    guard_options,
    repo_option,
    settings_for,
    target_options,
    use_color,
)
from mijnloket_gitops.cli.where import selected, where_option
from mijnloket_gitops.config import Settings
from mijnloket_gitops.cost.plan_cost import plan_cost
from mijnloket_gitops.errors import ExitCode
from mijnloket_gitops.plan.build import PlanResult, make_plan
from mijnloket_gitops.plan.render import RENDERERS, RenderOptions
from mijnloket_gitops.plan.safety import Overrides
from mijnloket_gitops.plan.saved import write_plan
from mijnloket_gitops.plan.scope import Repository, load_repository
from mijnloket_gitops.providers.registry import open_provider
from mijnloket_gitops.validate.report.text import text_report


def load_valid_repository(
    settings: Settings, targets: tuple[str, ...], changed_since: str | None
) -> Repository:
    """The repository's files; prints the diagnostics and exits 1 if any file is invalid."""
    repository = load_repository(settings, targets=targets, changed_since=changed_since)
    if repository.validation.errors:
        click.echo(text_report(repository.validation, use_color()), err=True, nl=False)
        click.secho("Fix the employer files first; nothing was planned.", fg="red", err=True)
        raise SystemExit(ExitCode.ERROR)
    return repository


def plan_repository(
    settings: Settings, repository: Repository, overrides: Overrides, *, list_unmanaged: bool
) -> PlanResult:
    with open_provider(settings) as provider:
        progress = Progress(len(repository.in_scope), "Reading live state")
        try:
            return make_plan(
                settings,
                provider,
                repository.in_scope,
                managed_total=len(repository.all),
                overrides=overrides,
                progress=progress,
                list_unmanaged=list_unmanaged,
            )
        finally:
            progress.close()


@click.command()
@target_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(RENDERERS)),
    default="text",
    show_default=True,
    help="text for people, markdown for a pull-request comment, json for tools.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Save the plan so that `apply FILE` applies exactly this.",
)
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 2 when there are changes (0 when there are none).",
)
@guard_options
@where_option
@repo_option
def plan(
    targets: tuple[str, ...],
    changed_since: str | None,
    fmt: str,
    out: Path | None,
    detailed_exitcode: bool,
    allow_downgrade: bool,
    allow_mijnloket_removal: bool,
    force: bool,
    where: str | None,
    repo: Path,
) -> None:
    """Compare the employer files with live state and show the changes.

    Exit 0 on success (with --detailed-exitcode: 0 no changes, 2 changes pending),
    1 on errors, 3 when a safety guard refuses the plan.
    """
    settings = settings_for(repo)
    repository = load_valid_repository(settings, targets, changed_since)
    if where is not None:  # issue 15: selectors
        picked = selected(settings, repository.in_scope, where)
        repository = dataclasses.replace(repository, in_scope=list(picked))
    overrides = Overrides(allow_downgrade, allow_mijnloket_removal, force)
    result = plan_repository(settings, repository, overrides, list_unmanaged=True)
    if settings.config.pricing is not None:  # issue 15: the monthly cost delta
        cost = plan_cost(
            settings.config.pricing, settings.catalog, repository.in_scope, result.live
        )
        result = dataclasses.replace(result, plan=dataclasses.replace(result.plan, cost=cost))
    repository_name = os.environ.get("GITHUB_REPOSITORY")
    options = RenderOptions(
        color=use_color(), title=f"Plan for {repository_name}" if repository_name else None
    )
    click.echo(RENDERERS[fmt](result.plan.data, options), nl=False)
    if out is not None:
        write_plan(out, result.plan, result.live)
        click.echo(
            f"Saved the plan to {out}; apply it with `mijnloket-gitops apply {out}`.", err=True
        )
    if result.plan.violations:
        raise SystemExit(ExitCode.REFUSED)
    if detailed_exitcode and result.plan.has_changes:
        raise SystemExit(ExitCode.CHANGES)


COMMANDS = (plan,)
