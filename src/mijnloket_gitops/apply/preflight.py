"""Before a saved plan is applied: is it this plan's first complete run, here and now?

A reviewed plan is an approval for one change, not a standing order: once an apply
of it completed, applying it again is refused (a deliberate revert since then would
be silently undone); an interrupted apply may resume. Once an apply of any other
plan ran since this one was made (plan lineage, :mod:`lineage`), it is stale. The
plan must also be young enough and made against the same provider target, catalog
and tool version.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mijnloket_gitops import __version__
from mijnloket_gitops.apply.history import completed_run
from mijnloket_gitops.apply.lineage import History, stale_reason
from mijnloket_gitops.config import Settings
from mijnloket_gitops.errors import RefusedError, StalePlanError
from mijnloket_gitops.plan.saved import identity_problems


def check_saved_plan(
    saved: Mapping[str, Any],
    plan_id: str,
    settings: Settings,
    provider_target: str,
    journal_dir: Path,
    now: dt.datetime | None = None,
    lineage: list[History] | None = None,
) -> None:
    """Raise RefusedError (exit 3) when ``saved`` may not be applied now; StalePlanError
    when an apply of another plan ran since it was made (``lineage``: the target's
    history, :mod:`lineage`)."""
    done = completed_run(journal_dir, plan_id)
    if done is not None:
        raise RefusedError(
            f"this plan ({plan_id}) was already applied completely at {done.get('time')} by"
            f" {done.get('actor')} (journal {done.get('journal')}); a plan is applied once."
            " Nothing was applied. To change live state again, make and review a new plan."
        )
    if lineage is not None:
        meta = saved["meta"]
        stale = stale_reason(lineage, meta.get("serial"), plan_id, meta.get("serial_read_at"))
        if stale is not None:
            raise StalePlanError(
                f"the saved plan is stale; nothing was applied: {stale}.\n"
                "Make a new plan (`mijnloket-gitops plan --out FILE`), review it and apply"
                " that."
            )
    problems = identity_problems(
        saved,
        provider_target=provider_target,
        catalog_fingerprint=settings.catalog.fingerprint,
        tool_version=__version__,
        max_age_hours=settings.config.safety.max_plan_age_hours,
        now=now or dt.datetime.now(dt.UTC),
    )
    if problems:
        listing = "\n".join(f"  - {p}" for p in problems)
        raise RefusedError(
            f"the saved plan cannot be applied here; nothing was applied:\n{listing}\n"
            "Make a new plan (`mijnloket-gitops plan --out FILE`), review it and apply that."
        )
