"""Why the apply workflow refused a reviewed plan for its age, in words for the run.

``apply`` refuses a saved plan older than ``safety.max_plan_age_hours`` (72 by
default): live state moves on, and an approval is for a change seen recently. In the
apply workflow that happens when a pull request's last plan is older than that at its
merge; the job's annotation and summary then say so and how to get a fresh plan,
instead of the general "stale or refused".
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from mijnloket_gitops.config import load_settings
from mijnloket_gitops.errors import MijnloketError


def plan_age_hours(plan_file: Path, now: dt.datetime) -> float | None:
    """How many hours ago the saved plan was made (None when it does not say)."""
    try:
        document = json.loads(plan_file.read_text(encoding="utf-8"))
        created = dt.datetime.fromisoformat(str(document["meta"]["created_at"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if created.tzinfo is None:
        return None
    return (now - created).total_seconds() / 3600


def valid_until(workdir: Path, plan_file: Path) -> dt.datetime | None:
    """When the saved plan at ``plan_file`` becomes too old for ``apply`` under the
    repository's ``safety.max_plan_age_hours`` (None when it cannot tell)."""
    try:
        document = json.loads(plan_file.read_text(encoding="utf-8"))
        created = dt.datetime.fromisoformat(str(document["meta"]["created_at"]))
        limit = load_settings(workdir).config.safety.max_plan_age_hours
    except (OSError, ValueError, KeyError, TypeError, MijnloketError):
        return None
    return created + dt.timedelta(hours=limit) if created.tzinfo is not None else None


def too_old(workdir: Path, plan_file: Path, now: dt.datetime | None = None) -> str | None:
    """What to tell the approver when the plan at ``plan_file`` is older than the
    repository's ``safety.max_plan_age_hours``; None when it is not (or cannot tell)."""
    age = plan_age_hours(plan_file, now or dt.datetime.now(dt.UTC))
    try:
        limit = load_settings(workdir).config.safety.max_plan_age_hours
    except MijnloketError:
        return None
    if age is None or age <= limit:
        return None
    return (
        f"The plan was made {age:.0f} hours ago; plans older than {limit:g} hours are refused "
        "(safety.max_plan_age_hours), so nothing was changed. To get a fresh plan before a "
        'merge: push to the pull request again, or re-run its "mijnloket plan" workflow '
        "run; the comment then shows the new plan. After the merge: run the apply workflow "
        "by hand on main (Actions, mijnloket apply, Run workflow), which plans on main and "
        "waits for that plan to be approved."
    )
