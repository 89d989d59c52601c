"""``plan``: show what apply would change."""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import click

from mijnloket_gitops.apply.last_apply import base_with_last_apply, last_managed
from mijnloket_gitops.apply.lineage import JOURNAL_DIR, current_serial
from mijnloket_gitops.cli.common import (
    Choice,
    Progress,
    employers_dir,
    guard_options,
    overrides_from,
    repo_option,
    settings_for,
    target_options,
    use_color,
)
from mijnloket_gitops.cli.where import narrow, where_option
from mijnloket_gitops.config import Settings
from mijnloket_gitops.cost.plan_cost import with_cost
from mijnloket_gitops.errors import ExitCode, MijnloketError
from mijnloket_gitops.governance.approvals import with_approvals
from mijnloket_gitops.plan.build import PlanResult, make_plan
from mijnloket_gitops.plan.drift import only_drift, with_drift
from mijnloket_gitops.plan.model import Plan
from mijnloket_gitops.plan.ownership import Base, default_base_ref, read_base
from mijnloket_gitops.plan.render import RENDERERS, RenderOptions
from mijnloket_gitops.plan.safety import Overrides
from mijnloket_gitops.plan.saved import REFUSED, plan_state, write_plan
from mijnloket_gitops.plan.scope import Repository, load_repository
from mijnloket_gitops.plan.workers import PlanInWorkers
from mijnloket_gitops.providers.base import Provider
from mijnloket_gitops.providers.registry import open_provider
from mijnloket_gitops.validate.report.text import text_report
from mijnloket_gitops.words import plural


def report_invalid(repository: Repository, *, planned: bool) -> None:
    """Print the diagnostics of the invalid files (first, before any plan).

    Only the files with errors: in a portfolio onboarding with hundreds of
    ``evidence-pending`` warnings, one broken file would otherwise be lost among them
    (``validate`` lists the warnings).
    """
    validation = repository.validation
    if not validation.errors:
        return
    broken = {d.path for d in validation.diagnostics if d.severity == "error"}
    shown = replace(validation, diagnostics=[d for d in validation.diagnostics if d.path in broken])
    click.echo(text_report(shown, use_color()), err=True, nl=False)
    elsewhere = validation.warnings - shown.warnings
    if elsewhere:
        click.echo(
            f"({plural(elsewhere, 'warning')} in other files: `mijnloket-gitops validate` "
            "lists them.)",
            err=True,
        )
    if planned:
        count = len(repository.invalid)
        click.secho(
            f"{plural(count, 'invalid employer file')} left out of the plan:"
            f" {', '.join(repository.invalid)}. Fix {'it' if count == 1 else 'them'}; the "
            "other files are planned below.",
            fg="red",
            err=True,
        )


def load_valid_repository(
    settings: Settings,
    targets: tuple[str, ...],
    changed_since: str | None,
    *,
    saved_plan: bool = False,
) -> Repository:
    """The repository's files; prints the diagnostics and exits 1 if a file in scope is
    invalid (apply: nothing is applied while one is)."""
    employers_dir(settings)  # a missing folder is a configuration error, named as such
    repository = load_repository(
        settings, targets=targets, changed_since=changed_since, saved_plan=saved_plan
    )
    if repository.invalid_in_scope:
        report_invalid(repository, planned=False)
        click.secho(
            "Fix the employer files in scope first; nothing was applied: "
            + ", ".join(repository.invalid_in_scope),
            fg="red",
            err=True,
        )
        raise SystemExit(ExitCode.ERROR)
    return repository


def base_for(settings: Settings, base_ref: str | None, changed_since: str | None) -> Base | None:
    """The files at the base ref; None (with a note) when git cannot tell."""
    ref = base_ref or default_base_ref(changed_since)
    base = read_base(settings.root, settings.config.employers_dir, ref)
    if base is None and (base_ref or changed_since):
        raise MijnloketError(f"cannot read the employer files at {ref} (is it a git ref?)")
    return base


def plan_repository(
    settings: Settings,
    repository: Repository,
    overrides: Overrides,
    *,
    list_unmanaged: bool,
    base: Base | None = None,
    keep_live: bool = True,
    provider: Provider | None = None,
    serial: tuple[int, str] | None = None,
) -> PlanResult:
    """Plan the repository's files in scope, on ``provider`` (default: the configured
    one, opened and closed here); ``serial``: the lineage serial read before live state
    (default: read here, before live state is)."""
    with (
        contextlib.nullcontext(provider) if provider is not None else open_provider(settings)
    ) as provider:
        if serial is None:
            serial = current_serial(provider, settings.root)
        # issue 22: removals and drift since the last completed full apply
        last = last_managed(settings.root / JOURNAL_DIR, provider.target)
        if list_unmanaged:
            base = base_with_last_apply(base, last)
        progress = Progress(len(repository.in_scope), "Reading live state")
        try:
            result = make_plan(
                settings,
                provider,
                repository.in_scope,
                managed=repository.managed,
                overrides=overrides,
                progress=progress,
                list_unmanaged=list_unmanaged,
                keep_live=keep_live,
                base=base,
                scope=repository.scope,
                invalid_ids=repository.invalid_ids,
                planned=repository.planned,
                serial=serial,
            )
        finally:
            progress.close()
            for note in provider.notes():  # issue 20: cached or unproven capabilities
                click.echo(note, err=True)
        if last is None:
            return result
        return replace(result, plan=with_drift(result.plan, last.facts, last.time))


