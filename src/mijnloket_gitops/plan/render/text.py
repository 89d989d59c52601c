"""The human renderer: a Terraform-like listing, the default of ``plan``.

Per changed employer a header, the tier change on its own ``~`` line, then the steps
in execution order (``+`` activate or grant, ``-`` deactivate or revoke) with their
``[manual]``, ``[blocked: ...]`` and ``[waits on: ...]`` tags. Then unknown live
products, unmanaged employers, guard refusals and the one-line summary. Colour (green
``+``, red ``-``, yellow ``~``) only when ``options.color``.
"""

from __future__ import annotations

from typing import Any

import click

from mijnloket_gitops.plan.render.approvals import HEADING as APPROVALS_HEADING
from mijnloket_gitops.plan.render.approvals import approval_lines
from mijnloket_gitops.plan.render.common import (
    BLOCKED_HEADING,
    FAILED_HEADING,
    INVALID_HEADING,
    MANUAL_LEGEND,
    NO_CHANGES_IN_READ,
    NO_CHANGES_IN_VALID,
    NOTHING_IN_SCOPE,
    REMOVED_HEAD,
    Data,
    aggregate,
    base_ref,
    binding_lines,
    blocked_files,
    changed_employers,
    clean,
    drift_heading,
    drift_lines,
    employer_label,
    file_name_note,
    invalid_files,
    not_read,
    nothing_in_scope,
    overridden_lines,
    read_failures,
    removed_lines,
    scope_line,
    some_employers,
    step_lines,
    summary_line,
    taken_over,
    takes_over_text,
    tier_change_text,
    unchecked,
    unknown_products,
    unverified_only,
)
from mijnloket_gitops.plan.render.cost import employer_cost_text, total_cost_text
from mijnloket_gitops.plan.render.options import RenderOptions
from mijnloket_gitops.plan.render.windows import (
    HEADING,
    LIFTED_HEADING,
    blocked_lines,
    lifted_lines,
)
from mijnloket_gitops.words import plural

NO_CHANGES = "No changes. Live state matches the configuration."
UNMANAGED_SHOWN = 10
"""Unmanaged employers named before "and N more"."""

AGGREGATE_FROM = 20
"""From this many changed employers on, the text plan ends with the changes by kind."""

_SIGN_COLORS = {"+": "green", "-": "red", "~": "yellow"}


def _style(text: str, options: RenderOptions, **style: Any) -> str:
    return click.style(text, **style) if options.color else text


def _ownership_lines(plan: Data, options: RenderOptions) -> list[str]:
    lines: list[str] = []
    removed = removed_lines(plan)
    if removed:
        head = REMOVED_HEAD.format(base=base_ref(plan))
        lines.append(_style(head, options, fg="yellow", bold=True))
        lines += ["  " + _style(f"! {line}", options, fg="yellow") for line in removed]
        lines.append("")
    for employer in taken_over(plan):
        text = f"! {takes_over_text(employer, plan)}"
        lines += [_style(text, options, fg="yellow", bold=True)]
    return [*lines, ""] if taken_over(plan) else lines


def _employer_block(employer: Data, options: RenderOptions) -> list[str]:
    header = f"# {employer_label(employer)}  {clean(employer['path'])}{file_name_note(employer)}"
    lines = [_style(header, options, bold=True)]
    tier = tier_change_text(employer)
    if tier:
        lines.append("  " + _style(f"~ tier: {tier}", options, fg="yellow"))
    for sign, text in step_lines(employer):
        lines.append("  " + _style(text, options, fg=_SIGN_COLORS.get(sign)))
    return [*lines, ""]


def _unmanaged_line(unmanaged: list[Data]) -> str:
    count = len(unmanaged)
    verb = "employer has no file and is" if count == 1 else "employers have no file and are"
    names = ", ".join(
        f"{clean(u['name'])} ({clean(u['employer_id'])})" for u in unmanaged[:UNMANAGED_SHOWN]
    )
    more = f", and {count - UNMANAGED_SHOWN} more" if count > UNMANAGED_SHOWN else ""
    return f"{count} live {verb} left alone: {names}{more}"


def _violation_lines(violations: list[Data], options: RenderOptions) -> list[str]:
    title = f"Refused by {'a safety guard' if len(violations) == 1 else 'safety guards'}:"
    lines = [_style(title, options, fg="red", bold=True)]
    for v in violations:
        where = f" (employer {clean(v['employer_id'])})" if v.get("employer_id") else ""
        lines.append(
            "  "
            + _style("refused:", options, fg="red", bold=True)
            + f" {clean(v['message'])}{where} [{clean(v['guard'])}];"
            f" override with {clean(v['flag'])}"
        )
    return [*lines, ""]


