"""Wording shared by the plan renderers: one line per step, the tier line, summaries.

Everything here reads the plan's JSON form (``Plan.data``) only; see
``docs/plan-format.md`` for its keys.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from mijnloket_gitops.plan.model import PERSONAL_DATA_FLAG
from mijnloket_gitops.plan.ownership import since
from mijnloket_gitops.words import plural

__all__ = ["PERSONAL_DATA_FLAG"]

MANUAL_LEGEND = "manual: a person does this in Loket.nl; apply verifies it afterwards"

SIGNS = {"activate": "+", "deactivate": "-", "grant": "+", "revoke": "-"}

Data = Mapping[str, Any]


def clean(text: object) -> str:
    """``text`` on one line, without control characters (no terminal escapes)."""
    return "".join(ch if ch.isprintable() else "\N{REPLACEMENT CHARACTER}" for ch in str(text))


def changed_employers(plan: Data) -> list[Data]:
    """Employers with at least one step, in plan order."""
    return [e for e in plan["employers"] if e["steps"]]


def employer_label(employer: Data) -> str:
    return f"{clean(employer['name'])} ({clean(employer['employer_id'])})"


def step_subject(step: Data) -> str:
    """``activate Preboarding``, ``grant R to login (user type)``."""
    action = step["action"]
    if step.get("product") is not None:
        return f"{action} {clean(step['product'])}"
    to = "to" if action == "grant" else "from"
    user_type = f" ({clean(step['user_type'])})" if step.get("user_type") else ""
    return f"{action} {clean(step['right'])} {to} {clean(step['login'])}{user_type}"


def _waits_on_label(step: Data, key: str, by_key: Mapping[str, Data]) -> str:
    other = by_key.get(key)
    if other is None:
        return clean(key)
    name = other["product"] if other.get("product") is not None else other["right"]
    if other.get("login") is not None:
        name = f"{name} for {other['login']}"
    prefix = "" if other["action"] == step["action"] else f"{other['action']} "
    return prefix + clean(name)


def step_tags(step: Data, by_key: Mapping[str, Data]) -> list[str]:
    """Bracketed annotations: manual, blocked with its reason, waits-on, flags."""
    tags = []
    if step.get("manual"):
        tags.append("[manual]")
    if step.get("blocked"):
        tags.append(f"[blocked: {clean(step['blocked'])}]")
    if step.get("waits_on"):
        names = ", ".join(_waits_on_label(step, k, by_key) for k in step["waits_on"])
        tags.append(f"[waits on: {names}]")
    tags.extend(f"[{clean(flag)}]" for flag in step.get("flags", ()))
    return tags


def step_lines(employer: Data) -> list[tuple[str, str]]:
    """``(sign, line)`` for each step of ``employer``, in plan order."""
    by_key = {s["key"]: s for s in employer["steps"]}
    lines = []
    for step in employer["steps"]:
        sign = SIGNS.get(step["action"], "?")
        tags = step_tags(step, by_key)
        text = f"{sign} {step_subject(step)}" + ("  " + " ".join(tags) if tags else "")
        lines.append((sign, text))
    return lines


def tier_change_text(employer: Data, arrow: str = "->") -> str | None:
    """``plus -> pro (MijnLoket - Preboarding)``, or None without a tier change."""
    tier = employer["tier"]
    if not tier.get("change"):
        return None
    before, after = tier.get("before") or "off", tier.get("after") or "off"
    reasons = ", ".join(clean(r["product"]) for r in tier.get("reasons", ()))
    return f"{before} {arrow} {after}" + (f" ({reasons})" if reasons else "")


def summary_line(summary: Data) -> str:
    """``N to activate, N to deactivate, N rights to grant, N to revoke, N tier changes``.

    Manual and blocked counts follow in parentheses when they are not zero.
    """
    line = (
        f"{summary['activate']} to activate, {summary['deactivate']} to deactivate, "
        f"{plural(summary['grant'], 'right to grant')}, {summary['revoke']} to revoke, "
        f"{plural(summary['tier_changes'], 'tier change')}"
    )
    extra = []
    if summary.get("manual"):
        extra.append(plural(summary["manual"], "manual step"))
    if summary.get("blocked"):
        extra.append(f"{summary['blocked']} blocked")
    if summary.get("unverified"):
        extra.append(f"{summary['unverified']} unverified")
    return line + (f" ({', '.join(extra)})" if extra else "")


def employer_counts(employer: Data) -> str:
    """A short tally of one employer's steps: ``2 to activate, 1 to grant``."""
    steps = employer["steps"]
    parts = []
    for action in ("activate", "deactivate", "grant", "revoke"):
        count = sum(1 for s in steps if s["action"] == action)
        if count:
            parts.append(f"{count} to {action}")
    manual = sum(1 for s in steps if s.get("manual"))
    blocked = sum(1 for s in steps if s.get("blocked"))
    if manual:
        parts.append(f"{manual} manual")
    if blocked:
        parts.append(f"{blocked} blocked")
    return ", ".join(parts)


