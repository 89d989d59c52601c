"""``apply``: perform a plan, journal it, verify the result."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any

import click

from mijnloket_gitops.apply.executor import Outcome, StepResult
from mijnloket_gitops.apply.journal import Journal
from mijnloket_gitops.apply.lock import ApplyLock
from mijnloket_gitops.apply.session import Session, SessionResult
from mijnloket_gitops.apply.workorder import build_work_order, write_work_order
from mijnloket_gitops.cli.common import guard_options, repo_option, settings_for, use_color
from mijnloket_gitops.cli.plan_cmd import load_valid_repository
from mijnloket_gitops.cli.show_cmd import render_saved
from mijnloket_gitops.config import Settings
from mijnloket_gitops.errors import ExitCode, MijnloketError, RefusedError
from mijnloket_gitops.gitutil import head_commit
from mijnloket_gitops.plan.build import PlanResult, make_plan
from mijnloket_gitops.plan.model import Plan
from mijnloket_gitops.plan.render import RENDERERS, RenderOptions
from mijnloket_gitops.plan.safety import Overrides
from mijnloket_gitops.plan.saved import check_current, read_plan
from mijnloket_gitops.plan.scope import Repository
from mijnloket_gitops.providers.base import Provider
from mijnloket_gitops.providers.registry import open_provider
from mijnloket_gitops.words import plural

STATE_DIR = ".mijnloket"
_COLORS = {Outcome.DONE: "green", Outcome.FAILED: "red"}


def _confirm(plan: Plan) -> None:
    if not sys.stdin.isatty():
        raise MijnloketError(
            "standard input is not a terminal, so there is nobody to confirm the plan;"
            " pass --auto-approve to apply it without asking (as CI does)"
        )
    answer = click.prompt(
        f"Apply {plural(len(plan.steps), 'change')}? Only 'yes' is accepted",
        default="",
        show_default=False,
    )
    if answer.strip() != "yes":
        click.echo("Apply cancelled; nothing was changed.")
        raise SystemExit(ExitCode.ERROR)


def _fresh_plan(
    settings: Settings,
    provider: Provider,
    repository: Repository,
    overrides: Overrides,
    *,
    auto_approve: bool,
) -> PlanResult:
    result = make_plan(
        settings,
        provider,
        repository.in_scope,
        managed_total=len(repository.all),
        overrides=overrides,
    )
    click.echo(RENDERERS["text"](result.plan.data, RenderOptions(color=use_color())), nl=False)
    if result.plan.has_changes and not result.plan.violations and not auto_approve:
        _confirm(result.plan)
    return result


def _saved_plan(
    settings: Settings,
    provider: Provider,
    repository: Repository,
    overrides: Overrides,
    saved: dict[str, Any],
) -> PlanResult:
    result = make_plan(
        settings,
        provider,
        repository.in_scope,
        managed_total=len(repository.all),
        overrides=overrides,
        list_unmanaged=False,
    )
    check_current(saved, result.plan.meta["desired_hashes"], result.live)
    # What runs is what was reviewed: show that plan, as it was saved.
    click.echo(render_saved(saved, "text"), nl=False)
    reviewed = {s["key"] for e in saved["employers"] for s in e["steps"]}
    extra = [s for s in result.plan.steps if s.key not in reviewed]
    if extra:  # cannot happen when check_current passed; kept as a last line of defence
        raise RefusedError(
            f"the plan would now also {extra[0].step.action} "
            f"{extra[0].step.subject}; make a new plan"
        )
    return result


def _echo_result(result: StepResult) -> None:
    step = result.planned.step
    outcome = click.style(f"{result.outcome:<8}", fg=_COLORS.get(result.outcome, "yellow"))
    detail = f"  ({result.detail})" if result.detail else ""
    click.echo(f"  {outcome}{step.action} {step.subject}  [{result.employer}]{detail}")


def _finish(outcome: SessionResult, work_order: tuple[Path, Path] | None) -> None:
    counts = Counter(r.outcome for r in outcome.results)
    click.echo(
        f"Apply finished: {counts[Outcome.DONE]} done, {counts[Outcome.FAILED]} failed,"
        f" {counts[Outcome.SKIPPED]} skipped, {counts[Outcome.MANUAL]} manual,"
        f" {counts[Outcome.BLOCKED]} blocked."
    )
    remaining = outcome.remaining
    if not remaining.has_changes:
        click.echo("Verified: live state matches the configuration.")
        return
    click.echo("Verification: live state still differs from the configuration:")
    for planned in remaining.steps:
        note = (
            f" (blocked: {planned.blocked})"
            if planned.blocked
            else (" (manual)" if planned.manual else "")
        )
        click.echo(f"  - {planned.step.action} {planned.step.subject}{note}")
    if not outcome.waiting:
        raise SystemExit(ExitCode.ERROR)
    if work_order:
        click.echo(f"Work order for the manual steps: {work_order[0]} (JSON: {work_order[1]})")
    click.echo(
        "Waiting for a person: the steps above happen in Loket.nl, outside this tool. "
        "Run `mijnloket-gitops apply --wait` or `plan` later to verify."
    )
    raise SystemExit(ExitCode.WAITING)


def _on_wait(plan: Plan) -> None:
    pending = sum(1 for s in plan.steps if s.manual or s.blocked)
    click.echo(
        f"  waiting for {plural(pending, 'manual step')} to show up in live state ...", err=True
    )


@click.command()
@click.argument(
    "plan_file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--target",
    "targets",
    multiple=True,
    metavar="EMPLOYER_ID",
    help="Only this employer (repeatable); not with PLAN_FILE.",
)
@click.option("--auto-approve", is_flag=True, help="Apply without asking (for CI).")
@click.option(
    "--wait",
    "wait",
    is_flag=True,
    help="Wait for manual steps to show up in live state, then finish the apply.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    default=3600.0,
    show_default=True,
    help="With --wait: how many seconds to wait at most.",
)
@click.option(
    "--poll-interval",
    type=click.FloatRange(min=0.1),
    default=15.0,
    show_default=True,
    help="With --wait: seconds between reads of live state.",
)
@click.option(
    "--work-order-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write the work order for manual steps [default: .mijnloket/work-order].",
)
@guard_options
@repo_option
def apply(
    plan_file: Path | None,
    targets: tuple[str, ...],
    auto_approve: bool,
    wait: bool,
    timeout: float,
    poll_interval: float,
    work_order_dir: Path | None,
    allow_downgrade: bool,
    allow_mijnloket_removal: bool,
    force: bool,
    repo: Path,
) -> None:
    """Make live state match the employer files.

    With PLAN_FILE (from `plan --out`), apply exactly that plan, refusing (exit 3)
    if the files or live state changed since. Without it, plan, show the plan and
    ask for confirmation. Exit 0 when live state matches afterwards, 1 on errors,
    3 when refused, 4 when steps wait for a person (a work order says which).
    """
    settings = settings_for(repo)
    saved = read_plan(plan_file) if plan_file else None
    if saved is not None:
        if targets:
            raise click.UsageError("--target cannot be combined with a plan file")
        targets = tuple(e["employer_id"] for e in saved["employers"])
    repository = load_valid_repository(settings, targets, None)
    overrides = Overrides(allow_downgrade, allow_mijnloket_removal, force)
    state = settings.root / STATE_DIR
    with open_provider(settings) as provider, ApplyLock(state / "locks", provider.target):
        if saved is not None:
            result = _saved_plan(settings, provider, repository, overrides, saved)
        else:
            result = _fresh_plan(
                settings, provider, repository, overrides, auto_approve=auto_approve
            )
        plan = result.plan
        if plan.violations:
            for violation in plan.violations:
                click.secho(
                    f"refused: {violation.message} (override: {violation.flag})", fg="red", err=True
                )
            raise SystemExit(ExitCode.REFUSED)
        if not plan.has_changes:
            click.echo("Nothing to apply.")
            return
        desired = {e.employer_id: e for _, e in repository.in_scope}
        order = build_work_order(plan, settings.catalog, desired)
        work_order = None
        if order is not None:
            work_order = write_work_order(work_order_dir or state / "work-order", order)
            click.echo(f"Manual steps: see the work order {work_order[0]}")

        def replan() -> Plan:
            return make_plan(
                settings,
                provider,
                repository.in_scope,
                managed_total=len(repository.all),
                overrides=Overrides(force=True),
                list_unmanaged=False,
            ).plan

        with Journal(state / "journal", commit=head_commit(settings.root), forced=force) as journal:
            click.echo(f"Applying (journal: {journal.path})")
            session = Session(provider, journal, replan, _echo_result, _on_wait)
            outcome = session.run(plan, wait_seconds=timeout if wait else 0, interval=poll_interval)
    _finish(outcome, work_order)


COMMANDS = (apply,)