@contextlib.contextmanager
def readable_provider(settings: Settings) -> Iterator[Provider | None]:
    """The configured provider, opened for the block, if other processes can read it
    too (:meth:`Provider.reader`); otherwise None.

    ``plan`` opens it before reading the files so that the validation workers plan
    too (:mod:`plan.workers`). A provider without a reader (Loket.nl) is closed again
    at once and opened when planning, as before; so is one that cannot be opened, and
    why is reported then, after the invalid files, where it always was.
    """
    try:
        provider = open_provider(settings)
    except MijnloketError:
        yield None
        return
    if provider.reader() is None:
        provider.close()
        yield None
        return
    with provider:
        yield provider


def echo_overridden(plan: Plan) -> None:
    """Every guard a flag overrode, so that nobody forces a plan unknowingly."""
    for violation in plan.overridden:
        click.secho(
            f"overridden by {violation.overridden_by}: {violation.message} [{violation.guard}]",
            fg="yellow",
            err=True,
        )


@click.command()
@target_options
@click.option(
    "--format",
    "fmt",
    type=Choice(sorted(RENDERERS)),
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
    help="Exit 2 when there are changes, including employers newly unmanaged or taken"
    " over since the base ref (0 when there are none).",
)
@click.option(
    "--base",
    "base_ref",
    metavar="REF",
    help="Git ref to compare file ownership with [default: --changed-since, else the pull"
    " request's base branch in GitHub Actions, else HEAD].",
)
@click.option(
    "--refresh-only",
    is_flag=True,
    help="Show only what changed in Loket since the last completed apply (drift), not"
    " what the files change; nothing to apply, so not with --out.",
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
    base_ref: str | None,
    where: str | None,
    refresh_only: bool,
    repo: Path,
    **guards: bool,
) -> None:
    """Compare the employer files with live state and show the changes.

    Invalid files are listed first and left out; the valid ones are planned. Exit 0
    on success (with --detailed-exitcode: 0 no changes, 2 changes pending), 1 when a
    file is invalid or on errors, 3 when a safety guard refuses the plan.
    """
    if refresh_only and out is not None:
        raise click.UsageError("--refresh-only shows drift; there is nothing to save with --out")
    settings = settings_for(repo)
    employers_dir(settings)  # a missing folder is a configuration error, not "No changes"
    keep_live = out is not None  # only a saved plan carries the live state
    with readable_provider(settings) as provider:
        # issue 22: the lineage serial, read before live state (the workers read it)
        serial = current_serial(provider, settings.root) if provider is not None else None
        reader = provider.reader() if provider is not None else None
        repository = load_repository(
            settings,
            targets=targets,
            changed_since=changed_since,
            task=PlanInWorkers(reader, settings.catalog, keep_live=keep_live) if reader else None,
        )
        report_invalid(repository, planned=True)
        if where is not None:  # issue 15: selectors
            repository = narrow(settings, repository, where)
        base = base_for(settings, base_ref, changed_since)
        result = plan_repository(
            settings,
            repository,
            overrides_from(guards),
            list_unmanaged=True,
            base=base,
            keep_live=keep_live,
            provider=provider,
            serial=serial,
        )
    if refresh_only:  # issue 22
        if result.plan.drift is None:
            click.echo(
                "No completed full apply is journaled for this target, so what changed in"
                " Loket cannot be told apart from what the files change.",
                err=True,
            )
        result = dataclasses.replace(result, plan=only_drift(result.plan))
    priced = with_cost(settings, repository.in_scope, result.plan)  # issue 15
    priced = with_approvals(settings.config.approvals, settings.catalog, priced)  # issue 23
    result = dataclasses.replace(result, plan=priced)
    if repository.invalid:
        invalid = tuple(repository.invalid)
        result = dataclasses.replace(result, plan=dataclasses.replace(result.plan, invalid=invalid))
    repository_name = os.environ.get("GITHUB_REPOSITORY")
    options = RenderOptions(
        color=use_color(), title=f"Plan for {repository_name}" if repository_name else None
    )
    data = result.plan.data if fmt == "json" else result.plan.review_data
    if out is not None:  # issue 22: shown as saved, a refused plan visibly so
        data = {**data, "state": plan_state(result.plan)}
    click.echo(RENDERERS[fmt](data, options), nl=False)
    if out is not None:
        write_plan(out, result.plan, result.live)
        if plan_state(result.plan) == REFUSED:  # issue 22: kept for review, never applied
            click.echo(f"Saved the refused plan to {out}; apply will not run it.", err=True)
        else:
            click.echo(
                f"Saved the plan to {out}; apply it with `mijnloket-gitops apply {out}`.",
                err=True,
            )
    if repository.invalid:
        raise SystemExit(ExitCode.ERROR)
    if result.plan.violations:
        raise SystemExit(ExitCode.REFUSED)
    if result.plan.failed or result.plan.blocked:  # the others are planned; these listed
        raise SystemExit(ExitCode.ERROR)
    if detailed_exitcode and result.plan.needs_review:
        raise SystemExit(ExitCode.CHANGES)


COMMANDS = (plan,)
