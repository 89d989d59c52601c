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

from mijnloket_gitops.apply.binding import (
    apply_base,
    bound_overrides,
    refuse_refused,
    refuse_tampered,
    violation_line,
)
from mijnloket_gitops.apply.executor import Outcome, StepResult
from mijnloket_gitops.apply.journal import Journal
from mijnloket_gitops.apply.last_apply import (
    base_with_last_apply,
    last_managed,
    record_managed,
)
from mijnloket_gitops.apply.lineage import Lineage
from mijnloket_gitops.apply.lock import ApplyLock
from mijnloket_gitops.apply.preflight import check_saved_plan
from mijnloket_gitops.apply.reconcile import reconcile
from mijnloket_gitops.apply.session import Session, SessionResult
from mijnloket_gitops.apply.shared_lock import shared_lock
from mijnloket_gitops.apply.workorder import build_work_order, wait_command, write_work_order
from mijnloket_gitops.cli.common import Progress, use_color
from mijnloket_gitops.cli.plan_cmd import echo_overridden, load_valid_repository
from mijnloket_gitops.cli.show_cmd import render_saved
from mijnloket_gitops.cli.windows_cmd import enforce_windows
from mijnloket_gitops.config import Settings
from mijnloket_gitops.cost.plan_cost import with_cost
from mijnloket_gitops.errors import ExitCode, MijnloketError, RefusedError
from mijnloket_gitops.plan.build import PlanResult, make_plan
from mijnloket_gitops.plan.model import Plan
from mijnloket_gitops.plan.ownership import Base
from mijnloket_gitops.plan.render import RENDERERS, RenderOptions
from mijnloket_gitops.plan.render.common import not_read
from mijnloket_gitops.plan.replay import ReplayProvider, saved_base
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


def _read_and_plan(
    settings: Settings,
    provider: Provider,
    repository: Repository,
    overrides: Overrides,
    base: Base | None,
) -> PlanResult:
    """The plan apply works from, with progress while live state is read."""
    progress = Progress(len(repository.in_scope), "Reading live state")
    try:
        return make_plan(
            settings,
            provider,
            repository.in_scope,
            managed=repository.managed,
            overrides=overrides,
            progress=progress,
            base=base,
            scope=repository.scope,
            invalid_ids=repository.invalid_ids,
        )
    finally:
        progress.close()


def _fresh_plan(
    settings: Settings,
    provider: Provider,
    repository: Repository,
    overrides: Overrides,
    base: Base | None,
    *,
    auto_approve: bool,
) -> PlanResult:
    result = _read_and_plan(settings, provider, repository, overrides, base)
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
    base: Base | None,
) -> PlanResult:
    result = _read_and_plan(settings, provider, repository, overrides, base)
    check_current(saved, result.plan.meta["desired_hashes"], result.live)
    # issue 22: what is shown is what runs: the saved steps must be the planner's own
    replayed = make_plan(
        settings,
        ReplayProvider(provider, saved_base(saved, result.live)),
        repository.in_scope,
        managed=repository.managed,
        overrides=overrides,
        list_unmanaged=False,
        scope=repository.scope,
    )
    refuse_tampered(saved, replayed.plan)
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
        click.echo(not_read(plan.data), err=True)  # issue 20: why, and what to do
    if plan.blocked:
        click.secho(
            f"{len(plan.blocked)} file(s) blocked by their employer_id were not applied:",
            fg="red",
            err=True,
        )
        for blocked in plan.blocked:
            click.echo(f"  {blocked.message}", err=True)
    if plan.failed or plan.blocked:
        raise SystemExit(ExitCode.ERROR)


def wait_hint(remaining: Plan, plan_file: Path | None) -> str:
    """The command that waits on exactly the outstanding steps (issue 20)."""
    ids = list(dict.fromkeys(e.employer_id for e in remaining.changed))
    source = f" of the saved plan {plan_file}" if plan_file is not None else ""
    return (
        f"Run `{wait_command(ids)}` later: it waits on the {plural(len(ids), 'employer')}"
        f"{source} with steps left, or `plan` to verify."
    )