def unknown_products(plan: Data) -> list[tuple[Data, list[str]]]:
    """Employers with live products the catalog does not know, and those products."""
    return [
        (e, [clean(p) for p in e["unknown_live_products"]])
        for e in plan["employers"]
        if e.get("unknown_live_products")
    ]


def unchecked(plan: Data) -> list[tuple[str, list[Data]]]:
    """Wishes the provider cannot see (to be checked by hand), each note once with the
    employers it concerns, in plan order. A note many employers share (Loket.nl does not
    let us read some user type's rights; one provider user in every employer) is one
    item, not one per employer: at 800 employers the list would bury everything else."""
    groups: dict[str, list[Data]] = {}
    for employer in plan["employers"]:
        for note in employer.get("unchecked") or ():
            groups.setdefault(clean(note), []).append(employer)
    return list(groups.items())


NAMED_AT_MOST = 5
"""How many employers a shared note names before it counts the rest."""


def some_employers(employers: list[Data], name: Callable[[Data], str] = employer_label) -> str:
    """``A, B, C and 4 more (the JSON plan lists each)``."""
    shown = ", ".join(name(e) for e in employers[:NAMED_AT_MOST])
    more = len(employers) - NAMED_AT_MOST
    return shown + (f" and {more} more (the JSON plan lists each)" if more > 0 else "")


def unverified_only(plan: Data) -> str | None:
    """The closing line when every step is one Loket.nl cannot show (rights it does not
    let us read) and no ownership changes: apply sends them each time, and
    ``--detailed-exitcode`` exits 0."""
    summary = plan["summary"]
    steps = sum(summary[a] for a in ("activate", "deactivate", "grant", "revoke"))
    count = summary.get("unverified", 0)
    if not count or count != steps or summary["tier_changes"]:
        return None
    if plan.get("removed") or taken_over(plan):
        return None
    return (
        f"No verifiable changes: the {plural(count, 'rights step')} above cannot be read"
        " back from Loket.nl, so every apply sends them again (unverified);"
        " --detailed-exitcode exits 0 for them."
    )


def personal_data_grants(employers: Iterable[Data]) -> list[tuple[Data, Data]]:
    """``(employer, step)`` for every grant flagged as exposing personal data."""
    return [
        (e, s)
        for e in employers
        for s in e["steps"]
        if s["action"] == "grant" and PERSONAL_DATA_FLAG in s.get("flags", ())
    ]


# issue 12: identity, ownership and scope, shared by the renderers


def file_name_note(employer: Data) -> str:
    """`` (file: "X")`` when the file names the employer differently from Loket."""
    file_name = employer.get("file_name")
    if not file_name or file_name == employer["name"]:
        return ""
    return f' (file: "{clean(file_name)}")'


