"""What one ``apply`` attempt does, step by step, with its output.

The command (:mod:`apply_cmd`) wraps this in a journal, so that every attempt, also a
refused or failed one, is recorded with its result.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any

import click

from mijnloket_gitops.apply.executor import Outcome, StepResult
from mijnloket_gitops.apply.journal import Journal
from mijnloket_gitops.apply.lock import ApplyLock
from mijnloket_gitops.apply.preflight import check_saved_plan
from mijnloket_gitops.apply.reconcile import reconcile
from mijnloket_gitops.apply.session import Session, SessionResult
from mijnloket_gitops.apply.workorder import build_work_order, write_work_order
from mijnloket_gitops.cli.common import (
    use_color,
)
from mijnloket_gitops.cli.plan_cmd import echo_overridden, load_valid_repository
from mijnloket_gitops.cli.show_cmd import render_saved
from mijnloket_gitops.cli.windows_cmd import enforce_windows
from mijnloket_gitops.config import Settings
from mijnloket_gitops.cost.plan_cost import with_cost
from mijnloket_gitops.errors import ExitCode, MijnloketError, RefusedError
from mijnloket_gitops.plan.build import PlanResult, make_plan
from mijnloket_gitops.plan.model import UNVERIFIED_FLAG, Plan
from mijnloket_gitops.plan.render import RENDERERS, RenderOptions
from mijnloket_gitops.plan.safety import Overrides
from mijnloket_gitops.plan.saved import check_current, plan_id, read_plan
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
        managed=repository.managed,
        overrides=overrides,
        scope=repository.scope,
        invalid_ids=repository.invalid_ids,
    )
    # What the approver reads, with the cost delta where prices are configured.
    shown = with_cost(settings, repository.in_scope, result.plan)
    click.echo(RENDERERS["text"](shown.review_data, RenderOptions(color=use_color())), nl=False)
    refused = result.plan.violations or result.plan.window_refusals
    if result.plan.has_changes and not refused and not auto_approve:
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


def _unread(plan: Plan) -> None:
    """Employers that could not be read were not applied: name them, exit 1 (issue 10)."""
    if plan.failed:
        click.secho(
            f"{len(plan.failed)} employer(s) could not be read and were not applied:",
            fg="red",
            err=True,
        )
        for failure in plan.failed:
            click.echo(f"  {failure.path} ({failure.employer_id}): {failure.message}", err=True)
        raise SystemExit(ExitCode.ERROR)


def finish(outcome: SessionResult, work_order: tuple[Path, Path] | None) -> None:
    counts = Counter(r.outcome for r in outcome.results)
    click.echo(
        f"Apply finished: {counts[Outcome.DONE]} done, {counts[Outcome.FAILED]} failed,"
        f" {counts[Outcome.SKIPPED]} skipped, {counts[Outcome.MANUAL]} manual,"
        f" {counts[Outcome.BLOCKED]} blocked."
    )
    unverified = sum(
        1
        for r in outcome.results
        if r.outcome == Outcome.DONE and UNVERIFIED_FLAG in r.planned.flags
    )
    if unverified:
        click.echo(
            f"{unverified} rights step(s) were sent but cannot be verified: Loket.nl does not"
            " show those rights (marked unverified in the journal)."
        )
    remaining = outcome.remaining
    if not remaining.has_changes:
        _unread(remaining)
        click.echo("Verified: live state matches the configuration.")
        return
    click.echo("Verification: live state still differs from the configuration:")
    for employer in remaining.changed:
        click.echo(f"  {employer.name} ({employer.path}):")
        for planned in employer.steps:
            note = (
                " (held: the file says evidence: pending)"
                if planned.held
                else f" (blocked: {planned.blocked})"
                if planned.blocked
                else (" (manual)" if planned.manual else "")
            )
            click.echo(f"    - {planned.step.action} {planned.step.subject}{note}")
    _unread(remaining)
    held = [s for s in remaining.steps if s.held]
    if len(held) == len(remaining.steps) and not outcome.failed:
        # what the files ask to apply is applied; the rest waits for evidence in git,
        # not for a person in Loket.nl: nothing to wait for, no work order
        click.echo(
            f"{plural(len(held), 'step')} held back until the addendum's evidence is filled"
            " in (signed_on, ticket) and `evidence: pending` is removed from the file."
        )
        return
    if not outcome.waiting:
        raise SystemExit(ExitCode.ERROR)
    if work_order:
        click.echo(f"Work order for the manual steps: {work_order[0]} (JSON: {work_order[1]})")
    click.echo(
        "Waiting for a person: the steps above happen in Loket.nl, outside this tool. "
        "Run `mijnloket-gitops apply --wait` or `plan` later to verify."
    )
    raise SystemExit(ExitCode.WAITING)


def _rewrite_work_order(
    remaining: Plan, settings: Settings, desired: dict[str, Any], directory: Path
) -> tuple[Path, Path] | None:
    order = build_work_order(remaining, settings.catalog, desired)
    if order is not None:
        return write_work_order(directory, order)
    for name in ("work-order.md", "work-order.json"):
        (directory / name).unlink(missing_ok=True)
    return None


def _on_wait(plan: Plan) -> None:
    pending = sum(1 for s in plan.steps if s.manual or s.blocked)
    click.echo(
        f"  waiting for {plural(pending, 'manual step')} to show up in live state ...", err=True
    )


def attempt(
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
    repository = load_valid_repository(settings, targets, None, saved_plan=saved is not None)
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
        enforce_windows(plan, journal)  # issue 23: change windows, exit 3
        if not plan.has_changes:
            journal.record("plan-completed", plan_id=identity, steps=0)
            click.echo("Nothing to apply.")
            _unread(plan)
            return None, None
        desired = {e.employer_id: e for _, e in repository.in_scope}
        order = build_work_order(plan, settings.catalog, desired)
        work_order = None
        if order is not None:
            work_order = write_work_order(work_order_dir or state / "work-order", order)
            click.echo(f"Manual steps: see the work order {work_order[0]}")

        def replan(only: frozenset[str] | None = None) -> Plan:
            scope = [d for d in repository.in_scope if only is None or d[1].employer_id in only]
            return make_plan(
                settings,
                provider,
                scope,
                managed=repository.managed,
                overrides=Overrides(force=True),
                list_unmanaged=False,
            ).plan

        click.echo(f"Applying (journal: {journal.path})")
        journal.record("plan-started", plan_id=identity, steps=len(plan.steps))
        session = Session(provider, journal, replan, _echo_result, _on_wait, replan_some=replan)
        outcome = session.run(plan, wait_seconds=wait_seconds, interval=interval)
        # What is left for a person after the run (steps Loket refused at apply time
        # included); a finished apply removes its work order (issue 10).
        work_order = _rewrite_work_order(
            outcome.remaining, settings, desired, work_order_dir or state / "work-order"
        )
        journal.record(
            "verification",
            remaining=[s.data for s in outcome.remaining.steps],
            matches=not outcome.remaining.has_changes,
        )
        if not outcome.remaining.has_changes:
            journal.record("plan-completed", plan_id=identity, steps=len(plan.steps))
    return outcome, work_order