def finish(
    outcome: SessionResult, work_order: tuple[Path, Path] | None, plan_file: Path | None = None
) -> None:
    counts = Counter(r.outcome for r in outcome.results)
    click.echo(
        f"Apply finished: {counts[Outcome.DONE]} done, {counts[Outcome.FAILED]} failed,"
        f" {counts[Outcome.SKIPPED]} skipped, {counts[Outcome.MANUAL]} manual,"
        f" {counts[Outcome.BLOCKED]} blocked."
    )
    unverified = sum(1 for r in outcome.results if r.unverified)
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
        + wait_hint(remaining, plan_file)
    )
    raise SystemExit(ExitCode.WAITING)


def _rewrite_work_order(
    remaining: Plan,
    settings: Settings,
    desired: dict[str, Any],
    directory: Path,
    why_manual: list[str],
) -> tuple[Path, Path] | None:
    order = build_work_order(remaining, settings.catalog, desired, why_manual)
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
    base_ref: str | None = None,
    lock_timeout: float = 0.0,
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
        refuse_refused(saved)  # issue 22: what plan refused, apply refuses
        overrides = bound_overrides(saved, overrides)
    base = apply_base(settings, saved, base_ref)
    repository = load_valid_repository(settings, targets, None, saved_plan=saved is not None)
    with (
        open_provider(settings) as provider,
        ApplyLock(state / "locks", provider.target, lock_timeout),
        provider.apply_lock(),
        shared_lock(settings, provider.target, saved_id, lock_timeout),  # issue 22
    ):
        journal.target = provider.target
        lineage = Lineage(provider, state / "journal")
        base = base_with_last_apply(base, last_managed(state / "journal", provider.target))
        # a saved plan's own scope (its employers are loaded as targets)
        scope = saved["meta"].get("scope", {}) if saved is not None else repository.scope
        scope_kind = str(scope.get("kind", "all"))
        if saved is not None and saved_id is not None:
            check_saved_plan(
                saved,
                saved_id,
                settings,
                provider.target,
                state / "journal",
                lineage=lineage.history(),
            )
        for found in reconcile(provider, journal, state / "journal"):
            click.echo(
                f"Reconciled a step a killed apply left open: {found['action']}"
                f" {found.get('product') or found.get('right')} for {found['employer_id']}:"
                f" {found['found']} (journal {found['crashed_journal']})",
                err=True,
            )
        if saved is not None:
            result = _saved_plan(settings, provider, repository, overrides, saved, base)
        else:
            result = _fresh_plan(
                settings, provider, repository, overrides, base, auto_approve=auto_approve
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
                click.secho(violation_line(violation.data), fg="red", err=True)
            raise SystemExit(ExitCode.REFUSED)
        enforce_windows(plan, journal)  # issue 23: change windows, exit 3
        if not plan.has_changes:
            journal.record("plan-completed", plan_id=identity, steps=0)
            record_managed(journal, repository.in_scope, scope_kind, settings.root)
            click.echo("Nothing to apply.")
            _unread(plan)
            return None, None
        desired = {e.employer_id: e for _, e in repository.in_scope}
        order = build_work_order(plan, settings.catalog, desired, provider.why_manual())
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
                scope=repository.scope,  # a partial scope reads only what it needs
            ).plan

        for note in provider.notes():  # issue 20: cached or unproven capabilities
            click.echo(note, err=True)
        click.echo(f"Applying (journal: {journal.path})")
        lineage.advance(journal, identity)  # issue 22: a twin of this plan is stale now
        journal.record("plan-started", plan_id=identity, steps=len(plan.steps))
        session = Session(provider, journal, replan, _echo_result, _on_wait, replan_some=replan)
        outcome = session.run(plan, wait_seconds=wait_seconds, interval=interval)
        # What is left for a person after the run (steps Loket refused at apply time
        # included); a finished apply removes its work order (issue 10).
        work_order = _rewrite_work_order(
            outcome.remaining,
            settings,
            desired,
            work_order_dir or state / "work-order",
            provider.why_manual(),
        )
        journal.record(
            "verification",
            remaining=[s.data for s in outcome.remaining.steps],
            matches=not outcome.remaining.has_changes,
        )
        if not outcome.remaining.has_changes:
            journal.record("plan-completed", plan_id=identity, steps=len(plan.steps))
            record_managed(journal, repository.in_scope, scope_kind, settings.root)
    return outcome, work_order