def base_ref(plan: Data) -> str:
    return clean(since(plan.get("meta", {})))  # issue 22: and/or the last apply


def removed_lines(plan: Data) -> list[str]:
    """One line per employer newly unmanaged since the base ref."""
    return [
        f"{clean(r['name'])} ({clean(r['employer_id'])}): {clean(r['path'])} "
        + (
            "is still there but names another employer now (its employer_id was changed)"
            if r.get("file_kept")
            else "was removed"
        )
        for r in plan.get("removed", ())
    ]


REMOVED_HEAD = (
    "Newly unmanaged since {base}: the file was removed, but the employer keeps every"
    " product (and its bill) in Loket. To offboard, keep the file with no products."
)


def taken_over(plan: Data) -> list[Data]:
    return [e for e in plan["employers"] if e.get("takes_over_management")]


def takes_over_text(employer: Data, plan: Data) -> str:
    return (
        f"takes over management of {clean(employer['name'])} ({clean(employer['employer_id'])}):"
        f" no file managed it at {base_ref(plan)}"
    )


def scope_line(plan: Data) -> str | None:
    """``Scope: --target X (1 of 8 managed employers)``, or None for a full plan."""
    scope = plan.get("meta", {}).get("scope") or {"kind": "all"}
    if scope.get("kind", "all") == "all":
        return None
    parts = []
    if scope.get("targets"):
        parts.append("--target " + ", ".join(clean(t) for t in scope["targets"]))
    if scope.get("changed_since"):
        parts.append(f"--changed-since {clean(scope['changed_since'])}")
    if scope.get("where"):  # issue 15: selectors
        parts.append(f"--where {clean(scope['where'])}")
    counted = ""
    if "employers_in_scope" in scope:
        counted = (
            f" ({scope['employers_in_scope']} of"
            f" {plural(scope.get('employers_managed', 0), 'managed employer')} in scope;"
            " the others were not compared)"
        )
    return "Scope: " + " ".join(parts) + counted


def nothing_in_scope(plan: Data) -> bool:
    scope = plan.get("meta", {}).get("scope") or {}
    if scope.get("kind", "all") == "all":
        return False
    return int(scope.get("employers_in_scope", len(plan["employers"]))) == 0


NOTHING_IN_SCOPE = "Nothing in scope: no employer file matches the scope, so nothing was compared."


DRIFT_SHOWN = 50
"""Drift lines listed; the rest are counted."""


def drift_heading(plan: Data) -> str | None:
    """Issue 22: the heading of the drift section, or None without drift."""
    drift = plan.get("drift") or {}
    if not drift.get("steps"):
        return None
    return (
        f"Changed in Loket since the last apply ({clean(str(drift.get('since')))}), not in"
        f" the files ({len(drift['steps'])}); apply puts back what the files say:"
    )


def drift_lines(plan: Data) -> list[str]:
    """One line per drift step (see :mod:`mijnloket_gitops.plan.drift`), capped."""
    keys = set((plan.get("drift") or {}).get("steps", ()))
    found = [
        f"{employer_label(e)}: {step_subject(s)}"
        for e in plan["employers"]
        for s in e["steps"]
        if s["key"] in keys
    ]
    if len(found) > DRIFT_SHOWN:
        found = [*found[:DRIFT_SHOWN], f"… and {len(found) - DRIFT_SHOWN} more"]
    return found


def binding_lines(plan: Data) -> list[str]:
    """Issue 22: a saved plan's state when refused, and the guard flags given to plan
    (``meta.overrides``), which are all that apply of the saved plan accepts."""
    lines = []
    if plan.get("state") == "refused":
        lines.append("State: refused; apply will not run this plan.")
    flags = plan.get("meta", {}).get("overrides") or ()
    if flags:
        lines.append(f"Overrides given to plan: {', '.join(clean(str(f)) for f in flags)}")
    return lines


