"""``apply``: perform a plan, journal it, verify the result."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from mijnloket_gitops import __version__
from mijnloket_gitops.apply.journal import Journal
from mijnloket_gitops.cli.apply_flow import STATE_DIR, attempt, finish
from mijnloket_gitops.cli.common import (
    guard_options,
    overrides_from,
    repo_option,
    settings_for,
)
from mijnloket_gitops.errors import ExitCode, MijnloketError, RefusedError, StalePlanError
from mijnloket_gitops.gitutil import dirty_tree, head_commit, untracked_files


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
    metavar="SECONDS",
    default=3600.0,
    show_default=True,
    help="With --wait: how many seconds to wait at most.",
)
@click.option(
    "--poll-interval",
    type=click.FloatRange(min=0.1),
    metavar="SECONDS",
    default=15.0,
    show_default=True,
    help="With --wait: seconds between reads of live state.",
)
@click.option(
    "--work-order-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write the work order for manual steps [default: .mijnloket/work-order].",
)
@click.option(
    "--base",
    "base_ref",
    metavar="REF",
    help="Git ref to compare file ownership with, as `plan --base` [default: the pull"
    " request's base branch in GitHub Actions, else HEAD]; not with PLAN_FILE (it has"
    " its own).",
)
@click.option(
    "--lock-timeout",
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    default=0.0,
    show_default=True,
    help="How long to wait for the apply locks (this checkout's, and the shared one of"
    " lock.remote) before refusing.",
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
    base_ref: str | None,
    lock_timeout: float,
    repo: Path,
    **guards: bool,
) -> None:
    """Make live state match the employer files.

    With PLAN_FILE (from `plan --out`), apply exactly that plan once, refusing (exit 3)
    if the files or live state changed since, if it already completed, if an apply of
    another plan ran since, if it is older than safety.max_plan_age_hours or was made
    against another provider target, catalog or tool version, if it was saved refused,
    if its steps were edited, or if a guard flag not given to `plan` is given here.
    Without it, plan, show the plan and ask for confirmation. Guards and ownership
    policies are checked either way, as `plan` checks them.
    Every attempt is journaled (`mijnloket-gitops journal`). Exit 0 when live state
    matches afterwards, 1 on errors, 3 when refused, 4 when steps wait for a person.
    """
    settings = settings_for(repo)
    if plan_file is not None and targets:
        raise click.UsageError("--target cannot be combined with a plan file")
    if plan_file is not None and base_ref:
        raise click.UsageError("--base cannot be combined with a plan file (it has its own)")
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
            override_windows=sorted(overrides.windows),  # issue 23
            targets=list(targets),
            untracked=untracked_files(root),  # issue 22: apart from ``dirty``
        )
        try:
            outcome, work_order = attempt(
                settings,
                journal,
                plan_file,
                targets,
                overrides,
                auto_approve,
                work_order_dir,
                wait_seconds=timeout if wait else 0,
                interval=poll_interval,
                base_ref=base_ref,
                lock_timeout=lock_timeout,
            )
            if outcome is not None:
                finish(outcome, work_order, plan_file)
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else ExitCode.ERROR
            _finished(journal, _RESULTS.get(code, "error"), code)
            raise
        except MijnloketError as error:
            result = "refused" if isinstance(error, RefusedError) else "error"
            if isinstance(error, StalePlanError):
                result = "stale"
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


COMMANDS = (apply,)
