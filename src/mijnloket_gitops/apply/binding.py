"""A saved plan binds apply to what was reviewed (issue 22).

Whatever ``plan`` refuses, apply refuses too, also from a saved plan: a plan written
in the ``refused`` state is never run; the guard flags given to ``plan`` are part of
the plan (``meta.overrides``), and apply accepts exactly those, no new one; and a plan
whose steps are not what the planner makes from the plan's own live base (edited after
``plan`` wrote it) is refused as tampered, so that what is shown is what runs.
Each check raises :class:`RefusedError` (exit 3); nothing has been applied then.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mijnloket_gitops.config import Settings
from mijnloket_gitops.errors import MijnloketError, RefusedError
from mijnloket_gitops.plan.model import STEP_COUNTS, Plan
from mijnloket_gitops.plan.ownership import Base, default_base_ref, read_base
from mijnloket_gitops.plan.safety import Overrides
from mijnloket_gitops.plan.saved import REFUSED

REPLAN = "Make a new plan (`mijnloket-gitops plan --out FILE`), review it and apply that."


def violation_line(violation: Mapping[str, Any]) -> str:
    """How apply prints a guard that refuses: the guard's message as plan shows it,
    and the flag that overrides it."""
    return f"refused: {violation['message']} (override: {violation['flag']})"


def refuse_refused(saved: Mapping[str, Any]) -> None:
    """A plan saved in the ``refused`` state is never applied."""
    if saved.get("state") != REFUSED:
        return
    reasons = [violation_line(v) for v in saved["violations"]]
    reasons += [f"invalid file left out of the plan: {p}" for p in saved.get("invalid", ())]
    listing = "\n".join(f"  {r}" for r in reasons)
    raise RefusedError(
        f"this plan was refused when it was made; nothing was applied:\n{listing}\n"
        "Fix the cause, or give the override to `plan` where its reviewers see it. " + REPLAN
    )


def bound_overrides(saved: Mapping[str, Any], given: Overrides) -> Overrides:
    """The overrides a saved plan was made with; refuses a flag given to apply that
    was not given to plan (a guard overridden unreviewed)."""
    recorded = Overrides.from_flags(saved["meta"].get("overrides", ()))
    new = sorted(set(given.flags) - set(recorded.flags))
    if new:
        raise RefusedError(
            f"{', '.join(new)} was not given when this plan was made, so its reviewers did"
            " not see it; apply accepts exactly the plan's overrides"
            f" ({', '.join(recorded.flags) or 'none'}). Nothing was applied. To override,"
            f" re-plan: `mijnloket-gitops plan {' '.join(new)} --out FILE`, review it and"
            " apply that."
        )
    return recorded


def _steps(employers: list[Mapping[str, Any]]) -> dict[str, list[Any]]:
    return {str(e["employer_id"]): list(e["steps"]) for e in employers}


def refuse_tampered(saved: Mapping[str, Any], reproduced: Plan) -> None:
    """Refuse ``saved`` unless planning its files against its own live base
    (``reproduced``, see :mod:`plan.replay`) gives exactly its employers' steps and
    step counts."""
    mine = _steps(saved["employers"])
    theirs = _steps([e.data for e in reproduced.employers])
    problems = [
        f"employer {i}: the steps shown are not the steps apply would run"
        for i in sorted(mine.keys() | theirs.keys())
        if mine.get(i) != theirs.get(i)
    ]
    summary = reproduced.summary
    problems += [
        f"summary.{key} says {saved['summary'].get(key)}, the steps make {summary[key]}"
        for key in STEP_COUNTS
        if saved["summary"].get(key) != summary[key]
    ]
    if problems:
        listing = "\n".join(f"  - {p}" for p in problems[:10])
        more = f"\n  … and {len(problems) - 10} more" if len(problems) > 10 else ""
        raise RefusedError(
            "the saved plan was changed after `plan` wrote it (tampered): what it shows is"
            f" not what apply would run; nothing was applied:\n{listing}{more}\n" + REPLAN
        )


def apply_base(
    settings: Settings, saved: Mapping[str, Any] | None, base_ref: str | None
) -> Base | None:
    """The files apply compares ownership with, as ``plan`` does: ``--base``, else the
    default base (the pull request's base branch in CI, else HEAD). A saved plan's own
    ``meta.base_ref`` comes first; where this checkout cannot read it (the apply job
    of CI has not fetched the pull request's base branch), the default base, and the
    last apply's employers (:mod:`last_apply`), stand in. Raises MijnloketError when
    ``--base`` cannot be read; None when the default cannot (no git)."""
    root, folder = settings.root, settings.config.employers_dir
    if saved is not None:
        ref = saved["meta"].get("base_ref")
        found = read_base(root, folder, ref) if ref else None
        return found or read_base(root, folder, default_base_ref(None))
    ref = base_ref or default_base_ref(None)
    base = read_base(root, folder, ref)
    if base is None and base_ref:
        raise MijnloketError(f"cannot read the employer files at {ref} (is it a git ref?)")
    return base