def overridden_lines(plan: Data) -> list[str]:
    return [
        f"{clean(v['message'])} [{clean(v['guard'])}], overridden by {clean(v['overridden_by'])}"
        for v in plan.get("overridden", ())
    ]


# issue 12: output that scales. When a plan is too large to list, every category is
# still there, aggregated: how often each change happens, tier changes by from -> to.

_ACTION_ORDER = {"revoke": 0, "deactivate": 1, "activate": 2, "grant": 3}


def aggregate(plan: Data, arrow: str = "->") -> list[str]:
    """``deactivate Workflow editor: 812``-style lines over the whole plan, then tier
    changes by before -> after with counts; bounded by the catalog's size."""
    counts: dict[tuple[str, str], int] = {}
    tiers: dict[tuple[str, str], int] = {}
    for employer in plan["employers"]:
        for step in employer["steps"]:
            subject = step["product"] if step.get("product") is not None else step["right"]
            key = (step["action"], str(subject))
            counts[key] = counts.get(key, 0) + 1
        tier = employer["tier"]
        if tier.get("change"):
            move = (tier.get("before") or "off", tier.get("after") or "off")
            tiers[move] = tiers.get(move, 0) + 1
    lines = [
        f"{action} {clean(subject)}: {count}"
        for (action, subject), count in sorted(
            counts.items(), key=lambda item: (_ACTION_ORDER.get(item[0][0], 9), -item[1], item[0])
        )
    ]
    lines += [
        f"tier {before} {arrow} {after}: {plural(count, 'employer')}"
        for (before, after), count in sorted(tiers.items(), key=lambda item: -item[1])
    ]
    return lines


def read_failures(plan: Data) -> list[str]:
    """One line per managed employer whose live state could not be read (not planned)."""
    return [
        f"{clean(f['name'])} ({clean(f['employer_id'])}), {clean(f['path'])}: "
        + clean(" ".join(str(f["message"]).split("\n")))  # its lines on one line
        for f in plan.get("failed", ())
    ]


FAILED_HEADING = "Could not be read, so not planned (the exit code is 1):"

_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")

_READ_HINTS = {
    "loket": " If Loket.nl does not offer a read the tool uses, set it to `off` under"
    " provider.capabilities; `mijnloket-gitops loket check` shows which reads it offers."
}
"""Per provider, what to do about reads that fail (issue 20)."""


def not_read(plan: Data) -> str | None:
    """The closing line when employers could not be read: how many, why (each distinct
    first line of the messages, at most two), what to do; never "live state matches"."""
    failed = plan.get("failed") or ()
    if not failed:
        return None
    # one reason per kind of failure: the same answer for other employers' ids is one
    firsts = (str(f["message"]).split("\n")[0] for f in failed)
    reasons = list(dict.fromkeys(clean(_UUID.sub("{id}", line)) for line in firsts))
    why = "; ".join(r[:200] for r in reasons[:2]) + (" ..." if len(reasons) > 2 else "")
    return (
        f"{plural(len(failed), 'employer')} could not be read, so their live state is"
        f" unknown and they were not planned ({why}).{_READ_HINTS.get(plan['provider'], '')}"
    )


INVALID_HEADING = "Invalid, so not planned (the exit code is 1; `validate` shows why):"

NO_CHANGES_IN_VALID = "No changes in the valid files."

NO_CHANGES_IN_READ = "No changes in the employers that were read."


def invalid_files(plan: Data) -> list[str]:
    """The employer files left out of the plan because they are invalid."""
    return [clean(path) for path in plan.get("invalid", ())]


BLOCKED_HEADING = (
    "Blocked by their employer_id, so not planned (the exit code is 1; the others are planned):"
)


def blocked_files(plan: Data) -> list[str]:
    """One line per file left out because its employer_id is not live or names another
    company, with both names."""
    return [clean(b["message"]) for b in plan.get("blocked", ())]