def _window_lines(plan: Data, options: RenderOptions) -> list[str]:
    lines: list[str] = []
    blocked, lifted = blocked_lines(plan, clean), lifted_lines(plan, clean)
    if blocked:
        lines.append(_style(HEADING, options, fg="red", bold=True))
        lines += [f"  {line}" for line in blocked] + [""]
    if lifted:
        lines.append(_style(LIFTED_HEADING, options, bold=True))
        lines += [f"  {line}" for line in lifted] + [""]
    return lines


def text_renderer(plan: Data, options: RenderOptions) -> str:
    lines: list[str] = []
    if options.title:
        lines += [_style(clean(options.title), options, bold=True), ""]
    scope = scope_line(plan)
    if scope:
        lines += [scope, ""]
    lines += _ownership_lines(plan, options)
    changed = changed_employers(plan)
    for employer in changed:
        block = _employer_block(employer, options)
        cost = employer_cost_text(plan, employer)  # issue 15
        if cost:
            block.insert(1, "  " + _style(f"~ cost: {cost}", options, fg="yellow"))
        lines += block
    drift = drift_heading(plan)  # issue 22: drift apart from change
    if drift:
        lines.append(_style(drift, options, bold=True))
        lines += [f"  ~ {line}" for line in drift_lines(plan)] + [""]
    if any(s.get("manual") for e in changed for s in e["steps"]):
        lines += [MANUAL_LEGEND, ""]
    unknown = unknown_products(plan)
    if unknown:
        lines.append("Live products the catalog does not know (reported, never touched):")
        lines += [f"  ? {employer_label(e)}: {', '.join(names)}" for e, names in unknown]
        lines.append("")
    hidden = unchecked(plan)
    if hidden:
        lines.append("Not visible to the provider; check by hand:")
        for note, employers in hidden:
            if len(employers) == 1:
                lines.append(f"  ! {employer_label(employers[0])}: {note}")
            else:
                lines.append(f"  ! {note}")
                count = plural(len(employers), "employer")
                lines.append(f"    for {count}: {some_employers(employers)}")
        lines.append("")
    if len(changed) > AGGREGATE_FROM:
        lines.append(_style("All changes by kind:", options, bold=True))
        lines += [f"  {line}" for line in aggregate(plan)] + [""]
    failures = read_failures(plan)
    if failures:
        lines.append(_style(FAILED_HEADING, options, fg="red", bold=True))
        lines += [f"  x {line}" for line in failures]
        lines.append("")
    blocked = blocked_files(plan)
    if blocked:
        lines.append(_style(BLOCKED_HEADING, options, fg="red", bold=True))
        lines += [f"  x {line}" for line in blocked]
        lines.append("")
    invalid = invalid_files(plan)
    if invalid:
        lines.append(_style(INVALID_HEADING, options, fg="red", bold=True))
        lines += [f"  x {path}" for path in invalid]
        lines.append("")
    if plan["unmanaged"]:
        lines += [_unmanaged_line(plan["unmanaged"]), ""]
    if plan["violations"]:
        lines += _violation_lines(plan["violations"], options)
    overridden = overridden_lines(plan)
    if overridden:
        lines.append(_style("Guards overridden (recorded in the journal):", options, bold=True))
        lines += [f"  {line}" for line in overridden] + [""]
    bound = binding_lines(plan)  # issue 22
    if bound:
        lines += [_style(line, options, bold=True) for line in bound] + [""]
    lines += _window_lines(plan, options)  # issue 23
    approvals = approval_lines(plan, clean)  # issue 23
    if approvals:
        lines.append(_style(APPROVALS_HEADING, options, bold=True))
        for head, reasons in approvals:
            lines += [f"  {head}"] + [f"    - {reason}" for reason in reasons]
        lines.append("")
    total = total_cost_text(plan)  # issue 15
    if total:
        lines.append(total)
    if changed:
        last = summary_line(plan["summary"])
        only = unverified_only(plan)
        if only:
            last += "\n" + only
    elif nothing_in_scope(plan):
        last = NOTHING_IN_SCOPE
    elif plan.get("removed") or taken_over(plan):
        last = "No steps to apply, but who manages which employer changes (above)."
    elif not_read(plan) is None:
        last = NO_CHANGES_IN_VALID if invalid else NO_CHANGES
    elif plan["employers"] or invalid:  # issue 20: never "live state matches" then
        last = NO_CHANGES_IN_VALID if invalid else NO_CHANGES_IN_READ
    else:  # nothing was read: nothing to say about changes
        last = ""
    unread = not_read(plan)
    if unread:
        last = f"{last}\n{unread}" if last else unread
    lines.append(_style(last, options, bold=True))
    return "\n".join(lines) + "\n"
