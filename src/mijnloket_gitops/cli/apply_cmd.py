"""``apply``: perform a plan, journal it, verify the result."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any

import click

from mijnloket_gitops import __version__
from mijnloket_gitops.apply.executor import Outcome, StepResult
from mijnloket_gitops.apply.journal import Journal
from mijnloket_gitops.apply.lock import ApplyLock
from mijnloket_gitops.apply.preflight import check_saved_plan
from mijnloket_gitops.apply.reconcile import reconcile
from mijnloket_gitops.apply.session import Session, SessionResult
from mijnloket_gitops.apply.workorder import build_work_order, write_work_order
from mijnloket_gitops.cli.common import (
    guard_options,
    overrides_from,
    repo_option,
    settings_for,
    use_color,
)
from mijnloket_gitops.cli.plan_cmd import echo_overridden, load_valid_repository
from mijnloket_gitops.config import Settings
from mijnloket_gitops.errors import ExitCode, MijnloketError, RefusedError
from mijnloket_gitops.gitutil import dirty_tree, head_commit
from mijnloket_gitops.plan.build import PlanResult, make_plan
from mijnloket_gitops.plan.model import Plan
from mijnloket_gitops.plan.render import RENDERERS, RenderOptions
from mijnloket_gitops.plan.safety import Overrides
from mijnloket_gitops.plan.saved import check_current, plan_id, read_plan
from mijnloket_gitops.plan.scope import Repository
from mijnloket_gitops.providers.base import Provider
from mijnloket_gitops.providers.registry import open_provider

STATE_DIR = ".mijnloket"
_COLORS = {Outcome.DONE: "green", Outcome.FAILED: "red"}


def _confirm(plan: Plan) -> None:
    if not sys.stdin.isatty():
        raise MijnloketError(
            "standard input is not a terminal, so there is nobody to confirm the plan;"
            " pass --auto-approve to apply it without asking (as CI does)"
        )
    answer = click.prompt(
        f"Apply {len(plan.steps)} changes? Only 'yes' is accepted", default="", show_default=False
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
        managed=repository.managed,
        overrides=overrides,
        scope=repository.scope,
        invalid_ids=repository.invalid_ids,
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
        managed=repository.managed,
        overrides=overrides,
        list_unmanaged=False,
        scope=repository.scope,
    )
    check_current(saved, result.plan.meta["desired_hashes"], result.live)
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
    click.echo(f"  waiting for {pending} manual step(s) to show up in live state ...", err=True)


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
    repo: Path,
    **guards: bool,
) -> None:
    """Make live state match the employer files.

    With PLAN_FILE (from `plan --out`), apply exactly that plan once, refusing (exit 3)
    if the files or live state changed since, if it already completed, if it is older
    than safety.max_plan_age_hours or was made against another provider target,
    catalog or tool version. Without it, plan, show the plan and ask for confirmation.
    Every attempt is journaled (`mijnloket-gitops journal`). Exit 0 when live state
    matches afterwards, 1 on errors, 3 when refused, 4 when steps wait for a person.
    """
    settings = settings_for(repo)
    if plan_file is not None and targets:
        raise click.UsageError("--target cannot be combined with a plan file")
    overrides = overrides_from(guards)
    state = settings.root / STATE_DIR
    root = settings.root
    with Journal(
        state / "journal",
        commit=head_commit(root),
        forced=overrides.force,
        dirty=dirty_tree(root),
    ) as journal:
        journal.record(
            "attempt",
            plan_file=str(plan_file) if plan_file else None,
            tool_version=__version__,
            overrides=sorted(overrides.allowed),
            force=overrides.force,
            targets=list(targets),
        )
        try:
            outcome, work_order = _attempt(
                settings,
                journal,
                plan_file,
                targets,
                overrides,
                auto_approve,
                work_order_dir,
                wait_seconds=timeout if wait else 0,
                interval=poll_interval,
            )
            if outcome is not None:
                _finish(outcome, work_order)
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else ExitCode.ERROR
            _finished(journal, _RESULTS.get(code, "error"), code)
            raise
        except MijnloketError as error:
            result = "refused" if isinstance(error, RefusedError) else "error"
            _finished(journal, result, error.exit_code, str(error))
            raise
        _finished(journal, "ok", ExitCode.OK)


_RESULTS: dict[int, str] = {
    ExitCode.OK: "ok",
    ExitCode.REFUSED: "refused",
    ExitCode.WAITING: "waiting",
    ExitCode.ERROR: "error",
}


def _finished(journal: Journal, result: str, code: int, message: str | None = None) -> None:
    if journal.failed:  # the journal itself failed; that error is being reported
        return
    fields: dict[str, Any] = {"result": result, "exit_code": int(code)}
    if message is not None:
        fields["message"] = message
    journal.record("finished", **fields)


def _attempt(
    settings: Settings,
    journal: Journal,
    plan_file: Path | None,
    targets: tuple[str, ...],
    overrides: Overrides,
    auto_approve: bool,
    work_order_dir: Path | None,
    *,
    wait_seconds: float,
    interval: float,
) -> tuple[SessionResult | None, tuple[Path, Path] | None]:
    """One apply attempt; returns None as outcome when there was nothing to apply."""
    state = settings.root / STATE_DIR
    saved = read_plan(plan_file) if plan_file else None
    saved_id = plan_id(saved) if saved is not None else None
    if saved is not None:
        meta = saved["meta"]
        journal.record(
            "plan",
            plan_id=saved_id,
            created_at=meta.get("created_at"),
            plan_commit=meta.get("git_commit"),
            plan_target=meta.get("provider_target"),
            plan_tool_version=meta.get("tool_version"),
        )
        targets = tuple(e["employer_id"] for e in saved["employers"])
    repository = load_valid_repository(settings, targets, None)
    with (
        open_provider(settings) as provider,
        ApplyLock(state / "locks", provider.target),
        provider.apply_lock(),
    ):
        journal.target = provider.target
        if saved is not None and saved_id is not None:
            check_saved_plan(saved, saved_id, settings, provider.target, state / "journal")
        for found in reconcile(provider, journal, state / "journal"):
            click.echo(
                f"Reconciled a step a killed apply left open: {found['action']}"
                f" {found.get('product') or found.get('right')} for {found['employer_id']}:"
                f" {found['found']} (journal {found['crashed_journal']})",
                err=True,
            )
        if saved is not None:
            result = _saved_plan(settings, provider, repository, overrides, saved)
        else:
            result = _fresh_plan(
                settings, provider, repository, overrides, auto_approve=auto_approve
            )
        plan = result.plan
        identity = saved_id or plan_id(plan.data)
        if saved is None:
            journal.record("plan", plan_id=identity, created_at=plan.meta.get("created_at"))
        if plan.overridden:
            if saved is not None:  # a fresh plan was shown with its overridden guards
                echo_overridden(plan)
            journal.record("guards-overridden", overridden=[v.data for v in plan.overridden])
        if plan.violations:
            journal.record("guards-refused", violations=[v.data for v in plan.violations])
            for violation in plan.violations:
                click.secho(
                    f"refused: {violation.message} (override: {violation.flag})", fg="red", err=True
                )
            raise SystemExit(ExitCode.REFUSED)
        if not plan.has_changes:
            journal.record("plan-completed", plan_id=identity, steps=0)
            click.echo("Nothing to apply.")
            return None, None
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
                managed=repository.managed,
                overrides=Overrides(force=True),
                list_unmanaged=False,
            ).plan

        click.echo(f"Applying (journal: {journal.path})")
        journal.record("plan-started", plan_id=identity, steps=len(plan.steps))
        session = Session(provider, journal, replan, _echo_result, _on_wait)
        outcome = session.run(plan, wait_seconds=wait_seconds, interval=interval)
        journal.record(
            "verification",
            remaining=[s.data for s in outcome.remaining.steps],
            matches=not outcome.remaining.has_changes,
        )
        if not outcome.remaining.has_changes:
            journal.record("plan-completed", plan_id=identity, steps=len(plan.steps))
    return outcome, work_order


COMMANDS = (apply,)
