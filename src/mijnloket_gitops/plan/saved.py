"""Saved plans: write a plan to a file, read it back, and check it is still current.

A saved plan holds the plan's JSON form plus the live state it was computed from.
Applying it re-reads both sides: the employer files must hash the same, and every
live fact must be as it was, or changed exactly the way one of the plan's own steps
changes it (an interrupted apply of this plan did it). Anything else makes the plan
stale and apply refuses.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mijnloket_gitops.errors import MijnloketError, StalePlanError
from mijnloket_gitops.files.model import EmployerFile
from mijnloket_gitops.plan.model import FORMAT_VERSION, Plan
from mijnloket_gitops.providers.base import Action, LiveEmployer

Fact = tuple[str, ...]


# What json.dumps(data, sort_keys=True, ensure_ascii=False) writes, with one encoder
# made once (dumps makes one per call) and no check for reference cycles (plain JSON
# data has none): about 2 µs less per call, twice per employer of a 50,000 plan.
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, check_circular=False)


def canonical_json(data: Any) -> bytes:
    """``data`` as JSON with sorted keys, UTF-8: what fingerprints hash."""
    return _CANONICAL.encode(data).encode()


def fingerprint(data: Any) -> str:
    return hashlib.sha256(canonical_json(data)).hexdigest()


def desired_hash(employer: EmployerFile) -> str:
    """A hash of what a file asks for (its meaning, not its formatting)."""
    data = employer.model_dump(mode="json")
    data["products"] = sorted(data["products"])
    data["users"] = sorted(
        (
            {**u, "login": u["login"].casefold(), "rights": sorted(u["rights"])}
            for u in data["users"]
        ),
        key=lambda u: u["login"],
    )
    return fingerprint(data)[:16]


REFUSED = "refused"
READY = "ready"


def plan_state(plan: Plan) -> str:
    """``refused`` when a guard refuses the plan or a file was left out as invalid
    (``plan`` exits non-zero for either; ``apply`` will not run such a plan), else
    ``ready``."""
    return REFUSED if plan.violations or plan.invalid else READY


def write_plan(path: Path, plan: Plan, live: Mapping[str, LiveEmployer]) -> None:
    """Write ``plan`` with its live base and its state (:func:`plan_state`) atomically
    (temp file, then rename)."""
    # The rename below would put a regular file in place of whatever is at ``path``:
    # a device, a FIFO or a folder given by mistake must be refused, not replaced.
    if path.exists() and not path.is_file():
        raise MijnloketError(
            f"{path}: exists and is not a regular file; write the plan to another path"
        )
    document = {
        **plan.data,
        "state": plan_state(plan),
        "live": {i: live[i].data for i in sorted(live)},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=2, ensure_ascii=False)
            handle.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_plan(path: Path) -> dict[str, Any]:
    """A saved plan's document; raises MijnloketError if it is not one.

    A saved plan arrives as a CI artefact, so it is input like any other: it is
    checked against ``schemas/plan.schema.json`` before anything is read from it.
    """
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MijnloketError(f"{path}: not a readable plan file ({error})") from None
    if not isinstance(document, dict) or "live" not in document:
        raise MijnloketError(f"{path}: not a plan saved with `plan --out`")
    if document.get("format_version") != FORMAT_VERSION:
        raise MijnloketError(
            f"{path}: plan format {document.get('format_version')!r} is not supported"
            f" (this tool writes {FORMAT_VERSION}); make the plan again"
        )
    from mijnloket_gitops.plan.render.plan_schema import plan_validator  # apply only

    errors = sorted(plan_validator().iter_errors(document), key=lambda e: list(e.path))
    if errors:
        shown = "\n".join(
            f"  - at {'/'.join(str(p) for p in e.path) or '(top)'}: {e.message[:200]}"
            for e in errors[:5]
        )
        more = f"\n  … and {len(errors) - 5} more" if len(errors) > 5 else ""
        raise MijnloketError(
            f"{path}: not a valid plan (schemas/plan.schema.json); nothing was applied:\n"
            f"{shown}{more}\nMake a new plan with `mijnloket-gitops plan --out FILE`."
        )
    return document


def plan_id(document: Mapping[str, Any]) -> str:
    """The identity of a plan: a hash of its whole document (steps, base, meta)."""
    return fingerprint(document)[:24]


def identity_problems(
    document: Mapping[str, Any],
    *,
    provider_target: str,
    catalog_fingerprint: str,
    tool_version: str,
    max_age_hours: float,
    now: dt.datetime,
) -> list[str]:
    """Why a saved plan may not be applied here and now: too old, made against another
    provider target, another catalog or another tool version."""
    meta = document["meta"]
    problems: list[str] = []
    try:
        created = dt.datetime.fromisoformat(str(meta.get("created_at")))
    except ValueError:
        created = None
    if created is None or created.tzinfo is None:
        problems.append("it does not say when it was made (meta.created_at)")
    else:
        age = now - created
        if age > dt.timedelta(hours=max_age_hours):
            problems.append(
                f"it was made {created.isoformat()}, {age.total_seconds() / 3600:.1f} hours ago;"
                f" plans older than {max_age_hours:g} hours are refused"
                " (safety.max_plan_age_hours)"
            )
        elif age < -dt.timedelta(minutes=5):
            problems.append(f"it says it was made in the future ({created.isoformat()})")
    if meta.get("provider_target") != provider_target:
        problems.append(
            f"it was made against {meta.get('provider_target')!r}, not {provider_target!r}"
        )
    if meta.get("catalog_fingerprint") != catalog_fingerprint:
        problems.append("it was made with another product catalog (catalog_fingerprint)")
    if meta.get("tool_version") != tool_version:
        problems.append(
            f"it was made by mijnloket-gitops {meta.get('tool_version')}, this is {tool_version}"
        )
    return problems


def facts(live: Mapping[str, Any]) -> set[Fact]:
    """Live state (``LiveEmployer.data``) as a set of comparable facts."""
    found: set[Fact] = {("portal_available", str(live["portal_available"]))}
    found |= {("product", p) for p in live["products"]}
    for user in live["users"]:
        login = user["login"].casefold()
        found.add(("user", login))
        found |= {("right", login, r) for r in user["rights"]}
    return found


def step_fact(step: Mapping[str, Any]) -> tuple[Fact, bool]:
    """The fact a step changes, and whether it makes it true."""
    action = Action(step["action"])
    if step["product"] is not None:
        return ("product", step["product"]), action == Action.ACTIVATE
    return ("right", step["login"].casefold(), step["right"]), action == Action.GRANT


def staleness(saved: Mapping[str, Any], current: Mapping[str, LiveEmployer]) -> list[str]:
    """How live state differs from the saved plan's base beyond the plan's own steps."""
    problems: list[str] = []
    for employer in saved["employers"]:
        eid = employer["employer_id"]
        name = employer["name"]
        if eid not in current:
            problems.append(f"{name}: the employer no longer exists live")
            continue
        before, now = facts(saved["live"][eid]), facts(current[eid].data)
        planned = dict(step_fact(s) for s in employer["steps"])
        for fact in sorted(before ^ now):
            became_true = fact in now
            if planned.get(fact) is became_true:
                continue  # done by this plan (an earlier, interrupted apply)
            problems.append(f"{name}: {_describe(fact, became_true)}")
    return problems


def _describe(fact: Fact, became_true: bool) -> str:
    kind = fact[0]
    if kind == "product":
        return f"{fact[1]} was {'activated' if became_true else 'deactivated'}"
    if kind == "right":
        return f"{fact[2]} was {'granted to' if became_true else 'revoked from'} {fact[1]}"
    if kind == "user":
        return f"user {fact[1]} was {'added' if became_true else 'removed'}"
    return "whether Loket offers MijnLoket changed"


def check_current(
    saved: Mapping[str, Any],
    desired_hashes: Mapping[str, str],
    live: Mapping[str, LiveEmployer],
) -> None:
    """Raise StalePlanError (exit 3) when the saved plan no longer matches either side."""
    problems: list[str] = []
    old = saved["meta"].get("desired_hashes", {})
    for employer in saved["employers"]:
        eid = employer["employer_id"]
        if desired_hashes.get(eid) != old.get(eid):
            problems.append(f"{employer['path']}: the file changed since the plan was made")
    problems += staleness(saved, live)
    if problems:
        listing = "\n".join(f"  - {p}" for p in problems)
        raise StalePlanError(
            f"the saved plan is stale; nothing was applied:\n{listing}\n"
            "Make a new plan (`mijnloket-gitops plan --out FILE`), review it and apply that."
        )
