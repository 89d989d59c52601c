"""Which apply run's artifact holds the journals the next apply must see.

A reviewed plan is applied once: ``apply`` refuses a plan whose ``plan-completed``
event is in a journal under ``.mijnloket/journal``. A runner starts empty, so the
apply workflow carries the journals from run to run: each apply job restores the
artifact ``mijnloket-journal`` of the newest earlier apply run, adds its own journal
and uploads the whole folder again. Then a re-run of an old apply run (or a second
run for the same merge) finds that the plan was applied and changes nothing.

Only an artifact of the apply workflow's own runs on the default branch counts: a
``push`` or ``workflow_dispatch`` run of ``.github/workflows/<workflow>`` whose
commit is in the history of the commit being applied. A pull request's author can
push a workflow that uploads an artifact of the same name, but its run has another
event or branch, and a tag named like the default branch has a commit outside its
history; such an artifact is never restored (it could hide a completed plan).
Restored journals older than the artifact's retention are pruned (:func:`prune`).
The run's conclusion does not count: a failed apply's journal (a crash, steps left
open) is exactly what the next apply must reconcile, and a re-run attempt is restored
from its own run's earlier attempt while that run is in progress.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from mijnloket_gitops.apply.history import journal_files, summarise
from mijnloket_gitops.gitops.github import GitHub

JOURNAL_ARTIFACT = "mijnloket-journal"
APPLY_WORKFLOW = "mijnloket-apply.yml"
APPLY_EVENTS = ("push", "workflow_dispatch")
IN_HISTORY = ("ahead", "identical")
"""``compare/RUN...COMMIT`` statuses meaning RUN's commit is in COMMIT's history."""


def _ours(github: GitHub, run: dict[str, Any], workflow: str, branch: str, commit: str) -> bool:
    path = str(run.get("path", "")).split("@", 1)[0]
    head_repository = run.get("head_repository") or {}
    if not (
        path == f".github/workflows/{workflow}"
        and run.get("event") in APPLY_EVENTS
        and run.get("head_branch") == branch
        and head_repository.get("full_name") == github.env.repository
    ):
        return False
    head = str(run.get("head_sha", ""))
    if not head:
        return False
    compared = github.call("GET", f"{github.repo}/compare/{head}...{commit}")
    return bool(compared) and compared.get("status") in IN_HISTORY


def journal_run(github: GitHub, commit: str, workflow: str = APPLY_WORKFLOW) -> int | None:
    """The newest apply run whose ``mijnloket-journal`` artifact the apply of
    ``commit`` restores, or None (the first apply, or every journal expired)."""
    branch = str(github.call("GET", github.repo)["default_branch"])
    found = github.paginate(
        f"{github.repo}/actions/artifacts", {"name": JOURNAL_ARTIFACT}, key="artifacts"
    )
    usable = [a for a in found if not a.get("expired") and a.get("name") == JOURNAL_ARTIFACT]
    usable.sort(key=lambda a: str(a.get("created_at", "")), reverse=True)
    for artifact in usable:
        run_id = int(artifact.get("workflow_run", {}).get("id", 0))
        run = github.call("GET", f"{github.repo}/actions/runs/{run_id}") if run_id else {}
        if run and _ours(github, run, workflow, branch, commit):
            return run_id
    return None


def _started(path: Path) -> dt.datetime | None:
    """The start time in a journal's name (``20261129T200000.123Z-<run>.jsonl``)."""
    try:
        stamp = dt.datetime.strptime(path.name.split("-", 1)[0], "%Y%m%dT%H%M%S.%fZ")
    except ValueError:
        return None
    return stamp.replace(tzinfo=dt.UTC)


def prune(directory: Path, keep_days: int, now: dt.datetime | None = None) -> list[Path]:
    """Remove the finished journals that started more than ``keep_days`` ago (returned).

    Journals name people (logins), so the chain of restored artifacts keeps them no
    longer than one artifact would. Single use is not weakened: apply refuses a plan
    older than ``safety.max_plan_age_hours`` anyway. A journal without a ``finished``
    line is kept at any age: its open steps are for the next apply to reconcile."""
    cutoff = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=keep_days)
    removed: list[Path] = []
    for path in journal_files(directory):
        started = _started(path)
        if started is not None and started < cutoff and summarise(path).result != "interrupted":
            path.unlink()
            removed.append(path)
    return removed
