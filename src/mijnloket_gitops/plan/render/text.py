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

from mijnloket_gitops.plan.render.common import (
    MANUAL_LEGEND,
    Data,
    changed_employers,
    clean,
    employer_label,
    step_lines,
    summary_line,
    tier_change_text,
    unchecked,
    unknown_products,
)
from mijnloket_gitops.plan.render.cost import employer_cost_text, total_cost_text
from mijnloket_gitops.plan.render.options import RenderOptions

NO_CHANGES = "No changes. Live state matches the configuration."
UNMANAGED_SHOWN = 10
"""Unmanaged employers named before "and N more"."""

_SIGN_COLORS = {"+": "green", "-": "red", "~": "yellow"}


def _style(text: str, options: RenderOptions, **style: Any) -> str:
    return click.style(text, **style) if options.color else text


def _employer_block(employer: Data, options: RenderOptions) -> list[str]:
    header = f"# {employer_label(employer)}  {clean(employer['path'])}"
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


def text_renderer(plan: Data, options: RenderOptions) -> str:
    lines: list[str] = []
    if options.title:
        lines += [_style(clean(options.title), options, bold=True), ""]
    changed = changed_employers(plan)
    for employer in changed:
        block = _employer_block(employer, options)
        cost = employer_cost_text(plan, employer)  # issue 15
        if cost:
            block.insert(1, "  " + _style(f"~ cost: {cost}", options, fg="yellow"))
        lines += block
    if any(s.get("manual") for e in changed for s in e["steps"]):
        lines += [MANUAL_LEGEND, ""]
    unknown = unknown_products(plan)
    if unknown:
        lines.append("Live products the catalog does not know (reported, never touched):")
        lines += [f"  ? {employer_label(e)}: {', '.join(names)}" for e, names in unknown]
        lines.append("")
    hidden = unchecked(plan)
    if hidden:
        lines.append("Not visible to the provider, so not planned; check by hand:")
        lines += [f"  ! {employer_label(e)}: {note}" for e, notes in hidden for note in notes]
        lines.append("")
    if plan["unmanaged"]:
        lines += [_unmanaged_line(plan["unmanaged"]), ""]
    if plan["violations"]:
        lines += _violation_lines(plan["violations"], options)
    total = total_cost_text(plan)  # issue 15
    if total:
        lines.append(total)
    last = summary_line(plan["summary"]) if changed else NO_CHANGES
    lines.append(_style(last, options, bold=True))
    return "\n".join(lines) + "\n"
